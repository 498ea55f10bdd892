"""Every tuning constant of the extraction rules, in one place, each with its reason.

Rules refer to these by name; changing one is a change of behaviour that the table of
cases (tests/extract/cases.jsonl) and ``danvan eval`` on the corpus must confirm.
"""

from __future__ import annotations

from datetime import timedelta

# --- where the meeting is announced --------------------------------------------------------
# The headline and lead paragraph: reports announce their meeting in the first ~1,000
# characters; the rest is results, which mention other meetings and periods.
LEAD_CHARS = 1500
LEAD_SENTENCES = 8
# Characters of article read for entities (reports are 2–10 KB).
ANALYSIS_LIMIT = 60_000
# A lead sentence scored this high is also read for the holder.
HOLDER_SENTENCE_MIN_SCORE = 3
# A dân vận meeting that is never named is looked for in this many opening sentences.
LEAD_DOMAIN_SENTENCES = 4
# What a review word reviews: read this far after it ("tổng kết công tác dân vận …").
REVIEW_OBJECT_CHARS = 140
# A genre word heads the event only this close after the organise verb ("tổ chức Hội
# nghị Báo cáo viên …"); later ones describe its content.
HEAD_VETO_CHARS = 90
# Another kind of event (a briefing, a launch) heads a report only from its first sentences.
VETO_FRAME_SENTENCES = 2

# --- periods and dates ----------------------------------------------------------------------
# A review is held from shortly before its period ends to a few months after; how long
# before depends on the period (a year is reviewed from November, a term in its last year).
REVIEW_LEAD_TIME = {
    "month": timedelta(days=20),
    "quarter": timedelta(days=30),
    "half": timedelta(days=45),
    "FY": timedelta(days=75),
    "span": timedelta(days=366),
}
# ... and up to this long after it ends (a January or February review of last year).
REVIEW_LAG = timedelta(days=150)
# A meeting date may trail the page date by this much (time zones, late publication).
PAGE_DATE_SLACK = timedelta(days=2)
# A yearless date more than this many months after the page's month is of the year before.
YEARLESS_MONTHS_AHEAD = 1
