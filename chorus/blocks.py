"""The document model: a :class:`Document` is literal strings and :class:`Block` objects, and
joining them gives back the source byte for byte; the helpers here build blocks from lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import markup

KINDS = ("dateline", "title", "heading", "paragraph", "list_item", "quote", "slogan", "signature",
         "front_matter", "table_cell", "footnote", "html")
# A footnote definition no reference points to: markdown-it shows nothing of it, so it is kept
# in a Markdown export as it stands, never offered for translation, and left out of the others.
UNREFERENCED_NOTE = "unreferenced_note"
NOT_TRANSLATED = ("dateline", "date", UNREFERENCED_NOTE)


@dataclass
class Block:
    """One translatable unit of a statement: a title, a paragraph, a list item, a slogan…

    ``text`` is what the translator sees: hard-wrapped lines joined by single spaces, inline
    Markdown kept, link destinations moved out to ``links`` (the text says ``[label][1]``).
    ``lead``, ``joints`` and ``tail`` hold the markup and line breaks around and inside it.
    """

    kind: str
    line: int
    text: str
    lead: str = ""
    tail: str = ""
    joints: list[tuple[int, str]] = field(default_factory=list)  # offsets in expand_links(text)
    links: list[str] = field(default_factory=list)
    date: dt.date | None = None
    weekday: bool = False
    pieces: list[str] = field(default_factory=list)

    @property
    def translatable(self) -> bool:
        return self.kind not in NOT_TRANSLATED

    @property
    def segments(self) -> list[str]:
        """The stripped sentence segments, as they appear in catalogs."""
        return [piece.strip() for piece in self.pieces if piece.strip()]

    def segment_lines(self) -> list[tuple[str, int]]:
        """Each segment with the source line it starts on."""
        result, offset, line, joint = [], 0, self.line, 0
        for piece in self.pieces:
            stripped = piece.strip()
            if stripped:
                start = offset + piece.index(stripped[0])
                if self.links:
                    start = len(self.expand_links(self.text[:start]))
                while joint < len(self.joints) and self.joints[joint][0] < start:
                    line += self.joints[joint][1].count("\n")
                    joint += 1
                result.append((stripped, line))
            offset += len(piece)
        return result

    def expand_links(self, text: str) -> str:
        """Put the link destinations, reference and footnote labels back into ``text`` (a
        translation of this block)."""
        return markup.expand(text, self.links) if self.links else text

    def source(self) -> str:
        """The block exactly as it stands in the source."""
        text = restore_joints(self.expand_links(self.text), self.joints)
        return self.lead + text + self.tail


def restore_joints(text: str, joints: list[tuple[int, str]]) -> str:
    """Replace the single spaces at the joints' offsets by the source's line breaks."""
    if not joints:
        return text
    out, previous = [], 0
    for at, joint in joints:
        out.append(text[previous:at])
        out.append(joint)
        previous = at + 1
    out.append(text[previous:])
    return "".join(out)


@dataclass
class Document:
    """A parsed statement: literal strings and blocks, in source order."""

    format: str  # "text" or "markdown"
    lang: str
    parts: list[str | Block]

    @property
    def blocks(self) -> list[Block]:
        return [part for part in self.parts if isinstance(part, Block)]

    @property
    def date(self) -> dt.date | None:
        return next((block.date for block in self.blocks if block.date), None)

    @property
    def dateline(self) -> Block | None:
        return next((block for block in self.blocks if block.kind == "dateline"), None)

    @property
    def title(self) -> str | None:
        return next((block.text for block in self.blocks if block.kind == "title"), None)

    def source(self) -> str:
        return "".join(part if isinstance(part, str) else part.source() for part in self.parts)


def line_blocks(kind: str, lines: list[str], first_line: int) -> list[str | Block]:
    parts: list[str | Block] = []
    for offset, line in enumerate(lines):
        if offset:
            parts.append("\n")
        parts.append(lines_block(kind, first_line + offset, [line]))
    return parts


def dateline_block(line: str, number: int, date: dt.date, weekday: bool) -> Block:
    return Block(kind="dateline", line=number, text=line, date=date, weekday=weekday)


def lines_block(kind: str, first_line: int, lines: list[str], prefixes: list[str] | None = None) -> Block:
    lead, text, joints, tail = _join_lines(lines, prefixes or [""] * len(lines))
    return Block(kind=kind, line=first_line, text=text, lead=lead, tail=tail, joints=joints)


def _join_lines(lines: list[str], prefixes: list[str]):
    """Join hard-wrapped lines into one text; remember what each joint replaced."""
    if len(lines) == 1:  # most blocks: nothing to join
        content = lines[0][len(prefixes[0]):]
        core = content.strip()
        if core:
            start = content.index(core[0])
            return prefixes[0] + content[:start], core, [], content[start + len(core):]
    words, joints, pending, lead, length = [], [], "", None, 0
    for index, (line, prefix) in enumerate(zip(lines, prefixes)):
        content = line[len(prefix):]
        core = content.strip()
        left = content[: len(content) - len(content.lstrip())]
        pending += ("\n" if index else "") + prefix + left
        if not core:
            continue
        if lead is None:
            lead = pending
        else:
            joints.append((length, pending))
            length += 1
        words.append(core)
        length += len(core)
        pending = content[len(content.rstrip()):]
    return lead or "", " ".join(words), joints, pending
