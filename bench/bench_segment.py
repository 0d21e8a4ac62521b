"""Segmentation: accuracy per language on public sentence-boundary suites, and speed on English prose.

Compares Chorus's segmenter with the libraries around it, all in this process on the same text:
sentencex (which Chorus builds on), pySBD (accurate in English, slow) and ICU's sentence break
iterator with CLDR's suppressions (``@ss=standard``), and Chorus's rules applied to ICU's
boundaries instead of sentencex's (the other way to combine them).

The multilingual cases are in ``bench/segment_cases/`` (see its README: where each set comes
from, its licence, and the held-out part the rules were not tuned on).

    .venv/bin/python bench/bench_segment.py
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import icu
import pysbd
import sentencex
from benchmarks.english_golden_rules import GOLDEN_EN_RULES  # shipped in the pysbd wheel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import chorus.segment as chorus_segment  # noqa: E402
from chorus.segment_rules import Rules, rules_for  # noqa: E402
from chorus.segment import segments, split_sentences  # noqa: E402
from machine import describe  # noqa: E402
from segment_accuracy import load_cases, score  # noqa: E402

PROSE = Path("/usr/share/common-licenses")
RUNS = 9
LOSSLESS_ROUNDS = 7  # rounds of 3 passes each, lossless split and sentencex in turn
TARGET = 0.95  # at least this on each language, and no language below FLOOR
FLOOR = 0.90
# Expectations of the public suites that other cases, often of the same suite, contradict: Chorus
# follows the majority and the language's punctuation, and the case is listed as doubtful.
DOUBTFUL = {
    ("ca", "Us explicaré com va anar: »La Maria va engegar el cotxe"):
        "LanguageTool's Catalan suite cuts after a colon before a quotation here, but keeps "
        "'Art. 2.1: Són obligats els' whole; the German, Italian, Russian and Spanish suites keep a "
        "colon before a quotation inside its sentence ('Er sagte: „Hallo', 'Он сказал: «Я очень устал»')",
    ("es", "Hola, Albert: Me puedes decir tu correo?"):
        "the same suite keeps 'Art. 2.1: Estarán obligados' and 'mejor: Tom o Mary?' whole: only "
        "the salutation sets this colon apart, and no rule of punctuation does",
    ("uk", "елементів множини A. Отже, нехай"):
        "the same suite cuts 'група В. Усі віруси' (a capital letter and a period before a frequent "
        "first word); the two differ only in the letter's script, Latin A against Cyrillic В",
    ("de", "sobald ich es von einem Freunde zurückbekomme …« Er wurde verlegen und schwieg."):
        "the same suite cuts after an ellipsis before an upper-case word ('Ein Satz... Noch "
        "einer.'), and so do the Catalan, Spanish, Romanian and Danish suites",
    ("de", "»Nun also, wie ist's?« fragte Lushin und blickte sie fest an."):
        "a question in quotes and a lower-case speech tag make one sentence in the Russian, "
        "Ukrainian and Kazakh suites ('«К чему ты готовишься? – спросила мама'); German writes the "
        "tag in lower case because the sentence goes on",
    ("de", "»Nun also, wie ist es?« fragte Lushin und blickte sie fest an."):
        "as the case above, with 'ist es'",
}
# Cases missed for a reason worth saying.
MISSED = {
    ("da", "I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is . . . I didn’t mean it."):
        "an English sentence of the Danish suite (one of the English Golden Rules, which Chorus passes "
        "as English): under the Danish rules an ellipsis before an upper-case word ends a sentence, "
        "as the other suites expect",
}
DANISH = ("Jeg", "Hvad", "Hej", "Lad", "De ", "Mit", "Kirke", "Skt", "Hun")  # the Danish suite's Danish


def prose_paragraphs() -> list[str]:
    """Paragraphs (blank-line separated, hard wraps joined) of the licence texts on this machine."""
    paragraphs = []
    for path in sorted(PROSE.iterdir()):
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="replace")
            paragraphs += [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 3]
    return paragraphs


def throughput(split, paragraphs: list[str], runs: int = RUNS) -> tuple[float, float, float]:
    """(median, best, median of CPU time) MB/s over ``runs`` passes, after one warm-up pass, with
    the garbage collector paused while timing (as timeit does), so every segmenter is timed the
    same way. The CPU time of this process leaves out the time other processes of a shared
    machine held the processor: the wall-clock figures are the target's, the CPU figure says what
    the code costs."""
    size = sum(len((p if isinstance(p, str) else p[0]).encode("utf-8")) for p in paragraphs)
    for paragraph in paragraphs:
        split(paragraph)
    times, cpu_times = [], []
    gc.disable()
    try:
        for _ in range(runs):
            start, cpu_start = time.perf_counter(), time.process_time()
            for paragraph in paragraphs:
                split(paragraph)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    finally:
        gc.enable()
    return (size / statistics.median(times) / 1e6, size / min(times) / 1e6,
            size / statistics.median(cpu_times) / 1e6)


def stripped(pieces) -> list[str]:
    return [s for piece in pieces if (s := piece.strip())]


def sentencex_split(text: str, lang: str) -> list[str]:
    return stripped(sentencex.segment(lang, text))


_PYSBD: dict[str, pysbd.Segmenter] = {}


def pysbd_split(text: str, lang: str) -> list[str] | None:
    """pySBD's segments, or None for a language it does not know."""
    if lang not in pysbd.languages.LANGUAGE_CODES:
        return None
    if lang not in _PYSBD:
        _PYSBD[lang] = pysbd.Segmenter(language=lang, clean=False)
    return stripped(_PYSBD[lang].segment(text))


