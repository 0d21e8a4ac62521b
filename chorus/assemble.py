"""Rebuild a statement in a target language from its source and its catalog, and export it.

The source document (see :mod:`chorus.document`) keeps every byte that is not translatable;
each sentence segment of each block is looked up in the language's catalog and put back in
place. A block whose text is unchanged keeps its hard wraps; a translated block is re-wrapped
at the width of the source paragraph, with the source's continuation prefixes (``> ``, list
indentation). The dateline is never translated: Babel writes the date the target language's
way. So a catalog whose every msgstr equals its msgid gives back the source byte for byte when
the target is the source language itself.

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

import datetime as dt
import hashlib
import html
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from . import catalog
from . import markup
from .document import FRONT_MATTER, Block, Document, format_for, parse, restore_joints
from .errors import ChorusError
from .project import EXPORT_FORMATS, Project
from .sources import read_statement
from .text import escape_new_markup, new_markup

REVIEWED = ("translated", "approved")
UNREVIEWED = ("untranslated", "fuzzy")
STATE_LABELS = {"untranslated": "untranslated", "fuzzy": "draft", "translated": "translated",
                "approved": "approved"}
EXTENSIONS = {"txt": "txt", "md": "md", "html": "html", "proof": "proof.html"}
FIRST_BLOCKING = 3
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MD_BLOCK_START = re.compile(r"^(?:[-+*>#|=]|\d{1,9}[.)](?:\s|$)|```|~~~)")
_NEWLINES = re.compile(r"\s*\n\s*")
_FRONT_LANG = re.compile(r"^lang[ \t]*:.*$", re.M)
_TOML_LANG = re.compile(r"^lang[ \t]*=.*$", re.M)


class NotReady(ChorusError):
    """A statement whose reviewed share is below the publishing threshold."""

    def __init__(self, message: str, slug: str = "", lang: str = ""):
        super().__init__(message)
        self.slug, self.lang = slug, lang


class Unreadable(ChorusError):
    """A catalog that cannot be read: an export leaves its statement and language out and
    writes the others."""

    def __init__(self, message: str, slug: str = "", lang: str = ""):
        super().__init__(message)
        self.slug, self.lang = slug, lang


class ExportBlocked(ChorusError):
    """Some statements were not exported; ``written`` holds what was, ``blocked`` what was not
    (:class:`NotReady` or :class:`Unreadable`)."""

    def __init__(self, message: str, written: list[Path], blocked: list[NotReady | Unreadable]):
        super().__init__(message)
        self.written, self.blocked = written, blocked


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


def parsed_document(project: Project, slug: str, text: str, fmt: str, text_hash: str | None = None) -> Document:
    """The parsed source, from the project's cache when the source and the parser are unchanged.

    The cache (``.chorus/cache/documents/<slug>.json``) is plain JSON, never code: a file
    that does not match is simply parsed again and rewritten. ``text_hash`` is
    :func:`catalog.source_hash` of ``text`` when the caller has it already.
    """
    lang = project.config.source_lang
    text_hash = text_hash or catalog.source_hash(text)
    fields = project.config.front_matter
    key = f"{_CACHE_FORMAT}:{_parser_fingerprint()}:{lang}:{fmt}:{','.join(fields)}:{text_hash}:{len(text)}"
    path = project.private_dir / "cache" / "documents" / f"{slug}.json"
    try:
        data = json.loads(catalog.read_file(path))
        if data.get("key") == key:
            return _document_from_json(data["document"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    document = parse(text, lang, fmt, fields)
    try:
        _write_cache(path, json.dumps({"key": key, "document": _document_to_json(document)},
                                      ensure_ascii=False, separators=(",", ":")))
    except OSError:
        pass  # a read-only project still exports; it only parses every time
    return document


@lru_cache(maxsize=1)
def _parser_fingerprint() -> str:
    """Changes whenever the parser or the sentence splitter changes: our two modules' text,
    and the files of the installed sentencex (found without importing it)."""
    import importlib.util

    here = Path(__file__).parent
    digest = hashlib.sha256()
    for module in (here / "document.py", here / "markup.py", here / "segment.py"):
        digest.update(module.read_bytes())
    spec = importlib.util.find_spec("sentencex")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for item in sorted(Path(folder).iterdir()):
            if item.is_file():
                info = item.stat()
                digest.update(f"{item.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


_CACHE_FORMAT = 2  # raise when the layout below changes: older cache files are then re-parsed
_BLOCK_FIELDS = ("kind", "line", "text", "lead", "tail", "joints", "links", "date", "weekday", "pieces")


def _document_to_json(document: Document) -> dict:
    """Blocks as lists in the order of :class:`Block`'s fields (the date as ISO text)."""
    parts = []
    for part in document.parts:
        if isinstance(part, str):
            parts.append(part)
        else:
            values = [getattr(part, name) for name in _BLOCK_FIELDS]
            values[_BLOCK_FIELDS.index("date")] = part.date.isoformat() if part.date else None
            parts.append(values)
    return {"format": document.format, "lang": document.lang, "parts": parts}


