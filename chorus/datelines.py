"""Datelines: the date a line names, in English or in the statement's language (Babel's names).

>>> parse_dateline("3 March 2024", "en")
(datetime.date(2024, 3, 3), False)
"""

from __future__ import annotations

import datetime as dt
import re
from babel import Locale
from functools import lru_cache


# --- datelines ---------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def parse_dateline(line: str, lang: str) -> tuple[dt.date, bool] | None:
    """The date written on a dateline, and whether it names the weekday.

    >>> parse_dateline("Sunday, March 3, 2024", "en")
    (datetime.date(2024, 3, 3), True)
    >>> parse_dateline("3 March 2024", "en")
    (datetime.date(2024, 3, 3), False)
    >>> parse_dateline("We march on 3 March 2024", "en") is None
    True
    """
    stripped = line.strip().rstrip(".")
    iso = _ISO_DATE.match(stripped)
    if iso:
        try:
            return dt.date(*map(int, iso.groups())), False
        except ValueError:
            return None
    if len(stripped) > 60 or not _YEAR.search(stripped):
        return None
    names = _date_words(lang)
    words = re.findall(r"[^\W\d_]+|\d+", stripped.lower())
    english, weekday, month = [], False, False
    for word in words:
        if word.isdigit():
            english.append(word)
        elif word in names["months"]:
            english.append(names["months"][word])
            month = True
        elif word in names["days"]:
            weekday = True
        elif word not in names["fillers"]:
            return None
    if not month:
        return None
    from dateutil import parser as dateparser  # only lines that look like dates get here

    try:
        parsed = dateparser.parse(" ".join(english), default=dt.datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    return parsed.date(), weekday


@lru_cache(maxsize=32)
def _date_words(lang: str) -> dict[str, dict[str, str] | set[str]]:
    english = Locale("en")
    months: dict[str, str] = {}
    days: dict[str, str] = {}
    for locale in {english, _locale(lang)}:
        for width in ("wide", "abbreviated"):
            for number, name in locale.months["format"][width].items():
                months[name.lower().rstrip(".")] = english.months["format"]["wide"][number]
                months[locale.months["stand-alone"][width][number].lower().rstrip(".")] = (
                    english.months["format"]["wide"][number]
                )
            for number, name in locale.days["format"][width].items():
                days[name.lower().rstrip(".")] = english.days["format"]["wide"][number]
    fillers = {"st", "nd", "rd", "th", "of", "the", "de", "del", "le", "der", "den", "am", "el", "er", "e"}
    return {"months": months, "days": days, "fillers": fillers}


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except Exception:  # babel raises several types for unknown codes
        return Locale("en")
