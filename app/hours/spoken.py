"""When a closed line opens again, said in the caller's language ("We open again tomorrow
at 8:00 AM."). Pure: times and weekdays as Babel formats them for the language."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_skeleton, format_time

from ..flow.phrases import N_, Phrases

# Each is said with the hour on the clock as its count (gettext plural forms), so a
# language whose article agrees with the hour gets it right: Spanish "a la 1:00" but
# "a las 2:00". English has one form for all hours: the plural id repeats the singular.
TODAY = N_("We open again today at {time}.")
TOMORROW = N_("We open again tomorrow at {time}.")
THIS_WEEK = N_("We open again on {weekday} at {time}.")
LATER = N_("We open again on {date} at {time}.")


def locale_of(p: Phrases) -> str:
    return (p.language or "en-US").replace("-", "_")


def opens_again(today: date, opening: datetime, p: Phrases) -> str:
    """`today` and `opening` are both the line's local time."""
    locale = locale_of(p)
    at = format_time(opening.time(), format="short", locale=locale)
    days = (opening.date() - today).days
    if days <= 0:
        return p.at_clock(TODAY, at)
    if days == 1:
        return p.at_clock(TOMORROW, at)
    if days < 7:
        return p.at_clock(THIS_WEEK, at,
                          weekday=format_date(opening.date(), "EEEE", locale=locale))
    return p.at_clock(LATER, at, date=format_skeleton("MMMMd", opening, locale=locale))

