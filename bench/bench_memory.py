"""Translation memory at 100,000 entries: index build time, fuzzy lookups against difflib.

    .venv/bin/python bench/bench_memory.py [--entries 100000] [--queries 200] [--difflib-queries 40]

Entries are sentence-like word runs cut deterministically from the licence texts that every
Debian machine has in /usr/share/common-licenses, stored as ordinary catalogs of a throwaway
project (100 statements × 1,000 entries). Queries are entries with realistic edits (a word
replaced, dropped or added, a typo); the other half are random runs of the corpus's words, with
no counterpart. For every query
the baseline, ``difflib.get_close_matches(query, sources, n=1, cutoff=0.75)``, is timed in the
same run on the same entries, and the best match of both is compared.

Writes the figures to bench/results/memory.md.
"""

from __future__ import annotations

import argparse
import difflib
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chorus import catalog, memory  # noqa: E402
from chorus.memory import Memory  # noqa: E402
from chorus.project import Project  # noqa: E402

LICENSES = Path("/usr/share/common-licenses")
RESULTS = Path(__file__).resolve().parent / "results" / "memory.md"
PER_CATALOG = 1000
CUTOFF = 75.0


def corpus_words() -> list[str]:
    texts = [path.read_text(encoding="utf-8", errors="replace")
             for path in sorted(LICENSES.iterdir()) if path.is_file()]
    return re.findall(r"[A-Za-z][A-Za-z'-]*|\d+", " ".join(texts))


def make_sentences(words: list[str], count: int, rng: random.Random) -> list[str]:
    """``count`` distinct sentence-like runs of 4 to 24 words."""
    found: set[str] = set()
    while len(found) < count:
        start = rng.randrange(len(words) - 30)
        run = words[start:start + rng.randint(4, 24)]
        found.add(" ".join(run).capitalize() + rng.choice(".....!?:"))
    return sorted(found)


def edit(sentence: str, words: list[str], rng: random.Random) -> str:
    """A sentence a volunteer might meet next time: one or two small changes."""
    tokens = sentence.split()
    for _ in range(rng.randint(1, 2)):
        kind = rng.choice(("replace", "drop", "add", "typo"))
        at = rng.randrange(len(tokens))
        if kind == "replace":
            tokens[at] = rng.choice(words)
        elif kind == "drop" and len(tokens) > 4:
            del tokens[at]
        elif kind == "add":
            tokens.insert(at, rng.choice(words))
        else:
            word = tokens[at]
            cut = rng.randrange(len(word))
            tokens[at] = word[:cut] + rng.choice("aeiourst") + word[cut + 1:]
    return " ".join(tokens)


