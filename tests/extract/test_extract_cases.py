"""The rule table: one row of ``cases.jsonl`` per behaviour, in sentences written for it.

A row is ``{"id", "class", "text", "url"?, "title"?, "published_at"?, "expect": {…}}``;
``class`` names the failure class of issue 8 (or a later one) the rule serves. ``expect``
lists only the fields the row is about: ``relevant``, ``meeting_type``, ``level``,
``unit`` (unit name, or null), ``province`` / ``province_2025`` (name, or null),
``period`` (key, or null), ``event_date``, ``chairs`` (names), ``warnings`` (codes that
must be present), ``evidence`` ({field: rule-id prefix}).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from danvan_extract.extraction import extract_report
from danvan_shared.extraction_schema import Extraction

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("//")
]


def _actual(result: Extraction, field: str) -> Any:
    if field in ("unit", "province", "province_2025"):
        value = getattr(result, field)
        return value.name if value is not None else None
    if field in ("period", "next_period"):
        value = getattr(result, field)
        return value.key if value is not None else None
    if field == "chairs":
        return sorted(person.name for person in result.chairs())
    if field == "warnings":
        return sorted(warning.code for warning in result.warnings)
    return getattr(result, field)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    published = case.get("published_at")
    result = extract_report(
        case["text"],
        url=case.get("url"),
        title=case.get("title"),
        published_at=datetime.fromisoformat(published) if published else None,
    )
    for field, expected in case["expect"].items():
        if field == "warnings":
            assert set(expected) <= set(_actual(result, field)), (field, result.warnings)
        elif field == "evidence":
            for name, rule in expected.items():
                assert name in result.evidence, (name, result.evidence)
                assert result.evidence[name].rule.startswith(rule), (name, result.evidence[name])
        elif field == "chairs":
            assert _actual(result, field) == sorted(expected), field
        else:
            assert _actual(result, field) == expected, (field, result.evidence.get(field))


def test_every_case_names_its_class() -> None:
    assert CASES and all(case.get("class") and case.get("expect") for case in CASES)
    assert len({case["id"] for case in CASES}) == len(CASES)
