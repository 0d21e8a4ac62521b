"""PO files read the way gettext reads them and written in gettext's own layout.

Reading: a catalog is decoded in the charset its header declares (UTF-8, ISO-8859-1, KOI8-R,
Shift_JIS… whatever ``msgfmt -c`` accepts), line ends are ``\\n`` as for gettext, and a file
that is not PO syntax is refused with the line that is wrong. :func:`scan` is a one-pass
reader for the fields Chorus needs from many catalogs at once (several times faster than
polib); it leaves anything unusual to polib.

Writing: :func:`render` lays a catalog out exactly as GNU gettext does (``msgcat``,
``msgmerge``, ``msgattrib``), so running those tools over a catalog Chorus wrote changes no
byte, and a git diff shows only what changed:

- strings are wrapped at 79 columns, at the places Unicode's line-breaking rules allow, with
  East Asian wide characters counted as two columns; an embedded ``\\n`` ends a line;
- a string that does not fit, or holds a ``\\n`` before its end, starts with ``msgid ""``;
- ``#:`` references are wrapped at 79 columns too.

The line breaks come from libunistring, the library gettext itself uses, when the system has
it (it does wherever gettext is installed); elsewhere from the Unicode line-breaking rules of
unicode-segmentation-rs, which newer gettext releases follow.

>>> print(render_field("msgid", "Solidarity with the dockers of the northern harbour, who have held "
...                    "the gates for three weeks."))
msgid ""
"Solidarity with the dockers of the northern harbour, who have held the gates "
"for three weeks."
"""

from __future__ import annotations

import codecs
import ctypes
import re
import threading
from functools import lru_cache
from pathlib import Path

import polib

from .errors import ChorusError
from .text import SEPARATORS, TextRefused, describe

WIDTH = 79  # gettext's page width
WRAP = WIDTH  # the width polib is told when it writes (Chorus renders itself)


# --- reading ---------------------------------------------------------------------------------

_CHARSET = re.compile(rb'"Content-Type:[^"\n]*?charset=([A-Za-z0-9_.:+-]+)', re.I)
_UTF8_NAMES = {"utf-8", "utf8", "charset", ""}


def decode(data: bytes, name: str | Path = "catalog") -> str:
    """The text of a PO file: UTF-8, or the charset its header declares; ``\\n`` line ends.

    A file without a header, or with the template placeholder ``charset=CHARSET``, is read as
    UTF-8 (as ``msgfmt`` reads ASCII and the usual templates). A byte-order mark is refused, as
    ``msgfmt`` refuses it (and as the project index does: both readers accept the same files).
    """
    if data.startswith(codecs.BOM_UTF8):
        raise ChorusError(f"{name}: not a valid PO file (it starts with a byte-order mark, which "
                          f"gettext does not accept)")
    declared = _CHARSET.search(data, 0, 1 << 16)
    charset = declared.group(1).decode("ascii").lower() if declared else ""
    if charset in _UTF8_NAMES:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ChorusError(f"{name}: not a valid PO file (not UTF-8 at byte {error.start}, and "
                              f"no other charset declared)") from None
    else:
        try:
            codec = codecs.lookup(charset)
        except LookupError:
            raise ChorusError(f"{name}: not a valid PO file (it declares the charset {charset!r}, "
                              f"which Chorus does not know)") from None
        try:
            text = data.decode(codec.name)
        except UnicodeDecodeError as error:
            raise ChorusError(f"{name}: not a valid PO file (not {charset} at byte {error.start}, "
                              f"as its header declares)") from None
    return text.replace("\r\n", "\n")


def parse(data: bytes, name: str | Path = "catalog") -> polib.POFile:
    """A :class:`polib.POFile` from the bytes of a PO or POT file; broken input is a
    :class:`ChorusError` naming ``name`` and the line."""
    text = decode(data, name)
    try:
        check_syntax(text)
        catalog = polib.pofile(_Lines(text), wrapwidth=WRAP)
    except (OSError, ValueError) as error:
        raise ChorusError(f"{name}: not a valid PO file ({str(error).strip() or type(error).__name__})") from None
    catalog.encoding = "utf-8"  # what Chorus writes, whatever the file declared
    _check_duplicates(catalog, name)
    return catalog


class _Lines(str):
    """PO text whose lines end at ``\\n`` only, as gettext reads them.

    polib splits a string with ``str.splitlines()``, which also breaks at ``\\v \\f \\x1c
    \\x1d \\x1e \\x85 U+2028 U+2029``: characters a PO string may hold as they are.
    """

    def splitlines(self, keepends: bool = False) -> list[str]:
        lines = self.split("\n")
        if lines and not lines[-1]:
            lines.pop()
        return [line + "\n" for line in lines] if keepends else lines


