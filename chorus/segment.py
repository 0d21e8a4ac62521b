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
  between two words (``no.Not really.``), but never inside an address (``Foo?Bar@example.com``).

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

import re
from functools import lru_cache

import sentencex

from chorus.segment_data import LanguageData, language_data

_LIST_MARKER = re.compile(r"(?:[•⁃\-*]\s*)?(\d{1,3}|[a-zA-Z])(\.\)|\.|\))\s")
_MARKER_ONLY = re.compile(r"(?:[•⁃\-*]\s*)?(?:\d{1,3}|[a-zA-Z])[.)]{1,2}\s*")
_CLOSING_PAREN = re.compile(r"[.!?]\)(?=\s+[\"'“‘(]?[A-ZÀ-Þ])")
_FOUR_DOTS_AT_END = re.compile(r"\w\.(\s\.\s\.\s\.\s+)$")
_SENTENCE_END = frozenset(".!?…")
_BULLETS = frozenset("•⁃-*")
_MARKER_ENDS = frozenset(".)")
_CLOSERS = frozenset("*_~`)]”’»\"'")
_LEADING_CLOSER = re.compile(r"[*_~`)\]”’»\"']+(?:\s+|$)")

# Between a sentence's last word and the next sentence's first letter.
_TRAILING = "\"'”’»«›)]*_`~¹²³⁴⁵⁶⁷⁸⁹⁰"  # closing quotes and brackets, markup, footnote marks
_STOPS = frozenset(".!?…" + _TRAILING)
_OPENING = "\"'“‘«„‚»›([{¿¡*_`-–—"  # what may open a sentence before its first letter
_TOKEN_STOP = frozenset(" \t\n\r\u00a0\u202f([{\"«„“‘»")
_NOT_STARTS = frozenset(",;:)]}%")
_ROMAN = frozenset("IVXLC")
_NUMBER_ENDS = frozenset("0123456789°")


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
    base = _base_lang(lang)
    pieces = sentencex.segment(base, text)
    if not isinstance(pieces, list):
        pieces = list(pieces)
    if sum(map(len, pieces)) != len(text):  # never trust a library with the user's text
        bounds = sentencex.get_sentence_boundaries(base, text)
        pieces = _rebuild_from_offsets(text, bounds)
    if not pieces:
        return [text]
    rules = _rules(base)
    cuts = _decide(text, pieces, rules)
    if len(cuts) == 0 and text[:1] != "(":
        return [text]
    pieces = _cut(text, *cuts)
    pieces = _correct_boundaries(pieces)
    # The rarer corrections run only when a quick scan says they could apply.
    if "(" in text:
        pieces = _split_after_parenthesis(pieces)
    if ". . ." in text:
        pieces = _move_spaced_ellipsis(pieces)
    return pieces


