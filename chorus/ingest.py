"""Ingest statements: source file → document → template → one catalog per language.

Work happens in two steps so that bad input changes nothing: :func:`plan_add` and
:func:`plan_update` read, check and compute everything, :func:`apply` writes. :func:`add`
does both for many files at once, in worker processes when asked: new files are staged as
hidden temp files while statements are read, and renamed into place only when every file
has been read and checked.
"""

from __future__ import annotations

import datetime as dt
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polib

from . import catalog
from . import deadline as deadlines
from .document import Document, format_for, parse
from .errors import ChorusError
from .project import SOURCE_SUFFIXES, Project, check_slug, slugify
from .sources import read_statement


@dataclass
class Plan:
    """What ingesting one statement will write."""

    slug: str
    source: Path
    text: str
    document: Document
    template: polib.POFile
    write_source: bool = False
    langs: list[str] = field(default_factory=list)
    claim: Claim | None = None  # the source is written: nobody may have made another meanwhile


@dataclass(frozen=True)
class Claim:
    """A new statement's source file, as planned: checked again under the lock of ``source/``
    just before it is put in place, so that of two adds of one name, one wins."""

    slug: str
    destination: Path
    digest: str

    def check(self, project: Project) -> None:
        for suffix in SOURCE_SUFFIXES:
            existing = project.source_dir / f"{self.slug}{suffix}"
            if not os.path.lexists(existing):
                continue
            if existing == self.destination and _digest_of(existing) == self.digest:
                continue  # the same text (kept as it was, or added meanwhile): nothing to refuse
            raise ChorusError(
                f"source/{existing.name} already exists with other content (added meanwhile); edit it there "
                f"and run 'chorus update {self.slug}', or choose another name with --slug")


def plan_add(project: Project, files: list[str | Path], slug: str | None = None,
             deadline: dt.datetime | None = None) -> list[Plan]:
    """Plans for ``files``: read, checked and segmented, nothing written yet. ``deadline``
    (else a Markdown statement's own ``deadline:``) goes into each template."""
    return [_plan_file(project, path, name, deadline) for path, name in _names(files, slug)]


def _plan_file(project: Project, path: Path, name: str, deadline: dt.datetime | None = None) -> Plan:
    text = read_statement(path)
    destination = _destination(project, name, path, text)
    plan = _plan(project, name, destination, text, write_source=_needs_write(destination, text), deadline=deadline)
    if plan.write_source:
        plan.claim = Claim(name, destination, catalog.source_hash(text))
    return plan


def _digest_of(path: Path) -> str | None:
    """The hash of a source's text as Chorus reads it (None when it cannot be read)."""
    try:
        return catalog.source_hash(read_statement(path))
    except ChorusError:
        return None


def source_lock(project: Project):
    """The lock of ``source/``, held while new statements are checked and put in place."""
    return catalog.locked(project.source_dir)


def plan_update(project: Project, slugs: list[str]) -> list[Plan]:
    plans = []
    for slug in project.resolve(slugs):
        source = project.source_path(slug)
        text = read_statement(source)
        plans.append(_plan(project, slug, source, text, write_source=_needs_write(source, text)))
    return plans


def apply(project: Project, plans: list[Plan], done: Callable[[Plan], None] | None = None) -> None:
    """Write sources, templates and catalogs, each atomically; catalogs that exist already are
    merged under their lock, new files are staged and put in place together with one sync.

    ``done`` is called after each plan's files are prepared (for a progress bar).
    """
    staging = catalog.Staging()
    try:
        for plan in plans:
            stage_new_files(project, plan, staging)
            if done:
                done(plan)
        with source_lock(project) if staging.files else nullcontext():  # nothing new: no lock needed
            for plan in plans:
                if plan.claim:
                    plan.claim.check(project)
            for plan in plans:
                merge_existing(project, plan)
            staging.publish(lock_renames=True)
    except BaseException:
        staging.discard()
        raise


