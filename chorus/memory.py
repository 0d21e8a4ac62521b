"""Translation memory: what volunteers already translated, found again by exact or fuzzy match.

The memory of a language holds the *translated* and *approved* entries of every catalog of that
language (``translations/*/<lang>.po``) plus the units of imported TMX files (kept in
``translations/.tm/``). An index under ``.chorus/memory/`` (SQLite) remembers each file's size,
modification time and hash, so a lookup re-reads only the catalogs that changed since.

>>> memory = Memory("es", [Unit("Solidarity!", "¡Solidaridad!", "a", "approved", 1.0)])
>>> memory.exact("Solidarity!").target
'¡Solidaridad!'
>>> [round(s.score) for s in memory.fuzzy("Solidarity")]
[95]

Fuzzy scores are rapidfuzz's ``fuzz.ratio`` (0–100). To stay fast on large memories a lookup
only scores entries whose length makes the cutoff reachable and, when more than a few thousand
are left and the query has three or more distinct words, that share at least a quarter of the
query's informative words (words found in at most a tenth of the entries, or never seen). Word-level edits (a word replaced, dropped or
added) and typos keep a similar sentence well above that; a text garbled in every word may be
missed.
"""

from __future__ import annotations

import hashlib
import math
import re
import sqlite3
import threading
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator

from filelock import FileLock

from . import catalog, tmx
from .errors import ChorusError
from .files import is_regular, read_regular
from .project import TM_FOLDER, Project, slugify
from .tmx import MAX_TMX_BYTES, MAX_TMX_DEPTH, match_lang, tmx_lang  # noqa: F401  (the memory's TMX names)

INDEX_VERSION = "2"  # 2: TMX units matched against every project language, with their state
TMX_PREFIX = "tmx:"
USABLE_STATES = ("translated", "approved")
_WORD = re.compile(r"\w+")
_COMMON_SHARE = 0.1  # words in more than this share of entries say little about a match
_SHARED_PART = 4  # a candidate shares at least a quarter of the query's informative words
_SCORE_ALL = 5000  # fewer candidates than this are all scored (no word index needed)


@dataclass
class Suggestion:
    source: str
    target: str
    score: float
    slug: str
    state: str


@dataclass
class Unit:
    """One remembered pair; ``changed`` orders units from oldest to most recent."""

    source: str
    target: str
    slug: str
    state: str
    changed: float


def _preference(unit: Unit) -> tuple[bool, float]:
    """Approved first, then the most recent."""
    return (unit.state == "approved", unit.changed)


# --- the in-memory lookup structure ---------------------------------------------------------


class Memory:
    """All remembered pairs of one language, ready for lookups."""

    def __init__(self, lang: str, units: Iterable[Unit]):
        self.lang = lang
        by_source: dict[str, list[Unit]] = {}
        for unit in units:
            by_source.setdefault(unit.source, []).append(unit)
        for group in by_source.values():
            group.sort(key=_preference, reverse=True)
        self._by_source = by_source
        self._keys = sorted(by_source, key=len)
        self._lengths = [len(key) for key in self._keys]

    @cached_property
    def _postings(self) -> dict:
        """Word → key positions, built on the first fuzzy lookup (exact lookups never need it)."""
        return _word_postings(self._keys)

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_source.values())

    def units(self) -> Iterator[Unit]:
        for group in self._by_source.values():
            yield from group

    def translations_of(self, text: str) -> list[Unit]:
        """Every remembered translation of exactly ``text``, approved and most recent first."""
        return list(self._by_source.get(text, ()))

    @classmethod
    def load(cls, project: Project, lang: str) -> "Memory":
        """The memory of ``lang``, refreshing the on-disk index from changed files first."""
        return _load(project, lang)

    def exact(self, text: str, exclude_slug: str | None = None) -> Suggestion | None:
        """The remembered translation of exactly ``text``: approved first, then most recent."""
        for unit in self._by_source.get(text, ()):
            if unit.slug != exclude_slug:
                return Suggestion(unit.source, unit.target, 100.0, unit.slug, unit.state)
        return None

    def fuzzy(self, text: str, limit: int = 5, cutoff: float = 75.0,
              exclude_slug: str | None = None) -> list[Suggestion]:
        """Similar remembered sources, best first (one suggestion per distinct translation)."""
        if not text or not self._keys or limit <= 0:
            return []
        from rapidfuzz import fuzz, process  # imported on first use: exact lookups skip it

        choices = self._candidates(text, cutoff)
        hits = process.extract(text, choices, scorer=fuzz.ratio, score_cutoff=cutoff,
                               limit=max(limit * 3, limit + 10))
        found: list[tuple[float, tuple[bool, float], Unit]] = []
        for source, score, _ in hits:
            seen: set[str] = set()
            for unit in self._by_source[source]:
                if unit.slug == exclude_slug or unit.target in seen:
                    continue
                seen.add(unit.target)
                found.append((score, _preference(unit), unit))
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [Suggestion(u.source, u.target, round(score, 2), u.slug, u.state)
                for score, _, u in found[:limit]]

    def _candidates(self, text: str, cutoff: float) -> list[str]:
        low, high = _length_window(len(text), cutoff)
        start = bisect_left(self._lengths, low)
        stop = bisect_right(self._lengths, high)
        if stop <= start:
            return []
        words = {word.lower() for word in _WORD.findall(text)}
        if len(words) < 3 or stop - start <= _SCORE_ALL:
            return self._keys[start:stop]
        common = max(50, int(len(self._keys) * _COMMON_SHARE))
        lists = [self._postings.get(word) for word in words]
        informative = [ids for ids in lists if ids is not None and len(ids) <= common]
        if not informative:
            return self._keys[start:stop]
        # Words the memory never saw count too: a query full of them is far from everything.
        need = max(1, math.ceil(sum(ids is None or len(ids) <= common for ids in lists) / _SHARED_PART))
        import numpy as np  # imported on first use: exact lookups and pretranslation skip it

        counts = np.bincount(np.concatenate(informative), minlength=len(self._keys))[start:stop]
        return [self._keys[start + i] for i in np.flatnonzero(counts >= need)]


