"""extract: remember which task holds a report's claim

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:00:00

A redelivery of the same task (its worker child was killed) takes the report over
at once instead of being skipped until the relay's stale-extracting sweep.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_task_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("claim_task_id")
