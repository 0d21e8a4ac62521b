"""Search across segments: in the source or the translation, any case, any accents.

What a user types becomes an SQLite FTS5 query over the project index (:mod:`chorus.index`):

- words: each must occur, in the source or in the translation, in any form English gives a
  word (``worker`` finds ``workers``, ``attack`` finds ``attacked``: the index keeps each word's
  stem, FTS5's Porter stemmer, whatever the language, so a word always finds itself);
- ``"a phrase"``: these words, one after the other;
- ``work*``: every word that starts so (at least two letters before the star).

FTS5's own operators (AND, OR, NOT, NEAR, column filters) are searched as words, so any text
is a query; text with nothing to search for, or too long, is a :class:`BadQuery` saying why.

>>> fts_query('Solidarité "picket line" strik*')
'"Solidarité" "picket line" "strik"*'
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from .errors import ChorusError
from .index import Index, placeholders
from .scan import segment_id

MAX_LENGTH = 500  # characters of a search
MAX_TERMS = 24  # words and phrases in a search
MAX_HITS = 10_000  # how deep paging may go
MIN_PREFIX = 2  # letters before a star
MARKS = ("\ue000", "\ue001")  # around each match in Hit.marked_source / marked_target

_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"[^\W_]")


class BadQuery(ChorusError):
    """A search that cannot be run; the message says why."""


def fts_query(text: str) -> str:
    """The FTS5 query for what a user typed (see the module's description)."""
    if len(text) > MAX_LENGTH:
        raise BadQuery(f"the search is {len(text)} characters long; use at most {MAX_LENGTH}")
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    terms = []
    for phrase, word in _PART.findall(cleaned):
        if phrase and _WORD.search(phrase):
            terms.append(_quoted(" ".join(phrase.split())))
        elif word and _WORD.search(word.rstrip("*")):
            core = word.rstrip("*")
            if word.endswith("*") and len(_WORD.findall(core)) < MIN_PREFIX:
                raise BadQuery(f"{word!r}: put at least {MIN_PREFIX} letters before a star")
            terms.append(_quoted(core) + ("*" if word.endswith("*") else ""))
    if not terms:
        raise BadQuery("there is no word to search for in that text")
    if len(terms) > MAX_TERMS:
        raise BadQuery(f"the search has {len(terms)} words and phrases; use at most {MAX_TERMS}")
    return " ".join(terms)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass
class Hit:
    statement: str
    lang: str
    id: str
    source: str
    target: str
    state: str
    title: str
    position: int
    marked_source: str  # the text with MARKS around each match
    marked_target: str

    def as_json(self) -> dict:
        return {"statement": self.statement, "lang": self.lang, "id": self.id, "source": self.source,
                "target": self.target, "state": self.state, "title": self.title, "position": self.position}


@dataclass
class Result:
    query: str
    hits: list[Hit]
    page: int
    per_page: int
    more: bool  # there are hits after this page


def search(index: Index, text: str, langs: list[str], statement: str | None = None,
           page: int = 1, per_page: int = 50) -> Result:
    """Segments of ``langs`` (of ``statement``, if given) whose source or translation match
    ``text``: the statements changed most recently first, then in the order of the project's
    languages and of the sentences.

    The catalogs of the hits are checked against the files first, so a page never shows a
    translation that has changed since it was indexed. Raises :class:`BadQuery`.
    """
    query = fts_query(text)
    if page < 1 or per_page < 1 or page * per_page > MAX_HITS:
        raise BadQuery(f"pages go as far as the first {MAX_HITS} hits; narrow the search instead")
    hits, more = _run(index, query, langs, statement, page, per_page)
    if hits and index.check_catalogs({(hit.statement, hit.lang) for hit in hits}):
        hits, more = _run(index, query, langs, statement, page, per_page)
    return Result(text, hits, page, per_page, more)


def _run(index: Index, query: str, langs: list[str], statement: str | None, page: int,
         per_page: int) -> tuple[list[Hit], bool]:
    """The hits of a page: sentences whose source matches (one hit per language) and
    translations that match, the rows stored last first."""
    if not langs:
        return [], False
    wanted = page * per_page + 1
    db = index.db
    source_where, source_params = "sources MATCH ?", [query]
    target_where, target_params = f"targets MATCH ? AND lang IN ({placeholders(langs)})", [query, *langs]
    if statement is not None:
        sources_span = db.execute("SELECT first_row, last_row FROM statements WHERE slug = ?", (statement,)).fetchone()
        targets_span = db.execute(f"SELECT min(first_row), max(last_row) FROM catalogs WHERE slug = ? AND lang IN"
                                  f" ({placeholders(langs)})", (statement, *langs)).fetchone()
        source_where += " AND rowid BETWEEN ? AND ? AND slug = ?"
        source_params += [*(sources_span or (0, -1)), statement]
        target_where += " AND rowid BETWEEN ? AND ? AND slug = ?"
        target_params += [targets_span[0] or 0, targets_span[1] or -1, statement]
    try:
        sources = db.execute(
            f"SELECT rowid, slug, context, position, source, highlight(sources, 0, ?, ?) FROM sources"
            f" WHERE {source_where} ORDER BY rowid DESC LIMIT ?", (*MARKS, *source_params, wanted)).fetchall()
        targets = db.execute(
            f"SELECT rowid, slug, lang, source, context, state, position, target, highlight(targets, 0, ?, ?)"
            f" FROM targets WHERE {target_where} ORDER BY rowid DESC LIMIT ?",
            (*MARKS, *target_params, wanted)).fetchall()
    except sqlite3.OperationalError as error:
        raise BadQuery(f"this search cannot be run ({error})") from None
    rows = _merge(index, sources, targets, langs, wanted)
    slugs = sorted({row[0] for row in rows})
    titles = dict(db.execute(f"SELECT slug, title FROM statements WHERE slug IN ({placeholders(slugs)})", slugs))
    hits = [Hit(slug, lang, segment_id(context, source), source, target, state, titles.get(slug, slug), position,
                marked_source, marked_target)
            for slug, lang, context, source, target, state, position, marked_source, marked_target in rows]
    start = (page - 1) * per_page
    return hits[start:start + per_page], len(hits) > start + per_page


def _merge(index: Index, sources: list, targets: list, langs: list[str], wanted: int) -> list[tuple]:
    """Source hits (each in every language of ``langs`` whose catalog can be read) and target
    hits in one list, the rows stored last first, each (statement, language, sentence) once:
    (slug, lang, context, source, target, state, position, marked source, marked target)."""
    by_target = {(row[1], row[2], row[4], row[3]): row for row in targets}
    by_source = {(row[1], row[2], row[4]): row for row in sources}
    catalogs = _catalogs(index, {row[1] for row in sources}, langs)
    translations: dict[tuple[str, str], dict] = {}
    merged, seen = [], set()
    events = sorted([(row[0], 0, row) for row in sources] + [(row[0], 1, row) for row in targets],
                    key=lambda event: (-event[0], event[1]))
    for _, kind, row in events:
        if kind == 1:
            _, slug, lang, source, context, state, position, target, marked_target = row
            found = by_source.get((slug, context, source))
            candidates = [(lang, target, state, found[5] if found else source, marked_target, position)]
        else:
            _, slug, context, position, source, marked_source = row
            candidates = []
            for lang in langs:
                catalog = catalogs.get((slug, lang))
                if catalog is None or catalog[2] is not None:
                    continue  # not indexed, or cannot be read
                match = by_target.get((slug, lang, context, source))
                if match is not None:
                    candidates.append((lang, match[7], match[5], marked_source, match[8], position))
                    continue
                target, state = _translation(index, translations, slug, lang, catalog, context, source)
                candidates.append((lang, target, state, marked_source, target, position))
        for lang, target, state, marked_source, marked_target, position in candidates:
            key = (slug, lang, context, source)
            if key not in seen:
                seen.add(key)
                merged.append((slug, lang, context, source, target, state, position, marked_source, marked_target))
        if len(merged) >= wanted:
            break
    return merged


def _catalogs(index: Index, slugs: set[str], langs: list[str]) -> dict[tuple[str, str], tuple]:
    if not slugs:
        return {}
    rows = index.db.execute(f"SELECT slug, lang, error, first_row, last_row FROM catalogs WHERE slug IN"
                            f" ({placeholders(slugs)}) AND lang IN ({placeholders(langs)})", (*slugs, *langs))
    return {(slug, lang): (slug, lang, error, first, last) for slug, lang, error, first, last in rows}


def _translation(index: Index, cache: dict, slug: str, lang: str, catalog: tuple, context, source: str):
    """(target, state) of a sentence in a catalog: untranslated when it has no translation."""
    if (slug, lang) not in cache:
        first, last = catalog[3], catalog[4]
        cache[(slug, lang)] = {} if first is None else {
            (row_context, row_source): (target, state) for row_context, row_source, target, state in index.db.execute(
                "SELECT context, source, target, state FROM targets WHERE rowid BETWEEN ? AND ?", (first, last))}
    return cache[(slug, lang)].get((context, source), ("", "untranslated"))


def split_marks(marked: str, plain: str) -> list[tuple[str, bool]]:
    """``marked`` as (text, is a match) pieces, for showing matches in bold; the whole ``plain``
    text unmarked when the marks cannot be trusted (the text itself held a mark character).

    >>> split_marks("a \\ue000b\\ue001 c", "a b c")
    [('a ', False), ('b', True), (' c', False)]
    """
    if any(mark in plain for mark in MARKS) or marked.replace(MARKS[0], "").replace(MARKS[1], "") != plain:
        return [(plain, False)] if plain else []
    pieces = []
    for number, part in enumerate(re.split("[\ue000\ue001]", marked)):
        if part:
            pieces.append((part, number % 2 == 1))
    return pieces
