"""Task names, queues and event payloads that cross service boundaries.

A service sends another's task by name (``celery.send_task``), so no service
imports another; these constants and payload models are the whole contract.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel

EXTRACT_QUEUE = "extract"
PUBLISH_QUEUE = "publish"

#: ingest → extract: extract one stored report (args: report id as str).
EXTRACT_REPORT = "extract.report"
#: ingest → extract: re-queue every report older than the workers' extractor version
#: (kwargs: include_failed: bool); only the workers know the current version.
EXTRACT_REPROCESS_OUTDATED = "extract.reprocess_outdated"
#: extract → publish: the ``report.extracted`` event (kwargs: ReportExtracted).
PUBLISH_INDEX_REPORT = "publish.index_report"
REPORT_EXTRACTED = "report.extracted"


class ReportExtracted(BaseModel):
    event: str = REPORT_EXTRACTED
    report_id: uuid.UUID
    status: str
    extractor_version: str
