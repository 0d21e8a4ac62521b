"""Segments of one catalog as the web UI sees them, and the only code that writes catalogs.

A segment's id is a short hash of msgctxt + msgid (stable while the source sentence is the
same); its revision is a short hash of what a volunteer can change (msgstr and flags). Every
save names the revision it edited; a save against an older revision is a :class:`Conflict`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import polib

from chorus import catalog
from chorus.errors import ChorusError
from chorus.project import Project, check_slug, normalize_lang
from chorus.text import clean_translation

MAX_TARGET = 20_000
NEEDS_WORK = ("untranslated", "fuzzy")
FILTERS = {
    "needs-work": NEEDS_WORK,
    "untranslated": ("untranslated",),
    "all": catalog.STATES,
}


class NotFound(Exception):
    """An unknown statement, language or segment."""


class Conflict(Exception):
    """The entry changed since the revision the volunteer edited."""

    def __init__(self, segment: "Segment"):
        super().__init__("the segment changed since you opened it")
        self.segment = segment


@dataclass
class Segment:
    id: str
    index: int
    source: str
    target: str
    state: str
    revision: str
    kind: str
    origin: str | None
    context: str | None
    previous_source: str | None
    references: list[str]
    flags: tuple[str, ...] = ()
    plural: bool = False  # an entry with plural forms, added by hand: shown, not edited here

    def as_json(self) -> dict:
        return {
            "id": self.id, "index": self.index, "source": self.source, "target": self.target,
            "state": self.state, "revision": self.revision, "kind": self.kind, "origin": self.origin,
            "context": self.context, "previous_source": self.previous_source, "plural": self.plural,
        }


def segment_id(entry: polib.POEntry) -> str:
    key = f"{entry.msgctxt or ''}\x04{entry.msgid}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def revision(entry: polib.POEntry) -> str:
    flags = ",".join(sorted(catalog.markers(entry)))  # the state, wherever the catalog keeps it
    text = entry.msgstr
    if entry.msgid_plural:
        text += "".join(f"\x00{key}\x00{value}" for key, value in sorted(entry.msgstr_plural.items()))
    return hashlib.sha256(f"{text}\x00{flags}".encode("utf-8")).hexdigest()[:10]


def block_kind(entry: polib.POEntry) -> str:
    """The block kind from the extracted comment (``#. slogan``); link lines are skipped."""
    first = (entry.comment or "").splitlines()[0:1]
    return first[0].strip() if first and not first[0].startswith("[") else ""


def to_segment(entry: polib.POEntry, index: int) -> Segment:
    return Segment(
        id=segment_id(entry), index=index, source=entry.msgid, target=entry.msgstr,
        state=catalog.state(entry), revision=revision(entry), kind=block_kind(entry),
        origin=catalog.origin(entry), context=entry.msgctxt, previous_source=entry.previous_msgid,
        references=[f"{path}:{line}" if line else path for path, line in entry.occurrences],
        flags=catalog.markers(entry), plural=bool(entry.msgid_plural),
    )


PLURAL = ("this entry has plural forms (msgid_plural), which the review page cannot edit yet: "
          "edit it in a PO editor such as Poedit")


def catalog_path(project: Project, slug: str, lang: str) -> Path:
    """The catalog of a statement and language named in a URL; unknown names are NotFound."""
    try:
        check_slug(slug)
        lang = normalize_lang(lang)
    except ChorusError:
        raise NotFound(f"{slug}/{lang}") from None
    if lang not in project.config.langs or not project.template_path(slug).is_file():
        raise NotFound(f"{slug}/{lang}")
    path = project.catalog_path(slug, lang)
    if not path.exists():
        raise NotFound(f"{slug}/{lang}")
    return path


def load(path: Path) -> list[Segment]:
    return [to_segment(entry, index) for index, entry in enumerate(catalog.live_entries(catalog.read(path)))]


def find(segments: list[Segment], seg_id: str) -> Segment:
    for segment in segments:
        if segment.id == seg_id:
            return segment
    raise NotFound(seg_id)


def clean_target(source: str, target: str) -> str:
    """The translation as the catalog stores it (:func:`chorus.text.clean_translation`: line ends
    normalised, separators made spaces, control characters refused with a ValueError)."""
    return clean_translation(source, target, MAX_TARGET)


@dataclass
class Change:
    before: Segment
    after: Segment


Journal = Callable[[polib.POFile, Change], None]


def save(path: Path, seg_id: str, target: str, base_revision: str, user: str,
         approve: bool = False, journal: Journal | None = None) -> Change:
    """Write a volunteer's translation: it becomes translated (or approved), never fuzzy.

    Raises :class:`Conflict` when the entry's revision is no longer ``base_revision``.
    ``journal(catalog, change)`` is called under the catalog's lock just before the catalog is
    written (to record the change in the history first); if it raises, nothing is written.
    """
    with catalog.editing(path) as po:
        entry, index = _entry(po, seg_id)
        before = to_segment(entry, index)
        if before.revision != base_revision:
            raise Conflict(before)
        if entry.msgid_plural:
            raise ValueError(PLURAL)
        text = clean_target(entry.msgid, target)
        if text != entry.msgstr:
            entry.msgstr = text
            catalog.set_origin(entry, None)
        if not text:
            catalog.set_state(entry, "untranslated")
        elif approve:
            catalog.set_state(entry, "approved", by=user)
        elif catalog.state(entry) != "approved" or text != before.target:
            catalog.set_state(entry, "translated")
        catalog.touch_revision(po, user)
        change = Change(before, to_segment(entry, index))
        if journal is not None:
            journal(po, change)
        return change


def approve(path: Path, seg_id: str, base_revision: str | None, user: str,
            journal: Journal | None = None) -> Change:
    """Mark a segment approved (it must have a translation); ``journal`` as for :func:`save`."""
    with catalog.editing(path) as po:
        entry, index = _entry(po, seg_id)
        before = to_segment(entry, index)
        if base_revision is not None and before.revision != base_revision:
            raise Conflict(before)
        if entry.msgid_plural:
            raise ValueError(PLURAL)
        if not entry.msgstr:
            raise ValueError("an untranslated segment cannot be approved")
        catalog.set_state(entry, "approved", by=user)
        catalog.touch_revision(po, user)
        change = Change(before, to_segment(entry, index))
        if journal is not None:
            journal(po, change)
        return change


def revisions(po: polib.POFile) -> dict[str, str]:
    """Segment id → revision, for every live entry of a catalog."""
    return {segment_id(entry): revision(entry) for entry in catalog.live_entries(po)}


def _entry(po: polib.POFile, seg_id: str) -> tuple[polib.POEntry, int]:
    for index, entry in enumerate(catalog.live_entries(po)):
        if segment_id(entry) == seg_id:
            return entry, index
    raise NotFound(seg_id)


def next_segment(segments: list[Segment], after: str | None, states: tuple[str, ...],
                 taken: set[str] = frozenset()) -> Segment | None:
    """The first segment after ``after`` (wrapping around) in ``states`` that nobody else has open
    (entries with plural forms are skipped: they are not edited here)."""
    start = 0
    if after:
        for segment in segments:
            if segment.id == after:
                start = segment.index + 1
                break
    ordered = segments[start:] + segments[:start]
    for segment in ordered:
        if segment.id != after and segment.state in states and segment.id not in taken and not segment.plural:
            return segment
    return None
