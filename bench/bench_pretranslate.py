"""Pretranslation benchmark: Chorus with Apertium against one raw ``apertium`` run, and the
survival of protected terms through every engine that can run here.

1. Speed. A project of statements written for this benchmark (a few hundred segments, en→es)
   is pretranslated with the chain ``["memory", "apertium"]`` (reading the catalogs, the memory
   lookup, masking, one Apertium process, restoring, writing every catalog). The baseline is one
   raw ``apertium -u eng-spa`` run over the same segments, blank-line separated, in the same
   run. Medians of several runs; target: Chorus ≤ 1.10 × raw.
2. Protected terms. A test set of statements with names, acronyms, fixed glossary
   translations, URLs, e-mail addresses, hashtags, @handles and Markdown link references goes
   through each engine (local Apertium, a real APy server on loopback, and a
   LibreTranslate-compatible server on loopback that translates word by word: the online
   services cannot be reached from the benchmark machine). A term survives when the draft holds
   it unchanged (or its fixed translation). Target: 100 %. The same texts without masking are
   shown for comparison.

    .venv/bin/python bench/bench_pretranslate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from machine import describe  # noqa: E402

from chorus import catalog, engines  # noqa: E402
from chorus.glossary import Glossary, MaskLost, Term, mask  # noqa: E402
from chorus.ingest import apply, plan_add  # noqa: E402
from chorus.pretranslate import pretranslate  # noqa: E402
from chorus.project import Project  # noqa: E402

RESULTS = HERE / "results" / "pretranslate.md"
TARGET_RATIO = 1.10

# --- a corpus written for this benchmark --------------------------------------------------------

SUBJECTS = ["The dockers", "Our union", "The nurses of the city hospital", "Every tenant on the street",
            "The bus drivers", "Teachers and parents", "The cleaners at the station", "Farm workers",
            "The students", "Retired miners", "The harbour workers", "Care workers across the region"]
VERBS = ["have stood together against", "will not accept", "are organising against", "demand an end to",
         "have voted to fight", "call on everyone to oppose", "refuse to pay for", "stand firm against"]
OBJECTS = ["the wage freeze", "the closure of the depot", "unsafe working hours", "the eviction of families",
           "cuts to public services", "the new lockout", "rising rents", "the attacks on the picket line"]
TAILS = ["this winter", "until the company listens", "in every town", "with the support of the community",
         "for the third week running", "after the last meeting", "", "despite the threats"]
SLOGANS = ["Solidarity forever!", "An injury to one is an injury to all!", "Housing is a right!",
           "No to the wage freeze!", "Together we are strong!"]


def write_statements(folder: Path, count: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        lines = [f"Statement {number + 1} of the network", ""]
        for _ in range(rng.randint(3, 6)):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                tail = rng.choice(TAILS)
                sentences.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
                                 f"{' ' + tail if tail else ''} (statement {number + 1}, point {rng.randint(1, 99)}).")
            lines += [" ".join(sentences), ""]
        lines += [rng.choice(SLOGANS), "", "— The Solidarity Network", ""]
        path = folder / f"statement-{number + 1:02d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def make_project(root: Path, statements: int) -> Project:
    project = Project.create(root, "en", ["es"])
    apply(project, plan_add(project, write_statements(root / "incoming", statements)))
    return project


def segments_of(project: Project) -> list[str]:
    texts: list[str] = []
    for slug in project.statements():
        texts += [e.msgid for e in catalog.read(project.catalog_path(slug, "es")) if e.msgid]
    return texts


# --- speed ---------------------------------------------------------------------------------------


def time_raw(texts: list[str]) -> float:
    data = "\n\n".join(texts).encode("utf-8")
    started = time.perf_counter()
    subprocess.run(["apertium", "-u", "eng-spa"], input=data, capture_output=True, check=True)
    return time.perf_counter() - started


def time_chorus(pristine: Path, work: Path) -> tuple[float, int]:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(pristine, work)
    project = Project.load(work)
    started = time.perf_counter()
    [result] = pretranslate(project, langs=["es"])
    elapsed = time.perf_counter() - started
    assert result.failed == 0, result.errors
    return elapsed, result.engines["apertium"]


def time_command(pristine: Path, work: Path) -> float:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(pristine, work)
    chorus = Path(sys.executable).with_name("chorus")
    started = time.perf_counter()
    subprocess.run([str(chorus), "pretranslate", "--project", str(work)], capture_output=True, check=True)
    return time.perf_counter() - started


# --- protected terms -----------------------------------------------------------------------------

GLOSSARY = [Term("Trump"), Term("Harbour Solidarity Network"), Term("ILO"), Term("Acme Logistics"),
            Term("María Fernández"), Term("picket line", "es", "piquete"), Term("wage freeze", "es", "congelación salarial")]

STATEMENTS = [
    "Trump attacked the picket line on Friday.",
    "The Harbour Solidarity Network calls on the ILO to act.",
    "Acme Logistics hired guards to break the strike.",
    "María Fernández spoke for the dockers at the gate.",
    "Say no to the wage freeze! #NoFreeze",
    "Write to info@harbour-solidarity.org or follow @harbournet for news.",
    "Read [our full report][1] and [the timeline][2] before the meeting.",
    "Sign the letter at https://harbour-solidarity.org/letter?lang=en today.",
    "Trump and Acme Logistics will not divide us, says the Harbour Solidarity Network.",
    "The wage freeze hits the nurses hardest, the ILO says. #Solidarity @nursesunion",
    "Picket line tonight at 6: bring friends, see www.harbour-solidarity.org.",
    "Donations: see [the fund][3] or mail funds@harbour-solidarity.org.",
]


def survival(engine, texts: list[str], glossary: Glossary | None) -> tuple[int, int, list[str]]:
    kept = total = 0
    lost: list[str] = []
    reference = Glossary(GLOSSARY)
    inputs = [mask(t, "es", glossary).text if glossary else t for t in texts]
    outputs = engine.translate(inputs, "en", "es")
    for text, output in zip(texts, outputs):
        items = [i for i in mask(text, "es", reference).originals if i not in ("[", "![")]
        if glossary:
            try:
                output = mask(text, "es", glossary).restore(output or "")
            except MaskLost:
                output = ""
        for item in items:
            total += 1
            if item in (output or ""):
                kept += 1
            else:
                lost.append(item)
    return kept, total, lost


class LibreLike(BaseHTTPRequestHandler):
    WORDS = {"the": "el", "on": "en", "calls": "llama", "to": "a", "act": "actuar", "and": "y",
             "strike": "huelga", "friday": "viernes", "read": "lee", "our": "nuestro", "report": "informe"}

    def do_POST(self):
        text = parse_qs(urlparse(self.path).query)["q"][0]
        out = re.sub(r"[A-Za-z]+", lambda m: self.WORDS.get(m.group().lower(), m.group()), text)
        body = json.dumps({"translatedText": out}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_apy() -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(["apertium-apy", "-p", str(port), "/usr/share/apertium"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    engine = engines.create("apy", {"url": url, "timeout": 1})
    for _ in range(150):
        try:
            engine.pairs()
            return server, url
        except engines.EngineError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("apertium-apy did not start")


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--statements", type=int, default=25)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pristine = make_project(Path(tmp) / "pristine", args.statements)
        texts = segments_of(pristine)
        words = sum(len(t.split()) for t in texts)
        time_raw(texts)  # warm the disk cache for both sides
        raw_times, chorus_times, command_times = [], [], []
        for _ in range(args.runs):
            raw_times.append(time_raw(texts))
            elapsed, drafted = time_chorus(pristine.root, Path(tmp) / "work")
            chorus_times.append(elapsed)
            command_times.append(time_command(pristine.root, Path(tmp) / "work"))
        raw, ours, command = (statistics.median(x) for x in (raw_times, chorus_times, command_times))
    ratio = ours / raw

    apy_server, apy_url = start_apy()
    libre = ThreadingHTTPServer(("127.0.0.1", 0), LibreLike)
    threading.Thread(target=libre.serve_forever, daemon=True).start()
    glossary = Glossary(GLOSSARY)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as cache:
            engine_list = [
                ("apertium (local)", engines.create("apertium")),
                ("apy (APy server on loopback)", engines.create("apy", {"url": apy_url})),
                ("libre (LibreTranslate-compatible server on loopback)",
                 engines.create("libre", {"url": f"http://127.0.0.1:{libre.server_address[1]}/"}, Path(cache))),
            ]
            for label, engine in engine_list:
                kept, total, lost = survival(engine, STATEMENTS, glossary)
                bare_kept, bare_total, _ = survival(engine, STATEMENTS, None)
                rows.append((label, kept, total, lost, bare_kept, bare_total))
    finally:
        apy_server.terminate()
        apy_server.wait(timeout=10)
        libre.shutdown()

    machine = describe()
    lines = [
        "# Pretranslation benchmark",
        "",
        f"Machine: {machine}.",
        "",
        "## Speed: Chorus with Apertium vs one raw `apertium` run",
        "",
        f"Corpus: {args.statements} statements written for the benchmark, {len(texts)} segments, {words} words, en→es.",
        f"Medians of {args.runs} runs, side by side in one run of the script.",
        "",
        "| what | median | ratio to raw |",
        "|---|---|---|",
        f"| raw `apertium -u eng-spa` over the segments (blank-line separated) | {raw:.3f} s | 1.00 |",
        f"| Chorus `pretranslate()` (memory + apertium, masking, all catalogs written) | {ours:.3f} s | {ratio:.2f} |",
        f"| the `chorus pretranslate` command (adds Python start-up and imports) | {command:.3f} s | {command / raw:.2f} |",
        "",
        f"Target ≤ {TARGET_RATIO:.2f}× for the pretranslation itself: "
        f"**{'met' if ratio <= TARGET_RATIO else 'NOT met'}** ({ratio:.2f}×; {drafted} segments drafted per run).",
        "",
        "## Protected terms",
        "",
        f"{len(STATEMENTS)} statements with names, acronyms, fixed glossary translations, URLs, e-mail",
        "addresses, hashtags, @handles and link references.",
        "",
        "| engine | survive with masking | survive without masking |",
        "|---|---|---|",
    ]
    for label, kept, total, lost, bare_kept, bare_total in rows:
        lines.append(f"| {label} | {kept}/{total} ({100 * kept / total:.0f} %) | "
                     f"{bare_kept}/{bare_total} ({100 * bare_kept / bare_total:.0f} %) |")
    all_kept = all(kept == total for _, kept, total, *_ in rows)
    lines += ["", f"Target 100 % with masking: **{'met' if all_kept else 'NOT met'}**."]
    for label, kept, total, lost, *_ in rows:
        if lost:
            lines.append(f"- lost by {label}: {', '.join(lost)}")
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
