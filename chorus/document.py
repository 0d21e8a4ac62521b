"""Parse a statement (plain text or Markdown) into blocks, keeping a skeleton for exact rebuilds.

A :class:`Document` is a list of parts: literal strings (blank lines, list markers between items,
front-matter keys, code) and :class:`Block` objects holding translatable text. Joining the parts
gives back the source byte for byte (the model is :mod:`chorus.blocks`; the parsers are
:mod:`chorus.parse_plain`, :mod:`chorus.parse_markdown` with :mod:`chorus.front_matter`, and
:mod:`chorus.datelines`; their public names are importable from here):

>>> doc = parse("Sunday, March 3, 2024\\n\\nStop the attacks\\n\\nWe stand with\\nthe workers.\\n", "en")
>>> [block.kind for block in doc.blocks]
['dateline', 'title', 'paragraph']
>>> doc.blocks[2].text
'We stand with the workers.'
>>> doc.source() == "Sunday, March 3, 2024\\n\\nStop the attacks\\n\\nWe stand with\\nthe workers.\\n"
True
"""

from __future__ import annotations

import re

from .blocks import KINDS, NOT_TRANSLATED, UNREFERENCED_NOTE, Block, Document, restore_joints
from .datelines import parse_dateline
from .markup import DEFAULT_FIELDS, FRONT_MATTER
from .parse_markdown import parse_markdown_parts
from .parse_plain import parse_plain_parts

_IMAGE = "\ue000"  # stands for the "!" of "![" while a text is split into sentences


def parse(text: str, lang: str, format: str = "text", fields: tuple[str, ...] = DEFAULT_FIELDS) -> Document:
    """Parse ``text`` (already decoded, ``\\n`` line ends) as plain text or Markdown; ``fields``
    are the front-matter fields offered for translation (``front_matter`` in chorus.toml)."""
    parts = parse_markdown_parts(text, lang, tuple(fields)) if format == "markdown" else parse_plain_parts(text, lang)
    document = Document(format=format, lang=lang, parts=_merge_literals(parts))
    for block in document.blocks:
        if block.translatable:
            block.pieces = _split(block, lang)
    return document


def _split(block: Block, lang: str) -> list[str]:
    """The block's text in sentences; an image (``![alt][1]``) or a table cell is never cut."""
    from .segment import split_sentences  # sentencex loads only when something is parsed

    if block.kind == "table_cell":
        return [block.text]
    if "![" not in block.text:
        pieces = split_sentences(block.text, lang)
    else:
        masked = block.text.replace("![", _IMAGE + "[")
        pieces = [piece.replace(_IMAGE, "!") for piece in split_sentences(masked, lang)]
    return _notes_stay(pieces) if "[^" in block.text else pieces


_LEADING_NOTES = re.compile(r"(?:\[\^\d+\])+")


def _notes_stay(pieces: list[str]) -> list[str]:
    """A footnote reference after a sentence's stop belongs to that sentence."""
    joined: list[str] = []
    for piece in pieces:
        notes = _LEADING_NOTES.match(piece)
        if joined and notes and joined[-1].strip():
            joined[-1] += notes.group()
            piece = piece[notes.end():]
            if not piece:
                continue
        joined.append(piece)
    return joined


def format_for(filename: str) -> str:
    return "markdown" if filename.lower().endswith((".md", ".markdown")) else "text"


def _merge_literals(parts: list[str | Block]) -> list[str | Block]:
    merged: list[str | Block] = []
    for part in parts:
        if isinstance(part, Block) and not part.text:
            part = part.source()
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        merged.append(part)
    return merged


__all__ = ["parse", "format_for", "parse_dateline", "Block", "Document", "restore_joints", "KINDS",
           "NOT_TRANSLATED", "UNREFERENCED_NOTE", "DEFAULT_FIELDS", "FRONT_MATTER"]
