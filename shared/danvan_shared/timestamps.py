"""Which publication times the service accepts, stores and pages by.

A report's publication time orders every feed it is in, newest first, so a time in
the future (``2099``) would pin the report at the top of all of them, and one outside
the years a period key can name (1945–2100) is a typo or an attack; year 1 or 9999
with an offset is not even representable once converted to UTC.

- Ingest refuses such a ``published_at`` with a 422 (``published_at_problem``).
- Publish never trusts a stored or extracted time blindly: one stored before this
  rule, or read by the extractor from the text, that is not plausible is replaced by
  the time the report was received (``plausible_published_at``), with a warning.
- Feed page cursors carry a publication time; one outside the same range is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: the first moment a report may be published (the first year a period key names)
EARLIEST_PUBLISHED = datetime(1945, 1, 1, tzinfo=UTC)
#: the first moment past every year a period key names (2100 is the last)
END_OF_PUBLISHED = datetime(2101, 1, 1, tzinfo=UTC)
#: how far ahead of the receiving clock a publication time may be (a source's clock,
#: or a local time sent with the wrong offset); more is refused, never clamped
MAX_CLOCK_SKEW = timedelta(days=1)


def as_utc(value: datetime) -> datetime | None:
    """The aware ``value`` in UTC; None when that leaves the years Python can hold."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def in_published_range(value: datetime) -> bool:
    """True when the aware ``value`` is a time the service can hold and page by."""
    moment = as_utc(value)
    return moment is not None and EARLIEST_PUBLISHED <= moment < END_OF_PUBLISHED


def published_at_problem(value: datetime, now: datetime) -> str | None:
    """Why the aware ``value`` is not acceptable as a publication time, or None."""
    latest = min(now + MAX_CLOCK_SKEW, END_OF_PUBLISHED)
    if not in_published_range(value):
        return (
            f"must lie between {EARLIEST_PUBLISHED:%Y-%m-%d} and now "
            f"(at most {_skew()} ahead), not {value.isoformat()}"
        )
    if value > latest:
        return f"lies in the future: at most {_skew()} ahead of now is accepted"
    return None


def plausible_published_at(value: datetime, received_at: datetime) -> bool:
    """Whether a stored or extracted publication time may order a feed: within range
    and not later than the report's arrival plus the clock skew."""
    return in_published_range(value) and value <= received_at + MAX_CLOCK_SKEW


def _skew() -> str:
    hours = int(MAX_CLOCK_SKEW.total_seconds() // 3600)
    return f"{hours} hours" if hours != 24 else "one day"
