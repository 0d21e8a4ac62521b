"""Deciding each stop of a text from its language's data: the rules behind ``chorus.segment``.

sentencex proposes where sentences end; ``decide`` looks again at every period it cut at and
every one it passed over, with the data of ``chorus.segment_data``. ``plain_cuts`` is the quick
path for the common case, where every decision would be sentencex's own.

>>> decide("Strajk poparło 80 proc. załogi. Dość.", ["Strajk poparło 80 proc. ", "załogi. ", "Dość."],
...        rules_for("pl"))
[32]
"""

from __future__ import annotations

import itertools
import operator
import re
from functools import lru_cache

from chorus.segment_data import LanguageData, language_data

_SENTENCE_END = frozenset(".!?…")
_CLOSING_QUOTES = "\"')]”’»"
_HEAD = operator.itemgetter(0)
_LAST_WORD = operator.itemgetter(slice(-26, -2))  # before the final ". " of a piece
_THIRD = operator.itemgetter(2)
_REPEAT_PLAIN_ENDS = itertools.repeat((". ", "! ", "? "))
_REPEAT_PERIOD = itertools.repeat(". ")
_REPEAT_SPACE = itertools.repeat(" ")
_REPEAT_QUOTES = itertools.repeat(_CLOSING_QUOTES + "“‘«„(")
_CLOSING_BRACKETS = frozenset(")]")
_CLOSED_PERIODS = tuple(f".{closer} " for closer in ")]\"»”’'")  # "(2008 р.) У"
_SPACES = frozenset(" \t\u00a0\u202f")
_SPACES_NL = frozenset(" \t\n\r\u00a0\u202f")
# Between a sentence's last word and the next sentence's first letter.
_TRAILING = "\"'”’»«›)]*_`~¹²³⁴⁵⁶⁷⁸⁹⁰"  # closing quotes and brackets, markup, footnote marks
_STOPS = frozenset(".!?…" + _TRAILING)
_MOVABLE = frozenset(_TRAILING) | frozenset(" \t\u00a0\u202f")
_OPENING = "\"'“‘«„‚»›([{¿¡*_`-–—"  # what may open a sentence before its first letter
_TOKEN_STOP = frozenset(" \t\n\r\u00a0\u202f([{\"«„“‘»")
_NOT_STARTS = frozenset(",;:)]}%")
_ROMAN = frozenset("IVXLC")
_NUMBER_ENDS = frozenset("0123456789°")
_ROMAN_RANGE = frozenset("IVXLCDM-–—")  # "XIII—XIX ст."
_OPENING_QUOTES = frozenset("«„“‚‘")
_DASHES = frozenset("-–—")
_COMMAS = frozenset("،")  # commas that end a sentence, except between the items of a list
_WORD_JOINERS = str.maketrans("", "", "-'’")
# A line that opens with an ellipsis glued to a word: "стрільбу\n ...Після перемоги".
_LINE_ELLIPSIS = re.compile(r"\n[ \t]*(?=(?:\.\.\.|…)[^\W\d_])")


