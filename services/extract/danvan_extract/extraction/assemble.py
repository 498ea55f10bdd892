"""Build the ``Extraction`` from what the extractors found.

Everything is collected as plain dicts and validated once, at the end, by
``Extraction.model_validate``: pydantic-core checks a nested dict faster than Python can
call ~100 model constructors (and ``model_construct`` is slower still in pydantic 2).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from danvan_shared.extraction_schema import period_bounds_for_key

from . import places
from .campaigns import find_campaigns
from .credits import find_credits
from .documents import find_documents
from .evidence import Evidence
from .figures import find_figures
from .organizations import find_organizations
from .people import find_people
from .periods import FoundPeriod
from .resolve import Holder, TextView
from .sentences import Sentence
from .text import PreparedText

Model = dict[str, Any]


def spans_of(prepared: PreparedText, ranges: list[tuple[int, int]]) -> list[Model]:
    """``norm`` ranges as spans into the submitted text (out-of-range ones dropped)."""
    size = len(prepared.original)
    if prepared.offset_map is None:  # norm offsets are the submitted text's
        return [{"start": a, "end": b} for a, b in ranges if 0 <= a <= b <= size]
    out = []
    for start, end in ranges:
        a, b = prepared.to_original(start, end)
        if 0 <= a <= b <= size:
            out.append({"start": a, "end": b})
    return out


@lru_cache(maxsize=1)
def place_keys() -> frozenset[str]:
    gaz = places.gazetteer()
    if gaz is None:
        return frozenset()
    return frozenset(gaz.province_name_keys()) | frozenset(gaz.district_name_keys())


def period_model(
    period: FoundPeriod | None, prepared: PreparedText, view: TextView, inferred: bool
) -> Model | None:
    if period is None:
        return None
    key = period.key()
    bounds = period_bounds_for_key(key) if key else None
    in_body = view.in_body and view.norm is prepared.norm
    text = view.norm[period.start : period.end] if period.end <= len(view.norm) else ""
    spans_years = period.kind in ("term", "multi_year")
    return {
        "key": key if bounds else None,
        "kind": period.kind,
        # The year the period ends ("giai đoạn 2021-2025" is 2025).
        "year": (period.end_year if spans_years else period.year),
        "start": bounds[0] if bounds else None,
        "end": bounds[1] if bounds else None,
        "text": text.strip(),
        "spans": spans_of(prepared, [(period.start, period.end)]) if in_body else [],
        "confidence": 0.6 if inferred or not bounds else 0.85,
    }


def holder_fields(holder: Holder, prepared: PreparedText) -> Model:
    """level, unit, province and province_2025 of the holder."""
    fields: Model = {"level": holder.level}
    if holder.level == "central":
        return fields
    if holder.unit_name:
        fields["unit"] = {
            "name": holder.unit_name,
            "kind": holder.unit_kind or "unknown",
            "code": holder.unit_code,
            "body": holder.body,
            "spans": spans_of(prepared, holder.spans),
            "confidence": holder.confidence,
        }
    gaz = places.gazetteer()
    if gaz is None:
        return fields
    evidence = (
        holder.evidence
        if holder.evidence in ("text", "unit", "district", "url", "context")
        else "context"
    )
    confidence = 0.9 if evidence in ("text", "district", "url") else 0.5
    province = gaz.province(holder.province_code) if holder.province_code else None
    if province is not None:
        fields["province"] = _province_model(province, evidence, confidence)
    if holder.province_2025_code:
        new = gaz.province(holder.province_2025_code, boundary="2025")
    elif province is not None:
        new = gaz.to_2025(province.code)
    else:
        new = None
    if new is not None:
        fields["province_2025"] = _province_model(new, evidence, confidence)
    return fields


def _province_model(province: Any, evidence: str, confidence: float) -> Model:
    return {
        "code": province.code,
        "name": province.name,
        "slug": province.slug,
        "evidence": evidence,
        "confidence": confidence,
    }


def people_models(prepared: PreparedText, sentences: list[Sentence]) -> list[Model]:
    """Officials (merged by name) plus the byline and photo credits."""
    credits = find_credits(prepared.norm, prepared.folded, prepared.lines)
    credit_keys = {prepared.folded[s:e].strip() for _, _, s, e in credits}
    found = find_people(prepared.norm, prepared.folded, _bounded(sentences), place_keys())
    people = [
        {
            "name": p.name,
            "titles": p.titles[:6],
            "roles": p.roles,
            "spans": spans_of(prepared, p.spans),
            "confidence": p.confidence,
        }
        for p in found
        if p.key not in credit_keys
    ]
    for role, name, start, end in credits:
        people.append(
            {
                "name": name,
                "titles": [],
                "roles": [role],
                "spans": spans_of(prepared, [(start, end)]),
                "confidence": 0.7,
            }
        )
    return people


def _bounded(sentences: list[Sentence], size: int = 1500) -> list[Sentence]:
    """Long run-on "sentences" in pieces, so per-sentence work stays linear overall."""
    out: list[Sentence] = []
    for sentence in sentences:
        if sentence.end - sentence.start <= size:
            out.append(sentence)
            continue
        for start in range(sentence.start, sentence.end, size):
            out.append(Sentence(start, min(sentence.end, start + size), sentence.source))
    return out


def entity_fields(prepared: PreparedText, limit: int, periods: list[FoundPeriod]) -> Model:
    """Organisations, campaigns, documents and figures (a figure is never a period)."""
    norm = prepared.norm[:limit]
    organizations: dict[str, Model] = {}
    for org in find_organizations(norm, folded=prepared.folded):
        key = org.name.lower()
        if key in organizations:
            organizations[key]["spans"].extend(spans_of(prepared, [(org.start, org.end)]))
            continue
        organizations[key] = {
            "name": org.name,
            "abbreviation": org.abbreviation,
            "spans": spans_of(prepared, [(org.start, org.end)]),
            "confidence": 0.8,
        }
    campaigns = [
        {
            "name": c.name,
            "kind": c.kind,
            "spans": spans_of(prepared, [(c.start, c.end)]),
            "confidence": 0.85,
        }
        for c in find_campaigns(norm, prepared.folded[:limit])
    ][:50]
    documents = find_documents(norm)[:100]
    excluded = [(d.start, d.end) for d in documents]
    excluded += [(p.start, p.end) for p in periods]
    return {
        "organizations": list(organizations.values())[:100],
        "campaigns": campaigns,
        "documents": [
            {
                "text": d.text,
                "kind": d.kind,
                "number": d.number,
                "issuer": d.issuer,
                "date": d.date,
                "title": d.title,
                "spans": spans_of(prepared, [(d.start, d.end)]),
                "confidence": 0.85,
            }
            for d in documents
        ],
        "figures": [
            {
                "text": f.text,
                "value": f.value,
                "total": f.total,
                "unit": f.unit,
                "spans": spans_of(prepared, [(f.start, f.end)]),
                "confidence": 0.7,
            }
            for f in find_figures(norm, excluded)
        ][:100],
    }


_PROVINCE_EVIDENCE = {
    "url": ("url_host", "province.site"),
    "district": ("gazetteer", "province.of_unit"),
    "text": ("body", "province.named"),
    "unit": ("gazetteer", "province.of_unit"),
    "context": ("inferred", "province.context"),
}


def holder_evidence(holder: Holder) -> dict[str, Evidence | None]:
    """level, unit, province and province_2025 evidence of the holder."""
    province_kind, province_rule = _PROVINCE_EVIDENCE.get(
        holder.evidence or "context", ("inferred", "province.context")
    )
    province = Evidence(province_kind, province_rule) if holder.province_code else None
    if holder.province_2025_code:
        rule = "province_2025.of_2025_unit" if holder.layer == "2025" else province_rule
        new: Evidence | None = Evidence("gazetteer", rule)
    elif holder.province_code:
        new = Evidence("gazetteer", "province_2025.merged_from_old")
    else:
        new = None
    return {
        "level": holder.level_evidence if holder.level or holder.level_evidence else None,
        "unit": holder.unit_evidence if holder.unit_name else None,
        "province": province,
        "province_2025": new,
    }


def period_evidence(
    period: FoundPeriod | None, view: TextView | None, inferred: bool
) -> Evidence | None:
    if period is None:
        return None
    kind = {"title": "title", "url": "url_slug"}.get(view.kind, "lead") if view else "body"
    rule = "period.review_frame" if view is not None else "period.first_in_body"
    if inferred:
        rule += "+year_inferred"
    if view is None:
        return Evidence(kind, rule)
    return Evidence.at(kind, rule, view, period.start, period.end)


def evidence_models(prepared: PreparedText, found: dict[str, Evidence | None]) -> Model:
    """The contract's ``evidence``: per decided field, kind, rule, text and span."""
    out: Model = {}
    for field, evidence in found.items():
        if evidence is None:
            continue
        spans = (
            spans_of(prepared, [(evidence.start, evidence.end)])
            if evidence.in_body and evidence.end > evidence.start
            else []
        )
        out[field] = {
            "kind": evidence.kind,
            "rule": evidence.rule,
            "text": evidence.text,
            "spans": spans,
        }
    return out
