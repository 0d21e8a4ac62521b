"""A statement ready to assemble: its parsed source and one language's translations, and the
text each segment shows.

:func:`load` reads and checks the source and the catalog; :func:`chooser` says what a segment
shows in an export (its reviewed translation, with ``draft`` a machine draft too, otherwise the
source) and :func:`block_text` puts a block's segments together.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import catalog
from .document import Block, Document, FRONT_MATTER, format_for
from .errors import ChorusError
from .parse_cache import parsed_document
from .project import Project
from .sources import read_statement
from .text import escape_new_markup

REVIEWED = ("translated", "approved")
UNREVIEWED = ("untranslated", "fuzzy")
STATE_LABELS = {"untranslated": "untranslated", "fuzzy": "draft", "translated": "translated",
                "approved": "approved"}
_NEWLINES = re.compile(r"\s*\n\s*")


class StatementError(ChorusError):
    """An error about one statement in one language (``slug``, ``lang``)."""

    def __init__(self, message: str, slug: str = "", lang: str = ""):
        super().__init__(message)
        self.slug, self.lang = slug, lang


class Unreadable(StatementError):
    """A catalog that cannot be read: an export leaves its statement and language out and
    writes the others."""


# --- loading -----------------------------------------------------------------------------


@dataclass
class Statement:
    """A source document with the translations of one language, ready to assemble."""

    slug: str
    lang: str
    source_lang: str
    source_name: str
    document: Document
    entries: dict[str, tuple[str, str]]  # msgid → (msgstr, state)
    front_end: int = 0  # length of the Markdown front matter in the source, 0 if none
    published: tuple[str, ...] = REVIEWED  # the states the review policy publishes

    @property
    def markdown(self) -> bool:
        return self.document.format == "markdown"

    @property
    def same_language(self) -> bool:
        return _base(self.lang) == _base(self.source_lang)

    def lookup(self, segment: str) -> tuple[str, str]:
        """(msgstr, state) of a segment; a segment the catalog lacks is untranslated."""
        return self.entries.get(segment, ("", "untranslated"))

    def segments(self) -> list[str]:
        """The distinct segments of the statement, in order of first appearance."""
        seen: dict[str, None] = {}
        for block in self.document.blocks:
            if block.translatable:
                for segment in block.segments:
                    seen.setdefault(segment)
        return list(seen)

    def counts(self) -> Counter:
        return Counter(self.lookup(segment)[1] for segment in self.segments())


def load(project: Project, slug: str, lang: str) -> Statement:
    """Read and check the source and catalog of ``slug`` in ``lang``.

    Unknown names, a missing catalog and a catalog made from another version of the source are
    :class:`ChorusError`\\ s that say what to run.
    """
    return _load(project, project.resolve([slug])[0], project.resolve_langs([lang])[0])


def _load(project: Project, slug: str, lang: str) -> Statement:
    """:func:`load` for a name and language already checked."""
    source_path = project.source_path(slug)
    po_path = project.catalog_path(slug, lang)
    try:
        metadata, entries = catalog.read_states(po_path)
    except ChorusError as error:
        if po_path.exists():
            raise Unreadable(str(error).replace(str(po_path), project.relative(po_path)), slug, lang) from None
        raise ChorusError(f"{project.relative(po_path)} is missing (the language was added since "
                          f"the statement was); run 'chorus update {slug}'") from None
    recorded = metadata.get(catalog.SOURCE_HASH) or _template_hash(project, slug, entries)
    text = _stored_source(source_path, recorded)
    if text is None:
        raise ChorusError(f"{project.relative(po_path)} does not match source/{source_path.name}: "
                          f"the source was edited since the catalog was made; run 'chorus update {slug}' first")
    document = parsed_document(project, slug, text, format_for(source_path.name), recorded)
    front = FRONT_MATTER.match(text) if document.format == "markdown" else None
    return Statement(slug, lang, project.config.source_lang, source_path.name, document,
                     entries, front.end() if front else 0, project.config.policy.published)


def _template_hash(project: Project, slug: str, entries: dict) -> str | None:
    """The source hash of the template, for a catalog whose header lost its own (Babel and
    some editors drop headers they do not know) but whose entries are the template's."""
    try:
        metadata, template = catalog.read_states(project.template_path(slug))
    except ChorusError:
        return None
    return metadata.get(catalog.SOURCE_HASH) if set(template) == set(entries) else None


def _stored_source(path: Path, recorded: str | None) -> str | None:
    """The source text as ingest read it, or None when it is not the text whose hash the
    catalog recorded. Sources in source/ are stored as UTF-8, so the plain decoding is tried
    first; :func:`read_statement` (encodings, checks) when it does not give that text."""
    try:
        text = catalog.read_file(path).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    if text is not None and recorded is not None and catalog.source_hash(text) == recorded:
        return text
    text = read_statement(path)
    return text if recorded is not None and catalog.source_hash(text) == recorded else None


# --- choosing the text of each segment ---------------------------------------------------


@dataclass
class Choice:
    """What a segment shows: ``text``, and ``mark`` = ``""``, ``"unreviewed"`` or ``"untranslated"``."""

    text: str
    mark: str = ""


def chooser(statement: Statement, draft: bool, markdown: bool = False) -> Callable[[str], Choice]:
    """Published text of a segment: reviewed translations; with ``draft``, machine drafts too.

    Anything else stays in the source language. For Markdown output (``markdown``), raw HTML
    and images that a translation adds to its source are made literal text
    (:func:`chorus.text.escape_new_markup`): only the source's own are kept.
    """

    def text_of(segment: str, msgstr: str) -> str:
        text = _one_line(msgstr)
        return escape_new_markup(segment, text) if markdown else text

    def choose(segment: str) -> Choice:
        msgstr, state = statement.lookup(segment)
        if state in statement.published:
            return Choice(text_of(segment, msgstr))
        if draft and msgstr:  # translated but not yet approved, or a machine draft
            return Choice(text_of(segment, msgstr), "unreviewed")
        return Choice(segment, "untranslated" if draft else "")

    return choose


def _one_line(text: str) -> str:
    """A translation is one run of text: a line break typed by a translator becomes a space."""
    return _NEWLINES.sub(" ", text) if "\n" in text else text


def block_pieces(block: Block, choose: Callable[[str], Choice]) -> list[tuple[str, Choice]]:
    """The block as (white space, choice) pairs; white space between sentences is the source's."""
    result: list[tuple[str, Choice]] = []
    for piece in block.pieces:
        core = piece.strip()
        if not core:
            result.append((piece, Choice("")))
            continue
        lead = piece[: len(piece) - len(piece.lstrip())]
        trail = piece[len(piece.rstrip()):]
        result.append((lead, choose(core)))
        if trail:
            result.append((trail, Choice("")))
    return result


def block_text(block: Block, choose: Callable[[str], Choice]) -> str:
    """The block's text in the target language, link references still numbered."""
    return "".join(space + choice.text for space, choice in block_pieces(block, choose))


@lru_cache(maxsize=64)
def _locale(lang: str):
    from babel import Locale

    return Locale.parse(lang.replace("-", "_"))


def _bcp47(lang: str) -> str:
    return lang.replace("_", "-")


def _base(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower()
