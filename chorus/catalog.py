"""Gettext catalogs: templates from documents, msgmerge-style updates, and the review state.

States of an entry:

- ``untranslated``: empty msgstr;
- ``fuzzy``: a draft to review, a machine translation or a translation of an older source text
  (flag ``fuzzy``; a translator comment ``chorus: ...`` says where it came from);
- ``translated``: written or accepted by a volunteer;
- ``approved``: confirmed by a second volunteer.

The review state lives where every gettext tool keeps it: ``fuzzy`` is gettext's own flag, and
Chorus's own marks are translator comments, which ``msgmerge``, ``msgcat``, ``msgattrib``,
``msguniq``, Poedit, Babel and polib all carry over (they drop flags they do not know)::

    # chorus: approved by ana 2026-12-04 [5d2f9a0c]
    # chorus: ignore unchanged

The bracketed number is a checksum of the source and translation the approval was given to: a
translation edited in another tool, or a source changed by ``msgmerge``, is no longer approved.
Catalogs of older Chorus versions (flags ``approved`` and ``chorus-ignore:<check>``) are read
the same way and written in the new form. :func:`state` and :func:`set_state` are the one place
that knows this.

>>> entry = polib.POEntry(msgid="Stop the attacks!", msgstr="¡Paren los ataques!", flags=["fuzzy"])
>>> state(entry)
'fuzzy'
>>> set_state(entry, "approved", by="ana"); state(entry)
'approved'

Reading and writing PO text is :mod:`chorus.pofile`; safe writes and locks are
:mod:`chorus.storage` (both re-exported here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from collections import Counter
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import polib
from babel import Locale

from . import markup
from .errors import ChorusError
from .pofile import WRAP, check_syntax, decode, header_fields, parse, render, render_body, render_entries, scan
from .storage import (LOCK_TIMEOUT, SYNC_EACH_UP_TO, Staging, atomic_write, commit, discard, lock_path, locked,
                      read_file, stage, staged_run, write_many, write_synced)

if TYPE_CHECKING:
    from .document import Document

__all__ = [  # what other modules use; reading, writing and storage come from pofile and storage
    "STATES", "FUZZY", "APPROVED", "SOURCE_HASH", "DATE_HEADER", "WRAP", "LOCK_TIMEOUT", "SYNC_EACH_UP_TO",
    "state", "set_state", "origin", "set_origin", "ignored", "ignore", "markers", "live_entries", "stats",
    "source_hash", "template", "new_catalog_text", "merge", "touch_revision", "read", "read_states",
    "write", "write_unlocked", "editing", "editing_many", "check_syntax", "decode", "header_fields", "parse",
    "render", "render_body", "render_entries", "scan", "Staging", "atomic_write", "commit", "discard",
    "lock_path", "locked", "read_file", "stage", "staged_run", "write_many", "write_synced", "AFTER_WRITE",
]

STATES = ("untranslated", "fuzzy", "translated", "approved")
APPROVED = "approved"  # the flag of older catalogs; now a note (see the module documentation)
FUZZY = "fuzzy"
NOTE = "chorus: "
ORIGIN = NOTE
IGNORE_FLAG = "chorus-ignore:"  # the flag of older catalogs
SOURCE_HASH = "X-Chorus-Source-Hash"
DATE_HEADER = "X-Chorus-Date"
_FUZZY_CUTOFF = 60  # msgmerge keeps a previous translation at about this similarity
AFTER_WRITE: list[Callable[[Path], None]] = []  # called with each catalog editing() wrote (the project index)
_APPROVAL = re.compile(r"approved\b(?:.*?)(?:\[([0-9a-f]{8})\])?\s*\Z")
_IGNORE = re.compile(r"ignore\s+(.+)\Z")


# --- states --------------------------------------------------------------------------------


def state(entry: polib.POEntry) -> str:
    """``untranslated``, ``fuzzy``, ``translated`` or ``approved``."""
    if not entry.msgstr:
        return "untranslated"
    if FUZZY in entry.flags:
        return "fuzzy"
    if APPROVED in entry.flags or _approved(_notes(entry.tcomment), entry.msgid, entry.msgstr):
        return "approved"
    return "translated"


def state_of(msgid: str, msgstr: str, flags: list[str], notes: list[str]) -> str:
    """:func:`state` from an entry's parts (``notes``: its ``chorus:`` comment lines)."""
    if not msgstr:
        return "untranslated"
    if FUZZY in flags:
        return "fuzzy"
    if APPROVED in flags or _approved([note[len(NOTE):].strip() for note in notes], msgid, msgstr):
        return "approved"
    return "translated"


