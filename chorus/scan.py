"""What the project index (:mod:`chorus.index`) reads from a statement's files: a template's
title, date, deadline and entries, a catalog's counts and sentences. A file that cannot be read
gives a record with ``error`` (what is wrong, in which file) and ``repair`` (the command that
mends it, when there is one), never an exception.

The fast reader handles the files Chorus and the usual editors write; anything unusual goes to
polib through :func:`catalog.read`, so that a file refused there is refused here too.

>>> fold("Solidarité")
'solidarite'
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import os
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from . import deadline as deadlines
from .errors import ChorusError
from .project import Project
from .status import STATE_KEYS

DEADLINE_HEADER = deadlines.HEADER
COUNTS = ("segments", "words", *STATE_KEYS, *(f"{state}_words" for state in STATE_KEYS))


@dataclass
class TemplateRecord:
    """What the index keeps of a statement's template (``<slug>.pot``)."""

    slug: str
    stamp: str | None
    title: str
    date: str
    deadline: str | None = None
    segments: int = 0
    words: int = 0
    entries: list[tuple[str | None, str]] = field(default_factory=list)  # for catalogs not made yet
    error: str | None = None
    repair: str | None = None


@dataclass
class CatalogRecord:
    """What the index keeps of one catalog; ``rows`` are (source, target, msgctxt, state, position)."""

    slug: str
    lang: str
    stamp: str | None
    missing: bool = False
    counts: dict = field(default_factory=dict)
    rows: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    changed: float | None = None
    error: str | None = None
    repair: str | None = None


def segment_id(msgctxt: str | None, msgid: str) -> str:
    """A segment's id, as the web UI makes it (``chorus.editing.segment_id``)."""
    return hashlib.sha256(f"{msgctxt or ''}\x04{msgid}".encode("utf-8")).hexdigest()[:12]


def fold(text: str) -> str:
    """Lowercase, without diacritics: ``fold("Solidarité") == "solidarite"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def stamp(info: os.stat_result | None) -> str | None:
    if info is None:
        return None
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def _day(seconds: float) -> str:
    return dt.date.fromtimestamp(seconds).isoformat()


def _iso_date(value: str | None) -> str | None:
    try:
        return dt.date.fromisoformat((value or "").strip().strip("\"'")[:10]).isoformat()
    except ValueError:
        return None


def _kinds(entry) -> list[str]:
    """Block kinds from an entry's extracted comment (``#. title``); link lines are skipped."""
    first = (entry.comment or "").split("\n", 1)[0]
    return [] if first.startswith("[") else [kind.strip() for kind in first.split(",")]


def _relative(error: Exception, path: Path, project: Project) -> str:
    return str(error).replace(str(path), project.relative(path))


def read_template(project: Project, slug: str) -> TemplateRecord:
    """Title, date, deadline, size and entries of a statement's template; never raises for a
    broken file: the record says what is wrong."""
    path = project.template_path(slug)
    info = stat(path)
    if info is None:
        return TemplateRecord(slug, None, slug, _day(time.time()), error=f"{project.relative(path)}: no such "
                              f"template", repair=_template_repair(project, slug))
    try:
        metadata, entries, text = _read_entries(path)
    except ChorusError as error:
        return TemplateRecord(slug, stamp(info), slug, _day(info.st_mtime), error=_relative(error, path, project),
                              repair=_template_repair(project, slug))
    title = _title(entries, text, bool(metadata))
    moment = deadlines.read(metadata.get(DEADLINE_HEADER))
    deadline = deadlines.utc_key(moment) if moment else None
    return TemplateRecord(
        slug, stamp(info), " ".join(title.split()) if title else slug,
        _iso_date(metadata.get(catalog.DATE_HEADER)) or _day(info.st_mtime), deadline,
        len(entries), sum(len(msgid.split()) for _, msgid, _, _, _ in entries),
        [(context, msgid) for context, msgid, _, _, _ in entries])


_EXTRACTED = re.compile(r"^#\. ([^\n]*)$", re.M)


def _title(entries: list, text: str | None, header: bool) -> str | None:
    """The msgid of the first entry whose block kind is ``title``. In a file the fast reader
    read, the n-th ``msgid`` line after the header is the n-th entry."""
    if text is None:  # read by polib: the kinds are at hand
        return next((msgid for _, msgid, _, _, kinds in entries if "title" in kinds), None)
    for found in _EXTRACTED.finditer(text):
        if "title" in (kind.strip() for kind in found.group(1).split(",")):
            position = text.count("\nmsgid ", 0, found.start()) + text.startswith("msgid ") - header
            return entries[position][1] if 0 <= position < len(entries) else None
    return None