_ICU: dict[str, icu.BreakIterator] = {}


def icu_pieces(lang: str, text: str) -> list[str]:
    """ICU's sentences with CLDR's suppressions; lossless (offsets are UTF-16 units)."""
    if lang not in _ICU:
        _ICU[lang] = icu.BreakIterator.createSentenceInstance(icu.Locale(f"{lang}@ss=standard"))
    iterator = _ICU[lang]
    iterator.setText(text)
    wide = text.encode("utf-16-le")
    edges = [0, *iterator]
    return [wide[2 * a:2 * b].decode("utf-16-le") for a, b in zip(edges, edges[1:]) if b > a]


def icu_split(text: str, lang: str) -> list[str]:
    return stripped(icu_pieces(lang, text))


class _IcuAsSentencex:
    """Stands in for the sentencex module inside chorus.segment: Chorus's rules on ICU's cuts."""

    @staticmethod
    def segment(lang: str, text: str) -> list[str]:
        return icu_pieces(lang, text)

    get_sentence_boundaries = staticmethod(sentencex.get_sentence_boundaries)


def chorus_on_icu(text: str, lang: str) -> list[str]:
    chorus_segment.sentencex = _IcuAsSentencex
    try:
        return segments(text, lang)
    finally:
        chorus_segment.sentencex = sentencex


_FULL: dict[str, Rules] = {}


def chorus_full_rules(text: str, lang: str) -> list[str]:
    """Chorus with every period decided from the data, also where the data says sentencex's own
    rules decide (English): the measurement behind that choice."""
    rules = rules_for(lang)
    if not rules.data.lean:
        return segments(text, lang)
    if lang not in _FULL:
        _FULL[lang] = Rules(rules.lang)
        _FULL[lang].data = dataclasses.replace(rules.data, lean=False)
        _FULL[lang].lean = False
    full = _FULL[lang]
    chorus_segment.rules_for = lambda _lang: full
    try:
        return segments(text, lang)
    finally:
        chorus_segment.rules_for = rules_for


SEGMENTERS = {
    "chorus": segments,
    "sentencex": sentencex_split,
    "pysbd": pysbd_split,
    "icu": icu_split,
    "chorus on icu": chorus_on_icu,
}


def accuracy_tables(rows) -> dict[str, dict[str, dict[str, list[int]]]]:
    tables = {}
    for name, split in SEGMENTERS.items():
        if name == "pysbd":  # only the languages pySBD knows: the others are left blank
            known = [row for row in rows if row[1] in pysbd.languages.LANGUAGE_CODES]
            tables[name] = score(split, known)
        else:
            tables[name] = score(split, rows)
    return tables


def fraction(cell: list[int]) -> str:
    passed, total = cell
    return f"{passed}/{total} ({100 * passed / total:.0f}%)" if total else "—"


