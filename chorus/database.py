"""SQLite connections shared safely by several processes (gunicorn workers, parallel commands)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


def add_columns(db: sqlite3.Connection, table: str, columns: tuple[tuple[str, str], ...]) -> None:
    """Add the ``(name, type)`` columns that ``table`` lacks (files made by an older version
    get them on first use); another process adding one meanwhile is fine."""
    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    for name, kind in columns:
        if name not in present:
            try:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
            except sqlite3.OperationalError as error:
                if "duplicate column" not in str(error):  # another process added it meanwhile
                    raise


_inherited: list[sqlite3.Connection] = []


class Shared:
    """One connection per thread and process to one SQLite file, opened on first use and kept
    (a server answers many requests; opening the file, switching to WAL and creating the tables
    each time cost more than the query). Reopened when the file was replaced or deleted.

    The connection is in autocommit mode: each statement stands alone, and
    :meth:`transaction` groups several, taking the write lock first when asked
    (``BEGIN IMMEDIATE``), so that a check and the write it allows are one step for every
    process sharing the file.

    >>> shared = Shared(Path(tempfile.mkdtemp()) / "notes.sqlite", "CREATE TABLE IF NOT EXISTS n (x)")
    >>> with shared.transaction() as db:
    ...     _ = db.execute("INSERT INTO n VALUES (1)")
    >>> shared.db().execute("SELECT count(*) FROM n").fetchone()
    (1,)
    """

    def __init__(self, path: str | Path, schema: str = "", setup=None):
        self.path = Path(path)
        self.schema = schema
        self.setup = setup  # called with a new connection, after the schema
        self._local = threading.local()

    def db(self) -> sqlite3.Connection:
        local = self._local
        current = getattr(local, "db", None)
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if current is not None and local.pid == os.getpid() and local.inode == inode:
            return current
        if current is not None:
            if local.pid == os.getpid():
                current.close()
            else:  # made before a fork: never closed here, where it is only a copy of the parent's
                _inherited.append(current)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = connect(self.path)
        try:
            fresh.isolation_level = None
            if self.schema:
                fresh.executescript(self.schema)
            if self.setup is not None:
                self.setup(fresh)
        except BaseException:
            fresh.close()
            raise
        local.db, local.pid, local.inode = fresh, os.getpid(), os.stat(self.path).st_ino
        return fresh

    @contextmanager
    def transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """Statements in one transaction: committed together, or rolled back on any error."""
        db = self.db()
        db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.rollback()
            raise

    def close(self) -> None:
        current = getattr(self._local, "db", None)
        if current is not None and self._local.pid == os.getpid():
            current.close()
        self._local.db = None
