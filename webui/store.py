"""What the web UI remembers besides the catalogs: comments, history, who has which segment
open, and failed logins. One SQLite file in the instance folder, shared by every worker.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from chorus import database

CLAIM_SECONDS = 5 * 60
MAX_COMMENT = 4000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL,
    user TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS comments_by_catalog ON comments (slug, lang);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY, slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL,
    user TEXT NOT NULL, action TEXT NOT NULL, old_target TEXT NOT NULL, new_target TEXT NOT NULL,
    old_state TEXT NOT NULL, new_state TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_catalog ON history (slug, lang);
CREATE TABLE IF NOT EXISTS claims (
    slug TEXT NOT NULL, lang TEXT NOT NULL, segment TEXT NOT NULL, user TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (slug, lang, segment, user));
CREATE TABLE IF NOT EXISTS failed_logins (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failed_logins_by_key ON failed_logins (key, at);
"""


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


class Store:
    def __init__(self, folder: Path):
        self.path = Path(folder) / "webui.sqlite"
        Path(folder).mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(database.connect(self.path)) as db:
            with db:
                yield db

    # --- comments and history --------------------------------------------------------------
    def add_comment(self, slug: str, lang: str, segment: str, user: str, text: str) -> None:
        with self._db() as db:
            db.execute("INSERT INTO comments (slug, lang, segment, user, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (slug, lang, segment, user, text, time.time()))

    def comments(self, slug: str, lang: str) -> dict[str, list[Comment]]:
        with self._db() as db:
            rows = db.execute("SELECT segment, user, text, at FROM comments WHERE slug = ? AND lang = ? ORDER BY id",
                              (slug, lang)).fetchall()
        found: dict[str, list[Comment]] = {}
        for segment, *rest in rows:
            found.setdefault(segment, []).append(Comment(*rest))
        return found

    def record(self, slug: str, lang: str, segment: str, user: str, action: str,
               old_target: str, new_target: str, old_state: str, new_state: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO history (slug, lang, segment, user, action, old_target, new_target, old_state,"
                " new_state, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (slug, lang, segment, user, action, old_target, new_target, old_state, new_state, time.time()))

    def history(self, slug: str, lang: str) -> dict[str, list[Event]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT segment, user, action, old_target, new_target, old_state, new_state, at FROM history"
                " WHERE slug = ? AND lang = ? ORDER BY id DESC", (slug, lang)).fetchall()
        found: dict[str, list[Event]] = {}
        for segment, *rest in rows:
            found.setdefault(segment, []).append(Event(*rest))
        return found

    # --- who has which segment open ----------------------------------------------------------
    def claim(self, slug: str, lang: str, segment: str, user: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO claims (slug, lang, segment, user, at) VALUES (?, ?, ?, ?, ?)",
                       (slug, lang, segment, user, time.time()))
            db.execute("DELETE FROM claims WHERE at < ?", (time.time() - CLAIM_SECONDS,))

    def release(self, slug: str, lang: str, segment: str, user: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM claims WHERE slug = ? AND lang = ? AND segment = ? AND user = ?",
                       (slug, lang, segment, user))

    def claimed_by_others(self, slug: str, lang: str, user: str) -> dict[str, str]:
        """Segments someone other than ``user`` opened in the last few minutes → who."""
        with self._db() as db:
            rows = db.execute(
                "SELECT segment, user FROM claims WHERE slug = ? AND lang = ? AND user != ? AND at >= ?"
                " ORDER BY at", (slug, lang, user, time.time() - CLAIM_SECONDS)).fetchall()
        return {segment: who for segment, who in rows}

    # --- failed logins -------------------------------------------------------------------------
    def failures(self, key: str, window: float) -> int:
        with self._db() as db:
            return db.execute("SELECT COUNT(*) FROM failed_logins WHERE key = ? AND at >= ?",
                              (key, time.time() - window)).fetchone()[0]

    def fail(self, *keys: str, window: float) -> None:
        now = time.time()
        with self._db() as db:
            db.executemany("INSERT INTO failed_logins (key, at) VALUES (?, ?)", [(key, now) for key in keys])
            db.execute("DELETE FROM failed_logins WHERE at < ?", (now - window,))

    def forget_failures(self, key: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM failed_logins WHERE key = ?", (key,))