def _document_from_json(data: dict) -> Document:
    parts: list[str | Block] = []
    for part in data["parts"]:
        if isinstance(part, str):
            parts.append(part)
            continue
        kind, line, text, lead, tail, joints, links, date, weekday, pieces = part
        parts.append(Block(kind, line, text, lead, tail, [(at, joint) for at, joint in joints], links,
                           dt.date.fromisoformat(date) if date else None, weekday, pieces))
    return Document(format=data["format"], lang=data["lang"], parts=parts)


def _write_cache(path: Path, text: str) -> None:
    """Staged and renamed like every write, without a sync: a cache lost in a crash is simply
    rebuilt, and an export of many statements should not wait on one sync each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.commit([(path, catalog.stage(path, text))])


# --- the publishing rule -----------------------------------------------------------------


@dataclass
class Readiness:
    counts: Counter
    total: int
    reviewed: int
    threshold: int
    blocking: list[tuple[str, str]] = field(default_factory=list)  # (segment, state)

    @property
    def percent(self) -> float:
        return 100.0 * self.reviewed / self.total if self.total else 100.0

    @property
    def publishable(self) -> bool:
        return self.percent >= self.threshold

    @property
    def unreviewed(self) -> int:
        return self.total - self.reviewed


def readiness(statement: Statement, threshold: int) -> Readiness:
    states = [(segment, statement.lookup(segment)[1]) for segment in statement.segments()]
    counts = Counter(state for _, state in states)
    blocking = [(segment, state) for segment, state in states if state not in statement.published]
    total = len(states)
    reviewed = sum(counts[state] for state in statement.published)
    return Readiness(counts, total, reviewed, threshold, blocking)


def added_markup(statement: Statement) -> list[tuple[str, list[str]]]:
    """Reviewed segments whose translation has raw HTML or images its source lacks (a
    ``<script>``, a tracking ``<img>``): (segment, what was added). They block publishing."""
    found = []
    for segment in statement.segments():
        msgstr, state = statement.lookup(segment)
        if state in statement.published:
            extra = new_markup(segment, msgstr)
            if extra:
                found.append((segment, extra))
    return found


def check_publishable(statement: Statement, threshold: int) -> Readiness:
    """The statement's readiness; :class:`NotReady` when it is below ``threshold``, or when a
    translation adds raw HTML or an image (see :func:`added_markup`)."""
    ready = readiness(statement, threshold)
    markup = added_markup(statement)
    if markup:
        first = "; ".join(f"{_short(segment)!r} adds {', '.join(_short(item, 40) for item in extra)}"
                          for segment, extra in markup[:FIRST_BLOCKING])
        raise NotReady(
            f"{statement.slug} [{statement.lang}] is not ready to publish: {len(markup)} translation"
            f"{'s add' if len(markup) > 1 else ' adds'} raw HTML or an image that the source does not have "
            f"(check 'markup'); first: {first}. Remove it in the review page, or export with --draft "
            f"(which shows it as text)",
            statement.slug, statement.lang,
        )
    if ready.publishable:
        return ready
    states = ", ".join(f"{ready.counts[state]} {STATE_LABELS[state]}" for state in catalog.STATES)
    first = "; ".join(f"{_short(segment)!r} ({STATE_LABELS[state]})"
                      for segment, state in ready.blocking[:FIRST_BLOCKING])
    raise NotReady(
        f"{statement.slug} [{statement.lang}] is not ready to publish: {states} "
        f"({ready.percent:.0f}% of {ready.total} segments "
        f"{'approved' if statement.published == ('approved',) else 'reviewed'}, {threshold}% needed); "
        f"first: {first}. Review them, or export with --draft or --threshold N",
        statement.slug, statement.lang,
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


# --- text and Markdown ---------------------------------------------------------------------


def rebuild(statement: Statement, choose: Callable[[str], Choice]) -> str:
    """The statement in its source format, in the target language."""
    out: list[str] = []
    for part in statement.document.parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "dateline":
            out.append(dateline_text(part, statement))
        elif not part.translatable:
            out.append(part.source())
        else:
            out.append(layout(part, block_text(part, choose), escape=_escaper(part, statement)))
    text = "".join(out)
    if statement.markdown and statement.front_end:
        text = _front_matter_lang(text, statement)
    return text


def layout(block: Block, text: str, escape: Callable[[str], str] | None = None) -> str:
    """Put a block's (translated) text back between its markup, hard-wrapped like the source.

    Unchanged text keeps the source's own line breaks; new text is re-wrapped at the width of
    the source block with the continuation prefix of its second line.
    """
    expanded = block.expand_links(text)
    if escape is not None:
        expanded = escape(expanded)
    if not block.joints:
        return block.lead + expanded + _underline(block, expanded)
    source = block.expand_links(block.text)
    if expanded == source:
        return block.lead + restore_joints(expanded, block.joints) + block.tail
    width = max(map(len, (block.lead + restore_joints(source, block.joints) + block.tail).split("\n")))
    prefix = block.joints[0][1].rsplit("\n", 1)[-1]
    first = len(block.lead.rsplit("\n", 1)[-1])
    return block.lead + wrap(expanded, width, first, prefix) + block.tail


def wrap(text: str, width: int, first: int, prefix: str) -> str:
    """Greedy hard wrap: lines up to ``width`` columns, continuation lines start with ``prefix``.

    ``first`` columns of the first line are taken by its lead. A word that would start a line
    with Markdown block syntax (``-``, ``#``, ``>``, ``1.``) stays on the line before.

    >>> wrap("one two three four", 9, 0, "> ")
    'one two\\n> three\\n> four'
    """
    text = " ".join(text.split())
    if not text:
        return text
    head = _line_pattern(width - first).match(text)
    lines = [head.group()] + _line_pattern(width - len(prefix)).findall(text, head.end())
    if any(_MD_BLOCK_START.match(line) for line in lines[1:]):
        lines = _wrap_words(text.split(), width, first, len(prefix))
    return ("\n" + prefix).join(lines)


@lru_cache(maxsize=256)
def _line_pattern(room: int) -> re.Pattern:
    """As much of the text as fits in ``room`` columns, cut at a space; a longer word whole."""
    if room < 2:
        return re.compile(r"\S+")
    return re.compile(r"\S(?:[^\n]{0,%d}\S)?(?= |$)|\S+" % (room - 2))


def _wrap_words(words: list[str], width: int, first: int, indent: int) -> list[str]:
    lines, line, used = [], words[0], first + len(words[0])
    for word in words[1:]:
        if used + 1 + len(word) <= width or _MD_BLOCK_START.match(word):
            line += " " + word
            used += 1 + len(word)
        else:
            lines.append(line)
            line, used = word, indent + len(word)
    lines.append(line)
    return lines


def _underline(block: Block, text: str) -> str:
    """A heading's tail; an underline as long as the heading becomes as long as its translation."""
    found = re.fullmatch(r"(\n[ \t]*)(=+|-+|~+|\*+)([ \t]*)", block.tail)
    if not found or len(found.group(2)) != len(block.text) or text == block.text:
        return block.tail
    return found.group(1) + found.group(2)[0] * max(3, len(text)) + found.group(3)


def _escaper(block: Block, statement: Statement) -> Callable[[str], str] | None:
    """What a translation needs to stay in its syntax: a front-matter value quoted as YAML or
    TOML wants it, a table cell without a ``|`` of its own."""
    if block.kind == "table_cell":
        return markup.table_escape
    if block.kind not in ("title", "front_matter") or not statement.markdown or block.line > _front_lines(statement):
        return None
    quote = block.lead[-1:] if block.lead[-1:] in "\"'" else ""
    if "=" in block.lead.split(quote or "\0")[0] and ":" not in block.lead:  # TOML: key = "value"
        return lambda value: markup.toml_value(value, quote)
    return lambda value: markup.yaml_value(value, quote, block.text)


def _front_lines(statement: Statement) -> int:
    return statement.document.source()[: statement.front_end].count("\n")


def _front_matter_lang(text: str, statement: Statement) -> str:
    """Say the output's language in the front matter: replace ``lang:``, or add it."""
    front = FRONT_MATTER.match(text)
    if not front:
        return text
    head = front.group(1)
    toml = markup.is_toml(front)
    line = f'lang = "{_bcp47(statement.lang)}"' if toml else f"lang: {_bcp47(statement.lang)}"
    pattern = _TOML_LANG if toml else _FRONT_LANG
    if pattern.search(head):
        head = pattern.sub(line, head)
    elif not statement.same_language:
        head += line + "\n"
    return text[: front.start(1)] + head + text[front.end(1):]


def dateline_text(block: Block, statement: Statement) -> str:
    """The dateline as the target language writes it (Babel); the source's own in its language.

    A dateline without a weekday gets none; an ISO date (2024-03-03) stays as it is.
    """
    line = block.text
    core = line.strip()
    if block.date is None or statement.same_language or _ISO.match(core.rstrip(".")):
        return line
    lead = line[: len(line) - len(line.lstrip())]
    trail = line[len(line.rstrip()):]
    return lead + format_dateline(block.date, statement.lang, block.weekday) + trail


def format_dateline(date: dt.date, lang: str, weekday: bool = True) -> str:
    """The date in ``lang``, with the weekday or without (Babel's full or long format).

    >>> format_dateline(dt.date(2024, 3, 3), "es")
    'domingo, 3 de marzo de 2024'
    >>> format_dateline(dt.date(2024, 3, 3), "es", weekday=False)
    '3 de marzo de 2024'
    """
    from babel.dates import format_date

    return format_date(date, format="full" if weekday else "long", locale=_locale(lang))


def draft_notice(unreviewed: int) -> str:
    noun = "segment" if unreviewed == 1 else "segments"
    return f"Draft: {unreviewed} {noun} unreviewed"


def _with_text_notice(text: str, statement: Statement, unreviewed: int) -> str:
    notice = draft_notice(unreviewed) + " (machine drafts or source text; not for publication)"
    if statement.markdown:
        front = FRONT_MATTER.match(text)
        if front:  # the front matter must stay first: the notice opens the body
            head = front.group(1) + ("draft = true\n" if markup.is_toml(front) else "draft: true\n")
            body = text[front.end():]
            return (text[: front.start(1)] + head + text[front.end(1): front.end()]
                    + f"> **{notice}**\n" + ("" if body.startswith("\n") else "\n") + body)
        return f"> **{notice}**\n\n" + text
    return f"{notice}\n\n" + text


# --- plain text from Markdown and Markdown from plain text -------------------------------


def plain_text(statement: Statement, choose: Callable[[str], Choice]) -> str:
    """A Markdown statement as plain text: front matter, heading marks and inline markup dropped."""
    out: list[str] = []
    for kind, part in _visible_blocks(statement):
        if kind == "literal":
            out.append(part)
        elif part.kind == "dateline":
            out.append(dateline_text(part, statement))
        else:
            text = _strip_inline(part.expand_links(block_text(part, choose)))
            lead = part.lead.strip() + " " if part.kind in ("list_item", "quote") else ""
            out.append(lead + text)
    body = "".join(out).lstrip("\n")
    date = _front_date(statement)
    if date and not statement.document.dateline:
        body = format_dateline(date, statement.lang, weekday=False) + "\n\n" + body
    return body


def _strip_inline(text: str) -> str:
    rendered = _markdown().renderInline(text)
    rendered = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} ({m.group(1)})", rendered)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def markdown_from_text(statement: Statement, choose: Callable[[str], Choice]) -> str:
    """A plain-text statement as Markdown: the same text, its title as a level-one heading."""
    out: list[str] = []
    for part in statement.document.parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "dateline":
            out.append(dateline_text(part, statement))
        elif part.kind == "title":
            out.append("# " + layout(part, block_text(part, choose)))
        else:
            out.append(layout(part, block_text(part, choose)))
    return "".join(out)


