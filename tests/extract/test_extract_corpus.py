"""The extractor against the gold corpus, when the corpus is available."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CORPUS_DIR, IN_CI

# The shared corpus beside the repository (../shared/corpus): seeds, dev and dev2 (80 reports
# scored before any rule was tuned on them), judged together against issue 8's goal.
FILES = [CORPUS_DIR / name for name in ("seeds.jsonl", "dev.jsonl", "dev2.jsonl")]


def test_eval_meets_targets_on_the_shared_corpus() -> None:
    import typer

    from danvan_extract.cli import evaluate
    from danvan_extract.evaluation import TARGETS

    missing = [str(path) for path in FILES if not path.exists()]
    if missing:
        message = f"gold corpus not found: {', '.join(missing)}"
        if IN_CI:
            pytest.fail(f"{message}; with CI=true the corpus test must run")
        pytest.skip(message)
    app = typer.Typer()
    app.command()(evaluate)
    result = CliRunner().invoke(app, [*map(str, FILES), "--json"])
    assert result.exit_code == 0, result.output
    fields = json.loads(result.output)["fields"]
    for name, target in TARGETS.items():
        assert fields[name]["accuracy"] >= target, (name, fields[name]["misses"])


def test_extract_command_reports_bad_lines(tmp_path: Path) -> None:
    import typer

    from danvan_extract.cli import extract

    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "a", "text": "Huyện ủy Chiêm Hóa tổng kết công tác dân vận năm 2022."}\n'
        "not json\n"
        '{"id": "b", "text": 5}\n'
        '{"id": "c", "text": "Ngày 3/1/2023, Thành ủy Lạng Sơn sơ kết công tác dân vận."}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    app = typer.Typer()
    app.command()(extract)
    result = CliRunner().invoke(app, [str(source), "--output", str(out)])
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output
    assert "Traceback" not in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "c"]
    assert lines[0]["unit"]["name"] == "Chiêm Hóa"


def test_extract_command_reads_host_provinces(tmp_path: Path) -> None:
    import typer

    from danvan_extract.cli import extract

    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "a",
                "url": "https://tinmoi-example.vn/tin/1",
                "text": "Ngày 3/1/2024, Ban Dân vận Tỉnh ủy tổng kết công tác dân vận năm 2023.",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    table = tmp_path / "hosts.json"
    table.write_text('{"tinmoi-example": "Nghệ An", "x": "Không Có"}', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    app = typer.Typer()
    app.command()(extract)
    args = [str(source), "--output", str(out), "--host-provinces", str(table)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["province"]["name"] == "Nghệ An" and line["province"]["evidence"] == "url"
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    args = [str(source), "--output", str(out), "--host-provinces", str(bad)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "expected a JSON object" in result.output
