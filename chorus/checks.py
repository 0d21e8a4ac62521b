"""Quality checks on translations: each check has an id and a message, and can be silenced.

>>> [f.check for f in check_entry("We are 3,000 workers.", "Somos 3.000 trabajadores.", "es")]
[]
>>> [f.check for f in check_entry("We are 3,000 workers.", "Somos 2.000 trabajadores.", "es")]
['numbers']

Checks come from Translate Toolkit's ``translate.filters.checks`` where it covers them (URLs,
e-mail addresses, end punctuation, whitespace, unchanged text); the rest are small functions
here. To silence a check for one segment, add the translator comment ``# chorus: ignore
<check-id>`` to the entry (``# chorus: ignore numbers``; the older flag ``chorus-ignore:numbers``
is read too); :func:`ignore` and :func:`ignored_checks` do it in code.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import polib
from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, get_group_symbol, parse_decimal
from translate.filters.checks import CheckerConfig, FilterFailure, StandardChecker

from . import catalog
from .project import Project
from .text import new_markup

IGNORE_FLAG = "chorus-ignore:"


@dataclass
class Finding:
    check: str
    message: str
    slug: str = ""
    msgid: str = ""
    lang: str = ""
    target: str = ""  # the translation checked


# What each check looks at, for --help, the README and the web UI.
CHECKS: dict[str, str] = {
    "numbers": "numbers differ (read with each language's separators: 3,000 in English is 3.000 in Spanish)",
    "endpunc": "end punctuation differs (language aware: French spaces before ? ! : ;)",
    "inverted-marks": "Spanish question or exclamation without its opening ¿ or ¡",
    "punctuation-spacing": "French: no space before ? ! : ; inside the sentence",
    "urls": "URLs changed",
    "emails": "e-mail addresses changed",
    "hashtags": "hashtags changed",
    "mentions": "@handles changed",
    "glossary": "a glossary term is not translated as the glossary says",
    "protected": "a do-not-translate term is altered or missing",
    "doublespacing": "double spaces",
    "startwhitespace": "leading space differs",
    "endwhitespace": "trailing space differs",
    "unchanged": "the translation is the same as the source",
    "markup": "inline markup (emphasis, links, code) lost or broken; raw HTML or images not in the source",
    "consistency": "the same sentence is translated differently in another statement",
    "length": "a text too long to check (the checks read segments of up to 3,000 characters)",
}

MAX_CHECKED = 3_000  # characters of a source or translation the checks read (a sentence is far shorter)
MAX_NUMBERS = 100  # numbers of a segment matched exactly; more are matched greedily

# Every pattern here runs in time linear in the text: no pattern can start inside a run it
# would scan again (look-behinds), and runs are taken possessively (``*+``, ``++``).
_URL_END = "[^\\s<>()\\[\\].,;:!?'\"»”]"  # a URL ends with none of these
_URL = re.compile(rf"\b(?:https?://|www\.)(?:{_URL_END}|[.,;:!?'\"»”]++(?={_URL_END}))++", re.I)
_LABEL = r"(?:\w|-++(?=\w))++"  # a host name's part: hyphens inside only
_EMAIL = re.compile(rf"(?<![\w.+-])[\w.+-]++@{_LABEL}(?:\.{_LABEL})++")
_HASHTAG = re.compile(r"(?<![\w&/#])#\w*[^\W\d_]\w*")
_MENTION = re.compile(r"(?<![\w.@/])@\w+(?:\.\w+)*")
_SPACES = "\u00a0\u202f\u2009 "
_NUMBER = re.compile(rf"\d+(?:(?:[.,'’]\d+)|(?:[{_SPACES}]\d{{3}}(?!\d)))*")
_LINK_REF = re.compile(r"\]\[(\d+)\]")
_BARE_REF = re.compile(r"\[(\d+)\]")
_CODE = re.compile(r"`+[^`]*`+")
_STARS = re.compile(r"\*+")
_FRENCH_TIGHT = re.compile(r"(?<=[\w»”)\]])[?!:;]+(?=\s+\S)")  # the end is endpunc's


# --- the checks of one segment --------------------------------------------------------------


def check_entry(source: str, target: str, lang: str, source_lang: str = "en", glossary=None,
                ignored: Iterable[str] = ()) -> list[Finding]:
    """Findings for one translated segment (an empty target has none).

    A source or translation longer than :data:`MAX_CHECKED` characters is not checked: it
    gets the one finding ``length`` (so a page of such texts costs what a page of sentences does).
    """
    if not target:
        return []
    skip = set(ignored)
    findings: list[Finding] = []
    longest = max(len(source), len(target))
    if longest > MAX_CHECKED:
        which = "translation" if len(target) >= len(source) else "source"
        if "length" in skip:
            return []
        return [Finding("length", f"Too long to check: the {which} has {longest:,} characters "
                                  f"(checks read up to {MAX_CHECKED:,}); is it one sentence?",
                        msgid=source, lang=lang)]
    for check_id, check in _CHECKS:
        if check_id in skip:
            continue
        message = check(source, target, lang, source_lang)
        if message:
            findings.append(Finding(check_id, message, msgid=source, lang=lang))
    if glossary is not None:
        findings.extend(f for f in glossary_findings(source, target, lang, glossary) if f.check not in skip)
    if "unchanged" not in skip:
        message = _unchanged(source, target, lang, glossary)
        if message:
            findings.append(Finding("unchanged", message, msgid=source, lang=lang))
    return findings


@lru_cache(maxsize=64)
def _checker(lang: str) -> StandardChecker:
    return StandardChecker(checkerconfig=CheckerConfig(targetlanguage=lang.split("_")[0]))


def _toolkit(name: str, message: str, prepare: Callable[[str], str] = lambda text: text):
    """A check of Translate Toolkit's StandardChecker, under our id and message."""

    def check(source: str, target: str, lang: str, source_lang: str) -> str | None:
        try:
            getattr(_checker(lang), name)(prepare(source), prepare(target))
        except FilterFailure:
            return message(source, target) if callable(message) else message
        return None

    return check


