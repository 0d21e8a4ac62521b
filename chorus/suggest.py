"""Proposals for one segment, on demand: each engine of the language's chain, and the memory.

The review page asks for them when a volunteer wants them (a button or Alt+M), not on every
page load. The chain is the language's chain from ``chorus.toml``, in its order:

- ``memory`` gives the best remembered translations of similar sentences with their score
  (``tm 96% <statement>``), the segment itself left out;
- each engine gives its draft, made as pretranslation makes it: protected parts (glossary
  terms, names, URLs, hashtags…) masked before the engine and put back after, the text policy
  applied (:func:`chorus.pretranslate.finish_draft`); a language model gets the whole
  statement as context.

Engines are asked at the same time, each in a thread of its own, so the slowest one sets the
wait. An engine that cannot translate the pair, fails or does not answer is one
:class:`Proposal` with an ``error`` line; the others still answer. Answers are kept in
``.chorus/cache/suggestions.sqlite3`` (by engine, its settings, the pair, the text and the
glossary terms that apply), so a second look costs nothing; a failure is kept for
:data:`RETRY_FAILED` seconds only, so a server that comes back is asked again.

>>> found = suggest(project, "stop-the-attacks", "es", "3f2a9c0d1e2b")   # doctest: +SKIP
>>> [(proposal.origin, proposal.text) for proposal in found.proposals]   # doctest: +SKIP
[('tm 92% harbour-strike', '¡Paren los ataques contra los estibadores!'),
 ('mt apertium', 'Parada los ataques en los trabajadores de puerto!')]
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import polib

from . import catalog, database, engines
from .editing import NotFound, block_kind, catalog_path, segment_id
from .engines import MEMORY, Engine, EngineError, EngineUnavailable
from .engines.base import Passage, StatementJob
from .errors import ChorusError
from .glossary import Glossary, mask
from .project import Project, normalize_lang

MEMORY_LIMIT = 3  # memory matches shown
MEMORY_CUTOFF = 75.0  # the lowest similarity (%) shown (the review page's memory panel uses the same)
RETRY_FAILED = 120  # seconds a failure is remembered before the engine is asked again
MAX_ENGINES = 9  # proposals with one key each: Alt+1 … Alt+9
CACHE_FILE = "suggestions.sqlite3"


@dataclass
class Proposal:
    """One line of the panel: a proposed translation, or why an engine has none."""

    engine: str  # the chain's step: memory, apertium, openai, …
    origin: str  # as a draft of it would say: ``mt apertium en>es>fr``, ``tm 92% harbour-strike``
    text: str | None = None
    error: str | None = None
    score: float | None = None  # memory: similarity in %
    source: str | None = None  # memory: the remembered sentence
    slug: str | None = None  # memory: the statement it is from
    state: str | None = None  # memory: translated or approved
    cached: bool = False  # from the cache: nothing was asked this time

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Suggestions:
    slug: str
    lang: str
    segment: str
    source: str
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def usable(self) -> list[Proposal]:
        """The proposals with a text, in order: the first is Alt+1."""
        return [proposal for proposal in self.proposals if proposal.text][:MAX_ENGINES]

    def as_json(self) -> dict:
        return {"slug": self.slug, "lang": self.lang, "segment": self.segment, "source": self.source,
                "suggestions": [proposal.as_json() for proposal in self.proposals]}


Factory = Callable[[str], Engine]


def suggest(project: Project, slug: str, lang: str, seg_id: str, *, factory: Factory | None = None,
            refresh: bool = False) -> Suggestions:
    """The proposals of the chain of ``lang`` for segment ``seg_id`` of ``slug``.

    Raises :class:`chorus.editing.NotFound` for an unknown statement, language or segment;
    ``refresh`` asks every engine again instead of using the cache.
    """
    path = catalog_path(project, slug, lang)
    lang = normalize_lang(lang)
    po = catalog.read(path)
    entries = catalog.live_entries(po)
    entry = next((item for item in entries if segment_id(item) == seg_id), None)
    if entry is None:
        raise NotFound(seg_id)
    found = Suggestions(slug, lang, seg_id, entry.msgid)
    chain = project.config.chain(lang)
    steps = [step for step in dict.fromkeys(chain)]
    work: dict[str, Callable[[], list[Proposal]]] = {}
    try:
        glossary: Glossary | None = Glossary.load(project)
        glossary_problem = None
    except ChorusError as error:
        glossary, glossary_problem = None, f"the glossary cannot be read: {error}"
    cache = SuggestionCache(project.private_dir / "cache" / CACHE_FILE)
    for step in steps:
        if step == MEMORY:
            work[step] = lambda: _from_memory(project, slug, lang, entry.msgid)
        elif step not in engines.ENGINES:
            work[step] = (lambda name=step: [Proposal(name, f"mt {name}", error=f"{name}: unknown engine in "
                                                      f"chorus.toml (engines: {', '.join(engines.ENGINES)})")])
        elif glossary_problem:
            work[step] = lambda name=step: [Proposal(name, f"mt {name}", error=f"{name}: {glossary_problem}")]
        else:
            job = _Job(project, slug, lang, entry, entries, glossary, cache, factory, refresh)
            work[step] = lambda name=step, job=job: [job.run(name)]
    if not work:
        return found
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="chorus-suggest") as pool:
        futures = {step: pool.submit(task) for step, task in work.items()}
        for step in work:
            try:
                found.proposals.extend(futures[step].result())
            except Exception as error:  # noqa: BLE001 — one broken step costs its line, not the panel
                found.proposals.append(Proposal(step, step, error=f"{step} failed: {type(error).__name__}: {error}"))
    return found


def _from_memory(project: Project, slug: str, lang: str, text: str) -> list[Proposal]:
    from .memory import Memory

    try:
        memory = Memory.load(project, lang)
    except ChorusError as error:
        return [Proposal(MEMORY, "tm", error=f"memory: {error}")]
    proposals = []
    for hit in memory.fuzzy(text, limit=MEMORY_LIMIT + 1, cutoff=MEMORY_CUTOFF):
        if (hit.slug == slug and hit.source == text) or not hit.target:
            continue  # the segment itself
        proposals.append(Proposal(MEMORY, f"tm {int(hit.score)}% {hit.slug}", hit.target, score=round(hit.score),
                                  source=hit.source, slug=hit.slug, state=hit.state))
    if not proposals:
        return [Proposal(MEMORY, "tm", error=f"memory: nothing similar (at least {MEMORY_CUTOFF:g}%) remembered")]
    return proposals[:MEMORY_LIMIT]


@dataclass
class _Job:
    """One segment for the engines: the statement around it, the glossary, the cache."""

    project: Project
    slug: str
    lang: str
    entry: polib.POEntry
    entries: list[polib.POEntry]
    glossary: Glossary
    cache: "SuggestionCache"
    factory: Factory | None
    refresh: bool

    def run(self, name: str) -> Proposal:
        source_lang = self.project.config.source_lang
        text = self.entry.msgid
        key = self._key(name, source_lang, text)
        if not self.refresh:
            kept = self.cache.get(key)
            if kept is not None:
                return Proposal(name, kept["origin"], kept["text"], kept["error"], cached=True)
        engine = None
        origin = f"mt {name}"
        try:
            engine = self.factory(name) if self.factory else engines.for_project(name, self.project)
            engine.check_pair(source_lang, self.lang)
            origin = f"mt {engine.label(source_lang, self.lang)}"
            draft, error = self._translate(engine, source_lang, text)
        except EngineUnavailable as failure:
            draft, error = None, str(failure)
        except (EngineError, ChorusError) as failure:
            draft, error = None, str(failure)
        except Exception as failure:  # noqa: BLE001 — an engine's bug is its own line
            draft, error = None, f"{name} failed: {type(failure).__name__}: {failure}"
        finally:
            if engine is not None:
                engine.close()
        self.cache.put(key, name, self.lang, text, origin, draft, error)
        return Proposal(name, origin, draft, error)

    def _translate(self, engine: Engine, source_lang: str, text: str) -> tuple[str | None, str | None]:
        from .pretranslate import finish_draft

        if engine.document_level:
            passages = [Passage(segment_id(item), item.msgid, block_kind(item),
                                item.msgstr if catalog.state(item) in ("translated", "approved") else None,
                                item is self.entry)
                        for item in self.entries if item.msgid]
            job = StatementJob(self.slug, source_lang, self.lang, passages, self.glossary.for_lang(self.lang))
            answer = engine.translate_statement(job)
            draft = finish_draft(text, answer.drafts.get(segment_id(self.entry)))
            if draft is None:
                return None, "; ".join(answer.problems) or f"{engine.name}: no usable answer"
            return draft, None
        masked = mask(text, self.lang, self.glossary)
        [output] = engine.translate([masked.text], source_lang, self.lang)
        draft = finish_draft(text, output, masked)
        if draft is None:
            why = "no translation" if not output else "the answer lost a protected term, name or address"
            return None, f"{engine.name}: {why}"
        return draft, None

    def _key(self, name: str, source_lang: str, text: str) -> str:
        settings = self.project.config.settings.get(name, {})
        terms = [[term.term, term.translation] for term in self.glossary.terms_in(text, self.lang)]
        parts = [name, settings if isinstance(settings, dict) else {}, source_lang, self.lang, text, terms]
        data = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


class SuggestionCache:
    """sqlite: what an engine proposed for a text (or why it could not), shared by processes."""

    _SCHEMA = ("CREATE TABLE IF NOT EXISTS proposals (key TEXT PRIMARY KEY, engine TEXT, lang TEXT, source TEXT,"
               " origin TEXT, text TEXT, error TEXT, at REAL)")

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = database.connect(self.path)
            db.execute(self._SCHEMA)
            return db
        except (OSError, sqlite3.Error):
            return None  # no cache (read-only storage): every look asks the engines

    def get(self, key: str) -> dict | None:
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT origin, text, error, at FROM proposals WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        finally:
            db.close()
        if row is None or (row[2] and time.time() - row[3] > RETRY_FAILED):
            return None
        return {"origin": row[0], "text": row[1], "error": row[2]}

    def put(self, key: str, engine: str, lang: str, source: str, origin: str, text: str | None,
            error: str | None) -> None:
        with self._lock:
            db = self._connect()
            if db is None:
                return
            try:
                with db:
                    db.execute("INSERT OR REPLACE INTO proposals VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (key, engine, lang, source, origin, text, error, time.time()))
            except sqlite3.Error:
                pass  # a cache that cannot be written costs a second look, nothing else
            finally:
                db.close()