def _length_window(length: int, cutoff: float) -> tuple[int, int]:
    """Lengths for which ``fuzz.ratio`` can reach ``cutoff``: it is at most 2·min/(sum)."""
    share = min(max(cutoff, 1.0), 100.0) / 100
    return math.ceil(length * share / (2 - share) - 1e-9), math.floor(length * (2 - share) / share + 1e-9)


def _word_postings(keys: list[str]) -> dict:
    """For each lowercase word, the (sorted) positions of the keys holding it."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    findall = _WORD.findall
    for position, key in enumerate(keys):
        for word in set(findall(key.lower())):
            postings[word].append(position)
    import numpy as np

    return {word: np.array(ids, dtype=np.int32) for word, ids in postings.items()}


# --- the on-disk index ----------------------------------------------------------------------

_cache: dict[str, tuple[tuple, Memory]] = {}
_cache_lock = threading.Lock()


def tm_dir(project: Project) -> Path:
    """Where imported TMX files are kept (with the translations, so they travel with them)."""
    return project.translations_dir / TM_FOLDER


def index_path(project: Project, lang: str) -> Path:
    return project.private_dir / "memory" / f"{lang}.sqlite3"


def _sources(project: Project, lang: str) -> dict[str, Path]:
    """The files the memory of ``lang`` is built from, by path relative to the project."""
    found: dict[str, Path] = {}
    for slug in project.statements():
        path = project.catalog_path(slug, lang)
        if path.is_file():
            found[project.relative(path)] = path
    folder = tm_dir(project)
    if folder.is_dir():
        for path in sorted(folder.glob("*.tmx")):
            if is_regular(path):  # never a link out of the project, nor a FIFO that would hang
                found[project.relative(path)] = path
    return found


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    connection.executescript(
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS files (
            path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, digest TEXT);
        CREATE TABLE IF NOT EXISTS units (
            file TEXT, slug TEXT, source TEXT, target TEXT, state TEXT, changed REAL);
        CREATE INDEX IF NOT EXISTS units_file ON units(file);
        """
    )
    row = connection.execute("SELECT value FROM meta WHERE key='version'").fetchone()
    if row is None or row[0] != INDEX_VERSION:
        with connection:
            connection.execute("DELETE FROM files")
            connection.execute("DELETE FROM units")
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
    return connection


def refresh(project: Project, lang: str) -> tuple:
    """Bring the index of ``lang`` up to date; re-read only new or changed files.

    Returns a signature of the indexed files (it changes whenever the memory changes).
    """
    path = index_path(project, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=60):
        connection = _connect(path)
        try:
            with connection:
                _refresh(connection, project, lang)
            rows = connection.execute("SELECT path, mtime_ns, size, digest FROM files ORDER BY path").fetchall()
        finally:
            connection.close()
    return tuple(rows)


def _refresh(connection: sqlite3.Connection, project: Project, lang: str) -> None:
    known = {row[0]: row[1:] for row in connection.execute("SELECT path, mtime_ns, size, digest FROM files")}
    current = _sources(project, lang)
    for name in set(known) - set(current):
        connection.execute("DELETE FROM units WHERE file=?", (name,))
        connection.execute("DELETE FROM files WHERE path=?", (name,))
    for name, file in current.items():
        try:
            info = file.stat()
        except FileNotFoundError:
            continue
        old = known.get(name)
        if old and old[0] == info.st_mtime_ns and old[1] == info.st_size:
            continue
        try:
            data = read_regular(file, MAX_TMX_BYTES, "TMX file") if file.suffix == ".tmx" else file.read_bytes()
        except ChorusError:
            continue  # replaced meanwhile by something that is not a TMX file: left out
        digest = hashlib.sha256(data).hexdigest()
        if not old or old[2] != digest:
            units = list(_read_units(project, lang, file, data, info.st_mtime_ns / 1e9))
            connection.execute("DELETE FROM units WHERE file=?", (name,))
            connection.executemany(
                "INSERT INTO units VALUES (?, ?, ?, ?, ?, ?)",
                ((name, u.slug, u.source, u.target, u.state, u.changed) for u in units),
            )
        connection.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                           (name, info.st_mtime_ns, info.st_size, digest))