def build_project(root: Path, sentences: list[str]) -> Project:
    project = Project.create(root, "en", ["es"])
    for number in range(0, len(sentences), PER_CATALOG):
        slug = f"statement-{number // PER_CATALOG:04d}"
        po = polib.POFile(wrapwidth=catalog.WRAP)
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
        for sentence in sentences[number:number + PER_CATALOG]:
            po.append(polib.POEntry(msgid=sentence, msgstr=" ".join(reversed(sentence.split()))))
        folder = project.translations_dir / slug
        folder.mkdir(parents=True)
        (folder / f"{slug}.pot").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
        catalog.write(po, folder / "es.po")
    return project


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")), 0)
    try:
        distro = subprocess.run(["lsb_release", "-ds"], capture_output=True, text=True).stdout.strip()
    except OSError:
        distro = ""
    import rapidfuzz

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.1f} GB RAM, load average {load} "
            "(other work was running on the machine when the load is above the core count); "
            f"{distro or platform.platform()}; Python {platform.python_version()}, rapidfuzz {rapidfuzz.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--difflib-queries", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="Do not write bench/results/memory.md.")
    options = parser.parse_args()

    rng = random.Random(20240303)
    words = corpus_words()
    sentences = make_sentences(words, options.entries, rng)
    with tempfile.TemporaryDirectory() as folder:
        project = build_project(Path(folder) / "proj", sentences)

        memory._cache.clear()
        tm, cold = timed(Memory.load, project, "es")  # reads every catalog, fills the index
        assert len(tm) == options.entries, len(tm)
        memory._cache.clear()
        _, warm = timed(Memory.load, project, "es")  # a new process: the index is on disk
        _, cached = timed(Memory.load, project, "es")  # same process, nothing changed
        changed = project.translations_dir / "statement-0003" / "es.po"
        with catalog.editing(changed) as po:
            po[0].msgstr = "cambiado"
        _, one_changed = timed(Memory.load, project, "es")

        vocabulary = sorted({word.lower() for word in words})
        shuffled = random.Random(99)
        unseen = [" ".join(shuffled.choice(vocabulary) for _ in range(shuffled.randint(4, 24))).capitalize() + "."
                  for _ in range(options.queries)]
        queries = []
        for number in range(options.queries):
            if number % 2:
                queries.append(unseen[number])
            else:
                queries.append(edit(rng.choice(sentences), words, rng))

        lookups = []
        results = []
        for query in queries:
            found, seconds = timed(tm.fuzzy, query, limit=1, cutoff=CUTOFF)
            lookups.append(seconds)
            results.append(found[0].source if found else None)

        keys = sorted({unit.source for unit in tm.units()})
        same = 0
        difflib_times, ours_times = [], []
        for query, ours, ours_seconds in list(zip(queries, results, lookups))[:options.difflib_queries]:
            theirs, seconds = timed(difflib.get_close_matches, query, keys, n=1, cutoff=CUTOFF / 100)
            difflib_times.append(seconds)
            ours_times.append(ours_seconds)
            same += (theirs[0] if theirs else None) == ours

    median = statistics.median(lookups)
    compared = len(difflib_times)
    ratio = statistics.median(difflib_times) / statistics.median(ours_times)
    hits = sum(r is not None for r in results)
    rows = [
        ("entries", f"{options.entries:,}"),
        ("index build from the catalogs (cold, 100 catalogs)", f"{cold:.2f} s"),
        ("load from the on-disk index (new process)", f"{warm:.2f} s"),
        ("load again, nothing changed (same process)", f"{cached * 1000:.1f} ms"),
        ("load after one catalog changed", f"{one_changed:.2f} s"),
        (f"fuzzy lookup, median of {len(lookups)} queries", f"{median * 1000:.2f} ms"),
        ("fuzzy lookup, 95th percentile", f"{statistics.quantiles(lookups, n=20)[-1] * 1000:.2f} ms"),
        ("queries with a match ≥ 75%", f"{hits} of {len(lookups)}"),
        (f"difflib.get_close_matches, median of {compared} queries", f"{statistics.median(difflib_times) * 1000:.0f} ms"),
        ("chorus vs difflib, median lookup time", f"{ratio:.0f}× faster"),
        ("same best match as difflib", f"{same} of {compared}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    verdict = (f"targets: median ≤ 5 ms {'met' if median <= 0.005 else 'MISSED'}; "
               f"≥ 50× difflib {'met' if ratio >= 50 else 'MISSED'}; "
               f"build ≤ 5 s {'met' if cold <= 5 else 'MISSED'}; "
               f"same best match {'met' if same == compared else 'MISSED'}")
    print(verdict)
    if not options.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        table = "\n".join(f"| {name} | {value} |" for name, value in rows)
        RESULTS.write_text(
            "# Translation memory benchmark\n\n"
            "`.venv/bin/python bench/bench_memory.py` — "
            f"{options.entries:,} sentence-like entries cut from /usr/share/common-licenses, stored as "
            "100 catalogs; queries are entries with one or two small edits, and as many random runs of the same words. "
            "The baseline, `difflib.get_close_matches(query, sources, n=1, cutoff=0.75)`, runs in the same "
            "process over the same distinct sources.\n\n"
            f"Machine: {machine()}\n\n| measure | value |\n|---|---|\n{table}\n\n{verdict}\n",
            encoding="utf-8",
        )
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