def stage_new_files(project: Project, plan: Plan, staging: catalog.Staging) -> list[str]:
    """Stage the plan's source copy, its template when changed, and the catalogs of languages
    that have none yet; return the languages whose catalogs exist (for :func:`merge_existing`)."""
    if plan.write_source:
        staging.stage(plan.source, plan.text)
    body = catalog.render_body(plan.template)
    pot_text = catalog.render_entries(plan.template, plan.template.metadata, plan.template.header, body)
    pot_path = project.template_path(plan.slug)
    if _changed(pot_path, pot_text):
        staging.stage(pot_path, pot_text)
    existing = []
    for lang in plan.langs:
        path = project.catalog_path(plan.slug, lang)
        if path.exists():
            existing.append(lang)
        else:
            staging.stage(path, catalog.new_catalog_text(plan.template, lang, plan.slug, body))
    return existing


def merge_existing(project: Project, plan: Plan) -> None:
    """Merge the plan's template into the catalogs that exist already, each under its lock."""
    for lang in plan.langs:
        path = project.catalog_path(plan.slug, lang)
        if not path.exists():
            continue
        with catalog.locked(path):
            old = catalog.read(path)
            merged = catalog.merge(plan.template, old, lang, plan.slug)
            text = catalog.render(merged)
            if _changed(path, text):
                catalog.atomic_write(path, text)
        _follow(project, plan.slug, lang, old, merged)


def _follow(project: Project, slug: str, lang: str, old: polib.POFile, merged: polib.POFile) -> None:
    """Comments and history follow the sentences whose source was edited (the ``#| msgid``
    link the merge made) to their new segments."""
    from . import editing

    links = editing.renamed(old, merged)
    if links:
        editing.follow(project, slug, lang, links)


@dataclass
class Added:
    """What :func:`add` did with one statement."""

    slug: str
    segments: int
    langs: list[str]


def add(project: Project, files: list[str | Path], slug: str | None = None, *, workers: int = 1,
        progress: Callable[[int, int], None] | None = None, deadline: dt.datetime | None = None) -> list[Added]:
    """Ingest ``files`` (:func:`plan_add` then :func:`apply`), ``workers`` processes reading,
    segmenting and staging at once. Nothing is put in place unless every file is good.

    ``progress(done, total)`` is called as files are done.
    """
    names = _names(files, slug)
    if workers > 1:
        from . import segment  # noqa: F401  (loaded once, before the workers fork)
    staging, results = catalog.staged_run(_AddTask(project, deadline), names, workers, chunk=10, progress=progress)
    try:
        with source_lock(project):  # concurrent adds: each checks and publishes in turn
            for _, _, claim in results:
                if claim is not None:
                    claim.check(project)
            for _, plan, _ in results:
                if plan is not None:
                    merge_existing(project, plan)
            staging.publish(lock_renames=True)
    except BaseException:
        staging.discard()
        raise
    return [added for added, _, _ in results]


def add_text(project: Project, data: bytes, suffix: str, slug: str | None = None, *,
             deadline: dt.datetime | None = None, filename: str | None = None) -> str:
    """Add one statement that arrived as bytes (a pasted text or an uploaded file, ``suffix``
    ``.txt`` or ``.md``); its name is ``slug``, else made from ``filename`` or its title.
    Returns the name. The same checks as :func:`add`; nothing is written on a problem."""
    import tempfile

    if suffix not in (".txt", ".md"):
        raise ChorusError(f"a statement is plain text (.txt) or Markdown (.md), not {suffix!r}")
    if slug is not None:
        name = check_slug(slug.strip())
    elif filename:
        name = slugify(filename) or "statement"
    else:
        from .sources import decode_statement

        name = slugify(_title_of(project, decode_statement(data, "the statement"), suffix)) or "statement"
    name = check_slug(name)
    if project.template_path(name).is_file():
        raise ChorusError(f"a statement named {name} exists already: choose another short name")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_bytes(data)
        apply(project, plan_add(project, [path], name, deadline))
    return name


def _title_of(project: Project, text: str, suffix: str) -> str:
    """The statement's title (for its short name), else its first words."""
    try:
        title = parse(text, project.config.source_lang, format_for(f"x{suffix}")).title
    except Exception:  # noqa: BLE001 — a name is a convenience; ingesting reports real problems
        title = None
    return title or " ".join(text.split()[:6])


