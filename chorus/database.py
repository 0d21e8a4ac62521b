"""SQLite connections shared safely by several processes (gunicorn workers, parallel commands)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT = 30.0


def connect(path: str | Path, timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A connection in write-ahead-log mode, so readers never wait for a writer.

    Switching a new database to WAL needs a moment of exclusive access, and SQLite's busy
    timeout does not cover it: when several processes open the same new file at once (workers
    booting together), the losers see "database is locked". They wait and try again.
    """
    db = sqlite3.connect(path, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return db
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(0.05)
