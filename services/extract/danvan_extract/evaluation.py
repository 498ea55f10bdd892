"""Score extractions against gold labels, per the corpus README.

Fields: ``relevant`` on every report; on review-meeting reports only ``meeting_type``,
``level``, ``unit`` (``unit.name``), ``province`` (only where ``province_evidence`` is not
``none``), ``period`` (kind and year), ``event_date`` and the chairs' F1. Names compare
after case and diacritic folding with the type word removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from danvan_shared.vietnamese import fold

FIELDS = ("relevant", "meeting_type", "level", "unit", "province", "period", "event_date", "chairs")
TARGETS = {
    "relevant": 0.97,
    "meeting_type": 0.97,
    "level": 0.95,
    "unit": 0.95,
    "province": 0.97,
    "period": 0.95,
    "event_date": 0.95,
    "chairs": 0.90,
}
_TYPE_WORDS = re.compile(r"^(?:thanh pho|tinh|huyen|quan|thi xa|thi tran|xa|phuong|tp\.?|tx\.?)\s+")


def name_key(name: str | None) -> str | None:
    """Folded name without its type word: 'Thành phố Hồ Chí Minh' → 'ho chi minh'."""
    if not name:
        return None
    key = fold(name)
    key = _TYPE_WORDS.sub("", key)
    return re.sub(r"\s+", " ", key).strip() or None


@dataclass
class FieldScore:
    correct: float = 0.0
    total: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


def _chairs_f1(predicted: list[str], gold: list[str]) -> float:
    predicted_keys = {name_key(n) for n in predicted} - {None}
    gold_keys = {name_key(n) for n in gold} - {None}
    if not predicted_keys and not gold_keys:
        return 1.0
    hits = len(predicted_keys & gold_keys)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(predicted_keys), hits / len(gold_keys)
    return 2 * precision * recall / (precision + recall)


def _compare(
    field_name: str, predicted: dict[str, Any], gold: dict[str, Any]
) -> tuple[float, Any, Any] | None:
    """(score, predicted value, gold value), or None when the field does not count."""
    value: Any
    if field_name == "relevant":
        value = bool(predicted.get("relevant"))
        return (
            float(value == bool(gold.get("is_review_meeting"))),
            value,
            gold.get("is_review_meeting"),
        )
    if not gold.get("is_review_meeting"):
        return None
    if field_name == "meeting_type":
        value = predicted.get("meeting_type")
        return float(value == gold.get("meeting_type")), value, gold.get("meeting_type")
    if field_name == "level":
        value = predicted.get("level")
        return float(value == gold.get("level")), value, gold.get("level")
    if field_name == "unit":
        unit = predicted.get("unit") or {}
        value = unit.get("name") if isinstance(unit, dict) else None
        return (
            float(name_key(value) == name_key(gold.get("unit_name"))),
            value,
            gold.get("unit_name"),
        )
    if field_name == "province":
        if (gold.get("province_evidence") or "none") == "none":
            return None
        province = predicted.get("province") or {}
        value = province.get("name") if isinstance(province, dict) else None
        return float(name_key(value) == name_key(gold.get("province"))), value, gold.get("province")
    if field_name == "period":
        period = predicted.get("period") or {}
        gold_period = gold.get("period") or {}
        value = (period.get("kind"), period.get("year")) if period else (None, None)
        expected = (
            (gold_period.get("kind"), gold_period.get("year")) if gold_period else (None, None)
        )
        return float(value == expected), list(value), list(expected)
    if field_name == "event_date":
        value = predicted.get("event_date")
        return float(value == gold.get("event_date")), value, gold.get("event_date")
    if field_name == "chairs":
        names = [
            p.get("name", "")
            for p in predicted.get("people") or []
            if "chair" in (p.get("roles") or [])
        ]
        gold_names = [c.get("name", "") for c in gold.get("chairs") or []]
        return _chairs_f1(names, gold_names), names, gold_names
    raise ValueError(field_name)


def score(pairs: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> dict[str, FieldScore]:
    """Per-field scores over (id, prediction, gold) triples."""
    scores = {name: FieldScore() for name in FIELDS}
    for report_id, predicted, gold in pairs:
        for field_name in FIELDS:
            result = _compare(field_name, predicted, gold)
            if result is None:
                continue
            value, got, expected = result
            entry = scores[field_name]
            entry.total += 1
            entry.correct += value
            if value < 1.0:
                entry.misses.append({"id": report_id, "predicted": got, "gold": expected})
    return scores


def as_json(scores: dict[str, FieldScore]) -> dict[str, Any]:
    return {
        name: {
            "accuracy": round(entry.accuracy, 4),
            "correct": round(entry.correct, 3),
            "total": entry.total,
            "target": TARGETS[name],
            "misses": entry.misses,
        }
        for name, entry in scores.items()
    }