def _approved(notes: list[str], msgid: str, msgstr: str) -> bool:
    for note in notes:
        found = _APPROVAL.match(note)
        if found:
            return found.group(1) is None or found.group(1) == _checksum(msgid, msgstr)
    return False


def _checksum(msgid: str, msgstr: str) -> str:
    return hashlib.sha256(f"{msgid}\0{msgstr}".encode("utf-8")).hexdigest()[:8]


def set_state(entry: polib.POEntry, new_state: str, by: str | None = None) -> None:
    """Move an entry to ``translated``, ``approved`` (by the volunteer ``by``), ``fuzzy`` or
    ``untranslated`` (marks only, text unchanged: the caller empties it)."""
    if new_state not in STATES:
        raise ValueError(f"cannot set state {new_state!r}")
    entry.flags = [flag for flag in entry.flags if flag not in (FUZZY, APPROVED)]
    lines = [line for line in _comment_lines(entry.tcomment) if not _is_approval(line)]
    if new_state == "fuzzy":
        entry.flags.insert(0, FUZZY)
    elif new_state == "approved":
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        who = f"by {' '.join(by.split())} " if by else ""
        lines.insert(0, f"{NOTE}approved {who}{today} [{_checksum(entry.msgid, entry.msgstr)}]")
    entry.tcomment = "\n".join(lines)
    if new_state != "fuzzy":
        entry.previous_msgid = None


def _is_approval(line: str) -> bool:
    return line.startswith(NOTE) and _APPROVAL.match(line[len(NOTE):].strip()) is not None


def _notes(text: str | None) -> list[str]:
    """The ``chorus:`` lines of a translator comment, without the prefix."""
    return [line[len(NOTE):].strip() for line in _comment_lines(text) if line.startswith(NOTE)]


def origin(entry: polib.POEntry) -> str | None:
    """Where a draft came from, e.g. ``mt apertium`` or ``tm 100% other-statement``."""
    for note in _notes(entry.tcomment):
        if not _APPROVAL.match(note) and not _IGNORE.match(note):
            return note
    return None


def set_origin(entry: polib.POEntry, value: str | None) -> None:
    lines = [line for line in _comment_lines(entry.tcomment)
             if not (line.startswith(NOTE) and origin(polib.POEntry(tcomment=line)) is not None)]
    if value:
        lines.insert(0, NOTE + value)
    entry.tcomment = "\n".join(lines)


def ignored(entry: polib.POEntry) -> set[str]:
    """The checks silenced for this entry (``# chorus: ignore <check>``, or the older flag
    ``chorus-ignore:<check>``)."""
    found = {flag[len(IGNORE_FLAG):] for flag in entry.flags if flag.startswith(IGNORE_FLAG)}
    for note in _notes(entry.tcomment):
        match = _IGNORE.match(note)
        if match:
            found.update(name for name in re.split(r"[\s,]+", match.group(1)) if name)
    return found


def ignore(entry: polib.POEntry, check_id: str) -> None:
    """Silence the check ``check_id`` for this entry."""
    if check_id in ignored(entry):
        return
    lines = _comment_lines(entry.tcomment)
    entry.tcomment = "\n".join([*lines, f"{NOTE}ignore {check_id}"])


