"""The event key: one value for every report of the same meeting.

Two sites reporting one meeting agree on the holder, the meeting type and the period but
often not on the date (one has "Sáng 29/9", the other only its page date), so the date is
part of the key only when the period is unknown.
"""

from __future__ import annotations

from danvan_shared.vietnamese import slugify


def event_key(
    *,
    level: str | None,
    province_code: str | None,
    unit_name: str | None,
    meeting_type: str | None,
    period_key: str | None,
    event_date: str | None,
) -> str | None:
    if level is None and unit_name is None:
        return None
    if period_key is None and event_date is None:
        return None
    parts = [
        level or "unknown",
        province_code or ("vn" if level == "central" else "unknown"),
        slugify(unit_name) if unit_name else "-",
        meeting_type or "meeting",
        period_key or "-",
    ]
    if period_key is None and event_date:
        parts.append(event_date)
    return ":".join(parts)