_STRING = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(r"(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+" + _STRING + r"[ \t]*")
_CONTINUATION = re.compile(r"[ \t]*" + _STRING + r"[ \t]*")
_NEXT = {  # which keyword may follow which
    None: {"msgctxt", "msgid"},
    "msgctxt": {"msgid"},
    "msgid": {"msgid_plural", "msgstr"},
    "msgid_plural": {"msgstr[]"},
    "msgstr": {"msgctxt", "msgid"},
    "msgstr[]": {"msgstr[]", "msgctxt", "msgid"},
}


def check_syntax(text: str) -> None:
    """Raise ValueError naming the first line that is not PO syntax.

    polib accepts some broken files silently (a keyword without quotes, a msgid without a
    msgstr); a catalog we cannot trust must not be rewritten.
    """
    previous = None
    for number, line in enumerate(text.split("\n"), start=1):  # gettext's lines (see _Lines)
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword = _KEYWORD_LINE.fullmatch(stripped)
        if keyword:
            name = keyword.group(1)
            name = "msgstr[]" if name.startswith("msgstr[") else name
            if name not in _NEXT[previous]:
                raise ValueError(f"line {number}: unexpected {keyword.group(1)}")
            previous = name
        elif not (_CONTINUATION.fullmatch(line) and previous):
            raise ValueError(f"line {number}: not PO syntax: {stripped[:40]!r}")
    if previous in ("msgctxt", "msgid", "msgid_plural"):
        raise ValueError("the last entry has no msgstr")


def _check_duplicates(catalog: polib.POFile, name) -> None:
    """Two entries with one msgctxt and msgid are refused, as msgfmt refuses them; an entry with
    an empty msgid is the header's twin (polib keeps the first as the header)."""
    seen: set[tuple[str | None, str]] = {(None, "")}
    for entry in catalog:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            raise ChorusError(f"{name}: not a valid PO file (duplicate msgid {entry.msgid[:40]!r})")
        seen.add(key)


# --- the one-pass reader ---------------------------------------------------------------------

_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "b": "\b", "f": "\f",
               "v": "\v"}  # what polib knows too, so both read a file alike
_PO_ESCAPE = re.compile(r"\\(.)")


class _Unusual(Exception):
    """A PO construct the fast reader leaves to polib."""


def _po_unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(match: re.Match) -> str:
        try:
            return _PO_ESCAPES[match.group(1)]
        except KeyError:
            raise _Unusual from None

    return _PO_ESCAPE.sub(one, text)


_PO_TOKEN = re.compile(
    r'\n(?:(msgctxt|msgid|msgstr)[ \t]+"(.*)"[ \t]*((?:\n"[^\n]*"[ \t]*)*)|#,(.*)|#~.*|#[ \t]*(chorus:.*))(?=\n)')
_PO_OTHER_LINE = re.compile(r'\n[^#m"\n]')  # neither a comment, a keyword, a string nor blank
_PO_QUOTED = re.compile(r'"(.*)"[ \t]*$', re.M)

Scanned = tuple[dict[str, str], dict[str, tuple[str, list[str], list[str]]]]


def scan(text: str) -> Scanned | None:
    """Headers and ``msgid → (msgstr, flags, chorus notes)`` of the live entries of PO text,
    or None when polib should read it (plural forms, unusual escapes or lines).

    The notes are the translator comments that start with ``chorus:``. One regular expression
    walks the file (each token starts after a line break, so the text is prefixed with one):
    flags, notes, ``msgctxt``, ``msgid``, ``msgstr`` and obsolete lines. Any other line that
    is not a comment sends the file to polib. The first of two equal msgids is kept.
    """
    text = "\n" + text
    if not text.endswith("\n"):
        text += "\n"
    if _PO_OTHER_LINE.search(text):
        return None
    entries: dict[str, tuple[str, list[str], list[str]]] = {}
    metadata: dict[str, str] = {}
    values: dict[str, str] = {}
    flags: list[str] = []
    notes: list[str] = []
    covered = 0
    try:
        for keyword, first, rest, flag_text, note in _PO_TOKEN.findall(text):
            if not keyword:
                if note:
                    notes.append(note.rstrip())
                elif flag_text:
                    flags.extend(flag.strip() for flag in flag_text.split(","))
                else:
                    flags, notes = [], []  # an obsolete entry's lines
                continue
            covered += 1 + (rest.count("\n") if rest else 0)
            if keyword in values:
                return None
            values[keyword] = first + "".join(_PO_QUOTED.findall(rest)) if rest else first
            if keyword != "msgstr":
                continue
            if "msgid" not in values:
                return None
            msgid = _po_unescape(values["msgid"])
            msgstr = _po_unescape(values["msgstr"])
            if not msgid and "msgctxt" not in values:
                metadata.update(header_fields(msgstr))
            elif msgid not in entries:
                entries[msgid] = (msgstr, flags, notes)
            values, flags, notes = {}, [], []
        if values or covered != text.count("\nm") + text.count('\n"'):
            return None
    except _Unusual:
        return None
    return metadata, entries


