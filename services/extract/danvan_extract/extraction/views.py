"""A view: a range of one of the prepared texts (the article, the headline, the URL slug)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False)  # a view is itself: comparing two documents' texts would cost
class TextView:
    """A piece of text to read from: ``norm[start:end]`` and its folded twin."""

    norm: str
    folded: str
    start: int
    end: int
    kind: str  # "body", "title", "url"
    in_body: bool  # True when the offsets index the article text (they are spans)
