"""The pages in a real headless Chromium: they load, links work, and they look right.

The publish app runs under uvicorn in a subprocess on a free port, against a SQLite
database seeded with a handful of reports. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from danvan_shared.extraction_schema import Campaign, Person, ProvinceRef, Unit
from tests.conftest import ARTIFACTS_DIR, IN_CI
from tests.publish.conftest import HA_GIANG, StoreReport, make_extraction, period

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite is enough here: the API tests cover PostgreSQL."""
    return sqlite_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(store_report: StoreReport) -> str:
    start = datetime(2022, 7, 1, tzinfo=UTC)
    hostile = store_report(body='Báo cáo <script>alert("x")</script> sơ kết', published_at=start)
    store_report(published_at=start + timedelta(days=1))
    store_report(
        make_extraction(
            province=HA_GIANG,
            province_2025=None,
            period=period("2022-9M", "9M"),
            unit=Unit(name="Bắc Quang", kind="huyen", body="Huyện ủy"),
            event_key="bq|9m",
            people=[Person(name="Nguyễn Văn Sơn", roles=["chair"], titles=["Bí thư Huyện ủy"])],
        ),
        published_at=start + timedelta(days=80),
    )
    lang_son = ProvinceRef(code="20", name="Lạng Sơn", slug="lang-son")
    for number, (key, kind) in enumerate(
        [("2023", "FY"), ("2023-H1", "H1"), ("2024-Q1", "Q1"), ("2021-2025", "multi_year")]
    ):
        store_report(
            make_extraction(
                province=lang_son,
                province_2025=None,
                level="province",
                meeting_type="tong_ket" if kind in ("FY", "multi_year") else "so_ket",
                unit=Unit(name="Lạng Sơn", kind="tinh", body="Tỉnh ủy"),
                period=period(key, kind),
                event_key=f"ls|{key}",
                campaigns=[Campaign(name="Dân vận khéo"), Campaign(name="Chính quyền thân thiện")],
            ),
            published_at=start + timedelta(days=200 + 40 * number),
        )
    return str(hostile)


@pytest.fixture
def server(store_report: StoreReport, publish_db: str) -> Iterator[tuple[str, str]]:
    report_id = _seed(store_report)
    port = _free_port()
    env = {
        **os.environ,
        "DANVAN_DATABASE_URL": publish_db,
        "DANVAN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "danvan_publish.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("the publish app did not start")
        yield base, report_id
    finally:
        process.terminate()
        process.wait(timeout=10)


def _browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"{message}; with CI=true the browser test must run")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def test_pages_load_link_and_render(server: tuple[str, str]) -> None:
    base, report_id = server
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with _browser() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))

        page.goto(base + "/")
        assert "Hội nghị công tác dân vận" in page.locator("h1").inner_text()
        # The samples' latest period ends after 1 July 2025: the 34 provinces come first.
        assert page.locator("#boundary-2025.active").count() == 1
        assert page.locator("#matrix tbody tr").count() == 35  # national + 34 provinces
        page.click("#boundary-old")
        page.wait_for_url("**/?boundary=old")
        assert page.locator("#matrix tbody tr").count() == 64  # national + 63 provinces
        page.screenshot(path=str(ARTIFACTS_DIR / "publish-dashboard.png"), full_page=False)
        page.fill("#province-filter", "lang son")
        assert page.locator("#matrix tbody tr:visible").count() == 1
        page.click("#boundary-2025")
        page.wait_for_url("**/?boundary=2025")
        assert page.locator("#matrix tbody tr").count() == 35
        assert page.locator("td a").count() > 0
        page.screenshot(path=str(ARTIFACTS_DIR / "publish-dashboard-2025.png"))

        page.click("text=Lạng Sơn")
        page.wait_for_url("**/provinces/lang-son-2025")
        assert "Dân vận khéo" in page.content()
        page.goto(base + "/provinces/tuyen-quang")
        assert "Hà Đức Tập" in page.locator(".timeline").inner_text()
        page.screenshot(path=str(ARTIFACTS_DIR / "publish-province.png"), full_page=True)
        feed = page.locator("ul.feeds a", has_text="Atom").first.get_attribute("href")
        assert feed and httpx.get(base + feed).status_code == 200

        page.locator(".timeline a.title").first.click()
        page.wait_for_url("**/reports/*")
        assert page.locator("mark.ent-person").count() >= 1
        assert page.locator("mark.ent-period").first.inner_text() == "6 tháng đầu năm"
        page.screenshot(path=str(ARTIFACTS_DIR / "publish-report.png"), full_page=True)
        page.locator("#kinds button[data-kind=person]").click()
        assert "hidden" in (page.locator("mark.ent-person").first.get_attribute("class") or "")

        page.goto(f"{base}/reports/{report_id}")  # the report with a script tag in its body
        assert "<script>" in page.locator("#report-text").inner_text()
        browser.close()
    assert errors == []
