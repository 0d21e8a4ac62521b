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

import datetime as dt
import hashlib
import math
import re
import sqlite3
import threading
import xml.etree.ElementTree as ET
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator

from babel import Locale, UnknownLocaleError
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from filelock import FileLock

from . import catalog
from .errors import ChorusError
from .project import Project, slugify

INDEX_VERSION = "1"
TM_FOLDER = ".tm"
TMX_PREFIX = "tmx:"
USABLE_STATES = ("translated", "approved")
MAX_TMX_BYTES = 200 * 1024 * 1024
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
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
        data = file.read_bytes()
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
        try:
            pairs = read_tmx_bytes(data, project.config.source_lang, [lang])
        except ChorusError:
            return  # a broken TMX copy is skipped, not fatal to every lookup
        for source, target, _, changed in pairs:
            yield Unit(source, target, TMX_PREFIX + path.stem, "translated", changed or mtime)
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


# --- language codes -------------------------------------------------------------------------


def match_lang(code: str, langs: Iterable[str]) -> str | None:
    """The project language a TMX language code stands for, or None.

    >>> match_lang("es-ES", ["es", "fr"]), match_lang("pt-BR", ["pt_BR"]), match_lang("de", ["fr"])
    ('es', 'pt_BR', None)
    """
    langs = list(langs)
    try:
        locale = Locale.parse(code.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    name = str(locale)
    if name in langs:
        return name
    if locale.language in langs:
        return locale.language
    same_language = [lang for lang in langs if lang.split("_")[0] == locale.language]
    return same_language[0] if len(same_language) == 1 else None


def tmx_lang(lang: str) -> str:
    """``pt_BR`` → ``pt-BR`` (TMX uses RFC 3066 codes)."""
    return lang.replace("_", "-")


# --- TMX ------------------------------------------------------------------------------------

_CODE_ELEMENTS = {"bpt", "ept", "it", "ph", "ut"}  # native codes, not text


def _seg_text(seg: ET.Element) -> str:
    """The text of a ``<seg>``: inline codes (bpt, ept, ph, ...) dropped, ``<hi>`` kept."""
    parts = [seg.text or ""]
    for child in seg:
        if child.tag not in _CODE_ELEMENTS:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _tmx_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp()
    except ValueError:
        return None


def parse_tmx(data: bytes, name: str = "TMX file") -> ET.Element:
    """The root of a TMX document, parsed safely (no entity expansion, no external access)."""
    if len(data) > MAX_TMX_BYTES:
        raise ChorusError(f"{name}: larger than {MAX_TMX_BYTES // (1024 * 1024)} MB")
    try:
        root = safe_fromstring(data)
    except DefusedXmlException as error:
        raise ChorusError(f"{name}: refused, it declares entities or external resources ({type(error).__name__})") from None
    except ET.ParseError as error:
        raise ChorusError(f"{name}: not well-formed XML ({error})") from None
    if root.tag != "tmx":
        raise ChorusError(f"{name}: not a TMX file (root element is <{root.tag}>, expected <tmx>)")
    if root.find("body") is None:
        raise ChorusError(f"{name}: not a TMX file (no <body>)")
    return root


def tmx_pairs(root: ET.Element, source_lang: str, langs: list[str]) -> Iterator[tuple[str, str, str, float | None]]:
    """(source, target, project language, change time) for each translation unit of ``root``.

    Language codes are matched to the project's (``en-US`` → ``en``, ``es-ES`` → ``es``).
    """
    header = root.find("header")
    srclang = header.get("srclang", "*all*") if header is not None else "*all*"
    header_source = source_lang if srclang == "*all*" else match_lang(srclang, [source_lang])
    for tu in root.iter("tu"):
        tu_src = tu.get("srclang")
        unit_source = header_source if not tu_src or tu_src == "*all*" else match_lang(tu_src, [source_lang])
        if unit_source is None:
            continue
        texts: dict[str, str] = {}
        source_text = None
        for tuv in tu.findall("tuv"):
            code = tuv.get(XML_LANG) or tuv.get("lang") or ""
            seg = tuv.find("seg")
            if seg is None:
                continue
            text = _seg_text(seg).strip()
            if not text:
                continue
            if source_text is None and match_lang(code, [source_lang]):
                source_text = text
                continue
            lang = match_lang(code, langs)
            if lang and lang not in texts:
                texts[lang] = text
        if source_text is None:
            continue
        changed = _tmx_date(tu.get("changedate")) or _tmx_date(tu.get("creationdate"))
        for lang, text in texts.items():
            yield source_text, text, lang, changed


def read_tmx_bytes(data: bytes, source_lang: str, langs: list[str], name: str = "TMX file"):
    return list(tmx_pairs(parse_tmx(data, name), source_lang, langs))


def import_tmx(project: Project, file: Path) -> dict[str, int]:
    """Add the units of ``file`` to the memory; returns the number of pairs per language.

    The file is checked, then kept in ``translations/.tm/<name>.tmx`` (importing a file of the
    same name again replaces it). Its units appear with the slug ``tmx:<name>``.
    """
    file = Path(file)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ChorusError(f"{file}: no such file") from None
    except (IsADirectoryError, PermissionError) as error:
        raise ChorusError(f"{file}: cannot read ({error.strerror})") from None
    pairs = read_tmx_bytes(data, project.config.source_lang, project.config.langs, name=str(file))
    counts: dict[str, int] = {}
    for _, _, lang, _ in pairs:
        counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        raise ChorusError(
            f"{file}: no translation unit from {project.config.source_lang} into a language of this project "
            f"({', '.join(project.config.langs)})"
        )
    stem = slugify(file.name[: -len(file.suffix)] if file.suffix else file.name)
    if not stem:
        raise ChorusError(f"{file}: the file name gives no usable name (use letters or digits)")
    catalog.atomic_write(tm_dir(project) / f"{stem}.tmx", data)
    return counts


def _stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def export_tmx(project: Project, lang: str, file: Path) -> int:
    """Write the memory of ``lang`` as TMX 1.4 to ``file``; returns the number of units."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("chorus")
    except PackageNotFoundError:
        tool_version = "0"
    memory = Memory.load(project, lang)
    source_code = tmx_lang(project.config.source_lang)
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(root, "header", {
        "creationtool": "Chorus", "creationtoolversion": tool_version, "segtype": "sentence",
        "o-tmf": "Chorus", "adminlang": "en", "srclang": source_code, "datatype": "plaintext",
        "creationdate": _stamp(dt.datetime.now(dt.timezone.utc).timestamp()),
    })
    body = ET.SubElement(root, "body")
    units = sorted(memory.units(), key=lambda u: (u.source, not u.state == "approved", u.target))
    seen: set[tuple[str, str]] = set()
    for unit in units:
        if (unit.source, unit.target) in seen:
            continue
        seen.add((unit.source, unit.target))
        tu = ET.SubElement(body, "tu", {"tuid": str(len(seen)), "changedate": _stamp(unit.changed)})
        ET.SubElement(tu, "prop", type="x-chorus-statement").text = unit.slug
        ET.SubElement(tu, "prop", type="x-chorus-state").text = unit.state
        for code, text in ((source_code, unit.source), (tmx_lang(lang), unit.target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: code})
            ET.SubElement(tuv, "seg").text = text
    ET.indent(root)
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            + ET.tostring(root, encoding="unicode") + "\n")
    catalog.atomic_write(Path(file), text.encode("utf-8"))
    return len(seen)
