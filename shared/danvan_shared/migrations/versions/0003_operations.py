"""operations: API keys and idempotency records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:37:56.733473
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", AutoString(length=16), nullable=False),
        sa.Column("secret_hash", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("scope", AutoString(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_key_prefix", "api_key", ["prefix"], unique=True)

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", AutoString(length=16), nullable=False),
        sa.Column("key", AutoString(length=255), nullable=False),
        sa.Column("request_hash", AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "key", name="uq_idempotency_owner_key"),
    )
    op.create_index("ix_idempotency_record_created_at", "idempotency_record", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_record_created_at", table_name="idempotency_record")

    op.drop_table("idempotency_record")
    op.drop_index("ix_api_key_prefix", table_name="api_key")

    op.drop_table("api_key")
