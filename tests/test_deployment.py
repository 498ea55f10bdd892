"""make run, docker-compose and the CLI start the same processes, and bad config fails fast."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from danvan_launcher.supervisor import PROCESS_NAMES, process_command, selected_processes
from danvan_shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_pipeline_process_runs_in_compose_with_the_serve_command() -> None:
    services = compose()["services"]
    pipeline = {name for name in PROCESS_NAMES if name != "broker"}
    assert pipeline <= set(services)
    for name in pipeline:
        service = services[name]
        assert service["command"] == ["danvan", "serve", "--only", name]
        assert service["build"] == "." and "healthcheck" in service
        assert service["environment"]["DANVAN_BROKER_URL"].startswith("redis://")
        assert service["environment"]["DANVAN_DATABASE_URL"].startswith("postgresql+psycopg://")
    for name in ("redis", "postgres"):
        assert "healthcheck" in services[name]


def test_make_run_starts_the_same_processes_through_danvan_serve() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert run_recipe is not None
    assert "danvan serve --samples" in run_recipe.group(1)


@pytest.mark.parametrize("name", [name for name in PROCESS_NAMES if name != "broker"])
def test_each_process_command_is_a_real_module_entry(name: str) -> None:
    command = process_command(name, Settings(publish_bulk_concurrency=1))
    assert command[0] == sys.executable and command[1] == "-m"
    module = command[2]
    assert module in ("uvicorn", "celery", "danvan_launcher.flower")
    if module == "uvicorn":
        __import__(command[3].split(":")[0])
    elif module == "danvan_launcher.flower":  # Flower, with its secrets kept off this line
        assert callable(__import__(module, fromlist=["main"]).main)
    elif "-A" in command:
        __import__(command[command.index("-A") + 1])


def test_each_worker_consumes_its_interactive_queue_and_its_bulk_queue() -> None:
    """Batches (uploads, the relay, reprocessing) go to the .bulk queues; a worker that
    did not consume them would leave every batch waiting for ever."""
    for name, queues in (
        ("extract", "extract,extract.bulk"),
        ("publish-worker", "publish,publish.bulk"),
        ("publish-bulk", "publish.bulk"),  # never a fresh report's
    ):
        command = process_command(name, Settings(publish_bulk_concurrency=1))
        assert command[command.index("-Q") + 1] == queues


def test_the_bulk_only_publish_worker_runs_on_postgresql_and_not_on_sqlite() -> None:
    """On SQLite a second writer would only wait for the first; on PostgreSQL backlogs
    are published by two processes. The setting overrides either default."""
    postgres = Settings(database_url="postgresql+psycopg://u@db/danvan", broker_url="redis://r/0")
    assert "publish-bulk" in selected_processes(None, postgres)
    assert "publish-bulk" not in selected_processes(None, Settings())
    assert "publish-bulk" in selected_processes(None, Settings(publish_bulk_concurrency=2))
    command = process_command("publish-bulk", Settings(publish_bulk_concurrency=2))
    assert command[command.index("-c") + 1] == "2"
    assert "publish-bulk" not in selected_processes(
        None, postgres.model_copy(update={"publish_bulk_concurrency": 0})
    )


def test_asking_for_a_bulk_publish_worker_that_is_off_says_which_setting_turns_it_on(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "danvan_shared.cli", "serve", "--only", "publish-bulk"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DANVAN_")},
            "DANVAN_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert "DANVAN_PUBLISH_BULK_CONCURRENCY" in result.stderr
    assert "Traceback" not in result.stderr


def test_scale_backends_are_one_setting_away() -> None:
    settings = Settings(database_url="postgres://u@db/danvan", broker_url="redis://r:6379/0")
    assert settings.database_url == "postgresql+psycopg://u@db/danvan"
    assert settings.effective_broker_url == "redis://r:6379/0"
    assert not settings.uses_embedded_broker
    embedded = Settings()
    assert embedded.uses_embedded_broker and embedded.is_sqlite


@pytest.mark.parametrize(
    "bad",
    [
        {"database_url": "mysql://x"},
        {"broker_url": "amqp://guest@localhost//"},
        {"max_attempts": "0"},
        {"ingest_port": "99999"},
        {"environment": "production"},  # production without a Flower password
        {"host_provinces_file": "/nonexistent/hosts.json"},
    ],
)
def test_bad_configuration_fails_at_start_up_naming_the_setting(bad: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(**bad)  # type: ignore[arg-type]
    assert any(key in str(error.value) for key in [*bad, "FLOWER_PASSWORD"])


def test_cli_lists_every_command_with_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "danvan_shared.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for command in ("serve", "submit", "extract", "eval", "reprocess", "db"):
        assert command in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "danvan_shared.cli", "serve", "--only", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
