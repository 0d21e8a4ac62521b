"""The plain-text block classifier: dateline, title, paragraphs, lists, quotes, slogans, the
signature, underlined headings and lines that stand on their own (a roster, a list without
bullets, an indented list).
"""

from __future__ import annotations

import re

from .blocks import Block, lines_block, dateline_block, line_blocks
from .datelines import parse_dateline

LIST_ITEM = re.compile(r"^(\s*)([-*•+]|\d{1,3}[.)])(\s+)(?=\S)")
_QUOTE_LINE = re.compile(r"^\s*>")
_UNDERLINE = re.compile(r"^[ \t]*(=+|-+|~+|\*+)[ \t]*$")


# --- plain text ----------------------------------------------------------------------------


def parse_plain_parts(text: str, lang: str) -> list[str | Block]:
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
            return [dateline_block(lines[0], first_line, *found)]
    if LIST_ITEM.match(lines[0]):
        return _list_items(lines, first_line)
    if all(_QUOTE_LINE.match(line) for line in lines):
        prefixes = [re.match(r"\s*>\s?", line).group(0) for line in lines]
        return [lines_block("quote", first_line, lines, prefixes)]
    if not has_title and not has_content and len(lines) == 1 and _looks_like_title(lines[0]):
        if position < total - 1:
            return [lines_block("title", first_line, lines)]
    if has_content and is_slogans(lines):
        return line_blocks("slogan", lines, first_line)
    if _indented_list(lines):
        return line_blocks("line", lines, first_line)
    if position == total - 1 and position > 0 and is_signature(lines):
        return line_blocks("signature", lines, first_line)
    if line_structured(lines, width):
        return line_blocks("line", lines, first_line)
    return [lines_block("paragraph", first_line, lines)]


def _underlined(lines, first_line, position, total, lang, seen, width) -> list[str | Block] | None:
    """A heading underlined with ``====`` or ``----`` (and what follows it in the chunk)."""
    if len(lines) < 2 or not _UNDERLINE.match(lines[1]) or not lines[0].strip() or LIST_ITEM.match(lines[0]):
        return None
    if len(lines[1].strip()) < 3 and len(lines[0].strip()) > 3:
        return None
    kind = "title" if "title" not in seen and not seen.intersection(("paragraph", "line")) else "heading"
    block = lines_block(kind, first_line, lines[:1])
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


def line_structured(lines: list[str], width: int) -> bool:
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


def is_slogans(lines: list[str]) -> bool:
    return all(len(line.split()) <= 12 and line.rstrip().endswith(("!", "!»", "!\"", "!”")) for line in lines)


def is_signature(lines: list[str]) -> bool:
    if len(lines) > 3:
        return False
    for line in lines:
        stripped = line.strip()
        if len(stripped) > 80:
            return False
        if stripped.endswith((".", "!", "?", ":", ";")) and not stripped.startswith(("—", "–", "-")):
            return False
    return True


def _list_items(lines: list[str], first_line: int) -> list[str | Block]:
    items: list[tuple[int, list[str]]] = []
    for offset, line in enumerate(lines):
        if LIST_ITEM.match(line) or not items:
            items.append((first_line + offset, [line]))
        else:
            items[-1][1].append(line)
    parts: list[str | Block] = []
    for number, item_lines in items:
        if parts:
            parts.append("\n")
        marker = LIST_ITEM.match(item_lines[0])
        prefixes = [marker.group(0) if marker else ""] + [""] * (len(item_lines) - 1)
        parts.append(lines_block("list_item", number, item_lines, prefixes))
    return parts
