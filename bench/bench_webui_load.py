"""Review UI under load: N volunteers saving at once through gunicorn, on loopback.

Each volunteer is an account with an API token and its own segments (spread over every
statement, so several volunteers write the same catalog at the same time). Each saves its
segments again and again with the revision it got back from its previous save. Measured:
save latency (PUT through the API: lock, read, write, fsync, history) against a plain GET
of a static file and a GET of one segment, on the same server in the same run. A save that
was answered 200 but whose text is not in the catalog at the end is a lost save (must be 0).
Then a contention round: all volunteers edit the same segment with the same revision; exactly
one may win, the others must get 409.

With ``--notify`` the project tells people as it would in production: ``[notify]`` sends mail
to a local SMTP server and events to a local webhook receiver (both in this process), every
account has an address, and the app's queue consumer delivers them while the volunteers save;
a save only queues its events.

    .venv/bin/python bench/bench_webui_load.py [--volunteers 8] [--rounds 25] [--workers 4] [--notify]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
from chorus import catalog  # noqa: E402
from chorus.ingest import apply, plan_add  # noqa: E402
from chorus.project import Project  # noqa: E402
from chorus.users import UserStore  # noqa: E402
from machine import describe  # noqa: E402

RESULTS = HERE / "results" / "webui_load.md"
TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_project(folder: Path, volunteers: int, notify: "Listeners | None" = None) -> tuple[Project, list[str]]:
    project = Project.create(folder, "en", ["es"])
    sources = REPO / "source"
    apply(project, plan_add(project, sorted(sources.glob("*.txt")) + sorted(sources.glob("*.md"))))
    accounts = UserStore.for_project(project)
    tokens = []
    for number in range(volunteers):
        name = f"volunteer{number}"
        accounts.add(name, "a long password", role="translator", langs=["es"],
                     **({"email": f"{name}@example.org"} if notify else {}))
        tokens.append(accounts.new_token(name))
    if notify:
        accounts.add("reviewer", "a long password", role="reviewer", langs=["es"], email="reviewer@example.org")
        accounts.add("coordinator", "a long password", role="coordinator", email="coordinator@example.org")
        config = project.root / "chorus.toml"
        config.write_text(config.read_text(encoding="utf-8") + notify.settings(), encoding="utf-8")
    return project, tokens


class Listeners:
    """A local SMTP server and a local webhook receiver, counting what they get."""

    SECRET = "whsec_" + "YmVuY2htYXJrIHNlY3JldCBvZiAzMiBieXRlcyEhISE="

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from aiosmtpd.controller import Controller

        self.mails = 0
        self.events = 0
        listeners = self

        class Mail:
            async def handle_DATA(self, server, session, envelope):
                listeners.mails += 1
                return "250 OK"

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                listeners.events += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.smtp = Controller(Mail(), hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        self.http = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def settings(self) -> str:
        return (f'\n[notify]\nsmtp_host = "127.0.0.1"\nsmtp_port = {self.smtp.port}\n'
                f'from = "Chorus <chorus@example.org>"\n'
                f'webhooks = ["http://127.0.0.1:{self.http.server_port}/hook"]\nwebhook_secret = "{self.SECRET}"\n')

    def close(self) -> None:
        self.smtp.stop()
        self.http.shutdown()


def start_gunicorn(project: Project, port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "webui:create_app()"],
        cwd=REPO, env={**os.environ, "CHORUS_PROJECT": str(project.root)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Volunteer(threading.Thread):
    def __init__(self, base: str, token: str, number: int, segments: list[dict], rounds: int):
        super().__init__()
        self.base, self.number, self.rounds = base, number, rounds
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.segments = segments  # dicts with slug, id, revision
        self.save_times: list[float] = []
        self.get_times: list[float] = []
        self.static_times: list[float] = []
        self.last_saved: dict[tuple[str, str], str] = {}
        self.errors: list[str] = []

    def run(self) -> None:
        for round_number in range(self.rounds):
            for segment in self.segments:
                self._timed(self.static_times, "GET", "/static/style.css")
                self._timed(self.get_times, "GET", f"/api/statements/{segment['slug']}/es/segments/{segment['id']}")
                text = f"v{self.number} r{round_number} {segment['source'][:40]}"
                response = self._timed(self.save_times, "PUT", f"/api/statements/{segment['slug']}/es/segments/{segment['id']}",
                                       json={"target": text, "revision": segment["revision"]})
                if response is not None and response.status_code == 200:
                    segment["revision"] = response.json()["revision"]
                    self.last_saved[(segment["slug"], segment["source"])] = text
                elif response is not None:
                    self.errors.append(f"save answered {response.status_code}: {response.text[:100]}")

    def _timed(self, times: list[float], method: str, path: str, **kwargs):
        start = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            self.errors.append(f"{method} {path}: {error}")
            return None
        times.append(time.perf_counter() - start)
        if method == "GET" and response.status_code != 200:
            self.errors.append(f"{method} {path} answered {response.status_code}")
        return response


def all_segments(base: str, token: str, slugs: list[str]) -> list[dict]:
    found = []
    headers = {"Authorization": f"Bearer {token}"}
    for slug in slugs:
        body = requests.get(f"{base}/api/statements/{slug}/es/segments", headers=headers, timeout=TIMEOUT).json()
        found += [{"slug": slug, "id": s["id"], "revision": s["revision"], "source": s["source"]} for s in body["segments"]]
    return found


def contention(base: str, tokens: list[str], segment: dict) -> tuple[int, int, int]:
    """Everyone saves the same segment with the same revision at once: (200s, 409s, others)."""
    current = requests.get(f"{base}/api/statements/{segment['slug']}/es/segments/{segment['id']}",
                           headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=TIMEOUT).json()
    codes: list[int] = []
    barrier = threading.Barrier(len(tokens))

    def save(number: int, token: str):
        barrier.wait()
        response = requests.put(f"{base}/api/statements/{segment['slug']}/es/segments/{segment['id']}",
                                json={"target": f"contended by {number}", "revision": current["revision"]},
                                headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        codes.append(response.status_code)

    threads = [threading.Thread(target=save, args=(n, t)) for n, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes.count(200), codes.count(409), len(codes) - codes.count(200) - codes.count(409)


def catalog_texts(project: Project) -> dict[tuple[str, str], str]:
    return {(slug, entry.msgid): entry.msgstr
            for slug in project.statements()
            for entry in catalog.live_entries(catalog.read(project.catalog_path(slug, "es")))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=25, help="times each volunteer saves each of its segments")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--notify", action="store_true", help="mail and webhooks on, delivered by the app's queue")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chorus-webui-bench-"))
    listeners = Listeners() if args.notify else None
    try:
        return run(folder, args.volunteers, max(1, args.rounds), max(1, args.workers), listeners)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if listeners:
            listeners.close()


def run(folder: Path, volunteers: int, rounds: int, workers: int, listeners: Listeners | None = None) -> int:
    project, tokens = make_project(folder / "project", volunteers, listeners)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(project, port, workers)
    try:
        segments = all_segments(base, tokens[0], project.statements())
        shares = [segments[number::volunteers] for number in range(volunteers)]
        crowd = [Volunteer(base, tokens[n], n, shares[n], rounds) for n in range(volunteers)]
        start = time.perf_counter()
        for volunteer in crowd:
            volunteer.start()
        for volunteer in crowd:
            volunteer.join()
        elapsed = time.perf_counter() - start
        expected = {key: text for volunteer in crowd for key, text in volunteer.last_saved.items()}
        final = catalog_texts(project)  # read before the contention round changes one segment
        lost = sum(1 for key, text in expected.items() if final.get(key) != text)
        won, refused, other = contention(base, tokens, segments[0])
        if listeners:  # what the queue delivered meanwhile, and what it still had to
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (listeners.mails < 3 or listeners.events < 3):
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)

    msgfmt = [subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(project.catalog_path(slug, "es"))],
                             capture_output=True).returncode for slug in project.statements()]
    saves = [t for v in crowd for t in v.save_times]
    gets = [t for v in crowd for t in v.get_times]
    statics = [t for v in crowd for t in v.static_times]
    errors = [e for v in crowd for e in v.errors]
    notified = None
    if listeners:
        notified = (f"Notifications on: `[notify]` sends mail to a local SMTP server and events to a local "
                    f"webhook receiver; the app's queue consumer (one gunicorn worker) delivered "
                    f"{listeners.mails} mails and {listeners.events} webhook calls (each catalog becoming ready "
                    f"for review). A save only queues its events.")
    report(volunteers, rounds, workers, len(segments), elapsed, saves, gets, statics, lost, len(expected),
           (won, refused, other), errors, all(code == 0 for code in msgfmt), notified)
    ok = lost == 0 and not errors and won == 1 and other == 0 and all(code == 0 for code in msgfmt)
    return 0 if ok else 1


def report(volunteers, rounds, workers, segment_count, elapsed, saves, gets, statics, lost, segments_saved,
           contended, errors, msgfmt_ok, notified: str | None = None) -> None:
    def ms(values, share):
        return percentile(values, share) * 1000

    static_p50 = ms(statics, 0.5)
    rows = [("PUT segment (save)", saves), ("GET segment (API)", gets), ("GET /static/style.css (plain)", statics)]
    lines = [
        "# Review UI under load",
        "",
        f"Machine: {describe()}",
        f"Server: gunicorn, {workers} sync workers, on 127.0.0.1. {volunteers} volunteers (threads, one HTTP "
        f"session each, API tokens) saving {segment_count} segments of 3 statements in one language "
        f"({rounds} rounds each; every volunteer has its own segments, so several write the same catalog at once). "
        f"Each round a volunteer also makes a plain GET and a segment GET, so all three are measured under the same load.",
        "",
        *([notified, ""] if notified else []),
        "| request | count | p50 ms | p99 ms | p50 vs plain GET |",
        "|---|---|---|---|---|",
    ]
    for name, values in rows:
        lines.append(f"| {name} | {len(values)} | {ms(values, 0.5):.1f} | {ms(values, 0.99):.1f} | "
                     f"{ms(values, 0.5) / static_p50:.1f}× |")
    won, refused, other = contended
    lines += [
        "",
        f"Saves per second overall: {len(saves) / elapsed:.0f} ({elapsed:.1f} s for {len(saves)} saves).",
        f"Lost saves: **{lost}** of {segments_saved} segments checked against the last save answered 200.",
        f"Contention (all {volunteers} volunteers save one segment with the same revision at once): "
        f"{won} saved, {refused} answered 409, {other} other.",
        f"Catalogs pass `msgfmt -c` afterwards: {'yes' if msgfmt_ok else 'NO'}. Errors: {len(errors)}.",
        "",
        "A save costs a file lock, a parse of the catalog, a history row written before the catalog and"
        " confirmed after it, and an atomic write with fsync, so it is slower than a GET; the lock is per"
        " catalog, so volunteers on different statements do not wait for each other.",
    ]
    if errors:
        lines += ["", "First errors:", *[f"- {error}" for error in errors[:5]]]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    raise SystemExit(main())