def _read_units(project: Project, lang: str, path: Path, data: bytes, mtime: float) -> Iterator[Unit]:
    if path.suffix == ".tmx":
        try:  # every project language competes for each variant: fr-CA text is not fr's
            pairs = tmx.read(data, project.config.source_lang, project.config.langs, str(path))
        except ChorusError:
            return  # a broken TMX copy is skipped, not fatal to every lookup
        for pair in pairs:
            if pair.lang == lang:
                yield Unit(pair.source, pair.target, TMX_PREFIX + path.stem, pair.state, pair.changed or mtime)
        return
    try:
        _, entries = catalog.read_states(path)
    except ChorusError:
        return  # a broken catalog gives no suggestions; the catalog commands report it
    slug = path.parent.name
    for msgid, (msgstr, current) in entries.items():
        if current in USABLE_STATES:
            yield Unit(msgid, msgstr, slug, current, mtime)


def _load(project: Project, lang: str) -> Memory:
    signature = refresh(project, lang)
    key = str(index_path(project, lang))
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == signature:
            return cached[1]
    connection = sqlite3.connect(index_path(project, lang), timeout=30)
    try:
        rows = connection.execute("SELECT source, target, slug, state, changed FROM units").fetchall()
    finally:
        connection.close()
    memory = Memory(lang, (Unit(*row) for row in rows))
    with _cache_lock:
        _cache[key] = (signature, memory)
    return memory


# --- TMX files -----------------------------------------------------------------------------

# Names every OmegaT project gives its memory: such files are kept under the name of the
# folder they come from, so that the memories of several projects do not replace each other.
GENERIC_NAMES = ("project-save",)
_NOT_ORIGINS = {"omegat", "tm", "tmx", "auto", "enforce", "mt", "export", "exports", "memory", "memories"}


def import_tmx(project: Project, file: Path) -> dict[str, int]:
    """Add the units of ``file`` to the memory; returns the number of pairs per language.

    ``file`` is a TMX file, gzip-compressed or not, or a zip archive of TMX files (see
    :mod:`chorus.tmx`). It is checked, then kept, uncompressed, as
    ``translations/.tm/<name>.tmx`` (:func:`stored_name`); importing a file of the same name
    again replaces it. Its units appear with the slug ``tmx:<name>``.
    """
    file = Path(file)
    documents = tmx.read_file(file)  # size checked before reading, and while unpacking
    counts: dict[str, int] = {}
    for member, data in documents:
        root = tmx.parse(data, member)
        for pair in tmx.pairs(root, project.config.source_lang, project.config.langs, strict=True, name=member):
            counts[pair.lang] = counts.get(pair.lang, 0) + 1
    if not counts:
        raise ChorusError(
            f"{file}: no translation unit from {project.config.source_lang} into a language of this project "
            f"({', '.join(project.config.langs)})"
        )
    tm_dir(project).mkdir(parents=True, exist_ok=True)
    for target, (_, data) in zip(stored_paths(project, file, len(documents)), documents):
        with catalog.locked(target):  # two imports of one name: one after the other, never mixed
            catalog.atomic_write(target, data)
    return counts


def stored_paths(project: Project, file: Path, count: int = 1) -> list[Path]:
    """Where the TMX documents of ``file`` are kept (``<name>-<n>.tmx`` for several in a zip)."""
    name = stored_name(file)
    if count == 1:
        return [tm_dir(project) / f"{name}.tmx"]
    return [tm_dir(project) / f"{name}-{number}.tmx" for number in range(1, count + 1)]


def stored_name(file: Path) -> str:
    """The name a TMX file is kept under: its own (``shared-memory.tmx`` → ``shared-memory``),
    or, for the names every OmegaT project uses (``project_save.tmx``), that of the project
    folder it comes from (``harbour-es/omegat/project_save.tmx`` → ``harbour-es-project-save``).
    """
    base = file.name
    for suffix in (".gz", ".zip", ".tmx"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    stem = slugify(base)
    if not stem:
        raise ChorusError(f"{file}: the file name gives no usable name (use letters or digits)")
    if stem in GENERIC_NAMES:
        for folder in file.resolve().parents:
            origin = slugify(folder.name)
            if origin and origin not in _NOT_ORIGINS:
                return f"{origin}-{stem}"[:80].strip("-")
    return stem


def export_tmx(project: Project, lang: str, file: Path) -> int:
    """Write the memory of ``lang`` as TMX 1.4 to ``file``; returns the number of units."""
    return write_tmx(project, lang, file)[0]


def write_tmx(project: Project, lang: str, file: Path) -> tuple[int, int]:
    """:func:`export_tmx`, returning (units written, units left out). Texts XML cannot hold
    are written as the text policy has them (separators as spaces); a unit with another
    control character is left out."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("chorus")
    except PackageNotFoundError:
        tool_version = "0"
    memory = Memory.load(project, lang)
    data, count, left_out = tmx.document(memory.units(), project.config.source_lang, lang, tool_version)
    catalog.atomic_write(Path(file), data)
    return count, left_out
