"""Helpers for the git tests: a private git configuration, bare remotes, clones, and a smart-HTTP
git server that asks for a password. Helpers, not tests."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from chorus.project import Project
from conftest import CHORUS, msgfmt_check

STATEMENT = """Stop the Attacks on the Harbour Workers

We stand with the dockers of the northern harbour. For three weeks they have held the gates.

An injury to one is an injury to all!

Solidarity with the harbour workers!
"""
SLUG = "harbour"
MARKERS = re.compile(rb"^(<{7}|>{7}|={7})( |$)", re.M)


def isolate(environ: dict, folder: Path) -> dict:
    """An environment where git reads no user or system configuration (no identity, no
    credential helper): what a fresh server has."""
    config = folder / "gitconfig"
    config.touch()
    env = {key: value for key, value in environ.items() if not key.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_"))}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")
    return env


def git(cwd: Path, *args: str, check: bool = True, env: dict | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LC_ALL": "C", **(env or {})})
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


def chorus(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """The installed ``chorus`` command, as a user runs it."""
    return subprocess.run([str(CHORUS), *args], cwd=cwd, input=input, capture_output=True, text=True,
                          timeout=300, env=os.environ.copy())


def bare_remote(folder: Path) -> Path:
    remote = folder / "remote.git"
    git(folder, "init", "-q", "--bare", "-b", "main", str(remote))
    return remote


def first_host(folder: Path, remote: Path, name: str = "a", langs: str = "es,fr", settings: str = "") -> Project:
    """``chorus init --git``, a remote, the statement added and pushed."""
    root = folder / name
    done = chorus("init", str(root), "--langs", langs, "--git")
    assert done.returncode == 0, done.stderr
    if settings:
        config = root / "chorus.toml"
        config.write_text(re.sub(r"(?ms)^\[git\].*", "[git]\n" + settings, config.read_text(encoding="utf-8")),
                          encoding="utf-8")
        git(root, "commit", "-q", "-am", "Settings for the tests", env=identity("Coordinator"))
    git(root, "remote", "add", "origin", str(remote))
    source = folder / f"{SLUG}.txt"
    source.write_text(STATEMENT, encoding="utf-8")
    done = chorus("add", str(source), "--project", str(root))
    assert done.returncode == 0, done.stderr
    done = chorus("sync", "--project", str(root))
    assert done.returncode == 0, done.stderr
    return Project.load(root)


def clone(folder: Path, remote: Path, name: str) -> Project:
    git(folder, "clone", "-q", "-b", "main", str(remote), name)
    return Project.load(folder / name)


def identity(name: str, email: str | None = None) -> dict:
    email = email or f"{name.lower().replace(' ', '.')}@example.org"
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email}


def state_of(root: Path) -> dict:
    """What "changes nothing locally" compares: HEAD, the branch, git status and every file."""
    files = {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
             if path.is_file() and ".git" not in path.relative_to(root).parts
             and ".chorus" not in path.relative_to(root).parts and not path.name.endswith(".lock")}
    return {"head": git(root, "rev-parse", "HEAD"), "branch": git(root, "symbolic-ref", "-q", "HEAD", check=False),
            "status": git(root, "status", "--porcelain"), "files": files,
            "merging": (root / ".git" / "MERGE_HEAD").exists()}


def assert_clean_catalogs(root: Path) -> None:
    """No conflict markers in any file, and every catalog passes msgfmt -c."""
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            assert not MARKERS.search(path.read_bytes()), f"conflict markers in {path}"
    for path in (root / "translations").rglob("*.po"):
        msgfmt_check(path)


class GitHttpServer:
    """git's smart HTTP protocol (``git http-backend``) behind Basic authentication: the right
    user name and password, or a 401 as a forge answers."""

    def __init__(self, folder: Path, user: str, password: str):
        self.folder = folder
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        server_folder = folder

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.answer()

            def do_POST(self):
                self.answer()

            def answer(self):
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = {**os.environ, "GIT_PROJECT_ROOT": str(server_folder), "GIT_HTTP_EXPORT_ALL": "1",
                       "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": self.command,
                       "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                       "REMOTE_USER": user, "REMOTE_ADDR": "127.0.0.1"}
                done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60)
                head, _, payload = done.stdout.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.decode("latin-1").split("\r\n"):
                    key, _, value = line.partition(": ")
                    if key.lower() == "status":
                        status = int(value.split()[0])
                    elif key:
                        headers.append((key, value))
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, name: str, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.server.server_address[1]}/{name}"

    def __enter__(self) -> "GitHttpServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
