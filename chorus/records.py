"""Comments, history and open segments: the lasting records kept beside the catalogs.

They live in ``.chorus/instance/webui.sqlite`` (SQLite, shared by every process: gunicorn
workers, commands), never in ``translations/``. A segment is named by its statement, language
and id (:func:`chorus.editing.segment_id`); when ``chorus update`` turns a sentence into an
edited one (the ``#| msgid`` link, as msgmerge makes it), :meth:`Records.follow` moves its
comments and history to the new id, so they last.

History rows are written before the catalog (pending) and confirmed after it
(:meth:`Records.journal`); a row left pending by a process that died in between is settled by
the next save of that catalog. Every check that allows a write (a comment's limits, a claim)
is made in the same ``BEGIN IMMEDIATE`` transaction as the write.

>>> records = Records(Path(tempfile.mkdtemp()))
>>> records.add_comment("stop", "es", "a1b2", "ana", "¿«Paren» o «Detengan»?")
1
>>> [comment.text for comment in records.segment_comments("stop", "es", "a1b2")]
['¿«Paren» o «Detengan»?']
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile  # noqa: F401 — for the example above
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from . import database

FILE_NAME = "webui.sqlite"  # its name from the days the web UI alone kept it
CLAIM_SECONDS = 5 * 60
MAX_CLAIMS = 3  # segments one user holds open at once; opening another lets go of the oldest
AUTHORING = ("edit", "approve", "revert")  # actions that may set a segment's text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL,
    user TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS comments_by_catalog ON comments (slug, lang);
CREATE INDEX IF NOT EXISTS comments_by_user ON comments (user, at);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL,
    user TEXT NOT NULL, action TEXT NOT NULL, old_target TEXT NOT NULL, new_target TEXT NOT NULL,
    old_state TEXT NOT NULL, new_state TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_catalog ON history (slug, lang);
CREATE TABLE IF NOT EXISTS claims (
    slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL, user TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (slug, lang, segment, user));
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL,
    kind TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS changes_by_catalog ON changes (slug, lang, id);
"""
CHANGES_KEPT = 2 * 24 * 3600  # seconds a row of the change feed is kept (a page away longer reloads)
# Added since the first version; old files get them on first use.
# ``origin``: where the text a change started from came from (the catalog's ``# chorus:`` note,
# ``mt apertium``, ``tm 96% other``; "" for none); NULL in rows older than the column.
_HISTORY_COLUMNS = (("old_revision", "TEXT"), ("new_revision", "TEXT"), ("pending", "INTEGER NOT NULL DEFAULT 0"),
                    ("old_source", "TEXT"), ("origin", "TEXT"))


def _migrate(db: sqlite3.Connection) -> None:
    database.add_columns(db, "history", _HISTORY_COLUMNS)
    db.execute("CREATE INDEX IF NOT EXISTS history_pending ON history (slug, lang) WHERE pending = 1")


def _lazy(db: sqlite3.Connection) -> None:
    """For writes that may be lost in a power cut without harm (they are settled later)."""
    db.execute("PRAGMA synchronous=NORMAL")


