"""Movements, campaigns and models, usually quoted after their kind word.

"phong trào thi đua “Dân vận khéo”", "cuộc vận động “Toàn dân đoàn kết …”",
"mô hình “Chính quyền thân thiện”": a kind word then a quoted name, in any of the quote
styles these sites mix ("…”, “…", «…»). A regex is the whole job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .scan import LETTER, after_boundary

_KIND_WORDS = {
    "phong trao": "movement",
    "cuoc van dong": "campaign",
    "mo hinh": "model",
    "chuong trinh": "programme",
    "chu de": "programme",
}
_CAMPAIGN = re.compile(
    r"(?P<kind>phong trao(?: thi dua)?|cuoc van dong|mo hinh|chuong trinh|chu de"
    r"(?: cong tac dan van)?(?: nam (?:19|20)\d\d)?)\s*:?\s*"
    r"[\"“”«„]\s*(?P<name>[^\"“”«»„\n]{2,160}?)\s*[\"“”»]"
)


@dataclass
class FoundCampaign:
    name: str
    kind: str
    start: int
    end: int


def find_campaigns(norm: str, folded: str) -> list[FoundCampaign]:
    found: dict[str, FoundCampaign] = {}
    for match in after_boundary(_CAMPAIGN, folded, LETTER):
        kind_words = match.group("kind")
        kind = next((v for k, v in _KIND_WORDS.items() if kind_words.startswith(k)), "movement")
        start, end = match.start("name"), match.end("name")
        name = norm[start:end].strip()
        key = folded[start:end].strip()
        if key in found:
            continue
        found[key] = FoundCampaign(name, kind, start, end)
    return list(found.values())
