"""Two hosts for real: a bare repository, ``chorus serve`` on one clone and gunicorn with three
workers on another, ``sync_interval = 5``. Volunteers save on both (different segments, and one
segment on both while the remote cannot be reached); both hosts reach the same commit on their
own, every acknowledged save is there, no conflict markers, every catalog passes msgfmt -c and
git log names the volunteers. Then a translator's clone, edited with gettext's own tools and
pushed, is picked up by both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from chorus import catalog, pomerge
from chorus.project import Project
from conftest import CHORUS, REPO
from git_helpers import SLUG, assert_clean_catalogs, bare_remote, chorus, clone, first_host, git, identity

PASSWORD = "a-long-enough-password"
CONVERGE = 90  # seconds both hosts have to reach the same commit on their own
SETTINGS = 'remote = "origin"\nsync_interval = 5\nemail_domain = "volunteers.example.org"\ncommit_window = 60\n'


@pytest.fixture(autouse=True)
def private_git(tmp_path, monkeypatch):
    config = tmp_path / "gitconfig"
    config.touch()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Host:
    """One clone served for real, with its volunteers' API tokens."""

    def __init__(self, project: Project, volunteers: list[str], gunicorn: bool, log: Path):
        self.project, self.root = project, project.root
        self.tokens = {}
        for name in volunteers:
            done = chorus("user", "add", name, "--role", "reviewer", "--password-stdin", "--project", str(self.root),
                          input=PASSWORD + "\n")
            assert done.returncode == 0, done.stderr
            shown = chorus("user", "token", name, "--project", str(self.root)).stdout
            self.tokens[name] = re.findall(r"\S+", shown)[-1]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        if gunicorn:
            command = [str(Path(sys.executable).with_name("gunicorn")), "-w", "3", "-b", f"127.0.0.1:{self.port}",
                       "--timeout", "120", "webui:create_app()"]
        else:
            command = [str(CHORUS), "serve", "--port", str(self.port), "--project", str(self.root)]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                                        env={**os.environ, "CHORUS_PROJECT": str(self.root)})
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/login", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise AssertionError(f"server did not start: {log.read_text(errors='replace')}")

    def api(self, user: str, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.url + path, headers={"Authorization": f"Bearer {self.tokens[user]}"},
                                timeout=60, **kwargs)

    def segments(self, user: str) -> list[dict]:
        response = self.api(user, "GET", f"/api/statements/{SLUG}/es/segments")
        assert response.status_code == 200, response.text
        return response.json()["segments"]

    def save(self, user: str, index: int, text: str) -> requests.Response:
        segment = self.segments(user)[index]
        return self.api(user, "PUT", f"/api/statements/{SLUG}/es/segments/{segment['id']}",
                        json={"target": text, "revision": segment["revision"]})

    def approve(self, user: str, index: int) -> requests.Response:
        segment = self.segments(user)[index]
        return self.api(user, "POST", f"/api/statements/{SLUG}/es/segments/{segment['id']}/approve")

    def status(self) -> dict:
        return self.api(next(iter(self.tokens)), "GET", "/api/sync").json()

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD")

    def entries(self) -> dict:
        return {entry.msgid: entry for entry in catalog.read(self.project.catalog_path(SLUG, "es"))
                if not entry.obsolete}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def converged(hosts: list[Host], remote: Path, seconds: float = CONVERGE, extra=lambda: True) -> float:
    """Wait until every host has the remote's commit, nothing waiting to commit, a clean work
    tree (and ``extra()``); the seconds it took."""
    start = time.time()
    while time.time() - start < seconds:
        heads = {host.head() for host in hosts} | {git(remote, "rev-parse", "main")}
        if len(heads) == 1 and all(host.status()["pending"] == 0 and host.status()["error"] is None
                                   and git(host.root, "status", "--porcelain") == "" for host in hosts) and extra():
            return time.time() - start
        time.sleep(1)
    details = "\n".join(f"{host.url}: {host.head()} {host.status()}\n{host.log.read_text(errors='replace')[-3000:]}"
                        for host in hosts)
    raise AssertionError(f"no common commit after {seconds} s (remote {git(remote, 'rev-parse', 'main')}):\n{details}")


