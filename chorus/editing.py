"""The rules of editing: what a save, an approval, a revert or a comment does to a catalog and
its records. The web pages, the API and the command line all edit through here; ``webui``
keeps only HTTP.

- A segment's id is a short hash of msgctxt + msgid (stable while the source sentence is the
  same); its revision a short hash of what a volunteer can change (msgstr and flags). Every
  change names the revision it was made against; an older one is a :class:`Conflict`.
- States move as :func:`chorus.catalog.set_state` stores them: a save makes a segment
  translated (or approved), never fuzzy; emptying it makes it untranslated.
- Four eyes (:mod:`chorus.policy`): nobody approves a text they wrote, nor a machine draft
  nobody accepted, unless ``self_approval = true``. Who wrote a text comes from the history.
- A save is either on disk with its history, or not written at all: the history row is written
  (pending) under the catalog's lock before the catalog and confirmed after it; when storage
  fails the change is an :class:`Unwritable`.
- After a change is on disk, the functions in :data:`AFTER_SAVE` are called with a
  :class:`Saved` (notifications, replication); after a comment, those in :data:`AFTER_COMMENT`.

>>> editor = Editor(project)                                                    # doctest: +SKIP
>>> segment = editor.segments("stop-the-attacks", "es")[0]                     # doctest: +SKIP
>>> editor.save("stop-the-attacks", "es", segment.id, "¡Basta!", segment.revision, ana)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polib

from . import catalog
from .errors import ChorusError
from .project import Project, check_slug, normalize_lang
from .records import CommentLimits, Edit, Event, Records, author_of
from .text import clean_translation

log = logging.getLogger(__name__)

MAX_TARGET = 20_000
NEEDS_WORK = ("untranslated", "fuzzy")
FILTERS = ("needs-work", "untranslated", "awaiting-approval", "all")
PLURAL = ("this entry has plural forms (msgid_plural), which the review page cannot edit yet: "
          "edit it in a PO editor such as Poedit")


class NotFound(Exception):
    """An unknown statement, language, segment or event."""


class Forbidden(Exception):
    """The user may not do this (their role, their languages, or four eyes); the message says why."""


class Conflict(Exception):
    """The entry changed since the revision the volunteer edited."""

    def __init__(self, segment: "Segment"):
        super().__init__("the segment changed since you opened it")
        self.segment = segment


class Unwritable(Exception):
    """Nothing was written: the catalog or the records cannot be written now."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def storage_reason(error: BaseException) -> str:
    """What went wrong with the storage, in a few words (no paths)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, Unwritable):
        return error.reason
    return str(error).split("\n")[0][:200]


# --- segments -----------------------------------------------------------------------------------


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
    author: str | None = None  # who wrote the current text, when the history knows

    def as_json(self) -> dict:
        return {
            "id": self.id, "index": self.index, "source": self.source, "target": self.target,
            "state": self.state, "revision": self.revision, "kind": self.kind, "origin": self.origin,
            "context": self.context, "previous_source": self.previous_source, "plural": self.plural,
            "author": self.author,
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


def catalog_path(project: Project, slug: str, lang: str) -> Path:
    """The catalog of a statement and language named by a user; unknown names are NotFound."""
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


def revisions(po: polib.POFile) -> dict[str, str]:
    """Segment id → revision, for every live entry of a catalog."""
    return {segment_id(entry): revision(entry) for entry in catalog.live_entries(po)}


def clean_target(source: str, target: str) -> str:
    """The translation as the catalog stores it (:func:`chorus.text.clean_translation`: line ends
    normalised, separators made spaces, control characters refused with a ValueError)."""
    return clean_translation(source, target, MAX_TARGET)


def matches(segment: Segment, name: str, user) -> bool:
    """Whether ``segment`` is in the filter ``name`` for ``user`` (one of :data:`FILTERS`):
    ``awaiting-approval`` is what is translated, not approved and not written by ``user``."""
    if name == "needs-work":
        return segment.state in NEEDS_WORK
    if name == "untranslated":
        return segment.state == "untranslated"
    if name == "awaiting-approval":
        return segment.state == "translated" and segment.author != getattr(user, "name", None) and not segment.plural
    return True


def next_segment(segments: list[Segment], after: str | None, wanted: Callable[[Segment], bool],
                 taken: set[str] = frozenset()) -> Segment | None:
    """The first segment after ``after`` (wrapping around) that is ``wanted`` and that nobody
    else has open (entries with plural forms are skipped: they are not edited here)."""
    start = 0
    if after:
        for segment in segments:
            if segment.id == after:
                start = segment.index + 1
                break
    for segment in segments[start:] + segments[:start]:
        if segment.id != after and wanted(segment) and segment.id not in taken and not segment.plural:
            return segment
    return None


# --- writing ------------------------------------------------------------------------------------


@dataclass
class Change:
    before: Segment
    after: Segment
    counts_before: Counter = field(default_factory=Counter)  # states of the catalog's segments
    counts_after: Counter = field(default_factory=Counter)


Journal = Callable[[polib.POFile, Change], None]
Mutation = Callable[[polib.POEntry, Segment], None]


def write(path: Path, seg_id: str, mutate: Mutation, user_name: str, journal: Journal | None = None) -> Change:
    """Change one entry of a catalog under its lock: ``mutate(entry, before)`` changes it (or
    raises: then nothing is written); ``journal(catalog, change)`` is called just before the
    catalog is written (to record the change first); if it raises, nothing is written."""
    with catalog.editing(path) as po:
        entries = catalog.live_entries(po)
        for index, entry in enumerate(entries):
            if segment_id(entry) == seg_id:
                break
        else:
            raise NotFound(seg_id)
        before = to_segment(entry, index)
        mutate(entry, before)
        catalog.touch_revision(po, user_name)
        after = to_segment(entry, index)
        counts = Counter(catalog.state(item) for item in entries)
        counts_before = counts.copy()
        counts_before[after.state] -= 1
        counts_before[before.state] += 1
        counts["segments"] = counts_before["segments"] = len(entries)
        change = Change(before, after, counts_before, counts)
        if journal is not None:
            journal(po, change)
        return change


def set_target(target: str, base_revision: str | None, approve: bool = False,
               by: str | None = None) -> Mutation:
    """A volunteer's translation: it becomes translated (or approved), never fuzzy."""

    def mutate(entry: polib.POEntry, before: Segment) -> None:
        _check(entry, before, base_revision)
        text = clean_target(entry.msgid, target)
        if text != entry.msgstr:
            entry.msgstr = text
            catalog.set_origin(entry, None)
        if not text:
            catalog.set_state(entry, "untranslated")
        elif approve:
            catalog.set_state(entry, "approved", by=by)
        elif catalog.state(entry) != "approved" or text != before.target:
            catalog.set_state(entry, "translated")

    return mutate


