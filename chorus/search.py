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
    if not langs:
        return [], False
    where, params = f"segments MATCH ? AND lang IN ({placeholders(langs)})", [query, *langs]
    if statement is not None:
        span = index.db.execute(
            f"SELECT min(first_row), max(last_row) FROM catalogs WHERE slug = ? AND lang IN ({placeholders(langs)})",
            (statement, *langs)).fetchone()
        if span[0] is None:
            return [], False
        where += " AND slug = ? AND rowid BETWEEN ? AND ?"
        params += [statement, *span]
    try:
        rows = index.db.execute(
            "SELECT slug, lang, context, source, target, state, position, highlight(segments, 0, ?, ?),"
            f" highlight(segments, 1, ?, ?) FROM segments WHERE {where} ORDER BY rowid DESC LIMIT ? OFFSET ?",
            (*MARKS, *MARKS, *params, per_page + 1, (page - 1) * per_page)).fetchall()
    except sqlite3.OperationalError as error:
        raise BadQuery(f"this search cannot be run ({error})") from None
    slugs = sorted({row[0] for row in rows})
    titles = dict(index.db.execute(f"SELECT slug, title FROM statements WHERE slug IN ({placeholders(slugs)})", slugs))
    hits = [Hit(slug, lang, segment_id(context, source), source, target, state, titles.get(slug, slug), position,
                marked_source, marked_target)
            for slug, lang, context, source, target, state, position, marked_source, marked_target in rows]
    return hits[:per_page], len(hits) > per_page


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
