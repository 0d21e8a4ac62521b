"""Multilingual sentence-boundary cases: loading, the development / held-out split, scoring.

The cases live in ``bench/segment_cases/*.json`` (one file per public test suite, see the README
there). A case is held out when a stable hash of its language and text says so (about one in
four): the rules in ``chorus/segment_data`` were first tuned on the development part only, and the
held-out part told whether they carry over to sentences they were not fitted to (a later round
read its failures too: see the README there).

    .venv/bin/python bench/segment_accuracy.py          # per-language table, failures listed
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

CASES = Path(__file__).resolve().parent / "segment_cases"
SOURCES = ("pysbd", "sentencex", "languagetool")


def held_out(lang: str, text: str) -> bool:
    return hashlib.sha1(f"{lang}\0{text}".encode()).digest()[0] % 4 == 0


def load_cases() -> list[tuple[str, str, str, list[str], bool]]:
    """(source, lang, text, expected, held_out), one row per distinct (lang, text): a text that
    two suites share is kept from the first one listed in SOURCES."""
    seen, rows = set(), []
    for source in SOURCES:
        data = json.loads((CASES / f"{source}.json").read_text(encoding="utf-8"))
        for lang, cases in data.items():
            for text, expected in cases:
                if (lang, text) in seen:
                    continue
                seen.add((lang, text))
                rows.append((source, lang, text, expected, held_out(lang, text)))
    return rows


def score(split, rows) -> dict[str, dict[str, list[int]]]:
    """{lang: {"dev": [passed, total], "held": [passed, total]}} for ``split(text, lang)``
    returning stripped segments; a segmenter that raises fails the case."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"dev": [0, 0], "held": [0, 0]})
    for _source, lang, text, expected, held in rows:
        cell = table[lang]["held" if held else "dev"]
        cell[1] += 1
        try:
            cell[0] += split(text, lang) == expected
        except Exception:  # noqa: BLE001 - a crash is a failed case
            pass
    return dict(table)


def failures(split, rows, part: str = "dev"):
    for source, lang, text, expected, held in rows:
        if held != (part == "held"):
            continue
        got = split(text, lang)
        if got != expected:
            yield source, lang, text, expected, got


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from chorus.segment import segments

    rows = load_cases()
    part = sys.argv[1] if len(sys.argv) > 1 else "dev"
    for source, lang, text, expected, got in failures(segments, rows, part):
        print(f"[{lang} {source}] {text!r}\n   want {expected}\n   got  {got}")
    table = score(segments, rows)
    for lang in sorted(table):
        d, h = table[lang]["dev"], table[lang]["held"]
        print(f"{lang}: dev {d[0]}/{d[1]}  held {h[0]}/{h[1]}")
    dev = [sum(t["dev"][i] for t in table.values()) for i in (0, 1)]
    print("total dev", dev)
