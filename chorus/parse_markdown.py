"""The Markdown parser: markdown-it-py with mdit-py-plugins (tables, footnotes) finds the blocks
of inline text; link destinations, reference and footnote labels move out of the text as
placeholders (:mod:`chorus.markup`); table cells and the text of HTML blocks are blocks too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import markup
from .blocks import Block, UNREFERENCED_NOTE, lines_block, dateline_block, line_blocks
from .datelines import parse_dateline
from .front_matter import front_matter_parts
from .markup import DEFAULT_FIELDS, FRONT_MATTER
from .parse_plain import LIST_ITEM, is_signature, is_slogans

_MD_PREFIX = re.compile(r"(?:[\s>]*\[\^[^\]\s]+\]:)?[\s>#*+\-\d.)]*")
_LINK = markup.INLINE_LINK
_LINK_REF = markup.LINK_REF


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


def parse_markdown_parts(text: str, lang: str, fields: tuple[str, ...] = DEFAULT_FIELDS) -> list[str | Block]:
    parts: list[str | Block] = []
    body, body_line = text, 0
    front = FRONT_MATTER.match(text)
    if front:
        parts.extend(front_matter_parts(front, lang, fields))
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
        if is_signature(raw) and not any(LIST_ITEM.match(line) for line in raw):
            found[body[-1]] = (start, end, line_blocks("signature", raw, blocks[0].line))


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
            parts.append(lines_block("html", line, text.split("\n"), [""] * (text.count("\n") + 1)))
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
    block = lines_block(kind, number, lines, prefixes)
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
            return [dateline_block(raw[0], number, *found)]
    if content_seen and not block.links and is_slogans([_EMPHASIS_END.sub("", line) for line in raw]):
        return line_blocks("slogan", raw, number)
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
