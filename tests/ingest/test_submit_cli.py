"""`danvan submit` against a running ingest server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from danvan_launcher.supervisor import process_command
from danvan_shared.settings import Settings
from tests.integration.support import free_port, wait_until

pytestmark = pytest.mark.slow


def test_submit_posts_files_and_jsonl_and_reports_bad_lines(
    tmp_path: Path, sqlite_url: str, redis_url: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DANVAN_DATABASE_URL": sqlite_url,
        "DANVAN_BROKER_URL": redis_url,
        "DANVAN_INGEST_PORT": str(port),
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
    }
    settings = Settings(database_url=sqlite_url, broker_url=redis_url, ingest_port=port)
    server = subprocess.Popen(
        process_command("ingest", settings),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(base), 30, message="ingest server")
        text_file = tmp_path / "bao-cao.txt"
        text_file.write_text(
            "Ban Dân vận Thị ủy Phú Thọ sơ kết công tác dân vận quý I/2024.", encoding="utf-8"
        )
        jsonl = tmp_path / "batch.jsonl"
        jsonl.write_text(
            "\n".join(
                [
                    json.dumps(
                        {
                            "id": "a",
                            "text": "Huyện ủy Lục Yên giao ban khối dân vận quý II.",
                            "url": "https://lucyen.yenbai.gov.vn/a",
                        },
                        ensure_ascii=False,
                    ),
                    "{not json",
                    json.dumps({"id": "c", "text": ""}),
                ]
            ),
            encoding="utf-8",
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "danvan_shared.cli",
                "submit",
                "--url",
                base,
                "--quiet",
                str(text_file),
                str(jsonl),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert result.returncode == 1  # two lines were not accepted
        accepted = [json.loads(line) for line in result.stdout.splitlines()]
        assert [item["source"] for item in accepted] == [str(text_file), f"{jsonl}:1"]
        assert f"{jsonl}:2" in result.stderr and f"{jsonl}:3: 422" in result.stderr
        assert "Traceback" not in result.stderr
        report = httpx.get(f"{base}/v1/reports/{accepted[1]['id']}").json()
        assert report["source_url"] == "https://lucyen.yenbai.gov.vn/a"
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_submit_says_clearly_when_ingest_is_unreachable(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("Hội nghị sơ kết công tác dân vận.", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "danvan_shared.cli",
            "submit",
            "--quiet",
            "--url",
            f"http://127.0.0.1:{free_port()}",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot reach" in result.stderr and "Traceback" not in result.stderr


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_submit_sends_batches_within_the_servers_limits_and_keeps_the_order(
    tmp_path: Path, sqlite_url: str, redis_url: str
) -> None:
    """Reports go as NDJSON batches; a batch the server finds too large (413: its limit
    is lower than the client's) is split and sent again, and nothing is lost."""
    port = free_port()
    server_env = {
        **os.environ,
        "DANVAN_DATABASE_URL": sqlite_url,
        "DANVAN_BROKER_URL": redis_url,
        "DANVAN_INGEST_PORT": str(port),
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
        "DANVAN_MAX_BATCH_LINES": "3",
    }
    settings = Settings(database_url=sqlite_url, broker_url=redis_url, ingest_port=port)
    server = subprocess.Popen(
        process_command("ingest", settings),
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(base), 30, message="ingest server")
        jsonl = tmp_path / "many.jsonl"
        texts = [f"Huyện ủy Văn Yên giao ban công tác dân vận, bản tin số {n}." for n in range(8)]
        texts[5] = texts[1]  # the same report twice
        jsonl.write_text(
            "\n".join(json.dumps({"text": item}, ensure_ascii=False) for item in texts),
            encoding="utf-8",
        )
        result = subprocess.run(
            [sys.executable, "-m", "danvan_shared.cli", "submit", "--url", base, "--quiet"]
            + [str(jsonl)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**server_env, "DANVAN_MAX_BATCH_LINES": "1000"},
        )
        assert result.returncode == 0, result.stderr
        answers = [json.loads(line) for line in result.stdout.splitlines()]
        assert [answer["source"] for answer in answers] == [f"{jsonl}:{n}" for n in range(1, 9)]
        assert answers[5]["id"] == answers[1]["id"] and answers[5]["duplicate"] is True
        assert sum(not answer["duplicate"] for answer in answers) == 7
        assert len({answer["id"] for answer in answers}) == 7
    finally:
        server.terminate()
        server.wait(timeout=15)
