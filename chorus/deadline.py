"""Deadlines of statements.

A statement's deadline lives in one place: the ``X-Chorus-Deadline`` header of its template
(``translations/<slug>/<slug>.pot``), as ISO 8601 with its offset (``2026-12-04T20:00+01:00``).
``chorus add --deadline``, the web form and the API put it there, as does the ``deadline:``
key of a Markdown statement's front matter (read again by ``chorus update``); ``chorus
deadline`` changes it. The project index reads it from there for the dashboard.

What users write is read as ISO 8601 (``2026-12-04T20:00``, ``2026-12-04 20:00``, with
``Z`` or ``+01:00`` when they mean another zone), in the server's time zone unless given; a
day alone (``2026-12-04``) means the end of that day.

>>> parse("2026-12-04T20:00+01:00").isoformat()
'2026-12-04T20:00:00+01:00'
>>> utc_key(parse("2026-12-04T20:00+01:00"))
'2026-12-04T19:00Z'
"""

from __future__ import annotations

import datetime as dt
import re

from .errors import ChorusError

HEADER = "X-Chorus-Deadline"
SOON = dt.timedelta(hours=2)  # a reminder goes out this long before a deadline with work left
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MAX = 100  # characters of a deadline as written


def parse(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """A deadline as written by a user, as an aware datetime (minutes, no seconds); one clear
    :class:`ChorusError` for anything else."""
    value = (text or "").strip().strip("\"'")
    if not value or len(value) > _MAX:
        raise ChorusError(f"not a deadline: {text[:_MAX]!r} (write it as 2026-12-04T20:00, "
                          f"in the server's time zone, or with an offset: 2026-12-04T20:00+01:00)")
    try:
        if _DAY.match(value):
            moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(23, 59))
        else:
            moment = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise ChorusError(f"not a deadline: {value!r} (write it as 2026-12-04T20:00, in the server's "
                          f"time zone, or with an offset: 2026-12-04T20:00+01:00)") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the server's time zone, with that day's offset
    return moment.replace(second=0, microsecond=0)


def stored(moment: dt.datetime) -> str:
    """The header's text: ``2026-12-04T20:00+01:00``."""
    return moment.isoformat(timespec="minutes")


def read(value: str | None) -> dt.datetime | None:
    """The deadline of a header (None when there is none, or it cannot be read)."""
    if not value:
        return None
    try:
        return parse(value)
    except ChorusError:
        return None


def utc_key(moment: dt.datetime) -> str:
    """A text that sorts as the moments do: ``2026-12-04T19:00Z``."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def from_key(key: str | None) -> dt.datetime | None:
    if not key:
        return None
    try:
        return dt.datetime.strptime(key, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def local(moment: dt.datetime) -> str:
    """ISO 8601 in the server's time zone: ``2026-12-04T20:00+01:00``."""
    return moment.astimezone().isoformat(timespec="minutes")


def mark(moment: dt.datetime | None, work_left: bool, now: dt.datetime | None = None) -> str | None:
    """``overdue`` (passed with work left), ``today`` (later today, server time), else None."""
    if moment is None or not work_left:
        return None
    now = now or dt.datetime.now().astimezone()
    if moment <= now:
        return "overdue"
    if moment.astimezone().date() == now.astimezone().date():
        return "today"
    return None


def from_front_matter(text: str) -> str | None:
    """The ``deadline:`` of a Markdown statement's front matter, as written (None if none)."""
    if not text.startswith("---"):
        return None
    from .document import FRONT_MATTER

    found = FRONT_MATTER.match(text)
    for line in (found.group(1) if found else "").splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() == "deadline" and value.strip():
            return value.strip()
    return None


def set_deadline(project, slug: str, moment: dt.datetime | None) -> None:
    """Write (or with None, remove) the deadline of ``slug`` in its template, under its lock."""
    from . import catalog

    path = project.template_path(project.resolve([slug])[0])
    with catalog.editing(path) as pot:
        if moment is None:
            pot.metadata.pop(HEADER, None)
        else:
            pot.metadata[HEADER] = stored(moment)
