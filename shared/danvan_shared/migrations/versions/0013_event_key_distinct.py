"""PostgreSQL: the planner is told that a feed's event keys are many

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:10:00

The indexer finds the lowest entry of each meeting it touches with ``min(id)`` over
``(feed, event_key)``, one probe of ``ix_feed_entry_event_id`` a meeting. PostgreSQL
may instead walk the primary key in id order until it meets the meeting: cheap when
the meeting is common, a read of the whole feed when it is new. It chooses that walk
when its statistics say that ``event_key`` has few values, as they do when the table
was analysed while it held copies of one meeting (a site that starts with a
syndicated national meeting; test databases that are emptied and refilled). Then
indexing 100 new meetings read 4,000,000 entries. ``n_distinct = -0.5`` (half as many
keys as entries, whatever ANALYZE samples) keeps the probe in every case; SQLite
always probes the index and has nothing to change.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE feed_entry ALTER COLUMN event_key SET (n_distinct = -0.5)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE feed_entry ALTER COLUMN event_key RESET (n_distinct)")