def test_two_served_hosts_sync_on_their_own(tmp_path):
    remote = bare_remote(tmp_path)
    project_a = first_host(tmp_path, remote, settings=SETTINGS)
    project_b = clone(tmp_path, remote, "b")
    a = Host(project_a, ["ana", "bob"], gunicorn=False, log=tmp_path / "a.log")
    b = Host(project_b, ["carla", "dan"], gunicorn=True, log=tmp_path / "b.log")
    hosts = [a, b]
    try:
        # --- different segments of one catalog, on both hosts --------------------------------
        acknowledged = []
        for host, user, index, text in ((a, "ana", 0, "Paren los ataques contra los trabajadores del puerto"),
                                        (b, "carla", 1, "Estamos con los estibadores del puerto del norte."),
                                        (b, "dan", 3, "¡Un daño a uno es un daño a todos!")):
            response = host.save(user, index, text)
            assert response.status_code == 200, response.text
            acknowledged.append((index, text))
        assert a.approve("bob", 0).status_code == 200
        took = converged(hosts, remote)
        print(f"different segments: both hosts on one commit after {took:.1f} s")
        for host in hosts:
            found = host.entries()
            texts = [entry.msgstr for entry in found.values()]
            for _, text in acknowledged:
                assert text in texts
            assert catalog.state(found["Stop the Attacks on the Harbour Workers"]) == "approved"

        # --- one segment on both hosts, while the remote cannot be reached ------------------
        hidden = tmp_path / "away.git"
        remote.rename(hidden)
        deadline = time.time() + 30
        while time.time() < deadline and not all(host.status()["error_kind"] == "unreachable" for host in hosts):
            time.sleep(0.5)
        assert all(host.status()["error_kind"] == "unreachable" for host in hosts)
        page = requests.Session()
        login = page.get(a.url + "/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', login).group(1)
        page.post(a.url + "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
        shown = page.get(a.url + "/").text
        assert re.search(r"Last synced (just now|\d+ minutes? ago): the last try failed", shown), shown[:2000]
        first = b.save("dan", 2, "Llevan tres semanas en las puertas.")
        time.sleep(1.5)
        later = a.save("bob", 2, "Desde hace tres semanas sostienen las puertas.")
        assert first.status_code == 200 and later.status_code == 200
        hidden.rename(remote)
        took = converged(hosts, remote)
        print(f"one segment on both: both hosts on one commit {took:.1f} s after the remote came back")
        for host in hosts:
            entry = host.entries()["For three weeks they have held the gates."]
            assert entry.msgstr == "Desde hace tres semanas sostienen las puertas."
            assert [(alt.author, alt.text) for alt in pomerge.alternatives(entry)] == [
                ("dan", "Llevan tres semanas en las puertas.")]
            for index, text in acknowledged:
                assert host.entries()[host.segments(next(iter(host.tokens)))[index]["source"]].msgstr == text
            assert_clean_catalogs(host.root)
        review = page.get(a.url + f"/review/{SLUG}/es").text
        assert "other version by dan" in review and "Llevan tres semanas en las puertas." in review
        authors = set(git(a.root, "log", "--format=%an").splitlines())
        assert {"ana", "bob", "carla", "dan"} <= authors
        emails = set(git(a.root, "log", "--format=%ae").splitlines())
        assert "carla@volunteers.example.org" in emails

        # --- a translator's clone, edited with gettext's tools, pushed -----------------------
        c = clone(tmp_path, remote, "poedit")
        path = c.catalog_path(SLUG, "es")
        text = path.read_text(encoding="utf-8")
        text = text.replace('msgid "Solidarity with the harbour workers!"\nmsgstr ""',
                            'msgid "Solidarity with the harbour workers!"\nmsgstr "¡Solidaridad con los portuarios!"')
        path.write_text(text, encoding="utf-8")
        subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)  # rewritten as gettext writes it
        assert "# chorus: approved" in path.read_text(encoding="utf-8")  # gettext keeps the approval comment
        git(c.root, "commit", "-q", "-am", "Spanish: the closing slogan", env=identity("Poedit Translator"))
        git(c.root, "push", "-q", "origin", "main")

        def picked_up() -> bool:
            return all(host.entries()["Solidarity with the harbour workers!"].msgstr
                       == "¡Solidaridad con los portuarios!" for host in hosts)

        took = converged(hosts, remote, extra=picked_up)
        print(f"translator's push: on both hosts after {took:.1f} s")
        for host in hosts:
            found = host.entries()
            assert catalog.state(found["Stop the Attacks on the Harbour Workers"]) == "approved"  # kept
            api = {s["source"]: s for s in host.segments(next(iter(host.tokens)))}
            assert api["Solidarity with the harbour workers!"]["target"] == "¡Solidaridad con los portuarios!"
            assert_clean_catalogs(host.root)
        assert "Poedit Translator" in git(b.root, "log", "--format=%an").splitlines()
    finally:
        for host in hosts:
            host.stop()
    for host in hosts:
        assert "Traceback" not in host.log.read_text(errors="replace")
