"""What ``danvan serve --samples`` (``make run``) shows once the pipeline is up.

It talks to the running services over HTTP only: submits the bundled sample
reports, waits for every one to leave the queue, then prints the feed URLs that
now have entries (from the publish service's OPML list).
"""

from __future__ import annotations

import json
import logging
import time
import xml.etree.ElementTree as ElementTree
from importlib.resources import files

import httpx
import typer

from danvan_shared.settings import Settings

logger = logging.getLogger("danvan.demo")
FINISHED = {"extracted", "irrelevant", "failed"}


def sample_reports() -> list[dict[str, object]]:
    text = files("danvan_shared.samples").joinpath("reports.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _wait_ready(client: httpx.Client, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready within {timeout:.0f} s")


def run_demo(settings: Settings, timeout: float = 90.0) -> list[str]:
    """Submit the samples, wait for them, print and return the feed URLs with entries."""
    with httpx.Client(timeout=10) as client:
        _wait_ready(client, f"{settings.ingest_base_url}/readyz", timeout)
        _wait_ready(client, f"{settings.public_base_url}/readyz", timeout)
        status_urls = []
        for sample in sample_reports():
            payload = {
                key: sample[key]
                for key in ("text", "html", "title", "source_url", "source_name", "published_at")
                if sample.get(key) is not None
            }
            response = client.post(f"{settings.ingest_base_url}/v1/reports", json=payload)
            response.raise_for_status()
            status_urls.append(response.json()["links"]["self"])
        typer.echo(f"submitted {len(status_urls)} sample reports; waiting for extraction…")
        deadline = time.monotonic() + timeout
        statuses: dict[str, str] = {}
        while time.monotonic() < deadline:
            statuses = {url: client.get(url).json()["status"] for url in status_urls}
            if set(statuses.values()) <= FINISHED:
                break
            time.sleep(0.5)
        counts: dict[str, int] = {}
        for status in statuses.values():
            counts[status] = counts.get(status, 0) + 1
        typer.echo(
            "report statuses: "
            + ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        )
        time.sleep(1.0)  # let the publish worker index the last reports
        opml = client.get(f"{settings.public_base_url}/v1/feeds.opml")
        feed_urls = (
            [
                outline.attrib["xmlUrl"]
                for outline in ElementTree.fromstring(opml.content).iter("outline")
                if "xmlUrl" in outline.attrib
            ]
            if opml.status_code == 200
            else []
        )
    typer.echo("feeds with entries:")
    for url in feed_urls:
        typer.echo(f"  {url}")
    typer.echo(f"dashboard: {settings.public_base_url}/")
    return feed_urls
