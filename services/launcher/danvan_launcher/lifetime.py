"""What keeps ``danvan serve`` from leaving processes behind, or tripping over old ones.

- Every child dies with the supervisor, however the supervisor ends: on Linux the
  kernel sends the child SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
  set between fork and exec); elsewhere the child runs under the
  ``danvan_launcher.lifeline`` watchdog.
- A broker left running by an earlier run on the same data directory (found by its
  pid file, confirmed by its working directory) is stopped before a new one starts.
- Ports already taken are reported before anything starts, each with the setting
  that moves it.

``prctl`` through ctypes is hand-written because no maintained library wraps it
(python-prctl is unmaintained and needs a C build); it is two lines.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

logger = logging.getLogger("danvan.serve")
_PR_SET_PDEATHSIG = 1
BROKER_PID_FILE = "valkey.pid"


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` making the child get SIGTERM when this process dies (Linux), or
    None where the kernel cannot do it (then use :func:`guarded_command`)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved now, not in the child
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def guarded_command(command: list[str]) -> list[str]:
    """``command`` as the supervisor should start it: as is where :func:`die_with_parent`
    works, else under the lifeline watchdog."""
    if sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-m", "danvan_launcher.lifeline", str(os.getpid()), *command]


def stop_leftover_broker(broker_dir: Path, timeout: float = 15.0) -> int | None:
    """Stop the embedded broker an earlier run on this data directory left running.

    Returns its pid, or None when there was none. The pid file alone is not trusted
    (pids are reused): the process must also run in ``broker_dir``, where the
    broker chdirs to.
    """
    pid_file = broker_dir / BROKER_PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        process = psutil.Process(pid)
        ours = Path(process.cwd()).resolve() == broker_dir.resolve()
    except (psutil.Error, OSError):
        ours = False
    if not ours:
        pid_file.unlink(missing_ok=True)
        return None
    logger.warning("stopping the broker (pid %s) that an earlier run left on %s", pid, broker_dir)
    try:
        process.terminate()
        _gone, alive = psutil.wait_procs([process], timeout=timeout)
        if alive and process.status() != psutil.STATUS_ZOMBIE:
            process.kill()
    except psutil.NoSuchProcess:
        pass
    pid_file.unlink(missing_ok=True)
    return pid


@dataclass(frozen=True)
class Listener:
    process: str
    host: str
    port: int
    #: the environment variable that moves it
    setting: str


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on ``host:port`` (a bind as the servers do it
    fails). Connections in TIME_WAIT do not count: the servers bind with SO_REUSEADDR."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def taken(listeners: list[Listener]) -> list[str]:
    """One line per listener whose port is taken, naming the setting that moves it."""
    return [
        f"{item.process}: port {item.port} on {item.host} is already in use "
        f"(another danvan, or another program); stop it or set {item.setting} to a free port"
        for item in listeners
        if port_in_use(item.host, item.port)
    ]
