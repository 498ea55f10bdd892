"""Score extractions against gold labels, field by field as ``shared/corpus/score.py`` does.

``relevant`` counts on every report; the other fields only on review meetings:
``meeting_type`` and ``level`` always, ``unit`` on district and commune meetings,
``province`` where ``province_evidence`` is not ``none`` and on central meetings (whose
right answer is null), ``province_2025`` where the gold line has it, ``period`` (kind and
year) where the gold has one, ``event_date`` where the gold date is complete, and the
chairs as one F1 over every (report, chair) pair of the set. Names compare after case and
diacritic folding with the type word removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from danvan_shared.vietnamese import fold

FIELDS = (
    "relevant",
    "meeting_type",
    "level",
    "unit",
    "province",
    "province_2025",
    "period",
    "event_date",
    "chairs",
)
# The goal of issue 8 on the shared corpus (seeds, dev, dev2).
TARGETS = {
    "relevant": 0.97,
    "meeting_type": 0.95,
    "level": 0.95,
    "unit": 0.93,
    "province": 0.97,
    "province_2025": 0.97,
    "period": 0.95,
    "event_date": 0.93,
    "chairs": 0.92,
}
_TYPE_WORDS = re.compile(
    r"^(?:thanh pho|tinh|huyen|quan|thi xa|thi tran|xa|phuong|dac khu|tp\.?|tx\.?)\s+"
)
_ALIASES = {"tp ho chi minh": "ho chi minh", "tphcm": "ho chi minh", "hcm": "ho chi minh"}
_ALIASES |= {"hue": "thua thien hue", "thanh pho hue": "thua thien hue"}


def name_key(name: str | None) -> str | None:
    """Folded name without its type word: 'Thành phố Hồ Chí Minh' → 'ho chi minh'."""
    if not name:
        return None
    key = re.sub(r"[^a-z0-9]+", " ", fold(name)).strip()
    key = _ALIASES.get(key, key)
    key = _TYPE_WORDS.sub("", key).strip()
    return _ALIASES.get(key, key) or None


@dataclass
class FieldScore:
    correct: float = 0.0
    total: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)
    # chairs only: (report, chair) pairs
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def accuracy(self) -> float:
        if self.true_positives or self.false_positives or self.false_negatives:
            precision = self.true_positives / max(1, self.true_positives + self.false_positives)
            recall = self.true_positives / max(1, self.true_positives + self.false_negatives)
            return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return self.correct / self.total if self.total else 1.0


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def compared_fields(predicted: dict[str, Any], gold: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (predicted, gold)} for every field that counts on this report."""
    out: dict[str, tuple[Any, Any]] = {
        "relevant": (bool(predicted.get("relevant")), bool(gold.get("is_review_meeting")))
    }
    if not gold.get("is_review_meeting"):
        return out
    out["meeting_type"] = (predicted.get("meeting_type"), gold.get("meeting_type"))
    out["level"] = (predicted.get("level"), gold.get("level"))
    if gold.get("level") in ("district", "commune"):
        out["unit"] = (_get(predicted, "unit.name"), gold.get("unit_name"))
    central_null = gold.get("province") is None and gold.get("level") == "central"
    if (gold.get("province_evidence") or "none") != "none" or central_null:
        out["province"] = (_get(predicted, "province.name"), gold.get("province"))
    if "province_2025" in gold:
        out["province_2025"] = (_get(predicted, "province_2025.name"), gold.get("province_2025"))
    if gold.get("period"):
        period = gold["period"]
        value = [_get(predicted, "period.kind"), _get(predicted, "period.year")]
        out["period"] = (value, [period.get("kind"), period.get("year")])
    if gold.get("event_date") and "?" not in gold["event_date"]:
        out["event_date"] = (predicted.get("event_date"), gold["event_date"])
    return out


def _equal(name: str, predicted: Any, expected: Any) -> bool:
    if name in ("unit", "province", "province_2025"):
        return name_key(predicted) == name_key(expected)
    return bool(predicted == expected)


def _chair_keys(names: Iterable[str | None]) -> set[str]:
    return {key for key in (name_key(n) for n in names) if key}


def score(pairs: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> dict[str, FieldScore]:
    """Per-field scores over (id, prediction, gold) triples."""
    scores = {name: FieldScore() for name in FIELDS}
    for report_id, predicted, gold in pairs:
        for name, (value, expected) in compared_fields(predicted, gold).items():
            entry = scores[name]
            entry.total += 1
            if _equal(name, value, expected):
                entry.correct += 1
            else:
                entry.misses.append({"id": report_id, "predicted": value, "gold": expected})
        if not gold.get("is_review_meeting"):
            continue
        chairs = scores["chairs"]
        got = _chair_keys(
            p.get("name")
            for p in predicted.get("people") or []
            if "chair" in (p.get("roles") or [])
        )
        wanted = _chair_keys(c.get("name") for c in gold.get("chairs") or [])
        chairs.total += 1
        chairs.true_positives += len(got & wanted)
        chairs.false_positives += len(got - wanted)
        chairs.false_negatives += len(wanted - got)
        if got != wanted:
            chairs.misses.append(
                {"id": report_id, "predicted": sorted(got), "gold": sorted(wanted)}
            )
    return scores


def as_json(scores: dict[str, FieldScore]) -> dict[str, Any]:
    return {
        name: {
            "accuracy": round(entry.accuracy, 4),
            "total": entry.total,
            "target": TARGETS[name],
            "misses": entry.misses,
        }
        for name, entry in scores.items()
    }


def explain(report_id: str, predicted: dict[str, Any], gold: dict[str, Any]) -> list[str]:
    """Lines saying, per field, what was predicted, what the gold says, and why."""
    lines = [f"report {report_id}"]
    compared = compared_fields(predicted, gold) if gold else {}
    evidence = predicted.get("evidence") or {}
    shown = {
        "relevant": predicted.get("relevant"),
        "meeting_type": predicted.get("meeting_type"),
        "level": predicted.get("level"),
        "unit": _get(predicted, "unit.name"),
        "province": _get(predicted, "province.name"),
        "province_2025": _get(predicted, "province_2025.name"),
        "period": _get(predicted, "period.key"),
        "event_date": predicted.get("event_date"),
    }
    for name, value in shown.items():
        mark = "  "
        expected = ""
        if name in compared:
            ok = _equal(name, compared[name][0], compared[name][1])
            mark = "ok" if ok else "XX"
            expected = "" if ok else f"  (gold: {compared[name][1]!r})"
        lines.append(f"{mark} {name:<14} {value!r}{expected}")
        found = evidence.get(name)
        if found:
            text = f' "{found.get("text")}"' if found.get("text") else ""
            lines.append(f"     ← {found.get('kind')}: {found.get('rule')}{text}")
    chairs = [p.get("name") for p in predicted.get("people") or [] if "chair" in p.get("roles", [])]
    lines.append(f"   chairs         {chairs}")
    for warning in predicted.get("warnings") or []:
        lines.append(f"   warning {warning.get('code')}: {warning.get('message')}")
    return lines
