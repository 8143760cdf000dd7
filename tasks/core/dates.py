"""Date expressions to dates: absolute ones parsed, relative ones resolved against the publication
date when it is known ("on Thursday" -> the Thursday before publication), unresolved otherwise."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_DAY = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b")


def resolve_date(text: str, published: datetime | None) -> tuple[date | None, str | None]:
    """(date, precision 'day'|'month'|'year') for a date expression, or (None, None)."""
    if not text:
        return None, None
    low = text.lower().replace(",", " ")
    words = low.split()
    ref = published.date() if published else None
    year_m = _YEAR.search(low)
    month = next((_MONTHS[w.rstrip(".")] for w in words if w.rstrip(".") in _MONTHS), None)
    if month is not None:
        day = None
        for m in _DAY.finditer(low):
            value = int(m.group(1))
            if 1 <= value <= 31 and not (year_m and m.group(1) == year_m.group(1)):
                day = value
                break
        if year_m:
            year = int(year_m.group(1))
        elif ref:
            # A bare month names the nearest such month not far after publication.
            year = ref.year if month <= ref.month + 6 else ref.year - 1
        else:
            return None, None
        try:
            return (date(year, month, day), "day") if day else (date(year, month, 1), "month")
        except ValueError:
            return date(year, month, 1), "month"
    if year_m and not any(w in _WEEKDAYS for w in words):
        return date(int(year_m.group(1)), 1, 1), "year"
    if ref is None:
        return None, None
    for w in words:
        if w in _WEEKDAYS:
            back = (ref.weekday() - _WEEKDAYS[w]) % 7
            return ref - timedelta(days=back), "day"
    if "today" in words or "tonight" in words:
        return ref, "day"
    if "yesterday" in words:
        return ref - timedelta(days=1), "day"
    if "tomorrow" in words:
        return ref + timedelta(days=1), "day"
    if "last week" in low:
        return ref - timedelta(days=7), "day"
    if "last month" in low:
        first = ref.replace(day=1) - timedelta(days=1)
        return first.replace(day=1), "month"
    if "last year" in low:
        return date(ref.year - 1, 1, 1), "year"
    if "this year" in low:
        return date(ref.year, 1, 1), "year"
    return None, None
