"""Segmentation: accuracy on the English Golden Rules and speed on plain English prose.

Compares Chorus's segmenter with the two libraries it stands between: sentencex (which it
builds on) and pySBD (accurate, slow). All three run in this process on the same text.

    .venv/bin/python bench/bench_segment.py
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

import pysbd
import sentencex
from benchmarks.english_golden_rules import GOLDEN_EN_RULES  # shipped in the pysbd wheel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from chorus.segment import segments, split_sentences  # noqa: E402
from machine import describe  # noqa: E402

PROSE = Path("/usr/share/common-licenses")
RUNS = 9


def prose_paragraphs() -> list[str]:
    """Paragraphs (blank-line separated, hard wraps joined) of the licence texts on this machine."""
    paragraphs = []
    for path in sorted(PROSE.iterdir()):
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="replace")
            paragraphs += [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 3]
    return paragraphs


def golden(name: str, split) -> int:
    return sum(1 for text, expected in GOLDEN_EN_RULES if split(text) == expected)


def throughput(split, paragraphs: list[str], runs: int = RUNS) -> tuple[float, float]:
    """(median, best) MB/s over ``runs`` passes, after one warm-up pass, with the garbage
    collector paused while timing (as timeit does), so every segmenter is timed the same way."""
    size = sum(len(p.encode("utf-8")) for p in paragraphs)
    for paragraph in paragraphs:
        split(paragraph)
    times = []
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            for paragraph in paragraphs:
                split(paragraph)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return size / statistics.median(times) / 1e6, size / min(times) / 1e6


def main() -> None:
    seg = pysbd.Segmenter(language="en", clean=False)
    splitters = {
        "chorus": lambda t: segments(t, "en"),
        "sentencex": lambda t: [s.strip() for s in sentencex.segment("en", t) if s.strip()],
        "pysbd": lambda t: [s.strip() for s in seg.segment(t) if s.strip()],
    }
    paragraphs = prose_paragraphs()
    sample = paragraphs[: max(1, len(paragraphs) // 20)]  # pySBD is too slow for the whole text
    rows = []
    for name, split in splitters.items():
        accuracy = golden(name, split)
        speed = throughput(split, sample if name == "pysbd" else paragraphs, runs=3 if name == "pysbd" else RUNS)
        rows.append((name, accuracy, speed))
    lossless = throughput(lambda t: split_sentences(t, "en"), paragraphs)
    base = dict((name, speed[0]) for name, _, speed in rows)
    size = sum(len(p.encode()) for p in paragraphs) / 1e6
    lines = [
        "# Segmentation benchmark",
        "",
        f"Machine: {describe()}",
        f"Prose: {len(paragraphs)} paragraphs, {size:.2f} MB from {PROSE}, one call per paragraph; "
        f"median and best of {RUNS} passes after a warm-up pass, garbage collector paused while timing "
        "(pySBD: 3 passes over a twentieth of the paragraphs).",
        "",
        "| segmenter | Golden Rules (of 48) | MB/s (median) | MB/s (best) | median speed vs sentencex |",
        "|---|---|---|---|---|",
    ]
    for name, accuracy, (median, best) in rows:
        lines.append(f"| {name} | {accuracy}/{len(GOLDEN_EN_RULES)} | {median:.1f} | {best:.1f} | "
                     f"{median / base['sentencex']:.2f}× |")
    lines += ["", f"Lossless split (`split_sentences`, what ingest uses): {lossless[0]:.1f} MB/s median, "
              f"{lossless[1]:.1f} MB/s best.",
              f"Targets: 48/48 Golden Rules, at least 50 MB/s: "
              f"{'met' if rows[0][1] == 48 and base['chorus'] >= 50 else 'NOT met'}."]
    report = "\n".join(lines) + "\n"
    print(report)
    out = Path(__file__).resolve().parent / "results" / "segment.md"
    out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
