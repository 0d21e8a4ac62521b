"""Three-way merge of gettext catalogs, entry by entry: git's merge driver for Chorus projects.

A project that syncs through git registers the driver in its ``.gitattributes`` and git
config (``chorus sync`` and ``chorus init --git`` do it)::

    *.po  merge=chorus              # .gitattributes
    *.pot merge=chorus
    [merge "chorus"]                # .git/config
        driver = chorus merge-driver %O %A %B %P

Entries are matched by msgctxt + msgid. For each entry the base (``%O``), ours (``%A``) and
theirs (``%B``) are compared field by field:

- an entry changed on one side only takes that side's change; entries added or dropped on
  one side are added or dropped (an entry dropped on one side, by a source update, but
  translated on the other is kept as obsolete, ``#~``, as msgmerge keeps it);
- an entry whose translation changed on both sides keeps the *later* version, a human one
  (translated or approved) before a machine draft, and the other version is kept in the
  entry as a translator comment (``# other version by ana, 2024-03-03 18:02 UTC, translated:
  "..."``), which the review page offers as a suggestion; at most three are kept;
- "later" is when the newest commit on each side that gave the entry its text says it was
  saved (its ``Chorus-Saved`` trailer, else its author date: :class:`GitClock`), else the
  catalog's ``PO-Revision-Date``;
- flags that GNU gettext does not know (``approved``, ``chorus-ignore:...``) and that a tool
  such as ``msgmerge`` dropped are kept: an approval stands while its text is unchanged;
- headers merge key by key, the later ``PO-Revision-Date`` deciding a conflict.

The result never has conflict markers: a catalog that cannot be read, or a merged catalog that
``msgfmt -c`` refuses, makes the driver exit 1 with one line and leave ``%A`` as it was.

>>> base = "msgid \\"Hello\\"\\nmsgstr \\"\\"\\n"
>>> merged, decisions = merge_texts(base, 'msgid "Hello"\\nmsgstr "Hola"\\n', base)
>>> "Hola" in merged, decisions
(True, [])
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import polib

from . import catalog
from .errors import ChorusError

RANK = {"untranslated": 0, "fuzzy": 1, "translated": 2, "approved": 3}
HUMAN = ("translated", "approved")
MAX_ALTERNATIVES = 3
STRUCTURE = ("occurrences", "comment", "previous_msgid", "previous_msgctxt", "msgid_plural", "obsolete")
_ALTERNATIVE = re.compile(
    r'other version by (?P<author>.*), (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d) UTC, '
    r'(?P<state>untranslated|fuzzy|translated|approved): "(?P<text>(?:[^"\\]|\\.)*)"\Z')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
Key = tuple  # (msgctxt, msgid)


# --- alternatives: the version that lost a merge, kept in the entry ----------------------------


@dataclass(frozen=True)
class Alternative:
    """A translation that lost a merge to a later one: who wrote it, when, in which state."""

    author: str
    at: float
    state: str
    text: str

    def line(self) -> str:
        """The translator-comment line that keeps it.

        >>> Alternative("ana", 0, "translated", 'Say "no"').line()
        'other version by ana, 1970-01-01 00:00 UTC, translated: "Say \\\\"no\\\\""'
        """
        when = dt.datetime.fromtimestamp(self.at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
        author = "".join(" " if not char.isprintable() else char for char in self.author).strip() or "someone"
        escaped = (self.text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\t", "\\t").replace("\r", "\\r"))
        return f'other version by {author}, {when} UTC, {self.state}: "{escaped}"'

    @classmethod
    def parse(cls, line: str) -> "Alternative | None":
        found = _ALTERNATIVE.match(line.strip())
        if not found:
            return None
        at = dt.datetime.strptime(found["at"], "%Y-%m-%d %H:%M").replace(tzinfo=dt.timezone.utc).timestamp()
        text = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), found["text"])
        return cls(found["author"], at, found["state"], text)


def alternatives(entry: polib.POEntry) -> list[Alternative]:
    """The versions of ``entry`` that lost a merge, newest first."""
    found = [Alternative.parse(line) for line in _lines(entry.tcomment)]
    return sorted((alt for alt in found if alt), key=lambda alt: -alt.at)


def _lines(text: str | None) -> list[str]:
    return [line for line in (text or "").split("\n") if line]


def _note(entry: polib.POEntry) -> str:
    """The translator comment without the alternatives."""
    return "\n".join(line for line in _lines(entry.tcomment) if Alternative.parse(line) is None)


# --- what a volunteer changes in an entry ------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """What volunteers change in an entry: its text and state (:attr:`translation`), and its
    translator comment (origin and notes) without the marks of the state and without
    alternatives."""

    text: tuple
    state: str
    note: str

    @property
    def translation(self) -> tuple:
        return (self.text, self.state)


def _neutral(entry: polib.POEntry) -> polib.POEntry:
    """A copy of ``entry`` with its state's marks removed (:func:`catalog.set_state` knows them)."""
    probe = copy.deepcopy(entry)
    catalog.set_state(probe, "translated")
    return probe


