"""Ingest: Chorus against Translate Toolkit ``txt2po`` and po4a ``po4a-updatepo -f text``.

The job is the same for every tool: the 300-document corpus in, one template (POT) and one
catalog for each of three languages (es, fr, de) out. Chorus also cuts every paragraph into
sentences; the peers keep one entry per paragraph.

Two views, so the reader sees where the time goes:

- whole commands, process start included (what a user waits for);
- in-process, where the peer has a Python API (Translate Toolkit), with Chorus split into
  planning (read, parse, segment, template) and applying (merge, render, write).

Every run starts from empty output folders; runs of the tools are interleaved so that a
slow moment of the machine falls on all of them. Figures are medians.

    .venv/bin/python bench/bench_ingest.py [--runs N] [--count DOCS]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import build_corpus  # noqa: E402
from machine import describe  # noqa: E402

LANGS = ("es", "fr", "de")
VENV_BIN = Path(sys.executable).parent
CHORUS = VENV_BIN / "chorus"
TXT2PO = VENV_BIN / "txt2po"
PO4A = shutil.which("po4a-updatepo")
TARGET = 2.0  # Chorus must reach at least this many times txt2po's throughput


class Failed(RuntimeError):
    """A tool did not do the job: its row says so instead of a figure."""


# --- one run of each contender -----------------------------------------------------------------


def run(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, **kwargs)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise Failed(f"{Path(command[0]).name} exited {result.returncode}: "
                     f"{result.stderr.decode(errors='replace').strip()[-200:]}")
    return elapsed


def fresh_project(work: Path, langs=LANGS) -> Path:
    folder = work / "chorus"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([str(CHORUS), "init", str(folder), "--langs", ",".join(langs)],
                   check=True, capture_output=True)
    return folder


def chorus_command(corpus: list[Path], work: Path, langs=LANGS) -> float:
    project = fresh_project(work, langs)
    return run([str(CHORUS), "add", "--project", str(project), *map(str, corpus)])


def chorus_in_process(corpus: list[Path], work: Path, sync: bool = True) -> float:
    """``ingest.add`` as ``chorus add`` calls it (a worker per core), start-up left out."""
    from chorus.ingest import add
    from chorus.project import Project

    project = Project.load(fresh_project(work))
    real = os.fsync, os.sync
    if not sync:  # diagnostic only: how much of the time is durability
        os.fsync, os.sync = (lambda fd: None), (lambda: None)
    try:
        start = time.perf_counter()
        add(project, corpus, workers=os.cpu_count() or 1)
        return time.perf_counter() - start
    finally:
        os.fsync, os.sync = real


def chorus_one_process(corpus: list[Path], work: Path, phases: dict[str, list[float]]) -> float:
    """``plan_add`` then ``apply`` in this process alone, timed step by step."""
    from chorus.ingest import apply, plan_add
    from chorus.project import Project

    project = Project.load(fresh_project(work))
    start = time.perf_counter()
    plans = plan_add(project, corpus)
    planned = time.perf_counter()
    apply(project, plans)
    done = time.perf_counter()
    phases.setdefault("plan", []).append(planned - start)
    phases.setdefault("apply", []).append(done - planned)
    return done - start


def txt2po_pot_command(corpus_dir: Path, work: Path) -> float:
    out = reset(work / "tt-pot")
    return run([str(TXT2PO), "--progress=none", "-P", str(corpus_dir), str(out / "pot")])


def txt2po_all_command(corpus_dir: Path, work: Path, langs=LANGS) -> float:
    """POT and one PO per language: a run each (a fresh PO from txt2po is the POT's twin)."""
    out = reset(work / "tt-all")
    elapsed = run([str(TXT2PO), "--progress=none", "-P", str(corpus_dir), str(out / "pot")])
    for lang in langs:
        elapsed += run([str(TXT2PO), "--progress=none", str(corpus_dir), str(out / lang)])
    return elapsed


def txt2po_in_process(corpus: list[Path], work: Path) -> float:
    """Convert each document once and write it as the POT and the three POs.

    This is the least Translate Toolkit needs for the same files, so it favours the peer.
    """
    from translate.convert.txt2po import run_converter

    out = reset(work / "tt-api")
    folders = [out / "pot", *(out / lang for lang in LANGS)]
    for folder in folders:
        folder.mkdir()
    start = time.perf_counter()
    for path in corpus:
        buffer = io.BytesIO()
        with path.open("rb") as source:
            run_converter(source, buffer)
        data = buffer.getvalue()
        (folders[0] / f"{path.stem}.pot").write_bytes(data)
        for folder in folders[1:]:
            (folder / f"{path.stem}.po").write_bytes(data)
    return time.perf_counter() - start


def po4a_command(corpus: list[Path], work: Path) -> float:
    """One process for the whole corpus: po4a makes one catalog per output, not per document."""
    out = reset(work / "po4a")
    masters = [arg for path in corpus for arg in ("-m", str(path))]
    outputs = [arg for name in ("corpus.pot", *(f"{lang}.po" for lang in LANGS)) for arg in ("-p", str(out / name))]
    return run([PO4A, "-f", "text", "-M", "utf-8", *masters, *outputs])


def process_start(command: list[str]) -> float:
    return run(command)


def reset(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


# --- counting what came out ----------------------------------------------------------------


def count_entries(files: list[Path]) -> int:
    """Entries with a non-empty msgid (headers left out) in ``files``."""
    import polib

    return sum(1 for path in files for entry in polib.pofile(str(path)) if entry.msgid)


def outputs(work: Path) -> dict[str, int]:
    counts = {}
    chorus = work / "chorus" / "translations"
    if chorus.is_dir():
        counts["chorus"] = count_entries(sorted(chorus.glob("*/*.pot")))
    tt = work / "tt-all" / "pot"
    if tt.is_dir():
        counts["txt2po"] = count_entries(sorted(tt.glob("*.pot")))
    po4a = work / "po4a" / "corpus.pot"
    if po4a.is_file():
        counts["po4a"] = count_entries([po4a])
    return counts


def msgfmt_failures(work: Path) -> int:
    """Chorus catalogs of the last run that ``msgfmt -c`` refuses."""
    failures = 0
    for path in sorted((work / "chorus" / "translations").glob("*/*.po")):
        result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True)
        failures += result.returncode != 0
    return failures


# --- the run -----------------------------------------------------------------------------------


# --- the PO writer alone ------------------------------------------------------------------------

PO_ENTRIES = 3000
po_entries = [0]  # how many the corpus gave


def long_entries(corpus: list[Path]):
    """A catalog of 3,000 long entries, each wrapped over several lines, translated by itself:
    the corpus's distinct paragraphs of more than 80 characters, then pairs of them."""
    import polib

    catalog = polib.POFile()
    catalog.metadata = {"Project-Id-Version": "bench", "Language": "es", "MIME-Version": "1.0",
                        "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    found: dict[str, str] = {}  # text → where it comes from
    for path in corpus:
        for number, paragraph in enumerate(path.read_text(encoding="utf-8").split("\n\n"), 1):
            text = " ".join(paragraph.split())
            if len(text) > 80:
                found.setdefault(text, f"source/{path.name}:{number}")
    texts = list(found)
    pairs = (f"{one} {two}" for one, two in zip(texts, texts[1:]))
    for text in pairs:
        if len(found) >= PO_ENTRIES:
            break
        found.setdefault(text, "source/pairs:1")
    for text, where in list(found.items())[:PO_ENTRIES]:
        path, line = where.rsplit(":", 1)
        catalog.append(polib.POEntry(msgid=text, msgstr=text, comment="paragraph", occurrences=[(path, line)]))
    po_entries[0] = len(catalog)
    return catalog


def po_render(catalog, first: bool) -> float:
    """One render of the catalog in gettext's layout; ``first``: with the line-break cache
    emptied, as in a new process."""
    from chorus import pofile

    if first:
        pofile._cached_cuts.cache_clear()
    start = time.perf_counter()
    pofile.render(catalog)
    return time.perf_counter() - start


def polib_render(catalog) -> float:
    start = time.perf_counter()
    str(catalog)
    return time.perf_counter() - start


def measure(contenders: dict[str, Callable[[], float]], runs: int) -> dict[str, list[float] | str]:
    """Interleaved runs; a contender that fails keeps its error message instead of times."""
    times: dict[str, list[float] | str] = {name: [] for name in contenders}
    for number in range(runs):
        for name, job in contenders.items():
            if isinstance(times[name], str):
                continue
            try:
                times[name].append(job())
            except (Failed, OSError, subprocess.CalledProcessError) as error:
                times[name] = f"failed: {error}"
        print(f"run {number + 1}/{runs} done", file=sys.stderr)
    return times


def median(values) -> float | None:
    return statistics.median(values) if isinstance(values, list) and values else None


def row(label: str, values, size: int, chorus: float | None, note: str = "") -> str:
    """A table row; the ratio is this tool's time over Chorus's (above 1: Chorus is faster)."""
    middle = median(values)
    if middle is None:
        return f"| {label} | {values} | | | {note} |"
    ratio = f"{middle / chorus:.2f}×" if chorus else ""
    spread = f"{min(values):.2f}–{max(values):.2f}"
    return f"| {label} | {middle:.2f} s ({spread}) | {size / middle / 1e6:.2f} MB/s | {ratio} | {note} |"


def verdict(chorus: float | None, peer: float | None, what: str) -> str:
    if chorus is None or peer is None:
        return f"- {what}: not measured (a tool failed; see the table)."
    ratio = peer / chorus
    met = "met" if ratio >= TARGET else "NOT met"
    return f"- {what}: Chorus at **{ratio:.2f}×** txt2po's throughput: target of {TARGET:.0f}× **{met}**."


def ratio_line(chorus: float | None, peer: float | None, what: str) -> str:
    if chorus is None or peer is None:
        return f"- {what}: not measured (a tool failed; see the table)."
    return f"- {what}: Chorus at {peer / chorus:.2f}× txt2po's throughput."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each contender (default 5)")
    parser.add_argument("--count", type=int, default=300, help="documents in the corpus (default 300)")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "ingest.md")
    args = parser.parse_args()

    from machine import byte_compile

    byte_compile()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="chorus-bench-ingest-") as folder:
        work = Path(folder)
        corpus_dir = work / "corpus"
        corpus = build_corpus(corpus_dir, count=args.count)
        size = sum(path.stat().st_size for path in corpus)
        phases: dict[str, list[float]] = {}
        contenders = {
            "chorus add": lambda: chorus_command(corpus, work),
            "txt2po ×4": lambda: txt2po_all_command(corpus_dir, work),
            "chorus add 1 lang": lambda: chorus_command(corpus, work, LANGS[:1]),
            "txt2po ×2": lambda: txt2po_all_command(corpus_dir, work, LANGS[:1]),
            "txt2po pot": lambda: txt2po_pot_command(corpus_dir, work),
            "po4a": lambda: po4a_command(corpus, work),
            "chorus api": lambda: chorus_in_process(corpus, work),
            "chorus one process": lambda: chorus_one_process(corpus, work, phases),
            "chorus api nofsync": lambda: chorus_in_process(corpus, work, sync=False),
            "txt2po api": lambda: txt2po_in_process(corpus, work),
            "chorus start": lambda: process_start([str(CHORUS), "--version"]),
            "txt2po start": lambda: process_start([str(TXT2PO), "--version"]),
        }
        catalog = long_entries(corpus)
        contenders.update({
            "po first": lambda: po_render(catalog, first=True),
            "po cached": lambda: po_render(catalog, first=False),
            "polib": lambda: polib_render(catalog),
        })
        if not PO4A:
            contenders["po4a"] = lambda: (_ for _ in ()).throw(Failed("po4a-updatepo not installed"))
        times = measure(contenders, args.runs)
        # The last in-process Chorus run is not a durable one: run it once more for the checks.
        chorus_in_process(corpus, work)
        counts = outputs(work)
        invalid = msgfmt_failures(work)
    load_after = os.getloadavg()
    report = render(args, size, len(corpus), times, phases, counts, invalid, load_before, load_after)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")