def _french_spaces(text: str) -> str:
    # Translate Toolkit knows the no-break space before ? ! : ; but not the narrow one.
    return text.replace("\u202f", "\u00a0")


def _missing(pattern: re.Pattern, what: str) -> Callable[[str, str], str]:
    def message(source: str, target: str) -> str:
        lost = sorted((Counter(pattern.findall(source)) - Counter(pattern.findall(target))).elements())
        added = sorted((Counter(pattern.findall(target)) - Counter(pattern.findall(source))).elements())
        parts = []
        if lost:
            parts.append(f"missing from the translation: {', '.join(lost)}")
        if added:
            parts.append(f"not in the source: {', '.join(added)}")
        return f"{what} differ" + (f" ({'; '.join(parts)})" if parts else "")

    return message


def _end_message(source: str, target: str) -> str:
    return f"End punctuation differs: the source ends with {_tail(source)!r}, the translation with {_tail(target)!r}"


def _tail(text: str) -> str:
    """The punctuation the text ends with (its last character if none)."""
    stripped = text.rstrip()
    start = len(stripped)
    while start and not (stripped[start - 1].isalnum() or stripped[start - 1] == "_" or stripped[start - 1].isspace()):
        start -= 1
    return stripped[start:] or stripped[-1:]


def _same_set(pattern: re.Pattern, message: Callable[[str, str], str]):
    """The same tokens of ``pattern`` in both texts (Translate Toolkit's test, with a pattern
    that stays linear on long runs of word characters and dots)."""

    def check(source: str, target: str, lang: str, source_lang: str) -> str | None:
        if Counter(pattern.findall(source)) == Counter(pattern.findall(target)):
            return None
        return message(source, target)

    return check


def _same_tokens(pattern: re.Pattern, what: str, lowercase: bool = False):
    def check(source: str, target: str, lang: str, source_lang: str) -> str | None:
        def tokens(text: str) -> Counter:
            found = pattern.findall(_URL.sub(" ", text))
            return Counter(t.lower() if lowercase else t for t in found)

        lost = sorted((tokens(source) - tokens(target)).elements())
        added = sorted((tokens(target) - tokens(source)).elements())
        if not lost and not added:
            return None
        parts = [f"{', '.join(lost)} missing" if lost else "", f"{', '.join(added)} not in the source" if added else ""]
        return f"{what} changed: " + "; ".join(p for p in parts if p)

    return check