def _check(entry: polib.POEntry, before: Segment, base_revision: str | None) -> None:
    if base_revision is not None and before.revision != base_revision:
        raise Conflict(before)
    if entry.msgid_plural:
        raise ValueError(PLURAL)


@dataclass
class Saved:
    """A change on disk, for the functions in :data:`AFTER_SAVE`."""

    project: Project
    slug: str
    lang: str
    path: Path
    user: str
    action: str  # edit, approve, revert
    change: Change
    event: int | None  # the history row


def _note_in_git(saved: Saved) -> None:
    """A project kept in git commits the change with its author (coalesced: :mod:`chorus.gitstore`)."""
    from .gitstore import note_change

    after = saved.change.after
    note_change(saved.project, [saved.path], saved.user, f'{after.state} "{after.source}"',
                segments={after.id: (after.target, after.state)})


AFTER_SAVE: list[Callable[[Saved], None]] = [_note_in_git]
AFTER_COMMENT: list[Callable[["Commented"], None]] = []


class Recorder:
    """The history of one change, written in the same step as the catalog.

    Called under the catalog's lock just before the catalog is written, it writes the history
    row (pending). Once the block has written the catalog the row is confirmed; when the catalog
    could not be written the row goes, and the change is an :class:`Unwritable`: a save is
    either on disk with its history, or not written at all.
    """

    def __init__(self, records: Records, slug: str, lang: str, user_name: str, action: str):
        self.records, self.slug, self.lang, self.user, self.action = records, slug, lang, user_name, action
        self.row: int | None = None
        self.edit: Edit | None = None
        self.called = False

    def __call__(self, po: polib.POFile, change: Change) -> None:
        self.called = True  # from here on, a ChorusError is the catalog's write failing
        before, after = change.before, change.after
        if before.target == after.target and before.state == after.state:
            return
        self.edit = Edit(self.slug, self.lang, after.id, self.user, self.action, before.target, after.target,
                         before.state, after.state, time.time(), before.revision, after.revision,
                         before.origin or "")  # the draft's origin, for chorus report engines
        current: dict[str, str] = {}

        def revision_now(segment: str) -> str | None:
            if not current:  # the catalog as on disk: this segment as it was before the change
                current.update(revisions(po), **{after.id: before.revision})
            return current.get(segment)

        self.row = self.records.journal(self.edit, revision_now)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None:
            if self.row is not None:
                try:
                    self.records.confirm(self.row, self.edit)
                except (OSError, sqlite3.Error) as failure:  # the catalog is written: settled by the next save
                    log.warning("history row %s stays pending: %s", self.row, failure)
            return False
        if isinstance(error, (OSError, sqlite3.Error)) or (isinstance(error, ChorusError) and self.called):
            if self.row is not None:
                try:
                    self.records.discard(self.row)
                except (OSError, sqlite3.Error) as failure:  # settled by the next save: the catalog is unchanged
                    log.warning("history row %s stays pending: %s", self.row, failure)
            raise Unwritable(storage_reason(error)) from error
        return False


