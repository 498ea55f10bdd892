"""Every table of the danvan database (one schema, one Alembic history)."""

from danvan_shared.models.feeds import FeedEntry, FeedVersion
from danvan_shared.models.reports import Extraction, Report, ReportStatus
from danvan_shared.models.security import ApiKey, ApiKeyScope, IdempotencyRecord

__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "Extraction",
    "FeedEntry",
    "FeedVersion",
    "IdempotencyRecord",
    "Report",
    "ReportStatus",
]
