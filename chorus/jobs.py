"""Background jobs as people see them: what is queued, running, done or failed, and how far.

The queue (:mod:`chorus.queue`) runs the work; this table says how it goes, for the dashboard
(``.chorus/jobs.sqlite3``, derived state: safe to delete). A job that was running in a process
that has died (a server killed or restarted mid-way) is found by :meth:`Jobs.interrupted` and
queued again by the next consumer that starts; pretranslation saves batch by batch, so it picks
up where it stopped.

>>> jobs = Jobs(Path(tempfile.mkdtemp()) / "jobs.sqlite3")
>>> job = jobs.create("draft", "stop-the-attacks")
>>> jobs.progress(job, 3, 12); jobs.get(job).state, jobs.get(job).done
('queued', 3)
"""

from __future__ import annotations

import json
import os
import socket
import tempfile  # noqa: F401 — for the example above
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import database
from .files import process_alive

FILE_NAME = "jobs.sqlite3"
KEEP_FINISHED = 24 * 3600  # seconds a finished job is still shown

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, state TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '{}',
    error TEXT, created REAL NOT NULL, started REAL, finished REAL, pid INTEGER, host TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_slug ON jobs (slug, created);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
"""


@dataclass
class Job:
    id: str
    kind: str
    slug: str
    state: str  # queued, running, done, failed
    done: int
    total: int
    detail: dict = field(default_factory=dict)  # per language: [done, total]
    error: str | None = None
    created: float = 0.0
    started: float | None = None
    finished: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)

    def as_json(self) -> dict:
        from .records import iso

        return {"id": self.id, "kind": self.kind, "statement": self.slug, "state": self.state,
                "done": self.done, "total": self.total, "percent": self.percent, "languages": self.detail,
                "error": self.error, "created": iso(self.created),
                "finished": iso(self.finished) if self.finished else None}


def _job(row) -> Job:
    (id_, kind, slug, state, done, total, detail, error, created, started, finished) = row
    return Job(id_, kind, slug, state, done, total, json.loads(detail or "{}"), error, created, started, finished)


_COLUMNS = "id, kind, slug, state, done, total, detail, error, created, started, finished"


class Jobs:
    def __init__(self, path: Path):
        self._shared = database.Shared(path, _SCHEMA)

    @classmethod
    def for_project(cls, project) -> "Jobs":
        return cls(project.private_dir / FILE_NAME)

    def create(self, kind: str, slug: str) -> str:
        job = uuid.uuid4().hex
        with self._shared.transaction() as db:
            db.execute("INSERT INTO jobs (id, kind, slug, state, created) VALUES (?, ?, ?, 'queued', ?)",
                       (job, kind, slug, time.time()))
        return job

    def get(self, job: str) -> Job | None:
        row = self._shared.db().execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job,)).fetchone()
        return _job(row) if row else None

    def start(self, job: str) -> bool:
        """Mark a job running in this process; False when it is finished (nothing to do) or
        running in a live process."""
        with self._shared.transaction() as db:
            row = db.execute("SELECT state, pid, host FROM jobs WHERE id = ?", (job,)).fetchone()
            if row is None or row[0] in ("done", "failed"):
                return False
            if row[0] == "running" and _alive(row[1], row[2]) and row[1] != os.getpid():
                return False
            db.execute("UPDATE jobs SET state = 'running', started = ?, pid = ?, host = ?, error = NULL"
                       " WHERE id = ?", (time.time(), os.getpid(), socket.gethostname(), job))
        return True

    def progress(self, job: str, done: int, total: int, detail: dict | None = None) -> None:
        with self._shared.transaction() as db:
            db.execute("UPDATE jobs SET done = ?, total = ?, detail = coalesce(?, detail) WHERE id = ?",
                       (done, total, json.dumps(detail) if detail is not None else None, job))

    def finish(self, job: str, error: str | None = None) -> None:
        with self._shared.transaction() as db:
            db.execute("UPDATE jobs SET state = ?, error = ?, finished = ?, pid = NULL WHERE id = ?",
                       ("failed" if error else "done", error, time.time(), job))

    def latest(self, slugs: list[str]) -> dict[str, Job]:
        """The newest job of each statement that is still active or finished lately."""
        if not slugs:
            return {}
        marks = ", ".join("?" * len(slugs))
        rows = self._shared.db().execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE slug IN ({marks}) AND (state IN ('queued', 'running')"
            f" OR finished >= ?) ORDER BY created", (*slugs, time.time() - KEEP_FINISHED)).fetchall()
        return {job.slug: job for job in map(_job, rows)}

    def recent(self, limit: int = 50) -> list[Job]:
        """Active jobs and those finished lately, newest first."""
        rows = self._shared.db().execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE state IN ('queued', 'running') OR finished >= ?"
            f" ORDER BY created DESC LIMIT ?", (time.time() - KEEP_FINISHED, limit)).fetchall()
        return [_job(row) for row in rows]

    def interrupted(self) -> list[Job]:
        """Jobs marked running by a process of this machine that is gone."""
        rows = self._shared.db().execute(
            f"SELECT {_COLUMNS}, pid, host FROM jobs WHERE state = 'running'").fetchall()
        return [_job(row[:-2]) for row in rows if not _alive(row[-2], row[-1])]


def _alive(pid: int | None, host: str | None) -> bool:
    """Whether the process ``pid`` of ``host`` still runs (another machine's: assumed so)."""
    if pid is None:
        return False
    if host and host != socket.gethostname():
        return True
    return process_alive(pid)
