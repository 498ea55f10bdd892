"""publish: searches filtered by level and meeting type walk their own index

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 20:30:00

A search ranks its newest ``RANK_WINDOW`` matches, found by walking the
publication-time index newest first. With a level *and* a meeting type (a sixth of the
reports, and not the newest: year-end reviews cluster in December and January) that walk
read 13,000 rows to find 1,000 (43 ms at 100,000 reports); an index on (level,
meeting_type, published_at, id) walks only the filter's rows (8 ms).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_report_document_level_type",
        "report_document",
        ["level", "meeting_type", "published_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_report_document_level_type", table_name="report_document")
