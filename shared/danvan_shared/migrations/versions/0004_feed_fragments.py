"""publish: pre-rendered feed items on feed_entry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:00:00.000000

Nullable: existing rows keep NULL and are rendered on request until re-indexed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("fragment_base_url", "rss_item", "atom_entry", "json_item")


def upgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