def render(args, size, documents, times, phases, counts, invalid, load_before, load_after) -> str:
    m = {name: median(values) for name, values in times.items()}
    tt_all, tt_api = m["txt2po ×4"], m["txt2po api"]
    cores = os.cpu_count() or 1
    busy = max(load_before[0], load_after[0]) > 0.5 * cores
    lines = [
        "# Ingest benchmark",
        "",
        f"Machine: {describe()}",
        f"Load average (1 min) before and after: {load_before[0]:.2f}, {load_after[0]:.2f}."
        + (" **The machine was busy with other work: these figures are noisy; re-run on a quiet "
           "machine before quoting them.**" if busy else ""),
        f"Corpus: {documents} documents, {size / 1e6:.2f} MB (bench/corpus.py, prose from the licence "
        f"texts and package documentation on this machine). Job: a POT and a PO for each of "
        f"{', '.join(LANGS)}. Median of {args.runs} interleaved runs (range in brackets). The ratio "
        "column is the tool's time over Chorus's in the same section: above 1, Chorus is faster.",
        "",
        "## Whole commands (process start included)",
        "",
        "| tool | time | throughput | its time ÷ Chorus's | notes |",
        "|---|---|---|---|---|",
        row("`chorus add` (one command, all files)", times["chorus add"], size, m["chorus add"],
            f"sentence segments; POT + 3 PO per document (and the source copy); a worker per core ({cores}); "
            "every file on disk before it is put in place"),
        row("`txt2po -P` + 3× `txt2po`", times["txt2po ×4"], size, m["chorus add"],
            "paragraph entries; POT + 3 PO per document (4 processes)"),
        row("`txt2po -P` (POT only)", times["txt2po pot"], size, m["chorus add"],
            "paragraph entries; the template alone"),
        row("`po4a-updatepo -f text`", times["po4a"], size, m["chorus add"],
            "paragraph entries; one POT + 3 PO for the whole corpus (one process)"),
        "",
        "With one target language (es) instead of three, the ratio is against this Chorus row:",
        "",
        "| tool | time | throughput | its time ÷ Chorus's | notes |",
        "|---|---|---|---|---|",
        row("`chorus add`, one target language", times["chorus add 1 lang"], size, m["chorus add 1 lang"],
            "POT + 1 PO per document, the source copy and a folder per statement"),
        row("`txt2po -P` + `txt2po`", times["txt2po ×2"], size, m["chorus add 1 lang"],
            "POT + 1 PO per document (2 processes)"),
        "",
        "## In-process (Python API)",
        "",
        "| work | time | throughput | its time ÷ Chorus's | notes |",
        "|---|---|---|---|---|",
        row("Chorus `ingest.add`", times["chorus api"], size, m["chorus api"],
            f"what `chorus add` does, minus start-up (a worker per core: {cores})"),
        row("Chorus `plan_add` + `apply` in one process", times["chorus one process"], size, m["chorus api"],
            "diagnostic: the same work without workers"),
        row("…of which `plan_add` (read, parse, segment, template)", phases.get("plan", "n/a"), size, None, ""),
        row("…of which `apply` (merge, render, write)", phases.get("apply", "n/a"), size, None, ""),
        row("Chorus `ingest.add`, syncs disabled (diagnostic only)", times["chorus api nofsync"], size, m["chorus api"],
            "shows what durability costs; Chorus never runs like this"),
        row("Translate Toolkit `txt2po` API", times["txt2po api"], size, m["chorus api"],
            "one conversion per document, its bytes written as POT and 3 PO (the least it needs)"),
        "",
        f"## The PO writer: one catalog of {po_entries[0]:,} long entries",
        "",
        "Chorus writes catalogs in gettext's own layout (line breaks from libunistring, as "
        "`msgcat` makes them); polib's writer is the baseline (its own layout, wrapped at 78). "
        "The ratio is against the first render.",
        "",
        "| work | time | its time ÷ Chorus's first render |",
        "|---|---|---|",
        *[f"| {label} | {fmt(m[name])} ({_spread(times[name])}) | "
          f"{m[name] / m['po first']:.2f}× |" if m[name] and m["po first"] else f"| {label} | {times[name]} | |"
          for label, name in (("Chorus `pofile.render`, first (line breaks computed)", "po first"),
                              ("Chorus `pofile.render`, again (line breaks cached)", "po cached"),
                              ("polib `str(catalog)`", "polib"))],
        "",
        "## Process start",
        "",
        f"`chorus --version`: {fmt(m['chorus start'])}; `txt2po --version`: {fmt(m['txt2po start'])}.",
        "",
        "## Output",
        "",
        f"Template entries over the corpus: Chorus {counts.get('chorus', 'n/a')} (sentences), "
        f"txt2po {counts.get('txt2po', 'n/a')} (paragraphs), po4a {counts.get('po4a', 'n/a')} "
        "(paragraphs, deduplicated across the corpus and re-wrapped). "
        f"Chorus catalogs refused by `msgfmt -c`: {invalid}.",
        "",
        "## Target: at least 2× txt2po's throughput",
        "",
        "The target is read on the job ingest does, as a user runs it: the template and a catalog "
        "for each target language, whole commands.",
        "",
        verdict(m["chorus add"], tt_all, "Whole commands, same outputs (POT + 3 PO)"),
        "",
        "Other views, for reference:",
        "",
        ratio_line(m["chorus add 1 lang"], m["txt2po ×2"], "Whole commands with one target language "
                   "(POT + 1 PO): Chorus's single pass over the sources pays off less, and it still writes "
                   "twice the files (a source copy and a folder per statement) and syncs them"),
        ratio_line(m["chorus add"], m["txt2po pot"], "Whole commands, against txt2po writing the template "
                   "alone (a smaller job: 300 files where Chorus writes 1,500)"),
        ratio_line(m["chorus api"], tt_api, "In-process, same outputs (txt2po converting each document once "
                   "and writing the bytes four times, the least it needs; Chorus with its workers)"),
        "",
        "Durability is part of Chorus's job: new files are staged as temporary files, flushed to "
        "disk with one sync, then linked into place (an existing catalog is replaced under its "
        "lock); the peers write without syncing. The sync-free row only shows how the time splits. "
        "The txt2po API row runs in one process; Chorus's in-process row uses a worker per core, "
        "as its command does.",
    ]
    return "\n".join(lines) + "\n"


def _spread(values) -> str:
    return f"{min(values) * 1000:.0f}–{max(values) * 1000:.0f} ms" if isinstance(values, list) and values else ""


def fmt(value: float | None) -> str:
    return "failed" if value is None else f"{value * 1000:.0f} ms"


if __name__ == "__main__":
    main()
