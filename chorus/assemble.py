"""Rebuild a statement in a target language from its source and its catalog, and export it.

The source document (see :mod:`chorus.document`) keeps every byte that is not translatable;
each sentence segment of each block is looked up in the language's catalog and put back in
place. A block whose text is unchanged keeps its hard wraps; a translated block is re-wrapped
at the width of the source paragraph, with the source's continuation prefixes (``> ``, list
indentation). The dateline is never translated: Babel writes the date the target language's
way. So a catalog whose every msgstr equals its msgid gives back the source byte for byte when
the target is the source language itself.

The stages live in modules of their own, and their public names are importable from here too:
:mod:`chorus.statement` (loading a statement, the text each segment shows),
:mod:`chorus.parse_cache` (parsed sources kept between runs), :mod:`chorus.publishing` (the
publishing rule), :mod:`chorus.text_writer` (text and Markdown) and :mod:`chorus.html_writer`
(HTML pages, the preview fragment and the proof page).

Publishing rule: the project's review policy (:mod:`chorus.policy`) says which segments are
published: approved ones (``publish = "approved"``, the default), or translated and approved
ones (``publish = "translated"``). A statement whose publishable share is below the threshold
(``publish_threshold`` in chorus.toml, 100 by default) is refused with a :class:`NotReady`
error. With ``draft=True`` it is exported anyway, unreviewed text marked; untranslated segments
stay in the source language.

>>> render(project, "stop-the-attacks", "es", "txt")                    # doctest: +SKIP
'domingo, 3 de marzo de 2024\\n\\nParen los ataques ...'
>>> export(project, ["stop-the-attacks"], ["es"], ["source", "html"])   # doctest: +SKIP
[PosixPath('.../localized/es/stop-the-attacks.txt'), PosixPath('.../localized/es/stop-the-attacks.html')]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from . import catalog
from .errors import ChorusError
from .html_writer import (_source_attributes, block_html, body_html, html_page, inline_html, proof_page,
                          text_direction)
from .parse_cache import _parser_fingerprint, parsed_document
from .project import EXPORT_FORMATS, Project
from .publishing import FIRST_BLOCKING, NotReady, Readiness, added_markup, check_publishable, draft_notice, readiness
from .statement import (REVIEWED, STATE_LABELS, UNREVIEWED, Choice, Statement, Unreadable, _bcp47, _load,
                        block_pieces, block_text, chooser, load)
from .text_writer import (_with_text_notice, dateline_text, format_dateline, front_matter_value, layout,
                          markdown_from_text, plain_text, rebuild, title_of, wrap)

EXTENSIONS = {"txt": "txt", "md": "md", "html": "html", "proof": "proof.html"}


class ExportBlocked(ChorusError):
    """Some statements were not exported; ``written`` holds what was, ``blocked`` what was not
    (:class:`NotReady` or :class:`Unreadable`)."""

    def __init__(self, message: str, written: list[Path], blocked: list[NotReady | Unreadable]):
        super().__init__(message)
        self.written, self.blocked = written, blocked


# --- public entry points ---------------------------------------------------------------------


def output_formats(statement_format: str, formats: Iterable[str]) -> list[str]:
    """Formats named on the command line or in chorus.toml, ``source`` and ``all`` resolved.

    >>> output_formats("text", ["source", "html"])
    ['txt', 'html']
    >>> output_formats("markdown", ["all"])
    ['txt', 'md', 'html', 'proof']
    """
    own = "md" if statement_format == "markdown" else "txt"
    chosen: list[str] = []
    for name in formats:
        name = name.strip().lower()
        if name == "all":
            chosen.extend(EXPORT_FORMATS)
        elif name == "source":
            chosen.append(own)
        elif name in EXPORT_FORMATS:
            chosen.append(name)
        else:
            raise ChorusError(f"unknown format {name!r} (choose from txt, md, html, proof, source, all)")
    return list(dict.fromkeys(chosen))


def _threshold(project: Project, threshold: int | None) -> int:
    value = project.config.publish_threshold if threshold is None else threshold
    if not 0 <= value <= 100:
        raise ChorusError(f"--threshold must be between 0 and 100, not {value}")
    return value


def assemble(statement: Statement, fmt: str, *, draft: bool, threshold: int) -> str:
    """The statement in ``fmt``; :class:`NotReady` when it may not be published."""
    if fmt == "proof":  # a proof page is for reviewing: it shows every state, ready or not
        return proof_page(statement, threshold)
    if fmt not in EXPORT_FORMATS:
        raise ChorusError(f"unknown format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})")
    ready = readiness(statement, threshold) if draft else check_publishable(statement, threshold)
    choose = chooser(statement, draft, markdown=fmt == "md")
    unreviewed = ready.unreviewed if draft else 0
    if fmt == "html":
        return html_page(statement, choose, unreviewed, draft)
    own = "md" if statement.markdown else "txt"
    if fmt == own:
        text = rebuild(statement, choose)
    elif fmt == "txt":
        text = plain_text(statement, choose)
    else:
        text = markdown_from_text(statement, choose)
    if unreviewed:
        text = _with_text_notice(text, statement, unreviewed) if fmt == own else \
            f"{draft_notice(unreviewed)} (not for publication)\n\n" + text
    return text


def render(project: Project, slug: str, lang: str, fmt: str, *, draft: bool = False,
           threshold: int | None = None) -> str:
    """The statement ``slug`` in ``lang`` as ``fmt`` (txt, md, html or proof).

    Raises :class:`ChorusError` (:class:`NotReady`) when the statement may not be published and
    ``draft`` is false; proof pages are always made.
    """
    statement = load(project, slug, lang)
    return assemble(statement, output_formats(statement.document.format, [fmt])[0], draft=draft,
                    threshold=_threshold(project, threshold))


def preview_html(project: Project, slug: str, lang: str) -> str:
    """An HTML fragment of the assembled statement for embedding in a page.

    Everything is escaped; machine drafts are wrapped in ``<mark class="unreviewed">`` and
    segments still in the source language in ``<mark class="untranslated">``.
    """
    statement = load(project, slug, lang)
    choose = chooser(statement, draft=True)

    def marker(rendered: str, mark: str) -> str:
        return f'<mark class="{mark}"{_source_attributes(statement, mark)}>{rendered}</mark>'

    return (f'<article class="chorus-preview" lang="{_bcp47(lang)}" dir="{text_direction(lang)}">\n'
            f"{body_html(statement, choose, marker)}\n</article>")


def output_path(folder: Path, lang: str, slug: str, fmt: str) -> Path:
    return folder / lang / f"{slug}.{EXTENSIONS[fmt]}"


def export(project: Project, slugs: Iterable[str], langs: Iterable[str] | None,
           formats: Iterable[str] | None, out_dir: str | Path | None = None, draft: bool = False,
           threshold: int | None = None, *, progress: Callable[[int, int], None] | None = None,
           workers: int = 1) -> list[Path]:
    """Write each statement in each language and format; return the paths written.

    Every file is first written to a hidden temp file beside its target, and only when every
    statement is assembled and checked are they renamed into place: an unknown name, a stale
    catalog or an output folder that cannot be written changes nothing. Statements that are
    not ready to publish are left out; the others are written, then :class:`ExportBlocked`
    names what was left out (its ``written`` lists the files). ``workers`` > 1 assembles large
    exports in that many processes (for the command line; a server should keep the default).
    """
    chosen = project.resolve(list(slugs))
    if not chosen:
        raise ChorusError("no statements yet: use 'chorus add FILE'")
    languages = project.resolve_langs(list(langs or []))
    threshold = _threshold(project, threshold)
    folder = Path(out_dir) if out_dir else project.root / "localized"
    wanted = list(formats or project.config.formats)
    output_formats("text", wanted)  # an unknown format is refused before anything is read
    pairs = [(slug, lang) for slug in chosen for lang in languages]
    staging = _prepare_folders([folder / lang for lang in languages])
    task = _AssembleTask(project, folder, wanted, draft, threshold)
    _parser_fingerprint()  # made once here, before any worker process forks
    try:
        outputs, not_ready = catalog.staged_run(task, pairs, workers, progress=progress)
        staging.extend(outputs)
        # No sync: these files are made again from the catalogs by the next export, and a
        # system-wide sync would also wait for every other program's unwritten data.
        written = staging.publish(lock_renames=False, sync=False)
    except BaseException:
        staging.discard()
        raise
    blocked = [(Unreadable if broken else NotReady)(message, slug, lang) for message, slug, lang, broken in not_ready]
    staging.remove_empty_folders()  # a language whose statements were all left out
    if blocked:
        message = str(blocked[0])
        for kind, label in ((NotReady, "also not ready"), (Unreadable, "cannot be read")):
            others = [b for b in blocked[1:] if isinstance(b, kind)]
            if others:
                more = " …" if len(others) > 10 else ""
                message += f" ({label}: {', '.join(f'{b.slug} [{b.lang}]' for b in others[:10])}{more})"
        raise ExportBlocked(message, written, blocked)
    return written


@dataclass
class _AssembleTask:
    """Assemble a list of (slug, lang) pairs and stage their files (a :func:`catalog.staged_run`
    task); returns the statements left out as (message, slug, lang, unreadable): not ready to
    publish, or whose catalog cannot be read (the others are exported all the same)."""

    project: Project
    folder: Path
    wanted: list[str]
    draft: bool
    threshold: int

    def __call__(self, pairs: list[tuple[str, str]], staging: catalog.Staging) -> list[tuple[str, str, str, bool]]:
        not_ready: list[tuple[str, str, str, bool]] = []
        for slug, lang in pairs:
            try:
                statement = _load(self.project, slug, lang)
            except Unreadable as error:
                not_ready.append((str(error), slug, lang, True))
                continue
            for fmt in output_formats(statement.document.format, self.wanted):
                try:
                    text = assemble(statement, fmt, draft=self.draft, threshold=self.threshold)
                except NotReady as error:
                    if (slug, lang) not in {(s, l) for _, s, l, _ in not_ready}:
                        not_ready.append((str(error), slug, lang, False))
                    continue
                staging.stage(output_path(self.folder, lang, slug, fmt), text)
        return not_ready


def _prepare_folders(folders: list[Path]) -> catalog.Staging:
    """Make the output folders (a clear error when one cannot be made or written); the
    staging returned knows which it made, so that a failed export removes them again."""
    staging = catalog.Staging()
    for folder in folders:
        try:
            staging.make_folder(folder)
        except OSError as error:
            staging.discard()
            raise ChorusError(f"cannot create the output folder {folder}: {error.strerror or error}") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            staging.discard()
            raise ChorusError(f"cannot write to the output folder {folder}: permission denied")
    return staging


__all__ = ["render", "preview_html", "export", "load", "Statement", "NotReady", "Unreadable", "ExportBlocked",
           "format_dateline", "text_direction"]