# --- HTML ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _visible_blocks(statement: Statement) -> list[tuple[str, Block | str]]:
    """Parts after the front matter: ("block", Block) or ("literal", text)."""
    result: list[tuple[str, Block | str]] = []
    offset = 0
    for part in statement.document.parts:
        length = len(part) if isinstance(part, str) else len(part.source())
        start, offset = offset, offset + length
        if offset <= statement.front_end:
            continue
        if isinstance(part, str):
            result.append(("literal", part[max(0, statement.front_end - start):]))
        else:
            result.append(("block", part))
    return result


def _front_date(statement: Statement) -> dt.date | None:
    if not statement.front_end:
        return None
    return next((block.date for block in statement.document.blocks if block.kind == "date"), None)


def title_of(statement: Statement, choose: Callable[[str], Choice]) -> str:
    for block in statement.document.blocks:
        if block.kind == "title" or (block.kind == "heading" and block.lead.strip() == "#"):
            return _strip_inline(block_text(block, choose)) if statement.markdown else block_text(block, choose)
    return statement.slug


def inline_html(statement: Statement, block: Block, text: str) -> str:
    """One segment (or white space) as HTML: escaped; Markdown emphasis and links rendered."""
    if not statement.markdown:
        return html.escape(text, quote=False)
    if not text.strip():
        return html.escape(text, quote=False)
    return _markdown().renderInline(block.expand_links(text))


