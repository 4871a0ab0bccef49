"""How counts, dates and times read in what a person sees: "1 article", "2 stories",
"Thursday 15 May 2025", "news from 14 to 15 May 2025", in the reader's time zone.

Pluralisation is written out rather than taken from ``inflect``: the nouns are
a handful known in advance (English's regular rules, "story"/"stories" among
them, and the few irregular words listed), and a 1 MB dependency would buy
nothing here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_IRREGULAR = {"is": "are", "was": "were"}


class TimezoneError(ValueError):
    """An unknown time zone name; the message names it."""


def plural(noun: str, n: int) -> str:
    """``noun`` as it reads after the number ``n``: story/stories, article/articles."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        word = _IRREGULAR[last]
    elif last.endswith("y") and last[-2:-1] not in ("", "a", "e", "i", "o", "u"):
        word = last[:-1] + "ies"  # story, entry, summary
    else:
        word = last + ("es" if last.endswith(("s", "x", "ch", "sh")) else "s")
    return f"{head} {word}" if head else word


def count(n: int, noun: str) -> str:
    """``1 article``, ``2 articles``, ``3 stories``."""
    return f"{n} {plural(noun, n)}"


def reader_timezone(name: str | None = None) -> dt.tzinfo:
    """The time zone dates are shown in: ``name`` (an IANA name such as "Asia/Tokyo")
    when given, else the ``TZ`` environment variable, else the system's local zone.

    Raises TimezoneError for a ``name`` that is not a known zone. A ``TZ`` that
    is no IANA name (a POSIX rule such as ``CET-1CEST``) is left to the C
    library, which reads it for the system's local zone.
    """
    name = (name or "").strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise TimezoneError(f"unknown time zone {name!r} (expected an IANA name such as Europe/Berlin)") from None
    local = _named_zone() or dt.datetime.now().astimezone().tzinfo
    return local or dt.timezone.utc


def local_time(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """``moment`` in ``tz``, or in the reader's zone when None (``TZ``, else the system's local zone,
    with its daylight-saving rules at that moment); naive times are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    zone = tz or _named_zone()
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def _named_zone() -> ZoneInfo | None:
    """The zone ``TZ`` names when it is an IANA name, else None."""
    name = os.environ.get("TZ", "").strip().lstrip(":")
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def day_text(day: dt.date) -> str:
    """``Thursday 15 May 2025``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def date_text(day: dt.date) -> str:
    """``15 May 2025``."""
    return f"{day.day} {day:%B %Y}"


def part_of_day(moment: dt.datetime) -> str:
    """``Morning``, ``Afternoon`` or ``Evening`` by the local hour."""
    if moment.hour < 12:
        return "Morning"
    return "Afternoon" if moment.hour < 18 else "Evening"


def date_range_text(dates: Iterable[dt.date | None]) -> str:
    """The span of the news covered: ``15 May 2025``, ``14 to 15 May 2025``,
    ``30 April to 2 May 2025``; "" when no article is dated."""
    known = sorted({d for d in dates if d is not None})
    if not known:
        return ""
    first, last = known[0], known[-1]
    if first == last:
        return date_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {date_text(last)}"
    if first.year == last.year:
        return f"{first.day} {first:%B} to {date_text(last)}"
    return f"{date_text(first)} to {date_text(last)}"
