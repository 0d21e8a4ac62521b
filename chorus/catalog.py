"""Gettext catalogs: templates from documents, msgmerge-style updates, states, safe writes.

States of an entry:

- ``untranslated``: empty msgstr;
- ``fuzzy``: a draft to review, a machine translation or a translation of an older source text
  (flag ``fuzzy``; a translator comment ``chorus: ...`` says where it came from);
- ``translated``: written or accepted by a volunteer;
- ``approved``: confirmed by a second volunteer (flag ``approved``).

>>> entry = polib.POEntry(msgid="Stop the attacks!", msgstr="¡Paren los ataques!", flags=["fuzzy"])
>>> state(entry)
'fuzzy'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
from collections import Counter
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import polib
from babel import Locale

from .errors import ChorusError
from .files import storage_message
from .parallel import run_chunks
from .text import SEPARATORS, TextRefused, describe

if TYPE_CHECKING:
    from .document import Document

STATES = ("untranslated", "fuzzy", "translated", "approved")
APPROVED = "approved"
FUZZY = "fuzzy"
ORIGIN = "chorus: "
SOURCE_HASH = "X-Chorus-Source-Hash"
DATE_HEADER = "X-Chorus-Date"
LOCK_TIMEOUT = 30
WRAP = 78
_FUZZY_CUTOFF = 60  # msgmerge keeps a previous translation at about this similarity
AFTER_WRITE: list[Callable[[Path], None]] = []  # called with each catalog editing() wrote (the project index)


# --- states --------------------------------------------------------------------------------


def state(entry: polib.POEntry) -> str:
    if not entry.msgstr:
        return "untranslated"
    if FUZZY in entry.flags:
        return "fuzzy"
    if APPROVED in entry.flags:
        return "approved"
    return "translated"


def set_state(entry: polib.POEntry, new_state: str) -> None:
    """Move an entry to ``translated``, ``approved`` or ``fuzzy`` (flags only, text unchanged)."""
    flags = [flag for flag in entry.flags if flag not in (FUZZY, APPROVED)]
    if new_state == "fuzzy":
        flags.insert(0, FUZZY)
    elif new_state == "approved":
        flags.append(APPROVED)
    elif new_state != "translated":
        raise ValueError(f"cannot set state {new_state!r}")
    entry.flags = flags
    if new_state != "fuzzy":
        entry.previous_msgid = None


def origin(entry: polib.POEntry) -> str | None:
    """Where a draft came from, e.g. ``mt apertium`` or ``tm 100% other-statement``."""
    for line in _comment_lines(entry.tcomment):
        if line.startswith(ORIGIN):
            return line[len(ORIGIN):]
    return None


def set_origin(entry: polib.POEntry, value: str | None) -> None:
    lines = [line for line in _comment_lines(entry.tcomment) if not line.startswith(ORIGIN)]
    if value:
        lines.insert(0, ORIGIN + value)
    entry.tcomment = "\n".join(lines)


def _comment_lines(text: str | None) -> list[str]:
    """The lines of a comment, split at ``\\n`` only (as the catalog writes them)."""
    lines = text.split("\n") if text else []
    return lines[:-1] if lines and not lines[-1] else lines


def live_entries(catalog: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalog if not entry.obsolete]


def stats(catalog: polib.POFile) -> dict[str, int]:
    """Segments and source words, in total and per state."""
    counts: Counter[str] = Counter()
    for entry in live_entries(catalog):
        words = len(entry.msgid.split())
        current = state(entry)
        counts["segments"] += 1
        counts["words"] += words
        counts[current] += 1
        counts[f"{current}_words"] += words
    return {key: counts.get(key, 0) for key in ("segments", "words", *STATES, *(f"{s}_words" for s in STATES))}


# --- templates and merging -----------------------------------------------------------------


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def template(document: Document, source_ref: str, project_name: str, source_text: str) -> polib.POFile:
    """The POT of a statement: one entry per distinct segment, references and block kinds."""
    pot = polib.POFile(wrapwidth=WRAP)
    pot.header = f"Template for the statement {project_name}, made by Chorus from {source_ref}."
    pot.metadata = _headers(project_name, None, None)
    pot.metadata[SOURCE_HASH] = source_hash(source_text)
    if document.date:
        pot.metadata[DATE_HEADER] = document.date.isoformat()
    entries: dict[str, polib.POEntry] = {}
    kinds: dict[str, list[str]] = {}
    for block in document.blocks:
        if not block.translatable:
            continue
        for text, line in block.segment_lines():
            entry = entries.get(text)
            if entry is None:
                entry = entries[text] = polib.POEntry(msgid=text, msgstr="")
                kinds[text] = []
            entry.occurrences.append((source_ref, str(line)))
            if block.kind not in kinds[text]:
                kinds[text].append(block.kind)
            links = [f"[{n}] {url}" for n, url in enumerate(block.links, 1) if f"][{n}]" in text]
            for link in links:
                if link not in kinds[text]:
                    kinds[text].append(link)
    for text, entry in entries.items():
        entry.comment = "\n".join([", ".join(k for k in kinds[text] if not k.startswith("["))]
                                  + [k for k in kinds[text] if k.startswith("[")])
        pot.append(entry)
    return pot


def new_catalog_text(pot: polib.POFile, lang: str, project_name: str, body: str | None = None) -> str:
    """The text of a fresh catalog for ``lang``: the template's entries under the language's
    headers (what ``render(merge(pot, None, ...))`` gives, without copying every entry)."""
    metadata = _headers(project_name, lang, None)
    for key in (SOURCE_HASH, DATE_HEADER):
        if key in pot.metadata:
            metadata[key] = pot.metadata[key]
    return render_entries(pot, metadata, _catalog_header(lang, project_name), body)


def _catalog_header(lang: str, project_name: str) -> str:
    return f"{Locale.parse(lang).english_name} translation of the statement {project_name}."


def merge(pot: polib.POFile, old: polib.POFile | None, lang: str, project_name: str) -> polib.POFile:
    """A catalog for ``lang`` that follows ``pot``, keeping what ``old`` already had.

    Unchanged segments keep their translation and state; a changed segment takes the
    translation of its closest old segment as a fuzzy draft with ``#| msgid``; segments no
    longer in the source become obsolete (``#~``), as msgmerge does.
    """
    catalog = polib.POFile(wrapwidth=WRAP)
    catalog.header = old.header if old and old.header else _catalog_header(lang, project_name)
    catalog.metadata = _headers(project_name, lang, old.metadata if old else None)
    for key in (SOURCE_HASH, DATE_HEADER):
        if key in pot.metadata:
            catalog.metadata[key] = pot.metadata[key]
    old_entries = {entry.msgid: entry for entry in (old or []) if entry.msgid}
    used: set[str] = set()
    unmatched: list[polib.POEntry] = []
    for entry in pot:
        new = polib.POEntry(msgid=entry.msgid, msgstr="", occurrences=list(entry.occurrences), comment=entry.comment)
        previous = old_entries.get(entry.msgid)
        if previous is not None:
            _carry(previous, new)
            used.add(previous.msgid)
        else:
            unmatched.append(new)
        catalog.append(new)
    _fuzzy_match(unmatched, [e for e in old_entries.values() if e.msgstr and e.msgid not in used], used)
    for entry in old_entries.values():
        if entry.msgid not in used and entry.msgstr:
            catalog.append(_obsolete(entry))
    return catalog


def _carry(previous: polib.POEntry, new: polib.POEntry) -> None:
    new.msgstr = previous.msgstr
    new.flags = list(previous.flags)
    new.tcomment = previous.tcomment
    new.previous_msgid = previous.previous_msgid if FUZZY in previous.flags else None
    if previous.obsolete and new.msgstr and FUZZY not in new.flags:
        set_state(new, "fuzzy")  # a resurrected translation is worth a second look


def _fuzzy_match(entries: list[polib.POEntry], candidates: list[polib.POEntry], used: set[str]) -> None:
    if not entries or not candidates:
        return
    from rapidfuzz import fuzz, process  # only updates need it: keeps the command's start quick
    choices = {id(candidate): candidate.msgid for candidate in candidates}
    by_id = {id(candidate): candidate for candidate in candidates}
    for entry in entries:
        if not choices:
            return
        best = process.extractOne(entry.msgid, choices, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
        if best is None:
            continue
        candidate = by_id[best[2]]
        del choices[best[2]]
        used.add(candidate.msgid)
        entry.msgstr = candidate.msgstr
        entry.tcomment = candidate.tcomment
        entry.flags = [flag for flag in candidate.flags if flag not in (FUZZY, APPROVED)]
        entry.flags.insert(0, FUZZY)
        entry.previous_msgid = candidate.msgid


def _obsolete(entry: polib.POEntry) -> polib.POEntry:
    return polib.POEntry(
        msgid=entry.msgid,
        msgstr=entry.msgstr,
        flags=list(entry.flags),
        tcomment=entry.tcomment,
        obsolete=True,
    )


def _headers(project_name: str, lang: str | None, old: dict | None) -> dict[str, str]:
    headers = dict(_babel_headers(lang, _this_minute()))
    headers["Project-Id-Version"] = f"{project_name} 1"
    headers.pop("Report-Msgid-Bugs-To", None)
    if old:  # what the catalog says stays, as msgmerge keeps a catalog's header
        for key in ("POT-Creation-Date", "PO-Revision-Date", "Last-Translator", "Language-Team",
                    "Plural-Forms", "Generated-By"):
            if old.get(key):
                headers[key] = old[key]
        for key, value in old.items():
            if key.startswith("X-") and key not in (SOURCE_HASH, DATE_HEADER, "X-Generator"):
                headers[key] = value
    return headers


def _this_minute() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)


@lru_cache(maxsize=64)
def _babel_headers(lang: str | None, now: dt.datetime) -> tuple[tuple[str, str], ...]:
    """Babel's headers for a catalog of ``lang`` (dates have minute precision, so the catalogs
    of a batch share them; the project name is set by the caller)."""
    from babel.messages.catalog import Catalog  # heavy; only writers of catalogs need it

    catalog = Catalog(
        locale=Locale.parse(lang) if lang else None,
        project="PROJECT",
        version="1",
        creation_date=now,
        revision_date=now,
        last_translator="Chorus",
        language_team=f"{Locale.parse(lang).english_name} volunteers" if lang else "Volunteers",
        fuzzy=False,
    )
    return tuple((name, value.strip()) for name, value in catalog.mime_headers)


def touch_revision(catalog: polib.POFile, translator: str | None = None) -> None:
    """Record who changed the catalog and when (``PO-Revision-Date``, ``Last-Translator``)."""
    catalog.metadata["PO-Revision-Date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M%z")
    if translator:
        catalog.metadata["Last-Translator"] = translator


# --- reading and writing --------------------------------------------------------------------


def read(path: Path) -> polib.POFile:
    """Parse a PO or POT file; a broken file is a :class:`ChorusError` naming it."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ChorusError(f"{path}: no such catalog") from None
    except OSError as error:
        raise ChorusError(f"{path}: cannot read ({error.strerror})") from None
    try:
        text = data.decode("utf-8").replace("\r\n", "\n")
        check_syntax(text)
        catalog = polib.pofile(_Lines(text), wrapwidth=WRAP)
    except (UnicodeDecodeError, OSError, ValueError) as error:
        raise ChorusError(f"{path}: not a valid PO file ({_reason(error)})") from None
    _check_duplicates(catalog, path)
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