def total(table: dict[str, dict[str, list[int]]], lang: str, part: str = "all") -> list[int]:
    if lang not in table:
        return [0, 0]
    parts = ("dev", "held") if part == "all" else (part,)
    return [sum(table[lang][p][i] for p in parts) for i in (0, 1)]


def main() -> None:
    rows = load_cases()
    tables = accuracy_tables(rows)
    sources = defaultdict(set)
    for source, lang, *_ in rows:
        sources[lang].add(source)
    langs = sorted(tables["chorus"])
    lines = [
        "# Segmentation benchmark",
        "",
        f"Machine: {describe()}",
        "",
        "## Accuracy per language",
        "",
        f"{len(rows)} cases in {len(langs)} languages from the public test suites of pySBD, sentencex "
        "and LanguageTool (`bench/segment_cases/`); a case passes when the segments, stripped, are "
        "exactly the expected ones. *dev*: the cases the rules were tuned on; *held-out*: one case in "
        "four, by a hash of its text (the rules were first tuned without looking at it; its failures were "
        "read in a later round, so it is no longer an unseen test). pySBD: only the languages it knows. "
        "ICU: ICU "
        f"{icu.ICU_VERSION}'s sentence break iterator with CLDR's suppressions (`@ss=standard`); "
        "*chorus on icu*: Chorus's rules on ICU's boundaries instead of sentencex's.",
        "",
        "| language | sources | chorus dev | chorus held-out | chorus all | sentencex | pySBD | ICU | chorus on ICU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    sums = defaultdict(lambda: [0, 0])
    for lang in langs:
        cells = [fraction(total(tables["chorus"], lang, "dev")), fraction(total(tables["chorus"], lang, "held"))]
        for name in SEGMENTERS:
            cell = total(tables[name], lang)
            if name != "pysbd" or cell[1]:
                sums[name] = [a + b for a, b in zip(sums[name], cell)]
            cells.append(fraction(cell))
        for part in ("dev", "held"):
            sums[f"chorus {part}"] = [a + b for a, b in zip(sums[f"chorus {part}"], total(tables["chorus"], lang, part))]
        lines.append(f"| {lang} | {', '.join(sorted(sources[lang]))} | " + " | ".join(cells) + " |")
    lines.append("| **all** | | " + " | ".join(
        fraction(sums[key]) for key in ("chorus dev", "chorus held", *SEGMENTERS)) + " |")
    low = [lang for lang in langs if (c := total(tables["chorus"], lang))[1] and c[0] / c[1] < TARGET]
    below_floor = [lang for lang in langs if (c := total(tables["chorus"], lang))[1] and c[0] / c[1] < FLOOR]
    lines += ["", f"Languages under {TARGET:.0%}: {', '.join(low) or 'none'}; under {FLOOR:.0%}: "
              f"{', '.join(below_floor) or 'none'}."]
    lines += ["", "### Cases Chorus misses", "",
              "Every case Chorus fails, with what the suite expects; *doubtful*: other cases, often of the "
              "same suite, expect the opposite.", ""]
    for _source, lang, text, expected, held in rows:
        got = segments(text, lang)
        if got != expected:
            reason = DOUBTFUL.get((lang, text))
            lines.append(f"- {lang}{' (held-out)' if held else ''}: `{text!r}`: expected {expected}, "
                         f"Chorus {got}. " + (f"*Doubtful*: {reason}." if reason else
                                              f"Missed: {MISSED[lang, text]}." if (lang, text) in MISSED else "Missed."))

    golden = {name: sum(1 for text, expected in GOLDEN_EN_RULES if split(text, "en") == expected)
              for name, split in {**SEGMENTERS, "chorus, full rules": chorus_full_rules}.items()}
    lines += ["", "English Golden Rules (48, as shipped in the pySBD wheel): " + ", ".join(
        f"{name} {count}/{len(GOLDEN_EN_RULES)}" for name, count in golden.items()) + "."]
    english = [(text, expected) for _, lang, text, expected, _ in rows if lang == "da"
               and not any(word in text for word in DANISH)]
    lines += ["", "English, where sentencex's own rules decide and Chorus only joins after titles and "
              "abbreviations (`lean` in `chorus/segment_data/chorus.json`): the English sentences of the "
              f"Danish suite ({len(english)}): chorus "
              f"{sum(segments(t, 'en') == e for t, e in english)}, with every period decided from the data "
              f"{sum(chorus_full_rules(t, 'en') == e for t, e in english)}; speed below."]

    paragraphs = prose_paragraphs()
    sample = paragraphs[: max(1, len(paragraphs) // 20)]  # pySBD is too slow for the whole text
    speeds = {
        "chorus": throughput(lambda t: segments(t, "en"), paragraphs),
        "chorus, full rules": throughput(lambda t: chorus_full_rules(t, "en"), paragraphs),
        "sentencex": throughput(lambda t: sentencex_split(t, "en"), paragraphs),
        "pysbd": throughput(lambda t: pysbd_split(t, "en"), sample, runs=3),
        "icu": throughput(lambda t: icu_split(t, "en"), paragraphs),
    }
    # The lossless split, and sentencex's own split under it, timed pass for pass in turn, so that
    # both see the same load on a shared machine.
    lossless_runs, bare_runs = [], []
    for _ in range(LOSSLESS_ROUNDS):
        lossless_runs.append(throughput(lambda t: split_sentences(t, "en"), paragraphs, runs=3))
        bare_runs.append(throughput(lambda t: sentencex.segment("en", t), paragraphs, runs=3))
    lossless = [statistics.median(run[i] for run in lossless_runs) for i in range(3)]
    lossless[1] = max(run[1] for run in lossless_runs)
    bare = [statistics.median(run[i] for run in bare_runs) for i in range(3)]
    size = sum(len(p.encode()) for p in paragraphs) / 1e6
    lines += [
        "",
        "## Speed",
        "",
        f"Prose: {len(paragraphs)} paragraphs, {size:.2f} MB from {PROSE}, one call per paragraph; "
        f"median and best of {RUNS} passes after a warm-up pass, garbage collector paused while timing "
        "(pySBD: 3 passes over a twentieth of the paragraphs).",
        "",
        "| segmenter | MB/s (median) | MB/s (best) | MB/s (CPU time, median) | median speed vs sentencex |",
        "|---|---|---|---|---|",
    ]
    base = speeds["sentencex"][0]
    for name, (median, best, cpu) in speeds.items():
        lines.append(f"| {name} | {median:.1f} | {best:.1f} | {cpu:.1f} | {median / base:.2f}× |")
    multilingual = [(text, lang) for _, lang, text, _, _ in rows if lang != "en"]
    mixed = {name: throughput(lambda item, split=split: split(item[0], item[1]), multilingual)
             for name, split in (("chorus", segments), ("sentencex", sentencex_split))}
    targets = [
        ("48/48 English Golden Rules", golden["chorus"] == len(GOLDEN_EN_RULES)),
        ("at least 50 MB/s (median)", speeds["chorus"][0] >= 50),
        ("lossless split at least 50 MB/s (median)", lossless[0] >= 50),
        (f"at least {TARGET:.0%} on every language", not low),
        (f"no language under {FLOOR:.0%}", not below_floor),
    ]
    lines += ["", f"The {len(multilingual)} multilingual cases, one call each (every period decided from "
              f"the data): chorus {mixed['chorus'][0]:.2f} MB/s median, sentencex {mixed['sentencex'][0]:.2f} "
              f"({mixed['chorus'][0] / mixed['sentencex'][0]:.2f}×; short texts, and sentencex takes some "
              "0.5 ms a call in Catalan and Danish)."]
    lines += ["", f"Lossless split (`split_sentences`, what ingest uses), {LOSSLESS_ROUNDS} rounds of 3 passes in "
              f"turn with sentencex's own `segment` (no stripping): {lossless[0]:.1f} MB/s median, "
              f"{lossless[1]:.1f} MB/s best, {lossless[2]:.1f} MB/s of CPU time (median of the rounds' "
              f"medians); sentencex's `segment` {bare[0]:.1f} median, {bare[1]:.1f} best, {bare[2]:.1f} of "
              f"CPU time. The split takes {bare[2] / lossless[2]:.2f}× sentencex's CPU time: sentencex "
              f"itself is {100 * lossless[2] / bare[2]:.0f}% of it, Chorus's corrections and the Python "
              "calls around them the rest.",
              "Targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in targets) + "."]
    report = "\n".join(lines) + "\n"
    print(report)
    out = Path(__file__).resolve().parent / "results" / "segment.md"
    out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
