"""publish: a report's feed items are stored once, not once per feed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 15:00:00

A published report is in two or three feeds (its province before and after 2025, and
``national``), and each of its feed entries held the same three rendered items (RSS,
Atom, JSON Feed) but for the feed's own category and the entry's update time. They
were most of what PostgreSQL wrote for a report: 22 kB of WAL of 43. ``report_item``
holds them once, with placeholders that a feed page fills in per entry
(``danvan_publish.fragments``). The items already stored are dropped, not moved: such
entries are rendered on request until the publish worker's start-up backfill stores
their report's items, as after migration 0004.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_ITEMS = ("fragment_base_url", "rss_item", "atom_entry", "json_item")
LARGE = ("rss_item", "atom_entry", "json_item")


def upgrade() -> None:
    op.create_table(
        "report_item",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("fragment_base_url", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("rss_item", sa.Text(), nullable=False),
        sa.Column("atom_entry", sa.Text(), nullable=False),
        sa.Column("json_item", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id"),
    )
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        for name in reversed(ENTRY_ITEMS):
            batch_op.drop_column(name)
    if op.get_bind().dialect.name == "postgresql":
        compression = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in LARGE)
        statistics = ", ".join(
            f"ALTER COLUMN {column} SET STATISTICS 0" for column in ("fragment_base_url", *LARGE)
        )  # shown only (migrations 0011 and 0014)
        op.execute(
            "DO $$ BEGIN "
            f"ALTER TABLE report_item {compression}; "
            "EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN "
            "RAISE NOTICE 'compression lz4 unavailable: %', SQLERRM; "
            "END $$"
        )
        op.execute(f"ALTER TABLE report_item {statistics}")


def downgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        for name in ENTRY_ITEMS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
    op.drop_table("report_item")
