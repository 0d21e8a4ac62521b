"""The glossary (``translations/glossary.csv``) and masking of protected text before MT.

The glossary has the columns ``term, lang, translation, note``. An empty ``lang`` means every
language; an empty ``translation`` means *do not translate* (names of people and
organisations, acronyms).

Before a machine engine sees a segment, :func:`mask` replaces what it must not change by
placeholders (``__0__``, ``__1__``, …): do-not-translate terms, terms with a fixed
translation, URLs, e-mail addresses, hashtags, @handles and the targets of Markdown link
references (``[label][1]``: the label is translated, ``][1]`` is kept). After the engine,
``restore`` puts back the original text, or the fixed translation, for each placeholder:

>>> glossary = Glossary([Term("Trump", "", "", "a name"), Term("picket line", "es", "piquete", "")])
>>> masked = mask("Trump attacked the Picket line, see https://x.org #strike", "es", glossary)
>>> masked.text
'__0__ attacked the __1__, see __2__ __3__'
>>> masked.restore("__0__ atacó el __1__, ver __2__ __3__")
'Trump atacó el Piquete, ver https://x.org #strike'

Terms match on word boundaries. A term with a capital letter (a name, an acronym) matches only
as written; an all-lowercase term also matches with a capital first letter, and its fixed
translation then gets one too.
"""

from __future__ import annotations

import csv
import io
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .catalog import atomic_write, locked
from .errors import ChorusError
from .files import read_regular
from .text import TextRefused, clean

FILENAME = "glossary.csv"
COLUMNS = ("term", "lang", "translation", "note")

# Linear in the text however long its runs without spaces are: runs are taken possessively
# (``++``), and an address cannot start inside a run it would scan again (look-behind).
_URL_END = r"[^\s<>\"'\]\[().,;:!?]"
_URL = rf"(?:https?://|ftp://|www\.)(?:{_URL_END}|[.,;:!?]++(?={_URL_END}))++"
_EMAIL = r"(?<![\w.+-])[\w.+-]++@(?:\w|-++(?=\w))++(?:\.(?:\w|-++(?=\w))++)++"
_HASHTAG = r"(?<![\w#&])#\w+"
_HANDLE = r"(?<![\w@])@\w+(?:\.\w+)*"
_LINK_OPEN = r"!?\[(?=(?:[^\[\]\\]|\\.)*\]\[\d+\])"
_LINK_CLOSE = r"\]\[\d+\]"
_FOOTNOTE = r"\[\^\d+\]"  # a footnote reference, as segments show it
_PROTECTED = re.compile("|".join(f"(?:{part})" for part in (_URL, _EMAIL, _HASHTAG, _HANDLE, _FOOTNOTE)))
_LINKS = re.compile(f"(?P<open>{_LINK_OPEN})|(?P<close>{_LINK_CLOSE})")
_PLACEHOLDER = re.compile(r"_\s?_\s?(\d+)\s?_\s?_")
PLACEHOLDERS = _PLACEHOLDER  # what Masked.restore recognises as a placeholder, give or take a space


class MaskLost(ValueError):
    """An engine dropped or broke a placeholder: the draft cannot be trusted."""


@dataclass
class Term:
    term: str
    lang: str = ""
    translation: str = ""
    note: str = ""

    @property
    def keep(self) -> bool:
        """True for a do-not-translate term."""
        return not self.translation