def _check_duplicates(catalog: polib.POFile, path: Path) -> None:
    seen: set[tuple[str | None, str]] = set()
    for entry in catalog:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            raise ChorusError(f"{path}: not a valid PO file (duplicate msgid {entry.msgid[:40]!r})")
        seen.add(key)


def read_states(path: Path) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Headers and ``msgid → (msgstr, state)`` of the live entries of a catalog.

    Export and the translation memory read many catalogs and need four fields of each, so a
    one-pass reader handles the PO files Chorus and the usual editors write (several times
    faster than polib); a file with anything it does not know (plural forms, unusual escapes)
    is read with polib instead, and a broken one is a :class:`ChorusError` as in :func:`read`.
    """
    try:
        text = read_file(path).decode("utf-8")
    except FileNotFoundError:
        raise ChorusError(f"{path}: no such catalog") from None
    except (OSError, UnicodeDecodeError):
        text = None
    fast = _read_po_text(text) if text is not None else None
    if fast is not None:
        return fast
    parsed = read(path)
    entries = {}
    for entry in live_entries(parsed):
        if entry.msgid and entry.msgid not in entries and not entry.msgid_plural:
            entries[entry.msgid] = (entry.msgstr, state(entry))
    return dict(parsed.metadata), entries


_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "b": "\b", "f": "\f",
               "v": "\v"}  # what polib knows too (the writer uses no other), so both read a file alike
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
    r'\n(?:(msgctxt|msgid|msgstr)[ \t]+"(.*)"[ \t]*((?:\n"[^\n]*"[ \t]*)*)|#,(.*)|#~.*)(?=\n)')
_PO_OTHER_LINE = re.compile(r'\n[^#m"\n]')  # neither a comment, a keyword, a string nor blank
_PO_QUOTED = re.compile(r'"(.*)"[ \t]*$', re.M)


def _read_po_text(text: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]] | None:
    """The fast reader behind :func:`read_states`; None when polib should read the file.

    One regular expression walks the file (each token starts after a line break, so the
    text is prefixed with one): flags, ``msgctxt``, ``msgid``, ``msgstr`` and obsolete lines.
    Any other line that is not a comment (``msgid_plural``, ``msgstr[0]``, an indented or
    broken line) sends the file to polib.
    """
    text = "\n" + text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    if _PO_OTHER_LINE.search(text):
        return None
    entries: dict[str, tuple[str, str]] = {}
    metadata: dict[str, str] = {}
    values: dict[str, str] = {}
    flags: list[str] = []
    covered = 0
    try:
        for keyword, first, rest, flag_text, in _PO_TOKEN.findall(text):
            if not keyword:
                if flag_text:
                    flags.extend(flag_text.split(","))
                else:
                    flags = []  # an obsolete entry's lines
                continue
            covered += 1 + (rest.count("\n") if rest else 0)
            if keyword in values:
                return None
            values[keyword] = first + "".join(_PO_QUOTED.findall(rest)) if rest else first
            if keyword != "msgstr":
                continue
            if "msgid" not in values:
                return None
            _add_po_entry(values, flags, entries, metadata)
            values, flags = {}, []
        if values or covered != text.count("\nm") + text.count('\n"'):
            return None
    except _Unusual:
        return None
    return metadata, entries


def _add_po_entry(values: dict[str, str], flags: list[str], entries: dict, metadata: dict) -> None:
    msgid = _po_unescape(values["msgid"])
    msgstr = _po_unescape(values["msgstr"])
    if not msgid and "msgctxt" not in values:
        for line in msgstr.split("\n"):
            key, colon, value = line.partition(":")
            if colon:
                metadata[key.strip()] = value.strip()
        return
    if msgid in entries:
        return
    if not msgstr:
        state = "untranslated"
    else:
        names = {flag.strip() for flag in flags}
        state = "fuzzy" if "fuzzy" in names else "approved" if APPROVED in names else "translated"
    entries[msgid] = (msgstr, state)


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8"
    return str(error).strip() or type(error).__name__


def render(catalog: polib.POFile) -> str:
    """The PO text of ``catalog``: polib's layout, written several times faster than polib.

    Strings are wrapped at 78 columns and split after embedded newlines, as gettext does.
    """
    return render_entries(catalog, catalog.metadata, catalog.header)


def render_entries(entries, metadata: dict[str, str], header: str = "", body: str | None = None) -> str:
    """PO text for ``entries`` under a header made of ``metadata`` (``header`` is its comment).

    ``body`` is ``render_body(entries)`` when the caller has it already: catalogs of several
    languages share the entries of their template.
    """
    out: list[str] = []
    if header:
        out.extend(_comment("# ", line) for line in header.split("\n"))
    out.append('msgid ""')
    out.append('msgstr ""')
    fields = _ordered(metadata)
    if not all(key.isprintable() and value.isprintable() for key, value in fields):  # rare: see _one_line
        fields = [(_one_line(key), _one_line(value)) for key, value in fields]
    out.extend(_quote(f"{key}: {value}\n") for key, value in fields)
    return "\n".join(out) + "\n" + (render_body(entries) if body is None else body)


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


def _ordered(metadata: dict[str, str]) -> list[tuple[str, str]]:
    known = [key for key in _HEADER_ORDER if key in metadata]
    return [(key, metadata[key]) for key in known] + sorted(
        (key, value) for key, value in metadata.items() if key not in _HEADER_ORDER
    )


_HEADER_ORDER = (
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
    previous = "#~| " if entry.obsolete else "#| "
    if entry.previous_msgctxt:
        out.extend(_field("msgctxt", entry.previous_msgctxt, previous))
    if entry.previous_msgid:
        out.extend(_field("msgid", entry.previous_msgid, previous))
    if entry.msgctxt is not None:
        out.extend(_field("msgctxt", entry.msgctxt, prefix))
    out.extend(_field("msgid", entry.msgid, prefix))
    if entry.msgid_plural:
        out.extend(_field("msgid_plural", entry.msgid_plural, prefix))
        for index in sorted(entry.msgstr_plural, key=int):
            out.extend(_field(f"msgstr[{index}]", entry.msgstr_plural[index], prefix))
    else:
        out.extend(_field("msgstr", entry.msgstr, prefix))


def _comment(prefix: str, text: str) -> str:
    """A comment line. gettext joins a line ending in a backslash to the next one, so such a
    line gets a trailing space (readers strip it); a carriage return would end the line for
    some readers, so it is written as a space."""
    line = (prefix + (text.replace("\r", " ") if "\r" in text else text)).rstrip()
    return line + " " if line.endswith("\\") else line


def _occurrence_lines(occurrences) -> list[str]:
    lines, current = [], "#:"
    for path, line in occurrences:
        reference = f"{path}:{line}" if line else path
        if len(current) + 1 + len(reference) > WRAP and current != "#:":
            lines.append(current)
            current = "#:"
        current += " " + reference
    lines.append(current)
    return lines


_UNWRITABLE = "\x00\x04"  # C strings end at NUL; gettext joins msgctxt and msgid with EOT
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f]')


def _escape(text: str) -> str:
    """A PO string's inside: backslash, quote, tab, CR, LF, BS, FF and VT escaped (what polib
    and gettext both read); every other character is written as it is, since gettext ends a
    line at ``\\n`` only, and so do Chorus's readers. NUL and EOT have no place in a PO file."""
    if text.isascii() and text.isprintable():  # quick to tell for most source texts
        if "\\" not in text and '"' not in text:
            return text
    elif not _NEEDS_ESCAPE.search(text):
        return text
    for char in _UNWRITABLE:
        if char in text:
            raise TextRefused(f"a catalog cannot hold {describe(char)}")
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    text = text.replace("\n", "\\n")
    if "\b" in text or "\f" in text or "\v" in text:
        text = text.replace("\b", "\\b").replace("\f", "\\f").replace("\v", "\\v")
    return text


