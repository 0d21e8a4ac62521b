"""What the web UI remembers besides the catalogs: comments, history, who has which segment
open, and login attempts. One SQLite file in the instance folder, shared by every worker.

Every check that allows a write (a login attempt, a comment, a claim) is made in the same
``BEGIN IMMEDIATE`` transaction as the write, so parallel requests in several workers cannot
all pass the check before any of them has written.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from chorus import database

CLAIM_SECONDS = 5 * 60
MAX_CLAIMS = 3  # segments one user holds open at once; opening another lets go of the oldest

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
CREATE TABLE IF NOT EXISTS login_attempts (
    id INTEGER PRIMARY KEY, user TEXT NOT NULL, address TEXT NOT NULL, device TEXT, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_attempts_by_pair ON login_attempts (user, address, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_address ON login_attempts (address, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_user ON login_attempts (user, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_device ON login_attempts (device, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_time ON login_attempts (at);
"""
# History rows are written before the catalog (pending) and confirmed after it; see journal().
_HISTORY_COLUMNS = (("old_revision", "TEXT"), ("new_revision", "TEXT"), ("pending", "INTEGER NOT NULL DEFAULT 0"))


def _migrate(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(history)")}
    for name, kind in _HISTORY_COLUMNS:
        if name not in columns:
            try:
                db.execute(f"ALTER TABLE history ADD COLUMN {name} {kind}")
            except sqlite3.OperationalError as error:
                if "duplicate column" not in str(error):  # another worker added it meanwhile
                    raise
    db.execute("CREATE INDEX IF NOT EXISTS history_pending ON history (slug, lang) WHERE pending = 1")
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'failed_logins'").fetchone():
        db.execute("DROP TABLE IF EXISTS failed_logins")  # counted after the password check: replaced


def _lazy(db: sqlite3.Connection) -> None:
    """For writes that may be lost in a power cut without harm (they are settled later)."""
    db.execute("PRAGMA synchronous=NORMAL")


@dataclass
class Comment:
    user: str
    text: str
    at: float


@dataclass
class Event:
    user: str
    action: str
    old_target: str
    new_target: str
    old_state: str
    new_state: str
    at: float


@dataclass
class Edit(Event):
    """What a save changes in one segment of a catalog, with the segment's revisions before and
    after (to settle a history row whose save was cut short)."""

    slug: str = ""
    lang: str = ""
    segment: str = ""
    old_revision: str = ""
    new_revision: str = ""


class Refused(Exception):
    """A write the limits do not allow now; ``retry_after`` seconds until one would be."""

    def __init__(self, message: str, retry_after: float = 0.0):
        super().__init__(message)
        self.retry_after = max(1, round(retry_after)) if retry_after else 0


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins are allowed, counted in ``window`` seconds.

    ``per_pair`` failures for one user name from one address (or from one browser where the
    user logged in before) and that pair is refused until the window has passed. Past
    ``per_address`` failures from one address, or ``per_user`` failures for one user name from
    anywhere, attempts are spaced out (2, 4, 8 … seconds, at most ``max_delay``) instead of
    refused, so an attacker behind an office's one address slows the office down but cannot
    lock it out, and a browser where the user logged in before is not slowed at all.
    """

    window: float = 15 * 60
    per_pair: int = 5
    per_address: int = 30
    per_user: int = 30
    max_delay: float = 60.0


@dataclass(frozen=True)
class CommentLimits:
    length: int = 2000
    per_segment: int = 50
    rates: tuple[tuple[int, float], ...] = ((10, 60.0), (200, 24 * 3600.0))  # (comments, seconds) per user


class Store:
    def __init__(self, folder: Path):
        self.path = Path(folder) / "webui.sqlite"
        self._shared = database.Shared(self.path, _SCHEMA, _migrate)
        self._lazy = database.Shared(self.path, "", _lazy)
        self._shared.db()  # the tables exist before the first request

    def _db(self) -> sqlite3.Connection:
        return self._shared.db()

    # --- comments ------------------------------------------------------------------------------
    def add_comment(self, slug: str, lang: str, segment: str, user: str, text: str,
                    limits: CommentLimits = CommentLimits()) -> None:
        """Store a comment, or raise :class:`Refused` when a limit would be passed."""
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
            db.execute("INSERT INTO comments (slug, lang, segment, user, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (slug, lang, segment, user, text, now))

    def comments(self, slug: str, lang: str) -> dict[str, list[Comment]]:
        rows = self._db().execute("SELECT segment, user, text, at FROM comments WHERE slug = ? AND lang = ?"
                                  " ORDER BY id", (slug, lang)).fetchall()
        found: dict[str, list[Comment]] = {}
        for segment, *rest in rows:
            found.setdefault(segment, []).append(Comment(*rest))
        return found

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
                " new_state, at, old_revision, new_revision, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (edit.slug, edit.lang, edit.segment, edit.user, edit.action, edit.old_target, edit.new_target,
                 edit.old_state, edit.new_state, edit.at, edit.old_revision, edit.new_revision)).lastrowid

    def confirm(self, row_id: int, edit: Edit) -> None:
        """The catalog holds the edit: the history row stands, and the user's claim ends."""
        with self._lazy.transaction() as db:
            db.execute("UPDATE history SET pending = 0 WHERE id = ?", (row_id,))
            db.execute("DELETE FROM claims WHERE slug = ? AND lang = ? AND segment = ? AND user = ?",
                       (edit.slug, edit.lang, edit.segment, edit.user))

    def discard(self, row_id: int) -> None:
        """The catalog was not written: its history row goes."""
        with self._shared.transaction() as db:
            db.execute("DELETE FROM history WHERE id = ? AND pending = 1", (row_id,))

    def history(self, slug: str, lang: str) -> dict[str, list[Event]]:
        rows = self._db().execute(
            "SELECT segment, user, action, old_target, new_target, old_state, new_state, at FROM history"
            " WHERE slug = ? AND lang = ? AND pending = 0 ORDER BY id DESC", (slug, lang)).fetchall()
        found: dict[str, list[Event]] = {}
        for segment, *rest in rows:
            found.setdefault(segment, []).append(Event(*rest))
        return found

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

    # --- login attempts ------------------------------------------------------------------------
    def begin_login(self, user: str, address: str, device: str | None, limits: LoginLimits) -> int:
        """Count a login attempt before its password is checked; returns the attempt's id, or
        raises :class:`Refused` when the limits allow no attempt now. ``device`` is the key of
        a browser where ``user`` logged in before (then only that browser's failures count)."""
        now = time.time()
        since = now - limits.window
        with self._shared.transaction() as db:
            db.execute("DELETE FROM login_attempts WHERE at < ?", (since,))
            if device:
                failed, first = db.execute("SELECT count(*), min(at) FROM login_attempts WHERE device = ?",
                                           (device,)).fetchone()
                if failed >= limits.per_pair:
                    raise Refused("too many failed attempts", first + limits.window - now)
            else:
                failed, first = db.execute(
                    "SELECT count(*), min(at) FROM login_attempts WHERE user = ? AND address = ? AND device IS NULL",
                    (user, address)).fetchone()
                if failed >= limits.per_pair:
                    raise Refused("too many failed attempts", first + limits.window - now)
                for column, value, threshold in (("address", address, limits.per_address),
                                                 ("user", user, limits.per_user)):
                    failed, last = db.execute(f"SELECT count(*), max(at) FROM login_attempts WHERE {column} = ?",
                                              (value,)).fetchone()
                    if failed >= threshold:
                        delay = min(limits.max_delay, 2.0 ** (failed - threshold + 1))
                        if now - last < delay:
                            raise Refused("too many failed attempts lately", last + delay - now)
            return db.execute("INSERT INTO login_attempts (user, address, device, at) VALUES (?, ?, ?, ?)",
                              (user, address, device, now)).lastrowid

    def login_succeeded(self, attempt: int, user: str, address: str, device: str | None) -> None:
        """A right password: the attempt and the earlier failures of this user here are forgotten
        (failures from elsewhere, and other names' failures from this address, still count)."""
        with self._shared.transaction() as db:
            db.execute("DELETE FROM login_attempts WHERE id = ? OR (user = ? AND address = ?)",
                       (attempt, user, address))
            if device:
                db.execute("DELETE FROM login_attempts WHERE device = ?", (device,))


def _span(seconds: float) -> str:
    if seconds >= 3600:
        hours = round(seconds / 3600)
        return f"{hours} hours" if hours != 1 else "an hour"
    minutes = round(seconds / 60)
    return f"{minutes} minutes" if minutes != 1 else "a minute"