def text_of(entry: polib.POEntry) -> tuple:
    if entry.msgid_plural:
        return tuple(sorted((int(k), v) for k, v in entry.msgstr_plural.items()))
    return (entry.msgstr,)


def unit(entry: polib.POEntry, base: polib.POEntry | None = None) -> Unit:
    """``entry``'s translation; an approval that a tool dropped (same text as ``base``, which
    was approved) still counts as approved."""
    state = catalog.state(entry)
    if (base is not None and state == "translated" and catalog.state(base) == "approved"
            and text_of(base) == text_of(entry)):
        state = "approved"
    return Unit(text_of(entry), state, _note(_neutral(entry)))


def _flat(text: tuple) -> list[str]:
    return [value if isinstance(value, str) else value[1] for value in text]


def _raw(entry: polib.POEntry | None) -> tuple | None:
    if entry is None:
        return None
    return (text_of(entry), tuple(entry.flags), entry.tcomment or "",
            *(_hashable(getattr(entry, name)) for name in STRUCTURE))


def _hashable(value):
    return tuple(tuple(item) if isinstance(item, list) else item for item in value) \
        if isinstance(value, list) else value


# --- when each side changed an entry ----------------------------------------------------------


class Clock:
    """When and by whom a side gave an entry its translation: the catalog's
    ``PO-Revision-Date`` and ``Last-Translator`` (the fallback of :class:`GitClock`)."""

    def __init__(self, headers: dict[str, dict[str, str]] | None = None):
        self.headers = headers or {}

    def when(self, side: str, key: Key, entry: polib.POEntry) -> tuple[float | None, str | None]:
        metadata = self.headers.get(side, {})
        return revision_date(metadata), metadata.get("Last-Translator") or None


def revision_date(metadata: dict[str, str]) -> float | None:
    """``PO-Revision-Date`` as seconds since the epoch (None when absent or a placeholder)."""
    value = (metadata.get("PO-Revision-Date") or "").strip()
    for layout in ("%Y-%m-%d %H:%M%z", "%Y-%m-%d %H:%M:%S%z"):
        try:
            return dt.datetime.strptime(value, layout).timestamp()
        except ValueError:
            continue
    return None


