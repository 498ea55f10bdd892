"""Where the reports are, read from the database tables (never from a service's code).

The report row says where each report is (``status``) and whether publish has
acknowledged its ``report.extracted`` event (``event_pending`` cleared in the same
commit as its feed entries). A report is *indexed* once it is finished and nothing is
pending; a run is over when every report is. ``feed_entry.created_at`` is when a
report first reached a feed.

Plain SQL on both databases: SQLite hands back times as naive UTC text and UUIDs as
32 hex digits, PostgreSQL as aware datetimes and UUIDs; ``as_utc`` and ``as_uuid``
make them one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.engine import Engine

from danvan_shared.db import build_engine

FINISHED = ("extracted", "irrelevant", "failed")
UNFINISHED = ("received", "queued", "extracting")
_IN_CHUNK = 5000


def as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def as_uuid(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


@dataclass(frozen=True)
class Progress:
    """One look at the report table."""

    at: float
    by_status: dict[str, int]
    #: finished reports whose report.extracted event publish has not acknowledged
    outstanding: int
    #: reports extracted by the version being waited for (reprocess), when asked
    by_version: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def finished(self) -> int:
        return sum(self.by_status.get(status, 0) for status in FINISHED)

    @property
    def unfinished(self) -> int:
        return sum(self.by_status.get(status, 0) for status in UNFINISHED)

    @property
    def indexed(self) -> int:
        """Finished with nothing pending (failed ones included: nothing more comes)."""
        return self.finished - self.outstanding

    def all_indexed(self, expected: int) -> bool:
        return self.total >= expected and self.unfinished == 0 and self.outstanding == 0

    def line(self) -> str:
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(self.by_status.items()))
        return f"indexed {self.indexed}/{self.total}; {statuses}; events pending {self.outstanding}"


@dataclass(frozen=True)
class ReportTimes:
    id: str
    status: str
    received_at: datetime
    finished_at: datetime | None
    #: first feed entry's creation, None for a report in no feed
    first_entry_at: datetime | None


class Observer:
    def __init__(self, database_url: str) -> None:
        self.engine: Engine = build_engine(database_url)

    def close(self) -> None:
        self.engine.dispose()

    def progress(self, at: float, version_not: str | None = None) -> Progress:
        """Counts by status; with ``version_not``, also how many finished reports are
        extracted by another version than ``version_not`` (reprocess: the new one)."""
        # One scan of the table a look (at 100,000 reports a second count cost the
        # database a third of a core at one look a second, taken from what it measured).
        newer = "CASE WHEN extractor_version <> :old THEN 1 ELSE 0 END"
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT status, count(*), sum(CASE WHEN event_pending THEN 1 ELSE 0 END), "
                    f"sum({newer}) FROM report GROUP BY status"
                ),
                {"old": version_not or ""},
            ).all()
        by_status = {str(status): int(count) for status, count, _, _ in rows}
        outstanding = sum(int(p or 0) for status, _, p, _ in rows if status in FINISHED)
        by_version = 0
        if version_not is not None:
            by_version = sum(
                int(n or 0) for status, _, _, n in rows if status in ("extracted", "irrelevant")
            )
        return Progress(at, by_status, outstanding, int(by_version))

    def indexed_among(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are indexed (finished, event acknowledged)."""
        return self._among(
            ids, " AND status IN :finished AND NOT event_pending", {"finished": list(FINISHED)}
        )

    def stored_among(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored at all."""
        return self._among(ids, "", {})

    def _among(self, ids: Iterable[str], condition: str, values: dict[str, Any]) -> set[str]:
        statement = text(f"SELECT id FROM report WHERE id IN :ids{condition}").bindparams(
            bindparam("ids", expanding=True, type_=Uuid()),
            *(bindparam(name, expanding=True) for name in values),
        )
        found: set[str] = set()
        keys = [uuid.UUID(key) for key in ids]
        with self.engine.connect() as connection:
            for at in range(0, len(keys), _IN_CHUNK):
                rows = connection.execute(statement, {"ids": keys[at : at + _IN_CHUNK], **values})
                found.update(as_uuid(row[0]) for row in rows)
        return found

    def report_times(self) -> list[ReportTimes]:
        with self.engine.connect() as connection:
            entries = {
                as_uuid(report_id): as_utc(first)
                for report_id, first in connection.execute(
                    text("SELECT report_id, min(created_at) FROM feed_entry GROUP BY report_id")
                )
            }
            rows = connection.execute(
                text("SELECT id, status, received_at, finished_at FROM report")
            ).all()
        times = []
        for report_id, status, received_at, finished_at in rows:
            key = as_uuid(report_id)
            received = as_utc(received_at)
            assert received is not None
            times.append(
                ReportTimes(key, str(status), received, as_utc(finished_at), entries.get(key))
            )
        return times
