"""Drop three indexes that another index of the same table already covers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:00:00

Each was a copy of the leading column of a wider index: ``report(status)`` of
``(status, queued_at)``, ``extraction(report_id)`` of the unique
``(report_id, extractor_version)`` and ``feed_entry(report_id)`` of the unique
``(report_id, feed)``. A B-tree serves a lookup on its leading column as well as a
one-column index does, so none served a query the other could not, and every insert
paid for them, as did every change of a report's status (queued, claimed, finished):
about nine index insertions a report. The foreign keys' cascades find their rows
through the wider indexes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = {
    "report": ("ix_report_status", "status"),
    "extraction": ("ix_extraction_report_id", "report_id"),
    "feed_entry": ("ix_feed_entry_report_id", "report_id"),
}


def upgrade() -> None:
    for table, (name, _) in COVERED.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, (name, column) in COVERED.items():
        op.create_index(name, table, [column], unique=False)
