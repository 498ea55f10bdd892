"""The feeds that exist: 63 pre-2025 provinces, 34 post-2025 provinces and ``national``.

A thin view over the shared gazetteer, so routes and the indexer speak in feed
slugs and never in gazetteer objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from danvan_shared.gazetteer import get_gazetteer

NATIONAL = "national"


@dataclass(frozen=True)
class FeedScope:
    slug: str
    name: str
    #: "old" (63 provinces before 1 July 2025), "2025" (34 after) or "national"
    boundary: str
    code: str | None = None

    @property
    def title(self) -> str:
        """The name, marked when it is a post-2025 province (names repeat across sets)."""
        return f"{self.name} (từ 1/7/2025)" if self.boundary == "2025" else self.name


@lru_cache(maxsize=1)
def all_scopes() -> dict[str, FeedScope]:
    gazetteer = get_gazetteer()
    scopes = {NATIONAL: FeedScope(NATIONAL, "Toàn quốc", NATIONAL)}
    for province in gazetteer.provinces:
        scopes[province.slug] = FeedScope(province.slug, province.name, "old", province.code)
    for province in gazetteer.provinces_2025:
        scopes[province.slug] = FeedScope(province.slug, province.name, "2025", province.code)
    return scopes


def scope(slug: str) -> FeedScope | None:
    return all_scopes().get(slug)


def scopes_for_boundary(boundary: str) -> list[FeedScope]:
    return sorted(
        (item for item in all_scopes().values() if item.boundary == boundary),
        key=lambda item: item.code or "",
    )


def old_scope_by_code(code: str) -> FeedScope | None:
    for item in all_scopes().values():
        if item.boundary == "old" and item.code == code:
            return item
    return None


@lru_cache(maxsize=1)
def _scopes_by_code() -> dict[tuple[str, str], FeedScope]:
    return {(item.boundary, item.code): item for item in all_scopes().values() if item.code}


def scope_by_code(boundary: str, code: str) -> FeedScope | None:
    """The province of ``code`` in the set ``boundary`` ("old" or "2025")."""
    return _scopes_by_code().get((boundary, code))


def new_scope_for_old_code(code: str) -> FeedScope | None:
    """The post-2025 province that absorbed the pre-2025 province ``code``."""
    try:
        province = get_gazetteer().to_2025(code)
    except (KeyError, ValueError):
        return None
    if province is None:
        return None
    return scope(province.slug)