def header_fields(msgstr: str) -> dict[str, str]:
    """The ``Key: value`` lines of a header msgstr."""
    fields = {}
    for line in msgstr.split("\n"):
        key, colon, value = line.partition(":")
        if colon:
            fields[key.strip()] = value.strip()
    return fields


# --- writing ---------------------------------------------------------------------------------


def render(catalog: polib.POFile) -> str:
    """The PO text of ``catalog`` in gettext's layout (see the module documentation)."""
    return render_entries(catalog, catalog.metadata, catalog.header)


def render_entries(entries, metadata: dict[str, str], header: str = "", body: str | None = None) -> str:
    """PO text for ``entries`` under a header made of ``metadata`` (``header`` is its comment).

    ``body`` is ``render_body(entries)`` when the caller has it already: catalogs of several
    languages share the entries of their template. The text is always UTF-8: a declared
    charset is rewritten so.
    """
    out: list[str] = []
    if header:
        out.extend(_comment("# ", line) for line in header.split("\n"))
    fields = ordered_headers(metadata)
    if not all(key.isprintable() and value.isprintable() for key, value in fields):  # rare: see _one_line
        fields = [(_one_line(key), _one_line(value)) for key, value in fields]
    fields = [(key, _utf8_content_type(value) if key == "Content-Type" else value) for key, value in fields]
    out.append('msgid ""')
    out.extend(render_field("msgstr", "".join(f"{key}: {value}\n" for key, value in fields)).split("\n"))
    return "\n".join(out) + "\n" + (render_body(entries) if body is None else body)


def _utf8_content_type(value: str) -> str:
    found = re.search(r"charset=([^\s;]+)", value, re.I)
    if found and found.group(1).lower() not in ("utf-8", "utf8"):
        return value[: found.start(1)] + "UTF-8" + value[found.end(1):]
    return value


def _one_line(value: str) -> str:
    """A header field stays on its line (a user name with a line break cannot add a header)."""
    return _LINE_BREAKS.sub(" ", value)


_LINE_BREAKS = re.compile(f"[\r\n{SEPARATORS}]+")


def render_body(entries) -> str:
    """The entries part of a PO file: live entries, then obsolete ones, each after a blank line."""
    out: list[str] = []
    live = [entry for entry in entries if not entry.obsolete]
    gone = [entry for entry in entries if entry.obsolete]
    for entry in live + gone:
        out.append("")
        _render_entry(entry, out)
    out.append("")
    return "\n".join(out)


def ordered_headers(metadata: dict[str, str]) -> list[tuple[str, str]]:
    """Header fields in the order ``xgettext`` and ``msginit`` write them, then the others
    alphabetically."""
    known = [key for key in HEADER_ORDER if key in metadata]
    return [(key, metadata[key]) for key in known] + sorted(
        (key, value) for key, value in metadata.items() if key not in HEADER_ORDER
    )


HEADER_ORDER = (
    "Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date", "PO-Revision-Date",
    "Last-Translator", "Language-Team", "Language", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "Plural-Forms", "Generated-By",
)


def _render_entry(entry: polib.POEntry, out: list[str]) -> None:
    prefix = "#~ " if entry.obsolete else ""
    if entry.tcomment:
        out.extend(_comment("# ", line) for line in entry.tcomment.split("\n"))
    if entry.comment and not entry.obsolete:
        out.extend(_comment("#. ", line) for line in entry.comment.split("\n"))
    if entry.occurrences and not entry.obsolete:
        out.extend(_occurrence_lines(entry.occurrences))
    if entry.flags:
        out.append(_comment("#, ", ", ".join(entry.flags)))
    wrap = "no-wrap" not in entry.flags
    previous = "#~| " if entry.obsolete else "#| "
    for keyword, value in (("msgctxt", entry.previous_msgctxt), ("msgid", entry.previous_msgid),
                           ("msgid_plural", getattr(entry, "previous_msgid_plural", None))):
        if value:
            out.extend(_field(keyword, value, previous, wrap))
    if entry.msgctxt is not None:
        out.extend(_field("msgctxt", entry.msgctxt, prefix, wrap))
    out.extend(_field("msgid", entry.msgid, prefix, wrap))
    if entry.msgid_plural:
        out.extend(_field("msgid_plural", entry.msgid_plural, prefix, wrap))
        for index in sorted(entry.msgstr_plural, key=int):
            out.extend(_field(f"msgstr[{index}]", entry.msgstr_plural[index], prefix, wrap))
    else:
        out.extend(_field("msgstr", entry.msgstr, prefix, wrap))


