"""The text and Markdown writers: a statement rebuilt in its own format, a Markdown statement as
plain text, a plain-text statement as Markdown.

A block whose text is unchanged keeps its hard wraps; a translated block is re-wrapped at the
width of the source paragraph, with the source's continuation prefixes (``> ``, list
indentation). Front-matter fields are quoted as YAML or TOML needs them; the dateline is
written the target language's way (Babel).

>>> wrap("one two three four", 9, 0, "> ")
'one two\\n> three\\n> four'
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import lru_cache
from typing import Callable

from . import markup
from .document import Block, FRONT_MATTER, restore_joints
from .publishing import draft_notice
from .statement import Choice, Statement, _bcp47, _locale, block_text

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MD_BLOCK_START = re.compile(r"^(?:[-+*>#|=]|\d{1,9}[.)](?:\s|$)|```|~~~)")
_FRONT_LANG = re.compile(r"^lang[ \t]*:.*$", re.M)
_TOML_LANG = re.compile(r"^lang[ \t]*=.*$", re.M)


# --- text and Markdown ---------------------------------------------------------------------


def rebuild(statement: Statement, choose: Callable[[str], Choice]) -> str:
    """The statement in its source format, in the target language."""

    def write(block: Block) -> str:
        if not block.translatable:
            return block.source()
        if _in_front_matter(block, statement):
            return front_matter_value(block, block_text(block, choose), statement)
        return layout(block, block_text(block, choose), escape=_escaper(block))

    text = _written(statement, write)
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


def _escaper(block: Block) -> Callable[[str], str] | None:
    """What a translation needs to stay in its syntax: a table cell without a ``|`` of its own."""
    return markup.table_escape if block.kind == "table_cell" else None


def _in_front_matter(block: Block, statement: Statement) -> bool:
    return block.kind in ("title", "front_matter") and statement.markdown and block.line <= _front_lines(statement)


def front_matter_value(block: Block, text: str, statement: Statement) -> str:
    """A front-matter field with its translation ``text``, written so that the front matter
    stays valid: quoted as YAML or TOML needs it (see :func:`chorus.markup.toml_string` and
    :func:`chorus.markup.yaml_string`); a line of a YAML block scalar re-wrapped under its
    indentation. Unchanged text is the source's own."""
    if text == block.text:
        return block.source()
    if not block.lead.strip():  # inside a block scalar: the indentation is all the syntax
        return layout(block, text)
    quote = block.lead[-1] if block.lead[-1:] in "\"'" else ""
    key, tail = (block.lead[:-1], block.tail[1:]) if quote else (block.lead, block.tail)
    if str(statement.document.parts[0]).startswith("+++"):
        return key + markup.toml_string(text, quote or '"') + tail
    return key + markup.yaml_string(text, quote, block.text) + tail


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
    """A Markdown statement as plain text: front matter, heading marks and inline markup dropped.

    Footnotes read as a reader of the HTML sees them: a reference is ``[1]``, a footnote's
    text starts with its ``[1]``; a footnote no reference points to is left out.
    """
    out: list[str] = []
    numbers = _note_numbers(statement)
    skipped = dropped = False
    for kind, part in _visible_blocks(statement):
        if kind == "literal":
            out.append(part.lstrip("\n") if skipped else part)
            skipped = False
        elif part.kind == "dateline":
            out.append(dateline_text(part, statement))
        elif not part.translatable:
            skipped = dropped = True  # with the blank lines after it
        else:
            text = markup.NOTE_PLACE.sub(f"{_NOTE_MARK}\\1{_NOTE_MARK}", block_text(part, choose))
            text = _strip_inline(part.expand_links(text))
            text = _NOTE_CUTS.sub(r"[\1]", text)
            lead = part.lead.strip() + " " if part.kind in ("list_item", "quote") else ""
            if part.kind == "footnote":
                label = _NOTE_LABEL.match(part.lead)
                lead = f"[{numbers[label.group(1)]}] " if label and label.group(1) in numbers else ""
            out.append(lead + text)
    body = "".join(out).lstrip("\n")
    if dropped and body.endswith("\n\n"):  # the last thing in the source was left out
        body = body.rstrip("\n") + "\n"
    date = _front_date(statement)
    if date and not statement.document.dateline:
        body = format_dateline(date, statement.lang, weekday=False) + "\n\n" + body
    return body


_NOTE_MARK = "\ue004"  # around a footnote number while the text goes through markdown-it
_NOTE_CUTS = re.compile("\ue004(\\d+)\ue004")
_NOTE_LABEL = re.compile(r"[\s>]*\[\^([^\]\s]+)\]:")


def _note_numbers(statement: Statement) -> dict[str, int]:
    """The number a reader sees for each footnote label, from the references' placeholders."""
    numbers: dict[str, int] = {}
    for block in statement.document.blocks:
        for link in block.links:
            if link.startswith("^"):
                number, label = link[1:].split(":", 1)
                numbers.setdefault(label, int(number))
    return numbers


def _strip_inline(text: str) -> str:
    rendered = _markdown().renderInline(text)
    rendered = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} ({m.group(1)})", rendered)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def markdown_from_text(statement: Statement, choose: Callable[[str], Choice]) -> str:
    """A plain-text statement as Markdown: the same text, its title as a level-one heading."""
    return _written(statement, lambda block: ("# " if block.kind == "title" else "")
                    + layout(block, block_text(block, choose)))


def _written(statement: Statement, write: Callable[[Block], str]) -> str:
    """The statement's parts in order: literals as they are, the dateline the target
    language's way, each other block as ``write`` makes it."""
    return "".join(part if isinstance(part, str) else
                   dateline_text(part, statement) if part.kind == "dateline" else write(part)
                   for part in statement.document.parts)


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
