"""`danvan serve --samples` (what `make run` starts) on the embedded default:
everything comes up, the samples flow into feeds, and Ctrl-C stops every process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.support import free_port, wait_until

pytestmark = pytest.mark.slow


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_serve_runs_the_samples_into_feeds_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("ingest", "publish", "flower", "broker")}
    env = {
        **os.environ,
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
        "DANVAN_INGEST_PORT": str(ports["ingest"]),
        "DANVAN_PUBLISH_PORT": str(ports["publish"]),
        "DANVAN_FLOWER_PORT": str(ports["flower"]),
        "DANVAN_EMBEDDED_BROKER_PORT": str(ports["broker"]),
        "DANVAN_FLOWER_PASSWORD": "s3cret-for-test",
        "DANVAN_LOG_LEVEL": "WARNING",
    }
    env.pop("DANVAN_DATABASE_URL", None)
    env.pop("DANVAN_BROKER_URL", None)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "danvan_shared.cli", "serve", "--samples"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_until(
            lambda: "dashboard:" in log_path.read_text(errors="replace"),
            150,
            interval=0.5,
            message="samples submitted and feeds listed",
        )
        output = log_path.read_text(errors="replace")
        assert "0 failed" not in output and "failed" not in output.split("report statuses:")[1]
        feed_urls = [
            line.strip()
            for line in output.splitlines()
            if "/v1/feeds/" in line and line.strip().startswith("http")
        ]
        assert len(feed_urls) >= 8
        assert httpx.get(feed_urls[0]).status_code == 200
        assert (tmp_path / "var" / "danvan.db").exists()  # SQLite under the data dir

        flower = f"http://127.0.0.1:{ports['flower']}/api/workers"
        wait_until(lambda: _status(flower, None) == 401, 30, message="Flower up")
        assert _status(flower, ("operator", "s3cret-for-test")) == 200

        started = children_of(serve.pid)
        assert len(started) >= 6  # broker, ingest, publish, two workers, flower
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(pid) for pid in started):
            time.sleep(0.2)
        assert not [pid for pid in started if alive(pid)], "processes left behind"
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def _status(url: str, auth: tuple[str, str] | None) -> int:
    try:
        return httpx.get(url, auth=auth, timeout=5).status_code
    except httpx.HTTPError:
        return 0
