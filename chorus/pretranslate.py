"""Machine pretranslation: fill empty segments with drafts from memory and engines.

For each language the chain from chorus.toml is tried in order (default ``memory``, then
``apertium``); the first source that gives a draft wins. ``memory`` takes the exact same
source text already translated or approved in another statement of that language. Drafts are
always fuzzy, with their origin in a translator comment (``# chorus: mt apertium`` or
``# chorus: tm 100% <slug>``). Translated and approved entries are never touched; with
``force`` machine drafts (origin ``mt`` or ``tm``) are drafted again.

Before an engine sees a text, glossary terms, URLs, addresses, hashtags, handles and link
targets are masked (:mod:`chorus.glossary`); a draft whose protected parts did not survive is
not used, and the next engine of the chain gets the text.

Work is saved batch by batch (one engine call, then one locked read-modify-write of each
catalog concerned), so an interrupted run loses at most the batch in flight and the next run
picks up where it stopped. An engine failure is reported for its language and the chain goes
on; it never stops the other languages.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable

import polib

from . import catalog, engines
from .engines import MEMORY, Engine, EngineError
from .errors import ChorusError
from .glossary import Glossary, MaskLost, mask
from .project import Project

MACHINE_ORIGINS = ("mt ", "tm ")
_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")


@dataclass
class LangResult:
    """What a run did for one language."""

    lang: str
    pending: int = 0
    memory: int = 0
    engines: Counter = field(default_factory=Counter)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return self.memory + sum(self.engines.values())


# (slug, msgctxt, msgid) names one entry of one catalog of the language being worked on.
Key = tuple[str, str | None, str]
Progress = Callable[[str, int, int], None]  # (lang, done so far, total)


def is_machine_draft(entry: polib.POEntry) -> bool:
    return catalog.state(entry) == "fuzzy" and (catalog.origin(entry) or "").startswith(MACHINE_ORIGINS)


def wanted(entry: polib.POEntry, force: bool) -> bool:
    """Does this entry get a draft? Empty ones do; machine drafts too with ``force``."""
    if entry.obsolete or entry.msgid_plural or not entry.msgid:
        return False
    state = catalog.state(entry)
    return state == "untranslated" or (force and is_machine_draft(entry))


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


def pretranslate(project: Project, slugs: list[str] | None = None, langs: list[str] | None = None,
                 engine: str | None = None, force: bool = False, progress: Progress | None = None,
                 engine_factory: Callable[[str], Engine] | None = None) -> list[LangResult]:
    """Draft every empty segment of the chosen statements and languages; a result per language."""
    chosen = project.resolve(slugs or [])
    targets = project.resolve_langs(langs)
    chains = {lang: chain_for(project, lang, engine) for lang in targets}
    for slug in chosen:  # a broken catalog is bad input: refuse it before anything is written
        for lang in targets:
            path = project.catalog_path(slug, lang)
            if path.is_file():
                catalog.read_states(path)
    glossary = Glossary.load(project)
    made: dict[str, Engine] = {}

    def get_engine(name: str) -> Engine:
        if name not in made:
            made[name] = engine_factory(name) if engine_factory else engines.for_project(name, project)
        return made[name]

    try:
        return [
            _run_lang(project, chosen, lang, chains[lang], glossary, get_engine, force, progress)
            for lang in targets
        ]
    finally:
        for made_engine in made.values():
            made_engine.close()


def _run_lang(project: Project, slugs: list[str], lang: str, chain: list[str], glossary: Glossary,
              get_engine: Callable[[str], Engine], force: bool, progress: Progress | None) -> LangResult:
    result = LangResult(lang)
    _warm_up(project, lang, chain, get_engine)
    pending = _pending(project, slugs, lang, force, result)
    result.pending = len(pending)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(lang, done, result.pending)

    advance(0)
    for step in chain:
        if not pending:
            break
        if step == MEMORY:
            filled = _from_memory(project, lang, pending, result)
            result.memory += _save(project, lang, filled, force)
            advance(len(filled))
            continue
        try:
            source_engine = get_engine(step)
            source_engine.check_pair(project.config.source_lang, lang)
        except EngineError as error:
            result.errors.append(str(error))
            continue
        for filled in _from_engine(source_engine, project.config.source_lang, lang, pending, glossary, result):
            result.engines[step] += _save(project, lang, filled, force)
            advance(len(filled))
    result.failed = len(pending)
    return result


def _warm_up(project: Project, lang: str, chain: list[str], get_engine: Callable[[str], Engine]) -> None:
    """Let the first engine of the chain start while the catalogs are read (Apertium takes a
    moment to load its dictionaries); problems are left for the run to report."""
    first = next((step for step in chain if step != MEMORY), None)
    if first:
        try:
            get_engine(first).warm_up(project.config.source_lang, lang)
        except EngineError:
            pass


def _pending(project: Project, slugs: list[str], lang: str, force: bool, result: LangResult) -> dict[Key, str]:
    """Entries that want a draft: key → source text (in catalog order)."""
    found: dict[Key, str] = {}
    for slug in slugs:
        path = project.catalog_path(slug, lang)
        if not path.is_file():
            result.errors.append(f"{project.relative(path)}: no catalog (run 'chorus update {slug}')")
            continue
        try:
            po = catalog.read(path)
        except ChorusError as error:
            result.errors.append(str(error))
            continue
        for entry in po:
            if wanted(entry, force):
                found[(slug, entry.msgctxt, entry.msgid)] = entry.msgid
    return found


def _from_memory(project: Project, lang: str, pending: dict[Key, str], result: LangResult) -> dict[Key, tuple[str, str]]:
    from .memory import Memory

    try:
        memory = Memory.load(project, lang)
    except ChorusError as error:
        result.errors.append(f"memory: {error}")
        return {}
    filled = {}
    for key, text in pending.items():
        suggestion = memory.exact(text, exclude_slug=key[0])
        if suggestion is not None and suggestion.target:
            filled[key] = (suggestion.target, f"tm 100% {suggestion.slug}")
    for key in filled:
        del pending[key]
    return filled


def _from_engine(engine: Engine, source: str, lang: str, pending: dict[Key, str], glossary: Glossary,
                 result: LangResult):
    """Yield the drafts of one engine batch by batch (each batch: key → (draft, origin))."""
    texts = list(dict.fromkeys(pending.values()))
    masks = {text: mask(text, lang, glossary) for text in texts}
    origin = f"mt {engine.name}"
    size = max(1, int(engine.settings.get("batch_size") or engine.batch_size))
    for start in range(0, len(texts), size):
        batch = texts[start:start + size]
        try:
            outputs = engine.translate([masks[text].text for text in batch], source, lang)
        except EngineError as error:
            result.errors.append(str(error))
            return
        except Exception as error:  # an engine bug must not stop the other languages
            result.errors.append(f"{engine.name} failed: {type(error).__name__}: {error}")
            return
        drafts: dict[str, str] = {}
        for text, output in zip(batch, outputs):
            if not output:
                continue
            if "  " not in text:
                output = _SPACES.sub(" ", output)  # a dropped word leaves two spaces behind
            try:
                drafts[text] = masks[text].restore(output)
            except MaskLost:
                continue
        filled = {key: (drafts[text], origin) for key, text in pending.items() if text in drafts}
        for key in filled:
            del pending[key]
        yield filled


def _save(project: Project, lang: str, filled: dict[Key, tuple[str, str]], force: bool) -> int:
    """Write drafts into their catalogs (locked read-modify-write, one sync); how many were set.

    An entry a volunteer translated while the engine was working is left as the volunteer
    wrote it.
    """
    by_slug: dict[str, dict[tuple[str | None, str], tuple[str, str]]] = defaultdict(dict)
    for (slug, context, msgid), value in filled.items():
        by_slug[slug][(context, msgid)] = value
    written = 0
    paths = {project.catalog_path(slug, lang): drafts for slug, drafts in by_slug.items()}
    with catalog.editing_many(list(paths)) as catalogs:
        for path, po in catalogs.items():
            changed = 0
            for entry in po:
                value = paths[path].get((entry.msgctxt, entry.msgid))
                if value is None or not wanted(entry, force):
                    continue
                _set_draft(entry, *value)
                changed += 1
            if changed:
                catalog.touch_revision(po)
            written += changed
    return written


def _set_draft(entry: polib.POEntry, text: str, origin: str) -> None:
    entry.msgstr = text
    entry.previous_msgid = None
    entry.previous_msgctxt = None
    catalog.set_state(entry, "fuzzy")
    catalog.set_origin(entry, origin)
