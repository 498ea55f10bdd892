"""`danvan serve --samples` (what `make run` starts) on the embedded default:
everything comes up, the samples flow into feeds, and Ctrl-C stops every process;
a killed supervisor takes its children with it, and a taken port or a broker left
by an earlier run are dealt with before anything starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import create_engine, text

from danvan_launcher.lifetime import port_in_use
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


PORT_SETTINGS = {
    "ingest": "DANVAN_INGEST_PORT",
    "publish": "DANVAN_PUBLISH_PORT",
    "flower": "DANVAN_FLOWER_PORT",
    "broker": "DANVAN_EMBEDDED_BROKER_PORT",
    "extract-metrics": "DANVAN_EXTRACT_METRICS_PORT",
    "publish-metrics": "DANVAN_PUBLISH_WORKER_METRICS_PORT",
    "publish-bulk-metrics": "DANVAN_PUBLISH_BULK_METRICS_PORT",
}


def serve_env(data_dir: Path, ports: dict[str, int], **extra: str) -> dict[str, str]:
    """The embedded default on free ports (no shared server, no fixed port)."""
    env = {
        **os.environ,
        "DANVAN_DATA_DIR": str(data_dir),
        **{setting: str(ports[name]) for name, setting in PORT_SETTINGS.items()},
        "DANVAN_FLOWER_PASSWORD": "s3cret-for-test",
        "DANVAN_LOG_LEVEL": "WARNING",
        **extra,
    }
    env.pop("DANVAN_DATABASE_URL", None)
    env.pop("DANVAN_BROKER_URL", None)
    return env


def start_serve(env: dict[str, str], log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """`danvan serve` in a process group of its own, as a shell starts a foreground job."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "danvan_shared.cli", "serve", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=log_path.parent,
            start_new_session=True,
        )


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def left_behind(processes: list[psutil.Process], timeout: float) -> list[str]:
    """Those still running after ``timeout`` seconds, with their command lines."""
    _gone, alive_ones = psutil.wait_procs(processes, timeout=timeout)
    return [" ".join(p.cmdline()[:4]) for p in alive_ones if p.status() != psutil.STATUS_ZOMBIE]


def stored_reports(data_dir: Path) -> dict[str, str]:
    engine = create_engine(f"sqlite:///{data_dir / 'danvan.db'}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM report")).all()
    engine.dispose()
    return {str(report_id): status for report_id, status in rows}


def test_serve_runs_the_samples_into_feeds_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    ports = {name: free_port() for name in PORT_SETTINGS}
    env = serve_env(tmp_path / "var", ports)
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


