"""publish: report documents (search, coverage, exports), person mentions, WebSub subscriptions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00

Full-text search is each database's own:

* PostgreSQL: the ``unaccent`` extension and a text search configuration
  ``danvan_unaccent`` (the ``simple`` parser and dictionary after ``unaccent``: no
  stemming, which Vietnamese syllables do not have), a generated ``search_vector``
  column (title A, unit and people B, summary C, body D) and a GIN index on it.
* SQLite: an FTS5 table ``report_fts`` (rowid = ``report_document.id``) holding the
  same four fields with their diacritics removed by the indexer (FTS5's own
  ``remove_diacritics`` keeps đ, which is a letter of its own, not a d with a mark).

Existing databases get their documents from the publish worker at start (it fills in
the documents of every report that has feed entries and none yet).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS_CONFIG = "danvan_unaccent"
TOKEN_TYPES = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def _search_vector() -> str:
    parts = [
        ("coalesce(title, '')", "A"),
        ("coalesce(unit_name, '') || ' ' || coalesce(people_text, '')", "B"),
        ("coalesce(summary, '')", "C"),
        ("coalesce(body, '')", "D"),
    ]
    return " || ".join(
        f"setweight(to_tsvector('{TS_CONFIG}'::regconfig, {expression}), '{weight}')"
        for expression, weight in parts
    )


def upgrade() -> None:
    op.create_table(
        "report_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id",
            sa.Uuid(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("people_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("unit_code", sa.String(16), nullable=True),
        sa.Column("unit_kind", sa.String(16), nullable=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("meeting_type", sa.String(16), nullable=True),
        sa.Column("province_code", sa.String(8), nullable=True),
        sa.Column("province_2025_code", sa.String(8), nullable=True),
        sa.Column("feeds", sa.Text(), nullable=False, server_default=""),
        sa.Column("period_key", sa.String(16), nullable=True),
        sa.Column("period_kind", sa.String(16), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("event_key", sa.String(200), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_name", sa.String(200), nullable=True),
        sa.Column("extractor_version", sa.String(32), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_report_document_old_period",
        "report_document",
        ["province_code", "period_key", "level"],
    )
    op.create_index(
        "ix_report_document_new_period",
        "report_document",
        ["province_2025_code", "period_key", "level"],
    )
    op.create_index("ix_report_document_published", "report_document", ["published_at", "id"])

    op.create_table(
        "person_mention",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id", sa.Uuid(), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("province_code", sa.String(8), nullable=True),
        sa.Column("province_2025_code", sa.String(8), nullable=True),
        sa.Column("unit_code", sa.String(16), nullable=True),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("period_key", sa.String(16), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_person_mention_report_id", "person_mention", ["report_id"])
    op.create_index("ix_person_mention_name_key", "person_mention", ["name_key"])

    op.create_table(
        "websub_subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("feed", sa.String(64), nullable=True),
        sa.Column("callback", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("lease_seconds", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_hash", sa.String(64), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("topic", "callback", name="uq_websub_topic_callback"),
    )
    op.create_index("ix_websub_feed", "websub_subscription", ["feed", "expires_at"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = simple)")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG} "
            f"ALTER MAPPING FOR {TOKEN_TYPES} WITH unaccent, simple"
        )
        op.execute(
            "ALTER TABLE report_document ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({_search_vector()}) STORED"
        )
        # Keep the vector in the row (compressed if need be) and let the body go out of
        # line first: matching and ranking then never read the TOAST table.
        op.execute(
            "ALTER TABLE report_document ALTER COLUMN search_vector SET STORAGE MAIN, "
            "ALTER COLUMN body SET STORAGE EXTERNAL"
        )
        op.execute("ALTER TABLE report_document SET (toast_tuple_target = 8160)")
        op.execute(
            "CREATE INDEX ix_report_document_search ON report_document USING gin (search_vector)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE report_fts USING fts5("
            "title, people, summary, body, tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_report_document_search")
        op.execute("ALTER TABLE report_document DROP COLUMN IF EXISTS search_vector")
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {TS_CONFIG}")
    else:
        op.execute("DROP TABLE IF EXISTS report_fts")
    op.drop_index("ix_websub_feed", table_name="websub_subscription")
    op.drop_table("websub_subscription")
    op.drop_index("ix_person_mention_name_key", table_name="person_mention")
    op.drop_index("ix_person_mention_report_id", table_name="person_mention")
    op.drop_table("person_mention")
    op.drop_index("ix_report_document_published", table_name="report_document")
    op.drop_index("ix_report_document_new_period", table_name="report_document")
    op.drop_index("ix_report_document_old_period", table_name="report_document")
    op.drop_table("report_document")