# --- numbers --------------------------------------------------------------------------------


def _number_values(token: str, locales: Iterable[str]) -> set[Decimal]:
    """What ``token`` can mean, read with each locale's separators (strictly).

    A token of more than :data:`_LONG_NUMBER` characters is read as its digits alone, and the
    arithmetic has room for every digit (Babel's strict reading rounds with 28 by default).
    """
    values = set()
    if len(token) <= _LONG_NUMBER:
        with localcontext() as context:
            context.prec = max(context.prec, 2 * len(token))
            for locale in locales:
                group = get_group_symbol(locale)
                text = token
                if group in _SPACES:
                    text = re.sub(f"[{_SPACES}]", group, token)
                try:
                    values.add(parse_decimal(text, locale, strict=True).normalize())
                except (NumberFormatError, ValueError, ArithmeticError):
                    continue
    if not values:
        values.add(Decimal(re.sub(r"\D", "", token)))
    return values


_LONG_NUMBER = 60


def _number_tokens(text: str) -> list[str]:
    text = _URL.sub(" ", _EMAIL.sub(" ", text))
    text = _BARE_REF.sub(" ", text)  # link references [N] are markup, not numbers
    return _NUMBER.findall(text)


def _babel_locale(lang: str) -> str:
    try:
        return str(Locale.parse(lang))
    except (UnknownLocaleError, ValueError):
        return "en"


def _numbers(source: str, target: str, lang: str, source_lang: str) -> str | None:
    """Each number of the source must be in the translation, read with the target's separators.

    A target number may also be read the source's way (a figure copied unchanged).
    """
    source_locale, target_locale = _babel_locale(source_lang), _babel_locale(lang)
    sources = [(t, _number_values(t, [source_locale])) for t in _number_tokens(source)]
    targets = [(t, _number_values(t, [target_locale, source_locale])) for t in _number_tokens(target)]
    pairs = _match([s[1] for s in sources], [t[1] for t in targets])
    lost = [sources[i][0] for i in range(len(sources)) if i not in pairs]
    added = [targets[j][0] for j in range(len(targets)) if j not in pairs.values()]
    if not lost and not added:
        return None
    parts = []
    if lost:
        parts.append(f"{', '.join(lost)} not in the translation")
    if added:
        parts.append(f"{', '.join(added)} not in the source")
    return "Numbers differ: " + "; ".join(parts)


def _match(left: list[set], right: list[set]) -> dict[int, int]:
    """A matching of left to right items whose value sets meet: maximum (Kuhn's augmenting
    paths, without recursion) for up to :data:`MAX_NUMBERS` items a side, greedy beyond.

    Items first take a free partner that shares a reading (what nearly every pair does), so the
    search for augmenting paths only sees the rest.
    """
    by_value: dict[Decimal, list[int]] = {}
    for j, values in enumerate(right):
        for value in values:
            by_value.setdefault(value, []).append(j)
    owner: dict[int, int] = {}  # right → left
    unmatched = []
    for i, values in enumerate(left):
        free = next((j for value in values for j in by_value.get(value, ()) if j not in owner), None)
        if free is None:
            unmatched.append(i)
        else:
            owner[free] = i
    if unmatched and max(len(left), len(right)) <= MAX_NUMBERS:
        for i in unmatched:
            _augment(i, left, by_value, owner)
    return {i: j for j, i in owner.items()}


def _augment(start: int, left: list[set], by_value: dict, owner: dict[int, int]) -> bool:
    """Find an augmenting path from the left item ``start`` (depth-first, with a stack)."""
    def partners(i: int) -> Iterator[int]:
        return iter(dict.fromkeys(j for value in left[i] for j in by_value.get(value, ())))

    seen: set[int] = set()
    path: list[tuple[int, int]] = []  # (left item, right item it would take)
    stack = [(start, partners(start))]
    while stack:
        i, candidates = stack[-1]
        for j in candidates:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner:
                owner[j] = i
                for left_item, right_item in reversed(path):
                    owner[right_item] = left_item
                return True
            path.append((i, j))
            stack.append((owner[j], partners(owner[j])))
            break
        else:
            stack.pop()
            if path:
                path.pop()
    return False