def _template_repair(project: Project, slug: str) -> str | None:
    """``chorus update`` makes a template again from its source."""
    try:
        project.source_path(slug)
    except ChorusError:
        return None
    return f"chorus update {slug}"


def read_catalog(project: Project, slug: str, lang: str, template: TemplateRecord | None) -> CatalogRecord:
    """Counts and segments of one catalog. A catalog not made yet counts as the template,
    untranslated (``template`` is needed then); a broken one is a record with ``error``."""
    path = project.catalog_path(slug, lang)
    info = stat(path)
    if info is None:
        if template is None or template.error:
            return CatalogRecord(slug, lang, None, True, error=f"{project.relative(path)} is missing, and so is a "
                                 f"readable template to count from", repair=f"chorus update {slug}")
        record = _record(slug, lang, None, [(context, msgid, "", "untranslated") for context, msgid in
                                            template.entries], None)
        record.missing, record.repair = True, f"chorus update {slug}"
        return record
    try:
        _, entries, _ = _read_entries(path)
    except ChorusError as error:
        repair = f"sed -i '1s/^\\xEF\\xBB\\xBF//' {project.relative(path)}" if "byte-order mark" in str(error) else None
        return CatalogRecord(slug, lang, stamp(info), error=_relative(error, path, project), repair=repair)
    return _record(slug, lang, stamp(info), [entry[:4] for entry in entries], info.st_mtime)


def _record(slug: str, lang: str, stamp: str | None, entries, changed: float | None) -> CatalogRecord:
    counts: Counter[str] = Counter()
    rows = []
    for position, (context, msgid, msgstr, state) in enumerate(entries):
        words = len(msgid.split())
        counts["segments"] += 1
        counts["words"] += words
        counts[state] += 1
        counts[f"{state}_words"] += words
        rows.append((msgid, msgstr, context, state, position))
    return CatalogRecord(slug, lang, stamp, False, {key: counts.get(key, 0) for key in COUNTS}, rows, changed)


# What the fast reader leaves to polib, so that the index refuses exactly what catalog.read
# refuses (a test checks both on damaged files): contexts; a quoted string cut short or
# followed by more (an unescaped quote), also in obsolete entries; comment lines polib does
# not know (``#x``, ``#,fuzzy``) and ``#|`` lines other than previous msgids.
_UNUSUAL = re.compile(  # possessive: a line is read once, never again from another start
    rb'^(?:(?:#~[ \t]*+)?[^#\n"]*+"(?:[^"\\\n]++|\\.)*+(?:"[ \t]*+[^ \t\n]|\\?$)'
    rb'|#(?![ \t.:,|~#]|$)|#[.:,|~](?![ \t|]|$)'
    rb'|#\|(?![ \t]+(?:msgid|msgctxt|msgid_plural)[ \t]+"|[ \t]+"))', re.M)


def _read_entries(path: Path) -> tuple[dict[str, str], list[tuple], str | None]:
    """Headers, live entries as (msgctxt, msgid, msgstr, state, kinds) and the text of a PO or
    POT file; what :func:`catalog.read` refuses is a :class:`ChorusError` here too.

    Most files take the fast reader (:func:`catalog.read_states`: no context, no duplicate, no
    stray quote; kinds left empty, the text returned instead); anything else is parsed by polib
    through :func:`catalog.read` (the text is then None).
    """
    try:
        data = catalog.read_file(path)
    except OSError as error:
        raise ChorusError(f"{path}: cannot read ({error.strerror or error})") from None
    if data.startswith(codecs.BOM_UTF8):
        catalog.read(path)  # refuses it, with the same words as everywhere
    if b"msgctxt" not in data and not _UNUSUAL.search(data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # catalog.read below says what is wrong, as everywhere else
        else:
            metadata, entries = catalog.read_states(path)
            live = data.count(b"\nmsgstr") + data.startswith(b"msgstr")
            if live == len(entries) + bool(metadata):  # no duplicate, no plural form left out
                return metadata, [(None, msgid, msgstr, state, ()) for msgid, (msgstr, state) in entries.items()], text
    parsed = catalog.read(path)
    return dict(parsed.metadata), [(entry.msgctxt, entry.msgid, entry.msgstr, catalog.state(entry), _kinds(entry))
                                   for entry in catalog.live_entries(parsed)], None


def read_items(project: Project, items: list[tuple[str, bool, tuple[str, ...]]]):
    """Read a chunk of (slug, template changed, languages changed): a run_chunks task."""
    results = []
    for slug, template_changed, langs in items:
        missing = any(stat(project.catalog_path(slug, lang)) is None for lang in langs)
        template = read_template(project, slug) if template_changed or missing else None
        results.append((template if template_changed else None,
                        [read_catalog(project, slug, lang, template) for lang in langs]))
    return results