def block_html(statement: Statement, block: Block, choose, marker: Callable[[str, str], str]) -> str:
    """The inner HTML of a block; ``marker(html, mark)`` wraps segments that need marking."""
    out = []
    for space, choice in block_pieces(block, choose):
        if space:
            out.append(html.escape(space, quote=False))
        if choice.text:
            rendered = inline_html(statement, block, choice.text)
            out.append(marker(rendered, choice.mark) if choice.mark else rendered)
    return "".join(out)


_OPEN, _MID, _CLOSE, _CUT = "\ue001", "\ue002", "\ue003", "\ue004"
_SENTINELS = re.compile("\ue001\\d*\ue002|[\ue001-\ue004]")
_MARKED = re.compile("\ue001(\\d+)\ue002")


def _markdown_body_html(statement: Statement, choose, marker) -> str:
    """A Markdown statement as HTML: its body rebuilt in the target language and rendered by
    markdown-it (tables, footnotes, reference links), raw HTML as text: an HTML block's text is
    shown, its tags are not. Segments to mark travel through the rendering between private-use
    characters, which become ``marker``'s elements (and vanish inside attributes)."""
    marks: list[str] = []

    def chosen(segment: str) -> Choice:
        choice = choose(segment)
        if not choice.mark or not choice.text:
            return choice
        marks.append(choice.mark)
        return Choice(f"{_OPEN}{len(marks) - 1}{_MID}{choice.text}{_CLOSE}", choice.mark)

    out: list[str] = []
    date = _front_date(statement)
    if date and not statement.document.dateline:
        out.append(_time_html(date, format_dateline(date, statement.lang, weekday=False)))
    body: list[str] = []
    has_h1 = False
    for kind, part in _visible_blocks(statement):
        if kind == "literal":
            body.append(part)
        elif part.kind == "dateline":
            body.append(f"{_CUT}dateline{_CUT}")
        else:
            has_h1 = has_h1 or part.kind == "title" or (part.kind == "heading" and part.lead.strip() == "#")
            body.append(layout(part, block_text(part, chosen), escape=_escaper(part, statement)))
    if statement.front_end and not has_h1:
        out.append(f'<h1 class="title">{html.escape(title_of(statement, choose))}</h1>')
    rendered = _full_markdown().render("".join(body)).strip()
    rendered = re.sub(r"<[^>]*>", lambda tag: _SENTINELS.sub("", tag.group()), rendered)  # attributes
    dateline = statement.document.dateline
    if dateline is not None:
        time_html = _time_html(dateline.date, html.escape(dateline_text(dateline, statement).strip()), escaped=True)
        rendered = re.sub(f"<p>{_CUT}dateline{_CUT}</p>", lambda _: time_html, rendered)
    if any(block.kind == "title" for block in statement.document.blocks if block.line > _front_lines(statement)):
        rendered = rendered.replace("<h1>", '<h1 class="title">', 1)

    def opening(match: re.Match) -> str:
        return marker(_CUT, marks[int(match.group(1))]).split(_CUT)[0]

    rendered = _MARKED.sub(opening, rendered).replace(_CLOSE, "</span>" if marker("", "x").endswith("</span>")
                                                       else "</mark>")
    out.append(rendered.replace(_CUT, ""))
    return "\n".join(out)


