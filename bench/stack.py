"""A danvan stack of the benchmark's own, started for one run and gone after it.

``Stack`` runs ``danvan serve --only …`` (the same process commands ``make run``
starts, so a bench measures whatever the services' current code does, including the
queues their workers consume) on one of two backends:

- ``postgres``: a ``redis-server`` of its own on a free port (no persistence, killed
  at the end) and a scratch PostgreSQL database (created, migrated, dropped);
- ``embedded``: the defaults a user gets, SQLite and the embedded Valkey broker, both
  under a temporary data directory (removed at the end).

The machine's shared Redis is never used: a bench that ``FLUSHDB``-ed a shared
database number once wiped other people's queues. Everything started is stopped on
exit, on Ctrl-C and on SIGTERM (``Stack`` is a context manager and ``interruptible``
turns SIGTERM and SIGHUP into ``KeyboardInterrupt``); if the bench itself is killed
outright the kernel sends SIGTERM to ``danvan serve`` and ``redis-server``
(``PR_SET_PDEATHSIG``), and serve stops its own children. Only a scratch database
(``danvan_bench_*``) can be left behind then.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType, TracebackType

import httpx
from scratch import create_scratch_database, drop_scratch_database

BACKENDS = ("postgres", "embedded")
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn``: the child gets SIGTERM when the bench dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def pipeline_processes() -> tuple[str, ...]:
    """What ``danvan serve --only`` can start, but the publish API and Flower: neither
    is on a report's way to its feeds, and Flower would spend a core's share on the
    workers' task events. Read from the launcher, so a worker process added there
    (one for the bulk queues, say) is started too."""
    try:
        from danvan_launcher.supervisor import PROCESS_NAMES
    except ImportError:
        return ("ingest", "extract", "publish-worker")
    return tuple(name for name in PROCESS_NAMES if name not in ("broker", "publish", "flower"))


def _danvan() -> list[str]:
    script = Path(sys.executable).with_name("danvan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "danvan_shared.cli"]


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGHUP end the bench like Ctrl-C (``KeyboardInterrupt``), so its
    cleanup runs. Python's own SIGINT handler is installed too: a bench started from a
    background job inherits SIGINT ignored; being the default one, ``asyncio.run``
    replaces it with its own and cancels its task cleanly."""

    def _as_ctrl_c(_signum: int, _frame: FrameType | None) -> None:
        signal.raise_signal(signal.SIGINT)

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler)}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous[sig] = signal.signal(sig, _as_ctrl_c)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_ready(url: str, timeout: float, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the stack exited before {url} was ready")
        try:
            if httpx.get(url, timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready within {timeout:.0f} s")


class Stack:
    """``with Stack("postgres") as stack:`` prepares the database (and Redis), so a bench
    can load data before any worker runs; ``stack.start()`` then starts the processes.
    Leaving the ``with`` stops and removes everything, however it is left.
    """

    def __init__(
        self,
        backend: str,
        *,
        extract_workers: int = 2,
        processes: tuple[str, ...] | None = None,
        pg_admin_url: str = PG_ADMIN_URL,
        log_level: str = "WARNING",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
        if backend == "postgres" and shutil.which("redis-server") is None:
            raise SystemExit("--backend postgres needs redis-server installed (apt redis-server)")
        self.backend = backend
        self.extract_workers = extract_workers
        self.processes = processes or pipeline_processes()
        self.pg_admin_url = pg_admin_url
        self.log_level = log_level
        self.extra_env = extra_env or {}
        self.workdir = Path(tempfile.mkdtemp(prefix=f"danvan-bench-{backend}-"))
        self.ingest_port = free_port()
        self.metrics_ports = {
            "extract": free_port(),
            "publish-worker": free_port(),
            "publish-bulk": free_port(),
        }
        self.database_url = ""
        self.broker_url = ""
        self._redis: subprocess.Popen[bytes] | None = None
        self._serve: subprocess.Popen[bytes] | None = None
        self._scratch = False

    # ---- what a bench reads ------------------------------------------------------------

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.ingest_port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "serve.log"

    @property
    def kept_log(self) -> Path:
        """Where the processes' output is kept after the run (the rest is removed)."""
        return self.workdir.with_name(f"{self.workdir.name}.log")

    def describe(self) -> str:
        if self.backend == "postgres":
            database = self.database_url.rsplit("/", 1)[-1]
            return f"Redis {self.broker_url.rsplit('/', 1)[0]} (own) + PostgreSQL {database}"
        return f"embedded broker {self.broker_url.rsplit('/', 1)[0]} + SQLite {self.workdir}"

    def env(self) -> dict[str, str]:
        """The environment of every danvan process of this stack (also for ``danvan
        reprocess``): nothing inherited from the caller's ``DANVAN_*`` settings."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("DANVAN_")}
        env.update(
            {
                "DANVAN_DATA_DIR": str(self.workdir / "var"),
                "DANVAN_DATABASE_URL": self.database_url,
                "DANVAN_LOG_LEVEL": self.log_level,
                "DANVAN_INGEST_PORT": str(self.ingest_port),
                "DANVAN_PUBLISH_PORT": str(free_port()),
                "DANVAN_FLOWER_PORT": str(free_port()),
                "DANVAN_EXTRACT_METRICS_PORT": str(self.metrics_ports["extract"]),
                "DANVAN_PUBLISH_WORKER_METRICS_PORT": str(self.metrics_ports["publish-worker"]),
                "DANVAN_PUBLISH_BULK_METRICS_PORT": str(self.metrics_ports["publish-bulk"]),
                "DANVAN_EXTRACT_CONCURRENCY": str(self.extract_workers),
                # One client sending thousands of reports: not what the per-client limit is for.
                "DANVAN_RATE_LIMIT_PER_MINUTE": "1000000000",
            }
        )
        if self.backend == "postgres":
            env["DANVAN_BROKER_URL"] = self.broker_url
        else:
            env["DANVAN_EMBEDDED_BROKER_PORT"] = self.broker_url.rsplit(":", 1)[1].split("/")[0]
        env.update(self.extra_env)
        return env

    def danvan(self, *arguments: str, **popen: object) -> subprocess.Popen[bytes]:
        """Run a ``danvan`` command against this stack (the caller waits for it)."""
        return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
            [*_danvan(), *arguments], env=self.env(), cwd=self.workdir, **popen
        )

    # ---- lifetime ----------------------------------------------------------------------

    def prepare(self) -> None:
        """The database (migrated, empty) and, on postgres, the Redis server."""
        if self.database_url:
            return
        if self.backend == "postgres":
            self.database_url = create_scratch_database(self.pg_admin_url, "danvan_bench")
            self._scratch = True
            port = free_port()
            self._redis = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
                + ["--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
            self.broker_url = f"redis://127.0.0.1:{port}/0"
        else:
            from danvan_shared.migrate import upgrade_database

            self.database_url = f"sqlite:///{self.workdir / 'var' / 'danvan.db'}"
            upgrade_database(self.database_url)
            self.broker_url = f"redis://127.0.0.1:{free_port()}/0"

    def start(self, timeout: float = 90) -> Stack:
        self.prepare()
        names = [name for name in self.processes if name != "broker"]
        if not self._publish_bulk_runs():
            names = [name for name in names if name != "publish-bulk"]
        if self.backend == "embedded":
            names.insert(0, "broker")
        arguments = ["serve", "--no-migrate"]
        for name in names:
            arguments += ["--only", name]
        log = self.log_path.open("ab")
        self._serve = self.danvan(
            *arguments,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the bench only; it stops serve itself
            preexec_fn=_die_with_parent(),
        )
        alive = self.running
        try:
            if "ingest" in names:
                _wait_ready(f"{self.ingest_url}/readyz", timeout, alive)
            workers = [name for name in self.metrics_ports if name in names]
            self._wait_pools(len(workers), timeout)
            for name in workers:
                _wait_ready(f"http://127.0.0.1:{self.metrics_ports[name]}/readyz", timeout, alive)
        except RuntimeError as error:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{error}; the end of {self.log_path}:\n{tail}") from None
        return self

    def _publish_bulk_runs(self) -> bool:
        """Whether serve runs the bulk-only publish worker with this stack's settings
        (read as serve reads them: its default depends on the database)."""
        from danvan_shared.settings import Settings

        overrides = {
            key.removeprefix("DANVAN_").lower(): value
            for key, value in self.env().items()
            if key.startswith("DANVAN_")
        }
        return Settings(**overrides).publish_bulk_processes > 0

    def _wait_pools(self, workers: int, timeout: float) -> None:
        """Wait until each Celery worker has forked its whole pool, before asking any
        worker's ``/readyz``: that check builds a database engine (importing the
        dialect) in a thread of the worker's main process, and a pool child forked
        meanwhile inherits the import lock held and hangs on its first query until the
        task's time limit (seen on main, 2026-11: two children stuck for 110 s)."""
        import psutil

        assert self._serve is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError("the stack exited before its workers were up")
            try:
                celery = [
                    child
                    for child in psutil.Process(self._serve.pid).children()
                    if "celery" in child.cmdline()
                ]
                if len(celery) >= workers and all(_pool_forked(main) for main in celery):
                    return
            except psutil.Error:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the workers' pools were not up within {timeout:.0f} s")

    def running(self) -> bool:
        return self._serve is not None and self._serve.poll() is None

    def stop(self) -> None:
        """Stop serve (it stops its children, the broker last), Redis, then drop the data.
        Not interrupted by a second Ctrl-C."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if self._serve is not None:
                _terminate(self._serve, grace=60)
            if self._redis is not None:
                _terminate(self._redis, grace=10)
            if self._scratch:
                drop_scratch_database(self.pg_admin_url, self.database_url)
                self._scratch = False
            if self.log_path.exists():
                shutil.copy(self.log_path, self.kept_log)
            shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, previous)

    def __enter__(self) -> Stack:
        try:
            self.prepare()
            return self
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _pool_forked(main: object) -> bool:
    """A Celery main process has as many children as its ``-c`` asks for."""
    command = main.cmdline()  # type: ignore[attr-defined]
    size = int(command[command.index("-c") + 1]) if "-c" in command else 1
    return len(main.children()) >= size  # type: ignore[attr-defined]


def _terminate(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
