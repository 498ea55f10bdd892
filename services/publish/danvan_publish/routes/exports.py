"""Exports: ``/v1/exports/{province}/{period}.csv`` and ``.parquet``, streamed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from danvan_publish import exports, reader
from danvan_publish.deps import BaseUrlDep
from danvan_shared.db import get_engine
from danvan_shared.http import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1", tags=["exports"])


def _documented(kind: exports.RowKind) -> str:
    return "\n".join(f"- `{name}`: {doc}" for name, doc in exports.column_docs(kind))


@router.get(
    "/exports/{province}/{period}.{fmt}",
    response_class=StreamingResponse,
    summary="A feed period's reports (or people and their roles) as CSV or Parquet",
    description=(
        "Streamed: the rows are read and written in batches, so an export of any size "
        "starts at once and never sits in memory. CSV is UTF-8 with a byte order mark "
        "(spreadsheet programs read the Vietnamese right). The reports are those of the "
        "feed (a province slug or `national`) whose reviewed period lies within `period`, "
        "oldest first.\n\n**Columns, `rows=reports`** (one row per report):\n\n"
        f"{_documented('reports')}\n\n**Columns, `rows=people`** (one row per person and "
        f"role in a report):\n\n{_documented('people')}"
    ),
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}},
        404: PROBLEM_RESPONSES[404],
        422: PROBLEM_RESPONSES[422],
        503: PROBLEM_RESPONSES[503],
    },
)
def export(
    base_url: BaseUrlDep,
    province: str,
    period: str,
    fmt: str,
    rows: Annotated[
        exports.RowKind, Query(description="reports: one row per report; people: per person-role")
    ] = "reports",
) -> StreamingResponse:
    if fmt not in exports.MEDIA_TYPES:
        raise ProblemError(404, f"Exports come as .csv or .parquet, not .{fmt}.")
    scope = reader.resolve_scope(province)
    bounds = reader.resolve_period(period)
    name = f"danvan-{scope.slug}-{period}-{rows}.{fmt}"
    return StreamingResponse(
        exports.chunks(get_engine(), rows, fmt, scope.slug, bounds, base_url),  # type: ignore[arg-type]
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
