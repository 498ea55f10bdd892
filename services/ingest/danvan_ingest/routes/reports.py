"""``/v1/reports``: submit reports and follow them through the pipeline."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from danvan_ingest.auth import AnyCallerDep, SubmitterDep, problem_responses
from danvan_ingest.deps import SessionDep, SettingsDep
from danvan_ingest.errors import NothingAccepted
from danvan_ingest.idempotency import IdempotencyDep, run_idempotent
from danvan_ingest.repository import ReportRepository
from danvan_ingest.schemas import (
    BatchLineResult,
    BatchResult,
    FileResult,
    ReportAccepted,
    ReportSubmission,
    ReportView,
    UploadResult,
)
from danvan_ingest.service import accept_report, accept_reports, report_view
from danvan_ingest.submissions import (
    NDJSON_TYPES,
    Submission,
    media_type,
    ndjson_lines,
    parse_json_submission,
    read_files,
    read_single,
)
from danvan_shared.errors import UnknownReport
from danvan_shared.http import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1", tags=["reports"])
_SUBMIT_PROBLEMS = {**PROBLEM_RESPONSES, **problem_responses(400, 401, 409)}

_SUBMISSION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ReportSubmission.model_json_schema()},
            "text/plain": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            },
        },
    },
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": f"Report {name} (for text/plain, text/html and multipart bodies)",
        }
        for name in ("title", "source_url", "source_name", "published_at")
    ],
}


def _self_url(request: Request, report_id: uuid.UUID) -> str:
    return str(request.url_for("get_report", report_id=report_id))


async def _read_submission(request: Request) -> Submission | list[tuple[str, Any]]:
    if media_type(request) == "multipart/form-data":
        return await read_files(request)
    return await read_single(request)


@router.post(
    "/reports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReportAccepted | UploadResult,
    responses={
        200: {"model": ReportAccepted, "description": "Already submitted"},
        **_SUBMIT_PROBLEMS,
    },
    openapi_extra=_SUBMISSION_BODY,
    summary="Submit a report",
)
def submit_report(
    request: Request,
    session: SessionDep,
    caller: SubmitterDep,
    idempotency: IdempotencyDep,
    submission: Submission | list[tuple[str, Any]] = Depends(_read_submission),
) -> Response:
    """Store a report and queue it for extraction.

    Answers 202 with the report's status URL; the same content submitted again
    answers 200 with the first report's id. With an ``Idempotency-Key`` header a
    repeat of the same request gets the first answer again.
    """

    def produce() -> JSONResponse:
        if isinstance(submission, list):
            result = _accept_files(session, submission, caller.owner)
            return JSONResponse(jsonable_encoder(result), status.HTTP_202_ACCEPTED)
        accepted = accept_report(
            session,
            body=submission.body,
            content_type=submission.content_type,
            metadata=submission.metadata,
            submitted_by=caller.owner,
        )
        location = _self_url(request, accepted.report.id)
        body = ReportAccepted(
            id=accepted.report.id,
            status=accepted.report.status,
            duplicate=accepted.duplicate,
            links={"self": location},
        )
        code = status.HTTP_200_OK if accepted.duplicate else status.HTTP_202_ACCEPTED
        return JSONResponse(jsonable_encoder(body), code, headers={"Location": location})

    return run_idempotent(session, idempotency, produce)


def _accept_files(
    session: SessionDep, items: list[tuple[str, Any]], submitted_by: str
) -> UploadResult:
    valid = [item for _, item in items if not isinstance(item, ProblemError)]
    stored = iter(accept_reports(session, valid, submitted_by=submitted_by))
    results = []
    for filename, item in items:
        if isinstance(item, ProblemError):
            results.append(
                FileResult(filename=filename, error={"status": item.status, "detail": item.detail})
            )
            continue
        report = next(stored)
        results.append(
            FileResult(
                filename=filename, id=report.id, status=report.status, duplicate=report.duplicate
            )
        )
    return _summarise(results, UploadResult)  # type: ignore[return-value]


def _summarise(
    results: list[Any], model: type[UploadResult] | type[BatchResult]
) -> UploadResult | BatchResult:
    rejected = sum(1 for result in results if result.error is not None)
    duplicates = sum(1 for result in results if result.duplicate)
    accepted = len(results) - rejected - duplicates
    if accepted == 0 and duplicates == 0:
        raise NothingAccepted(
            "No report in the request was acceptable.",
            errors=[result.model_dump(exclude_none=True) for result in results],
        )
    return model(accepted=accepted, duplicates=duplicates, rejected=rejected, results=results)


async def _read_ndjson(request: Request, settings: SettingsDep) -> list[tuple[int, str]]:
    if media_type(request) not in NDJSON_TYPES:
        raise ProblemError(415, "Send NDJSON (application/x-ndjson): one report object a line.")
    lines = ndjson_lines(await request.body())
    if not lines:
        raise ProblemError(422, "The batch is empty.")
    if len(lines) > settings.max_batch_lines:
        raise ProblemError(413, f"A batch holds at most {settings.max_batch_lines} lines.")
    return lines


@router.post(
    "/reports:batch",
    response_model=BatchResult,
    responses=_SUBMIT_PROBLEMS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
    summary="Submit many reports as NDJSON",
)
def submit_batch(
    session: SessionDep,
    caller: SubmitterDep,
    idempotency: IdempotencyDep,
    lines: list[tuple[int, str]] = Depends(_read_ndjson),
) -> Response:
    """One JSON report object a line (same fields as ``POST /v1/reports``); one result a line."""

    def produce() -> JSONResponse:
        return JSONResponse(jsonable_encoder(_accept_lines(session, lines, caller.owner)))

    return run_idempotent(session, idempotency, produce)


def _accept_lines(session: Session, lines: list[tuple[int, str]], submitted_by: str) -> BatchResult:
    parsed: list[tuple[int, Submission | ProblemError]] = []
    for number, line in lines:
        try:
            parsed.append((number, parse_json_submission(line)))
        except ProblemError as problem:
            parsed.append((number, problem))
    valid = [item for _, item in parsed if isinstance(item, Submission)]
    stored = iter(accept_reports(session, valid, submitted_by=submitted_by))
    results = []
    for number, item in parsed:
        if isinstance(item, ProblemError):
            error: dict[str, Any] = {"status": item.status, "detail": item.detail}
            if item.errors:
                error["errors"] = item.errors
            results.append(BatchLineResult(line=number, error=error))
            continue
        report = next(stored)
        results.append(
            BatchLineResult(
                line=number, id=report.id, status=report.status, duplicate=report.duplicate
            )
        )
    return _summarise(results, BatchResult)  # type: ignore[return-value]


@router.get(
    "/reports/{report_id}",
    response_model=ReportView,
    responses=PROBLEM_RESPONSES,
    summary="A report's status, timings and extraction",
)
def get_report(
    report_id: uuid.UUID, request: Request, session: SessionDep, _caller: AnyCallerDep
) -> ReportView:
    report = ReportRepository(session).get(report_id)
    if report is None:
        raise UnknownReport(f"No report with id {report_id}.")
    return report_view(session, report, _self_url(request, report.id))