def _comment(prefix: str, text: str) -> str:
    """A comment line. gettext joins a line ending in a backslash to the next one, so such a
    line gets a trailing space (readers strip it); a carriage return would end the line for
    some readers, so it is written as a space."""
    line = (prefix + (text.replace("\r", " ") if "\r" in text else text)).rstrip()
    return line + " " if line.endswith("\\") else line


def _occurrence_lines(occurrences) -> list[str]:
    """``#:`` lines as gettext wraps them: references while the line stays within 79 columns."""
    lines, current = [], "#:"
    for path, line in occurrences:
        reference = f"{path}:{line}" if line else path
        if len(current) + 1 + len(reference) > WIDTH and current != "#:":
            lines.append(current)
            current = "#:"
        current += " " + reference
    lines.append(current)
    return lines


_UNWRITABLE = "\x00\x04"  # C strings end at NUL; gettext joins msgctxt and msgid with EOT
# What gettext and polib both escape; any other character is written as it is (gettext also
# escapes BEL as \a, which polib would not read back: the text policy keeps BEL out anyway).
_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
            "\\": "\\\\", '"': '\\"'}
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f]')


def _field(keyword: str, text: str, prefix: str = "", wrap: bool = True) -> list[str]:
    return render_field(keyword, text, prefix, wrap).split("\n")


def render_field(keyword: str, text: str, prefix: str = "", wrap: bool = True) -> str:
    """``keyword "text"`` as gettext writes it: escaped, wrapped at 79 columns, a line after
    each embedded newline; ``prefix`` (``#~ ``, ``#| ``) starts every line.

    >>> print(render_field("msgstr", "Line one\\nLine two\\n"))
    msgstr ""
    "Line one\\n"
    "Line two\\n"
    """
    if text.isascii() and text.isprintable() and "\\" not in text and '"' not in text:
        if len(text) + len(keyword) + len(prefix) + 3 <= WIDTH or not wrap:  # most segments
            return f'{prefix}{keyword} "{text}"'
    if _NEEDS_ESCAPE.search(text):
        for char in _UNWRITABLE:
            if char in text:
                raise TextRefused(f"a catalog cannot hold {describe(char)}")
    room = WIDTH - 1 - (len(prefix) + 1) if wrap else None  # columns between the quotes
    portions = _portions(text)
    lines: list[str] = []
    first = True
    for number, portion in enumerate(portions):
        escaped = _escape(portion) if _NEEDS_ESCAPE.search(portion) else portion
        if first and escaped and _own_first_line(escaped, room, len(keyword) + 1, number < len(portions) - 1):
            lines.append(f'{prefix}{keyword} ""')  # gettext's empty first line
            first = False
        cuts = _cuts(escaped, room, len(keyword) + 1 if first else 0)
        head = f"{prefix}{keyword} " if first else prefix
        previous = 0
        for cut in cuts + [len(escaped)]:
            lines.append(f'{head}"{escaped[previous:cut]}"')
            head, previous = prefix, cut
        first = False
    if first:
        lines.append(f'{prefix}{keyword} ""')
    return "\n".join(lines)


_CONTROL_TABLE = str.maketrans({char: escape for char, escape in _ESCAPES.items() if char < " "})
_CONTROL = re.compile("[\b\f\n\r\t\v]")


def _escape(portion: str) -> str:
    """``portion`` with gettext's escapes (what ``str.translate`` over :data:`_ESCAPES` gives,
    in a fraction of its time on long text)."""
    escaped = portion.replace("\\", "\\\\").replace('"', '\\"')
    return escaped.translate(_CONTROL_TABLE) if _CONTROL.search(escaped) else escaped

_AN_ESCAPE = re.compile(r"\\.")


