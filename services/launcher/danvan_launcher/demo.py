"""What ``danvan serve --samples`` (``make run``) shows once the pipeline is up.

It talks to the running services over HTTP only: submits the bundled sample
reports, waits for every one to leave the queue, then prints the feed URLs that
now have entries (from the publish service's OPML list).

When submitting needs a key (``DANVAN_REQUIRE_API_KEYS``), the samples use a
local submit key of their own, created once with ``danvan keys create`` (run as
a command: key creation belongs to ingest, and no shared module imports a
service) and kept owner-only under the data directory for the next run.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from importlib.resources import files

import httpx
import typer

from danvan_shared.data_dir import write_secret
from danvan_shared.settings import Settings

logger = logging.getLogger("danvan.demo")
FINISHED = {"extracted", "irrelevant", "failed"}
SAMPLES_KEY_NAME = "danvan serve samples"
SAMPLES_KEY_FILE = "samples-api-key"


class SampleStepError(RuntimeError):
    """The samples could not be submitted or followed; the services keep running."""


def samples_key(settings: Settings, *, renew: bool = False) -> str:
    """The samples' submit key: the stored one, or a new one (``danvan keys create``)."""
    path = settings.data_dir / SAMPLES_KEY_FILE
    if not renew and path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    command = [sys.executable, "-m", "danvan_shared.cli", "keys", "create"]
    result = subprocess.run(
        [*command, "--name", SAMPLES_KEY_NAME, "--scope", "submit"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise SampleStepError(
            f"`danvan keys create` failed (exit {result.returncode}): {result.stderr[-500:]}"
        )
    write_secret(path, lines[-1])
    return lines[-1]


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
    try:
        return _run_demo(settings, timeout)
    except (httpx.HTTPError, RuntimeError) as error:
        if isinstance(error, SampleStepError):
            raise
        raise SampleStepError(f"{type(error).__name__}: {error}") from error


def _submit(client: httpx.Client, settings: Settings, payload: dict[str, object]) -> str:
    """POST one sample with the samples' key when keys are required; its status URL."""
    url = f"{settings.ingest_base_url}/v1/reports"
    if not settings.require_api_keys:
        response = client.post(url, json=payload)
    else:
        response = client.post(url, json=payload, headers=_bearer(samples_key(settings)))
        if response.status_code == 401:  # revoked, or made for another database
            response = client.post(
                url, json=payload, headers=_bearer(samples_key(settings, renew=True))
            )
    response.raise_for_status()
    return str(response.json()["links"]["self"])


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _run_demo(settings: Settings, timeout: float) -> list[str]:
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
            status_urls.append(_submit(client, settings, payload))
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
    if settings.require_api_keys:
        typer.echo(
            f"the samples were submitted with the submit key {SAMPLES_KEY_NAME!r} kept in "
            f"{settings.data_dir / SAMPLES_KEY_FILE}; give every other submitter a key of "
            "their own: danvan keys create --name NAME --scope submit"
        )
    typer.echo(f"dashboard: {settings.public_base_url}/")
    return feed_urls
