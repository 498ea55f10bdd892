"""Every table of the danvan database (one schema, one Alembic history)."""

from danvan_shared.models.documents import PersonMention, ReportDocument, WebSubSubscription
from danvan_shared.models.feeds import FeedEntry, FeedVersion, ReportItem
from danvan_shared.models.reports import ExtractionRecord, Report, ReportStatus
from danvan_shared.models.security import ApiKey, ApiKeyScope, IdempotencyRecord

__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "ExtractionRecord",
    "FeedEntry",
    "FeedVersion",
    "IdempotencyRecord",
    "PersonMention",
    "Report",
    "ReportDocument",
    "ReportItem",
    "ReportStatus",
    "WebSubSubscription",
]