# --- punctuation ----------------------------------------------------------------------------


def _inverted_marks(source: str, target: str, lang: str, source_lang: str) -> str | None:
    """Spanish opens each question with ¿ and each exclamation with ¡."""
    if lang.split("_")[0] != "es":
        return None
    problems = []
    for closing, opening in (("?", "¿"), ("!", "¡")):
        closes = len(re.findall(rf"\{closing}+", target))
        opens = len(re.findall(opening + "+", target))
        if closes > opens:
            problems.append(f"{closes - opens} {closing!r} without {opening!r}")
        elif opens > closes:
            problems.append(f"{opens - closes} {opening!r} without {closing!r}")
    return "Spanish marks questions and exclamations at both ends: " + ", ".join(problems) if problems else None


def _punctuation_spacing(source: str, target: str, lang: str, source_lang: str) -> str | None:
    """French puts a (narrow) no-break space before ? ! : ; — not only at the end."""
    if lang.split("_")[0] != "fr":
        return None
    bare = _FRENCH_TIGHT.findall(_URL.sub(" ", target))
    if not bare:
        return None
    return f"French needs a space before {' '.join(dict.fromkeys(bare))} (a narrow no-break space is best)"


# --- markup ---------------------------------------------------------------------------------


def _markup(source: str, target: str, lang: str, source_lang: str) -> str | None:
    """Emphasis, ``[label][N]`` link references and inline code kept and well formed."""
    problems = []
    source_refs, target_refs = Counter(_LINK_REF.findall(source)), Counter(_LINK_REF.findall(target))
    for number in sorted(source_refs - target_refs):
        problems.append(f"link [{number}] lost")
    for number in sorted(target_refs - source_refs):
        problems.append(f"link [{number}] not in the source")
    loose = len(_BARE_REF.findall(target)) - sum(target_refs.values())
    if loose > len(_BARE_REF.findall(source)) - sum(source_refs.values()):
        problems.append("a link is broken (write [words][N], with no space between ] and [)")
    extra = new_markup(source, target)
    if extra:
        shown = ", ".join(item if len(item) <= 40 else item[:39] + "…" for item in extra[:3])
        problems.append(f"raw HTML or an image not in the source: {shown} (it blocks publishing)")
    source_code, target_code = Counter(_CODE.findall(source)), Counter(_CODE.findall(target))
    if source_code != target_code:
        problems.append("inline code changed (text between backticks stays as it is)")
    elif target.count("`") % 2:
        problems.append("a backtick is unmatched")
    plain_source, plain_target = _CODE.sub("", source), _CODE.sub("", target)
    source_stars, target_stars = _emphasis(plain_source), _emphasis(plain_target)
    if any(count % 2 for count in target_stars.values()) and source_stars != target_stars:
        problems.append("emphasis (* or **) is not closed")
    elif sum(target_stars.values()) < sum(source_stars.values()):
        problems.append("emphasis (* or **) lost")
    elif source_stars != target_stars:
        problems.append("emphasis (* or **) differs from the source")
    return "Markup: " + "; ".join(problems) if problems else None


def _emphasis(text: str) -> Counter:
    return Counter(len(run) for run in _STARS.findall(text))


# --- glossary and unchanged text ------------------------------------------------------------


def glossary_findings(source: str, target: str, lang: str, glossary) -> list[Finding]:
    """Glossary terms of the source not translated as agreed, protected terms altered."""
    findings = []
    try:
        terms = glossary.terms_in(source, lang)
    except (AttributeError, TypeError):
        return []
    lowered = target.casefold()
    for term in terms:
        if not term.translation:
            if term.term not in target:
                findings.append(Finding("protected", f"{term.term!r} must stay as it is (do not translate)",
                                        msgid=source, lang=lang))
        elif term.translation.casefold() not in lowered:
            note = f" ({term.note})" if getattr(term, "note", "") else ""
            findings.append(Finding("glossary", f"Glossary: {term.term!r} is {term.translation!r} in {lang}{note}",
                                    msgid=source, lang=lang))
    return findings


