"""Operator endpoints: the pipeline's state, failed reports, retry and reprocess.

Every route here needs an operator key, whatever ``DANVAN_REQUIRE_API_KEYS`` says.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from danvan_ingest.auth import OperatorDep, problem_responses
from danvan_ingest.deps import SessionDep
from danvan_ingest.operations import pipeline_view, request_reprocessing, retry_report
from danvan_ingest.repository import ReportRepository
from danvan_ingest.schemas import (
    FailedReport,
    FailedReports,
    PipelineView,
    ReportAccepted,
    ReprocessRequested,
)

router = APIRouter(prefix="/v1", tags=["operations"])
_PROBLEMS = problem_responses(401, 403, 422, 429, 503)


@router.get("/pipeline", response_model=PipelineView, responses=_PROBLEMS, summary="Pipeline state")
def get_pipeline(session: SessionDep, _operator: OperatorDep) -> PipelineView:
    """Queue depths, live workers, reports per status, the oldest unfinished report's age
    and the failures of the last hour."""
    return pipeline_view(session)


@router.get(
    "/pipeline/failed",
    response_model=FailedReports,
    responses=_PROBLEMS,
    summary="Failed reports, newest first",
)
def list_failed(
    request: Request,
    session: SessionDep,
    _operator: OperatorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> FailedReports:
    items = [
        FailedReport(
            id=report.id,
            reason=report.last_error,
            attempts=report.attempts,
            received_at=report.received_at,
            finished_at=report.finished_at,
            links={
                "self": str(request.url_for("get_report", report_id=report.id)),
                "retry": str(request.url_for("retry", report_id=report.id)),
            },
        )
        for report in ReportRepository(session).failed(limit=limit, offset=offset)
    ]
    return FailedReports(items=items, limit=limit, offset=offset)


@router.post(
    "/reports/{report_id}:retry",
    name="retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReportAccepted,
    responses=problem_responses(401, 403, 404, 409, 422, 429, 503),
    summary="Run a finished report again",
)
def retry(
    report_id: uuid.UUID, request: Request, session: SessionDep, _operator: OperatorDep
) -> ReportAccepted:
    """Re-run a failed (or any finished) report from its original input, with a fresh
    delivery count."""
    report = retry_report(session, report_id)
    location = str(request.url_for("get_report", report_id=report.id))
    return ReportAccepted(
        id=report.id, status=report.status, duplicate=False, links={"self": location}
    )


@router.post(
    "/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReprocessRequested,
    responses=_PROBLEMS,
    summary="Re-run every report older than the current extractor version",
)
def reprocess(
    _operator: OperatorDep, include_failed: Annotated[bool, Query()] = False
) -> ReprocessRequested:
    """Asks the extract workers, which know the current extractor version, to queue every
    report extracted by an older one (and failed reports with ``include_failed``)."""
    request_reprocessing(include_failed=include_failed)
    return ReprocessRequested(
        requested=True,
        include_failed=include_failed,
        detail="The extract workers will queue every outdated report; "
        "follow them in GET /v1/pipeline.",
    )
