"""Run every benchmark in bench/ and index their results in bench/results/README.md.

Each ``bench/bench_*.py`` runs in its own process, one after the other (benchmarks running side
by side would slow each other down), so one that fails does not stop the others. Its output is
shown as it comes. The index links every results file with the machine description, which
benchmark wrote it in this run, and how each benchmark ended.

    .venv/bin/python bench/run_all.py              # all of them (what `make bench` does)
    .venv/bin/python bench/run_all.py ingest export   # only bench_ingest.py and bench_export.py
    .venv/bin/python bench/run_all.py --index-only    # rewrite the index, run nothing
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
INDEX = RESULTS / "README.md"
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

TAIL = 15  # lines of a failed benchmark's output kept in the index


@dataclass
class Outcome:
    script: Path
    code: int | None = None
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0


def benchmarks(only: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not only:
        return found
    wanted = {name.removeprefix("bench_").removesuffix(".py") for name in only}
    chosen = [path for path in found if path.stem.removeprefix("bench_") in wanted]
    missing = wanted - {path.stem.removeprefix("bench_") for path in chosen}
    if missing:
        raise SystemExit(f"run_all: no benchmark named {', '.join(sorted(missing))} "
                         f"(known: {', '.join(p.stem.removeprefix('bench_') for p in found)})")
    return chosen


def results_files() -> dict[Path, float]:
    return {path: path.stat().st_mtime for path in RESULTS.glob("*.md") if path != INDEX}


def run_one(script: Path, timeout: float) -> Outcome:
    """Run one benchmark, echoing its output; note the results files it wrote or rewrote."""
    outcome = Outcome(script)
    before = results_files()
    tail: deque[str] = deque(maxlen=TAIL)
    print(f"\n=== {script.name} ===", flush=True)
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, str(script)], cwd=HERE.parent, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line.rstrip("\n"))
            if time.monotonic() - start > timeout:
                raise subprocess.TimeoutExpired(script.name, timeout)
        outcome.code = process.wait(timeout=max(1.0, timeout - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        outcome.note = f"stopped after {timeout:.0f} s"
    outcome.seconds = time.monotonic() - start
    outcome.tail = list(tail)
    after = results_files()
    changed = [path for path, mtime in after.items() if before.get(path) != mtime]
    outcome.written = sorted(path for path in changed if owner(path) in (None, script))
    if outcome.ok and not outcome.written:
        outcome.note = "wrote no results file"
    return outcome


def owner(path: Path) -> Path | None:
    """The benchmark whose name matches a results file (``export.md`` → ``bench_export.py``).

    Used so that a results file another process rewrites meanwhile is not credited to the
    benchmark running at the time."""
    script = HERE / f"bench_{path.stem}.py"
    return script if script.is_file() else None


def title_of(path: Path) -> str:
    """The first heading of a results file, or its name."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def render_index(outcomes: list[Outcome], started: dt.datetime) -> str:
    written_now = {path: outcome for outcome in outcomes for path in outcome.written}
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run_all.py`), which runs every `bench/bench_*.py` and "
        "collects the results files below. Each file describes its own method and the machine it "
        "ran on, and compares Chorus with a baseline measured in the same run.",
        "",
        f"Machine: {describe()}",
        f"Run started: {started:%Y-%m-%d %H:%M} UTC; load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{value:.2f}" for value in os.getloadavg())
        + ". Figures taken while the machine does other work are noisy.",
        "",
        "## Results",
        "",
        "| results | written by | last written |",
        "|---|---|---|",
    ]
    for path in sorted(results_files()):
        outcome = written_now.get(path)
        script = outcome.script if outcome else owner(path)
        by = f"`{script.name}`" if script else "not known"
        fresh = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        fresh += " (this run)" if outcome else ""
        lines.append(f"| [{title_of(path)}]({path.name}) | {by} | {fresh} |")
    if not outcomes:
        return "\n".join(lines) + "\n"
    lines += ["", "## Benchmarks run", "", "| script | ended | time |", "|---|---|---|"]
    for outcome in outcomes:
        if outcome.ok:
            ended = "ok" + (f" ({outcome.note})" if outcome.note else "")
        else:
            ended = f"FAILED ({outcome.note or f'exit {outcome.code}'})"
        lines.append(f"| `{outcome.script.name}` | {ended} | {outcome.seconds:.0f} s |")
    for outcome in outcomes:
        if not outcome.ok:
            lines += ["", f"Last lines of `{outcome.script.name}`:", "", "```", *outcome.tail, "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks in bench/ and index their results.")
    parser.add_argument("names", nargs="*", help="only these benchmarks (ingest, export, ...)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per benchmark (default 1800)")
    parser.add_argument("--index-only", action="store_true", help="run nothing; rewrite the index of the results present")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    chosen = [] if args.index_only else benchmarks(args.names)
    outcomes = [run_one(script, args.timeout) for script in chosen]
    INDEX.write_text(render_index(outcomes, started), encoding="utf-8")
    failed = [outcome.script.name for outcome in outcomes if not outcome.ok]
    print(f"\nIndex: {INDEX.relative_to(HERE.parent)}")
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
