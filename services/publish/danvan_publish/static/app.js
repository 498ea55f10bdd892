// Small progressive enhancements; every page works without them.
(function () {
  // Dashboard: filter the province rows by name (accents optional).
  var filter = document.getElementById("province-filter");
  var fold = function (s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").toLowerCase();
  };
  if (filter) {
    filter.addEventListener("input", function () {
      var wanted = fold(filter.value.trim());
      document.querySelectorAll("#matrix tbody tr").forEach(function (row) {
        row.hidden = wanted !== "" && fold(row.dataset.name || "").indexOf(wanted) === -1;
      });
    });
  }
  // Report page: show or hide one kind of highlight.
  document.querySelectorAll("#kinds button").forEach(function (button) {
    button.addEventListener("click", function () {
      var off = button.classList.toggle("off");
      document.querySelectorAll("#report-text mark.ent-" + button.dataset.kind).forEach(function (mark) {
        mark.classList.toggle("hidden", off);
      });
    });
  });
})();
