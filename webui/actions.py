"""HTTP around :mod:`chorus.editing`: the request's editor, and what its answers and refusals
become (a conflict a 409, an unknown name a 404, a refusal a 403, storage that fails a 503),
for the review forms and the API alike."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from flask import abort, current_app, g

from chorus import editing
from chorus.editing import Editor, Segment
from chorus.errors import ChorusError
from chorus.project import normalize_lang
from chorus.records import CommentLimits

from . import project, records

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: int  # 200, or 409 on a conflict
    segment: Segment
    next_id: str | None = None
    may_approve: bool = False

    def as_json(self) -> dict:
        body = self.segment.as_json()
        if self.status == 409:
            body.update(error="conflict", message="Someone changed this segment since you opened it.")
        body["next"] = self.next_id
        body["may_approve"] = self.may_approve
        return body


def editor() -> Editor:
    """The editor of this request (the project as re-read for it)."""
    if "chorus_editor" not in g:
        g.chorus_editor = Editor(project(), records())
    return g.chorus_editor


def norm_lang(lang: str) -> str:
    """A language code from a URL in its canonical form; unknown codes are a 404."""
    try:
        return normalize_lang(lang)
    except ChorusError:
        abort(404)


def catalog_for(slug: str, lang: str, user, *, write: bool = False, approve: bool = False):
    """The catalog path of ``slug``/``lang`` if the user may see (and edit / approve) it."""
    try:
        return editor().path(slug, lang, user, write=write, approve=approve)
    except editing.NotFound:
        abort(404)
    except editing.Forbidden as refused:
        abort(403, str(refused))


def segments(slug: str, lang: str, user) -> list[Segment]:
    catalog_for(slug, lang, user)
    return editor().segments(slug, lang)


def segment(slug: str, lang: str, seg_id: str, user) -> Segment:
    catalog_for(slug, lang, user)
    try:
        return editor().segment(slug, lang, seg_id)
    except editing.NotFound:
        abort(404)


def editable_segment(slug: str, lang: str, seg_id: str, user) -> Segment:
    """The segment ``seg_id`` if it exists and the user may edit its language (else 404/403)."""
    catalog_for(slug, lang, user, write=True)
    return segment(slug, lang, seg_id, user)


def may_approve(found: Segment, user, lang: str) -> bool:
    return editor().may_approve(found, user, lang) is None


def comment_limits() -> CommentLimits:
    config = current_app.config
    return CommentLimits(config["COMMENT_LENGTH"], config["COMMENTS_PER_SEGMENT"],
                         tuple(tuple(rate) for rate in config["COMMENT_RATES"]))


def comment(slug: str, lang: str, seg_id: str, text: str, user) -> list[dict]:
    """Add a comment (a ValueError when empty or too long, :class:`Refused` past the limits)
    and return the segment's comments."""
    catalog_for(slug, lang, user, write=True)
    try:
        found = editor().comment(slug, lang, seg_id, text, user, comment_limits())
    except editing.NotFound:
        abort(404)
    return [item.as_json() for item in found]


def save(slug: str, lang: str, seg_id: str, target: str, revision: str, user, approve: bool = False) -> Outcome:
    return _change(lambda: editor().save(slug, lang, seg_id, target, revision, user, approve=approve),
                   slug, lang, seg_id, user, approve)


def approve(slug: str, lang: str, seg_id: str, revision: str | None, user) -> Outcome:
    return _change(lambda: editor().approve(slug, lang, seg_id, revision, user), slug, lang, seg_id, user, True)


def revert(slug: str, lang: str, seg_id: str, event: int, revision: str, user) -> Outcome:
    return _change(lambda: editor().revert(slug, lang, seg_id, event, revision, user), slug, lang, seg_id, user,
                   False)


def _change(run, slug: str, lang: str, seg_id: str, user, approving: bool) -> Outcome:
    lang = norm_lang(lang)
    try:
        change = run()
    except editing.NotFound:
        abort(404)
    except editing.Forbidden as refused:
        abort(403, str(refused))
    except editing.Conflict as conflict:
        theirs = conflict.segment
        return Outcome(409, theirs, may_approve=_quietly(lambda: may_approve(_with_author(slug, lang, theirs), user,
                                                                             lang), False))
    filters = ("needs-work", "awaiting-approval") if approving else ("needs-work",)
    return Outcome(200, change.after, _next(slug, lang, seg_id, user, filters),
                   editor().may_approve(change.after, user, lang) is None)


def _with_author(slug: str, lang: str, found: Segment) -> Segment:
    from chorus.records import author_of

    found.author = author_of(records().events(slug, lang, found.id), found.target)
    return found


def _quietly(call, default):
    """A hint computed after a change: a storage failure here costs only the hint."""
    try:
        return call()
    except (OSError, sqlite3.Error, ChorusError) as error:
        log.warning("a hint after a save failed: %s", editing.storage_reason(error))
        return default


def _next(slug: str, lang: str, seg_id: str, user, filters: tuple[str, ...]) -> str | None:
    """The segment to go to after a save; the save is done, so a failure here only costs the hint."""
    found = _quietly(lambda: editor().next_for(slug, lang, seg_id, user, filters), None)
    return found.id if found else None


def next_for(slug: str, lang: str, after: str | None, user, filters: tuple[str, ...] = ("needs-work",)):
    catalog_for(slug, lang, user)
    return editor().next_for(slug, lang, after, user, filters)
