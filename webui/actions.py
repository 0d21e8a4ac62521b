"""What a save or an approval does, for the review forms and the API alike:
check permissions, write the catalog and its history in one step, hand out the next segment."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass

from flask import abort

from chorus import gitstore
from chorus.errors import ChorusError
from chorus.project import normalize_lang

from . import project, store
from . import segments as seg
from .errors import Unwritable, storage_reason
from .store import CommentLimits, Edit

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: int  # 200, or 409 on a conflict
    segment: seg.Segment
    next_id: str | None = None

    def as_json(self) -> dict:
        body = self.segment.as_json()
        if self.status == 409:
            body.update(error="conflict", message="Someone changed this segment since you opened it.")
        body["next"] = self.next_id
        return body


def norm_lang(lang: str) -> str:
    """A language code from a URL in its canonical form; unknown codes are a 404."""
    try:
        return normalize_lang(lang)
    except ChorusError:
        abort(404)


def catalog_for(slug: str, lang: str, user, *, write: bool = False, approve: bool = False):
    """The catalog path of ``slug``/``lang`` if the user may see (and edit / approve) it."""
    try:
        path = seg.catalog_path(project(), slug, lang)
    except seg.NotFound:
        abort(404)
    if write and not user.can_edit(lang):
        abort(403)
    if approve and not user.can_approve(lang):
        abort(403)
    return path


def editable_segment(slug: str, lang: str, seg_id: str, user) -> seg.Segment:
    """The segment ``seg_id`` if it exists and the user may edit its language (else 404/403)."""
    path = catalog_for(slug, lang, user, write=True)
    try:
        return seg.find(seg.load(path), seg_id)
    except seg.NotFound:
        abort(404)


def comment(slug: str, lang: str, seg_id: str, text: str, user) -> list[dict]:
    """Add a comment (a ValueError when empty or too long, :class:`Refused` past the limits)
    and return the segment's comments."""
    from flask import current_app

    editable_segment(slug, lang, seg_id, user)
    lang = norm_lang(lang)
    config = current_app.config
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValueError("a comment needs some text")
    if "\x00" in text:
        raise ValueError("the comment contains a NUL character")
    limits = CommentLimits(config["COMMENT_LENGTH"], config["COMMENTS_PER_SEGMENT"],
                           tuple(tuple(rate) for rate in config["COMMENT_RATES"]))
    store().add_comment(slug, lang, seg_id, user.name, text, limits)
    return [vars(c) for c in store().comments(slug, lang).get(seg_id, [])]


def save(slug: str, lang: str, seg_id: str, target: str, revision: str, user,
         approve: bool = False, after_states: tuple[str, ...] = seg.NEEDS_WORK) -> Outcome:
    path = catalog_for(slug, lang, user, write=True, approve=approve)
    with _Recorder(slug, lang, user, "approve" if approve else "edit") as recorder:
        change = seg.save(path, seg_id, target, revision, user.name, approve=approve, journal=recorder)
    if recorder.outcome is not None:
        return recorder.outcome
    return Outcome(200, change.after, _next(path, slug, lang, seg_id, user, after_states))


def approve(slug: str, lang: str, seg_id: str, revision: str | None, user) -> Outcome:
    path = catalog_for(slug, lang, user, write=True, approve=True)
    with _Recorder(slug, lang, user, "approve") as recorder:
        change = seg.approve(path, seg_id, revision, user.name, journal=recorder)
    if recorder.outcome is not None:
        return recorder.outcome
    return Outcome(200, change.after, _next(path, slug, lang, seg_id, user, ("untranslated", "fuzzy", "translated")))


class _Recorder:
    """The history of one save, written in the same step as the catalog.

    Called under the catalog's lock just before the catalog is written, it writes the history
    row (pending). Once the block has written the catalog the row is confirmed; when the catalog
    could not be written the row goes, and the save is an :class:`Unwritable` (503): a save is
    either on disk with its history and answered 200, or not written at all.
    """

    def __init__(self, slug: str, lang: str, user, action: str):
        self.slug, self.lang, self.user, self.action = slug, lang, user, action
        self.row: int | None = None
        self.edit: Edit | None = None
        self.outcome: Outcome | None = None
        self.called = False

    def __call__(self, po, change: seg.Change) -> None:
        self.called = True  # from here on, a ChorusError is the catalog's write failing
        before, after = change.before, change.after
        if before.target == after.target and before.state == after.state:
            return
        self.edit = Edit(self.user.name, self.action, before.target, after.target, before.state, after.state,
                         time.time(), slug=self.slug, lang=self.lang, segment=after.id,
                         old_revision=before.revision, new_revision=after.revision)
        current: dict[str, str] = {}

        def revision_now(segment: str) -> str | None:
            if not current:  # the catalog as on disk: this segment as it was before the change
                current.update(seg.revisions(po), **{after.id: before.revision})
            return current.get(segment)

        self.row = store().journal(self.edit, revision_now)
        gitstore.note_change(project(), [project().catalog_path(self.slug, self.lang)], self.user.name, f'{after.state} "{after.source}"', segments={after.id: (after.target, after.state)})

    def __enter__(self) -> "_Recorder":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None:
            if self.row is not None:
                try:
                    store().confirm(self.row, self.edit)
                except (OSError, sqlite3.Error) as failure:  # the catalog is written: settled by the next save
                    log.warning("history row %s stays pending: %s", self.row, failure)
            return False
        if isinstance(error, seg.NotFound):
            abort(404)
        if isinstance(error, seg.Conflict):
            self.outcome = Outcome(409, error.segment)
            return True
        if isinstance(error, (OSError, sqlite3.Error)) or (isinstance(error, ChorusError) and self.called):
            if self.row is not None:
                try:
                    store().discard(self.row)
                except (OSError, sqlite3.Error) as failure:  # settled by the next save: the catalog is unchanged
                    log.warning("history row %s stays pending: %s", self.row, failure)
            raise Unwritable(storage_reason(error)) from error
        return False


def _next(path, slug: str, lang: str, seg_id: str, user, states: tuple[str, ...]) -> str | None:
    """The segment to go to after a save; the save is done, so a failure here only costs the hint."""
    try:
        taken = set(store().claimed_by_others(slug, lang, user.name))
        found = seg.next_segment(seg.load(path), seg_id, states, taken)
    except (OSError, sqlite3.Error, ChorusError) as error:
        log.warning("no next segment after a save: %s", storage_reason(error))
        return None
    return found.id if found else None


def next_for(slug: str, lang: str, after: str | None, user, states: tuple[str, ...] = seg.NEEDS_WORK):
    path = catalog_for(slug, lang, user)
    taken = set(store().claimed_by_others(slug, lang, user.name))
    return seg.next_segment(seg.load(path), after, states, taken)
