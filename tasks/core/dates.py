"""Date expressions to dates with dateparser: absolute ones in many languages ("6 août 2024"),
partial ones completed from the publication date ("le 3 mars"), relative ones resolved against it
("on Thursday", "hace dos días"), unresolved when there is nothing to resolve them against. The
precision (day, month or year) says how much of the date the text gave."""
from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

LANGUAGES = ("en", "fr", "es", "de", "it", "pt", "nl", "ru")
"""Languages dates are read in. A short list: dateparser tries every language it knows for a text
it cannot read, which costs seconds per expression."""

MAX_DATE_TEXT = 80
"""Longer date expressions are not dates (spaCy sometimes tags a whole clause DATE)."""

_YEAR = re.compile(r"\b\d{4}\b")
# dateparser reads "il y a deux jours" and "vor zwei Tagen" but not Spanish number words.
_ES_NUMBERS = {"dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7", "ocho": "8",
               "nueve": "9", "diez": "10", "once": "11", "doce": "12", "quince": "15", "veinte": "20"}
_ES_NUMBER_WORDS = re.compile(r"\b(" + "|".join(_ES_NUMBERS) + r")\b", re.IGNORECASE)
_PRECISION = {"day": "day", "time": "day", "week": "day", "month": "month", "year": "year"}


@lru_cache(maxsize=1)
def _parser_class():
    from dateparser.date import DateDataParser

    return DateDataParser


def _parse(text: str, base: datetime | None, utc: bool = False):
    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": utc}
    if utc:  # a timestamp: its zone (or UTC when it names none) converted to UTC
        settings.update(TIMEZONE="UTC", TO_TIMEZONE="UTC")
    if base is not None:
        settings["RELATIVE_BASE"] = base
    parser = _parser_class()(languages=list(LANGUAGES), settings=settings)
    data = parser.get_date_data(text)
    if data.date_obj is None and _ES_NUMBER_WORDS.search(text):
        data = parser.get_date_data(_ES_NUMBER_WORDS.sub(lambda m: _ES_NUMBERS[m.group(1).lower()], text))
    return data


@lru_cache(maxsize=4096)
def _resolve(text: str, ref: date | None) -> tuple[date | None, str | None]:
    base = datetime(ref.year, ref.month, ref.day, 12) if ref else None
    if base is None and not _YEAR.search(text):
        return None, None  # relative or partial, and nothing to complete it from
    try:
        data = _parse(text, base)
    except (ValueError, OverflowError, TypeError, AttributeError, KeyError, IndexError):
        return None, None  # dateparser's own failures on odd text: an unresolved date, not an error
    if data.date_obj is None:
        return None, None
    found, precision = data.date_obj.date(), _PRECISION.get(data.period or "day", "day")
    if precision == "month":
        return found.replace(day=1), "month"
    if precision == "year":
        return date(found.year, 1, 1), "year"
    return found, "day"


def resolve_date(text: str, published: datetime | None) -> tuple[date | None, str | None]:
    """(date, precision 'day'|'month'|'year') for a date expression, or (None, None). Never
    raises: a date outside what Python can represent (year 9999 plus "tomorrow") is unresolved."""
    if not text or len(text) > MAX_DATE_TEXT:
        return None, None
    try:
        ref = published.date() if published else None
        return _resolve(" ".join(text.split()), ref)
    except (OverflowError, ValueError):
        return None, None


def parse_written_date(text: str) -> datetime | None:
    """A timestamp as people write it ("6 August 2024 10:00", "6 août 2024"), or None. Needs a
    year: a seed's publication date is never relative."""
    if not text or len(text) > MAX_DATE_TEXT or not _YEAR.search(text):
        return None
    try:
        return _parse(" ".join(text.split()), None, utc=True).date_obj
    except (ValueError, OverflowError, TypeError, AttributeError, KeyError, IndexError):
        return None