def _field(keyword: str, text: str, prefix: str = "") -> list[str]:
    escaped = _escape(text)
    if "\\n" not in escaped[:-2] and len(keyword) + len(escaped) + 3 + len(prefix) <= WRAP:
        return [f'{prefix}{keyword} "{escaped}"']
    lines = [f'{prefix}{keyword} ""']
    for part in _split_after_newlines(escaped):
        lines.extend(prefix + line for line in _wrap_quoted(part))
    return lines


def _split_after_newlines(escaped: str) -> list[str]:
    parts = escaped.split("\\n")
    return [part + "\\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _wrap_quoted(text: str) -> list[str]:
    """Quoted lines of at most 78 columns, broken after spaces (never inside an escape)."""
    width = WRAP - 2
    lines = []
    while len(text) > width:
        cut = text.rfind(" ", 0, width) + 1 or text.find(" ", width) + 1 or len(text)
        lines.append(f'"{text[:cut]}"')
        text = text[cut:]
    if text:
        lines.append(f'"{text}"')
    return lines


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def write(catalog: polib.POFile, path: Path) -> None:
    """Write atomically under the catalog's lock."""
    with locked(path):
        write_unlocked(catalog, path)


def write_unlocked(catalog: polib.POFile, path: Path) -> None:
    """Write atomically; the caller holds :func:`locked` for ``path``."""
    atomic_write(Path(path), render(catalog))


def atomic_write(path: Path, data: str | bytes) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one.
    Text is written as UTF-8."""
    write_synced([(Path(path), data)], lock_renames=False)


def write_many(files: list[tuple[Path, str]]) -> None:
    """Write many catalogs atomically, each rename under that file's lock (a new file needs
    none: it is linked into place only if nobody made it meanwhile)."""
    write_synced(files, lock_renames=True)


SYNC_EACH_UP_TO = 8  # files; a larger batch is flushed with one sync instead of one per file


def write_synced(files: list[tuple[Path, str | bytes]], lock_renames: bool) -> None:
    """Write every file atomically: each goes to a temp file beside it, all are flushed to disk,
    then each is renamed over its target, so a reader sees the old file or the new one.

    ``lock_renames=False`` when the caller holds the locks already, or the files are not
    catalogs. A failure leaves no temp file (nor a folder it made) behind.
    """
    one_by_one = len(files) <= SYNC_EACH_UP_TO
    staging = Staging()
    try:
        for path, data in files:
            staging.stage(path, data, sync=one_by_one)
        staging.publish(lock_renames, sync=not one_by_one)
    except BaseException:
        staging.discard()
        raise
    if one_by_one:
        for folder in {path.parent for path, _ in files}:
            _fsync_dir(folder)


def stage(path: Path, data: str | bytes, sync: bool = False) -> str:
    """Write ``data`` to a new hidden temp file beside ``path`` (with the mode ``path`` has or
    would get) and return the temp file's name; :func:`commit` puts it in place."""
    try:
        kept = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        kept = None  # a new file: 0666 less the umask, as any program's new file
    handle, temp = _create_temp(path, 0o666 if kept is None else kept)
    try:
        if kept is not None:
            os.fchmod(handle, kept)  # the umask may have narrowed it at creation
        _write_all(handle, data.encode("utf-8") if isinstance(data, str) else data)
        if sync:
            os.fsync(handle)
    except BaseException as error:
        os.close(handle)
        os.unlink(temp)
        if isinstance(error, OSError) and not error.filename:  # os.write names no file
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    os.close(handle)
    return temp


