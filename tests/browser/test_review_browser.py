"""The review UI in a real Chromium: logging in, the keyboard, conflicts, the phone layout.

A real server (werkzeug) on a free loopback port and Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from chorus import catalog
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore

SLUG = "stop-the-attacks"
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


def catalog_entry(server, source: str, lang: str = "es"):
    return catalog.read(server.project.catalog_path(SLUG, lang)).find(source)


def segment_ids(page) -> list[str]:
    return page.eval_on_selector_all("article.seg", "nodes => nodes.map(n => n.dataset.id)")


def source_of(page, seg_id: str) -> str:
    return page.inner_text(f"#seg-{seg_id} .source-text")


def test_logging_in(browser, server, login):
    page = browser.new_page()
    page.goto(server.url + f"/review/{SLUG}/es")
    assert page.url.startswith(server.url + "/login")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("p.error")).to_contain_text("Wrong user name or password")
    login(page, "ana")
    expect(page.locator("h1")).to_have_text("Statements")
    expect(page.locator(".top .who")).to_have_text("ana")
    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r".*/login$"))
    page.close()


def test_review_and_approve_with_the_keyboard(browser, server, login):
    page = browser.new_page()
    login(page, "rita")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    page.evaluate("window.__sameDocument = true")
    ids = segment_ids(page)
    first, second = ids[0], ids[1]

    page.focus(f"#t-{first}")
    page.keyboard.type("Paren los ataques contra los trabajadores del puerto")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#seg-{first} [data-role=badge]")).to_have_text("translated")
    expect(page.locator(f"#t-{second}")).to_be_focused()  # moved on to the next that needs work
    entry = catalog_entry(server, source_of(page, first))
    assert entry.msgstr == "Paren los ataques contra los trabajadores del puerto"
    assert catalog.state(entry) == "translated"

    page.keyboard.type("Nosotros")
    page.keyboard.press("Escape")  # reverts the field
    expect(page.locator(f"#t-{second}")).to_have_value("")

    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator(f"#t-{first}")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator(f"#t-{second}")).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")

    page.keyboard.press("Control+Shift+Enter")  # her own text: another reviewer approves it
    expect(page.locator(f"#seg-{first} [data-role=status]")).to_contain_text("four eyes")
    expect(page.locator(f"#seg-{first} [data-role=badge]")).to_have_text("translated")
    expect(page.locator(f"#seg-{first} [data-role=approve]")).to_be_hidden()

    page.focus(f"#t-{second}")
    page.keyboard.type("Nosotras, las redes abajo firmantes, apoyamos a los estibadores.")
    page.keyboard.press("Control+Shift+Enter")  # save and approve in one go: refused, the text stays
    expect(page.locator(f"#seg-{second} [data-role=status]")).to_contain_text("you wrote the current text")
    expect(page.locator(f"#t-{second}")).to_have_value("Nosotras, las redes abajo firmantes, apoyamos a los estibadores.")
    assert catalog.state(catalog_entry(server, source_of(page, second))) == "untranslated"

    other = browser.new_context().new_page()  # a second pair of eyes
    login(other, "boss")
    other.goto(server.url + f"/review/{SLUG}/es?filter=awaiting-approval")
    expect(other.locator("article.seg")).to_have_count(1)
    other.focus(f"#t-{first}")
    other.keyboard.press("Control+Shift+Enter")
    expect(other.locator(f"#seg-{first} [data-role=badge]")).to_have_text("approved")
    assert catalog.state(catalog_entry(server, source_of(page, first))) == "approved"
    other.close()

    expect(page.locator("#preview")).to_contain_text("Paren los ataques contra los trabajadores del puerto")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    expect(page.locator(".shortcuts")).to_contain_text("approve (and save)")
    page.close()


def test_conflict_between_two_volunteers(browser, server, login):
    ana_context, rita_context = browser.new_context(), browser.new_context()
    ana, rita = ana_context.new_page(), rita_context.new_page()
    login(ana, "ana")
    login(rita, "rita")
    url = server.url + f"/review/{SLUG}/es?filter=all"
    ana.goto(url)
    rita.goto(url)
    target = segment_ids(ana)[3]
    source = source_of(ana, target)

    ana.fill(f"#t-{target}", "La versión de Ana")
    ana.click(f"#seg-{target} button[value=save]")
    expect(ana.locator(f"#seg-{target} [data-role=status]")).to_have_text("Saved")

    rita.fill(f"#t-{target}", "La versión de Rita")
    rita.click(f"#seg-{target} button[value=save]")
    conflict = rita.locator(f"#seg-{target} [data-role=conflict]")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-role=conflict-text]")).to_have_text("La versión de Ana")
    expect(rita.locator(f"#t-{target}")).to_have_value("La versión de Rita")  # her text is kept
    assert catalog_entry(server, source).msgstr == "La versión de Ana"  # nothing overwritten

    rita.fill(f"#t-{target}", "La versión de Ana y Rita")
    rita.click(f"#seg-{target} button[value=save]")
    expect(rita.locator(f"#seg-{target} [data-role=status]")).to_have_text("Saved")
    expect(conflict).to_be_hidden()
    assert catalog_entry(server, source).msgstr == "La versión de Ana y Rita"
    ana_context.close()
    rita_context.close()


def _layout_problems(page) -> list[str]:
    """Elements wider than the viewport, and horizontal scrolling."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, found = [];
        if (document.documentElement.scrollWidth > width) found.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
        for (const node of document.querySelectorAll('body *')) {
            const box = node.getBoundingClientRect();
            if (box.width === 0 || getComputedStyle(node).visibility === 'hidden') continue;
            if (node.closest('.visually-hidden')) continue;
            if (box.left < -1 || box.right > width + 1) found.push(node.tagName + '.' + node.className + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
        }
        return found;
    }""")


def test_phone_layout(browser, server, login, shots):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    login(page, "ana")
    page.screenshot(path=str(shots / "phone-dashboard.png"), full_page=True)
    assert _layout_problems(page) == []
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    page.screenshot(path=str(shots / "phone-review.png"), full_page=False)
    assert _layout_problems(page) == []
    for seg_id in segment_ids(page)[:5]:
        source = page.locator(f"#seg-{seg_id} .source").bounding_box()
        target = page.locator(f"#seg-{seg_id} form.target").bounding_box()
        assert target["y"] >= source["y"] + source["height"] - 1  # one column: target under source
        assert abs(target["x"] - source["x"]) < 2
        assert target["width"] > 0.8 * 375 - 60
    context.close()


def test_desktop_layout(browser, server, login, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, "rita")
    page.screenshot(path=str(shots / "desktop-dashboard.png"), full_page=True)
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    first = segment_ids(page)[0]
    page.focus(f"#t-{first}")
    page.keyboard.type("Paren los ataques")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#seg-{first} [data-role=badge]")).to_have_text("translated")
    page.screenshot(path=str(shots / "desktop-review.png"), full_page=False)
    assert _layout_problems(page) == []
    source = page.locator(f"#seg-{first} .source").bounding_box()
    target = page.locator(f"#seg-{first} form.target").bounding_box()
    assert abs(source["y"] - target["y"]) < 2 and target["x"] > source["x"] + source["width"]  # side by side
    context.close()