@dataclass
class Glossary:
    terms: list[Term] = field(default_factory=list)
    path: Path | None = None

    @classmethod
    def load(cls, project) -> "Glossary":
        path = project.translations_dir / FILENAME
        if not os.path.lexists(path):
            return cls([], path)
        try:
            text = read_regular(path, MAX_FILE_BYTES, "glossary").decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ChorusError(f"{project.relative(path)}: not UTF-8") from None
        return cls(parse(text, project.relative(path)), path)

    @classmethod
    @contextmanager
    def editing(cls, project) -> Iterator["Glossary"]:
        """Load, change and save the glossary under its lock, so that concurrent edits queue
        instead of overwriting each other; nothing is saved if the block fails.

        >>> with Glossary.editing(project) as glossary:   # doctest: +SKIP
        ...     glossary.add("picket line", "es", "piquete")
        """
        path = project.translations_dir / FILENAME
        with locked(path):
            glossary = cls.load(project)
            yield glossary
            atomic_write(path, render(glossary.terms))

    def for_lang(self, lang: str) -> list[Term]:
        """Terms that apply to ``lang``: its own entries win over the all-language ones."""
        base = lang.split("_")[0]
        chosen: dict[str, Term] = {}
        for term in self.terms:
            if term.lang == "" and term.term not in chosen:
                chosen[term.term] = term
        for wanted in (base, lang):
            for term in self.terms:
                if term.lang == wanted and wanted:
                    chosen[term.term] = term
        return list(chosen.values())

    def terms_in(self, text: str, lang: str) -> list[Term]:
        """Glossary terms found in a source text, in order of appearance."""
        found = []
        for start, _end, term in _term_matches(text, self.for_lang(lang)):
            if term not in found:
                found.append(term)
        return found

    def add(self, term: str, lang: str = "", translation: str = "", note: str = "") -> Term:
        """Add a term, or replace the one with the same term and language."""
        term, translation, note = (_cell(value, name) for value, name in
                                   ((term, "term"), (translation, "translation"), (note, "note")))
        if not term or "\n" in term:
            raise ChorusError("a glossary term must be one non-empty line")
        new = Term(term, lang, translation, note)
        for index, old in enumerate(self.terms):
            if old.term == term and old.lang == lang:
                self.terms[index] = new
                return new
        self.terms.append(new)
        return new

    def remove(self, term: str, lang: str = "") -> bool:
        before = len(self.terms)
        self.terms = [t for t in self.terms if not (t.term == term and t.lang == lang)]
        return len(self.terms) != before

    def save(self) -> None:
        """Write the glossary as it is here (use :meth:`editing` to change the project's)."""
        if self.path is None:
            raise ChorusError("this glossary has no file")
        with locked(self.path):
            atomic_write(self.path, render(self.terms))

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)


def parse(text: str, name: str = FILENAME) -> list[Term]:
    """The terms of a glossary file; a cell with a control character or over
    :data:`MAX_CELL` characters is a :class:`ChorusError` naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        if reader.fieldnames is None:
            return []
        missing = [column for column in ("term",) if column not in reader.fieldnames]
        if missing:
            raise ChorusError(f"{name}: the first line must name the columns {', '.join(COLUMNS)}")
        terms = []
        for row in reader:
            where = f"{name}, line {reader.line_num}"
            cells = [_cell(_from_sheet(row.get(column) or ""), column, where) for column in COLUMNS]
            if cells[0]:
                terms.append(Term(*cells))
    except csv.Error as error:
        raise ChorusError(f"{name}, line {reader.line_num + 1}: not valid CSV ({error})") from None
    return terms


def render(terms: list[Term]) -> str:
    """CSV text; a cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is
    written with a leading ``'``, which spreadsheets show as text and :func:`parse` removes.

    >>> render([Term("=HYPERLINK(x)", "", "", "-5%")]).splitlines()[1]
    "'=HYPERLINK(x),,,'-5%"
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for term in terms:
        writer.writerow([_to_sheet(cell) for cell in (term.term, term.lang, term.translation, term.note)])
    return out.getvalue()


MAX_CELL = 4_000  # characters; a term, its translation or a note (csv reads at most 128 KB a field)
MAX_FILE_BYTES = 16 * 1024 * 1024
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def _cell(value: str, column: str, where: str = "the glossary") -> str:
    """One cell under the text policy (one line, no control characters), stripped."""
    if len(value) > MAX_CELL:
        raise ChorusError(f"{where}: the {column} is longer than {MAX_CELL} characters")
    try:
        return clean(value, f"{where}: the {column}", inline=True).strip()
    except TextRefused as error:
        raise ChorusError(str(error)) from None


def _to_sheet(cell: str) -> str:
    return "'" + cell if _FORMULA.match(cell) else cell


