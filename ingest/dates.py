"""When did what an article reports happen? Its own words first, then its publication date, else unknown.

News copy says when in its opening sentences, relative to the day it was published: "said on Tuesday",
"late on Sunday", "on June 11", "yesterday", "last week". We read only those phrases, only in the title and
the first sentences, and only as a day on or before publication (a report never precedes its event by
much; "through May 1, 2026" or "in early 2026" are not when anything happened and are never read).
Without such a phrase the publication date stands in (metadata, feed, URL: where it came from is kept).
Without a publication date the date is unknown, and says so: never today's date in silence.
"""

import datetime
import re
from dataclasses import dataclass

# How much of the text the "when" phrase is looked for in: the lead, where news copy says it.
LEAD_SENTENCES = 3
# A bare "on June 11" is read as the latest such day on or before publication, at most this long before.
MAX_DAYS_BEFORE = 120

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip

# "on Tuesday", "late on Sunday", "said Monday", "Friday's vote": a weekday that is not part of a span.
_WEEKDAY_RE = re.compile(
    r"(?<!through )(?<!until )(?<!by )(?<!before )(?<!next )(?<!from )\b(" + "|".join(WEEKDAYS) + r")\b(?!,? \w+ \d)",
    re.IGNORECASE,
)
_ON_DAY_RE = re.compile(
    r"\bon (" + "|".join(MONTHS) + r")\.? (\d{1,2})(?:st|nd|rd|th)?\b(?:,? ((?:19|20)\d\d))?", re.IGNORECASE
)
_RELATIVE = [
    (re.compile(r"\byesterday\b", re.IGNORECASE), 1, "day"),
    (re.compile(r"\b(?:last|earlier this) week\b", re.IGNORECASE), 7, "month"),
]
_LAST_WEEK_AFTER_RE = re.compile(r",? last week\b", re.IGNORECASE)
_DAYS_LATER_RE = re.compile(
    r"\b(a day|one day|two days|three days|four days|five days|\d days?) later\b", re.IGNORECASE
)
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“‘])")


@dataclass(frozen=True)
class EventDate:
    date: datetime.date | None
    precision: str  # "day" or "month"; "" when unknown
    source: str  # an ingest.models.DateSource value
    evidence: str = ""

    @property
    def known(self):
        return self.date is not None


UNKNOWN = EventDate(None, "", "unknown", "no publication date, and the text does not say when")


def lead(text, sentences=LEAD_SENTENCES):
    return " ".join(_SENTENCE_RE.split(" ".join((text or "").split()))[:sentences])


def _from_weekday(name, published):
    back = (published.weekday() - WEEKDAYS.index(name.lower())) % 7
    return published - datetime.timedelta(days=back)


def _from_month_day(month, day, year, published):
    month = MONTHS.index(month.lower()) + 1
    try:
        candidate = datetime.date(int(year) if year else published.year, month, int(day))
        if not year and candidate > published:
            candidate = candidate.replace(year=published.year - 1)
    except ValueError:
        return None
    if not (0 <= (published - candidate).days <= MAX_DAYS_BEFORE):
        return None
    return candidate


def date_in_text(title, text, published):
    """An EventDate from the first "when" phrase of the lead, relative to `published` (a date), or None."""
    passage = f"{title or ''}. {lead(text)}"
    found = []
    for match in _WEEKDAY_RE.finditer(passage):
        if _LAST_WEEK_AFTER_RE.match(passage, match.end()):  # "on Friday last week": that day, a week back
            day = _from_weekday(match[1], published - datetime.timedelta(days=7))
        elif passage[max(0, match.start() - 5) : match.start()].lower() == "last ":  # "last Friday": before today
            day = _from_weekday(match[1], published - datetime.timedelta(days=1))
        else:
            day = _from_weekday(match[1], published)
        found.append((match.start(), day, "day", match[0]))
    for match in _ON_DAY_RE.finditer(passage):
        day = _from_month_day(match[1], match[2], match[3], published)
        if day is not None:
            found.append((match.start(), day, "day", match[0]))
    for pattern, days_back, precision in _RELATIVE:
        match = pattern.search(passage)
        if match:
            found.append((match.start(), published - datetime.timedelta(days=days_back), precision, match[0]))
    if not found:
        return None
    _, day, precision, words = min(found, key=lambda item: item[0])
    return EventDate(day, precision, "text", words)


def event_date(title, text, published_at, published_source):
    """The event's date for an article: its text's "when", else its publication date, else unknown.

    `published_at` is a datetime or None; `published_source` where it came from (metadata, feed, url).
    """
    if published_at is None:
        return UNKNOWN
    published = published_at.date()
    from_text = date_in_text(title, text, published)
    if from_text is not None:
        return from_text
    return EventDate(published, "day", published_source or "metadata", f"published {published.isoformat()}")


def days_later(text):
    """The n of "two days later" at the start of a passage (a roundup's next item), or None."""
    match = _DAYS_LATER_RE.search(lead(text, 1))
    if not match:
        return None
    word = match[1].split()[0].lower()
    return int(word) if word.isdigit() else _COUNTS[word]
