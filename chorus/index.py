"""The project index: what pages need, without reading every catalog at every request.

``.chorus/index.sqlite3`` (SQLite, derived from the files, safe to delete) holds per statement
its title, date, deadline and size; per statement and language the counts per state, the
words, the last change and whether the catalog could be read (if not: what is wrong and the
command that repairs it); and, for :mod:`chorus.search`, every template's sentences and every
catalog's translations in two FTS5 tables. What one file holds is read by :mod:`chorus.scan`.

A file is read again only when its inode, size, modification or change time differ from what
the index recorded. :meth:`Index.refresh` without arguments (what a web request does) notices
new and removed statements (the ``translations/`` folder changed), languages added to
chorus.toml and a new review policy (threshold or ``publish``); :meth:`Index.check` re-reads the files of what a page
shows, so a page costs what it shows; sweeps look at the other files (:meth:`Index.refresh`
says when). Catalogs written through :func:`chorus.catalog.editing` (the web UI's saves) are
indexed at once, in the writing process.

Several processes share the file (gunicorn workers, commands): SQLite in WAL mode, every write
an ``IMMEDIATE`` transaction that checks each file again before storing what was read, and a
file lock so that one process at a time builds or sweeps all of it.

>>> index = Index(project)                                # doctest: +SKIP
>>> index.refresh(full=True)                              # doctest: +SKIP
>>> index.listing(["es"], state="needs-work").total       # doctest: +SKIP
12
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import catalog, database
from . import deadline as deadlines
from .errors import ChorusError
from .project import Project, check_slug
from .scan import COUNTS, CatalogRecord, TemplateRecord, fold, read_catalog, read_items, read_template, stamp, stat
from .status import STATE_KEYS, percentages

log = logging.getLogger(__name__)

VERSION = "5"
FILE_NAME = "index.sqlite3"
SWEEP_SECONDS = 30.0  # a command stats every file when the last full sweep is older than this
SLICE = 100  # statements a server sweeps after a request, at most once per SLICE_SECONDS
SLICE_SECONDS = 1.0
TOKENIZER = "porter unicode61 remove_diacritics 2"  # any case, any accents, English word forms
CHUNK = 25  # statements read per chunk (and stored per transaction) when many changed
LOCK_WAIT = 600.0
ROW_STATES = {  # the dashboard's state filter, on a catalog row ``c``
    "all": None,
    "needs-work": "c.error IS NULL AND c.untranslated + c.fuzzy > 0",
    "ready": "c.error IS NULL AND c.ready",
    "problems": "c.error IS NOT NULL",
}
SORTS = ("urgent", "newest")

_TABLES = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS statements (
        slug TEXT PRIMARY KEY, stamp TEXT, title TEXT NOT NULL, title_key TEXT NOT NULL,
        date TEXT NOT NULL, deadline TEXT, segments INTEGER NOT NULL, words INTEGER NOT NULL,
        error TEXT, repair TEXT, first_row INTEGER, last_row INTEGER)""",
    "CREATE INDEX IF NOT EXISTS statements_by_date ON statements (date DESC, slug DESC)",
    "CREATE INDEX IF NOT EXISTS statements_by_deadline ON statements (deadline)",
    f"""CREATE TABLE IF NOT EXISTS catalogs (
        slug TEXT NOT NULL, lang TEXT NOT NULL, stamp TEXT, missing INTEGER NOT NULL,
        {", ".join(f"{name} INTEGER NOT NULL" for name in COUNTS)},
        changed REAL, ready INTEGER NOT NULL, error TEXT, repair TEXT,
        first_row INTEGER, last_row INTEGER, PRIMARY KEY (slug, lang))""",
    # The sentences of each template once (a statement's rows first_row..last_row), and the
    # translations of each catalog that has them (a catalog's rows): a source is not indexed
    # again for every language. Both share one row counter: higher rows were stored later.
    # (columnsize=0: no ranking by length, which search does not use, and a quarter less to write.)
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS sources USING fts5(
        source, slug UNINDEXED, context UNINDEXED, position UNINDEXED, tokenize = '{TOKENIZER}', columnsize=0)""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS targets USING fts5(
        target, slug UNINDEXED, lang UNINDEXED, source UNINDEXED, context UNINDEXED, state UNINDEXED,
        position UNINDEXED, tokenize = '{TOKENIZER}', columnsize=0)""",
]


# --- connections ----------------------------------------------------------------------------------

_local = threading.local()


def _connection(path: Path) -> sqlite3.Connection:
    """This thread's connection to the index at ``path`` (made anew when the file was deleted
    or replaced, or in a forked child)."""
    cache = _local.__dict__.setdefault("connections", {})
    key = str(path)
    info = stat(path)
    identity = (os.getpid(), info.st_ino) if info else None
    found = cache.get(key)
    if found and identity and found[0] == identity:
        return found[1]
    if found and found[0] and found[0][0] == os.getpid():
        found[1].close()
    db = _open(path)
    info = stat(path)
    cache[key] = ((os.getpid(), info.st_ino) if info else None, db)
    return db


def close_connections() -> None:
    """Close this thread's index connections (a later call opens them again)."""
    for identity, db in _local.__dict__.pop("connections", {}).values():
        if identity is None or identity[0] == os.getpid():
            db.close()