@lru_cache(maxsize=1)
def _full_markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    # HTML is parsed (so an HTML block is one), never passed through: see the two rules
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").use(footnote_plugin)
    md.add_render_rule("html_block", _html_block_text)
    md.add_render_rule("html_inline", lambda self, tokens, index, options, env:
                       html.escape(tokens[index].content, quote=False))
    return md


def _html_block_text(self, tokens, index, options, env) -> str:
    """An HTML block of the source, shown as its text (each run of text a paragraph)."""
    source = tokens[index].content
    runs = [re.sub(r"<[^>]*>", "", source[start:end]) for start, end in markup.html_runs(source)]
    return "".join(f'<p class="html">{html.escape(html.unescape(run), quote=False)}</p>\n' for run in runs if run.strip())


def body_html(statement: Statement, choose, marker) -> str:
    """The statement as HTML elements, in order: dateline, title, paragraphs, lists…"""
    if statement.markdown:
        return _markdown_body_html(statement, choose, marker)
    out: list[str] = []
    open_group: str | None = None  # "ul", "ol" or "blockquote"
    date = _front_date(statement)
    if date and not statement.document.dateline:
        out.append(_time_html(date, format_dateline(date, statement.lang, weekday=False)))
    has_h1 = any(b.kind == "title" or (b.kind == "heading" and b.lead.strip() == "#")
                 for _, b in _visible_blocks(statement) if isinstance(b, Block))
    if statement.front_end and not has_h1:
        out.append(f'<h1 class="title">{html.escape(title_of(statement, choose))}</h1>')
    for kind, part in _visible_blocks(statement):
        if kind == "literal":
            if _is_structure(part):
                continue
            open_group = _close(out, open_group)
            out.append(_literal_html(statement, part))
            continue
        block = part
        group = _group_of(block)
        if group != open_group:
            _close(out, open_group)
            open_group = group
            if group:
                out.append(_open_group(group, block))
        out.append(_block_element(statement, block, block_html(statement, block, choose, marker)))
    _close(out, open_group)
    return "\n".join(out)


