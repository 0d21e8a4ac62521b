"""A real review server for the reliability tests: a project full of segments, an API token,
and gunicorn on a free loopback port. Helpers, not tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from chorus import catalog
from chorus.ingest import apply, plan_add
from chorus.project import Project

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]  # gunicorn imports webui from the checkout under test
LANG = "es"
PASSWORD = "reliable-volunteer-2024"


def make_project(root: Path, statements: int, sentences: int) -> Project:
    """``statements`` statements of ``sentences`` distinct sentences each, into Spanish."""
    project = Project.create(root, "en", [LANG])
    files = []
    for number in range(statements):
        lines = [f"Statement {number} of the harbour workers", ""]
        for start in range(0, sentences, 5):
            lines.append(" ".join(f"Sentence {k} of statement {number} stands with the dockers."
                                  for k in range(start, min(start + 5, sentences))))
            lines.append("")
        path = root.parent / f"statement-{number}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    apply(project, plan_add(project, files))
    return project


def api_token(project: Project, name: str = "writer") -> str:
    """An account made and a token issued with the real command, as an admin would."""
    chorus = str(BIN / "chorus")
    subprocess.run([chorus, "user", "add", name, "--role", "coordinator", "--password-stdin",
                    "--project", str(project.root)], input=PASSWORD + "\n", text=True, check=True,
                   capture_output=True)
    shown = subprocess.run([chorus, "user", "token", name, "--project", str(project.root)],
                           text=True, check=True, capture_output=True).stdout
    return re.findall(r"\S+", shown)[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    project: Project
    token: str
    workers: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log: Path | None = None  # the server's standard error goes here when given
    options: tuple[str, ...] = ()  # more gunicorn options (a worker class, threads)
    env: dict = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log else ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        return session

    def start(self, timeout: float = 30) -> "Server":
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "1", "--log-level", "warning", *self.options, "webui:create_app()"],
            env={**os.environ, "CHORUS_PROJECT": str(self.project.root), **self.env},
            cwd=REPO, stdout=subprocess.DEVNULL, start_new_session=True,
            stderr=self.log.open("ab") if self.log else subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        with self.session() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    said = self.process.stderr.read().decode() if self.process.stderr else self.log_text()
                    raise RuntimeError(f"gunicorn exited: {said[-2000:]}")
                try:
                    if session.get(f"{self.url}/api/statements", timeout=5).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("gunicorn did not answer in time")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a crash or the OOM killer would."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def segments(self, slug: str) -> list[dict]:
        with self.session() as session:
            response = session.get(f"{self.url}/api/statements/{slug}/{LANG}/segments", timeout=10)
            response.raise_for_status()
            return response.json()["segments"]

    def save(self, session: requests.Session, slug: str, seg_id: str, target: str, revision: str,
             timeout: float = 30) -> requests.Response:
        return session.put(f"{self.url}/api/statements/{slug}/{LANG}/segments/{seg_id}",
                           json={"target": target, "revision": revision}, timeout=timeout)


def from_address(session: requests.Session, address: str) -> requests.Session:
    """Make ``session`` connect from ``address`` (any of 127.0.0.0/8): volunteers behind
    different addresses, or several behind one, as the server sees them."""
    from requests.adapters import HTTPAdapter

    class Bound(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (address, 0)
            super().init_poolmanager(*args, **kwargs)

    session.mount("http://", Bound())
    return session


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(server: Server, session: requests.Session, name: str, password: str = PASSWORD) -> requests.Response:
    """Log in through the form, as a browser does (the answer is not followed)."""
    token = form_token(session.get(f"{server.url}/login", timeout=30).text)
    return session.post(f"{server.url}/login", data={"username": name, "password": password, "csrf_token": token},
                        allow_redirects=False, timeout=60)


def add_user(project: Project, name: str, role: str = "translator", langs: str = LANG) -> None:
    """An account made with the real command, as an admin would."""
    args = [str(BIN / "chorus"), "user", "add", name, "--role", role, "--password-stdin",
            "--project", str(project.root)]
    if role != "coordinator":
        args += ["--lang", langs]
    subprocess.run(args, input=PASSWORD + "\n", text=True, check=True, capture_output=True)


def msgfmt_errors(path: Path) -> str:
    result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    return "" if result.returncode == 0 else f"{path.name}: {result.stderr.strip()}"


def check_catalogs(project: Project) -> dict[tuple[str, str], str]:
    """Parse and ``msgfmt -c`` every catalog; return {(slug, segment id): msgstr}."""
    from chorus.editing import segment_id

    found: dict[tuple[str, str], str] = {}
    problems = []
    for slug in project.statements():
        path = project.catalog_path(slug, LANG)
        problems.append(msgfmt_errors(path))
        for entry in catalog.live_entries(catalog.read(path)):  # raises on a broken catalog
            found[(slug, segment_id(entry))] = entry.msgstr
    assert not any(problems), problems
    return found
