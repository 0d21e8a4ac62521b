"""Parse a statement (plain text or Markdown) into blocks, keeping a skeleton for exact rebuilds.

A :class:`Document` is a list of parts: literal strings (blank lines, list markers between items,
front-matter keys, code) and :class:`Block` objects holding translatable text. Joining the parts
gives back the source byte for byte:

>>> doc = parse("Sunday, March 3, 2024\\n\\nStop the attacks\\n\\nWe stand with\\nthe workers.\\n", "en")
>>> [block.kind for block in doc.blocks]
['dateline', 'title', 'paragraph']
>>> doc.blocks[2].text
'We stand with the workers.'
>>> doc.source() == "Sunday, March 3, 2024\\n\\nStop the attacks\\n\\nWe stand with\\nthe workers.\\n"
True
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from babel import Locale

from . import markup
from .markup import DEFAULT_FIELDS, FRONT_MATTER

KINDS = ("dateline", "title", "heading", "paragraph", "list_item", "quote", "slogan", "signature",
         "front_matter", "table_cell", "footnote", "html")
# A footnote definition no reference points to: markdown-it shows nothing of it, so it is kept
# in a Markdown export as it stands, never offered for translation, and left out of the others.
UNREFERENCED_NOTE = "unreferenced_note"
NOT_TRANSLATED = ("dateline", "date", UNREFERENCED_NOTE)

_LIST_ITEM = re.compile(r"^(\s*)([-*•+]|\d{1,3}[.)])(\s+)(?=\S)")
_QUOTE_LINE = re.compile(r"^\s*>")
_MD_PREFIX = re.compile(r"(?:[\s>]*\[\^[^\]\s]+\]:)?[\s>#*+\-\d.)]*")
_LINK = markup.INLINE_LINK
_LINK_REF = markup.LINK_REF
_UNDERLINE = re.compile(r"^[ \t]*(=+|-+|~+|\*+)[ \t]*$")
_IMAGE = "\ue000"  # stands for the "!" of "![" while a text is split into sentences


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


def parse(text: str, lang: str, format: str = "text", fields: tuple[str, ...] = DEFAULT_FIELDS) -> Document:
    """Parse ``text`` (already decoded, ``\\n`` line ends) as plain text or Markdown; ``fields``
    are the front-matter fields offered for translation (``front_matter`` in chorus.toml)."""
    parts = _parse_markdown(text, lang, tuple(fields)) if format == "markdown" else _parse_plain(text, lang)
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


# --- plain text ----------------------------------------------------------------------------


def _parse_plain(text: str, lang: str) -> list[str | Block]:
    chunks = _chunks(text)
    parts: list[str | Block] = []
    total = sum(1 for chunk in chunks if not isinstance(chunk, str))
    position, seen = 0, set()  # seen: the block kinds found so far
    width = _text_width(text)
    for chunk in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
            continue
        first_line, lines = chunk
        new = _classify_plain(lines, first_line, position, total, lang, seen, width)
        seen.update(part.kind for part in new if isinstance(part, Block))
        parts.extend(new)
        position += 1
    return parts


def _chunks(text: str) -> list:
    """Split into literal strings (line ends, blank lines) and (first line number, lines) runs."""
    result: list = []
    runs: list[tuple[int, int, int]] = []  # first line number, start offset, end offset
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if runs and runs[-1][2] == offset - 1:
                runs[-1] = (runs[-1][0], runs[-1][1], offset + len(line))
            else:
                runs.append((number, offset, offset + len(line)))
        offset += len(line) + 1
    previous = 0
    for number, start, end in runs:
        result.append(text[previous:start])
        result.append((number, text[start:end].split("\n")))
        previous = end
    result.append(text[previous:])
    return [part for part in result if part != ""]


def _text_width(text: str) -> int:
    """The width the text's paragraphs are wrapped at: its longest line (at least 50). Lines
    much shorter than it that follow each other were broken on purpose."""
    return max([50] + [len(line.rstrip()) for line in text.split("\n") if not _UNDERLINE.match(line)])


def _classify_plain(lines, first_line, position, total, lang, seen: set[str], width: int = 72) -> list[str | Block]:
    underlined = _underlined(lines, first_line, position, total, lang, seen, width)
    if underlined is not None:
        return underlined
    has_title = "title" in seen
    has_content = not seen.isdisjoint(("paragraph", "list_item", "quote", "line", "heading"))
    if len(lines) == 1 and position <= 1:
        found = parse_dateline(lines[0], lang)
        if found:
            return [_dateline(lines[0], first_line, *found)]
    if _LIST_ITEM.match(lines[0]):
        return _list_items(lines, first_line)
    if all(_QUOTE_LINE.match(line) for line in lines):
        prefixes = [re.match(r"\s*>\s?", line).group(0) for line in lines]
        return [_block("quote", first_line, lines, prefixes)]
    if not has_title and not has_content and len(lines) == 1 and _looks_like_title(lines[0]):
        if position < total - 1:
            return [_block("title", first_line, lines)]
    if has_content and _is_slogans(lines):
        return _line_blocks("slogan", lines, first_line)
    if _indented_list(lines):
        return _line_blocks("line", lines, first_line)
    if position == total - 1 and position > 0 and _is_signature(lines):
        return _line_blocks("signature", lines, first_line)
    if _line_structured(lines, width):
        return _line_blocks("line", lines, first_line)
    return [_block("paragraph", first_line, lines)]


def _underlined(lines, first_line, position, total, lang, seen, width) -> list[str | Block] | None:
    """A heading underlined with ``====`` or ``----`` (and what follows it in the chunk)."""
    if len(lines) < 2 or not _UNDERLINE.match(lines[1]) or not lines[0].strip() or _LIST_ITEM.match(lines[0]):
        return None
    if len(lines[1].strip()) < 3 and len(lines[0].strip()) > 3:
        return None
    kind = "title" if "title" not in seen and not seen.intersection(("paragraph", "line")) else "heading"
    block = _block(kind, first_line, lines[:1])
    block.tail += "\n" + lines[1]
    parts: list[str | Block] = [block]
    if len(lines) > 2:
        seen.add(kind)
        parts.append("\n")
        parts.extend(_classify_plain(lines[2:], first_line + 2, position, total, lang, seen, width))
    return parts


def _indented_list(lines: list[str]) -> bool:
    """Two or more lines, each indented alike."""
    return len(lines) >= 2 and all(line[:1] in (" ", "\t") for line in lines) \
        and len({len(line) - len(line.lstrip()) for line in lines}) == 1


def _line_structured(lines: list[str], width: int) -> bool:
    """Lines that stand on their own: an indented list, or short lines none of which continues
    a sentence (a roster of names, a list without bullets); never hard-wrapped prose."""
    if len(lines) < 2:
        return False
    if _indented_list(lines):
        return True
    if any(line.lstrip()[:1].islower() for line in lines):
        return False
    return all(len(line.rstrip()) < 0.75 * width for line in lines[:-1])


def _looks_like_title(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= 150 and not stripped.endswith((".", ",", ";", ":"))


def _is_slogans(lines: list[str]) -> bool:
    return all(len(line.split()) <= 12 and line.rstrip().endswith(("!", "!»", "!\"", "!”")) for line in lines)


def _is_signature(lines: list[str]) -> bool:
    if len(lines) > 3:
        return False
    for line in lines:
        stripped = line.strip()
        if len(stripped) > 80:
            return False
        if stripped.endswith((".", "!", "?", ":", ";")) and not stripped.startswith(("—", "–", "-")):
            return False
    return True


def _line_blocks(kind: str, lines: list[str], first_line: int) -> list[str | Block]:
    parts: list[str | Block] = []
    for offset, line in enumerate(lines):
        if offset:
            parts.append("\n")
        parts.append(_block(kind, first_line + offset, [line]))
    return parts


def _list_items(lines: list[str], first_line: int) -> list[str | Block]:
    items: list[tuple[int, list[str]]] = []
    for offset, line in enumerate(lines):
        if _LIST_ITEM.match(line) or not items:
            items.append((first_line + offset, [line]))
        else:
            items[-1][1].append(line)
    parts: list[str | Block] = []
    for number, item_lines in items:
        if parts:
            parts.append("\n")
        marker = _LIST_ITEM.match(item_lines[0])
        prefixes = [marker.group(0) if marker else ""] + [""] * (len(item_lines) - 1)
        parts.append(_block("list_item", number, item_lines, prefixes))
    return parts


def _dateline(line: str, number: int, date: dt.date, weekday: bool) -> Block:
    return Block(kind="dateline", line=number, text=line, date=date, weekday=weekday)


def _block(kind: str, first_line: int, lines: list[str], prefixes: list[str] | None = None) -> Block:
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


# --- Markdown ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt  # only Markdown statements need it
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
    # Footnote definitions stay where they stand in the source, with their lines, referenced
    # or not (the tail rule would move them to the end and drop the unreferenced ones).
    md.core.ruler.disable("footnote_tail")
    return md


def _parse_markdown(text: str, lang: str, fields: tuple[str, ...] = DEFAULT_FIELDS) -> list[str | Block]:
    parts: list[str | Block] = []
    body, body_line = text, 0
    front = FRONT_MATTER.match(text)
    if front:
        parts.extend(_front_matter(front, lang, fields))
        body, body_line = text[front.end():], front.group(0).count("\n")
    lines = body.split("\n")
    blocks = _markdown_blocks(body, lines, body_line, lang, has_title=_has_title(parts))
    cursor = 0  # index of the next line not yet emitted
    for start, end, block_parts in blocks:
        if start > cursor:
            parts.append("\n".join(lines[cursor:start]) + "\n")
        elif start < cursor:
            continue
        parts.extend(block_parts)
        cursor = end
        if cursor < len(lines):
            parts.append("\n")
    if cursor < len(lines):
        parts.append("\n".join(lines[cursor:]))
    elif parts and isinstance(parts[-1], str) and parts[-1] == "\n" and not body.endswith("\n"):
        parts.pop()
    return parts


def _has_title(parts: list[str | Block]) -> bool:
    return any(isinstance(p, Block) and p.kind == "title" for p in parts)


def _front_matter(match: re.Match, lang: str, fields: tuple[str, ...]) -> list[str | Block]:
    toml = markup.is_toml(match)
    parts: list[str | Block] = [match.group(0)[: match.start(1)]]
    lines = match.group(1).split("\n")[:-1]
    index = 0
    while index < len(lines):
        scalar = None if toml else _block_scalar(lines, index, fields)
        if scalar is not None:
            index, scalar_parts = scalar
            parts.extend(scalar_parts)
            continue
        parts.append(_front_matter_line(lines[index], index + 2, lang, fields, toml))
        parts.append("\n")
        index += 1
    parts.append(match.group(0)[match.end(1):])
    return parts


def _block_scalar(lines: list[str], index: int, fields: tuple[str, ...]) -> tuple[int, list[str | Block]] | None:
    """A YAML block scalar (``description: |`` or ``>`` and its indented lines) of a field to
    translate: (index of the line after it, parts). Each paragraph of a folded scalar (``>``)
    is one block, re-wrapped in translation; a literal scalar (``|``) keeps its line breaks
    where they mean something (lines that stand on their own are a block each, as in a
    plain-text statement). None for anything else, and for indentation Chorus would not give
    back the same (deeper lines, tabs, an explicit indentation digit)."""
    found = markup.YAML_LINE.match(lines[index])
    header = markup.BLOCK_SCALAR.fullmatch(found.group(3)) if found and found.group(1) in fields else None
    if header is None:
        return None
    end = index + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in " \t"):
        end += 1
    while end > index + 1 and not lines[end - 1].strip():
        end -= 1
    body = lines[index + 1: end]
    content = [line for line in body if line.strip()]
    if not content:
        return None
    indent = re.match(r" *", content[0]).group()
    if not indent or any(not line.startswith(indent) or line[len(indent)] in " \t" for line in content):
        return None
    width = max([50] + [len(line) for line in content])
    parts: list[str | Block] = [lines[index], "\n"]
    group: list[str] = []
    for offset, line in enumerate(body + [""]):
        if line.strip():
            group.append(line)
            continue
        if group:
            first = index + 2 + offset - len(group) + 1
            if header.group(1) == "|" and _line_structured(group, width):
                blocks = [_block("front_matter", first + n, [item], [indent]) for n, item in enumerate(group)]
            else:
                blocks = [_block("front_matter", first, group, [indent] * len(group))]
            for block in blocks:
                parts.extend([block, "\n"])
            group = []
        if offset < len(body):
            parts.append(line + "\n")
    return end, parts


def _front_matter_line(line: str, number: int, lang: str, fields: tuple[str, ...], toml: bool) -> str | Block:
    found = (markup.TOML_LINE if toml else markup.YAML_LINE).match(line)
    if not found:
        return line
    key, colon, value, space = found.groups()
    bare = value.strip("\"'")
    if key == "date" and value:
        found_date = parse_dateline(bare, lang)
        if found_date:
            return Block(kind="date", line=number, text=line, date=found_date[0], weekday=found_date[1])
    if key not in fields or not value:
        return line
    quote = value[0] if value[0] in "\"'" and value.endswith(value[0]) and len(value) > 1 else ""
    if toml and not quote:
        return line  # a number, a date, an array: nothing to translate
    inner = value[1:-1] if quote else value
    if not inner.strip() or (quote and "\\" in inner) or (quote == "'" and "'" in inner) \
            or (not quote and value.startswith(("|", ">", "[", "{"))):
        return line  # escapes, collections (and block scalars Chorus cannot read) stay as they are
    kind = "title" if key == "title" else "front_matter"
    return Block(kind=kind, line=number, text=inner, lead=key + colon + quote, tail=quote + space)


def _markdown_blocks(body: str, lines: list[str], line_offset: int, lang: str, has_title: bool):
    """(first line index, end line index, parts) for each run of inline text Markdown found."""
    env: dict = {}
    tokens = _markdown().parse(body, env)
    references = {markup.normalize_label(label) for label in env.get("references", {})}
    footnotes = {label: index + 1 for index, label in
                 ((index, item.get("label")) for index, item in env.get("footnotes", {}).get("list", {}).items())
                 if label is not None}
    unreferenced = {label[1:] for label, number in env.get("footnotes", {}).get("refs", {}).items() if number < 0}
    context = (references, footnotes)
    found, stack = [], []
    content_seen = False
    rows_done: set[int] = set()
    for token in tokens:
        if token.nesting == 1:
            stack.append(token)
        elif token.nesting == -1:
            stack.pop()
        if token.type == "footnote_reference_open" and token.meta.get("label") in unreferenced and token.map:
            start, end = token.map
            while end > start + 1 and not lines[end - 1].strip():
                end -= 1
            found.append((start, end, [Block(kind=UNREFERENCED_NOTE, line=start + line_offset + 1,
                                             text="\n".join(lines[start:end]))]))
            continue
        if any(t.type == "footnote_reference_open" and t.meta.get("label") in unreferenced for t in stack):
            continue
        if token.type == "tr_open" and token.map and token.map[0] not in rows_done:
            rows_done.add(token.map[0])
            row = _table_row(lines[token.map[0]], token.map[0] + line_offset + 1, context)
            if row is not None:
                found.append((token.map[0], token.map[0] + 1, row))
            continue
        if token.type == "html_block" and token.map:
            start, end = token.map
            parts = _html_block(lines[start:end], start + line_offset + 1)
            if parts is not None:
                found.append((start, end, parts))
            continue
        if token.type != "inline" or not token.map or any(t.type in ("th_open", "td_open") for t in stack):
            continue
        kind = _markdown_kind(stack)
        if kind == "heading" and not has_title and stack[-1].tag == "h1" and not content_seen:
            kind, has_title = "title", True
        start, end = token.map
        raw = lines[start:end]
        parts = _markdown_block(kind, raw, token.content, start + line_offset + 1, context)
        if parts is None:
            continue
        if kind == "paragraph":
            parts = _refine_paragraph(parts, raw, start + line_offset + 1, lang, content_seen, has_title)
        if any(isinstance(p, Block) and p.kind in ("paragraph", "list_item", "quote") for p in parts):
            content_seen = True
        found.append((start, end, parts))
    found.sort(key=lambda item: item[0])
    _find_signature(found, lines)
    return found


def _find_signature(found: list, lines: list[str]) -> None:
    """The last paragraph of the body (footnotes below it do not count) is a signature when
    its lines look like one, as in a plain-text statement."""
    body = [index for index, (_, _, parts) in enumerate(found)
            if not any(isinstance(p, Block) and p.kind in ("footnote", UNREFERENCED_NOTE) for p in parts)]
    if len(body) < 2:
        return
    start, end, parts = found[body[-1]]
    blocks = [p for p in parts if isinstance(p, Block)]
    if blocks and blocks[0].kind == "paragraph" and not blocks[0].links:
        raw = lines[start:end]
        if _is_signature(raw) and not any(_LIST_ITEM.match(line) for line in raw):
            found[body[-1]] = (start, end, _line_blocks("signature", raw, blocks[0].line))


def _markdown_kind(stack) -> str:
    types = [token.type for token in stack]
    if "footnote_reference_open" in types:
        return "footnote"
    if "heading_open" in types:
        return "heading"
    if "list_item_open" in types:
        return "list_item"
    if "blockquote_open" in types:
        return "quote"
    return "paragraph"


def _table_row(line: str, number: int, context) -> list[str | Block] | None:
    """A table row: literal pipes and spaces, a block for each cell."""
    cells = markup.table_cells(line)
    if not cells:
        return None
    parts: list[str | Block] = []
    position = 0
    for start, end in cells:
        parts.append(line[position:start])
        block = Block(kind="table_cell", line=number, text=line[start:end])
        _move_links_out(block, context)
        parts.append(block)
        position = end
    parts.append(line[position:])
    return [part for part in parts if part != ""]


def _html_block(raw: list[str], number: int) -> list[str | Block] | None:
    """An HTML block: its tags literal, the text between block-level tags as blocks."""
    source = "\n".join(raw)
    runs = markup.html_runs(source)
    if not runs:
        return None
    parts: list[str | Block] = []
    position = 0
    for start, end in runs:
        parts.append(source[position:start])
        text = source[start:end]
        line = number + source.count("\n", 0, start)
        if "\n" in text:
            parts.append(_block("html", line, text.split("\n"), [""] * (text.count("\n") + 1)))
        else:
            parts.append(Block(kind="html", line=line, text=text))
        position = end
    parts.append(source[position:])
    return [part for part in parts if part != ""]


def _markdown_block(kind: str, raw: list[str], content: str, number: int, context=None) -> list[str | Block] | None:
    content_lines = content.split("\n")
    extra = raw[len(content_lines):]  # a setext heading's underline
    prefixes, tails = [], []
    for line, content_line in zip(raw, content_lines):
        core = content_line.strip()
        at = line.find(core) if core else len(line)
        if at < 0 or not _MD_PREFIX.fullmatch(line[:at]):
            return None
        prefixes.append(line[:at])
        tails.append(line[at + len(core):])
    if any(tail.strip() for tail in tails[:-1]):
        return None
    lines = [prefix + core.strip() + tail for prefix, core, tail in zip(prefixes, content_lines, tails)]
    if lines != raw[: len(content_lines)]:
        return None
    block = _block(kind, number, lines, prefixes)
    if tails and tails[-1].strip():  # closing hashes of an ATX heading
        block.tail = tails[-1]
    if extra:
        block.tail += "\n" + "\n".join(extra)
    _move_links_out(block, context)
    if block.source() != "\n".join(raw):
        return None
    return [block]


_EMPHASIS_END = re.compile(r"[*_]{1,3}[ \t]*$")  # a slogan in bold or italics ends in its stars


def _refine_paragraph(parts, raw, number, lang, content_seen, has_title):
    block = parts[0]
    if len(raw) == 1 and not content_seen and not has_title and not block.links:
        found = parse_dateline(raw[0], lang)
        if found:
            return [_dateline(raw[0], number, *found)]
    if content_seen and not block.links and _is_slogans([_EMPHASIS_END.sub("", line) for line in raw]):
        return _line_blocks("slogan", raw, number)
    return parts


def _move_links_out(block: Block, context=None) -> None:
    """Replace link destinations, reference labels and footnote labels by numbered
    placeholders the translator cannot break (see :func:`chorus.markup.move_out`)."""
    references, footnotes = context or (set(), {})
    if block.joints:  # a destination that spans a hard wrap stays where it is
        for at, _ in block.joints:
            if any(m.start(3) <= at < m.end(3) for m in _LINK.finditer(block.text)):
                return
    moved = markup.move_out(block.text, references, footnotes or {})
    if moved is None:
        return
    # Joint offsets keep referring to the text with everything in place (see Block.source).
    original = block.text
    block.text, block.links = moved.text, moved.links
    if block.expand_links(block.text) != original:  # a form Chorus cannot give back exactly
        block.text, block.links = original, []


# --- datelines ---------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def parse_dateline(line: str, lang: str) -> tuple[dt.date, bool] | None:
    """The date written on a dateline, and whether it names the weekday.

    >>> parse_dateline("Sunday, March 3, 2024", "en")
    (datetime.date(2024, 3, 3), True)
    >>> parse_dateline("3 March 2024", "en")
    (datetime.date(2024, 3, 3), False)
    >>> parse_dateline("We march on 3 March 2024", "en") is None
    True
    """
    stripped = line.strip().rstrip(".")
    iso = _ISO_DATE.match(stripped)
    if iso:
        try:
            return dt.date(*map(int, iso.groups())), False
        except ValueError:
            return None
    if len(stripped) > 60 or not _YEAR.search(stripped):
        return None
    names = _date_words(lang)
    words = re.findall(r"[^\W\d_]+|\d+", stripped.lower())
    english, weekday, month = [], False, False
    for word in words:
        if word.isdigit():
            english.append(word)
        elif word in names["months"]:
            english.append(names["months"][word])
            month = True
        elif word in names["days"]:
            weekday = True
        elif word not in names["fillers"]:
            return None
    if not month:
        return None
    from dateutil import parser as dateparser  # only lines that look like dates get here

    try:
        parsed = dateparser.parse(" ".join(english), default=dt.datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    return parsed.date(), weekday


@lru_cache(maxsize=32)
def _date_words(lang: str) -> dict[str, dict[str, str] | set[str]]:
    english = Locale("en")
    months: dict[str, str] = {}
    days: dict[str, str] = {}
    for locale in {english, _locale(lang)}:
        for width in ("wide", "abbreviated"):
            for number, name in locale.months["format"][width].items():
                months[name.lower().rstrip(".")] = english.months["format"]["wide"][number]
                months[locale.months["stand-alone"][width][number].lower().rstrip(".")] = (
                    english.months["format"]["wide"][number]
                )
            for number, name in locale.days["format"][width].items():
                days[name.lower().rstrip(".")] = english.days["format"]["wide"][number]
    fillers = {"st", "nd", "rd", "th", "of", "the", "de", "del", "le", "der", "den", "am", "el", "er", "e"}
    return {"months": months, "days": days, "fillers": fillers}


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except Exception:  # babel raises several types for unknown codes
        return Locale("en")