def _is_structure(literal: str) -> bool:
    """Line breaks and the '>' of empty quote lines: structure the elements already show."""
    return not literal.replace(">", "").strip()


def _close(out: list[str], group: str | None) -> None:
    """Close an open list or quote; the caller's open group becomes None."""
    if group:
        out.append(f"</{group}>")


def _group_of(block: Block) -> str | None:
    if block.kind == "list_item":
        return "ol" if re.match(r"\s*\d", block.lead) else "ul"
    if block.kind == "quote":
        return "blockquote"
    return None


def _open_group(group: str, block: Block) -> str:
    if group == "ol":
        start = int(re.match(r"\s*(\d+)", block.lead).group(1))
        return "<ol>" if start == 1 else f'<ol start="{start}">'
    return f"<{group}>"


def _block_element(statement: Statement, block: Block, inner: str) -> str:
    if block.kind == "dateline":
        return _time_html(block.date, html.escape(dateline_text(block, statement).strip()), escaped=True)
    if block.kind == "title":
        return f'<h1 class="title">{inner}</h1>'
    if block.kind == "heading":
        level = _heading_level(block)
        return f"<h{level}>{inner}</h{level}>"
    if block.kind == "list_item":
        return f"<li>{inner}</li>"
    if block.kind in ("slogan", "signature"):
        return f'<p class="{block.kind}">{inner}</p>'
    return f"<p>{inner}</p>"


