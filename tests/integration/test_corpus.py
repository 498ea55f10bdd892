"""The whole stack on real data: every report of ../shared/corpus/*.jsonl, submitted over
HTTP to the real processes (embedded broker, SQLite, both workers, both APIs), then

- a crawl of everything the publish side shows: both dashboards, every province and
  report page, every OPML feed in RSS, Atom and JSON, every listed aggregate (zero 5xx,
  zero connection failures, every feed parses and carries an ETag);
- schemathesis on both OpenAPI documents against that data: real report ids, province
  slugs, period keys and page cursors beside random values, and stateful on ingest.

Without the corpus the tests skip; with CI=true they fail instead (CI has ../shared).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from sqlalchemy import text

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database
from tests.conftest import CORPUS_DIR, IN_CI
from tests.crawl import crawl
from tests.integration.support import Processes, free_port, wait_until
from tests.openapi_fuzz import fuzz, fuzz_stateful

pytestmark = pytest.mark.slow

OPERATOR_KEY = "corpus-operator-key"
FINISHED = ("extracted", "irrelevant", "failed")
#: the batch endpoint's body limit is 1 MiB; stay well below it
BATCH_BYTES = 600_000


@dataclass
class LoadedStack:
    ingest_url: str
    publish_url: str
    report_ids: list[str]
    statuses: dict[str, int]
    processes: Processes
    #: every (feed, period key) /v1/provinces lists, and real next-page cursors
    feeds: list[tuple[str, str]] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)


def corpus_lines() -> list[dict[str, Any]]:
    files = sorted(CORPUS_DIR.glob("*.jsonl"))
    if not files:
        message = f"no corpus at {CORPUS_DIR} (../shared/corpus from the repository root)"
        if IN_CI:
            pytest.fail(f"{message}; with CI=true this test must run, not skip")
        pytest.skip(message)
    return [json.loads(line) for path in files for line in path.open() if line.strip()]


def batches(lines: list[dict[str, Any]]) -> Iterator[str]:
    chunk: list[str] = []
    size = 0
    for line in lines:
        report = {"text": line["text"]} | ({"source_url": line["url"]} if line.get("url") else {})
        encoded = json.dumps(report, ensure_ascii=False)
        if chunk and size + len(encoded.encode()) > BATCH_BYTES:
            yield "\n".join(chunk)
            chunk, size = [], 0
        chunk.append(encoded)
        size += len(encoded.encode()) + 1
    if chunk:
        yield "\n".join(chunk)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for_progress(database_url: str, total: int, stall_seconds: float = 60) -> dict[str, int]:
    """Until every report is finished and its event indexed by publish; fails only when
    nothing moved for ``stall_seconds`` (a slow machine is not a failure, a stall is)."""
    engine = build_engine(database_url)
    last, moved_at = (-1, -1), time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                statuses = dict(
                    connection.execute(
                        text("SELECT status, count(*) FROM report GROUP BY status")
                    ).all()
                )
                pending = connection.execute(
                    text("SELECT count(*) FROM report WHERE event_pending")
                ).scalar_one()
            finished = sum(statuses.get(status, 0) for status in FINISHED)
            if finished == total and pending == 0:
                return statuses
            if (finished, -pending) != last:
                last, moved_at = (finished, -pending), time.monotonic()
            elif time.monotonic() - moved_at > stall_seconds:
                raise AssertionError(
                    f"no progress for {stall_seconds:.0f} s: {statuses}, {pending} events pending"
                )
            time.sleep(0.5)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def corpus_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedStack]:
    lines = corpus_lines()
    root = tmp_path_factory.mktemp("corpus")
    ports = {name: free_port() for name in ("ingest", "publish", "broker")}
    database_url = f"sqlite:///{root / 'var' / 'danvan.db'}"
    env = {
        "DANVAN_DATA_DIR": str(root / "var"),
        "DANVAN_DATABASE_URL": database_url,
        "DANVAN_BROKER_URL": "",
        "DANVAN_EMBEDDED_BROKER_PORT": str(ports["broker"]),
        "DANVAN_INGEST_PORT": str(ports["ingest"]),
        "DANVAN_PUBLISH_PORT": str(ports["publish"]),
        "DANVAN_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['publish']}",
        "DANVAN_OPERATOR_KEY": OPERATOR_KEY,
        "DANVAN_RATE_LIMIT_PER_MINUTE": "1000000",
        "DANVAN_EXTRACT_CONCURRENCY": "2",
        "DANVAN_RELAY_INTERVAL_SECONDS": "0.5",
        "DANVAN_EXTRACT_METRICS_PORT": "0",  # no fixed ports beside parallel test runs
        "DANVAN_PUBLISH_WORKER_METRICS_PORT": "0",
        "DANVAN_LOG_LEVEL": "WARNING",
    }
    (root / "var").mkdir()
    upgrade_database(database_url)
    processes = Processes({key: value for key, value in env.items() if value}, root)
    processes.env.pop("DANVAN_BROKER_URL", None)  # the embedded broker, whatever the shell says
    ingest_url = f"http://127.0.0.1:{ports['ingest']}"
    publish_url = f"http://127.0.0.1:{ports['publish']}"
    try:
        processes.start("broker")
        wait_until(lambda: _port_open(ports["broker"]), 15, message="embedded broker")
        for name in ("extract", "publish-worker", "ingest", "publish"):
            processes.start(name)
        for url, name in ((ingest_url, "ingest"), (publish_url, "publish")):
            wait_until(lambda url=url: _ready(url), 60, message=f"{name} ready")
        report_ids: set[str] = set()
        with httpx.Client(base_url=ingest_url, timeout=60) as client:
            for body in batches(lines):
                response = client.post(
                    "/v1/reports:batch",
                    content=body.encode(),
                    headers={"content-type": "application/x-ndjson"},
                )
                assert response.status_code == 200, response.text[:500]
                results = response.json()["results"]
                assert all(result.get("id") for result in results), results
                report_ids.update(result["id"] for result in results)
        statuses = wait_for_progress(database_url, len(report_ids))
        stack = LoadedStack(ingest_url, publish_url, sorted(report_ids), statuses, processes)
        _collect_feeds_and_cursors(stack)
        yield stack
    finally:
        processes.close()


def test_every_page_feed_and_aggregate_answers_on_the_corpus(corpus_stack: LoadedStack) -> None:
    stack = corpus_stack
    assert stack.statuses.get("extracted", 0) >= 30, stack.statuses
    started = time.monotonic()
    with httpx.Client(base_url=stack.publish_url, timeout=30) as client:
        result = crawl(
            client.get,
            [stack.publish_url],
            extra=[f"/reports/{report_id}" for report_id in stack.report_ids],
        )
    elapsed = time.monotonic() - started
    problems = "\n".join(result.problems[:60])
    assert not result.problems, f"{len(result.problems)} problems, first ones:\n{problems}"
    assert all(f"/reports/{report_id}" in result.visited for report_id in stack.report_ids)
    assert "/" in result.visited and "/?boundary=2025" in result.visited
    assert any(path.startswith("/provinces/") for path in result.visited)
    assert result.aggregates >= 10 and result.feeds >= 30, (result.aggregates, result.feeds)
    for process in ("ingest", "publish", "extract", "publish-worker"):
        assert stack.processes.running[process].poll() is None, stack.processes.log(process)
    print(f"crawled {len(result.visited)} URLs in {elapsed:.1f} s")  # noqa: T201


def _collect_feeds_and_cursors(stack: LoadedStack) -> None:
    with httpx.Client(base_url=stack.publish_url, timeout=30) as client:
        for province in client.get("/v1/provinces").json():
            stack.feeds.extend((province["slug"], key) for key in province["periods"])
        for feed, key in stack.feeds[:40]:  # first pages of one item: their next cursor
            page = client.get(f"/v1/feeds/{feed}/{key}.json", params={"limit": 1}).json()
            if page.get("next_url"):
                stack.cursors.append(httpx.URL(page["next_url"]).params["after"])


def publish_inputs(stack: LoadedStack) -> Any:
    def inputs(operation: Any) -> list[dict[str, dict[str, str]]]:
        path = operation.path
        if path == "/v1/feeds/{province}/{period}.{fmt}":
            real = [
                {"path_parameters": {"province": province, "period": period, "fmt": fmt}}
                for province, period in stack.feeds
                for fmt in ("rss", "atom", "json")
            ]
            real += [
                {
                    "path_parameters": {"province": province, "period": period, "fmt": "json"},
                    "query": {"after": cursor},
                }
                for (province, period), cursor in zip(stack.feeds, stack.cursors, strict=False)
            ]
            return real
        if path == "/v1/aggregates/{province}/{period}":
            return [
                {"path_parameters": {"province": province, "period": period}}
                for province, period in stack.feeds
            ]
        if path == "/provinces/{province}":
            return [
                {"path_parameters": {"province": p}} for p in sorted({p for p, _ in stack.feeds})
            ]
        if path == "/reports/{report_id}":
            return [{"path_parameters": {"report_id": r}} for r in stack.report_ids]
        return []

    return inputs


def ingest_inputs(stack: LoadedStack) -> Any:
    def inputs(operation: Any) -> list[dict[str, dict[str, str]]]:
        if "{report_id}" in operation.path:
            return [{"path_parameters": {"report_id": r}} for r in stack.report_ids]
        return []

    return inputs


def test_both_openapi_documents_hold_on_the_loaded_corpus(corpus_stack: LoadedStack) -> None:
    stack = corpus_stack
    assert stack.feeds and stack.cursors
    publish = schemathesis.openapi.from_url(f"{stack.publish_url}/openapi.json")
    ingest = schemathesis.openapi.from_url(f"{stack.ingest_url}/openapi.json")
    operator = {"Authorization": f"Bearer {OPERATOR_KEY}"}
    failures = fuzz(publish, {}, max_examples=30, real_inputs=publish_inputs(stack))
    failures += fuzz(ingest, operator, max_examples=30, real_inputs=ingest_inputs(stack))
    failures += fuzz_stateful(ingest, operator, max_examples=15)
    assert not failures, "\n\n".join(failures)
    for process in ("ingest", "publish"):
        assert stack.processes.running[process].poll() is None, stack.processes.log(process)
