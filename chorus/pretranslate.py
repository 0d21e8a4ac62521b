"""Machine pretranslation: fill empty segments with drafts from memory and engines.

For each language the chain from chorus.toml is tried in order (default ``memory``, then
``apertium``); the first source that gives a draft wins.

- ``memory`` comes first: the same source text translated or approved in another statement
  (``# chorus: tm 100% <slug>``), else the closest similar one at or above
  ``memory_threshold`` (default 90 %): ``# chorus: tm 96% <slug>``, with the remembered
  source kept as the entry's previous source (``#| msgid``), so the reviewer sees what differs
  (gettext tools show it the same way).
- Then the engines. Their drafts say which engine made them (``# chorus: mt apertium``, or
  the chain of a pivot: ``# chorus: mt apertium en>es>fr``).

Drafts are always fuzzy. Translated and approved entries are never touched. ``force`` drafts
machine drafts again; a draft that carries an earlier source (``#| msgid``: the translation
of a sentence that was edited since, possibly reviewed, or a memory match of a similar
sentence) holds a volunteer's words and is replaced only with ``redraft_changed``.

Before an engine sees a text, glossary terms, URLs, addresses, hashtags, handles and link
targets are masked (:mod:`chorus.glossary`); a draft whose protected parts did not survive is
not used, and the next engine of the chain gets the text. Document-level engines (a language
model) get whole statements with the glossary instead, and check their own answers.

Work is saved batch by batch (one engine call, then one locked read-modify-write of each
catalog concerned), so an interrupted run loses at most the batch in flight and the next run
picks up where it stopped. The first hard failure of an engine (an HTTP error, a server that
does not answer) is one line, and the engine is not asked again in this run; the chain goes on
with the next engine, and the other languages are not affected.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import polib

from . import catalog, engines
from .engines import MEMORY, Engine, EngineError, EngineUnavailable
from .engines.base import Passage, StatementJob
from .errors import ChorusError
from .glossary import Glossary, Masked, MaskLost, mask
from .prestart import write_plan
from .project import TM_FOLDER, Project
from .text import TextRefused, clean_translation

MACHINE_ORIGINS = ("mt ", "tm ")
DEFAULT_MEMORY_THRESHOLD = 90
MIN_MEMORY_THRESHOLD = 50
_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")


@dataclass
class LangResult:
    """What a run did for one language."""

    lang: str
    pending: int = 0
    memory: int = 0
    memory_fuzzy: int = 0  # of ``memory``: similar sentences rather than the same one
    engines: Counter = field(default_factory=Counter)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return self.memory + sum(self.engines.values())


@dataclass(frozen=True)
class Draft:
    text: str
    origin: str  # the translator comment after "chorus: "
    previous: str | None = None  # the source the text was made for, when not this one


# (slug, msgctxt, msgid) names one entry of one catalog of the language being worked on.
Key = tuple[str, str | None, str]
Progress = Callable[[str, int, int], None]  # (lang, done so far, total)


def is_machine_draft(entry: polib.POEntry) -> bool:
    """A fuzzy draft made by memory or an engine for exactly this source text."""
    return (catalog.state(entry) == "fuzzy" and not entry.previous_msgid
            and (catalog.origin(entry) or "").startswith(MACHINE_ORIGINS))


def is_changed_draft(entry: polib.POEntry) -> bool:
    """A fuzzy entry that carries an earlier source (``#| msgid``): may hold reviewed work."""
    return catalog.state(entry) == "fuzzy" and bool(entry.previous_msgid)


def wanted(entry: polib.POEntry, force: bool, redraft_changed: bool = False) -> bool:
    """Does this entry get a draft? Empty ones do; with ``force`` machine drafts too; with
    ``redraft_changed`` drafts that carry an earlier source too."""
    if entry.obsolete or entry.msgid_plural or not entry.msgid:
        return False
    state = catalog.state(entry)
    return (state == "untranslated" or (force and is_machine_draft(entry))
            or (redraft_changed and is_changed_draft(entry)))


def chain_for(project: Project, lang: str, engine: str | None = None) -> list[str]:
    """The chain of a language; ``engine`` replaces its engines (the memory step stays)."""
    chain = project.config.chain(lang)
    if engine:
        keep_memory = MEMORY in chain and engine != MEMORY
        chain = [MEMORY, engine] if keep_memory else [engine]
    for name in chain:
        if name != MEMORY and name not in engines.ENGINES:
            raise ChorusError(f"chorus.toml: unknown engine {name!r} in the chain of {lang} "
                              f"(engines: {MEMORY}, {', '.join(engines.ENGINES)})")
    return chain


def memory_threshold(project: Project) -> float:
    """``memory_threshold`` from chorus.toml: the lowest similarity (%) a memory draft may have."""
    value = project.config.settings.get("memory_threshold", DEFAULT_MEMORY_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not MIN_MEMORY_THRESHOLD <= value <= 100:
        raise ChorusError(f"chorus.toml: memory_threshold must be a number from {MIN_MEMORY_THRESHOLD} to 100 "
                          f"(a percentage; default {DEFAULT_MEMORY_THRESHOLD})")
    return float(value)


@dataclass
class _Run:
    """What the languages of one run share: the engines made so far and those stopped."""

    project: Project
    glossary: Glossary
    threshold: float
    force: bool
    redraft_changed: bool
    progress: Progress | None
    factory: Callable[[str], Engine]
    complete: bool = False  # every statement of the project is in the run
    made: dict[str, Engine] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # engine → its hard failure

    def engine(self, name: str) -> Engine:
        if name not in self.made:
            self.made[name] = self.factory(name)
        return self.made[name]


@dataclass
class _Work:
    """The entries of one language that want a draft, and the statements around them."""

    pending: dict[Key, str] = field(default_factory=dict)  # key → source text, in catalog order
    statements: dict[str, list[Passage]] = field(default_factory=dict)  # slug → every segment
    reviewed: int = 0  # translated and approved entries seen
    parsed: dict[str, tuple] = field(default_factory=dict)  # slug → (file stamp, catalog as read)


def pretranslate(project: Project, slugs: list[str] | None = None, langs: list[str] | None = None,
                 engine: str | None = None, force: bool = False, progress: Progress | None = None,
                 engine_factory: Callable[[str], Engine] | None = None,
                 redraft_changed: bool = False) -> list[LangResult]:
    """Draft every empty segment of the chosen statements and languages; a result per language."""
    chosen = project.resolve(slugs or [])
    targets = project.resolve_langs(langs)
    chains = {lang: chain_for(project, lang, engine) for lang in targets}
    threshold = memory_threshold(project)
    run = _Run(project, Glossary(), threshold, force, redraft_changed, progress,
               engine_factory or (lambda name: engines.for_project(name, project)),
               complete=set(chosen) == set(project.statements()))
    try:
        for name in dict.fromkeys(step for chain in chains.values() for step in chain if step != MEMORY):
            run.engine(name)  # settings are checked before anything starts
        redraftable = ("untranslated", "fuzzy") if force or redraft_changed else ("untranslated",)
        for lang in targets:
            started = False
            for slug in chosen:  # a broken catalog is bad input: refuse it before anything is written
                path = project.catalog_path(slug, lang)
                if not path.is_file():
                    continue
                states = catalog.read_states(path)[1].values()
                if not started and any(state in redraftable for _, state in states):
                    _warm_up(run, lang, chains[lang])  # it starts (Apertium loads its dictionaries)
                    started = True  # while the catalogs are read
        run.glossary = Glossary.load(project)
        results = [_run_lang(run, chosen, lang, chains[lang]) for lang in targets]
        _plan_next_start(run)
        return results
    finally:
        for made_engine in run.made.values():
            made_engine.close()


def _plan_next_start(run: _Run) -> None:
    """What the next ``chorus pretranslate`` starts before Chorus is imported
    (:mod:`chorus.prestart`): per language, the first engine of its chain and its Apertium modes."""
    from .engines.apertium import ApertiumEngine

    apertium = run.made.get("apertium")
    if not isinstance(apertium, ApertiumEngine):
        return
    project, langs = run.project, {}
    try:
        for lang in project.config.langs:
            first = next((step for step in project.config.chain(lang) if step != MEMORY), "")
            found = apertium.chain(project.config.source_lang, lang)
            langs[lang] = (first, list(found.modes) if found else [])
    except (OSError, ChorusError):
        return
    write_plan(str(project.root), str(apertium.modes_dir), langs)


def _run_lang(run: _Run, slugs: list[str], lang: str, chain: list[str]) -> LangResult:
    project, source = run.project, run.project.config.source_lang
    result = LangResult(lang)
    work = _pending(run, slugs, lang, result)
    pending = work.pending
    result.pending = len(pending)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if run.progress:
            run.progress(lang, done, result.pending)

    advance(0)
    for index, step in enumerate(chain):
        if not pending:
            break
        if step == MEMORY:
            filled = _from_memory(run, lang, pending, result) if _may_remember(run, work) else {}
            result.memory += _save(run, lang, filled, work)
            result.memory_fuzzy += sum(1 for draft in filled.values() if draft.previous)
            advance(len(filled))
            continue
        if step in run.stopped:
            continue
        try:
            source_engine = run.engine(step)
            source_engine.check_pair(source, lang)
        except EngineUnavailable as error:
            result.errors.append(str(error))
            continue
        except EngineError as error:  # the service itself failed (e.g. no list of pairs)
            _stop(run, step, error, len(pending), chain[index + 1:], result)
            continue
        drafts = (_from_statements(source_engine, source, lang, work, run.glossary, result)
                  if source_engine.document_level
                  else _from_engine(source_engine, source, lang, pending, run.glossary))
        try:
            for filled in drafts:
                result.engines[step] += _save(run, lang, filled, work)
                advance(len(filled))
        except EngineError as error:
            _stop(run, step, error, len(pending), chain[index + 1:], result)
        except Exception as error:  # an engine bug must not stop the other languages
            _stop(run, step, EngineError(f"{step} failed: {type(error).__name__}: {error}"), len(pending),
                  chain[index + 1:], result)
    result.failed = len(pending)
    return result


def _stop(run: _Run, name: str, error: EngineError, left: int, rest: list[str], result: LangResult) -> None:
    """One line for the first hard failure of an engine; it is not asked again in this run."""
    run.stopped[name] = str(error)
    goes_on = any(step not in run.stopped and step != MEMORY for step in rest)
    where = "left to the next engine" if goes_on else "left without a draft"
    result.errors.append(f"{error}; {left} segment{'s' if left != 1 else ''} {where}")


def _warm_up(run: _Run, lang: str, chain: list[str]) -> None:
    """Let the first engine of the chain start while the catalogs are read (Apertium takes a
    moment to load its dictionaries); problems are left for the run to report."""
    first = next((step for step in chain if step != MEMORY and step not in run.stopped), None)
    if first:
        try:
            run.engine(first).warm_up(run.project.config.source_lang, lang)
        except EngineError:
            pass


def _pending(run: _Run, slugs: list[str], lang: str, result: LangResult) -> _Work:
    """Entries that want a draft (in catalog order), and every segment of their statements."""
    project, work = run.project, _Work()
    for slug in slugs:
        path = project.catalog_path(slug, lang)
        if not path.is_file():
            result.errors.append(f"{project.relative(path)}: no catalog (run 'chorus update {slug}')")
            continue
        stamp = _stamp(path)  # before reading: a file replaced meanwhile is read again at save
        try:
            po = catalog.read(path)
        except ChorusError as error:
            result.errors.append(str(error))
            continue
        work.parsed[slug] = (stamp, po)
        passages = []
        for entry in po:
            if entry.obsolete or not entry.msgid:
                continue
            key = (slug, entry.msgctxt, entry.msgid)
            wants = wanted(entry, run.force, run.redraft_changed)
            reviewed = entry.msgstr if catalog.state(entry) in ("translated", "approved") else None
            work.reviewed += reviewed is not None
            passages.append(Passage(key, entry.msgid, _kind(entry), reviewed, wants))
            if wants:
                work.pending[key] = entry.msgid
        if any(passage.wanted for passage in passages):
            work.statements[slug] = passages
    return work


def _may_remember(run: _Run, work: _Work) -> bool:
    """False when the memory is sure to be empty: every catalog of the language was just read
    and holds nothing translated, and no TMX file was imported. The index is then not read."""
    if not run.complete or work.reviewed:
        return True
    folder = run.project.translations_dir / TM_FOLDER  # memory.tm_dir, without importing the memory
    return folder.is_dir() and any(folder.glob("*.tmx"))


def _kind(entry: polib.POEntry) -> str:
    first = (entry.comment or "").splitlines()[:1]
    return first[0].strip() if first and not first[0].startswith("[") else ""


def _from_memory(run: _Run, lang: str, pending: dict[Key, str], result: LangResult) -> dict[Key, Draft]:
    """The same sentence from another statement, else the closest one above the threshold."""
    from .memory import Memory

    try:
        memory = Memory.load(run.project, lang)
    except ChorusError as error:
        result.errors.append(f"memory: {error}")
        return {}
    filled: dict[Key, Draft] = {}
    found: dict[str, Draft | None] = {}  # a text pending in several statements is looked up once
    for key, text in pending.items():
        suggestion = memory.exact(text, exclude_slug=key[0])
        if suggestion is not None and suggestion.target:
            filled[key] = Draft(suggestion.target, f"tm 100% {suggestion.slug}")
            continue
        if run.threshold >= 100:
            continue
        if text not in found:
            best = memory.fuzzy(text, limit=1, cutoff=run.threshold)
            hit = best[0] if best and best[0].target and best[0].source != text else None
            found[text] = Draft(hit.target, f"tm {int(hit.score)}% {hit.slug}", hit.source) if hit else None
        if found[text] is not None:
            filled[key] = found[text]
    for key in filled:
        del pending[key]
    return filled


def _from_engine(engine: Engine, source: str, lang: str, pending: dict[Key, str],
                 glossary: Glossary) -> Iterator[dict[Key, Draft]]:
    """The drafts of one engine, statement by statement (each time: key → draft), as soon as
    every text of a statement is back: each catalog is written once, while the engine works
    on the next statements. A hard failure is raised after the drafts made before it."""
    texts = list(dict.fromkeys(pending.values()))
    masks = {text: mask(text, lang, glossary) for text in texts}
    origin = f"mt {engine.label(source, lang)}"
    size = max(1, int(engine.settings.get("batch_size") or engine.batch_size))
    batches = _batches(pending, size)
    waiting: dict[str, set[str]] = defaultdict(set)  # statement → its texts not back yet
    for (slug, _, _), text in pending.items():
        waiting[slug].add(text)
    back: dict[str, str | None] = {}  # text → its draft, or None when it gave none
    translated = engine.translate_many([[masks[text].text for text in batch] for batch in batches], source, lang)
    try:
        for batch in batches:
            failure = None
            try:
                outputs = next(translated)
            except EngineError as error:
                failure, outputs = error, error.partial or []
            for text, output in zip(batch, outputs):
                back[text] = finish_draft(text, output, masks[text])
            ready = {slug for slug, left in waiting.items() if failure or left <= back.keys()}
            for slug in ready:
                del waiting[slug]
            filled = {key: Draft(back[text], origin) for key, text in pending.items()
                      if key[0] in ready and back.get(text)}
            for key in filled:
                del pending[key]
            yield filled
            if failure is not None:
                raise failure
    finally:
        translated.close()


def finish_draft(text: str, output: str | None, masked: Masked | None = None) -> str | None:
    """An engine's output for ``text`` as a catalog may store it: the protected parts put back
    (``masked``), then the text policy every entry follows (:func:`chorus.text.clean_translation`:
    line and page separators become spaces, leading and trailing newlines follow the source).
    None when a protected part did not survive or the output holds a character no catalog
    stores (a control character).

    >>> finish_draft("Stop the attacks", "Paren\\u2028los\\vataques")
    'Paren los ataques'
    >>> finish_draft("Stop", "Paren\\x07") is None
    True
    """
    if not output:
        return None
    if "  " not in text:
        output = _SPACES.sub(" ", output)  # a dropped word leaves two spaces behind
    try:
        restored = masked.restore(output) if masked is not None else output
        return clean_translation(text, restored) or None
    except (MaskLost, TextRefused):
        return None


def _batches(pending: dict[Key, str], size: int) -> list[list[str]]:
    """The distinct texts in batches, one per statement (split when longer than ``size``): each
    catalog is written once, as soon as its statement's drafts are in, while the engine works
    on the next statements. (A text already in an earlier statement's batch is not repeated.)"""
    by_slug: dict[str, list[str]] = {}
    seen: set[str] = set()
    for (slug, _, _), text in pending.items():
        if text not in seen:
            seen.add(text)
            by_slug.setdefault(slug, []).append(text)
    batches: list[list[str]] = []
    for texts in by_slug.values():
        for start in range(0, len(texts), size):
            batches.append(texts[start:start + size])
    return batches


def _from_statements(engine: Engine, source: str, lang: str, work: _Work, glossary: Glossary,
                     result: LangResult) -> Iterator[dict[Key, Draft]]:
    """The drafts of a document-level engine, statement by statement."""
    origin = f"mt {engine.label(source, lang)}"
    terms = glossary.for_lang(lang)
    for slug, passages in work.statements.items():
        wanted_here = [passage for passage in passages if passage.key in work.pending]
        if not wanted_here:
            continue
        job = StatementJob(slug, source, lang, [
            Passage(p.key, p.text, p.kind, p.translation, p.key in work.pending) for p in passages
        ], terms)
        answer = engine.translate_statement(job)
        result.errors.extend(answer.problems)
        filled = {}
        for key, text in answer.drafts.items():
            draft = finish_draft(work.pending[key], text) if key in work.pending else None
            if draft:
                filled[key] = Draft(draft, origin)
        for key in filled:
            del work.pending[key]
        yield filled


def _save(run: _Run, lang: str, filled: dict[Key, Draft], work: _Work) -> int:
    """Write drafts into their catalogs (locked read-modify-write); how many were set.

    A catalog is read again under its lock unless it is, to the inode, size and modification
    time, the file this run read (or last wrote): then the copy in hand is used. An entry a
    volunteer translated while the engine was working is left as the volunteer wrote it.
    """
    by_slug: dict[str, dict[tuple[str | None, str], Draft]] = defaultdict(dict)
    for (slug, context, msgid), draft in filled.items():
        by_slug[slug][(context, msgid)] = draft
    if not by_slug:
        return 0
    paths = {slug: run.project.catalog_path(slug, lang) for slug in by_slug}
    written = 0
    with ExitStack() as locks:
        for path in sorted(paths.values()):  # one order for every writer: no deadlock
            locks.enter_context(catalog.locked(path))
        changed: dict[str, polib.POFile] = {}
        for slug, path in paths.items():
            known = work.parsed.get(slug)
            po = known[1] if known is not None and known[0] == _stamp(path) else catalog.read(path)
            count = 0
            for entry in po:
                draft = by_slug[slug].get((entry.msgctxt, entry.msgid))
                if draft is None or not wanted(entry, run.force, run.redraft_changed):
                    continue
                _set_draft(entry, draft)
                count += 1
            if count:
                catalog.touch_revision(po)
                changed[slug] = po
            written += count
        catalog.write_synced([(paths[slug], catalog.render(po)) for slug, po in changed.items()], lock_renames=False)
        for slug, po in changed.items():
            work.parsed[slug] = (_stamp(paths[slug]), po)
    return written


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What tells one version of a file from another: writers replace catalogs (a new inode)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _set_draft(entry: polib.POEntry, draft: Draft) -> None:
    entry.msgstr = draft.text
    entry.previous_msgid = draft.previous
    entry.previous_msgctxt = None
    catalog.set_state(entry, "fuzzy")
    catalog.set_origin(entry, draft.origin)