@lru_cache(maxsize=64)
def _base_lang(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower() or "en"


class Rules:
    """A language's data and the patterns that find the stops sentencex passed over."""

    def __init__(self, lang: str):
        self.lang = lang
        self.data = data = language_data(lang)
        self.lean = data.lean
        # Every word a period after which needs thought, lower-case (the quick path's test).
        self.known = frozenset(word.lower() for word in data.abbreviations | data.units)
        # Every word a period after which the lean path may join, lower-case (its quick test).
        self.joinable = frozenset(word.lower() for word in data.titles | data.own_titles | data.abbreviations)
        ends = "".join(re.escape(c) for c in ".!?…" + data.terminators)
        # A stop and white space before what may start a sentence, inside one of sentencex's
        # pieces: a stop it passed over.
        self.spaced = re.compile(rf"[{ends}][{re.escape(_TRAILING)}]*\s+(?=[{re.escape(_OPENING)}]*\w)")
        self.terminators = tuple(data.terminators)  # stops besides ". " and "…"
        # A stop between two words with no space: "world.Today", "România!Acum". sentencex
        # finds these in English itself (the Golden Rules show it), so English skips the scan.
        self.unspaced = None if lang == "en" else re.compile(r"[.!?](?=[^\W\d_])")

    def quick(self, text: str) -> bool:
        """No ellipsis, no period before a closing quote or bracket, no stop of the language's
        own, no stop between two words: only ". ", "! " and "? " can end a sentence in ``text``."""
        if "…" in text or any(stop in text for stop in _CLOSED_PERIODS):
            return False
        if self.data.terminators and any(mark in text for mark in self.data.terminators):
            return False
        if self.data.lower_after_question and ("? " in text or "! " in text):
            return False
        if "\n" in text and _LINE_ELLIPSIS.search(text):
            return False
        return self.unspaced is None or not self.unspaced.search(text)


@lru_cache(maxsize=64)
def rules_for(lang: str) -> Rules:
    """The rules of a language tag ("pt-BR" and "pt_br" share Portuguese's)."""
    base = _base_lang(lang)
    return Rules(base) if base == lang else rules_for(base)


def plain_cuts(text: str, pieces: list[str], rules: Rules) -> bool:
    """The quick path, for the common case, in string operations that run at C speed: sentencex
    cut only after ". ", "! " or "? " before an upper-case letter or a digit, each time after a
    plain word (letters or a number, not an abbreviation, a unit or an upper-case acronym), and
    there is no other stop in the text. Then each decision would be sentencex's own."""
    ends = pieces[:-1]
    if not rules.quick(text) or not all(map(str.endswith, ends, _REPEAT_PLAIN_ENDS)):
        return False
    if text.count(". ") != sum(map(str.endswith, ends, _REPEAT_PERIOD)) + text.endswith(". "):
        return False  # a ". " inside a piece: sentencex passed over it
    starts = "".join(map(_HEAD, pieces[1:]))
    if "(" in starts:  # "(The" starts a sentence as "The" does
        starts = "".join(piece[1:2] if piece[0] == "(" else piece[0] for piece in pieces[1:])
    if not (starts.isalnum() and (starts.isupper() or starts.isdigit())):
        return False
    words = list(map(str.strip, map(_THIRD, map(str.rpartition, map(_LAST_WORD, ends), _REPEAT_SPACE)),
                     _REPEAT_QUOTES))  # '"Library".' -> 'Library'
    return "".join(words).isalnum() and min(map(len, filter(str.isalpha, words)), default=2) > 1 \
        and all(len(word) > 3 for word in words if word.isupper()) \
        and rules.known.isdisjoint(map(str.lower, words)) \
        and not (rules.data.ordinal_dot and any(map(str.isdigit, words)))


def decide(text: str, pieces: list[str], rules: Rules) -> list[int] | None:
    """Offsets where sentences start, or None where sentencex's cuts stand as they are: its cuts
    and the stops it passed over, each decided from the language's data.

    Written for speed: most of sentencex's cuts follow a plain word of two letters or more (or a
    number) and a period, before an upper-case letter, and are kept at once."""
    data, known, ordinal_dot = rules.data, rules.known, rules.data.ordinal_dot
    edges = list(itertools.accumulate(map(len, pieces)))
    edges.pop()
    cuts = []
    for cut in edges:
        if text.startswith(". ", cut - 2):  # the quick path: "word. Next"
            first = text[cut]
            if first.isupper() or first.isdigit():
                word = text[text.rfind(" ", 0, cut - 2) + 1:cut - 2]
                if word.isalpha():
                    if len(word) == 1:
                        if first.isupper() and word.isupper() and word.lower() not in data.words \
                                and not data.starters:
                            continue  # an initial: "Jonas E. Smith"
                    elif (len(word) > 3 or not word.isupper()) and word.lower() not in known:
                        cuts.append(cut)
                        continue
                elif word.isdigit() and not ordinal_dot and not first.isdigit():
                    cuts.append(cut)
                    continue
        cut = _normalize_cut(text, cut)
        if cut < len(text) and (_plain_end(text, cut, data) or _starts_sentence(text, cut, True, data)):
            cuts.append(cut)
    # A stop inside a piece, that sentencex passed over: more ". " than its cuts account for, or
    # another kind of stop.
    if text.count(". ") > sum(text.startswith(". ", cut - 2) for cut in edges) + text.endswith(". ") \
            or not rules.quick(text):
        cuts = sorted(set(cuts).union(_inner_cuts(text, pieces, rules)))
    if "\n" in text and _LINE_ELLIPSIS.search(text):
        cuts = sorted(set(cuts).union(
            match.end() for match in _LINE_ELLIPSIS.finditer(text)
            if text[match.end() + (1 if text[match.end()] == "…" else 3)].isupper()))
    if rules.unspaced is not None and rules.unspaced.search(text):
        cuts = sorted(set(cuts).union(
            match.end() for match in rules.unspaced.finditer(text)
            if _unspaced_stop(text, match.start() + 1, match.end(), text[match.end()], data)))
    return None if cuts == edges else cuts


def _inner_cuts(text: str, pieces: list[str], rules: Rules) -> list[int]:
    found, offset = [], 0
    for piece in pieces:
        inner = len(piece) - 3
        if inner > 0:
            for match in rules.spaced.finditer(piece, 0, inner + 1):
                if _starts_sentence(text, offset + match.end(), False, rules.data):
                    found.append(offset + match.end())
        offset += len(piece)
    return found


def _normalize_cut(text: str, cut: int) -> int:
    """Move a cut past closing markup that belongs to the sentence before ('**Berlin.**' + ' We')
    and past white space; and back before an opening quote that sentencex cut after ('«витяг').
    """
    if text[cut - 1] in _OPENING_QUOTES and text[cut].isalpha():
        while text[cut - 1] in _OPENING_QUOTES:
            cut -= 1
        return cut
    if text[cut] not in _MOVABLE:
        return cut
    while cut < len(text) and text[cut] in _TRAILING and text[cut - 1] in _STOPS:
        cut += 1
    while cut < len(text) and text[cut] in _SPACES:
        cut += 1
    return cut


def _plain_end(text: str, cut: int, data: LanguageData) -> bool:
    """The quick path, for the common case: a sentence that ends in a plain word or a number and
    a period, a question or an exclamation mark ends there. (What _starts_sentence would say, in
    a fraction of the time.)"""
    end = cut
    while end and text[end - 1] in _SPACES_NL:
        end -= 1
    if end == cut or end < 4:
        return False  # no space: decided with care
    mark = text[end - 1]
    if mark in "!?":
        return True
    if mark != ".":
        return False
    start = text.rfind(" ", 0, end) + 1
    word = text[start:end - 1].rstrip(_CLOSING_QUOTES)
    first = text[cut]
    if word.isdigit():
        return first.isupper() and not data.ordinal_dot
    if not word.isalpha() or len(word) < (2 if first.isupper() else 6) \
            or len(word) <= 3 and word.isupper():
        return False
    word = word.lower()
    return word not in data.abbreviations and word not in data.units


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
        return _unspaced_stop(text, stop, cut, first, data) if mark in ".!?" else proposed
    if mark in "!?":
        if text[cut] in _DASHES and _lower_after_dash(text, cut):
            return False  # direct speech goes on: '«Га?» — відповів хлопець'
        if first.islower() and data.lower_after_question:
            return True
    if mark == "…" or text[stop - 3:stop] == "...":
        if text[stop:stop + 1] == "]":  # "[...]" marks an omission, not an end
            return proposed
        if data.continues and _word_before(text, stop - (1 if mark == "…" else 3)).lower() in data.continues:
            return False  # a pause after a preposition: "на... Луганському"
        return not first.islower() if first.isalpha() else proposed
    if mark in data.terminators:
        return mark not in _COMMAS or not _list_item_at(text, nxt, mark)
    if mark != ".":
        return proposed
    # A period and a line break: sentencex ends a sentence there after a plain word, but not
    # inside brackets ("(Impren. \nDisss)"); we do in both.
    return _period_ends(text, stop - 1, nxt, proposed or "\n" in text[end:cut], data)


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
    if text[stop - 1] in "!?" and word[-1:].isalpha():
        return True  # "din România!Acum"
    if len(word) == 1 and word.isupper() and data.starters and _starter_at(text, cut, data):
        return True  # "zmienna A.Zaś to" (but "G.Oueddei", "Є.Бакуліна" are initials)
    unit = word.lstrip("0123456789,.°")
    if (unit.lower() in data.units or unit == word and unit.lower() in data.abbreviations) \
            and (unit != word or _after_number(text, left, data)):
        return True  # "30°C.W skład", "w 1939 r.To był", "XIII—XIX ст.Раніше"
    if len(word) >= 2 and word.isalpha() and word.lower() in data.abbreviations and word not in data.titles \
            and word.lower() not in data.own_titles and not _acronym_part_at(text, cut):
        return True  # "douăzeci ian.A durat" (but "Dr.Smith", "Ph.D.")
    if word[:1].isdigit() and word[-1:].isdigit() and word.strip("0123456789,") == "" \
            and ("," in word or len(word) >= 4 and not data.ordinal_dot):
        return True  # "bought 1,000.That is", "in 2024.Then" (but "1.Helado, 2.Carne", "am 3.März")
    return len(word) >= 2 and word.isalpha() and word.lower() not in data.abbreviations \
        and (word.islower() or len(word) >= 4 and word[1:].islower())  # "world.Today", "Tuesday.Hr."


def _period_ends(text: str, dot: int, nxt: int, proposed: bool, data: LanguageData) -> bool:
    """Decide a period followed by white space; ``nxt``: where the next sentence's first letter
    or digit would be."""
    start = dot
    while start and text[start - 1] not in _TOKEN_STOP:
        start -= 1
    token = text[start:dot]
    if not token or not (token[-1].isalnum() or token[-1] in "°º"):
        return proposed
    # The word itself: "l'Inst" -> "Inst" (not "bin’s" -> "s"), "[27]див" -> "див", and
    # "30°C" -> "C" after a number.
    core = token
    quote = max(token.rfind("'"), token.rfind("’"))
    if 0 <= quote < len(token) - 1 and token[quote + 1].isupper() and not token[:quote].isupper():
        core = token[quote + 1:]  # (but "VÉS-TE'N" is one word)
    inner = core.rfind(".", 0, len(core) - 1)
    if inner > 0 and core[inner + 1].isupper():  # "Tuesday.Hr": a sentence ends inside the token
        at = dot - len(core) + inner + 1
        if _unspaced_stop(text, at, at, text[at], data):
            core, start = core[inner + 1:], at
    lead = 0
    while lead < len(core) and not core[lead].isalpha():
        lead += 1
    after_number = core[lead - 1:lead] in _NUMBER_ENDS if lead else _after_number(text, start, data)
    if 0 < lead < len(core) and (core[lead - 1] == "]" or not any(c.isdigit() for c in core[:lead])):
        core = core[lead:]  # "[27]див" keeps its digits out of the way; "1a" stays whole
    elif lead and after_number and core[lead:].lower() in data.units and not text[nxt].islower():
        return True  # "30°C. Este", "100m. Then"
    word = core.lower()
    pair = _pair(text, start, word)
    first = text[nxt]
    if text[dot + 1:dot + 2] in _CLOSING_BRACKETS and first.isupper():
        return True  # "(2008 р.) У минулому": the bracket closes what the abbreviation belongs to
    if first.islower():
        if len(core) <= 5 or word in data.abbreviations or core in data.abbreviations or "." in core:
            return False
        return proposed
    if first.isdigit() or first in _ROMAN and _roman_at(text, nxt):
        if word in data.ends or pair in data.ends:
            return True
        if word in data.abbreviations or core in data.abbreviations or pair in data.abbreviations:
            return False
        return proposed
    # An upper-case letter, or a letter of a script without case.
    if word in data.ends or pair in data.ends:
        return True
    if after_number and _is_unit(word, data):
        return True  # "50 m. Deja", "30 м/с. Поїхали", "67 тис. кв. м. У"
    if pair in data.titles:
        return False
    next_is_part = _acronym_part_at(text, nxt)  # "HH." in "DD. HH.", "П." in "І. П."
    # Before a frequent first word of a sentence, an initial, a title or an acronym ends one:
    # "група В. Усі віруси", "Jeg bor i E.U. Hvad med dig?", "з див. І кращого".
    starter = bool(data.starters) and _starter_at(text, nxt, data)
    if len(core) == 1 and core.isupper():
        if starter:
            return True
        return proposed if word in data.words else False  # an initial, unless a word ("I")
    if "." in core:  # J.E., Л.Н. (initials); E.U., S.U.A., ș.a.m.d. (acronyms)
        if next_is_part:
            return False
        if starter:
            return True
        if core in data.titles or word in data.titles or word in data.words:
            return proposed
        parts = [part.lstrip("-") for part in core.split(".")]  # "Г.-К." (Ганс-Крістіан)
        return not (len(parts) == 2 and all(len(p) == 1 and p.isupper() for p in parts))
    if core.isdigit():
        if data.ordinal_dot and len(core) <= 3 and _free_number(text, start):
            return False
        return proposed
    if core in data.titles or word in data.titles:
        return starter
    if len(core) <= 3 and core.isupper() and core.isalpha():  # EE. UU., DD. HH.
        if next_is_part:
            return False
        if _after_initial(text, start):
            return True
    if word in data.abbreviations or core in data.abbreviations:
        return True
    if word in data.ordinary or len(core) > 3 and core != core.translate(_WORD_JOINERS) \
            and core.translate(_WORD_JOINERS).isalpha():
        return True  # "va dir. A mi" (not "director"), "VÉS-TE'N. A mi" (no initial "N.")
    return proposed


def _starter_at(text: str, at: int, data: LanguageData) -> bool:
    """A frequent first word of a sentence at ``at``, as a whole word (not an initial: "А. Б.")."""
    end = at
    while end < len(text) and text[end].isalpha():
        end += 1
    return end > at and text[end:end + 1] != "." and text[at:end].lower() in data.starters


def _word_before(text: str, end: int) -> str:
    """The word that ends at ``end``."""
    return text[text.rfind(" ", 0, end) + 1:end]


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


def _lower_after_dash(text: str, at: int) -> bool:
    """A dash at ``at`` and then a lower-case word: '— відповів'."""
    at += 1
    while at < len(text) and text[at] in _SPACES:
        at += 1
    return text[at:at + 1].islower()


def _list_item_at(text: str, at: int, mark: str) -> bool:
    """One word at ``at`` and ``mark`` right after it: an item of a list, as in 'الدم، والقلب،'."""
    end = at
    while end < len(text) and not text[end].isspace() and text[end] != mark:
        end += 1
    return end > at and text[end:end + 1] == mark


def _is_unit(word: str, data: LanguageData) -> bool:
    """A unit, or units over units ("м/с", "km/h")."""
    return word in data.units or "/" in word and all(part in data.units for part in word.split("/"))


def _after_initial(text: str, start: int) -> bool:
    """The token at ``start`` follows an initial or a short abbreviation ('EE. UU.', 'І. П.')."""
    before = text[max(0, start - 5):start].rstrip()
    if not before.endswith("."):
        return False
    last = before.rsplit(None, 1)[-1]
    return 2 <= len(last) <= 4 and last[:-1].isalpha() and last[:-1].isupper()


def _after_number(text: str, start: int, data: LanguageData | None = None) -> bool:
    """A number (or a Roman numeral) before the token at ``start``, maybe behind a compound unit
    or, given the language's data, abbreviations: "50 m", "0,64 г/куб. дм", "XIX ст",
    "67 тис. кв. м"."""
    end = start
    while end and text[end - 1].isspace():
        end -= 1
    if end and text[end - 1].isdigit():
        return True
    unit_start = text.rfind(" ", 0, end) + 1
    unit = text[unit_start:end]
    if unit and _ROMAN_RANGE.issuperset(unit) and unit[0] in _ROMAN_RANGE - _DASHES:
        return True
    if "/" in unit and unit[:1].isalpha():
        return _after_number(text, unit_start, data)
    return data is not None and unit_start < end and unit.endswith(".") and unit[:-1].isalpha() \
        and unit[:-1].lower() in data.abbreviations and _after_number(text, unit_start, data)


def _free_number(text: str, start: int) -> bool:
    """A number that stands alone ('im 13. Jahrhundert'), not the end of '3.10.' or 'Jahr10.'."""
    return not start or text[start - 1] in " \u00a0(\n"
