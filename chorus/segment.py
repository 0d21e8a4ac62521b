"""Split text into sentence segments, language aware.

sentencex proposes the boundaries (fast, maintained, ~300 languages). Chorus then decides every
period that sentencex cut at, and every one it passed over before an upper-case word, from
per-language data (``chorus.segment_data``: CLDR's sentence-break suppressions, the Moses
non-breaking prefixes, pySBD's abbreviation lists and our own titles, units and ordinals):

- titles and their like never end a sentence (``Muy Hble. Sr. Presidente``, ``Ks. Jankowski``);
- initials do not either (``І. П. Єрмолюк``, ``Je suis E. Macron``), nor an ordinal number in a
  language that writes one with a period (``In der 1. Bundesliga``);
- a period before a lower-case word or a comma seldom ends a sentence (``20 proc. społeczeństwa``);
- abbreviations that can end a sentence do before an upper-case word: ``etc.``, units after a
  number (``A alergat 50 m. Deja``), acronyms (``Jeg bor i E.U. Hvad med dig?``);
- an ellipsis before an upper-case word ends one, and so does a stop with no space after it
  between two words (``no.Not really.``), but never inside an address (``Foo?Bar@example.com``);
- before a word that usually opens a sentence, an initial or a title ends one after all
  (``група В. Усі віруси``).

English is the exception, by measurement: there sentencex's own rules decide every stop and
Chorus only joins after titles and abbreviations (all 48 Golden Rules pass that way; deciding
every period from the data gained nothing and halved the speed). See ``bench/bench_segment.py``.

Around that we keep what statements need: sentences in parentheses, spaced four-dot ellipses,
closing markup (``**Berlin.**``) and inline numbered or lettered lists.

Splitting is lossless: the pieces join back into the input exactly.

>>> split_sentences("Stop the attacks. Now!", "en")
['Stop the attacks. ', 'Now!']
>>> segments("Ft. Worth stands with us. So do we.", "en")
['Ft. Worth stands with us.', 'So do we.']
>>> segments("Prezydent ma 20 proc. poparcia. To mało.", "pl")
['Prezydent ma 20 proc. poparcia.', 'To mało.']
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import sentencex

from chorus.segment_rules import Rules, decide, plain_cuts, rules_for

_LIST_MARKER = re.compile(r"(?:[•⁃\-*]\s*)?(\d{1,3}|[a-zA-Z])(\.\)|\.|\))\s")
_MARKER_ONLY = re.compile(r"(?:[•⁃\-*]\s*)?(?:\d{1,3}|[a-zA-Z])[.)]{1,2}\s*")
_CLOSING_PAREN = re.compile(r"[.!?]\)(?=\s+[\"'“‘(]?[A-ZÀ-Þ])")
_FOUR_DOTS_AT_END = re.compile(r"\w\.(\s\.\s\.\s\.\s+)$")
_SENTENCE_END = frozenset(".!?…")
_UNUSUAL_SPACE = re.compile(r"[^\S \t\n\r]")  # no-break, thin, ideographic spaces, ...
_BULLETS = frozenset("•⁃-*")
_MARKER_ENDS = frozenset(".)")
_CLOSERS = frozenset("*_~`)]”’»\"'")
_LEADING_CLOSER = re.compile(r"[*_~`)\]”’»\"']+(?:\s+|$)")


def segments(text: str, lang: str) -> list[str]:
    """Sentence segments of ``text``, stripped of surrounding white space, empty ones dropped."""
    return [stripped for piece in split_sentences(text, lang) if (stripped := piece.strip())]


def split_sentences(text: str, lang: str) -> list[str]:
    """Lossless sentence split: ``"".join(split_sentences(t, lang)) == t``."""
    if not text:
        return []
    if text[0] not in _BULLETS and text[1:2] not in _MARKER_ENDS and text[2:3] not in _MARKER_ENDS \
            and text[3:4] not in _MARKER_ENDS:  # cannot start with a list marker: the common case
        return _split_item(text, lang)
    items = _split_inline_list(text)
    if len(items) == 1:
        return _split_item(text, lang)
    return [piece for item in items for piece in _split_item(item, lang)]


def _split_item(text: str, lang: str) -> list[str]:
    rules = rules_for(lang)
    try:
        pieces = sentencex.segment(rules.lang, text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: B036 - a Rust panic arrives as pyo3's PanicException
        pieces = _after_panic(rules.lang, text)
    if type(pieces) is not list or sum(map(len, pieces)) != len(text):
        pieces = _proposals(rules.lang, text)  # never trust a library with the user's text
    if len(pieces) <= 1 and text[:1] != "(" and (rules.lean or rules.quick(text)
                                                 and text.find(". ", 0, len(text) - 2) < 0):
        return [text]  # one sentence by sentencex, and no stop inside that it passed over
    if rules.lean:  # sentencex decides; Chorus joins after titles and abbreviations
        pieces = _correct_boundaries(pieces, rules)
    else:
        cuts = None if len(pieces) > 1 and plain_cuts(text, pieces, rules) else decide(text, pieces, rules)
        if cuts is None:  # sentencex's cuts stand: only a lone list marker may need joining
            if min(map(len, pieces)) <= 8:
                pieces = _correct_boundaries(pieces)
        elif cuts:
            pieces = _correct_boundaries(_cut(text, *cuts))
        else:
            pieces = [text]
    # The rarer corrections run only when a quick scan says they could apply.
    if "(" in text and _opens_with_parenthesis(text):
        pieces = _split_after_parenthesis(pieces)
    if ". . ." in text:
        pieces = _move_spaced_ellipsis(pieces)
    return pieces


def _proposals(lang: str, text: str) -> list[str]:
    """sentencex's pieces of ``text`` when they do not simply join back into it: rebuilt from its
    boundaries, or the text whole."""
    try:
        pieces = list(sentencex.segment(lang, text))
        if sum(map(len, pieces)) != len(text):
            pieces = _rebuild_from_offsets(text, sentencex.get_sentence_boundaries(lang, text))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: B036
        pieces = _after_panic(lang, text)
    return pieces if pieces and "".join(pieces) == text else [text]


def _after_panic(lang: str, text: str) -> list[str]:
    """sentencex panics on some text (a letter, a no-break space and a period): that is not the
    user's problem. Split again with the unusual spaces made plain (same offsets), or keep the
    text whole."""
    plain = _UNUSUAL_SPACE.sub(" ", text)
    if plain == text:
        return [text]
    try:
        pieces = sentencex.segment(lang, plain)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: B036
        return [text]
    edges = list(itertools.accumulate(map(len, pieces)))
    if not edges or edges[-1] != len(text):
        return [text]
    return _cut(text, *edges[:-1])


def _rebuild_from_offsets(text: str, bounds: list[dict]) -> list[str]:
    cuts = sorted({b["end_index"] for b in bounds if 0 < b["end_index"] < len(text)})
    edges = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(edges, edges[1:]) if b > a]


def _opens_with_parenthesis(text: str) -> bool:
    """A parenthesis at the start of the text, a line or a sentence: '. (', '? (', '! (', '\\n('."""
    at = text.find("(")
    while at >= 0:
        if at == 0 or text[at - 1] == "\n" or text[at - 2:at] in (". ", "? ", "! "):
            return True
        at = text.find("(", at + 1)
    return False


def _correct_boundaries(pieces: list[str], rules: Rules | None = None) -> list[str]:
    """Join pieces cut after a lone list marker (and, given a language's rules, after one of its
    titles, or before a lower-case word or a number after one of its abbreviations), and move
    closing markup ('**Berlin.** We') to the sentence it closes."""
    merged = [pieces[0]]
    for piece in pieces[1:]:
        previous = merged[-1]
        if len(previous) <= 8 and _MARKER_ONLY.fullmatch(previous) or rules is not None and (
                _ends_in_abbreviation(previous, piece, rules)):
            merged[-1] = previous + piece
            continue
        if piece[0] in _CLOSERS and previous[-1:] in _SENTENCE_END:
            closer = _LEADING_CLOSER.match(piece)
            if closer:
                merged[-1] = previous + closer.group(0)
                piece = piece[closer.end():]
                if not piece:
                    continue
        merged.append(piece)
    return merged


def _ends_in_abbreviation(previous: str, piece: str, rules: Rules) -> bool:
    """The lean path's test: 'Ft. Worth' (a title), 'bn. was' (an abbreviation before a
    lower-case word or a number). Most periods follow a plain word and are let go after a few
    string operations."""
    stripped = previous.rstrip()
    if stripped[-1:] != ".":
        return False
    word = stripped[-9:-1].rpartition(" ")[2]  # a word of up to 6 letters, whole
    if len(word) > 6 or not word.isalpha():
        if "(" not in word and "\n" not in word:
            return False  # too long a word, or not a word
        word = word.rpartition("(")[2].rpartition("\n")[2]
        if len(word) > 6 or not word.isalpha():
            return False
    if len(word) > 1 and word.lower() not in rules.joinable:
        return False
    data = rules.data
    first = piece[:1]
    if first.isspace():
        first = piece.lstrip()[:1]
    if len(word) > 1 and (word in data.titles or word.lower() in data.own_titles):
        return bool(first)  # (initials are sentencex's to judge: "you and I. Did you")
    return (first.islower() or first.isdigit()) and (
        word.lower() in data.abbreviations or len(word) == 1 and word.islower())


def _split_after_parenthesis(pieces: list[str]) -> list[str]:
    """'(This stands alone.) Next sentence.' ends a sentence at the closing parenthesis."""
    result = []
    for piece in pieces:
        match = piece.lstrip()[:1] == "(" and _CLOSING_PAREN.search(piece)
        result.extend(_cut(piece, match.end()) if match else [piece])
    return result


def _move_spaced_ellipsis(pieces: list[str]) -> list[str]:
    """'compounds. . . . The practice' ends a sentence at the first period; the spaced ellipsis
    opens the next one (the MLA four-dot convention)."""
    moved = list(pieces)
    for i in range(len(moved) - 1):
        match = ". . ." in moved[i][-12:] and _FOUR_DOTS_AT_END.search(moved[i])
        if match and moved[i + 1][:1].isupper() and "\n\n" not in match.group(1):
            moved[i], moved[i + 1] = moved[i][: match.start(1)], match.group(1) + moved[i + 1]
    return moved


def _split_inline_list(piece: str) -> list[str]:
    """'1. The first item 2. The second item' is two items when the markers count up."""
    first = _LIST_MARKER.match(piece)
    if not first:
        return [piece]
    expected = _next_marker(first.group(1))
    style = first.group(2)
    if expected is None or expected + style not in piece:
        return [piece]
    pattern = _marker_pattern(piece[: first.start(1)].strip(), style)
    cuts, position = [], first.end()
    while expected is not None:
        match = pattern.search(piece, position)
        if not match or match.group(1) != expected:
            break
        cuts.append(match.start())
        position, expected = match.end(), _next_marker(match.group(1))
    return _cut(piece, *cuts) if cuts else [piece]


@lru_cache(maxsize=32)
def _marker_pattern(bullet: str, style: str) -> re.Pattern:
    return re.compile(
        r"(?<=\s)" + (re.escape(bullet) + r"\s*" if bullet else "")
        + r"(\d{1,3}|[a-zA-Z])" + re.escape(style) + r"\s"
    )


def _next_marker(marker: str) -> str | None:
    if marker.isdigit():
        return str(int(marker) + 1)
    if marker in "zZ":
        return None
    return chr(ord(marker) + 1)


def _cut(text: str, *offsets: int) -> list[str]:
    edges = [0, *offsets, len(text)]
    return [text[a:b] for a, b in zip(edges, edges[1:]) if b > a]