def markers(entry: polib.POEntry) -> tuple[str, ...]:
    """The entry's flags as Chorus understands them, wherever they are kept: gettext's flags,
    ``approved`` when approved and ``chorus-ignore:<check>`` for each silenced check."""
    flags = [flag for flag in entry.flags if flag != APPROVED and not flag.startswith(IGNORE_FLAG)]
    if state(entry) == "approved":
        flags.append(APPROVED)
    flags.extend(IGNORE_FLAG + name for name in sorted(ignored(entry)))
    return tuple(flags)


def upgrade(entry: polib.POEntry) -> None:
    """Move the marks of older catalogs (flags ``approved``, ``chorus-ignore:<check>``, which
    gettext's tools drop) into notes, which they keep."""
    if APPROVED not in entry.flags and not any(flag.startswith(IGNORE_FLAG) for flag in entry.flags):
        return
    checks = sorted(ignored(entry))
    was = state(entry)
    entry.flags = [flag for flag in entry.flags if flag != APPROVED and not flag.startswith(IGNORE_FLAG)]
    lines = [line for line in _comment_lines(entry.tcomment)
             if not (line.startswith(NOTE) and _IGNORE.match(line[len(NOTE):].strip()))]
    lines.extend(f"{NOTE}ignore {name}" for name in checks)
    if was == "approved" and not any(_is_approval(line) for line in lines):
        lines.insert(0, f"{NOTE}approved [{_checksum(entry.msgid, entry.msgstr)}]")
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
    pot.metadata["Language"] = document.lang.replace("-", "_")  # of the msgids (msgfmt -c wants one)
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
            links = markup.link_notes(block.links, {n for n in range(1, len(block.links) + 1) if f"][{n}]" in text})
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
        entry.flags = list(candidate.flags)
        set_state(entry, "fuzzy")  # an approval was for the old source
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
    """Parse a PO or POT file in any charset gettext reads; older marks are upgraded (see
    :func:`upgrade`). A broken file is a :class:`ChorusError` naming it."""
    try:
        data = read_file(path)
    except FileNotFoundError:
        raise ChorusError(f"{path}: no such catalog") from None
    except OSError as error:
        raise ChorusError(f"{path}: cannot read ({error.strerror})") from None
    catalog = parse(data, path)
    for entry in catalog:
        upgrade(entry)
    return catalog


def read_states(path: Path) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Headers and ``msgid → (msgstr, state)`` of the live entries of a catalog.

    Export and the translation memory read many catalogs and need four fields of each, so the
    one-pass reader :func:`chorus.pofile.scan` reads them; a file with anything it does not know
    (plural forms, unusual escapes) is read with polib instead, and a broken one is a
    :class:`ChorusError` as in :func:`read`.
    """
    try:
        data = read_file(path)
    except FileNotFoundError:
        raise ChorusError(f"{path}: no such catalog") from None
    except OSError:
        data = None
    if data is not None:
        try:
            fast = scan(decode(data, path))
        except ChorusError:
            fast = None
        if fast is not None:
            metadata, raw = fast
            return metadata, {msgid: (msgstr, state_of(msgid, msgstr, flags, notes))
                              for msgid, (msgstr, flags, notes) in raw.items()}
    parsed = read(path)
    entries = {}
    for entry in live_entries(parsed):
        if entry.msgid and entry.msgid not in entries and not entry.msgid_plural:
            entries[entry.msgid] = (entry.msgstr, state(entry))
    return dict(parsed.metadata), entries


def write(catalog: polib.POFile, path: Path) -> None:
    """Write atomically under the catalog's lock."""
    with locked(path):
        write_unlocked(catalog, path)


def write_unlocked(catalog: polib.POFile, path: Path) -> None:
    """Write atomically; the caller holds :func:`locked` for ``path``."""
    atomic_write(Path(path), render(catalog))


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
