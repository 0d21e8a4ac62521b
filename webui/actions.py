"""What a save or an approval does, for the review forms and the API alike:
check permissions, write the catalog, record history, hand out the next segment."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from chorus.errors import ChorusError
from chorus.project import normalize_lang

from . import project, store
from . import segments as seg


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


def save(slug: str, lang: str, seg_id: str, target: str, revision: str, user,
         approve: bool = False, after_states: tuple[str, ...] = seg.NEEDS_WORK) -> Outcome:
    path = catalog_for(slug, lang, user, write=True, approve=approve)
    try:
        change = seg.save(path, seg_id, target, revision, user.name, approve=approve)
    except seg.NotFound:
        abort(404)
    except seg.Conflict as conflict:
        return Outcome(409, conflict.segment)
    _record(slug, lang, change, user, "approve" if approve else "edit")
    return Outcome(200, change.after, _next(path, slug, lang, seg_id, user, after_states))


def approve(slug: str, lang: str, seg_id: str, revision: str | None, user) -> Outcome:
    path = catalog_for(slug, lang, user, write=True, approve=True)
    try:
        change = seg.approve(path, seg_id, revision, user.name)
    except seg.NotFound:
        abort(404)
    except seg.Conflict as conflict:
        return Outcome(409, conflict.segment)
    _record(slug, lang, change, user, "approve")
    return Outcome(200, change.after, _next(path, slug, lang, seg_id, user, ("untranslated", "fuzzy", "translated")))


def _record(slug: str, lang: str, change: seg.Change, user, action: str) -> None:
    before, after = change.before, change.after
    if before.target == after.target and before.state == after.state:
        return
    store().record(slug, lang, after.id, user.name, action, before.target, after.target, before.state, after.state)
    store().release(slug, lang, after.id, user.name)


def _next(path, slug: str, lang: str, seg_id: str, user, states: tuple[str, ...]) -> str | None:
    taken = set(store().claimed_by_others(slug, lang, user.name))
    found = seg.next_segment(seg.load(path), seg_id, states, taken)
    return found.id if found else None


def next_for(slug: str, lang: str, after: str | None, user, states: tuple[str, ...] = seg.NEEDS_WORK):
    path = catalog_for(slug, lang, user)
    taken = set(store().claimed_by_others(slug, lang, user.name))
    return seg.next_segment(seg.load(path), after, states, taken)
