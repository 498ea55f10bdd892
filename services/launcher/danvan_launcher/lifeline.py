"""``python -m danvan_launcher.lifeline PARENT_PID COMMAND…``: run COMMAND, stop it when
PARENT_PID is gone.

The supervisor's children must die with it even when it is killed outright (SIGKILL,
the OOM killer). On Linux the kernel does that (``prctl(PR_SET_PDEATHSIG)``, see
``danvan_launcher.lifetime``); elsewhere (macOS) each child runs under this small
watchdog, which polls its own parent and terminates the command once the parent
has changed. Hand-written: no library offers a parent-death watchdog for an
arbitrary command, and it is ~40 lines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

POLL_SECONDS = 0.5
GRACE_SECONDS = 15.0


def run(parent_pid: int, command: list[str]) -> int:
    child = subprocess.Popen(command)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    for stop_signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(stop_signal, forward)
    while child.poll() is None:
        if os.getppid() != parent_pid:  # re-parented: the supervisor is gone
            child.terminate()
            try:
                child.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
            break
        time.sleep(POLL_SECONDS)
    return child.wait()


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m danvan_launcher.lifeline PARENT_PID COMMAND…")
    sys.exit(run(int(sys.argv[1]), sys.argv[2:]))


if __name__ == "__main__":
    main()
