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

KINDS = ("dateline", "title", "heading", "paragraph", "list_item", "quote", "slogan", "signature")
NOT_TRANSLATED = ("dateline", "date")

_LIST_ITEM = re.compile(r"^(\s*)([-*•+]|\d{1,3}[.)])(\s+)(?=\S)")
_QUOTE_LINE = re.compile(r"^\s*>")
_MD_PREFIX = re.compile(r"[\s>#*+\-\d.)]*")
_LINK = re.compile(r"(!?\[)((?:[^\[\]\\]|\\.)*)\]\(([^()\s]+(?:\s+\"[^\"]*\")?)\)")
_LINK_REF = re.compile(r"(!?\[)((?:[^\[\]\\]|\\.)*)\]\[(\d+)\]")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(---|\.\.\.)[ \t]*(\n|\Z)", re.S)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w-]*)([ \t]*:[ \t]*)(.*?)([ \t]*)$")


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
        """Put the link destinations back into ``text`` (a translation of this block)."""
        if not self.links:
            return text

        def restore(match: re.Match) -> str:
            number = int(match.group(3))
            if not 1 <= number <= len(self.links):
                return match.group(0)
            return f"{match.group(1)}{match.group(2)}]({self.links[number - 1]})"

        return _LINK_REF.sub(restore, text)

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


def parse(text: str, lang: str, format: str = "text") -> Document:
    """Parse ``text`` (already decoded, ``\\n`` line ends) as plain text or Markdown."""
    parts = _parse_markdown(text, lang) if format == "markdown" else _parse_plain(text, lang)
    from .segment import split_sentences  # sentencex loads only when something is parsed

    document = Document(format=format, lang=lang, parts=_merge_literals(parts))
    for block in document.blocks:
        if block.translatable:
            block.pieces = split_sentences(block.text, lang)
    return document


def format_for(filename: str) -> str:
    return "markdown" if filename.lower().endswith((".md", ".markdown")) else "text"


# --- plain text ----------------------------------------------------------------------------


def _parse_plain(text: str, lang: str) -> list[str | Block]:
    chunks = _chunks(text)
    parts: list[str | Block] = []
    total = sum(1 for chunk in chunks if not isinstance(chunk, str))
    position, seen = 0, set()  # seen: the block kinds found so far
    for chunk in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
            continue
        first_line, lines = chunk
        new = _classify_plain(lines, first_line, position, total, lang, seen)
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


def _classify_plain(lines, first_line, position, total, lang, seen: set[str]) -> list[str | Block]:
    has_title = "title" in seen
    has_content = not seen.isdisjoint(("paragraph", "list_item", "quote"))
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
    if position == total - 1 and position > 0 and _is_signature(lines):
        return _line_blocks("signature", lines, first_line)
    return [_block("paragraph", first_line, lines)]


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

    return MarkdownIt("commonmark")


def _parse_markdown(text: str, lang: str) -> list[str | Block]:
    parts: list[str | Block] = []
    body, body_line = text, 0
    front = FRONT_MATTER.match(text)
    if front:
        parts.extend(_front_matter(front, lang))
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


def _front_matter(match: re.Match, lang: str) -> list[str | Block]:
    parts: list[str | Block] = [match.group(0)[: match.start(1)]]
    for offset, line in enumerate(match.group(1).split("\n")[:-1], start=2):
        parts.append(_front_matter_line(line, offset, lang))
        parts.append("\n")
    parts.append(match.group(0)[match.end(1):])
    return parts


def _front_matter_line(line: str, number: int, lang: str) -> str | Block:
    found = _FRONT_MATTER_LINE.match(line)
    if not found:
        return line
    key, colon, value, space = found.groups()
    if key == "title" and value:
        quote = value[0] if value[0] in "\"'" and value.endswith(value[0]) and len(value) > 1 else ""
        inner = value[1:-1] if quote else value
        if inner.strip():
            return Block(kind="title", line=number, text=inner, lead=key + colon + quote, tail=quote + space)
    if key == "date" and value:
        found_date = parse_dateline(value.strip("\"'"), lang)
        if found_date:
            return Block(kind="date", line=number, text=line, date=found_date[0], weekday=found_date[1])
    return line


def _markdown_blocks(body: str, lines: list[str], line_offset: int, lang: str, has_title: bool):
    """(first line index, end line index, parts) for each run of inline text Markdown found."""
    tokens = _markdown().parse(body)
    found, stack = [], []
    content_seen = False
    for token in tokens:
        if token.nesting == 1:
            stack.append(token)
        elif token.nesting == -1:
            stack.pop()
        if token.type != "inline" or not token.map:
            continue
        kind = _markdown_kind(stack)
        if kind == "heading" and not has_title and stack[-1].tag == "h1" and not content_seen:
            kind, has_title = "title", True
        start, end = token.map
        raw = lines[start:end]
        parts = _markdown_block(kind, raw, token.content, start + line_offset + 1)
        if parts is None:
            continue
        if kind == "paragraph":
            parts = _refine_paragraph(parts, raw, start + line_offset + 1, lang, content_seen, has_title)
        if any(isinstance(p, Block) and p.kind in ("paragraph", "list_item", "quote") for p in parts):
            content_seen = True
        found.append((start, end, parts))
    if found:
        last_start, last_end, last_parts = found[-1]
        blocks = [p for p in last_parts if isinstance(p, Block)]
        if blocks and blocks[0].kind == "paragraph" and len(found) > 1 and not blocks[0].links:
            raw = lines[last_start:last_end]
            if _is_signature(raw) and not any(_LIST_ITEM.match(line) for line in raw):
                found[-1] = (last_start, last_end, _line_blocks("signature", raw, blocks[0].line))
    return found


def _markdown_kind(stack) -> str:
    types = [token.type for token in stack]
    if "heading_open" in types:
        return "heading"
    if "list_item_open" in types:
        return "list_item"
    if "blockquote_open" in types:
        return "quote"
    return "paragraph"


def _markdown_block(kind: str, raw: list[str], content: str, number: int) -> list[str | Block] | None:
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
    _move_links_out(block)
    if block.source() != "\n".join(raw):
        return None
    return [block]


def _refine_paragraph(parts, raw, number, lang, content_seen, has_title):
    block = parts[0]
    if len(raw) == 1 and not content_seen and not has_title and not block.links:
        found = parse_dateline(raw[0], lang)
        if found:
            return [_dateline(raw[0], number, *found)]
    if content_seen and not block.links and _is_slogans(raw):
        return _line_blocks("slogan", raw, number)
    return parts


def _move_links_out(block: Block) -> None:
    """Replace inline link destinations by numbered references the translator cannot break."""
    if _LINK_REF.search(block.text) or not _LINK.search(block.text):
        return
    if block.joints:  # a destination that spans a hard wrap stays where it is
        for at, _ in block.joints:
            if any(m.start(3) <= at < m.end(3) for m in _LINK.finditer(block.text)):
                return
    links: list[str] = []

    def move(match: re.Match) -> str:
        links.append(match.group(3))
        return f"{match.group(1)}{match.group(2)}][{len(links)}]"

    # Joint offsets keep referring to the text with destinations in place (see Block.source).
    block.text, block.links = _LINK.sub(move, block.text), links


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
