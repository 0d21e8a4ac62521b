"""Scale: what the pages cost as a project grows, now that they read the project index.

For 100, 1,000 and 5,000 statements × 3 languages, and 1,000 × 15 languages (documents from
bench/corpus.py, with datelines, some Markdown statements with deadlines, a mix of states and
one broken catalog), one project after the other:

- a cold rebuild of the index: ``chorus index --rebuild``, the whole command;
- gunicorn (2 sync workers) on loopback, one client: a static file (the baseline of the run),
  the dashboard (logged in), the statement list and searches (API token), warm (medians of
  interleaved rounds, so that a busy moment of the machine falls on all of them) and after a
  restart (the first request of a fresh server, median of several restarts);
- ``chorus status SLUG`` (the whole command), one save (PUT through the API), and the
  server's resident memory (master and workers) after the requests.

Targets (from 100 to 5,000 statements): dashboard, list, search and one statement's status
grow by at most 1.5×; at 5,000 the dashboard and a search take at most 10× the static file;
a cold rebuild from 15,000 catalogs takes under 30 s; server memory grows at most 2×.

    .venv/bin/python bench/bench_scale.py [--scales 100x3,1000x3,5000x3,1000x15] [--rounds 40]
                                          [--work DIR]   # keep the projects there between runs
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
from chorus import catalog  # noqa: E402
from chorus.ingest import add  # noqa: E402
from chorus.parallel import run_chunks  # noqa: E402
from chorus.project import Project  # noqa: E402
from chorus.users import UserStore  # noqa: E402
from corpus import build_corpus  # noqa: E402
from bench_webui_load import free_port  # noqa: E402
from machine import byte_compile, describe  # noqa: E402

RESULTS = HERE / "results" / "scale.md"
BIN = Path(sys.executable).parent
LANGS_3 = ["es", "fr", "de"]
LANGS_15 = ["es", "fr", "de", "it", "pt", "ca", "gl", "ro", "nl", "pl", "ru", "uk", "el", "tr", "ar"]
SCALES = {"100x3": (100, LANGS_3), "1000x3": (1000, LANGS_3), "5000x3": (5000, LANGS_3),
          "1000x15": (1000, LANGS_15)}
QUERIES = ["warranty", '"free software"', "copyright holders", "permission notice", "redistribution*",
           "es: software"]
PASSWORD = "a long bench password"
WORKERS = 2
TIMEOUT = 120
START = dt.date(2012, 1, 1)


# --- the projects ---------------------------------------------------------------------------------


def write_statements(docs: list[Path], inbox: Path) -> list[Path]:
    """The corpus documents as statements: a dateline and a title line, every 25th in Markdown
    with front matter and a deadline in the coming weeks."""
    inbox.mkdir(parents=True, exist_ok=True)
    files = []
    today = dt.date.today()
    for number, doc in enumerate(docs):
        body = doc.read_text(encoding="utf-8")
        date = START + dt.timedelta(days=number)
        title = f"Statement {number}: " + " ".join(body.split()[:5]).rstrip(".,;:")
        if number % 25 == 0:
            deadline = today + dt.timedelta(days=number % 40)
            text = f"---\ntitle: \"{title}\"\ndate: {date.isoformat()}\ndeadline: {deadline.isoformat()}\n---\n\n{body}"
            path = inbox / f"doc-{number:05d}.md"
        else:
            text = f"{date.day} {date.strftime('%B %Y')}\n\n{title}\n\n{body}"
            path = inbox / f"doc-{number:05d}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def _fill(project: Project, slugs: list[str]) -> int:
    """A mix of states, by statement number: a tenth approved in every language (ready), three
    tenths 60% translated and 20% drafts, three tenths 30% drafts, the rest untouched."""
    files = []
    for slug in slugs:
        kind = int(slug.rsplit("-", 1)[1]) % 10
        if kind >= 7:
            continue
        for lang in project.config.langs:
            path = project.catalog_path(slug, lang)
            po = catalog.read(path)
            entries = catalog.live_entries(po)
            count = len(entries)
            for position, entry in enumerate(entries):
                share = position / count
                if kind == 0:
                    state = "approved"
                elif kind <= 3:
                    state = "translated" if share < 0.6 else "fuzzy" if share < 0.8 else None
                else:
                    state = "fuzzy" if share < 0.3 else None
                if state:
                    entry.msgstr = f"{lang}: " + " ".join(reversed(entry.msgid.split()))
                    catalog.set_state(entry, state)
            files.append((path, catalog.render(po)))
    catalog.write_many(files)
    return len(files)


def build_project(folder: Path, docs: list[Path], count: int, langs: list[str]) -> Project:
    if (folder / "ready").exists():
        return Project.load(folder)
    shutil.rmtree(folder, ignore_errors=True)
    project = Project.create(folder, "en", langs)
    files = write_statements(docs[:count], folder.parent / f"{folder.name}-inbox")
    workers = os.cpu_count() or 1
    add(project, files, workers=workers)
    for _ in run_chunks(functools.partial(_fill, project), project.statements(), workers, chunk=25):
        pass
    broken = project.catalog_path(project.statements()[7], langs[0])  # one broken catalog, as in life
    data = broken.read_bytes()
    broken.write_bytes(data[:data.index(b'\nmsgid "', data.index(b'\nmsgid "') + 1) + 12])
    accounts = UserStore.for_project(project)
    accounts.add("bench", PASSWORD, role="coordinator")
    (folder / "token").write_text(accounts.new_token("bench"), encoding="utf-8")
    (folder / "ready").write_text("built\n", encoding="utf-8")
    return project


# --- the server -------------------------------------------------------------------------------------


@dataclass
class Server:
    project: Project
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "--timeout", "300", "webui:create_app()"],
            cwd=REPO, env={**os.environ, "CHORUS_PROJECT": str(self.project.root)}, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(self.children()) == WORKERS and self._accepts():
                time.sleep(1.5)  # the workers load the app as they boot; let them finish
                return
            time.sleep(0.1)
        raise SystemExit("gunicorn did not start within 60 s")

    def _accepts(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def children(self) -> list[int]:
        found = []
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def memory_mb(self) -> float:
        total = 0
        for pid in [self.process.pid, *self.children()]:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return total / 1024

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def login(server: Server) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{server.url}/login", timeout=TIMEOUT).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(f"{server.url}/login", data={"username": "bench", "password": PASSWORD,
                                                         "csrf_token": token}, timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return session


def timed(session: requests.Session, url: str, method: str = "GET", **kwargs) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    response = session.request(method, url, timeout=TIMEOUT, **kwargs)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
    return elapsed, response


# --- one scale ---------------------------------------------------------------------------------------


def command_seconds(*args: str, cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run([str(BIN / "chorus"), *args], cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0,):
        raise SystemExit(f"chorus {' '.join(args)} exited {result.returncode}: {result.stderr.decode()[-400:]}")
    return elapsed


@dataclass
class Scale:
    """One project under test, its server and its figures."""

    name: str
    project: Project
    figures: dict = field(default_factory=dict)
    server: Server | None = None
    browser: requests.Session | None = None
    api: requests.Session | None = None
    times: dict = field(default_factory=lambda: {key: [] for key in (
        "static", "dashboard", "list", "search", "save", "status", "rebuild", "dashboard_restart", "list_restart")})

    @property
    def slug(self) -> str:
        statements = self.project.statements()
        return statements[len(statements) // 2]

    def start(self, port: int | None = None) -> None:
        self.server = Server(self.project, port) if port else Server(self.project)
        self.server.start()


def measure(scales: list[Scale], rounds: int, restarts: int) -> None:
    """Every measurement goes round the scales in turn, so that a busy moment of the machine
    falls on all of them: the rebuilds (twice), the status command, then the servers side by
    side (warm rounds, saves, restarts)."""
    for _ in range(2):
        for scale in scales:
            scale.times["rebuild"].append(command_seconds("index", "--rebuild", cwd=scale.project.root))
    for _ in range(7):
        for scale in scales:
            scale.times["status"].append(command_seconds("status", scale.slug, cwd=scale.project.root))
    try:
        for scale in scales:
            scale.start()
            scale.browser = login(scale.server)
            scale.api = requests.Session()
            scale.api.headers["Authorization"] = "Bearer " + (scale.project.root / "token").read_text().strip()
        for number in range(rounds):
            page = 1 + number % 5
            for scale in scales:
                url, times = scale.server.url, scale.times
                times["static"].append(timed(scale.api, f"{url}/static/style.css")[0])
                times["dashboard"].append(timed(scale.browser, f"{url}/?page={page}")[0])
                times["list"].append(timed(scale.api, f"{url}/api/statements?page={page}")[0])
                query = {"q": QUERIES[number % len(QUERIES)]}
                times["search"].append(timed(scale.api, f"{url}/api/search", params=query)[0])
        for scale in scales:
            scale.figures["memory"] = scale.server.memory_mb()
        segments = {scale.name: segments_of(scale) for scale in scales}
        for number in range(min(rounds, 20)):
            for scale in scales:
                scale.times["save"].append(save_one(scale, segments[scale.name], number))
        for _ in range(restarts):
            for scale in scales:
                scale.server.stop()
                scale.start(scale.server.port)
                scale.times["dashboard_restart"].append(timed(scale.browser, f"{scale.server.url}/")[0])
                scale.times["list_restart"].append(timed(scale.api, f"{scale.server.url}/api/statements")[0])
    finally:
        for scale in scales:
            if scale.server:
                scale.server.stop()
    for scale in scales:
        statements = len(scale.project.statements())
        scale.figures.update(statements=statements, langs=len(scale.project.config.langs),
                             catalogs=statements * len(scale.project.config.langs))
        for key, values in scale.times.items():
            warm = values[2:] if key in ("static", "dashboard", "list", "search") else values
            scale.figures[key] = statistics.median(warm)  # the first rounds warm the workers up


def segments_of(scale: Scale) -> list[dict]:
    lang = scale.project.config.langs[-1]
    url = f"{scale.server.url}/api/statements/{scale.slug}/{lang}/segments"
    return scale.api.get(url, timeout=TIMEOUT).json()["segments"]


def save_one(scale: Scale, segments: list[dict], number: int) -> float:
    lang = scale.project.config.langs[-1]
    segment = segments[number % len(segments)]
    elapsed, response = timed(scale.api, f"{scale.server.url}/api/statements/{scale.slug}/{lang}/segments/"
                                         f"{segment['id']}", "PUT",
                              json={"target": f"bench {number} {segment['source'][:30]}",
                                    "revision": segment["revision"]})
    segment["revision"] = response.json()["revision"]
    return elapsed


# --- the report -----------------------------------------------------------------------------------------

ROWS = [
    ("catalogs", "catalogs", "{:,.0f}"),
    ("cold rebuild of the index (`chorus index --rebuild`, median of 2), s", "rebuild", "{:.1f}"),
    ("static file p50, ms (baseline)", "static", "ms"),
    ("dashboard p50, ms (warm)", "dashboard", "ms"),
    ("dashboard, first request after a restart, ms", "dashboard_restart", "ms"),
    ("statement list (`/api/statements`) p50, ms (warm)", "list", "ms"),
    ("statement list, first request after a restart, ms", "list_restart", "ms"),
    ("search (`/api/search`) p50, ms", "search", "ms"),
    ("`chorus status SLUG`, s (whole command, median of 7)", "status", "{:.2f}"),
    ("one save (PUT through the API) p50, ms", "save", "ms"),
    ("server memory (master + 2 workers), MB", "memory", "{:.0f}"),
    ("dashboard ÷ static", "dashboard/static", "{:.1f}×"),
    ("search ÷ static", "search/static", "{:.1f}×"),
]


def cell(figures: dict, key: str, style: str) -> str:
    if "/" in key:
        top, bottom = key.split("/")
        value = figures[top] / figures[bottom]
    else:
        value = figures.get(key)
    if value is None:
        return "—"
    return f"{value * 1000:.1f}" if style == "ms" else style.format(value)


def verdicts(results: dict[str, dict]) -> list[str]:
    lines = []
    small, large = results.get("100x3"), results.get("5000x3")
    if small and large:
        for name, key in (("dashboard", "dashboard"), ("statement list", "list"), ("search", "search"),
                          ("`chorus status SLUG`", "status")):
            growth = large[key] / small[key]
            lines.append(f"- {name} from 100 to 5,000 statements: {growth:.2f}× (target ≤ 1.5×): "
                         f"{'met' if growth <= 1.5 else '**missed**'}")
        for name, key in (("dashboard", "dashboard"), ("search", "search")):
            ratio = large[key] / large["static"]
            lines.append(f"- {name} at 5,000 statements: {ratio:.1f}× the static file (target ≤ 10×): "
                         f"{'met' if ratio <= 10 else '**missed**'}")
        growth = large["memory"] / small["memory"]
        lines.append(f"- server memory from 100 to 5,000 statements: {growth:.2f}× (target ≤ 2×): "
                     f"{'met' if growth <= 2 else '**missed**'}")
    for name in ("5000x3", "1000x15"):
        if name in results:
            seconds = results[name]["rebuild"]
            lines.append(f"- cold rebuild from {results[name]['catalogs']:,} catalogs ({name}): {seconds:.1f} s "
                         f"(target < 30 s): {'met' if seconds < 30 else '**missed**'}")
    return lines


def report(results: dict[str, dict], rounds: int, restarts: int, load: str) -> str:
    names = list(results)
    header = "| | " + " | ".join(f"{results[n]['statements']:,} × {results[n]['langs']}" for n in names) + " |"
    lines = [
        "# Scale: pages with the project index",
        "",
        f"Machine: {describe()}. Load average before the run: {load}.",
        f"Each project has its own gunicorn ({WORKERS} sync workers, on 127.0.0.1), all of them running side by "
        f"side; one client. Every measurement goes round the projects in turn, so that the machine's busy "
        f"moments fall on all of them alike. Warm figures are medians of {rounds} rounds (a static file, the "
        f"dashboard page 1–5 logged in, the statement list page 1–5 with a token, one search of {len(QUERIES)} in "
        f"turn: {', '.join(f'`{q}`' for q in QUERIES)}), the first two rounds left out; first requests after a "
        f"restart are medians of {restarts} restarts; saves, of 20. Commands are timed whole (process start "
        f"included). Each project has datelines, a deadline on every 25th statement, a mix of states and one "
        f"broken catalog.",
        "",
        header,
        "|---|" + "---|" * len(names),
    ]
    for label, key, style in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(results[n], key, style) for n in names) + " |")
    lines += ["", "Targets:", "", *verdicts(results), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(SCALES), help="comma separated, from " + ", ".join(SCALES))
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--work", type=Path, help="build the projects here and keep them for the next run")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.scales.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCALES]
    if unknown:
        raise SystemExit(f"unknown scale {unknown[0]} (use {', '.join(SCALES)})")
    byte_compile()
    work = args.work or Path(tempfile.mkdtemp(prefix="chorus-scale-bench-"))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    try:
        largest = max(SCALES[name][0] for name in chosen)
        docs = sorted((work / "corpus").glob("doc-*.txt"))
        if len(docs) < largest:
            docs = build_corpus(work / "corpus", count=largest)
        scales = []
        for name in chosen:
            count, langs = SCALES[name]
            print(f"{name}: building the project…", flush=True)
            scales.append(Scale(name, build_project(work / name, docs, count, langs)))
        print("measuring…", flush=True)
        measure(scales, max(5, args.rounds), max(1, args.restarts))
        results = {scale.name: scale.figures for scale in scales}
        for name, figures in results.items():
            print(f"{name}: {figures}", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    text = report(results, args.rounds, args.restarts, load)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