def keys_list(env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "danvan_shared.cli", "keys", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_a_killed_supervisor_takes_its_children_along_and_a_terminal_ctrl_c_stops_all(
    tmp_path: Path,
) -> None:
    """SIGKILL of `danvan serve` (the OOM killer) leaves nothing running; the next run on
    the same data dir keeps every report; Ctrl-C in a terminal stops everything even
    though `make run` delivers it twice (the terminal's SIGINT to the foreground process
    group, and the one `uv run` forwards).

    With keys required, as `DANVAN_REQUIRE_API_KEYS=true make run`: the samples go in
    with a local submit key, created on the first run and reused on the second."""
    data_dir = tmp_path / "var"
    ports = {name: free_port() for name in PORT_SETTINGS}
    env = serve_env(data_dir, ports, DANVAN_REQUIRE_API_KEYS="true")
    log_path = tmp_path / "serve.log"
    serve = start_serve(env, log_path, "--samples")
    try:
        wait_until(
            lambda: "dashboard:" in log_path.read_text(errors="replace"),
            150,
            interval=0.5,
            message="first run: samples processed",
        )
        output = log_path.read_text(errors="replace")
        assert "failed" not in output.split("report statuses:")[1].split("\n")[0]
        assert "danvan keys create --name NAME --scope submit" in output
        first = stored_reports(data_dir)
        assert first and "received" not in first.values()
        readable_by_others = [
            str(path.relative_to(data_dir))
            for path in [data_dir, *data_dir.rglob("*")]
            if path.stat().st_mode & 0o077
        ]
        assert not readable_by_others  # database, broker files, password, key: owner-only
        key_file = data_dir / "samples-api-key"
        samples_key = key_file.read_text()
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert samples_key not in output
        [listed] = [line for line in keys_list(env) if "danvan serve samples" in line]
        assert "submit" in listed
        children = descendants(serve.pid)
        assert len(children) >= 6

        serve.kill()  # SIGKILL: no chance to clean up
        serve.wait(timeout=10)
        assert not left_behind(children, 40), "children outlived a killed supervisor"
        assert not [name for name, port in ports.items() if port_in_use("127.0.0.1", port)]

        log_path.write_bytes(b"")
        serve = start_serve(env, log_path, "--samples")
        wait_until(
            lambda: "dashboard:" in log_path.read_text(errors="replace"),
            150,
            interval=0.5,
            message="second run on the same data dir: samples processed",
        )
        second = stored_reports(data_dir)
        assert second == first  # every report kept, and the samples were not stored twice
        assert key_file.read_text() == samples_key  # the samples' key was reused
        assert [line for line in keys_list(env) if "danvan serve samples" in line] == [listed]
        children = descendants(serve.pid)

        os.killpg(serve.pid, signal.SIGINT)  # the terminal: the whole foreground group
        time.sleep(0.2)
        os.killpg(serve.pid, signal.SIGINT)  # uv run forwarding the same Ctrl-C
        serve.wait(timeout=60)
        assert not left_behind(children, 20), "processes left behind after Ctrl-C"
        assert not [name for name, port in ports.items() if port_in_use("127.0.0.1", port)]
        assert "all processes stopped" in log_path.read_text(errors="replace")
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        for process in psutil.process_iter():  # never leave a broker on a test's data dir
            try:
                if Path(process.cwd()).is_relative_to(tmp_path):
                    process.kill()
            except (psutil.Error, OSError):
                continue


def test_a_taken_port_is_named_with_its_setting_before_anything_starts(tmp_path: Path) -> None:
    ports = {name: free_port() for name in PORT_SETTINGS}
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["publish"]))
        squatter.listen()
        log_path = tmp_path / "serve.log"
        (tmp_path / "var").mkdir(mode=0o755)  # as an earlier version left it
        serve = start_serve(serve_env(tmp_path / "var", ports), log_path)
        assert serve.wait(timeout=60) == 1
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
    output = log_path.read_text(errors="replace")
    assert f"port {ports['publish']}" in output and "DANVAN_PUBLISH_PORT" in output
    assert "starting" not in output  # nothing was started, the broker included
    assert not port_in_use("127.0.0.1", ports["broker"])


def test_a_broker_left_by_an_earlier_run_on_the_same_data_dir_is_stopped(tmp_path: Path) -> None:
    from danvan_launcher.supervisor import process_command
    from danvan_shared.settings import Settings

    data_dir = tmp_path / "var"
    ports = {name: free_port() for name in PORT_SETTINGS}
    env = serve_env(data_dir, ports)
    settings = Settings(data_dir=data_dir, embedded_broker_port=ports["broker"])
    # Orphaned at once (the shell exits), as a broker left by a killed run is.
    subprocess.run(
        ["sh", "-c", 'setsid "$@" >/dev/null 2>&1 &', "sh", *process_command("broker", settings)],
        check=True,
        cwd=tmp_path,
    )
    pid_file = data_dir / "broker" / "valkey.pid"
    log_path = tmp_path / "serve.log"
    serve = None
    leftover = None
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 10)
        leftover = psutil.Process(int(pid_file.read_text()))
        wait_until(lambda: port_in_use("127.0.0.1", ports["broker"]), 10, message="old broker")
        serve = start_serve(env, log_path)
        wait_until(
            lambda: "danvan is running" in log_path.read_text(errors="replace"),
            90,
            message="serve started despite the old broker",
        )
        assert not leftover.is_running()
        children = descendants(serve.pid)
        os.killpg(serve.pid, signal.SIGINT)
        assert serve.wait(timeout=60) == 0
        assert not left_behind(children, 20)
    finally:
        if serve is not None and serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        if leftover is not None and leftover.is_running():
            leftover.kill()
