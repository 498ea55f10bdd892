"""Split a report's text into plain and highlighted segments from the extraction's spans."""

from __future__ import annotations

from dataclasses import dataclass

from danvan_publish import labels
from danvan_shared.extraction_schema import Extraction, Located

KIND_LABELS = {
    "unit": "Đơn vị tổ chức",
    "province": "Tỉnh, thành",
    "period": "Kỳ sơ kết, tổng kết",
    "next-period": "Kỳ tiếp theo",
    "date": "Ngày họp",
    "person": "Người",
    "org": "Tổ chức",
    "campaign": "Phong trào, mô hình",
    "document": "Văn bản",
    "figure": "Số liệu",
}


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str | None = None
    note: str = ""


def _mentions(extraction: Extraction) -> list[tuple[str, str, Located]]:
    found: list[tuple[str, str, Located]] = []

    def add(kind: str, note: str, item: Located | None) -> None:
        if item is not None:
            found.append((kind, note, item))

    if extraction.unit:
        add("unit", extraction.unit.name, extraction.unit)
    add("province", extraction.province.name if extraction.province else "", extraction.province)
    if extraction.period:
        add(
            "period",
            labels.period_label(extraction.period.key, extraction.period.kind),
            extraction.period,
        )
    if extraction.next_period:
        add(
            "next-period",
            labels.period_label(extraction.next_period.key, extraction.next_period.kind),
            extraction.next_period,
        )
    add("date", extraction.event_date or "", extraction.event_date_detail)
    for person in extraction.people:
        add("person", ", ".join([person.name, *person.titles]), person)
    for organization in extraction.organizations:
        add("org", organization.name, organization)
    for campaign in extraction.campaigns:
        add("campaign", campaign.name, campaign)
    for document in extraction.documents:
        add("document", document.text, document)
    for figure in extraction.figures:
        add("figure", figure.text, figure)
    return found


def segments(text: str, extraction: Extraction) -> list[Segment]:
    """Non-overlapping highlights (an earlier, longer span wins), in text order."""
    spans = sorted(
        (
            (span.start, span.end, kind, note)
            for kind, note, item in _mentions(extraction)
            for span in item.spans
            if 0 <= span.start < span.end <= len(text)
        ),
        key=lambda found: (found[0], -(found[1] - found[0])),
    )
    result: list[Segment] = []
    position = 0
    for start, end, kind, note in spans:
        if start < position:
            continue
        if start > position:
            result.append(Segment(text[position:start]))
        result.append(Segment(text[start:end], kind, f"{KIND_LABELS[kind]}: {note}"))
        position = end
    if position < len(text):
        result.append(Segment(text[position:]))
    return result
