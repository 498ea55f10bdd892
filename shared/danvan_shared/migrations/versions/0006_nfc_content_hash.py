"""ingest: a report's content hash is taken over its text in Unicode NFC

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00

Rehashes the stored reports whose body is not in NFC, so that a later submission of
the same text in any normal form is found as their duplicate. Bodies already in NFC
(nearly all) keep their hash, which the new rule leaves unchanged. When two stored
reports are two forms of one text (the duplicate this rule prevents from now on), the
one in NFC already holds the new hash (else the first received takes it) and the other
keeps its old one: nothing is deleted.

PostgreSQL selects the candidates itself (``IS NOT NFC NORMALIZED``), so only they
cross the wire; SQLite, the embedded database, is read in batches.
"""

import hashlib
import logging
import unicodedata
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
logger = logging.getLogger("alembic.runtime.migration")


def nfc_hash(content_type: str, body: str) -> str:
    """As ingest's ``content_hash`` computes it from this revision on (frozen here)."""
    normalised = unicodedata.normalize("NFC", body)
    return hashlib.sha256(content_type.encode() + b"\n" + normalised.encode("utf-8")).hexdigest()


def _candidates(connection: sa.Connection) -> Iterator[tuple[str, str, str, str]]:
    """(id, content_type, body, content_hash) of each report that may need a new hash,
    oldest first."""
    if connection.dialect.name == "postgresql":
        candidates = connection.execute(
            sa.text(
                "SELECT id, content_type, body, content_hash FROM report "
                "WHERE body IS NOT NFC NORMALIZED ORDER BY received_at, id"
            )
        ).all()
        yield from (tuple(row) for row in candidates)
        return
    last: tuple[str, str] | None = None
    while True:
        where = "WHERE (received_at, id) > (:received_at, :id) " if last else ""
        rows = connection.execute(
            sa.text(
                "SELECT id, content_type, body, content_hash, received_at FROM report "
                f"{where}ORDER BY received_at, id LIMIT {BATCH}"
            ),
            {"received_at": last[0], "id": last[1]} if last else {},
        ).all()
        if not rows:
            return
        for report_id, content_type, body, digest, _ in rows:
            if not unicodedata.is_normalized("NFC", body):
                yield report_id, content_type, body, digest
        last = (rows[-1][4], rows[-1][0])


def upgrade() -> None:
    connection = op.get_bind()
    changes: list[tuple[str, str]] = []
    taken: set[str] = set()
    kept = 0
    for report_id, content_type, body, digest in _candidates(connection):
        new = nfc_hash(content_type, body)
        if new == digest:
            continue
        exists = connection.execute(
            sa.text("SELECT 1 FROM report WHERE content_hash = :hash"), {"hash": new}
        ).first()
        if exists or new in taken:
            kept += 1  # its NFC twin is stored already: two reports stay two reports
            continue
        taken.add(new)
        changes.append((report_id, new))
    for report_id, new in changes:
        connection.execute(
            sa.text("UPDATE report SET content_hash = :hash WHERE id = :id"),
            {"hash": new, "id": report_id},
        )
    if changes or kept:
        logger.info(
            "rehashed %d report(s) over their NFC text; %d kept their hash (an NFC twin exists)",
            len(changes),
            kept,
        )


def downgrade() -> None:
    """Nothing to undo: the older code only looks up hashes it computes itself, so after
    a downgrade an NFD resubmission is again not found as a duplicate, as before."""
