"""Accepting reports: store durably first, queue only after the commit."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from danvan_ingest.broker import send_extract, send_extract_batches
from danvan_ingest.repository import ReportRepository
from danvan_ingest.schemas import ReportMetadata, ReportView, Timings, check_content
from danvan_shared import lifecycle
from danvan_shared.extraction_schema import Extraction
from danvan_shared.models import Report, ReportStatus

logger = logging.getLogger("danvan.ingest")


@dataclass(frozen=True)
class Accepted:
    report: Report
    duplicate: bool


@dataclass(frozen=True)
class Stored:
    """One item of a batch: the report it was stored as, or the earlier one it repeats."""

    id: uuid.UUID
    status: str
    duplicate: bool


class SubmissionLike(Protocol):
    @property
    def body(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def metadata(self) -> ReportMetadata: ...


# Characters XML 1.0 forbids (every feed is XML): C0 controls but tab, LF and CR,
# surrogates and U+FFFE/U+FFFF. NUL never gets here (it is refused with a 422).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with each character XML forbids replaced by U+FFFD, one for one.

    A report holding one was accepted, extracted, and then could never be indexed
    ("All strings must be XML compatible"). Replacing instead of removing keeps
    every offset into the text (the extraction's spans) pointing where it did.
    """
    return _XML_FORBIDDEN.sub("\ufffd", text)


def content_hash(content_type: str, body: str) -> str:
    """The duplicate key of a report: its content type and its text in Unicode NFC.

    NFC and NFD (composed "ệ" or "e" + two combining marks, as some Vietnamese input
    methods type it) are one text to a reader, so they are one report. The body is
    stored as submitted, since the extraction's spans are offsets into it; migration
    0006 rehashed the reports stored before this rule."""
    normalised = unicodedata.normalize("NFC", body)
    digest = hashlib.sha256(content_type.encode() + b"\n" + normalised.encode("utf-8"))
    return digest.hexdigest()