@dataclass
class Commented:
    """A comment stored, for the functions in :data:`AFTER_COMMENT`."""

    project: Project
    slug: str
    lang: str
    segment: Segment
    user: str
    text: str
    earlier: list[str]  # who commented on this segment before (a reply reaches them)


class Editor:
    """Editing the catalogs of one project, as ``user`` (a :class:`chorus.users.User` or anything
    with ``name``, ``can_edit(lang)`` and ``can_approve(lang)``)."""

    def __init__(self, project: Project, records: Records | None = None):
        self.project = project
        self.records = records or Records.for_project(project)

    @property
    def policy(self):
        return self.project.config.policy

    # --- reading --------------------------------------------------------------------------------
    def path(self, slug: str, lang: str, user=None, *, write: bool = False, approve: bool = False) -> Path:
        """The catalog of ``slug``/``lang``; :class:`NotFound` for unknown names, :class:`Forbidden`
        when ``user`` may not edit (``write``) or approve (``approve``) its language."""
        path = catalog_path(self.project, slug, lang)
        lang = normalize_lang(lang)
        if (write or approve) and not user.can_edit(lang):
            raise Forbidden(f"you do not edit {lang}")
        if approve and not user.can_approve(lang):
            raise Forbidden(f"you do not approve {lang}: reviewers and coordinators do")
        return path

    def segments(self, slug: str, lang: str, *, authors: bool = True) -> list[Segment]:
        """Every live segment of the catalog, with who wrote its current text."""
        found = load(self.path(slug, lang))
        if authors:
            history = self.records.history(slug, normalize_lang(lang))
            for segment in found:
                segment.author = author_of(history.get(segment.id, []), segment.target)
        return found

    def segment(self, slug: str, lang: str, seg_id: str) -> Segment:
        segment = find(load(self.path(slug, lang)), seg_id)
        segment.author = author_of(self.records.events(slug, normalize_lang(lang), seg_id), segment.target)
        return segment

    def may_approve(self, segment: Segment, user, lang: str) -> str | None:
        """Why ``user`` may not approve ``segment`` now (None: they may)."""
        if not user.can_approve(lang):
            return "reviewers and coordinators approve"
        if not segment.target:
            return "an untranslated segment cannot be approved"
        if segment.plural:
            return PLURAL
        return self.policy.approval_refused(user, segment.author, segment.state)

    def history(self, slug: str, lang: str, seg_id: str) -> list[Event]:
        self.segment(slug, lang, seg_id)  # NotFound for an unknown one
        return self.records.events(slug, normalize_lang(lang), seg_id)

    def comments(self, slug: str, lang: str, seg_id: str):
        self.segment(slug, lang, seg_id)
        return self.records.segment_comments(slug, normalize_lang(lang), seg_id)

    # --- changing -------------------------------------------------------------------------------
    def save(self, slug: str, lang: str, seg_id: str, target: str, base_revision: str, user,
             approve: bool = False) -> Change:
        """Save a translation (and approve it in the same step when ``approve``).

        Raises :class:`Conflict` when the segment is no longer at ``base_revision``,
        :class:`Forbidden` when four eyes or the user's role do not allow it, ValueError for
        text that cannot be stored, :class:`Unwritable` when storage fails.
        """
        lang = normalize_lang(lang)
        path = self.path(slug, lang, user, write=True, approve=approve)
        mutate = set_target(target, base_revision, approve, by=user.name)
        if approve:
            mutate = self._approving(slug, lang, user, mutate)
        return self._apply(slug, lang, path, seg_id, mutate, user, "approve" if approve else "edit")

    def approve(self, slug: str, lang: str, seg_id: str, base_revision: str | None, user) -> Change:
        """Approve the segment's current text (it must have one, written by someone else)."""
        lang = normalize_lang(lang)
        path = self.path(slug, lang, user, write=True, approve=True)

        def mutate(entry: polib.POEntry, before: Segment) -> None:
            _check(entry, before, base_revision)
            if not entry.msgstr:
                raise ValueError("an untranslated segment cannot be approved")
            catalog.set_state(entry, "approved", by=user.name)

        return self._apply(slug, lang, path, seg_id, self._approving(slug, lang, user, mutate), user, "approve")

    def revert(self, slug: str, lang: str, seg_id: str, event_id: int, base_revision: str, user) -> Change:
        """Make the text that event ``event_id`` of the segment's history left current again
        (a new event, ``revert``); the segment becomes translated (untranslated if empty)."""
        lang = normalize_lang(lang)
        path = self.path(slug, lang, user, write=True)
        chosen = next((event for event in self.records.events(slug, lang, seg_id) if event.id == event_id), None)
        if chosen is None:
            raise NotFound(f"event {event_id}")
        mutate = set_target(chosen.new_target, base_revision)
        return self._apply(slug, lang, path, seg_id, mutate, user, "revert")

    def _approving(self, slug: str, lang: str, user, mutate: Mutation) -> Mutation:
        """``mutate``, then the four-eyes check on the text it leaves (under the catalog's lock)."""

        def approving(entry: polib.POEntry, before: Segment) -> None:
            mutate(entry, before)
            if entry.msgstr != before.target:
                author, state = user.name, "translated"  # the approver writes it here
            else:
                author, state = author_of(self.records.events(slug, lang, before.id), before.target), before.state
            refused = self.policy.approval_refused(user, author, state)
            if refused:
                raise Forbidden(refused)

        return approving

    def _apply(self, slug: str, lang: str, path: Path, seg_id: str, mutate: Mutation, user, action: str) -> Change:
        with Recorder(self.records, slug, lang, user.name, action) as recorder:
            change = write(path, seg_id, mutate, user.name, journal=recorder)
        before, after = change.before, change.after
        if after.target != before.target or (before.state in NEEDS_WORK and after.state not in NEEDS_WORK):
            after.author = user.name
        else:
            after.author = author_of(self.records.events(slug, lang, seg_id), after.target)
        if recorder.row is not None:
            saved = Saved(self.project, slug, lang, path, user.name, action, change, recorder.row)
            for hook in AFTER_SAVE:
                try:
                    hook(saved)
                except Exception:  # noqa: BLE001 — the change is on disk; a follower's failure is logged
                    log.exception("after a save of %s/%s: %s failed", slug, lang, getattr(hook, "__name__", hook))
        return change

    def comment(self, slug: str, lang: str, seg_id: str, text: str, user,
                limits: CommentLimits = CommentLimits()) -> list:
        """Add a comment (ValueError when empty or too long, :class:`chorus.records.Refused` past
        the limits); returns the segment's comments."""
        lang = normalize_lang(lang)
        self.path(slug, lang, user, write=True)
        segment = self.segment(slug, lang, seg_id)
        text = text.replace("\r\n", "\n").strip()
        if not text:
            raise ValueError("a comment needs some text")
        if "\x00" in text:
            raise ValueError("the comment contains a NUL character")
        earlier = self.records.segment_comments(slug, lang, seg_id)
        self.records.add_comment(slug, lang, seg_id, user.name, text, limits)
        done = Commented(self.project, slug, lang, segment, user.name, text,
                         list(dict.fromkeys(comment.user for comment in earlier)))
        for hook in AFTER_COMMENT:
            try:
                hook(done)
            except Exception:  # noqa: BLE001 — the comment is stored
                log.exception("after a comment on %s/%s failed", slug, lang)
        return self.records.segment_comments(slug, lang, seg_id)

    def next_for(self, slug: str, lang: str, after: str | None, user,
                 filters: tuple[str, ...] = ("needs-work",)) -> Segment | None:
        """The next segment in one of ``filters`` after ``after`` that nobody else has open."""
        lang = normalize_lang(lang)
        taken = set(self.records.claimed_by_others(slug, lang, user.name))
        found = self.segments(slug, lang, authors="awaiting-approval" in filters)
        return next_segment(found, after, lambda segment: any(matches(segment, name, user) for name in filters),
                            taken)


# --- following a segment across ``chorus update`` -----------------------------------------------


def renamed(old: polib.POFile, new: polib.POFile) -> dict[str, tuple[str, str, str, str]]:
    """The segments of ``old`` whose source sentence was edited into one of ``new`` (the
    ``#| msgid`` link that a msgmerge-style update leaves): old id → (new id, old source, new
    source, the translation carried over)."""
    before = {entry.msgid: entry for entry in catalog.live_entries(old)}
    links = {}
    for entry in catalog.live_entries(new):
        previous = entry.previous_msgid
        if previous and entry.msgid not in before and previous in before:
            old_entry = before[previous]
            links[segment_id(old_entry)] = (segment_id(entry), previous, entry.msgid, entry.msgstr)
    return links


def follow(project: Project, slug: str, lang: str, links: dict[str, tuple[str, str, str, str]],
           user: str = "chorus update") -> int:
    """Move comments and history along ``links`` (from :func:`renamed`)."""
    if not links:
        return 0
    return Records.for_project(project).follow(slug, lang, links, user)
