"""Pieces of Markdown syntax that stay out of segments, and how each is put back.

:mod:`chorus.document` finds the blocks of a statement; this module handles the syntax inside
and around them, so translators and engines see every translatable word and no syntax they
could break:

- front matter, YAML (``---``) or TOML (``+++``): the fields named in ``chorus.toml`` become
  segments, the keys and quotes stay; on export each value is quoted as its format needs;
- links: an inline destination ``[text](url)``, a reference ``[text][label]``, ``[text][]`` or
  ``[label]`` (with ``[label]: url`` below) and a footnote reference ``[^label]`` become
  numbered placeholders, ``[text][1]`` and ``[^1]`` (the number a reader sees), restored on
  export;
- table rows: each cell is a segment, the ``|`` between them stays;
- HTML blocks: the text between block-level tags is a segment (inline tags stay in it).

>>> toml_string('Stop the "Attacks"', '"')
'"Stop the \\\\"Attacks\\\\""'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# --- front matter ----------------------------------------------------------------------------

DEFAULT_FIELDS = ("title", "description", "summary", "excerpt", "subtitle")
_YAML_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)\+\+\+[ \t]*(?:\n|\Z)", re.S)
BLOCK_SCALAR = re.compile(r"([|>])([-+]?)(?:[ \t]+#.*)?")  # a header Chorus reads (no indentation digit)
YAML_LINE = re.compile(r"^([A-Za-z_][\w-]*)([ \t]*:[ \t]*)(.*?)([ \t]*)$")
TOML_LINE = re.compile(r"^([A-Za-z_][\w-]*)([ \t]*=[ \t]*)(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\"'#\s][^#]*?)([ \t]*(?:#.*)?)$")


class _FrontMatter:
    """``FRONT_MATTER.match(text)``: YAML or TOML front matter; ``group(1)`` is its inside."""

    def match(self, text: str) -> re.Match | None:
        return _YAML_FRONT.match(text) or _TOML_FRONT.match(text)


FRONT_MATTER = _FrontMatter()


def is_toml(match: re.Match) -> bool:
    return match.re is _TOML_FRONT


def toml_string(text: str, quote: str) -> str:
    """``text`` as a TOML string: in the source's literal quotes (``'``) when they can hold it,
    otherwise as a basic string (``"``, escaped by tomli-w), which can hold anything.

    >>> print(toml_string("Workers' rights", "'"))
    "Workers' rights"
    >>> print(toml_string('Say "no"', "'"))
    'Say "no"'
    """
    if quote == "'" and not _NOT_LITERAL.search(text):
        return f"'{text}'"
    import tomli_w

    return tomli_w.dumps({"v": text})[4:].rstrip("\n")


_NOT_LITERAL = re.compile(r"['\x00-\x08\x0a-\x1f\x7f]")  # what a TOML literal string cannot hold
_YAML_PLAIN_UNSAFE = re.compile(r"^[\[\]{}&*!|>'\"%@`#,?:-]|: | #|:$|^\s|\s$|[\x00-\x1f\x7f]")
_YAML_NOT_STRING = re.compile(r"(?i)^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?(?:\.?\d[\d_.:eE+-]*|\.inf)|\.nan)$")


def yaml_string(text: str, quote: str, original: str) -> str:
    """``text`` as a YAML scalar, in the quotes of the source where they can hold it: plain
    when the source was plain and the text reads back as the same string, single-quoted
    (``''`` for ``'``), otherwise double-quoted with escapes.

    >>> print(yaml_string("L'union tient bon", "'", ""))
    'L''union tient bon'
    >>> print(yaml_string("Hoy: huelga", "", "Today"))
    "Hoy: huelga"
    """
    if not quote and (text == original or not (_YAML_PLAIN_UNSAFE.search(text) or _YAML_NOT_STRING.match(text))):
        return text
    if quote == "'" and not re.search(r"[\x00-\x1f\x7f]", text):
        return "'" + text.replace("'", "''") + "'"
    escaped = re.sub(r'[\\"\x00-\x1f\x7f]', lambda m: _YAML_ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)
    return f'"{escaped}"'


_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


# --- links, references and footnotes ----------------------------------------------------------

INLINE_LINK = re.compile(r"(!?\[)((?:[^\[\]\\]|\\.)*)\]\(([^()\s]+(?:\s+\"[^\"]*\")?)\)")
LINK_REF = re.compile(r"(!?\[)((?:[^\[\]\\]|\\.)*)\]\[(\d+)\]")
_FULL_REF = re.compile(r"(!?\[)((?:[^\[\]\\]|\\.)*)\]\[((?:[^\[\]\\]|\\.)*)\]")
_SHORT_REF = re.compile(r"(!?\[)((?:[^\[\]\\^]|\\.)(?:[^\[\]\\]|\\.)*)\](?![\[(:])")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
NOTE_PLACE = re.compile(r"\[\^(\d+)\]")
_CODE_SPAN = re.compile(r"(`+).*?\1", re.S)


def normalize_label(label: str) -> str:
    """A reference label as CommonMark compares them (case-folded, spaces collapsed)."""
    return " ".join(label.split()).casefold()


@dataclass
class Moved:
    text: str
    links: list[str]


def move_out(text: str, references: set[str], footnotes: dict[str, int]) -> Moved | None:
    """``text`` with link destinations, reference labels and footnote labels replaced by
    numbered placeholders; ``links`` says what each number stands for: a destination
    (``https://…``), a reference (``[label]``) or a footnote (``^3:label``). None when there is
    nothing to move (or the text holds a placeholder already)."""
    if LINK_REF.search(text) or NOTE_PLACE.search(text) and not footnotes:
        return None
    protected = [match.span() for match in _CODE_SPAN.finditer(text)]

    def in_code(position: int) -> bool:
        return any(start <= position < end for start, end in protected)

    links: list[str] = []

    def inline(match: re.Match) -> str:
        if in_code(match.start()):
            return match.group(0)
        links.append(match.group(3))
        return f"{match.group(1)}{match.group(2)}][{len(links)}]"

    def full(match: re.Match) -> str:
        label = match.group(3) or match.group(2)
        if in_code(match.start()) or normalize_label(label) not in references:
            return match.group(0)
        links.append(f"[{label}]" if match.group(3) else f"[{label}][]")  # full or collapsed
        return f"{match.group(1)}{match.group(2)}][{len(links)}]"

    def short(match: re.Match) -> str:
        if in_code(match.start()) or normalize_label(match.group(2)) not in references:
            return match.group(0)
        links.append(f"[{match.group(2)}")  # a shortcut reference: no closing bracket
        return f"{match.group(1)}{match.group(2)}][{len(links)}]"

    def note(match: re.Match) -> str:
        number = footnotes.get(match.group(1))
        if in_code(match.start()) or number is None:
            return match.group(0)
        links.append(f"^{number}:{match.group(1)}")
        return f"[^{number}]"

    moved = INLINE_LINK.sub(inline, text)
    if references:
        protected = [match.span() for match in _CODE_SPAN.finditer(moved)]
        moved = _FULL_REF.sub(full, moved)
        protected = [match.span() for match in _CODE_SPAN.finditer(moved)]
        moved = _SHORT_REF.sub(short, moved)
    if footnotes:
        protected = [match.span() for match in _CODE_SPAN.finditer(moved)]
        moved = FOOTNOTE_REF.sub(note, moved)
    return _in_reading_order(moved, links) if links else None


def _in_reading_order(text: str, links: list[str]) -> Moved:
    """Number the placeholders as they come in the text (links were moved kind by kind)."""
    order: list[int] = []
    for match in re.finditer(r"\]\[(\d+)\]|\[\^(\d+)\]", text):
        if match.group(1):
            order.append(int(match.group(1)) - 1)
    renumber = {old: new for new, old in enumerate(order, 1)}
    kept = [link for index, link in enumerate(links) if index in renumber or link.startswith("^")]
    ordered = [links[old] for old in order] + [link for link in kept if link.startswith("^")]
    text = LINK_REF.sub(lambda m: f"{m.group(1)}{m.group(2)}][{renumber[int(m.group(3)) - 1]}]"
                        if int(m.group(3)) - 1 in renumber else m.group(0), text)
    return Moved(text, ordered)


def expand(text: str, links: list[str]) -> str:
    """Put back what :func:`move_out` moved, in ``text`` (a translation of the block)."""
    if not links:
        return text

    def restore(match: re.Match) -> str:
        number = int(match.group(3))
        if not 1 <= number <= len(links) or links[number - 1].startswith("^"):
            return match.group(0)
        link, opening, text = links[number - 1], match.group(1), match.group(2)
        if link.endswith("][]"):  # collapsed: [label][]
            label = link[1:-3]
            return f"{opening}{label}][]" if text == label else f"{opening}{text}][{label}]"
        if link.startswith("[") and not link.endswith("]"):  # shortcut: [label]
            label = link[1:]
            return f"{opening}{label}]" if text == label else f"{opening}{text}][{label}]"
        if link.startswith("["):
            return f"{opening}{text}]{link}"
        return f"{opening}{text}]({link})"

    text = LINK_REF.sub(restore, text)
    notes = {link.split(":", 1)[0][1:]: link.split(":", 1)[1] for link in links if link.startswith("^")}
    if notes:
        text = NOTE_PLACE.sub(lambda m: f"[^{notes[m.group(1)]}]" if m.group(1) in notes else m.group(0), text)
    return text


def link_notes(links: list[str], numbers: set[int]) -> list[str]:
    """The catalog comment lines naming the links of a segment: ``[1] https://…``."""
    return [f"[{n}] {link}" for n, link in enumerate(links, 1) if n in numbers and not link.startswith("^")]


# --- table rows ------------------------------------------------------------------------------

_CELL_SPLIT = re.compile(r"(`+).*?\1|\\.|\|", re.S)


def table_cells(line: str) -> list[tuple[int, int]] | None:
    """(start, end) of the text of each cell of a table row (without the pipes and the
    spaces around), or None when the row cannot be read cell by cell."""
    bars = [match.start() for match in _CELL_SPLIT.finditer(line) if match.group(0) == "|"]
    if not bars:
        return None
    edges = ([-1] if line[: bars[0]].strip() else []) + bars
    if line[bars[-1] + 1:].strip():
        edges.append(len(line))
    cells = []
    for left, right in zip(edges, edges[1:]):
        inner = line[left + 1: right]
        core = inner.strip()
        if core:
            start = left + 1 + inner.index(core)
            cells.append((start, start + len(core)))
    return cells


def table_escape(text: str) -> str:
    """A cell's translation: a ``|`` of its own would end the cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


# --- HTML blocks -----------------------------------------------------------------------------

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main menu nav ol p pre "
    "section summary table tbody td tfoot th thead tr ul script style iframe noscript".split())
_SKIPPED = frozenset({"script", "style", "pre", "code", "textarea", "noscript"})


class _Tags(HTMLParser):
    """The block-level tags and comments of an HTML block: (start, end, name, opening)."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", source)]
        self.tags: list[tuple[int, int, str, bool | None]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        self._tag(tag, True)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, None)

    def handle_endtag(self, tag):
        self._tag(tag, False)

    def handle_comment(self, data):
        start = self._offset()
        self.tags.append((start, start + len(data) + 7, "!--", None))

    def _tag(self, tag: str, opening: bool | None) -> None:
        if tag in BLOCK_TAGS:
            start = self._offset()
            self.tags.append((start, self.source.index(">", start) + 1, tag, opening))


def html_runs(source: str) -> list[tuple[int, int]]:
    """(start, end) of each translatable text run of an HTML block: text between block-level
    tags, stripped, outside ``<script>``, ``<style>``, ``<pre>`` and comments."""
    parser = _Tags(source)
    try:
        parser.feed(source)
        parser.close()
    except (AssertionError, ValueError):
        return []
    runs, position, skipping = [], 0, 0
    for start, end, name, opening in parser.tags + [(len(source), len(source), "", None)]:
        text = source[position:start]
        core = text.strip()
        if core and not skipping and re.search(r"[^\W\d_]", re.sub(r"<[^>]*>", "", core)):
            begin = position + text.index(core)
            runs.append((begin, begin + len(core)))
        if name in _SKIPPED and opening is not None:
            skipping = max(0, skipping + (1 if opening else -1))
        position = max(position, end)
    return runs