def decode_body(raw: bytes) -> str:
    """Raw request bytes as text; raises ValueError with a reader-friendly reason."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    return check_content(text)


def _submitted_fields(
    body: str, content_type: str, metadata: ReportMetadata, submitted_by: str | None
) -> dict[str, Any]:
    """The columns of a new report that come from its submission."""
    body = xml_safe(body)
    return {
        "content_hash": content_hash(content_type, body),
        "content_type": content_type,
        "body": body,
        "title": xml_safe(metadata.title) if metadata.title else None,
        "source_url": str(metadata.source_url) if metadata.source_url else None,
        "source_name": xml_safe(metadata.source_name) if metadata.source_name else None,
        "published_at": metadata.published_at,
        "submitted_by": submitted_by,
    }


def _row_defaults(now: datetime) -> dict[str, Any]:
    """Every other column of a new report row, as ``Report(...)`` would fill it. Built
    once per batch: making a thousand ORM objects cost more than storing them."""
    defaults = {
        column.key: Report.model_fields[column.key].get_default(call_default_factory=True)
        for column in Report.__table__.columns  # type: ignore[attr-defined]
        if not Report.model_fields[column.key].is_required()
    }
    return defaults | lifecycle.on_arrival(now)


def accept_report(
    session: Session,
    *,
    body: str,
    content_type: str,
    metadata: ReportMetadata,
    submitted_by: str | None = None,
) -> Accepted:
    """Store a report (or find the same content already stored) and queue it.

    The report is committed as ``queued`` and its extract task sent right after
    the commit, so a worker never sees a report that is not in the database. If
    the send fails the report goes back to ``received`` and the relay sends it at
    its next round; if this process dies in between, the relay finds it queued
    for longer than ``stale_queued_seconds`` and sends it then. Duplicates are
    found by the unique content hash, so a new report costs one commit.
    """
    repository = ReportRepository(session)
    report = Report(
        **_submitted_fields(body, content_type, metadata, submitted_by),
        **lifecycle.on_arrival(_now()),
    )
    try:
        repository.add(report)
        session.commit()
    except IntegrityError:
        # The same content was submitted before (or concurrently, and won the insert).
        session.rollback()
        existing = repository.get_by_hash(report.content_hash)
        if existing is None:
            raise
        return Accepted(existing, duplicate=True)
    logger.info("accepted report %s (%s, %d chars)", report.id, content_type, len(report.body))
    if not send_extract(report.id):
        _mark_unsent(session, [report.id])
    return Accepted(report, duplicate=False)


def accept_reports(
    session: Session, submissions: Sequence[SubmissionLike], *, submitted_by: str | None = None
) -> list[Stored]:
    """Store many reports in one transaction and queue them as bulk work; one result
    per submission, in order.

    The same rules as ``accept_report``, set-based: a repeat of an earlier item of the
    batch is found here, and content stored before is skipped by the insert itself
    and looked up in one query. After the commit the new reports are sent as
    ``extract.batch`` tasks on the bulk queue, so a large upload never delays a report
    posted on its own; the reports whose task could not be sent go back to
    ``received`` for the relay.
    """
    defaults = _row_defaults(_now())
    rows = [
        defaults
        | _submitted_fields(item.body, item.content_type, item.metadata, submitted_by)
        | {"id": uuid.uuid4()}
        for item in submissions
    ]
    first_of: dict[str, dict[str, Any]] = {}
    for row in rows:
        first_of.setdefault(row["content_hash"], row)
    repository = ReportRepository(session)
    inserted = repository.insert_new(list(first_of.values()))
    # The rest was stored before (or by a concurrent request, committed first).
    found = repository.by_hashes(first_of.keys() - inserted)
    session.commit()
    new_ids = [row["id"] for digest, row in first_of.items() if digest in inserted]
    logger.info("accepted %d new reports of a batch of %d", len(new_ids), len(rows))
    unsent = _mark_unsent(session, send_extract_batches(new_ids))
    results = []
    seen: set[str] = set()
    for row in rows:
        digest = row["content_hash"]
        if digest in inserted:
            key = first_of[digest]["id"]
            sent = ReportStatus.received if key in unsent else ReportStatus.queued
            results.append(Stored(key, sent.value, duplicate=digest in seen))
        elif digest in found:
            key, status = found[digest]
            results.append(Stored(key, status, duplicate=True))
        else:  # stored by a request that rolled back since: nothing to point at
            raise RuntimeError(f"report with content hash {digest} neither stored nor found")
        seen.add(digest)
    return results


def _mark_unsent(session: Session, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Back to ``received`` after a failed send, so the relay sends them at its next
    round; the ids moved. If even that fails, the relay's stale-queued sweep sends them."""
    if not ids:
        return set()
    try:
        # Also moves the reports loaded in this session back to received, for the answer.
        moved = lifecycle.mark_received(session, ids)
        session.commit()
    except OperationalError:
        session.rollback()
        logger.warning("%d reports not sent and their status not updated", len(ids))
        return set()
    return set(moved)


def _now() -> datetime:
    return datetime.now(UTC)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def report_view(session: Session, report: Report, self_url: str) -> ReportView:
    extraction_row = ReportRepository(session).current_extraction(report)
    extraction = (
        Extraction.model_validate(extraction_row.data) if extraction_row is not None else None
    )
    return ReportView(
        id=report.id,
        status=report.status,
        content_type=report.content_type,
        title=report.title,
        source_url=report.source_url,
        source_name=report.source_name,
        published_at=report.published_at,
        received_at=report.received_at,
        queued_at=report.queued_at,
        started_at=report.started_at,
        finished_at=report.finished_at,
        attempts=report.attempts,
        last_error=report.last_error,
        extractor_version=report.extractor_version,
        timings=Timings(
            queue_seconds=_seconds(report.received_at, report.started_at),
            extraction_seconds=_seconds(report.started_at, report.finished_at),
            total_seconds=_seconds(report.received_at, report.finished_at),
        ),
        extraction=extraction,
        links={"self": self_url},
    )
