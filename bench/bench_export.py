"""Export a 300-document corpus with Chorus, Translate Toolkit's po2txt and po4a-translate.

All three tools get the same documents and the same translations (every paragraph or sentence
"translated" the same way, so each tool has real replacing to do) and write one output file per
document. Each is timed as a user runs it (a fresh process), and Chorus and po2txt also inside
one Python process (library calls, start-up left out). Medians of several runs; ratios are
against po2txt measured in the same run.

    .venv/bin/python bench/bench_export.py [--runs 5] [--count 300] [--po4a-runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import build_corpus  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = HERE / "results" / "export.md"


def translation(text: str) -> str:
    """The stand-in translation every tool gets: same length class, visibly different."""
    return text.swapcase()


def fill_catalog(path: Path, mark_translated: bool) -> None:
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid and not entry.obsolete:
            entry.msgstr = translation(entry.msgid)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save(str(path))


def setup_chorus(folder: Path, corpus: list[Path]):
    from chorus import catalog
    from chorus.ingest import apply, plan_add
    from chorus.project import Project

    project = Project.create(folder / "chorus", "en", ["es"])
    apply(project, plan_add(project, corpus))
    for slug in project.statements():
        with catalog.editing(project.catalog_path(slug, "es")) as po:
            for entry in po:
                entry.msgstr = translation(entry.msgid)
                catalog.set_state(entry, "translated")
    return project


def setup_po2txt(folder: Path, corpus_dir: Path) -> tuple[Path, Path]:
    pot, po = folder / "ttk-pot", folder / "ttk-po"
    subprocess.run([BIN / "txt2po", "--progress=none", "-P", corpus_dir, pot], check=True, capture_output=True)
    po.mkdir()
    for template in sorted(pot.glob("*.pot")):
        target = po / (template.stem + ".po")
        shutil.copy(template, target)
        fill_catalog(target, True)
    return po, folder / "ttk-out"


def setup_po4a(folder: Path, corpus: list[Path]) -> Path:
    po_dir = folder / "po4a-po"
    po_dir.mkdir()
    for document in corpus:
        target = po_dir / (document.stem + ".po")
        subprocess.run(["po4a-updatepo", "-f", "text", "-M", "UTF-8", "-m", document, "-p", target],
                       check=True, capture_output=True)
        fill_catalog(target, True)
    return po_dir


def interleaved(tools: dict[str, tuple], runs: int) -> dict[str, list[float]]:
    """Wall-clock times of each tool, taking turns run after run so that every tool meets the
    same machine load; each run writes into an emptied output folder."""
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(runs):
        for name, (function, output) in tools.items():
            shutil.rmtree(output, ignore_errors=True)
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--po4a-runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()

    from machine import byte_compile

    byte_compile()
    from chorus import assemble
    from translate.convert import po2txt

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        corpus = build_corpus(folder / "corpus", count=args.count)
        size = sum(path.stat().st_size for path in corpus)
        print(f"corpus: {len(corpus)} documents, {size / 1e6:.2f} MB; setting up the three tools…", flush=True)
        project = setup_chorus(folder, corpus)
        ttk_po, ttk_out = setup_po2txt(folder, folder / "corpus")
        po4a_po = setup_po4a(folder, corpus)
        out = folder / "chorus-out"

        def chorus_cli():
            subprocess.run([BIN / "chorus", "export", "--lang", "es", "--format", "txt", "--out", out],
                           check=True, capture_output=True, cwd=project.root)

        def chorus_cold_cli():
            shutil.rmtree(project.private_dir / "cache", ignore_errors=True)
            chorus_cli()

        def chorus_library():
            assemble.export(project, [], ["es"], ["txt"], out_dir=out)

        def po2txt_cli():
            subprocess.run([BIN / "po2txt", "--progress=none", "-t", folder / "corpus", ttk_po, ttk_out],
                           check=True, capture_output=True)

        def po2txt_library():
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                try:
                    po2txt.main(["--progress=none", "-t", str(folder / "corpus"), str(ttk_po), str(ttk_out)])
                except SystemExit as exit:
                    if exit.code:
                        raise

        def po4a_cli():
            target = folder / "po4a-out"
            target.mkdir(exist_ok=True)
            for document in corpus:
                subprocess.run(["po4a-translate", "-f", "text", "-M", "UTF-8", "-k", "0", "-m", document,
                                "-p", po4a_po / (document.stem + ".po"), "-l", target / document.name],
                               check=True, capture_output=True)

        chorus_cli()  # warm the page cache and the parse cache once, for every tool alike
        po2txt_cli()
        outputs = [(path.name, path.read_bytes()) for path in sorted((out / "es").iterdir())]
        floor = folder / "floor-out"

        def files_only():
            """What every tool pays whatever its speed: creating the output files, one by one."""
            floor.mkdir()
            for name, data in outputs:
                with open(floor / name, "wb") as stream:
                    stream.write(data)
        results = interleaved({
            "chorus export (command)": (chorus_cli, out),
            "chorus export (command, no parse cache)": (chorus_cold_cli, out),
            "chorus export (library call)": (chorus_library, out),
            "po2txt (command)": (po2txt_cli, ttk_out),
            "po2txt (library call)": (po2txt_library, ttk_out),
            "file creation alone (the same 300 outputs, plain writes)": (files_only, floor),
        }, args.runs)
        results.update(interleaved({"po4a-translate (one command per document)": (po4a_cli, folder / "po4a-out")},
                                   args.po4a_runs))
        results.update(interleaved({
            "start-up only: chorus export --help": (lambda: subprocess.run(
                [BIN / "chorus", "export", "--help"], check=True, capture_output=True), folder / "none"),
            "start-up only: po2txt --help": (lambda: subprocess.run(
                [BIN / "po2txt", "--help"], check=True, capture_output=True), folder / "none"),
        }, args.runs))
        check_outputs(out / "es", ttk_out, folder / "po4a-out", corpus)
    report(results, len(corpus), size, args)


def check_outputs(chorus_dir: Path, ttk_dir: Path, po4a_dir: Path, corpus: list[Path]) -> None:
    """Every tool wrote every document, translated (the stand-in swaps the case)."""
    for document in corpus:
        for folder in (chorus_dir, ttk_dir, po4a_dir):
            produced = (folder / document.name).read_text(encoding="utf-8")
            source = document.read_text(encoding="utf-8")
            assert produced != source and produced.split() and produced.split()[0] == source.split()[0].swapcase(), \
                f"{folder / document.name} is not the translated document"


def report(results: dict[str, list[float]], count: int, size: int, args) -> None:
    from machine import describe

    medians = {name: statistics.median(times) for name, times in results.items()}
    pairs = [("chorus export (command)", "po2txt (command)"),
             ("chorus export (command, no parse cache)", "po2txt (command)"),
             ("chorus export (library call)", "po2txt (library call)")]
    lines = [
        "# Export benchmark",
        "",
        f"Corpus: {count} plain-text documents built by `bench/corpus.py` ({size / 1e6:.2f} MB), "
        "every segment translated. Output: one `.txt` per document, into an empty folder each run. "
        f"Medians of {args.runs} runs ({args.po4a_runs} for po4a), the tools taking turns run after run.",
        "",
        "| tool | median | MB/s |",
        "|---|---|---|",
    ]
    for name, value in medians.items():
        lines.append(f"| {name} | {value:.3f} s | {size / 1e6 / value:.1f} |")
    lines += ["", "| comparison | speed-up (po2txt time / chorus time) |", "|---|---|"]
    for ours, theirs in pairs:
        lines.append(f"| {ours} vs {theirs} | {medians[theirs] / medians[ours]:.2f}× |")
    po4a = medians["po4a-translate (one command per document)"]
    lines.append(f"| chorus export (command) vs po4a-translate | {po4a / medians['chorus export (command)']:.1f}× |")
    command = medians["po2txt (command)"] / medians["chorus export (command)"]
    verdict = "met" if command >= 2 else "not met"
    lines += [
        "",
        f"Target (the command at least 2× faster than po2txt's): **{verdict}** ({command:.2f}×).",
        "",
        f"Notes: the command assembles in one worker process per core ({os.cpu_count()} here); the "
        "library call runs in one process, like po2txt's. Chorus does more per document than "
        "po2txt: it checks the catalog against the source (hash), splits sentences (parsed "
        "sources are cached in `.chorus/cache/`; the 'no parse cache' row parses every document), "
        "applies the publishing rule, re-wraps translated paragraphs at the source width, and "
        "writes each file atomically (a temp file beside its target, renamed into place once "
        "every statement is ready; no sync, since outputs are made again from the catalogs). The start-up rows show the cost of "
        "starting each command before any work. The file-creation row writes the same 300 "
        "output files with plain `open`/`write`, in the same folder, in one process: on this "
        "disk creating a file takes a fraction of a millisecond to most of one depending on the "
        "moment, it cannot be spread over cores (the folder is locked for each new name), and "
        "every tool pays it.",
        "",
        "Machine:", "", describe(),
        "",
        "Other work ran on the same machine during the run; the tools took turns so each met the "
        "same load, but single figures vary between runs.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