def _names(files: list[str | Path], slug: str | None) -> list[tuple[Path, str]]:
    """(file, statement name) pairs, checked: one --slug for one file, no name twice."""
    if slug and len(files) > 1:
        raise ChorusError("--slug names one statement; give one file with it")
    pairs: list[tuple[Path, str]] = []
    taken: set[str] = set()
    for file in files:
        path = Path(file)
        name = check_slug(slug) if slug else _slug_from(path)
        if name in taken:
            raise ChorusError(f"{path}: two files would both be named {name!r}; use --slug")
        taken.add(name)
        pairs.append((path, name))
    return pairs


@dataclass
class _AddTask:
    """Plan and stage a chunk of (file, name) pairs (a :func:`catalog.staged_run` task);
    returns (what was added, the plan when existing catalogs need a merge, else None, the
    claim of a new source, else None)."""

    project: Project
    deadline: dt.datetime | None = None

    def __call__(self, pairs: list[tuple[Path, str]], staging: catalog.Staging) -> list[tuple]:
        results: list[tuple[Added, Plan | None, Claim | None]] = []
        for path, name in pairs:
            plan = _plan_file(self.project, path, name, self.deadline)
            existing = stage_new_files(self.project, plan, staging)
            results.append((Added(name, len(plan.template), list(plan.langs)), plan if existing else None, plan.claim))
        return results


def _changed(path: Path, text: str) -> bool:
    """False when the file holds ``text`` but for its dates and the Babel that made it (keeps
    re-runs quiet in git)."""
    try:
        old = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return True
    return _without_dates(old) != _without_dates(text)


def _without_dates(text: str) -> list[str]:
    return [line for line in text.split("\n") if not line.startswith(_VOLATILE_HEADERS)]


_VOLATILE_HEADERS = ('"POT-Creation-Date:', '"PO-Revision-Date:', '"Generated-By:')


def _plan(project: Project, slug: str, source: Path, text: str, write_source: bool,
          deadline: dt.datetime | None = None) -> Plan:
    document = parse(text, project.config.source_lang, format_for(source.name), project.config.front_matter)
    if not any(block.segments for block in document.blocks):
        raise ChorusError(f"{source}: has no text to translate")
    reference = f"source/{source.name}"
    pot = catalog.template(document, reference, slug, text)
    when = _deadline(project, slug, source, text, deadline)
    if when:
        pot.metadata[deadlines.HEADER] = when
    for lang in project.config.langs:  # refuse broken catalogs before anything is written
        path = project.catalog_path(slug, lang)
        if path.exists():
            catalog.read(path)
    return Plan(slug, source, text, document, pot, write_source, list(project.config.langs))


def _deadline(project: Project, slug: str, source: Path, text: str, given: dt.datetime | None) -> str | None:
    """The template's deadline: the one given, else the statement's front matter, else the one
    the template has already (``chorus deadline`` set it)."""
    if given is not None:
        return deadlines.stored(given)
    written = deadlines.from_front_matter(text) if source.suffix.lower() in (".md", ".markdown") else None
    if written is not None:
        try:
            return deadlines.stored(deadlines.parse(written))
        except ChorusError as error:
            raise ChorusError(f"{source.name}: front matter: {error}") from None
    path = project.template_path(slug)
    if path.is_file():
        try:
            return catalog.read_states(path)[0].get(deadlines.HEADER)
        except ChorusError:
            return None  # a broken template is made again from the source
    return None


def _slug_from(path: Path) -> str:
    slug = slugify(path.name)
    if not slug:
        raise ChorusError(f"{path}: cannot make a statement name from this file name; pass --slug NAME")
    return slug


def _destination(project: Project, slug: str, path: Path, text: str) -> Path:
    suffix = path.suffix.lower() if path.suffix.lower() in SOURCE_SUFFIXES else ".txt"
    destination = project.source_dir / f"{slug}{suffix}"
    for other in SOURCE_SUFFIXES:
        existing = project.source_dir / f"{slug}{other}"
        if not existing.is_file() or existing.resolve() == path.resolve():
            continue
        if existing != destination or read_statement(existing) != text:
            raise ChorusError(
                f"{path}: source/{existing.name} already exists with other content; edit it there "
                f"and run 'chorus update {slug}', or choose another name with --slug"
            )
    return destination


def _needs_write(destination: Path, text: str) -> bool:
    """True unless the file already holds exactly this UTF-8 text."""
    try:
        return destination.read_bytes() != text.encode("utf-8")
    except FileNotFoundError:
        return True