def _heading_level(block: Block) -> int:
    hashes = block.lead.strip()
    if hashes and set(hashes) == {"#"}:
        return min(len(hashes), 6)
    return 1 if "=" in block.tail else 2


def _time_html(date: dt.date | None, text: str, escaped: bool = False) -> str:
    shown = text if escaped else html.escape(text)
    if date is None:
        return f'<p class="dateline">{shown}</p>'
    return f'<p class="dateline"><time datetime="{date.isoformat()}">{shown}</time></p>'


def _literal_html(statement: Statement, text: str) -> str:
    if statement.markdown:
        return _markdown().render(text).strip()
    return f'<pre class="literal">{html.escape(text.strip(chr(10)))}</pre>'


_STYLE = """
body { font: 1.05rem/1.6 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.dateline { color: #555; }
.slogan { font-weight: bold; margin: 0.2rem 0; }
.signature { font-style: italic; margin-top: 1.5rem; }
blockquote { border-inline-start: 4px solid #ccc; margin-inline: 0; padding-inline-start: 1rem; color: #444; }
.draft-banner { background: #fff3cd; border: 1px solid #e0b000; padding: 0.5rem 1rem; font-weight: bold; }
.unreviewed { background: #fff3cd; }
.untranslated { background: #f8d7da; }
table.proof { border-collapse: collapse; width: 100%; }
table.proof td, table.proof th { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: start; }
tr.state-untranslated td.target { background: #f8d7da; }
tr.state-fuzzy td.target { background: #fff3cd; }
tr.state-approved td.state { color: #0a6b2d; font-weight: bold; }
""".strip()
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"


def _page(statement: Statement, title: str, body: str, extra_class: str = "",
          direction: str | None = None, page_lang: str | None = None) -> str:
    lang = page_lang or _bcp47(statement.lang)
    css_class = f' class="{extra_class}"' if extra_class else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction or text_direction(statement.lang)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Chorus">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{_STYLE}\n</style>\n"
        "</head>\n"
        f"<body{css_class}>\n<main>\n{body}\n</main>\n</body>\n"
        "</html>\n"
    )


