"""Ingest statements: source file → document → template → one catalog per language.

Work happens in two steps so that bad input changes nothing: :func:`plan_add` and
:func:`plan_update` read, check and compute everything, :func:`apply` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polib

from . import catalog
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


def plan_add(project: Project, files: list[str | Path], slug: str | None = None,
             known: list[Plan] = ()) -> list[Plan]:
    """Plans for ``files``; ``known`` are plans already made in the same run."""
    if slug and len(files) + len(known) > 1:
        raise ChorusError("--slug names one statement; give one file with it")
    plans: list[Plan] = []
    taken = {plan.slug for plan in known}
    for file in files:
        path = Path(file)
        text = read_statement(path)
        name = check_slug(slug) if slug else _slug_from(path)
        if name in taken:
            raise ChorusError(f"{path}: two files would both be named {name!r}; use --slug")
        taken.add(name)
        destination = _destination(project, name, path, text)
        plans.append(_plan(project, name, destination, text, write_source=_needs_write(destination, text)))
    return plans


def plan_update(project: Project, slugs: list[str]) -> list[Plan]:
    plans = []
    for slug in project.resolve(slugs):
        source = project.source_path(slug)
        text = read_statement(source)
        plans.append(_plan(project, slug, source, text, write_source=_needs_write(source, text)))
    return plans


def apply(project: Project, plans: list[Plan], done: Callable[[Plan], None] | None = None) -> None:
    """Write sources, templates and catalogs, each atomically; catalogs that exist already are
    merged under their lock, new ones are written together with a single sync at the end.

    ``done`` is called after each plan's files are prepared (for a progress bar).
    """
    fresh: list[tuple[Path, str]] = []
    for plan in plans:
        if plan.write_source:
            fresh.append((plan.source, plan.text))
        body = catalog.render_body(plan.template)
        pot_text = catalog.render_entries(plan.template, plan.template.metadata, plan.template.header, body)
        pot_path = project.template_path(plan.slug)
        if _changed(pot_path, pot_text):
            fresh.append((pot_path, pot_text))
        for lang in plan.langs:
            path = project.catalog_path(plan.slug, lang)
            if not path.exists():
                fresh.append((path, catalog.new_catalog_text(plan.template, lang, plan.slug, body)))
                continue
            with catalog.locked(path):
                merged = catalog.merge(plan.template, catalog.read(path), lang, plan.slug)
                text = catalog.render(merged)
                if _changed(path, text):
                    catalog.atomic_write(path, text)
        if done:
            done(plan)
    catalog.write_many(fresh)


def _changed(path: Path, text: str) -> bool:
    """False when the file holds ``text`` but for its dates (keeps re-runs quiet in git)."""
    try:
        old = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return True
    return _without_dates(old) != _without_dates(text)


def _without_dates(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(('"POT-Creation-Date:', '"PO-Revision-Date:'))]


def _plan(project: Project, slug: str, source: Path, text: str, write_source: bool) -> Plan:
    document = parse(text, project.config.source_lang, format_for(source.name))
    if not any(block.segments for block in document.blocks):
        raise ChorusError(f"{source}: has no text to translate")
    reference = f"source/{source.name}"
    pot = catalog.template(document, reference, slug, text)
    for lang in project.config.langs:  # refuse broken catalogs before anything is written
        path = project.catalog_path(slug, lang)
        if path.exists():
            catalog.read(path)
    return Plan(slug, source, text, document, pot, write_source, list(project.config.langs))


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
