"""The parent-death watchdog used where the kernel cannot signal a child when its parent
dies (``danvan_launcher.lifeline``): a killed parent takes the watched command along."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen(
    [sys.executable, "-m", "danvan_launcher.lifeline", str(os.getpid()), "sleep", "300"]
)
print(child.pid, flush=True)
time.sleep(300)
"""


def test_the_watched_command_dies_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        lifeline = psutil.Process(int(parent.stdout.readline()))
        watched = []
        for _ in range(50):
            watched = lifeline.children()
            if watched:
                break
            time.sleep(0.1)
        assert [p.name() for p in watched] == ["sleep"]

        os.kill(parent.pid, signal.SIGKILL)  # no clean-up: as the OOM killer does it
        parent.wait(timeout=5)
        _gone, alive = psutil.wait_procs([*watched, lifeline], timeout=20)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_stop_signal_reaches_the_watched_command_and_its_code_comes_back() -> None:
    lifeline = subprocess.Popen(
        [sys.executable, "-m", "danvan_launcher.lifeline", str(os.getpid()), "sleep", "300"]
    )
    watched: list[psutil.Process] = []
    for _ in range(50):
        watched = psutil.Process(lifeline.pid).children()
        if watched:
            break
        time.sleep(0.1)
    lifeline.send_signal(signal.SIGTERM)
    assert lifeline.wait(timeout=20) != 0
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in watched)
