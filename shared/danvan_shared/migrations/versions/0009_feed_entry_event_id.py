"""publish: the lowest entry of a meeting is found by one index probe

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00

The canonical copy of a meeting in a feed is its entry with the lowest id. The indexer
now keeps that flag by reading the lowest id of an event (``min(id)`` for one
``feed``, ``event_key``) instead of every copy, which needs ``id`` in the event index:
``ix_feed_entry_event`` (feed, event_key) becomes ``ix_feed_entry_event_id`` (feed,
event_key, id).

Since the indexer now trusts the stored flags to follow that rule, they are made to
follow it here once: entries left with two canonical copies by concurrent indexing
before, and entries whose event key was removed but stayed non-canonical, are
corrected.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CANONICAL = (
    "(event_key IS NULL OR id = (SELECT min(f.id) FROM feed_entry AS f "
    "WHERE f.feed = feed_entry.feed AND f.event_key = feed_entry.event_key))"
)


def upgrade() -> None:
    op.create_index("ix_feed_entry_event_id", "feed_entry", ["feed", "event_key", "id"])
    op.drop_index("ix_feed_entry_event", table_name="feed_entry")
    op.execute(
        f"UPDATE feed_entry SET is_canonical = NOT is_canonical WHERE is_canonical <> {_CANONICAL}"
    )


def downgrade() -> None:
    op.create_index("ix_feed_entry_event", "feed_entry", ["feed", "event_key"])
    op.drop_index("ix_feed_entry_event_id", table_name="feed_entry")