def _from_sheet(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell, 1) else cell


# --- masking -----------------------------------------------------------------------------------


@dataclass
class Masked:
    """A masked text and what each placeholder stands for; unpacks as ``(text, restore)``."""

    text: str
    originals: list[str]

    def restore(self, translated: str) -> str:
        """Put the protected text back; :class:`MaskLost` when a placeholder did not survive."""
        seen: set[int] = set()

        def put_back(match: re.Match) -> str:
            number = int(match.group(1))
            if number >= len(self.originals):
                raise MaskLost(f"unknown placeholder {match.group()!r} in {translated!r}")
            seen.add(number)
            return self.originals[number]

        restored = _PLACEHOLDER.sub(put_back, translated)
        if len(seen) != len(self.originals):
            missing = sorted(set(range(len(self.originals))) - seen)
            raise MaskLost(f"protected text lost: {', '.join(self.originals[n] for n in missing)}")
        return _tidy_links(restored)

    def __iter__(self):
        return iter((self.text, self.restore))


def placeholder(number: int) -> str:
    return f"__{number}__"


def mask(text: str, lang: str, glossary: Glossary | None) -> Masked:
    """Replace protected parts of ``text`` by placeholders (see the module documentation)."""
    spans: list[tuple[int, int, str]] = []  # start, end, what comes back
    for match in _PROTECTED.finditer(text):
        spans.append((match.start(), match.end(), match.group()))
    for match in _LINKS.finditer(text):
        spans.append((match.start(), match.end(), match.group()))
    if glossary is not None:
        for start, end, term in _term_matches(text, glossary.for_lang(lang)):
            spans.append((start, end, _with_case(term, text[start:end])))
    spans = _without_overlaps(spans)
    originals: list[str] = []
    pieces: list[str] = []
    position = 0
    for start, end, original in spans:
        pieces.append(text[position:start])
        token = placeholder(len(originals))
        originals.append(original)
        if original.startswith(("[", "![")) and original.endswith("["):
            token += " "
        elif original.startswith("]["):
            token = " " + token
        pieces.append(token)
        position = end
    pieces.append(text[position:])
    return Masked("".join(pieces), originals)


def _tidy_links(text: str) -> str:
    """Undo the spaces put around link brackets so words do not stick to placeholders."""
    text = re.sub(r"(!?\[)\s+", r"\1", text)
    return re.sub(r"\s+(\]\[\d+\])", r"\1", text)


def _with_case(term: Term, found: str) -> str:
    if term.keep:
        return found
    if found[:1].isupper() and term.term[:1].islower():
        return term.translation[:1].upper() + term.translation[1:]
    return term.translation


def _term_matches(text: str, terms: list[Term]) -> list[tuple[int, int, Term]]:
    """Non-overlapping matches, longest term first, on word boundaries."""
    matches: list[tuple[int, int, Term]] = []
    taken: list[tuple[int, int]] = []
    for term in sorted(terms, key=lambda t: len(t.term), reverse=True):
        for match in _term_pattern(term.term).finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            matches.append((match.start(), match.end(), term))
    return sorted(matches, key=lambda m: m[0])


def contains_term(text: str, term: str) -> bool:
    """Does ``text`` hold ``term`` on word boundaries (as :func:`mask` would find it)?

    >>> contains_term("Stop Trump now", "Trump"), contains_term("Trumpet", "Trump")
    (True, False)
    """
    return _term_pattern(term).search(text) is not None


def _term_pattern(term: str) -> re.Pattern:
    words = [re.escape(word) for word in term.split()]
    if term == term.lower() and term[:1].isalpha():
        words[0] = f"[{re.escape(term[0].upper())}{re.escape(term[0])}]{words[0][len(re.escape(term[0])):]}"
    body = r"\s+".join(words)
    return re.compile(rf"(?<![\w@#]){body}(?!\w)")


def _without_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the earliest, then longest, of overlapping spans."""
    result: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if result and span[0] < result[-1][1]:
            continue
        result.append(span)
    return result


Restore = Callable[[str], str]