def _open(path: Path) -> sqlite3.Connection:
    try:
        return _open_once(path)
    except sqlite3.DatabaseError as error:
        if "not a database" not in str(error) and "malformed" not in str(error):
            raise
    log.warning("%s is damaged: it is made again from the catalogs", path)
    remove(path)
    return _open_once(path)


def remove(path: Path) -> None:
    """Delete an index file (with SQLite's journal files)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _open_once(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = database.connect(path)
    db.isolation_level = None  # transactions are explicit: BEGIN IMMEDIATE for every write
    db.execute("PRAGMA synchronous=NORMAL")  # derived data: a crash loses at most a refresh
    if _get(db, "version") != VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            if _get(db, "version") != VERSION:  # another process may have made it meanwhile
                for table in ("meta", "statements", "catalogs", "segments", "sources", "targets"):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in _TABLES:
                    db.execute(statement)
                db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return db


def _get(db: sqlite3.Connection, key: str) -> str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _put(db: sqlite3.Connection, **values: str) -> None:
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())


# --- the index ---------------------------------------------------------------------------------


@dataclass
class Listing:
    """One page of statements: ``statements`` (dicts), ``total`` matching, the page asked for."""

    statements: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class Index:
    """The index of one project (see the module's description)."""

    def __init__(self, project: Project):
        self.project = project
        self.path = project.private_dir / FILE_NAME

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (a new one when the file was deleted or replaced)."""
        return _connection(self.path)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``: it waits for other writers, then owns the file)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def clear(self) -> None:
        """Delete the index; the next refresh builds it again from the files."""
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", timeout=LOCK_WAIT):
            remove(self.path)

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    # --- keeping it up to date ------------------------------------------------------------------
    def refresh(self, slugs: Iterable[str] = (), *, full: bool = False, sweep: str | None = "now",
                progress: Callable[[int, int], None] | None = None, workers: int = 1) -> None:
        """Bring the index up to date: everything (``full``, and always the first time), or the
        light checks of a request plus every file of ``slugs``.

        Files that no page asked about are looked at by sweeps. ``sweep`` says how: ``"now"``,
        every file when the last full sweep is older than :data:`SWEEP_SECONDS` (a command);
        ``"slice"``, the next :data:`SLICE` statements when the last slice is older than
        :data:`SLICE_SECONDS` (see :meth:`sweep_slice`, which a server calls once an answer is
        sent); None, no sweep (the caller checks what it shows itself).
        """
        if full or self.meta().get("built") != "1":
            self._sweep(progress, workers, wait=True)
            return
        meta = self.meta()
        if sweep == "now" and time.time() - float(meta.get("swept", 0)) > SWEEP_SECONDS:
            if self._sweep(progress, workers, wait=False):
                return
        self._structure(meta, rescan=False, progress=progress, workers=workers)
        if sweep == "slice":
            self.sweep_slice()
        slugs = list(slugs)
        if slugs:
            self.check(slugs, progress=progress, workers=workers)

    def sweep_slice(self) -> None:
        """Check the files of the next few statements (in name order, round and round); the
        processes sharing the index take turns, at most one slice per SLICE_SECONDS."""
        if time.time() - float(self.meta().get("slice_at", 0)) <= SLICE_SECONDS:
            return
        with self.writing() as db:
            if time.time() - float(_get(db, "slice_at") or 0) <= SLICE_SECONDS:
                return  # another process took this turn
            cursor = _get(db, "cursor") or ""
            slugs = [row[0] for row in db.execute("SELECT slug FROM statements WHERE slug > ? ORDER BY slug LIMIT ?",
                                                  (cursor, SLICE))]
            done = len(slugs) < SLICE
            _put(db, slice_at=str(time.time()), cursor="" if done else slugs[-1],
                 **({"swept": str(time.time())} if done else {}))  # a round is over
        self.check(slugs)

    def check(self, slugs: Iterable[str], langs: Iterable[str] | None = None, *,
              progress: Callable[[int, int], None] | None = None, workers: int = 1) -> bool:
        """Re-read the files of ``slugs`` (their template and the catalogs of ``langs``, else of
        every language) that changed; True when something did."""
        langs = list(langs) if langs is not None else list(self.project.config.langs)
        return self._check({slug: langs for slug in slugs}, progress, workers)

    def check_catalogs(self, pairs: Iterable[tuple[str, str]]) -> bool:
        """Re-read those of the (slug, lang) catalogs, and their templates, that changed."""
        wanted: dict[str, list[str]] = {}
        for slug, lang in sorted(pairs):
            wanted.setdefault(slug, []).append(lang)
        return self._check(wanted, None, 1)

    def _check(self, wanted: dict[str, list[str]], progress, workers: int) -> bool:
        changes = self._changes(wanted, self._stamps(list(wanted)))
        if changes:
            self._update(changes, progress, workers)
        return bool(changes)

    def note_written(self, slug: str, lang: str) -> None:
        """A catalog was just written in this process: index it now."""
        if lang in self.project.config.langs and self.meta().get("built") == "1":
            self._update([(slug, False, (lang,))], None, 1)

    def _sweep(self, progress, workers: int, wait: bool) -> bool:
        """Stat every file and re-read what changed, under the index's file lock; False when
        ``wait`` is off and another process holds the lock (it is sweeping)."""
        from filelock import FileLock, Timeout

        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self.path) + ".lock", timeout=LOCK_WAIT if wait else 0):
                self._structure(self.meta(), rescan=True, progress=progress, workers=workers, everything=True)
                with self.writing() as db:
                    _put(db, swept=str(time.time()), built="1")
        except Timeout:
            if wait:
                raise ChorusError(f"{self.path}: another process has been building the index for "
                                  f"{LOCK_WAIT:.0f} s; try again later") from None
            return False
        return True

    def _structure(self, meta: dict, rescan: bool, progress, workers: int, everything: bool = False) -> None:
        """New and removed statements, languages added to or removed from chorus.toml, a new
        threshold; with ``everything``, every file that changed."""
        root = self.project.translations_dir
        tree = stamp(stat(root)) or ""
        pending = json.loads(meta.get("pending", "[]"))
        langs = list(self.project.config.langs)
        old_langs = json.loads(meta.get("langs", "null"))
        threshold = self.project.config.policy.key
        moved = rescan or tree != meta.get("tree") or any(os.path.isfile(root / p / f"{p}.pot") for p in pending)
        if not (moved or everything or old_langs != langs or threshold != meta.get("threshold")):
            return
        indexed = self.slugs()
        on_disk, pending = self._scan() if moved else (indexed, pending)
        known = set(indexed)
        gone = sorted(known - set(on_disk))
        added = [lang for lang in langs if lang not in (old_langs or [])]
        with self.writing() as db:
            for slug in gone:
                self._forget(db, slug)
            if old_langs is not None and set(old_langs) - set(langs):
                self._drop_langs(db, langs)
            if threshold != meta.get("threshold"):
                self._rerate(db)
        if everything:
            changes = self._changes({slug: langs for slug in on_disk}, self._stamps(None))
        else:  # the new statements, and the catalogs of the languages added
            wanted = {slug: (langs if slug not in known else added) for slug in on_disk}
            wanted = {slug: chosen for slug, chosen in wanted.items() if slug not in known or chosen}
            changes = self._changes(wanted, self._stamps(list(wanted))) if wanted else []
        if changes:
            self._update(changes, progress, workers)
        with self.writing() as db:
            _put(db, tree=tree, pending=json.dumps(pending), langs=json.dumps(langs), threshold=threshold)

    def _scan(self) -> tuple[list[str], list[str]]:
        """Statements on disk (folders with their template), and folders waiting for one."""
        found, waiting = [], []
        try:
            entries = list(os.scandir(self.project.translations_dir))
        except (FileNotFoundError, NotADirectoryError):
            return [], []
        for entry in entries:
            try:
                check_slug(entry.name)
            except ChorusError:
                continue
            if entry.is_dir():
                pot = os.path.join(entry.path, f"{entry.name}.pot")
                (found if os.path.isfile(pot) else waiting).append(entry.name)
        return sorted(found), sorted(waiting)

    def _stamps(self, slugs: list[str] | None) -> dict[tuple[str, str | None], str | None]:
        """What the index recorded: (slug, None) for templates, (slug, lang) for catalogs."""
        found: dict[tuple[str, str | None], str | None] = {}
        parts = [None] if slugs is None else [slugs[i:i + 500] for i in range(0, len(slugs), 500)]
        for part in parts:
            where, params = ("", ()) if part is None else (f" WHERE slug IN ({placeholders(part)})", tuple(part))
            for slug, recorded in self.db.execute(f"SELECT slug, stamp FROM statements{where}", params):
                found[(slug, None)] = recorded
            for slug, lang, recorded in self.db.execute(f"SELECT slug, lang, stamp FROM catalogs{where}", params):
                found[(slug, lang)] = recorded
        return found

    def _changes(self, wanted: dict[str, list[str]], stored: dict) -> list[tuple[str, bool, tuple[str, ...]]]:
        """(slug, template changed, languages changed) for the files of ``wanted`` (slug → its
        languages to look at) that differ from ``stored``."""
        changes = []
        for slug, langs in wanted.items():
            info = stat(self._file(slug, f"{slug}.pot"))
            template = stamp(info)
            latest = info.st_mtime if info else 0.0
            template_changed = (slug, None) not in stored or stored[(slug, None)] != template
            changed = []
            for lang in langs:
                key = (slug, lang)
                info = stat(self._file(slug, f"{lang}.po"))
                current = stamp(info)
                latest = max(latest, info.st_mtime if info else 0.0)
                if key not in stored or stored[key] != current or (template_changed and current is None):
                    changed.append(lang)
            if template_changed or changed:
                changes.append((latest, slug, template_changed, tuple(changed)))
        changes.sort()  # stored in the order the files last changed: the latest come first in search
        return [change[1:] for change in changes]

    def _update(self, changes: list[tuple[str, bool, tuple[str, ...]]], progress, workers: int) -> None:
        """Read what changed and store it, a chunk per transaction, in the order of ``changes``
        (see :meth:`_changes`). When it is much and ``workers`` > 1, that many processes read
        while this one stores what they send."""
        reader = functools.partial(read_items, self.project)
        for done, results in _read_chunks(reader, changes, workers if len(changes) > 2 * CHUNK else 1):
            with self.writing() as db:
                next_row = int(_get(db, "next_row") or 1)
                for template, catalogs in results:
                    next_row = self._store(db, template, catalogs, next_row)
                _put(db, next_row=str(next_row))
            if progress:
                progress(done, len(changes))

    @functools.cached_property
    def _root(self) -> str:
        return str(self.project.translations_dir)

    def _file(self, slug: str, name: str) -> str:
        """A statement's file, by a name the index made from checked names (no Path, no checks:
        the index looks at thousands)."""
        return os.path.join(self._root, slug, name)

    def _store(self, db: sqlite3.Connection, template: TemplateRecord | None,
               catalogs: list[CatalogRecord], next_row: int) -> int:
        """Store what was read, after checking that each file is still what was read (another
        process may have changed it since: then it is read again, here)."""
        if template is not None:
            if stamp(stat(self._file(template.slug, f"{template.slug}.pot"))) != template.stamp:
                template = read_template(self.project, template.slug)
            self._delete_rows(db, "sources", "statements WHERE slug = ?", (template.slug,))
            first, last, next_row = _insert(db, "INSERT INTO sources (rowid, source, slug, context, position)"
                                                " VALUES (?, ?, ?, ?, ?)",
                                            [(msgid, template.slug, context, position)
                                             for position, (context, msgid) in enumerate(template.entries)], next_row)
            db.execute(f"INSERT OR REPLACE INTO statements VALUES ({placeholders(range(12))})", (
                template.slug, template.stamp, template.title, fold(template.title), template.date,
                template.deadline, template.segments, template.words, template.error, template.repair, first, last))
        policy = self.project.config.policy
        for record in reversed(catalogs):  # search shows higher rows first: the first language first
            current = stat(self._file(record.slug, f"{record.lang}.po"))
            if stamp(current) != record.stamp:
                fresh = read_template(self.project, record.slug) if current is None else None
                record = read_catalog(self.project, record.slug, record.lang, fresh)
            self._delete_rows(db, "targets", "catalogs WHERE slug = ? AND lang = ?", (record.slug, record.lang))
            first, last, next_row = _insert(
                db, "INSERT INTO targets (rowid, target, slug, lang, source, context, state, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(target, record.slug, record.lang, source, context, state, position)
                 for source, target, context, state, position in record.rows if target], next_row)
            counts = [record.counts.get(key, 0) for key in COUNTS]
            db.execute(f"INSERT OR REPLACE INTO catalogs VALUES ({placeholders(range(len(COUNTS) + 10))})", (
                record.slug, record.lang, record.stamp, int(record.missing), *counts, record.changed,
                int(record.error is None and policy.ready(record.counts)), record.error, record.repair,
                first, last))
        return next_row

    @staticmethod
    def _delete_rows(db: sqlite3.Connection, table: str, owners: str, params: tuple) -> None:
        """Delete the search rows (of ``table``) of the statements or catalogs ``owners`` selects."""
        for first, last in db.execute(f"SELECT first_row, last_row FROM {owners} AND first_row IS NOT NULL",
                                      params).fetchall():
            db.execute(f"DELETE FROM {table} WHERE rowid BETWEEN ? AND ?", (first, last))

    def _forget(self, db: sqlite3.Connection, slug: str) -> None:
        self._delete_rows(db, "targets", "catalogs WHERE slug = ?", (slug,))
        self._delete_rows(db, "sources", "statements WHERE slug = ?", (slug,))
        db.execute("DELETE FROM catalogs WHERE slug = ?", (slug,))
        db.execute("DELETE FROM statements WHERE slug = ?", (slug,))

    def _drop_langs(self, db: sqlite3.Connection, langs: list[str]) -> None:
        where = f"lang NOT IN ({placeholders(langs)})"
        self._delete_rows(db, "targets", f"catalogs WHERE {where}", tuple(langs))
        db.execute(f"DELETE FROM catalogs WHERE {where}", langs)

    def _rerate(self, db: sqlite3.Connection) -> None:
        policy = self.project.config.policy
        rows = db.execute("SELECT slug, lang, segments, translated, approved, error FROM catalogs").fetchall()
        db.executemany("UPDATE catalogs SET ready = ? WHERE slug = ? AND lang = ?", [
            (int(error is None and policy.ready({"segments": segments, "translated": translated,
                                                 "approved": approved})), slug, lang)
            for slug, lang, segments, translated, approved, error in rows])

    # --- reading it -------------------------------------------------------------------------------
    def slugs(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT slug FROM statements ORDER BY slug")]

    def resolve(self, slugs: Iterable[str]) -> list[str]:
        """The named statements, checked on disk (not a scan of every statement)."""
        chosen = list(dict.fromkeys(slugs))
        for slug in chosen:
            check_slug(slug)
            if not self.project.template_path(slug).is_file():
                close = difflib.get_close_matches(slug, self.project.statements(), n=3)  # a typo: look around
                hint = f" (did you mean {', '.join(close)}?)" if close else " (see 'chorus status' for the names)"
                raise ChorusError(f"unknown statement: {slug}{hint}")
        return chosen

    def listing(self, langs: list[str], *, page: int = 1, per_page: int = 20, title: str = "",
                state: str = "all", sort: str = "urgent", today: str | None = None) -> Listing:
        """A page of statements with a row per language of ``langs`` (only the rows in ``state``),
        matching ``title`` (in the title or the name, any case, any accents). ``urgent``: open
        deadlines first (some row not ready), soonest first; then the newest."""
        if not langs:
            return Listing([], 0, page, per_page)
        where, params = self._filters(langs, title, state)
        total = self.db.execute(f"SELECT COUNT(*) FROM statements s WHERE {where}", params).fetchone()[0]
        offset = (page - 1) * per_page
        slugs: list[str] = []
        newest = "ORDER BY s.date DESC, s.slug DESC LIMIT ? OFFSET ?"
        if sort == "urgent":
            urgent = (f"s.deadline IS NOT NULL AND EXISTS (SELECT 1 FROM catalogs c WHERE c.slug = s.slug"
                      f" AND c.lang IN ({placeholders(langs)}) AND NOT c.ready)")
            first = self.db.execute(
                f"SELECT s.slug FROM statements s WHERE {where} AND {urgent} ORDER BY s.deadline, s.date DESC,"
                f" s.slug DESC", (*params, *langs)).fetchall()
            slugs = [row[0] for row in first[offset:offset + per_page]]
            rest = self.db.execute(
                f"SELECT s.slug FROM statements s WHERE {where} AND NOT ({urgent}) {newest}",
                (*params, *langs, per_page - len(slugs), max(0, offset - len(first)))).fetchall()
            slugs += [row[0] for row in rest]
        else:
            slugs = [row[0] for row in self.db.execute(f"SELECT s.slug FROM statements s WHERE {where} {newest}",
                                                       (*params, per_page, offset))]
        return Listing(self.items(slugs, langs, state), total, page, per_page)

    def due_between(self, start: str, end: str) -> list[dict]:
        """Statements whose deadline (UTC keys, :func:`chorus.deadline.utc_key`) is after
        ``start`` and not after ``end``, with the languages not ready to publish yet (only those
        that have some)."""
        found = []
        for slug, title, key in self.db.execute(
                "SELECT slug, title, deadline FROM statements WHERE deadline > ? AND deadline <= ? ORDER BY deadline",
                (start, end)).fetchall():
            langs = [row[0] for row in self.db.execute(
                "SELECT lang FROM catalogs WHERE slug = ? AND error IS NULL AND NOT ready ORDER BY lang", (slug,))]
            if langs:
                found.append({"slug": slug, "title": title, "key": key,
                              "deadline": deadlines.local(deadlines.from_key(key)), "languages": langs})
        return found

    def _filters(self, langs: list[str], title: str, state: str) -> tuple[str, tuple]:
        conditions, params = ["1"], []
        if title.strip():
            pattern = "%" + "".join("\\" + ch if ch in "%_\\" else ch for ch in fold(title.strip())) + "%"
            conditions.append("(s.title_key LIKE ? ESCAPE '\\' OR s.slug LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        row = ROW_STATES[state]
        if row:
            exists = (f"EXISTS (SELECT 1 FROM catalogs c WHERE c.slug = s.slug"
                      f" AND c.lang IN ({placeholders(langs)}) AND {row})")
            conditions.append(f"(s.error IS NOT NULL OR {exists})" if state == "problems" else exists)
            params += langs
        return " AND ".join(conditions), tuple(params)

    def items(self, slugs: list[str], langs: list[str], state: str = "all", now=None) -> list[dict]:
        """The dashboard's statements, in the order of ``slugs``, with their rows in ``langs``;
        ``deadline`` in the server's time zone and ``deadline_mark`` (``overdue``, ``today``)
        when a language shown still has work left."""
        if not slugs:
            return []
        now = now or dt.datetime.now().astimezone()
        found = {row["slug"]: row
                 for row in self._rows(f"SELECT * FROM statements WHERE slug IN ({placeholders(slugs)})", slugs)}
        row_filter = ROW_STATES[state]
        extra = f" AND {row_filter}" if row_filter else ""
        rows = self._rows(f"SELECT * FROM catalogs c WHERE c.slug IN ({placeholders(slugs)}) AND c.lang IN"
                          f" ({placeholders(langs)}){extra}", (*slugs, *langs))
        by_slug: dict[str, dict[str, dict]] = {}
        for row in rows:
            by_slug.setdefault(row["slug"], {})[row["lang"]] = row
        items = []
        for slug in slugs:
            statement = found.get(slug)
            if statement is None:
                continue
            languages = by_slug.get(slug, {})
            rows = [self._language(languages[lang]) for lang in langs if lang in languages]
            moment = deadlines.from_key(statement["deadline"])
            items.append({
                "slug": slug, "title": statement["title"], "date": statement["date"],
                "deadline": deadlines.local(moment) if moment else None,
                "deadline_mark": deadlines.mark(moment, any(not row["ready"] for row in rows), now),
                "error": statement["error"], "repair": statement["repair"],
                "template": self._relative(slug, f"{slug}.pot"),
                "languages": rows,
            })
        return items

    def _language(self, row: dict) -> dict:
        counts = {key: row[key] for key in COUNTS}
        changed = row["changed"]
        return {
            "lang": row["lang"], "segments": row["segments"], "words": row["words"],
            "counts": {key: row[key] for key in STATE_KEYS},
            "percent": percentages(counts), "ready": bool(row["ready"]), "missing": bool(row["missing"]),
            "changed": dt.datetime.fromtimestamp(changed, dt.timezone.utc).isoformat(timespec="seconds")
            if changed else None,
            "error": row["error"], "repair": row["repair"],
            "catalog": self._relative(row["slug"], f"{row['lang']}.po"),
        }

    def catalog_rows(self, slugs: list[str], langs: list[str]) -> list[dict]:
        """``chorus status`` rows: per statement (in ``slugs`` order) and language; a broken
        template is one more row, with ``lang`` None."""
        wanted = set(slugs)
        few = len(wanted) <= 500  # a few statements are looked up, many are read in one pass
        where = f" AND slug IN ({placeholders(wanted)})" if few else ""
        params = (*langs, *wanted) if few else langs
        rows: dict[tuple[str, str], dict] = {}
        for row in self._rows(f"SELECT * FROM catalogs WHERE lang IN ({placeholders(langs)}){where}", params):
            if row["slug"] in wanted:
                rows[(row["slug"], row["lang"])] = row
        broken = {row["slug"]: row for row in self._rows("SELECT slug, error, repair FROM statements"
                                                         " WHERE error IS NOT NULL", ())}
        result = []
        for slug in slugs:
            if slug in broken:
                result.append({"statement": slug, "lang": None, **{key: 0 for key in COUNTS},
                               "percent": percentages({}), "ready": False, "missing": False, "changed": None,
                               "catalog": self._relative(slug, f"{slug}.pot"),
                               "error": broken[slug]["error"], "repair": broken[slug]["repair"]})
            for lang in langs:
                if (slug, lang) in rows:
                    language = self._language(rows[(slug, lang)])
                    counts = {key: rows[(slug, lang)][key] for key in COUNTS}
                    result.append({"statement": slug, "lang": lang, **counts,
                                   **{key: language[key] for key in ("percent", "ready", "missing", "changed",
                                                                     "catalog", "error", "repair")}})
        return result

    def _relative(self, slug: str, name: str) -> str:
        """A statement's file as the project names it (``translations/<slug>/<name>``)."""
        return f"{self._translations}/{slug}/{name}"

    @functools.cached_property
    def _translations(self) -> str:
        return self.project.relative(self.project.translations_dir)

    def _rows(self, sql: str, params) -> list[dict]:
        cursor = self.db.execute(sql, tuple(params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values)) for values in cursor.fetchall()]


