"""Reading a submission from any of the accepted request shapes.

``POST /v1/reports`` takes JSON, a bare ``text/plain`` or ``text/html`` body
(metadata in query parameters) or a multipart upload of files; the batch
endpoint takes NDJSON. Each shape is reduced here to ``Submission`` objects or a
per-item error, so the routes and the service see one form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from danvan_ingest.schemas import ReportMetadata, ReportSubmission
from danvan_ingest.service import decode_body
from danvan_shared.http import ProblemError
from danvan_shared.settings import get_settings

JSON_TYPES = ("application/json",)
TEXT_TYPES = ("text/plain", "text/html")
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/ndjson", "text/plain")
METADATA_PARAMS = ("title", "source_url", "source_name", "published_at")


@dataclass(frozen=True)
class Submission:
    body: str
    content_type: str
    metadata: ReportMetadata


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(part) for part in error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def parse_json_submission(raw: bytes | str) -> Submission:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(422, f"The body is not valid JSON: {_short(exc)}") from exc
    if not isinstance(data, dict):
        raise ProblemError(422, "The JSON body must be an object.")
    try:
        submission = ReportSubmission.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(422, "The report is not valid.", errors=validation_errors(exc)) from exc
    metadata = ReportMetadata.model_validate(
        submission.model_dump(include=set(METADATA_PARAMS), exclude_none=True)
    )
    return Submission(submission.body, submission.content_type, metadata)


def metadata_from_query(request: Request) -> ReportMetadata:
    unknown = set(request.query_params) - set(METADATA_PARAMS)
    if unknown:
        raise ProblemError(422, f"Unknown query parameter(s): {', '.join(sorted(unknown))}.")
    values = {
        name: request.query_params[name]
        for name in METADATA_PARAMS
        if request.query_params.get(name)
    }
    try:
        return ReportMetadata.model_validate(values)
    except ValidationError as exc:
        raise ProblemError(
            422, "The report metadata is not valid.", errors=validation_errors(exc)
        ) from exc


def decode_or_422(raw: bytes) -> str:
    try:
        return decode_body(raw)
    except ValueError as exc:
        raise ProblemError(422, f"The report text is not acceptable: {exc}.") from exc


async def read_single(request: Request) -> Submission:
    kind = media_type(request)
    if kind in JSON_TYPES:
        return parse_json_submission(await request.body())
    if kind in TEXT_TYPES:
        metadata = metadata_from_query(request)
        return Submission(decode_or_422(await request.body()), kind, metadata)
    raise ProblemError(415, "Send application/json, text/plain, text/html or multipart/form-data.")


async def read_files(request: Request) -> list[tuple[str, Submission | ProblemError]]:
    metadata = metadata_from_query(request)
    try:  # one part may be as large as the whole body may be
        form = await request.form(max_part_size=get_settings().max_body_bytes)
    except (HTTPException, MultiPartException) as exc:  # malformed multipart
        # Only these: a body over the size limit raises through here to the limit's 413.
        detail = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise ProblemError(422, f"The multipart body could not be read: {detail}") from exc
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if not files:
        raise ProblemError(422, "The multipart body contains no file.")
    results: list[tuple[str, Submission | ProblemError]] = []
    for upload in files:
        name = upload.filename or "file"
        raw = await upload.read()
        try:
            results.append((name, _file_submission(name, upload.content_type, raw, metadata)))
        except ProblemError as problem:
            results.append((name, problem))
    return results


def _file_submission(
    name: str, declared: str | None, raw: bytes, metadata: ReportMetadata
) -> Submission:
    lower = name.lower()
    declared = (declared or "").split(";", 1)[0].strip().lower()
    if lower.endswith(".json") or declared == "application/json":
        return parse_json_submission(raw)
    if lower.endswith((".html", ".htm")) or declared == "text/html":
        return Submission(decode_or_422(raw), "text/html", metadata)
    if lower.endswith((".txt", ".text", ".md")) or declared == "text/plain":
        return Submission(decode_or_422(raw), "text/plain", metadata)
    raise ProblemError(415, f"{name}: upload .txt, .html or .json files.")


def ndjson_lines(raw: bytes) -> list[tuple[int, str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(422, f"The body is not valid UTF-8 (byte {exc.start}).") from exc
    return [
        (number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()
    ]


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