class GitClock(Clock):
    """Per entry: the author date and author of the newest commit on a side (since the merge
    base) that gave the entry the text it has there, found from the commits that changed the
    file; when no commit says, the catalog's headers."""

    def __init__(self, root: Path, path: str, sides: dict[str, str], base: str | None,
                 headers: dict[str, dict[str, str]] | None = None):
        super().__init__(headers)
        self.root, self.path, self.sides, self.base = root, path, sides, base
        self._commits: dict[str, list[tuple[str, float, str, dict, str, str]]] = {}
        self._blobs: dict[str, dict[Key, polib.POEntry]] = {}

    def when(self, side: str, key: Key, entry: polib.POEntry) -> tuple[float | None, str | None]:
        from .scan import segment_id

        wanted = unit(entry).translation
        try:
            for _, at, author, saved, old, new in self.commits(side):
                if self._translation(new, key) == wanted and self._translation(old, key) != wanted:
                    return saved.get(segment_id(*key), at), author
        except (OSError, subprocess.SubprocessError, ChorusError):
            pass
        return super().when(side, key, entry)

    def commits(self, side: str) -> list[tuple[str, float, str, dict, str, str]]:
        """(commit, author date, author, save times, old blob, new blob) of the commits on
        ``side`` that changed the file, newest first; save times (segment id → seconds) come
        from the ``Chorus-Saved`` trailers Chorus writes, to the microsecond."""
        if side not in self._commits:
            tip = self.sides.get(side)
            found = []
            if tip:
                span = f"{self.base}..{tip}" if self.base else tip
                out = _git(self.root, "log", "--no-merges", "-n", "200", "--no-abbrev", "--raw",
                           "--format=%x01%H %at %an%x02%(trailers:key=Chorus-Saved,valueonly,separator=%x03)%x02",
                           span, "--", self.path)
                for chunk in out.split("\x01")[1:]:
                    head, trailers, rest = chunk.split("\x02", 2)
                    sha, at, author = head.split(" ", 2)
                    saved = {}
                    for value in trailers.split("\x03"):
                        segment, _, seconds = value.strip().partition(" ")
                        try:
                            saved[segment] = float(seconds)
                        except ValueError:
                            continue
                    for line in rest.strip("\n").split("\n"):
                        parts = line.split("\t")[0].split()
                        if len(parts) >= 4 and parts[0].startswith(":"):
                            found.append((sha, float(at), author, saved, parts[2], parts[3]))
                            break
            self._commits[side] = found
        return self._commits[side]

    def _translation(self, blob: str, key: Key) -> tuple | None:
        if set(blob) == {"0"}:
            return None
        if blob not in self._blobs:
            data = subprocess.run(["git", "cat-file", "blob", blob], cwd=self.root, capture_output=True,
                                  check=True, timeout=60).stdout
            try:
                self._blobs[blob] = by_key(parse_bytes(data, self.path))
            except ChorusError:
                self._blobs[blob] = {}
        entry = self._blobs[blob].get(key)
        return unit(entry).translation if entry is not None else None


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True,
                          timeout=60, env={**os.environ, "LC_ALL": "C"}).stdout


# --- the merge -----------------------------------------------------------------------------------


@dataclass
class Decision:
    """An entry whose translation changed on both sides: which side's version was kept."""

    key: Key
    kept: str  # "ours" or "theirs"
    other: Alternative | None  # the version kept as an alternative (None: same text)


@dataclass
class _Sides:
    base: polib.POEntry | None
    ours: polib.POEntry | None
    theirs: polib.POEntry | None


