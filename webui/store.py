"""What the web UI alone remembers: login attempts. Comments, history and open segments are
the core's (:mod:`chorus.records`), in the same SQLite file of the instance folder.

Every login attempt is counted in the same ``BEGIN IMMEDIATE`` transaction as the check that
allows it, so parallel requests in several workers cannot all pass the check before any of
them has written.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from chorus import database
from chorus.records import FILE_NAME, Refused

__all__ = ["LoginLimits", "Refused", "Store"]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS login_attempts (
    id INTEGER PRIMARY KEY, user TEXT NOT NULL, address TEXT NOT NULL, device TEXT, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_attempts_by_pair ON login_attempts (user, address, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_address ON login_attempts (address, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_user ON login_attempts (user, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_device ON login_attempts (device, at);
CREATE INDEX IF NOT EXISTS login_attempts_by_time ON login_attempts (at);
"""


def _migrate(db: sqlite3.Connection) -> None:
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'failed_logins'").fetchone():
        db.execute("DROP TABLE IF EXISTS failed_logins")  # counted after the password check: replaced


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


class Store:
    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE_NAME
        self._shared = database.Shared(self.path, _SCHEMA, _migrate)
        self._shared.db()  # the tables exist before the first request

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