def _read_chunks(reader: Callable, items: list, workers: int) -> Iterator[tuple[int, list]]:
    """(items done, ``reader(chunk)``) for each chunk of :data:`CHUNK` items, in order; with
    ``workers`` > 1 a pool of processes reads ahead while the caller stores."""
    chunks = [items[start:start + CHUNK] for start in range(0, len(items), CHUNK)]
    done = 0
    if workers <= 1:
        for chunk in chunks:
            done += len(chunk)
            yield done, reader(chunk)
        return
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        for chunk, results in zip(chunks, pool.map(reader, chunks)):
            done += len(chunk)
            yield done, results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _insert(db: sqlite3.Connection, sql: str, rows: list[tuple], next_row: int) -> tuple[int | None, int | None, int]:
    """Insert ``rows`` (each without its rowid) at rows next_row…, the first of them highest
    (search shows higher rows first), in ascending order (FTS5 writes its pending data out at
    every row that goes back); (first row, last row, next free row)."""
    if not rows:
        return None, None, next_row
    last = next_row + len(rows) - 1
    db.executemany(sql, ((next_row + number, *row) for number, row in enumerate(reversed(rows))))
    return next_row, last, last + 1


def placeholders(values) -> str:
    return ", ".join("?" * len(values))


# --- the web UI's saves update the index as they write ---------------------------------------------


def note_written(path: Path) -> None:
    """Index a catalog that :func:`catalog.editing` just wrote, if its project has an index.
    A failure here is logged: the file is written, and the next check reads it anyway."""
    try:
        path = Path(path)
        root = path.parent.parent.parent
        if path.suffix != ".po" or not (root / ".chorus" / FILE_NAME).is_file():
            return
        Index(Project.load(root)).note_written(path.parent.name, path.stem)
    except Exception:  # noqa: BLE001 — the write succeeded; the index catches up at its next check
        log.exception("could not index %s after writing it", path)


if note_written not in catalog.AFTER_WRITE:
    catalog.AFTER_WRITE.append(note_written)