def key_of(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def by_key(po: polib.POFile) -> dict[Key, polib.POEntry]:
    """Entries by key; a live entry wins over an obsolete one of the same key."""
    found: dict[Key, polib.POEntry] = {}
    for entry in po:
        key = key_of(entry)
        if key not in found or (found[key].obsolete and not entry.obsolete):
            found[key] = entry
    return found


def _pick(base, ours, theirs):
    """Three-way choice of one value: the side that changed it (ours when both did)."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return ours


def merge_catalogs(base: polib.POFile | None, ours: polib.POFile, theirs: polib.POFile,
                   clock: Clock | None = None) -> tuple[polib.POFile, list[Decision]]:
    """The three-way merge of ``ours`` and ``theirs`` (see the module's description)."""
    clock = clock or Clock({"ours": dict(ours.metadata), "theirs": dict(theirs.metadata)})
    old, mine, other = (by_key(base) if base is not None else {}), by_key(ours), by_key(theirs)
    merged = polib.POFile(wrapwidth=catalog.WRAP)
    merged.header = _pick(base.header if base is not None else None, ours.header, theirs.header) or ""
    merged.metadata = _merge_headers(dict(base.metadata) if base is not None else {}, dict(ours.metadata),
                                     dict(theirs.metadata))
    merged.metadata_is_fuzzy = _pick(base.metadata_is_fuzzy if base is not None else None,
                                     ours.metadata_is_fuzzy, theirs.metadata_is_fuzzy)
    decisions: list[Decision] = []
    for key in _order([key_of(e) for e in ours], [key_of(e) for e in theirs]):
        entry = _merge_entry(key, _Sides(old.get(key), mine.get(key), other.get(key)), clock, decisions)
        if entry is not None:
            merged.append(entry)
    return merged, decisions


def _order(ours: list[Key], theirs: list[Key]) -> list[Key]:
    """Our order, with entries only theirs has placed after the entry they follow there."""
    result = list(dict.fromkeys(ours))
    present = set(result)
    last = None
    for key in dict.fromkeys(theirs):
        if key not in present:
            result.insert(result.index(last) + 1 if last is not None else 0, key)
            present.add(key)
        last = key
    return result


def _merge_headers(base: dict, ours: dict, theirs: dict) -> dict:
    later = theirs if (revision_date(theirs) or 0) > (revision_date(ours) or 0) else ours
    merged = {}
    for name in dict.fromkeys([*ours, *theirs]):
        values = (base.get(name), ours.get(name), theirs.get(name))
        if name == "PO-Revision-Date" and values[1] and values[2]:
            value = later[name]
        elif values[1] != values[2] and values[1] != values[0] and values[2] != values[0]:
            value = later.get(name)  # changed on both sides: the later catalog's
        else:
            value = _pick(*values)
        if value is not None:
            merged[name] = value
    return merged


def _merge_entry(key: Key, sides: _Sides, clock: Clock, decisions: list[Decision]) -> polib.POEntry | None:
    base, ours, theirs = sides.base, sides.ours, sides.theirs
    if ours is None or theirs is None:
        kept = ours if ours is not None else theirs
        if base is None:
            return copy.deepcopy(kept)  # added on one side
        if _raw(kept) == _raw(base) or not any(text for text in _flat(text_of(kept))):
            return None  # dropped on the other side (a source update), unchanged or empty here
        gone = copy.deepcopy(kept)  # dropped there, translated here: kept as obsolete, as msgmerge does
        gone.obsolete = True
        return gone
    if _raw(ours) == _raw(theirs):
        return copy.deepcopy(ours)
    result = copy.deepcopy(ours)
    for name in STRUCTURE:
        setattr(result, name, copy.deepcopy(_pick(getattr(base, name) if base is not None else None,
                                                  getattr(ours, name), getattr(theirs, name))))
    mine, yours = unit(ours, base), unit(theirs, base)
    before = unit(base) if base is not None else None
    winner, side, other = _winner(key, ours, theirs, mine, yours, before, clock)
    if other is not None or mine.translation != yours.translation and \
            (before is None or before.translation not in (mine.translation, yours.translation)):
        decisions.append(Decision(key, side, other))
    won = ours if side == "ours" else theirs
    result.msgstr = won.msgstr
    result.msgstr_plural = dict(won.msgstr_plural)
    notes = _merge_lines(before.note if before else "", mine.note, yours.note)
    notes += [line for line in dict.fromkeys([*_lines(mine.note), *_lines(yours.note)])
              if line.startswith(IGNORE_NOTE) and line not in notes]  # a silenced check stays silenced
    alternatives_kept = _merge_alternatives(base, ours, theirs, other, winner)
    result.tcomment = "\n".join([*notes, *(alt.line() for alt in alternatives_kept)])
    catalog.set_origin(result, catalog.origin(won))  # one origin: the kept translation's
    result.flags = _merge_flags(base, ours, theirs)
    if winner.state != "untranslated":
        catalog.set_state(result, winner.state)
    return result


IGNORE_NOTE = f"{catalog.NOTE}ignore "  # a check silenced: kept when either side has it, as the
# older flag was (gettext tools drop the flag, so a side without it may only have been through one)


def _merge_lines(base: str, ours: str, theirs: str) -> list[str]:
    """Comment lines, three-way as a set: a line added on either side is added, a line removed
    on either side is removed (in our order, then theirs')."""
    old, mine, yours = set(_lines(base)), _lines(ours), _lines(theirs)
    return [line for line in dict.fromkeys([*mine, *yours]) if _pick(line in old, line in mine, line in yours)]


def _winner(key, ours, theirs, mine: Unit, yours: Unit, before: Unit | None,
            clock: Clock) -> tuple[Unit, str, Alternative | None]:
    """The translation to keep, its side, and the other version when it is lost."""
    then = before.translation if before is not None else None
    if mine.translation == yours.translation or yours.translation == then:
        return mine, "ours", None
    if mine.translation == then:
        return yours, "theirs", None
    if mine.text == yours.text:  # the same text on both sides: the higher state
        return (yours, "theirs", None) if RANK[yours.state] > RANK[mine.state] else (mine, "ours", None)
    (at_ours, by_ours), (at_theirs, by_theirs) = clock.when("ours", key, ours), clock.when("theirs", key, theirs)
    order = ((mine.state in HUMAN, at_ours or 0.0, RANK[mine.state], 0),
             (yours.state in HUMAN, at_theirs or 0.0, RANK[yours.state], 1))  # a tie goes to theirs: already shared
    if order[0] > order[1]:
        winner, side, loser, at, by = mine, "ours", yours, at_theirs, by_theirs
    else:
        winner, side, loser, at, by = yours, "theirs", mine, at_ours, by_ours
    text = _plain(loser)
    other = Alternative(by or "another host", at or _now(), loser.state, text) if text else None
    return winner, side, other


def _plain(translation: Unit) -> str:
    """The text of a translation (the forms of a plural entry joined by " | ")."""
    if translation.text and isinstance(translation.text[0], str):
        return translation.text[0]
    return " | ".join(value for _, value in translation.text)


def _now() -> float:
    return dt.datetime.now(dt.timezone.utc).timestamp()


def _merge_alternatives(base, ours, theirs, new: Alternative | None, winner: Unit) -> list[Alternative]:
    """Alternatives present on either side (one removed on a side stays removed), the new one,
    none equal to the kept text, newest first, at most :data:`MAX_ALTERNATIVES`."""
    old = {alt.line() for alt in alternatives(base)} if base is not None else set()
    mine, yours = {alt.line(): alt for alt in alternatives(ours)}, {alt.line(): alt for alt in alternatives(theirs)}
    kept = [alt for line, alt in {**mine, **yours}.items()
            if _pick(line in old, line in mine, line in yours)]
    if new is not None:
        kept.append(new)
    texts = {_plain(winner)}
    unique: dict[str, Alternative] = {}
    for alt in sorted(kept, key=lambda alt: -alt.at):
        if alt.text not in texts and alt.text not in unique:
            unique[alt.text] = alt
    return list(unique.values())[:MAX_ALTERNATIVES]


def gettext_flag(flag: str) -> bool:
    """Flags GNU gettext knows and keeps (others, such as ``approved``, its tools drop)."""
    return flag in ("fuzzy", "wrap", "no-wrap") or flag.endswith("-format") or flag.startswith("range:")


def _merge_flags(base, ours, theirs) -> list[str]:
    """Flags other than the state's: gettext's own merge three-way; Chorus's own are kept when
    either side has them (gettext tools drop them without anyone asking)."""
    old = set(_neutral(base).flags) if base is not None else set()
    mine, yours = _neutral(ours).flags, _neutral(theirs).flags
    merged = []
    for flag in dict.fromkeys([*mine, *yours]):
        present = _pick(flag in old, flag in mine, flag in yours) if gettext_flag(flag) else True
        if present:
            merged.append(flag)
    return merged


# --- files ---------------------------------------------------------------------------------------


def parse_bytes(data: bytes, name: str) -> polib.POFile:
    """A catalog from its bytes, read as :func:`catalog.read` reads files (errors name ``name``)."""
    with tempfile.TemporaryDirectory(prefix="chorus-merge-") as folder:
        path = Path(folder) / "catalog.po"
        path.write_bytes(data)
        try:
            return catalog.read(path)
        except ChorusError as error:
            raise ChorusError(str(error).replace(str(path), name)) from None


def merge_texts(base: str | None, ours: str, theirs: str, clock: Clock | None = None,
                name: str = "catalog") -> tuple[str, list[Decision]]:
    """:func:`merge_catalogs` on PO texts; the merged text and the decisions."""
    parsed = [parse_bytes(text.encode("utf-8"), f"{name} ({side})") if text is not None and text.strip() else None
              for side, text in (("base", base), ("ours", ours), ("theirs", theirs))]
    if parsed[1] is None or parsed[2] is None:  # one side is empty: the other is the merge
        return (theirs if parsed[1] is None else ours), []
    merged, decisions = merge_catalogs(parsed[0], parsed[1], parsed[2], clock)
    return catalog.render(merged), decisions


def check_msgfmt(text: str, name: str) -> None:
    """Raise :class:`ChorusError` when ``msgfmt -c`` refuses the catalog (skipped without gettext)."""
    with tempfile.TemporaryDirectory(prefix="chorus-merge-") as folder:
        path = Path(folder) / "merged.po"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True,
                                  timeout=60)
        except FileNotFoundError:
            return
        if done.returncode != 0:
            first = next((line for line in done.stderr.splitlines() if line.strip()), "refused")
            raise ChorusError(f"the merged catalog does not pass msgfmt -c ({first.replace(str(path), name)})")


def clock_for(root: Path, name: str, headers: dict[str, dict[str, str]]) -> Clock:
    """The clock of a merge that git runs in ``root``: the commits come from ``CHORUS_MERGE_OURS``
    and ``CHORUS_MERGE_THEIRS`` (set by ``chorus sync``), else HEAD and the ``GITHEAD_<sha>``
    that ``git merge`` sets; without them, the catalogs' headers."""
    ours = os.environ.get("CHORUS_MERGE_OURS") or "HEAD"
    theirs = os.environ.get("CHORUS_MERGE_THEIRS")
    if not theirs:
        named = [key[len("GITHEAD_"):] for key in os.environ if key.startswith("GITHEAD_")]
        theirs = named[0] if len(named) == 1 else None
    if not theirs:
        return Clock(headers)
    try:
        base = _git(root, "merge-base", ours, theirs).strip() or None
    except (OSError, subprocess.SubprocessError):
        base = None
    return GitClock(root, name, {"ours": ours, "theirs": theirs}, base, headers)


def run_driver(base: Path, ours: Path, theirs: Path, name: str | None = None,
               echo: Callable[[str], None] | None = None) -> int:
    """What ``chorus merge-driver %O %A %B %P`` does: write the merge into ``ours`` and return 0,
    or say why not in one line and return 1 (``ours`` unchanged)."""
    name = name or ours.name
    echo = echo or (lambda line: print(line, file=sys.stderr))
    try:
        texts = []
        for side, path in (("base", base), ("ours", ours), ("theirs", theirs)):
            try:
                data = path.read_bytes()
            except OSError as error:
                raise ChorusError(f"{name} ({side}): cannot read ({error.strerror})") from None
            try:
                texts.append(data.decode("utf-8").replace("\r\n", "\n"))
            except UnicodeDecodeError:
                raise ChorusError(f"{name} ({side}): not a valid PO file (not UTF-8)") from None
        parsed = [parse_bytes(text.encode("utf-8"), f"{name} ({side})") if text.strip() else None
                  for side, text in zip(("base", "ours", "theirs"), texts)]
        if parsed[1] is None or parsed[2] is None:  # one side is empty: the other is the merge
            merged, decisions = (texts[2] if parsed[1] is None else texts[1]), []
        else:
            headers = {"ours": dict(parsed[1].metadata), "theirs": dict(parsed[2].metadata)}
            result, decisions = merge_catalogs(*parsed, clock_for(Path.cwd(), name, headers))
            merged = catalog.render(result)
        if name.endswith(".po"):
            check_msgfmt(merged, name)
    except ChorusError as error:
        echo(f"chorus merge-driver: {error}")
        return 1
    ours.write_text(merged, encoding="utf-8")
    kept = sum(1 for decision in decisions if decision.other is not None)
    if kept:
        echo(f"chorus merge-driver: {name}: {kept} segment{'s' * (kept != 1)} changed on both sides: "
             f"the later version kept, the other as a suggestion")
    return 0