def _portions(text: str) -> list[str]:
    """``text`` cut after each newline (gettext writes each such part on lines of its own)."""
    if "\n" not in text[:-1]:
        return [text]
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _own_first_line(escaped: str, room: int | None, start: int, more: bool) -> bool:
    """Whether gettext starts the field with an empty ``""`` line: when more lines follow
    (an embedded newline, or a text that does not fit after the keyword).

    A text that needs a line break even from column 0 needs one after the keyword too, so the
    line breaks from column 0 (which are needed then anyway) are computed first; the breaks
    after the keyword only when those are none.
    """
    if more or (room is not None and start > room) or _cuts(escaped, room, 0):
        return True
    return bool(_cuts(escaped, room, start))


def _cuts(escaped: str, room: int | None, start: int) -> list[int]:
    """Offsets in the escaped portion where a new line starts."""
    if room is None or start + len(escaped) * (1 if escaped.isascii() else 2) <= room:
        return []  # fits even if every column were wide
    return list(_cached_cuts(escaped, room, start))


@lru_cache(maxsize=1 << 15)
def _cached_cuts(escaped: str, room: int, start: int) -> tuple[int, ...]:
    """The same texts come back in every language's catalog and at every save of a catalog."""
    return tuple(_line_breaker()(escaped, room, start))


def _locked(escaped: str) -> list[int]:
    """Offsets before which no line may start: inside an escape, and before a final ``\\n``."""
    locked = [match.start() + 1 for match in _AN_ESCAPE.finditer(escaped)]
    if escaped.endswith("\\n"):
        locked.append(len(escaped) - 2)
    return locked


@lru_cache(maxsize=1)
def _line_breaker():
    return _libunistring_breaker() or _unicode_breaker


def _libunistring():
    """libunistring, by the names Debian and others give it (asking ``ctypes.util.find_library``
    runs ``ldconfig -p``: a process each time a command first writes a catalog), else as found."""
    for name in _UNISTRING_NAMES:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    from ctypes.util import find_library

    name = find_library("unistring")
    return ctypes.CDLL(name) if name else None


_UNISTRING_NAMES = ("libunistring.so.5", "libunistring.so.2", "libunistring.dylib")


def _libunistring_breaker():
    """Line breaks computed by libunistring's ``ulc_width_linebreaks``, as gettext does."""
    try:
        library = _libunistring()
        if library is None:
            return None
        function = getattr(library, "ulc_width_linebreaks_v2", None) or library.ulc_width_linebreaks
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                         ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    function.restype = ctypes.c_int

    local = threading.local()  # one result buffer per thread, grown as needed

    def breaks(escaped: str, room: int, start: int) -> list[int]:
        buffer = getattr(local, "buffer", None) or ctypes.create_string_buffer(1024)
        data = escaped.encode("utf-8")
        ascii_only = len(data) == len(escaped)
        locked = _locked(escaped)
        overrides = None  # none: libunistring reads no array at all
        if locked:
            overrides = bytearray(len(data))
            for offset in locked:
                overrides[offset if ascii_only else len(escaped[:offset].encode("utf-8"))] = 1  # PROHIBITED
            overrides = bytes(overrides)
        if len(buffer) < len(data):
            buffer = ctypes.create_string_buffer(max(len(data), 2 * len(buffer)))
        local.buffer = buffer
        function(data, len(data), room, start, 0, overrides, b"UTF-8", buffer)
        raw, found = ctypes.string_at(buffer, len(data)), []
        at = raw.find(2)  # UC_BREAK_POSSIBLE
        while at >= 0:
            found.append(at)
            at = raw.find(2, at + 1)
        if ascii_only:
            return found
        offsets, previous, characters = [], 0, 0  # byte offsets → character offsets, in one pass
        for at in found:
            characters += len(data[previous:at].decode("utf-8"))
            offsets.append(characters)
            previous = at
        return offsets

    return breaks


def _unicode_breaker(escaped: str, room: int, start: int) -> list[int]:
    """The same fitting over Unicode's line-break opportunities (UAX #14), for systems without
    libunistring: a line ends at the last opportunity before the text passes ``room``."""
    import unicode_segmentation_rs as unicode

    data = escaped.encode("utf-8")
    opportunities = {len(data[:at].decode("utf-8")) for at, _ in unicode.line_breaks(escaped) if 0 < at < len(data)}
    opportunities -= set(_locked(escaped))
    cuts, column, piece, last = [], start, 0, None
    for index, char in enumerate(escaped):
        if index in opportunities:
            if last is not None and column + piece > room:
                cuts.append(last)
                column = 0
            last, column, piece = index, column + piece, 0
        piece += _width(char)
    if last is not None and column + piece > room:
        cuts.append(last)
    return cuts


def _width(char: str) -> int:
    if char < " " or "\x7f" <= char < "\xa0":
        return 0
    import unicode_segmentation_rs as unicode

    return unicode.text_width(char)