def iso(seconds: float) -> str:
    """A moment as ISO 8601 in UTC: ``2026-12-04T19:00:00Z``."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Comment:
    id: int
    user: str
    text: str
    at: float

    def as_json(self) -> dict:
        return {"id": self.id, "user": self.user, "text": self.text, "time": iso(self.at)}


@dataclass
class Event:
    """One change of a segment: who, what (``edit``, ``approve``, ``revert``, ``source``: the
    source sentence was edited and ``chorus update`` carried the translation over), when."""

    id: int
    user: str
    action: str
    old_target: str
    new_target: str
    old_state: str
    new_state: str
    at: float
    old_source: str | None = None  # for ``source`` events: the sentence before it was edited
    origin: str | None = None  # where the previous text came from ("" none, None not recorded)

    def as_json(self) -> dict:
        return {"id": self.id, "user": self.user, "action": self.action, "target": self.new_target,
                "previous_target": self.old_target, "state": self.new_state, "previous_state": self.old_state,
                "time": iso(self.at), "previous_source": self.old_source, "previous_origin": self.origin}


@dataclass
class Edit:
    """What a save changes in one segment of a catalog, with the segment's revisions before and
    after (to settle a history row whose save was cut short)."""

    slug: str
    lang: str
    segment: str
    user: str
    action: str
    old_target: str
    new_target: str
    old_state: str
    new_state: str
    at: float
    old_revision: str = ""
    new_revision: str = ""
    origin: str = ""  # the catalog's origin note of the old text (``mt apertium``), "" for none


class Refused(Exception):
    """A write the limits do not allow now; ``retry_after`` seconds until one would be."""

    def __init__(self, message: str, retry_after: float = 0.0):
        super().__init__(message)
        self.retry_after = max(1, round(retry_after)) if retry_after else 0


@dataclass(frozen=True)
class CommentLimits:
    length: int = 2000
    per_segment: int = 50
    rates: tuple[tuple[int, float], ...] = ((10, 60.0), (200, 24 * 3600.0))  # (comments, seconds) per user


def author_of(events: list[Event], target: str) -> str | None:
    """Who wrote ``target``, the segment's current text, from its events (newest first): the
    user of the latest event that set this text or accepted a draft of it. None when the text
    came from elsewhere (a PO editor, a merge) or nobody accepted it yet.

    >>> e = lambda user, action, old, new, old_state: Event(0, user, action, old, new, old_state, "", 0)
    >>> author_of([e("rita", "approve", "Hola", "Hola", "translated"), e("ana", "edit", "", "Hola", "untranslated")], "Hola")
    'ana'
    >>> author_of([e("ana", "edit", "", "Hola", "untranslated")], "Adiós") is None
    True
    """
    for event in events:
        if event.new_target != target:
            return None
        if event.action in AUTHORING and (event.old_target != event.new_target
                                          or event.old_state in ("untranslated", "fuzzy")):
            return event.user
    return None


class Records:
    """The records of one project (``folder`` is its instance folder)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE_NAME
        self._shared = database.Shared(self.path, _SCHEMA, _migrate)
        self._lazy = database.Shared(self.path, "", _lazy)

    @classmethod
    def for_project(cls, project) -> "Records":
        from .users import instance_dir

        return cls(instance_dir(project))

    def db(self) -> sqlite3.Connection:
        """This thread's connection (the tables are made on first use)."""
        return self._shared.db()

    _db = db

    # --- comments ------------------------------------------------------------------------------
    def add_comment(self, slug: str, lang: str, segment: str, user: str, text: str,
                    limits: CommentLimits = CommentLimits()) -> int:
        """Store a comment and return its id, or raise :class:`Refused` past a limit."""
        if len(text) > limits.length:
            raise ValueError(f"a comment has at most {limits.length} characters")
        now = time.time()
        with self._shared.transaction() as db:
            count = db.execute("SELECT count(*) FROM comments WHERE slug = ? AND lang = ? AND segment = ?",
                               (slug, lang, segment)).fetchone()[0]
            if count >= limits.per_segment:
                raise Refused(f"this segment has {count} comments, the most it takes; "
                              "continue where the others are, or ask a coordinator to tidy up")
            for most, seconds in limits.rates:
                made, first = db.execute(
                    "SELECT count(*), min(at) FROM comments WHERE user = ? AND at >= ?",
                    (user, now - seconds)).fetchone()
                if made >= most:
                    raise Refused(f"you wrote {made} comments in {_span(seconds)}, the most allowed; "
                                  "wait a little", first + seconds - now)
            found = db.execute("INSERT INTO comments (slug, lang, segment, user, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                               (slug, lang, segment, user, text, now)).lastrowid
            _changed(db, slug, lang, segment, "comment")
            return found

    def comments(self, slug: str, lang: str) -> dict[str, list[Comment]]:
        """Segment id → its comments, oldest first."""
        rows = self._db().execute("SELECT segment, id, user, text, at FROM comments WHERE slug = ? AND lang = ?"
                                  " ORDER BY id", (slug, lang)).fetchall()
        found: dict[str, list[Comment]] = {}
        for segment, *rest in rows:
            found.setdefault(segment, []).append(Comment(*rest))
        return found

    def segment_comments(self, slug: str, lang: str, segment: str) -> list[Comment]:
        rows = self._db().execute("SELECT id, user, text, at FROM comments WHERE slug = ? AND lang = ? AND segment = ?"
                                  " ORDER BY id", (slug, lang, segment)).fetchall()
        return [Comment(*row) for row in rows]

    # --- history -------------------------------------------------------------------------------
    def journal(self, edit: Edit, revision_now: Callable[[str], str | None]) -> int:
        """Write ``edit`` as a pending history row, before its catalog is written; returns its id.

        The caller holds the catalog's lock, then writes the catalog and :meth:`confirm`\\ s the
        row (or :meth:`discard`\\ s it when the write failed). Rows left pending by a process that
        died in between are settled here first, against the catalog as it is now
        (``revision_now(segment)``): kept when the segment has the revision they wrote, dropped
        when it still has the one they started from.
        """
        with self._shared.transaction() as db:
            for row_id, segment, old_revision, new_revision in db.execute(
                    "SELECT id, segment, old_revision, new_revision FROM history"
                    " WHERE slug = ? AND lang = ? AND pending = 1", (edit.slug, edit.lang)).fetchall():
                current = revision_now(segment)
                if current == old_revision and old_revision != new_revision:
                    db.execute("DELETE FROM history WHERE id = ?", (row_id,))
                else:
                    db.execute("UPDATE history SET pending = 0 WHERE id = ?", (row_id,))
            return db.execute(
                "INSERT INTO history (slug, lang, segment, user, action, old_target, new_target, old_state,"
                " new_state, at, old_revision, new_revision, pending, origin)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (edit.slug, edit.lang, edit.segment, edit.user, edit.action, edit.old_target, edit.new_target,
                 edit.old_state, edit.new_state, edit.at, edit.old_revision, edit.new_revision,
                 edit.origin or "")).lastrowid

    def confirm(self, row_id: int, edit: Edit) -> None:
        """The catalog holds the edit: the history row stands, and the user's claim ends."""
        with self._lazy.transaction() as db:
            db.execute("UPDATE history SET pending = 0 WHERE id = ?", (row_id,))
            db.execute("DELETE FROM claims WHERE slug = ? AND lang = ? AND segment = ? AND user = ?",
                       (edit.slug, edit.lang, edit.segment, edit.user))
            _changed(db, edit.slug, edit.lang, edit.segment, edit.action)

    def discard(self, row_id: int) -> None:
        """The catalog was not written: its history row goes."""
        with self._shared.transaction() as db:
            db.execute("DELETE FROM history WHERE id = ? AND pending = 1", (row_id,))

    _EVENT = "SELECT id, user, action, old_target, new_target, old_state, new_state, at, old_source, origin FROM history"

    def history(self, slug: str, lang: str) -> dict[str, list[Event]]:
        """Segment id → its events, newest first (rows still pending are not shown)."""
        rows = self._db().execute(
            "SELECT segment, id, user, action, old_target, new_target, old_state, new_state, at, old_source, origin"
            " FROM history WHERE slug = ? AND lang = ? AND pending = 0 ORDER BY id DESC", (slug, lang)).fetchall()
        found: dict[str, list[Event]] = {}
        for segment, *rest in rows:
            found.setdefault(segment, []).append(Event(*rest))
        return found

    def events(self, slug: str, lang: str, segment: str) -> list[Event]:
        """The events of one segment, newest first."""
        rows = self._db().execute(f"{self._EVENT} WHERE slug = ? AND lang = ? AND segment = ? AND pending = 0"
                                  " ORDER BY id DESC", (slug, lang, segment)).fetchall()
        return [Event(*row) for row in rows]

    def timeline(self, langs: list[str] | None = None) -> Iterator[tuple[str, str, str, Event]]:
        """Every settled event of the project, oldest first: (statement, language, segment, event);
        ``langs`` keeps those languages only."""
        query = ("SELECT slug, lang, segment, id, user, action, old_target, new_target, old_state, new_state, at,"
                 " old_source, origin FROM history WHERE pending = 0")
        params: list[str] = []
        if langs:
            query += f" AND lang IN ({', '.join('?' for _ in langs)})"
            params.extend(langs)
        for slug, lang, segment, *rest in self._db().execute(query + " ORDER BY id", params):
            yield slug, lang, segment, Event(*rest)

    def follow(self, slug: str, lang: str, links: dict[str, tuple[str, str, str, str]], user: str) -> int:
        """Move the comments and history of segments whose source sentence was edited to their
        new ids, and note the edit in each one's history. ``links``: old id → (new id, old
        source, new source, translation carried over). Returns how many segments moved."""
        now = time.time()
        moved = 0
        with self._shared.transaction() as db:
            for old_id, (new_id, old_source, new_source, target) in links.items():
                if old_id == new_id:
                    continue
                for table in ("comments", "history"):
                    db.execute(f"UPDATE {table} SET segment = ? WHERE slug = ? AND lang = ? AND segment = ?",
                               (new_id, slug, lang, old_id))
                db.execute("DELETE FROM claims WHERE slug = ? AND lang = ? AND segment = ?", (slug, lang, old_id))
                state = db.execute("SELECT new_state FROM history WHERE slug = ? AND lang = ? AND segment = ?"
                                   " AND pending = 0 ORDER BY id DESC LIMIT 1", (slug, lang, new_id)).fetchone()
                db.execute(
                    "INSERT INTO history (slug, lang, segment, user, action, old_target, new_target, old_state,"
                    " new_state, at, pending, old_source) VALUES (?, ?, ?, ?, 'source', ?, ?, ?, 'fuzzy', ?, 0, ?)",
                    (slug, lang, new_id, user, target, target, state[0] if state else "translated", now, old_source))
                _changed(db, slug, lang, new_id, "source")
                moved += 1
        return moved

    # --- who has which segment open ----------------------------------------------------------
    def claim(self, slug: str, lang: str, segment: str, user: str, most: int = MAX_CLAIMS) -> None:
        """Note that ``user`` has ``segment`` open; past ``most`` open segments, the oldest go."""
        now = time.time()
        with self._shared.transaction() as db:
            db.execute("INSERT OR REPLACE INTO claims (slug, lang, segment, user, at) VALUES (?, ?, ?, ?, ?)",
                       (slug, lang, segment, user, now))
            db.execute("DELETE FROM claims WHERE user = ? AND rowid NOT IN"
                       " (SELECT rowid FROM claims WHERE user = ? ORDER BY at DESC, rowid DESC LIMIT ?)",
                       (user, user, most))
            db.execute("DELETE FROM claims WHERE at < ?", (now - CLAIM_SECONDS,))

    def release(self, slug: str, lang: str, segment: str, user: str) -> None:
        with self._shared.transaction() as db:
            db.execute("DELETE FROM claims WHERE slug = ? AND lang = ? AND segment = ? AND user = ?",
                       (slug, lang, segment, user))

    def claimed_by_others(self, slug: str, lang: str, user: str) -> dict[str, str]:
        """Segments someone other than ``user`` opened in the last few minutes → who."""
        rows = self._db().execute(
            "SELECT segment, user FROM claims WHERE slug = ? AND lang = ? AND user != ? AND at >= ?"
            " ORDER BY at", (slug, lang, user, time.time() - CLAIM_SECONDS)).fetchall()
        return {segment: who for segment, who in rows}


    # --- the change feed ---------------------------------------------------------------------
    def last_change(self) -> int:
        """The id of the newest row of the change feed (0 when there is none): a page made now
        has seen everything up to it."""
        return self._db().execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0]

    def changes_since(self, slug: str, lang: str, after: int) -> list[tuple[int, str, str]]:
        """(id, segment, kind) of the changes to ``slug``/``lang`` after feed id ``after``, oldest
        first: ``edit``, ``approve``, ``revert``, ``comment``, ``source``. The ids only grow
        (SQLite's AUTOINCREMENT, given out in the write's own transaction), so a reader that
        remembers the last id it saw misses nothing, whichever process wrote."""
        return self._db().execute("SELECT id, segment, kind FROM changes WHERE slug = ? AND lang = ? AND id > ?"
                                  " ORDER BY id", (slug, lang, after)).fetchall()

    def claims(self, slug: str, lang: str) -> dict[str, list[str]]:
        """Segment → who has it open now (everyone, oldest claim first)."""
        found: dict[str, list[str]] = {}
        for segment, who in self._db().execute(
                "SELECT segment, user FROM claims WHERE slug = ? AND lang = ? AND at >= ? ORDER BY at",
                (slug, lang, time.time() - CLAIM_SECONDS)):
            found.setdefault(segment, []).append(who)
        return found


def _changed(db: sqlite3.Connection, slug: str, lang: str, segment: str, kind: str) -> None:
    """Note a change in the feed (in the caller's transaction); rows older than
    :data:`CHANGES_KEPT` go now and then."""
    now = time.time()
    row = db.execute("INSERT INTO changes (slug, lang, segment, kind, at) VALUES (?, ?, ?, ?, ?)",
                     (slug, lang, segment, kind, now)).lastrowid
    if row % 500 == 0:
        db.execute("DELETE FROM changes WHERE at < ?", (now - CHANGES_KEPT,))


def _span(seconds: float) -> str:
    if seconds >= 3600:
        hours = round(seconds / 3600)
        return f"{hours} hours" if hours != 1 else "an hour"
    minutes = round(seconds / 60)
    return f"{minutes} minutes" if minutes != 1 else "a minute"