@lru_cache(maxsize=64)
def _base_lang(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower() or "en"


class _Rules:
    """A language's data and the patterns that find the periods sentencex passed over."""

    def __init__(self, data: LanguageData):
        self.data = data
        ends = "".join(re.escape(c) for c in ".!?…" + data.terminators)
        # A stop and white space before what may start a sentence: candidates sentencex may
        # have passed over. (Cuts it made are always reconsidered.)
        self.spaced = re.compile(rf"(?:[{ends}])[{re.escape(_TRAILING)}]*\s+(?=[{re.escape(_OPENING)}]*\w)")
        # A stop between two words with no space: "world.Today", "România!Acum".
        self.unspaced = re.compile(r"(?<=[^\W\d_]{2})[.!?](?=[^\W\d_])")


@lru_cache(maxsize=64)
def _rules(lang: str) -> _Rules:
    return _Rules(language_data(lang))


def _decide(text: str, pieces: list[str], rules: _Rules) -> list[int]:
    """Offsets where sentences start: sentencex's cuts and the candidates it passed over, each
    decided from the language's data."""
    proposed, offset = set(), 0
    for piece in pieces[:-1]:
        offset += len(piece)
        cut = offset
        while cut < len(text) and text[cut] in _TRAILING and text[cut - 1] in _STOPS:
            cut += 1  # "**Berlin.**" + " We": the closing markup belongs to the first sentence
        while cut < len(text) and text[cut] in " \t\u00a0\u202f" and cut > offset:
            cut += 1
        proposed.add(cut)
    candidates = set(proposed)
    if ". " in text or "… " in text or rules.data.terminators:
        candidates.update(match.end() for match in rules.spaced.finditer(text))
    if any(c in text for c in ".!?") and rules.unspaced.search(text):
        candidates.update(match.end() for match in rules.unspaced.finditer(text))
    return [cut for cut in sorted(candidates) if 0 < cut < len(text)
            and _starts_sentence(text, cut, cut in proposed, rules.data)]


def _starts_sentence(text: str, cut: int, proposed: bool, data: LanguageData) -> bool:
    """Whether a sentence starts at ``cut``; ``proposed``: sentencex cut there."""
    end = cut
    while end and text[end - 1].isspace():
        end -= 1
    spaced = end < cut
    if "\n\n" in text[end:cut]:
        return True  # a paragraph break ends a sentence, whatever came before
    stop = end
    while stop and text[stop - 1] in _TRAILING:
        stop -= 1
    if not stop:
        return proposed
    mark = text[stop - 1]
    if mark not in _SENTENCE_END and mark not in data.terminators:
        return proposed  # a line break or something sentencex knows: keep its decision
    nxt = cut
    while nxt < len(text) and text[nxt] in _OPENING:
        nxt += 1
    first = text[nxt:nxt + 1]
    if not first or first in _NOT_STARTS:
        return False
    if not spaced:
        return _unspaced_stop(text, stop, cut, first, data)
    if mark == "…" or text[stop - 3:stop] == "...":
        return not first.islower() if first.isalpha() else proposed
    if mark in data.terminators:
        return True
    if mark != ".":
        return proposed
    return _period_ends(text, stop - 1, nxt, proposed, data)


def _unspaced_stop(text: str, stop: int, cut: int, first: str, data: LanguageData) -> bool:
    """'world.Today' ends a sentence; 'G.Oueddei', 'EE.UU.', 'a@b.com' do not."""
    if not first.isupper():
        return False
    left = text.rfind(" ", 0, stop) + 1
    right = text.find(" ", cut)
    chunk = text[left:right if right >= 0 else len(text)]
    if "@" in chunk or "://" in chunk or "www." in chunk:
        return False
    word = text[left:stop - 1]
    return len(word) >= 2 and word.isalpha() and word.islower() and word not in data.abbreviations


def _period_ends(text: str, dot: int, nxt: int, proposed: bool, data: LanguageData) -> bool:
    """Decide a period followed by white space; ``nxt``: where the next sentence's first letter
    or digit would be."""
    start = dot
    while start and text[start - 1] not in _TOKEN_STOP:
        start -= 1
    token = text[start:dot]
    if not token or not token[-1].isalnum():
        return proposed
    # The word itself: "l'Inst" -> "Inst" (not "bin’s" -> "s"), "[27]див" -> "див", and
    # "30°C" -> "C" after a number.
    core = token
    quote = max(token.rfind("'"), token.rfind("’"))
    if 0 <= quote < len(token) - 1 and token[quote + 1].isupper():
        core = token[quote + 1:]
    lead = 0
    while lead < len(core) and not core[lead].isalpha():
        lead += 1
    after_number = core[lead - 1:lead] in _NUMBER_ENDS if lead else _after_number(text, start)
    if 0 < lead < len(core) and not any(c.isdigit() for c in core[:lead]):
        core = core[lead:]  # "[27]див" keeps its digits out of the way; "1a" stays whole
    elif lead and after_number and core[lead:].lower() in data.units and not text[nxt].islower():
        return True  # "30°C. Este", "100m. Then"
    word = core.lower()
    pair = _pair(text, start, word)
    first = text[nxt]
    if first.islower():
        if len(core) <= 5 or word in data.abbreviations or "." in core:
            return False
        return proposed
    if first.isdigit() or _roman_at(text, nxt):
        if word in data.ends or pair in data.ends:
            return True
        if word in data.abbreviations or pair in data.abbreviations:
            return False
        return proposed
    # An upper-case letter, or a letter of a script without case.
    if word in data.ends or pair in data.ends:
        return True
    if word in data.units and after_number:
        return True
    if pair in data.titles:
        return False
    next_is_part = _acronym_part_at(text, nxt)  # "HH." in "DD. HH.", "П." in "І. П."
    if len(core) == 1 and core.isupper():
        return proposed if word in data.words else False  # an initial, unless a word ("I")
    if "." in core:  # J.E., Л.Н. (initials); E.U., S.U.A., ș.a.m.d. (acronyms)
        if next_is_part:
            return False
        if word in data.titles or word in data.words:
            return proposed
        parts = core.split(".")
        return not (len(parts) == 2 and all(len(p) == 1 and p.isupper() for p in parts))
    if core.isdigit():
        if data.ordinal_dot and len(core) <= 3 and _free_number(text, start):
            return False
        return proposed
    if word in data.titles:
        return False
    if word in data.abbreviations:
        return True
    if len(core) <= 3 and core.isupper() and core.isalpha():  # EE. UU., DD. HH.
        if next_is_part:
            return False
        if _after_initial(text, start):
            return True
    return proposed


def _pair(text: str, start: int, word: str) -> str:
    """Two-word abbreviations ("т. п.", "z. B.", "p. ej."): the word before, its period, ours."""
    before = text[max(0, start - 12):start].rstrip()
    if not before.endswith(".") or not before[:-1].strip():
        return ""
    return f"{before[:-1].rsplit(None, 1)[-1].lower()}. {word}"


def _acronym_part_at(text: str, at: int) -> bool:
    """An upper-case letter or three and a period at ``at``: 'HH.', 'П.'."""
    end = at
    while end < len(text) and end - at < 4 and text[end].isupper():
        end += 1
    return at < end and text[end:end + 1] == "."


def _roman_at(text: str, at: int) -> bool:
    """A Roman numeral at ``at`` ('cap. IX', 'pp. XI-XII')."""
    end = at
    while end < len(text) and text[end] in _ROMAN:
        end += 1
    return at < end and (end == len(text) or not text[end].isalpha())


def _after_initial(text: str, start: int) -> bool:
    """The token at ``start`` follows an initial or a short abbreviation ('EE. UU.', 'І. П.')."""
    before = text[max(0, start - 5):start].rstrip()
    if not before.endswith("."):
        return False
    last = before.rsplit(None, 1)[-1]
    return 2 <= len(last) <= 4 and last[:-1].isalpha() and last[:-1].isupper()


def _after_number(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start].rstrip()
    return bool(before) and before[-1].isdigit()


def _free_number(text: str, start: int) -> bool:
    """A number that stands alone ('im 13. Jahrhundert'), not the end of '3.10.' or 'Jahr10.'."""
    return not start or text[start - 1] in " \u00a0(\n"


def _rebuild_from_offsets(text: str, bounds: list[dict]) -> list[str]:
    cuts = sorted({b["end_index"] for b in bounds if 0 < b["end_index"] < len(text)})
    edges = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(edges, edges[1:]) if b > a]


def _correct_boundaries(pieces: list[str]) -> list[str]:
    """Join pieces cut after a lone list marker, and move closing markup ('**Berlin.** We') to
    the sentence it closes."""
    merged = [pieces[0]]
    for piece in pieces[1:]:
        previous = merged[-1]
        if len(previous) <= 8 and _MARKER_ONLY.fullmatch(previous):
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
