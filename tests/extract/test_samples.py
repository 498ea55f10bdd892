"""The sample reports ``make run`` submits (written for the project) come out as labelled."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

import pytest

from danvan_extract.extraction import extract_report
from danvan_shared.extraction_schema import Extraction

SAMPLES = [
    json.loads(line)
    for line in resources.files("danvan_shared.samples")
    .joinpath("reports.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]


def _fields(result: Extraction) -> dict[str, Any]:
    return {
        "relevant": result.relevant,
        "meeting_type": result.meeting_type,
        "level": result.level,
        "unit_name": result.unit.name if result.unit else None,
        "province": result.province.name if result.province else None,
        "province_2025": result.province_2025.name if result.province_2025 else None,
        "period_key": result.period.key if result.period else None,
        "period_kind": result.period.kind if result.period else None,
        "event_date": result.event_date,
        "chairs": [person.name for person in result.chairs()],
    }


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample["id"] for sample in SAMPLES])
def test_sample_reports_are_extracted_as_labelled(sample: dict[str, Any]) -> None:
    html = sample.get("html")
    result = extract_report(
        html or sample["text"],
        content_type="text/html" if html else "text/plain",
        url=sample.get("source_url"),
        title=sample.get("title"),
        published_at=datetime.fromisoformat(sample["published_at"]),
    )
    got = _fields(result)
    expected = {key: value for key, value in sample["expected"].items() if key != "notes"}
    assert {key: got[key] for key in expected} == expected


def test_samples_cover_both_boundary_sets() -> None:
    dates = [sample["expected"].get("event_date") or "" for sample in SAMPLES]
    assert any(value < "2025-07-01" for value in dates if value)
    assert any(value >= "2025-07-01" for value in dates)
    levels = {
        s["expected"]["level"] for s in SAMPLES if s["expected"].get("event_date", "") >= "2025-07"
    }
    assert {"province", "commune"} <= levels
