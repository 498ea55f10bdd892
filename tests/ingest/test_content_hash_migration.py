"""Duplicates are found across the change to NFC content hashes (migration 0006).

Reports stored before the change were hashed over their text as submitted; after the
upgrade the same text sent again, in either normal form, is their duplicate, and two
reports already stored as NFC and NFD twins both survive.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import text

from danvan_shared.db import build_engine
from danvan_shared.migrate import upgrade_database
from tests.conftest import PG_ADMIN_URL

TEXT = "Ban Dân vận Huyện ủy Yên Sơn tổ chức hội nghị tổng kết công tác dân vận năm 2024."
TWIN = "Đảng ủy xã Mỹ Bằng sơ kết công tác dân vận 6 tháng đầu năm 2024, triển khai nhiệm vụ."


def legacy_hash(body: str) -> str:
    """Revision 0005's rule: the text as submitted."""
    return hashlib.sha256(b"text/plain\n" + body.encode()).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0005(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade_database(url, "0005")
        yield url
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without PostgreSQL
    name = f"danvan_migration_{uuid.uuid4().hex[:10]}"
    admin = build_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_database(url, "0005")
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def store_legacy(url: str, body: str, received_at: datetime) -> uuid.UUID:
    report_id = uuid.uuid4()
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO report (id, content_hash, content_type, body, received_at, status, "
                "attempts, event_pending) VALUES (:id, :hash, 'text/plain', :body, :received, "
                "'extracted', 1, false)"
            ),
            {
                "id": report_id if engine.dialect.name == "postgresql" else report_id.hex,
                "hash": legacy_hash(body),
                "body": body,
                "received": received_at,
            },
        )
    engine.dispose()
    return report_id


def test_reports_stored_before_nfc_hashing_are_found_as_duplicates(
    database_at_0005: str, configure, redis_url: str
) -> None:
    from danvan_ingest.app import create_app

    earlier = datetime(2024, 7, 1, tzinfo=UTC)
    decomposed = store_legacy(database_at_0005, unicodedata.normalize("NFD", TEXT), earlier)
    twin_nfd = store_legacy(database_at_0005, unicodedata.normalize("NFD", TWIN), earlier)
    twin_nfc = store_legacy(
        database_at_0005, unicodedata.normalize("NFC", TWIN), earlier + timedelta(hours=1)
    )
    upgrade_database(database_at_0005)

    configure(database_url=database_at_0005, broker_url=redis_url)
    redis.Redis.from_url(redis_url).delete("extract")
    with TestClient(create_app(run_relay=False)) as ingest:
        for form in ("NFC", "NFD"):
            again = ingest.post("/v1/reports", json={"text": unicodedata.normalize(form, TEXT)})
            assert again.status_code == 200, again.text
            assert again.json() | {"links": None} == {
                "id": str(decomposed),
                "status": "extracted",
                "duplicate": True,
                "links": None,
            }
        # Twins stored before the change are both kept; the NFC one is found from now on.
        for form in ("NFC", "NFD"):
            again = ingest.post("/v1/reports", json={"text": unicodedata.normalize(form, TWIN)})
            assert again.json()["id"] == str(twin_nfc)
        assert ingest.get(f"/v1/reports/{twin_nfd}").status_code == 200
