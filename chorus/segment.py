"""Split text into sentence segments, language aware.

sentencex does the heavy lifting (fast, maintained, ~300 languages). Around it we correct the
cases it gets wrong in statements: abbreviations it does not know ("Ft.", "bn.", French "M."),
sentences in parentheses, spaced four-dot ellipses and inline numbered or lettered lists.

Splitting is lossless: the pieces join back into the input exactly.

>>> split_sentences("Stop the attacks. Now!", "en")
['Stop the attacks. ', 'Now!']
>>> segments("Ft. Worth stands with us. So do we.", "en")
['Ft. Worth stands with us.', 'So do we.']
"""

from __future__ import annotations

import re
from functools import lru_cache

import sentencex

# Abbreviations that never end a sentence: the next word always belongs to the same sentence.
_TITLES = {
    "en": "Mr Mrs Ms Dr Prof Gen Col Capt Lt Sgt Rev Hon Sen Rep Gov Ft Mt St Jr Sr No Nos vs",
    "fr": "M MM Mme Mmes Mlle Mlles Dr Pr Me Mgr St Ste av bd",
    "es": "Sr Sra Srta Sres Dr Dra Ud Uds Lic Ing Prof Av Gral",
    "de": "Hr Fr Dr Prof Nr Str Hl St",
    "ca": "Sr Sra Dr Dra",
    "it": "Sig Sigg Dott Prof Avv Ing",
    "pt": "Sr Sra Dr Dra Prof",
}
# Abbreviations that may end a sentence: joined to what follows only when it starts in lower case
# or with a digit.
_UNITS = "bn mn tn km kg etc approx ca cf vol pp fig"

_LIST_MARKER = re.compile(r"(?:[•⁃\-*]\s*)?(\d{1,3}|[a-zA-Z])(\.\)|\.|\))\s")
_MARKER_ONLY = re.compile(r"(?:[•⁃\-*]\s*)?(?:\d{1,3}|[a-zA-Z])[.)]{1,2}\s*")
_CLOSING_PAREN = re.compile(r"[.!?]\)(?=\s+[\"'“‘(]?[A-ZÀ-Þ])")
_FOUR_DOTS_AT_END = re.compile(r"\w\.(\s\.\s\.\s\.\s+)$")


@lru_cache(maxsize=64)
def _titles(lang: str) -> frozenset[str]:
    base = _base_lang(lang)
    return frozenset(_TITLES.get(base, "").split() + _TITLES["en"].split())


_UNIT_SET = frozenset(_UNITS.split())
_SENTENCE_END = frozenset(".!?…")
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
    pieces = sentencex.segment(_base_lang(lang), text)
    if not isinstance(pieces, list):
        pieces = list(pieces)
    if len(pieces) == 1 and pieces[0][:1] != "(":
        return pieces if pieces[0] == text else [text]
    if sum(map(len, pieces)) != len(text):  # never trust a library with the user's text
        bounds = sentencex.get_sentence_boundaries(_base_lang(lang), text)
        pieces = _rebuild_from_offsets(text, bounds)
    if not pieces:
        return [text]
    pieces = _correct_boundaries(pieces, _titles(lang))
    # The rarer corrections run only when a quick scan says they could apply.
    if "(" in text:
        pieces = _split_after_parenthesis(pieces)
    if ". . ." in text:
        pieces = _move_spaced_ellipsis(pieces)
    return pieces


@lru_cache(maxsize=64)
def _base_lang(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower() or "en"


def _rebuild_from_offsets(text: str, bounds: list[dict]) -> list[str]:
    cuts = sorted({b["end_index"] for b in bounds if 0 < b["end_index"] < len(text)})
    edges = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(edges, edges[1:]) if b > a]


def _correct_boundaries(pieces: list[str], titles: frozenset[str]) -> list[str]:
    """One pass over the cuts sentencex made: join pieces cut after an abbreviation or a lone
    list marker, and move closing markup ('**Berlin.** We') to the sentence it closes."""
    merged = [pieces[0]]
    for piece in pieces[1:]:
        previous = merged[-1]
        if len(previous) <= 8 and _MARKER_ONLY.fullmatch(previous) or (
            previous.rstrip()[-1:] == "." and _ends_in_abbreviation(previous, piece, titles)
        ):
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


def _ends_in_abbreviation(previous: str, piece: str, titles: frozenset[str]) -> bool:
    stripped = previous.rstrip()
    if stripped[-1:] != "." or len(stripped) > 7 and stripped[-8:-1].isalpha():  # too long a word
        return False
    word = stripped[max(stripped.rfind(" "), stripped.rfind("("), stripped.rfind("\n")) + 1 : -1]
    if not word.isalpha():
        return False
    first = piece.lstrip()[:1]
    if word in titles:
        return bool(first)
    starts_low = first.islower() or first.isdigit()
    return starts_low and (word.lower() in _UNIT_SET or len(word) == 1 and word.islower())


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
