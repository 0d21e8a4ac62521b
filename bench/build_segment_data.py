"""Rebuild ``chorus/segment_data/sources.json``: per-language abbreviation data for the sentence
splitter, taken from lists made for sentence segmentation.

- CLDR sentence-break suppressions (the abbreviations after which ICU's sentence break iterator,
  with ``@ss=standard``, does not break), read from the ICU data that PyICU carries;
- the Moses non-breaking prefixes (as shipped in the ``sacremoses`` wheel): prefixes that, followed
  by a period and an upper-case word, do not end a sentence; ``#NUMERIC_ONLY#`` ones only before a
  number;
- pySBD's per-language abbreviation lists (general, prepositive and number abbreviations).

Chorus's own additions (units, words that may end a sentence, Ukrainian and Romanian titles, ...)
are not generated: they live in ``chorus/segment_data/chorus.json``, written by hand.

    .venv/bin/python bench/build_segment_data.py
"""

from __future__ import annotations

import importlib.util
import json
import runpy
from pathlib import Path

import icu
import pysbd.languages

OUT = Path(__file__).resolve().parent.parent / "chorus" / "segment_data" / "sources.json"
# Every language sentencex has rules of its own for, plus the ones our sources cover.
LANGUAGES = sorted(set(
    "am ar bg bn ca cs da de el en es et fa fi fr gu hi hr hu hy is it ja kk kn lt lv ml mr my "
    "nl pa pl pt ro ru sk sl sv ta te uk ur zh".split()
))


def cldr_suppressions() -> dict[str, list[str]]:
    path = icu.UnicodeString(f"icudt{icu.ICU_VERSION.split('.')[0]}l-brkitr")
    found = {}
    for lang in LANGUAGES:
        bundle = icu.ResourceBundle(path, icu.Locale(lang))
        if str(bundle.getLocale()) != lang:  # fell back to root: no data of its own
            continue
        try:
            table = bundle.get("exceptions").get("SentenceBreak")
        except icu.ICUError:
            continue
        found[lang] = sorted(table.getStringEx(i).rstrip(".") for i in range(table.getSize()))
    return found


def moses_prefixes() -> dict[str, tuple[list[str], list[str]]]:
    """{lang: (prefixes, numeric-only prefixes)}; read from the data module without importing
    sacremoses (whose import pulls in joblib)."""
    spec = importlib.util.find_spec("sacremoses")
    files = runpy.run_path(str(Path(spec.origin).parent / "_data_nonbreaking_prefixes.py"))["NONBREAKING_PREFIXES"]
    found = {}
    for name, body in files.items():
        lang = name.rsplit(".", 1)[-1]
        if lang not in LANGUAGES:
            continue
        plain, numeric = [], []
        for line in body.splitlines():
            word = line.split("#", 1)[0].strip()
            if word:
                (numeric if "#NUMERIC_ONLY#" in line else plain).append(word)
        found[lang] = (plain, numeric)
    return found


def pysbd_lists() -> dict[str, dict[str, list[str]]]:
    found = {}
    english = pysbd.languages.Language.get_language_code("en").Abbreviation
    for lang in LANGUAGES:
        if lang not in pysbd.languages.LANGUAGE_CODES:
            continue
        abbreviation = pysbd.languages.Language.get_language_code(lang).Abbreviation
        if lang != "en" and abbreviation.ABBREVIATIONS == english.ABBREVIATIONS:
            continue  # pySBD gives this language the English list: not data about the language
        found[lang] = {
            "abbreviations": list(getattr(abbreviation, "ABBREVIATIONS", [])),
            "prepositive": list(getattr(abbreviation, "PREPOSITIVE_ABBREVIATIONS", [])),
            "numeric": list(getattr(abbreviation, "NUMBER_ABBREVIATIONS", [])),
        }
    return found


def clean(words, lower: bool = False) -> list[str]:
    """Without the final period; CLDR and Moses entries keep their case (ICU and Moses match
    them case-sensitively: "All." is in CLDR's English list, "all." is not)."""
    cleaned = (w.strip().rstrip(".") for w in words)
    return sorted({w.lower() if lower else w for w in cleaned if w})


def main() -> None:
    cldr, moses, sbd = cldr_suppressions(), moses_prefixes(), pysbd_lists()
    data = {}
    for lang in LANGUAGES:
        plain, numeric = moses.get(lang, ([], []))
        lists = sbd.get(lang, {})
        entry = {
            # never ends a sentence before an upper-case word (CLDR, Moses: their own meaning)
            "titles": clean(cldr.get(lang, []) + plain),
            # does not end a sentence before a number
            "numeric": clean(numeric) + clean(lists.get("numeric", []), lower=True),
            # an abbreviation (pySBD, any case): does not end a sentence before a lower-case
            # word or a number
            "abbreviations": clean(lists.get("abbreviations", []) + lists.get("prepositive", []), lower=True),
        }
        if any(entry.values()):
            data[lang] = entry
    data["_sources"] = {
        "cldr": f"CLDR sentence-break suppressions from ICU {icu.ICU_VERSION}: {', '.join(sorted(cldr))}",
        "moses": f"Moses non-breaking prefixes (sacremoses): {', '.join(sorted(moses))}",
        "pysbd": f"pySBD abbreviation lists: {', '.join(sorted(sbd))}",
    }
    lines = [f" {json.dumps(lang)}: {json.dumps(entry, ensure_ascii=False, sort_keys=True)}"
             for lang, entry in sorted(data.items())]
    OUT.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")  # a language a line
    print(f"{OUT}: {len(data) - 1} languages")


if __name__ == "__main__":
    main()
