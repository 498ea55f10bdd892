"""Starting the pipeline's real processes for integration tests.

The commands come from ``danvan_launcher.supervisor.process_command``, so the
tests run exactly what ``make run`` and docker-compose run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from danvan_launcher.supervisor import process_command
from danvan_shared.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    interval: float = 0.2,
    message: str | Callable[[], str] = "condition",
) -> None:
    """Poll ``predicate``; a callable ``message`` describes the state at the timeout,
    not the state when the wait began."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    described = message() if callable(message) else message
    raise AssertionError(f"{described} not reached within {timeout:.0f} s")


def wait_for_progress(
    progress: Callable[[], int],
    goal: int,
    *,
    stall: float,
    interval: float = 0.5,
    message: str = "progress",
) -> None:
    """Wait until ``progress()`` reaches ``goal``, for as long as it keeps moving; fail
    only when it has not moved for ``stall`` seconds.

    For waits whose length depends on the machine's load: the 2 cores are shared
    with parallel test runs, which slows a pipeline down but never stops it, so a
    fixed deadline fails healthy runs while a stuck one is caught just as well.
    """
    last, moved = progress(), time.monotonic()
    while last < goal:
        if time.monotonic() - moved > stall:
            raise AssertionError(f"{message}: stuck at {last} of {goal} for {stall:.0f} s")
        time.sleep(interval)
        current = progress()
        if current != last:
            last, moved = current, time.monotonic()


class Processes:
    """Pipeline processes started with a given environment; all stopped on close."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def settings(self) -> Settings:
        overrides = {
            key.removeprefix("DANVAN_").lower(): value
            for key, value in self.env.items()
            if key.startswith("DANVAN_")
        }
        return Settings(**overrides)

    def start(self, name: str) -> subprocess.Popen[bytes]:
        command = process_command(name, self.settings())
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the process and its children, like an OOM kill or a pulled plug."""
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.running.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def close(self) -> None:
        for name in [name for name in self.running if name != "broker"]:
            self.stop(name)
        if "broker" in self.running:
            self.stop("broker")

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""