def html_page(statement: Statement, choose, unreviewed: int, draft: bool) -> str:
    def marker(rendered: str, mark: str) -> str:
        return f'<span class="{mark}"{_source_attributes(statement, mark)}>{rendered}</span>'

    parts = []
    if draft and unreviewed:
        parts.append(f'<p class="draft-banner" role="note">{html.escape(draft_notice(unreviewed))}</p>')
    parts.append(f'<article class="statement">\n{body_html(statement, choose, marker)}\n</article>')
    return _page(statement, title_of(statement, choose), "\n".join(parts), "draft" if draft and unreviewed else "")


def proof_page(statement: Statement, threshold: int) -> str:
    """Source and target side by side, one row per segment, with the state of each."""
    ready = readiness(statement, threshold)
    source_lang, target_lang = _bcp47(statement.source_lang), _bcp47(statement.lang)
    direction = text_direction(statement.lang)
    rows = []
    dateline = statement.document.dateline
    if dateline is not None:
        rows.append(_proof_row(0, "dateline", html.escape(dateline.text.strip()),
                               html.escape(dateline_text(dateline, statement).strip()),
                               "date", "date (never translated)", source_lang, target_lang, direction))
    for number, segment in enumerate(statement.segments(), start=1):
        msgstr, state = statement.lookup(segment)
        target = html.escape(_one_line(msgstr)) if msgstr else "<em>—</em>"
        rows.append(_proof_row(number, state, html.escape(segment), target, state,
                               STATE_LABELS[state], source_lang, target_lang, direction))
    summary = ", ".join(f"{ready.counts[state]} {STATE_LABELS[state]}" for state in catalog.STATES)
    shown = title_of(statement, chooser(statement, True))
    title = f"Proof: {shown} [{statement.lang}]"
    body = (
        f'<h1>Proof: <bdi lang="{target_lang}" dir="{direction}">{html.escape(shown)}</bdi> '
        f"[{html.escape(statement.lang)}]</h1>\n"
        f'<p class="summary">{html.escape(summary)}: {ready.percent:.0f}% of {ready.total} segments '
        f"reviewed ({'ready to publish' if ready.publishable else 'not ready to publish'} at "
        f"{threshold}%).</p>\n"
        '<table class="proof">\n<thead><tr><th>#</th>'
        f'<th lang="{source_lang}">source ({html.escape(statement.source_lang)})</th>'
        f"<th>target ({html.escape(statement.lang)})</th><th>state</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows) + "\n</tbody>\n</table>"
    )
    # The page speaks English around the segments: it says so and runs left to right, each
    # source and target cell (and the statement's title) in its own language and direction.
    return _page(statement, title, body, direction="ltr", page_lang="en")


def _proof_row(number, state, source, target, css_state, label, source_lang, target_lang, direction) -> str:
    return (f'<tr class="state-{css_state}"><td>{number or ""}</td>'
            f'<td class="source" lang="{source_lang}" dir="auto">{source}</td>'
            f'<td class="target" lang="{target_lang}" dir="{direction}">{target}</td>'
            f'<td class="state">{html.escape(label)}</td></tr>')


def _source_attributes(statement: Statement, mark: str) -> str:
    """Text left in the source language says so, and keeps its own direction."""
    if mark != "untranslated":
        return ""
    lang = f' lang="{_bcp47(statement.source_lang)}"'
    if text_direction(statement.source_lang) == text_direction(statement.lang):
        return lang
    return f'{lang} dir="{text_direction(statement.source_lang)}"'


def text_direction(lang: str) -> str:
    """``rtl`` for right-to-left languages (ar, fa, he, ur…), from Babel's locale data."""
    return _locale(lang).text_direction


@lru_cache(maxsize=64)
def _locale(lang: str):
    from babel import Locale

    return Locale.parse(lang.replace("-", "_"))


def _bcp47(lang: str) -> str:
    return lang.replace("_", "-")


def _base(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower()


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