def _unchanged(source: str, target: str, lang: str, glossary) -> str | None:
    """The translation equals the source, though the source has words to translate."""
    if source.strip() != target.strip():
        return None
    rest = _URL.sub(" ", _EMAIL.sub(" ", _HASHTAG.sub(" ", _MENTION.sub(" ", source))))
    if glossary is not None:
        try:
            for term in glossary.terms_in(source, lang):
                if not term.translation:
                    rest = rest.replace(term.term, " ")
        except (AttributeError, TypeError):
            pass
    if not re.search(r"[^\W\d_]{2,}", rest):
        return None
    try:
        _checker(lang).unchanged(source, target)
    except FilterFailure:
        return "The translation is the same as the source"
    return None


_CHECKS: list[tuple[str, Callable[[str, str, str, str], str | None]]] = [
    ("numbers", _numbers),
    ("endpunc", _toolkit("endpunc", _end_message, _french_spaces)),
    ("inverted-marks", _inverted_marks),
    ("punctuation-spacing", _punctuation_spacing),
    ("urls", _toolkit("urls", _missing(_URL, "URLs"))),
    ("emails", _same_set(_EMAIL, _missing(_EMAIL, "E-mail addresses"))),
    ("hashtags", _same_tokens(_HASHTAG, "Hashtags")),
    ("mentions", _same_tokens(_MENTION, "@handles", lowercase=True)),
    ("doublespacing", _toolkit("doublespacing", "Double spaces differ from the source")),
    ("startwhitespace", _toolkit("startwhitespace", "Leading space differs from the source")),
    ("endwhitespace", _toolkit("endwhitespace", "Trailing space differs from the source")),
    ("markup", _markup),
]


# --- silencing ------------------------------------------------------------------------------


def ignored_checks(entry: polib.POEntry) -> set[str]:
    """The checks silenced for this entry (``# chorus: ignore <check-id>``; the older flag
    ``chorus-ignore:<check-id>`` too)."""
    return catalog.ignored(entry)


def ignore(entry: polib.POEntry, check_id: str) -> None:
    """Silence ``check_id`` for this entry."""
    if check_id not in CHECKS:
        raise ValueError(f"unknown check: {check_id}")
    catalog.ignore(entry, check_id)


# --- whole catalogs -------------------------------------------------------------------------


def load_glossary(project: Project):
    """The project's glossary (empty without translations/glossary.csv)."""
    from .glossary import Glossary

    return Glossary.load(project)  # a broken glossary file is a ChorusError naming it


def check_catalog(project: Project, slug: str, lang: str, glossary=None, memory=None) -> list[Finding]:
    """Findings for every translated entry of one catalog, consistency across statements included."""
    path = project.catalog_path(slug, lang)
    if not path.exists():
        return []
    po = catalog.read(path)
    if glossary is None:
        glossary = load_glossary(project)
    if memory is None:
        from .memory import Memory

        memory = Memory.load(project, lang)
    findings = []
    for entry in catalog.live_entries(po):
        if not entry.msgstr:
            continue
        skip = ignored_checks(entry)
        found = check_entry(entry.msgid, entry.msgstr, lang, project.config.source_lang, glossary, skip)
        if "consistency" not in skip and catalog.state(entry) in ("translated", "approved"):
            found.extend(consistency_findings(entry, slug, lang, memory))
        for finding in found:
            finding.slug, finding.target = slug, entry.msgstr
        findings.extend(found)
    return findings


def consistency_findings(entry: polib.POEntry, slug: str, lang: str, memory) -> list[Finding]:
    """The same source translated otherwise in another statement (memory units of catalogs)."""
    others = [unit for unit in memory.translations_of(entry.msgid)
              if not unit.slug.startswith("tmx:") and unit.slug != slug and unit.target != entry.msgstr]
    if not others:
        return []
    where = "; ".join(f"{unit.slug}: {unit.target!r}" for unit in others)
    approved = next((unit for unit in memory.translations_of(entry.msgid)
                     if unit.state == "approved" and not unit.slug.startswith("tmx:")), None)
    message = f"Translated differently in another statement ({where})"
    if approved and approved.target != entry.msgstr:
        message += f". Approved translation (in {approved.slug}): {approved.target!r}"
    elif approved:
        message += ". This translation is the approved one"
    return [Finding("consistency", message, slug=slug, msgid=entry.msgid, lang=lang)]
