"""Officials: the person mentions of one name merged into people, conservatively.

Like EMM's name lists, spellings of one name are merged ("Hà Đức Tập", "Hà Đức
Tâp", "HÀ ĐỨC TẬP" share the key "ha duc tap"), but a shared name alone merges
nothing: two mentions are one official only when, besides the name,

* their titles name the same tier of government (central, province, district,
  commune: "Trưởng Ban Dân vận Tỉnh ủy" and "Bí thư Tỉnh ủy" may be one person
  promoted, "Bí thư Huyện ủy" is someone else), and
* their unit agrees: the same province (compared in the 2025 boundary set, so a
  report from before the merger of provinces meets one from after), and at the
  district and commune tiers the same unit when both are known.

A mention without a title (or without a known unit) joins an official only when
exactly one candidate official is left; otherwise it stays apart. The id of an
official spells its name, province, tier and unit, so it is stable across requests.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session

from danvan_publish import documents_repository
from danvan_publish.documents import name_key
from danvan_publish.search import refuse_control_characters
from danvan_publish.search_schemas import Person, PersonMeeting, PersonSummary, TitleSpan
from danvan_shared.http import ProblemError
from danvan_shared.models import PersonMention


@dataclass
class Official:
    name_key: str
    scope: str | None
    tier: str | None
    unit: str | None
    mentions: list[tuple[PersonMention, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        parts = [self.name_key.replace(" ", "-"), self.scope or "vn", self.tier or "x"]
        if self.unit:
            parts.append(self.unit)
        return ".".join(parts)


def _scope(mention: PersonMention) -> str | None:
    return None if mention.tier == "central" else mention.province_2025_code


def _unit(mention: PersonMention) -> str | None:
    return mention.unit_code if mention.tier in ("district", "commune") else None


def cluster(mentions: list[tuple[PersonMention, str]]) -> list[Official]:
    """The officials these mentions (with their reports' titles) are, by the rules above."""
    by_name: dict[str, list[tuple[PersonMention, str]]] = defaultdict(list)
    for item in mentions:
        by_name[item[0].name_key].append(item)
    officials: list[Official] = []
    for key_of_name, items in sorted(by_name.items()):
        offices: dict[tuple[str | None, str | None, str | None], Official] = {}
        pending: list[tuple[PersonMention, str]] = []
        for item in items:
            mention = item[0]
            if mention.tier is None or (
                mention.tier in ("district", "commune") and not _unit(mention)
            ):
                pending.append(item)
                continue
            key: tuple[str | None, str | None, str | None] = (
                _scope(mention),
                mention.tier,
                _unit(mention),
            )
            offices.setdefault(key, Official(key_of_name, *key)).mentions.append(item)
        for item in pending:
            mention = item[0]
            candidates = [
                official
                for (scope, tier, _unit_code), official in offices.items()
                if (mention.tier is None and scope == mention.province_2025_code)
                or (mention.tier is not None and (scope, tier) == (_scope(mention), mention.tier))
            ]
            if len(candidates) == 1:
                candidates[0].mentions.append(item)
                continue
            key = (
                _scope(mention) if mention.tier else mention.province_2025_code,
                mention.tier,
                None,
            )
            offices.setdefault(key, Official(key_of_name, *key)).mentions.append(item)
        officials.extend(offices.values())
    return officials


def _seen(official: Official) -> tuple[list[TitleSpan], list[str]]:
    spans: dict[str, TitleSpan] = {}
    for mention, _title in official.mentions:
        when = mention.event_date or mention.published_at.date()
        for title in mention.titles:
            span = spans.get(title)
            if span is None:
                spans[title] = TitleSpan(title=title, first_seen=when, last_seen=when, reports=1)
                continue
            span.reports += 1
            span.first_seen = min(span.first_seen, when)
            span.last_seen = max(span.last_seen, when)
    ordered = sorted(spans.values(), key=lambda s: (s.first_seen, s.last_seen, s.title))
    latest_first = [span.title for span in sorted(ordered, key=lambda s: s.last_seen, reverse=True)]
    return ordered, latest_first


def summary(official: Official, base_url: str) -> PersonSummary:
    names = Counter(mention.name for mention, _ in official.mentions)
    days = [m.event_date or m.published_at.date() for m, _ in official.mentions]
    units = Counter(m.unit_name for m, _ in official.mentions if m.unit_name)
    _spans, titles = _seen(official)
    return PersonSummary(
        id=official.id,
        name=names.most_common(1)[0][0],
        variants=sorted(names),
        tier=official.tier,
        province_2025_code=official.scope,
        unit_name=units.most_common(1)[0][0] if units else None,
        titles=titles,
        meetings=len({m.report_id for m, _ in official.mentions}),
        first_seen=min(days) if days else None,
        last_seen=max(days) if days else None,
        url=f"{base_url}/people/{official.id}",
    )


def detail(official: Official, base_url: str) -> Person:
    spans, _titles = _seen(official)
    roles: Counter[str] = Counter()
    meetings = []
    for mention, report_title in official.mentions:
        mention_roles = [role for role in mention.roles.split("|") if role]
        roles.update(mention_roles)
        meetings.append(
            PersonMeeting(
                report_id=str(mention.report_id),
                report_url=f"{base_url}/reports/{mention.report_id}",
                title=report_title,
                event_date=mention.event_date,
                period_key=mention.period_key,
                level=mention.level,
                unit_name=mention.unit_name,
                roles=mention_roles,
                titles=mention.titles,
                name_as_written=mention.name,
            )
        )
    return Person(
        **summary(official, base_url).model_dump(),
        roles=dict(roles.most_common()),
        titles_over_time=spans,
        meeting_list=meetings,
    )


def parse_id(person_id: str) -> str | None:
    """The name key an official's id starts with, or None if it is not an id."""
    name = person_id.split(".", 1)[0]
    return name.replace("-", " ") if name and person_id.count(".") >= 2 else None


def find(session: Session, query: str, base_url: str, limit: int = 50) -> list[PersonSummary]:
    """Officials whose name contains every word of ``query`` (accents optional),
    those seen in most meetings first."""
    refuse_control_characters(query)
    words = name_key(query).split()
    if not words:
        raise ProblemError(422, "Give a name to look for.")
    keys = documents_repository.mentions_named(session, words)[:limit]
    found = [
        summary(official, base_url)
        for official in cluster(documents_repository.mentions_of(session, keys))
    ]
    return sorted(found, key=lambda p: (-p.meetings, p.name, p.id))[:limit]


def get(session: Session, person_id: str, base_url: str) -> Person:
    key = parse_id(person_id)
    officials = cluster(documents_repository.mentions_of(session, [key])) if key else []
    for official in officials:
        if official.id == person_id:
            return detail(official, base_url)
    raise ProblemError(404, "No official has this id; search for the name with /v1/people?q=.")