_temp_names = itertools.count()


def _create_temp(path: Path, mode: int) -> tuple[int, str]:
    """A new file ``.<name>.<pid>-<n>.tmp`` beside ``path``, made with O_EXCL (never an
    existing file, nor one another process is making)."""
    folder, name = os.path.split(os.fspath(path))
    while True:
        temp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_temp_names)}.tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), temp
        except FileExistsError:
            continue  # left by a crashed process that had our pid


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def read_file(path: str | Path) -> bytes:
    """A whole file's bytes, in fewer system calls than ``Path.read_bytes`` (which also asks
    whether the file is a terminal and where it stands); many small catalogs add up."""
    handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, size + 1)
        if len(data) <= size:  # a short read of a regular file is its end
            return data
        chunks = [data]  # the file grew meanwhile: read on to its end
        while chunk := os.read(handle, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def commit(staged: list[tuple[Path, str]], lock_renames: bool = False) -> None:
    """Rename staged temp files over their targets (see :func:`write_synced` for the locks)."""
    for path, temp in staged:
        if not lock_renames:
            os.replace(temp, path)
        elif not _link_if_absent(temp, path):
            with locked(path):
                os.replace(temp, path)


def discard(staged: list[tuple[Path, str]]) -> None:
    """Remove the temp files of a write that will not happen."""
    for _, temp in staged:
        Path(temp).unlink(missing_ok=True)


@dataclass
class Staging:
    """New files written to hidden temp files beside their targets, and the folders made for
    them, until :meth:`publish` puts them in place or :meth:`discard` removes every trace.

    Picklable: worker processes stage, the parent publishes once everything is ready.
    """

    files: list[tuple[Path, str]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # made here, parents first
    seen: set[Path] = field(default_factory=set, repr=False)  # folders known to exist

    def stage(self, path: Path, data: str | bytes, sync: bool = False) -> None:
        self.make_folder(path.parent)
        self.files.append((path, stage(path, data, sync)))

    def make_folder(self, folder: Path) -> None:
        if folder in self.seen:
            return
        self.seen.add(folder)
        if folder.is_dir():
            return
        missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        self.folders.extend(reversed(missing))

    def extend(self, other: "Staging") -> None:
        self.files.extend(other.files)
        self.folders.extend(other.folders)

    def publish(self, lock_renames: bool, sync: bool = True) -> list[Path]:
        """One sync for the texts, the renames (see :func:`write_synced` for the locks), one
        sync for the names; the targets, in order."""
        if sync and self.files:
            os.sync()
        commit(self.files, lock_renames)
        if sync and self.files:
            os.sync()
        return [path for path, _ in self.files]

    def discard(self) -> None:
        discard(self.files)
        self.remove_empty_folders()

    def remove_empty_folders(self) -> None:
        for folder in reversed(self.folders):
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty, or gone already


def staged_run(work: Callable[[list, "Staging"], list], items: list, workers: int = 1, *,
               chunk: int = 25, progress: Callable[[int, int], None] | None = None) -> tuple["Staging", list]:
    """Run ``work(chunk, staging)`` over ``items`` a chunk at a time, in ``workers`` processes
    (:func:`parallel.run_chunks`): each call stages its files into its own :class:`Staging`
    and returns a list of results. Returns one staging with every chunk's files, not yet
    published, and all the results in order; ``progress(done, total)`` follows the chunks.

    A :class:`ChorusError` or an ``OSError`` in any chunk is raised as one ``ChorusError``
    once the run is over; then, as after any interruption, everything staged is removed.
    """
    staging = Staging()
    results: list = []
    failure = None
    runs = run_chunks(_StagedChunk(work), items, workers, chunk, discard=lambda outcome: outcome[0].discard())
    try:
        with closing(runs):  # stopping early stops the workers and removes what they staged
            for done, (chunk_staging, chunk_results, error) in runs:
                staging.extend(chunk_staging)
                results.extend(chunk_results)
                failure = failure or error
                if progress:
                    progress(done, len(items))
        if failure:
            raise ChorusError(failure)
    except BaseException:
        staging.discard()
        raise
    return staging, results


@dataclass
class _StagedChunk:
    """One chunk of :func:`staged_run`: (its staging, its results, the error or None); after
    an error the staging is still returned, to be discarded with the others."""

    work: Callable[[list, "Staging"], list]

    def __call__(self, chunk: list):
        staging = Staging()
        try:
            results = self.work(chunk, staging)
        except ChorusError as error:
            return staging, [], str(error)
        except OSError as error:
            return staging, [], storage_message(error)
        except BaseException:
            staging.discard()
            raise
        return staging, results, None


def _link_if_absent(temp: str, path: Path) -> bool:
    """Put a new file in place without a lock: the link fails if someone made it meanwhile."""
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        return False
    os.unlink(temp)
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lock_path(path: Path) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the per-catalog lock (shared by every process that writes this catalog)."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(path)), timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise ChorusError(f"{path}: locked by another writer for {timeout:.0f} s; try again") from None


@contextmanager
def editing_many(paths: list[Path]) -> Iterator[dict[Path, polib.POFile]]:
    """:func:`editing` for several catalogs at once: every lock is held (taken in one order, so
    two such editors cannot deadlock), and the writes share one sync."""
    with ExitStack() as stack:
        for path in sorted(set(paths)):
            stack.enter_context(locked(path))
        catalogs = {path: read(path) for path in paths}
        yield catalogs
        write_synced([(path, render(po)) for path, po in catalogs.items()], lock_renames=False)
        for path, hook in itertools.product(catalogs, AFTER_WRITE):
            hook(path)


@contextmanager
def editing(path: Path) -> Iterator[polib.POFile]:
    """Read, change and write a catalog under its lock; nothing is written if the block fails."""
    with locked(path):
        catalog = read(path)
        yield catalog
        write_unlocked(catalog, path)
        for hook in AFTER_WRITE:
            hook(path)
