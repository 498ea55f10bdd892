"""Evidence: where a field's deciding candidate was found and by which rule.

Each decision in the engine records one ``Evidence``; ``assemble.evidence_models`` turns
them into the contract's ``FieldEvidence`` (spans into the submitted text). Kinds are the
contract's ``EvidenceKind``: title, lead, body, official, url_slug, url_host, page_date,
gazetteer, inferred.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str
    rule: str
    start: int = 0
    end: int = 0
    in_body: bool = False  # True when start/end index the article text (a span)
    text: str = ""

    @classmethod
    def at(cls, kind: str, rule: str, view: object, start: int, end: int) -> Evidence:
        """Evidence found in a text view (anything with ``norm`` and ``in_body``)."""
        norm = getattr(view, "norm", "")
        in_body = bool(getattr(view, "in_body", False))
        return cls(kind, rule, start, end, in_body, norm[start:end].strip()[:200])
