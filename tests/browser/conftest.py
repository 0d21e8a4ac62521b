"""A real server on a free loopback port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "a long password"


def make_project(folder: Path) -> Project:
    project = Project.create(folder, "en", ["es", "fr"])
    sources = REPO / "source"
    apply(project, plan_add(project, sorted(sources.glob("*.txt")) + sorted(sources.glob("*.md"))))
    accounts = UserStore.for_project(project)
    accounts.add("boss", PASSWORD, role="coordinator")
    accounts.add("rita", PASSWORD, role="reviewer", langs=["es"])
    accounts.add("ana", PASSWORD, role="translator", langs=["es"])
    return project


class Server:
    def __init__(self, project: Project):
        from webui import create_app

        self.project = project
        self.httpd = make_server("127.0.0.1", 0, create_app(project.root), threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("browser") / "project").root


@pytest.fixture
def server(template, tmp_path):
    """A fresh copy of the project behind a real HTTP server, for each test."""
    project = Project.load(shutil.copytree(template, tmp_path / "project"))
    running = Server(project)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go ($CHORUS_SCREENSHOTS keeps them for a look)."""
    folder = Path(os.environ.get("CHORUS_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def login(server):
    """``login(page, "ana")``: fill in the login form as a volunteer does."""

    def run(page, name: str, password: str = PASSWORD) -> None:
        page.goto(server.url + "/")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/")

    return run
