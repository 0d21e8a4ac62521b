"""Front matter of a Markdown statement, YAML (``---``) or TOML (``+++``): the fields named in
``chorus.toml`` become blocks to translate (a YAML block scalar, ``|`` or ``>``, a block per
paragraph or per line that stands on its own); keys, quotes and other fields stay literal.
How a translation is written back is :func:`chorus.markup.toml_string` and
:func:`chorus.markup.yaml_string`.
"""

from __future__ import annotations

import re

from . import markup
from .blocks import Block, lines_block
from .datelines import parse_dateline
from .parse_plain import line_structured


def front_matter_parts(match: re.Match, lang: str, fields: tuple[str, ...]) -> list[str | Block]:
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
            if header.group(1) == "|" and line_structured(group, width):
                blocks = [lines_block("front_matter", first + n, [item], [indent]) for n, item in enumerate(group)]
            else:
                blocks = [lines_block("front_matter", first, group, [indent] * len(group))]
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
