"""WebSub: feeds name their hub; a real subscriber process subscribes, its intent is
verified, and a change of the feed is POSTed to it (signed) by the real publish worker.

The publish API and worker run as their own processes on Redis and the test's database
(SQLite and PostgreSQL); the subscriber is ``websub_subscriber.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from danvan_shared.db import get_engine
from danvan_shared.extraction_schema import Unit
from danvan_shared.models import WebSubSubscription
from tests.integration.support import Processes, free_port, wait_until
from tests.publish.conftest import StoreReport, make_extraction

pytestmark = pytest.mark.slow
SUBSCRIBER = Path(__file__).with_name("websub_subscriber.py")
SECRET = "bí mật của người đăng ký"


@pytest.fixture
def hub(
    store_report: StoreReport, configure: Callable[..., None], redis_url: str, tmp_path: Path
) -> Iterator[str]:
    """The publish API and worker as processes; yields the public base URL."""
    from danvan_shared.settings import get_settings

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    configure(
        database_url=get_settings().database_url,
        broker_url=redis_url,
        public_base_url=base_url,
        publish_port=str(port),
    )
    env = {
        "DANVAN_DATABASE_URL": get_settings().database_url,
        "DANVAN_BROKER_URL": redis_url,
        "DANVAN_PUBLIC_BASE_URL": base_url,
        "DANVAN_PUBLISH_PORT": str(port),
        "DANVAN_PUBLISH_WORKER_METRICS_PORT": "0",
        "DANVAN_DATA_DIR": str(tmp_path / "var"),
        "DANVAN_LOG_LEVEL": "INFO",
    }
    processes = Processes(env, tmp_path)
    processes.start("publish")
    processes.start("publish-worker")

    def answers() -> bool:
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, 60, message="publish API")
        yield base_url
    finally:
        processes.close()


class Subscriber:
    def __init__(self, hub_base: str, topic: str, log: Path, *, refuse: bool = False) -> None:
        self.port = free_port()
        self.log = log
        self.callback = f"http://127.0.0.1:{self.port}/callback"
        command = [
            sys.executable,
            str(SUBSCRIBER),
            "--port",
            str(self.port),
            "--hub",
            f"{hub_base}/v1/websub",
            "--topic",
            topic,
            "--secret",
            SECRET,
            "--log",
            str(log),
        ]
        self.process = subprocess.Popen([*command, *(["--refuse"] if refuse else [])])

    def events(self, kind: str) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [entry for line in lines if (entry := json.loads(line))["event"] == kind]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _subscriptions() -> list[WebSubSubscription]:
    with Session(get_engine()) as session:
        return list(session.exec(select(WebSubSubscription)))


def _district_report(store_report: StoreReport, name: str, **overrides: object) -> str:
    extraction = make_extraction(
        unit=Unit(name=name, kind="huyen", body="Huyện ủy"), event_key=None, **overrides
    )
    body = f"Huyện ủy {name} sơ kết công tác dân vận sáu tháng (bài viết thử cho WebSub)."
    return str(store_report(extraction, body=body))


def test_a_subscriber_is_verified_and_sent_each_change_of_its_feed(
    hub: str, store_report: StoreReport, tmp_path: Path
) -> None:
    topic = f"{hub}/v1/feeds/tuyen-quang/2022-H1.atom"
    feed = httpx.get(topic)
    assert feed.status_code == 200
    assert f'<{hub}/v1/websub>; rel="hub"' in feed.headers["link"]
    assert f'<{topic}>; rel="self"' in feed.headers["link"]
    links = {link.rel: link.href for link in feedparser.parse(feed.content).feed.links}
    assert links["hub"] == f"{hub}/v1/websub" and links["self"] == topic

    subscriber = Subscriber(hub, topic, tmp_path / "subscriber.jsonl")
    refusing = Subscriber(hub, topic, tmp_path / "refusing.jsonl", refuse=True)
    try:
        wait_until(lambda: bool(subscriber.events("verify")), 30, message="verification")
        [verification] = subscriber.events("verify")
        assert verification["mode"] == "subscribe" and verification["topic"] == topic
        assert verification["lease_seconds"] == "3600"
        wait_until(lambda: bool(refusing.events("verify")), 30, message="second verification")
        wait_until(lambda: len(_subscriptions()) == 1, 10, message="subscription stored")
        [stored] = _subscriptions()
        assert stored.callback == subscriber.callback  # the one that did not confirm is not

        first = _district_report(store_report, "Chiêm Hóa")
        wait_until(lambda: bool(subscriber.events("content")), 60, message="first delivery")
        [delivery] = subscriber.events("content")
        assert delivery["signature_ok"] is True
        assert str(delivery["content_type"]).startswith("application/atom+xml")
        assert 'rel="hub"' in str(delivery["link"]) and f"<{topic}>" in str(delivery["link"])
        entries = feedparser.parse(str(delivery["body"])).entries
        assert [entry.id for entry in entries] == [f"urn:uuid:{first}"]

        # another province's change concerns no subscriber of this feed; this one's does
        from tests.publish.conftest import HA_GIANG

        _district_report(store_report, "Bắc Quang", province=HA_GIANG, province_2025=None)
        second = _district_report(store_report, "Hàm Yên")
        wait_until(lambda: len(subscriber.events("content")) >= 2, 60, message="second delivery")
        deliveries = subscriber.events("content")
        assert len(deliveries) == 2
        ids = {entry.id for entry in feedparser.parse(str(deliveries[1]["body"])).entries}
        assert ids == {f"urn:uuid:{first}", f"urn:uuid:{second}"}
        assert refusing.events("content") == []

        # unsubscribing is verified the same way
        response = httpx.post(
            f"{hub}/v1/websub",
            data={
                "hub.mode": "unsubscribe",
                "hub.topic": topic,
                "hub.callback": subscriber.callback,
            },
        )
        assert response.status_code == 202
        wait_until(lambda: _subscriptions() == [], 30, message="unsubscription")
        assert [e["mode"] for e in subscriber.events("verify")] == ["subscribe", "unsubscribe"]
    finally:
        subscriber.stop()
        refusing.stop()


@pytest.mark.parametrize(
    "form,detail",
    [
        ({"hub.mode": "follow"}, "hub.mode"),
        ({"hub.mode": "subscribe", "hub.callback": "ftp://x"}, "hub.callback"),
        (
            {
                "hub.mode": "subscribe",
                "hub.callback": "http://c.example/cb",
                "hub.topic": "https://elsewhere.example/feed.atom",
            },
            "hub.topic",
        ),
        (
            {
                "hub.mode": "subscribe",
                "hub.callback": "http://c.example/cb",
                "hub.topic": "http://feeds.example.vn/v1/feeds/atlantis/2024.atom",
            },
            "hub.topic",
        ),
        (
            {
                "hub.mode": "subscribe",
                "hub.callback": "http://c.example/cb",
                "hub.topic": "http://feeds.example.vn/v1/feeds/tuyen-quang/2024.atom",
                "hub.secret": "x" * 200,
            },
            "hub.secret",
        ),
    ],
)
def test_bad_hub_requests_are_refused_with_a_reason(
    client: TestClient, form: dict[str, str], detail: str
) -> None:
    response = client.post("/v1/websub", data=form)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert client.post("/v1/websub", json=form).status_code == 415


def test_every_feed_format_and_search_feed_names_the_hub(
    store_report: StoreReport, client: TestClient
) -> None:
    store_report()
    hub = "http://feeds.example.vn/v1/websub"
    json_feed = client.get("/v1/feeds/tuyen-quang/2022.json")
    assert json_feed.json()["hubs"] == [{"type": "WebSub", "url": hub}]
    rss = client.get("/v1/feeds/tuyen-quang/2022.rss")
    assert f'href="{hub}" rel="hub"' in rss.text
    for path in ("/v1/search.atom?q=dan+van", "/v1/coverage/tuyen-quang/2022-H1.atom"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<{hub}>; rel="hub"' in response.headers["link"]
