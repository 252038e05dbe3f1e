"""The window of dates Dailies stores and shows: a guard against a feed's `pubDate` of 9999-12-31.

Everything dated outside it is refused where it comes in (the admin, the filters, feed hints) with a clear
message, and skipped where it is shown (charts, iCal), so a row stored before the bound was set or
written around it never turns a page into a 500 (month arithmetic past year 9999 overflows).
"""

import datetime

from django.core.exceptions import ValidationError

EARLIEST = datetime.date(1900, 1, 1)
# Contract expiries and scheduled hearings lie ahead, but not centuries ahead.
LATEST = datetime.date(2100, 12, 31)
WINDOW_TEXT = f"between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"


def as_day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def in_window(value):
    """True for a date (or datetime) within EARLIEST..LATEST; False for None."""
    day = as_day(value)
    return day is not None and EARLIEST <= day <= LATEST


def validate_event_date(value):
    """A model and form validator: a clear error for a date outside the window."""
    if value is not None and not in_window(value):
        raise ValidationError(f"Enter a date {WINDOW_TEXT}.", code="date_out_of_window")


def plausible_publication(value, *, now=None):
    """`value` (an aware datetime) if an article could have been published then, else None.

    Nothing is published in the future: a feed or page date more than a day ahead of now is a mistake
    (or an attack), not a hint worth keeping.
    """
    if value is None:
        return None
    now = now or datetime.datetime.now(datetime.UTC)
    if not in_window(value) or value > now + datetime.timedelta(days=1):
        return None
    return value
