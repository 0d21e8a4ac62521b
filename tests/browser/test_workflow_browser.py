"""The team's day in a real Chromium: deadlines marked on the dashboard, a statement added with
the form drafted in the background with its progress shown, the reviewers' queue, four eyes on
the Approve button, the revert button, the source change shown as a diff, the account page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chorus import catalog
from chorus.deadline import parse, set_deadline
from chorus.project import Project
from chorus.users import UserStore

from test_review_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, SLUG, Server, make_project  # noqa: F401
from test_review_browser import browser  # noqa: F401 — the module's browser fixture


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("workflow-browser") / "project")
    UserStore.for_project(project).add("rosa", PASSWORD, role="reviewer", langs=["es"])
    return project.root


@pytest.fixture
def server(template, tmp_path):
    project = Project.load(shutil.copytree(template, tmp_path / "project"))
    running = Server(project)
    yield running
    running.stop()


def log_in(page, server, name: str) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


def test_deadlines_are_marked_and_a_new_statement_is_drafted_in_the_background(browser, server):
    from chorus.queue import start_background

    project = server.project
    now = dt.datetime.now().astimezone()
    set_deadline(project, SLUG, parse((now - dt.timedelta(hours=1)).isoformat(timespec="minutes")))
    page = browser.new_context().new_page()
    log_in(page, server, "boss")
    first = page.locator("section.statement").first
    expect(first).to_have_id(f"st-{SLUG}")  # the overdue statement comes first
    expect(first.locator(".deadline.overdue")).to_contain_text("overdue")

    page.goto(server.url + "/statements/new")
    page.fill("textarea[name=text]", "Nurses Strike\n\nWe stand with the nurses of the city hospital.\n\nFair pay now!\n")
    later = (now + dt.timedelta(days=2)).replace(hour=18, minute=0)
    page.fill("input[name=deadline]", later.strftime("%Y-%m-%dT%H:%M"))
    page.click("button.primary")
    page.wait_for_url(server.url + "/")
    expect(page.locator(".flashes")).to_contain_text("drafts are being made in the background")
    job = page.locator("#st-nurses-strike .job")
    expect(job).to_contain_text("Drafts queued")  # nobody consumes yet: the dashboard says so
    expect(job.locator("progress")).to_have_count(1)
    expect(page.locator("#st-nurses-strike .deadline")).to_contain_text(
        re.compile(rf"due {later.strftime('%b')} {later.day}, {later.year}, 6:00\s?PM"))
    background = start_background(project)  # the consumer starts (as after a restart)
    try:
        # the page follows the job and shows the drafts once they are made
        expect(page.locator("#st-nurses-strike .job")).to_contain_text("Drafts made in the background", timeout=60_000)
        expect(page.locator('#st-nurses-strike tr[data-lang="es"] .counts')).to_contain_text("3 draft")
    finally:
        background.stop()


def test_reviewers_queue_four_eyes_and_revert(browser, server):
    ana = browser.new_context().new_page()
    log_in(ana, server, "ana")
    ana.goto(server.url + f"/review/{SLUG}/es?filter=all")
    ids = ana.eval_on_selector_all("article.seg", "nodes => nodes.map(n => n.dataset.id)")
    first, second = ids[0], ids[1]
    for seg_id, text in ((first, "Paren los ataques"), (second, "Primera versión"), (second, "Segunda versión")):
        ana.fill(f"#t-{seg_id}", text)
        ana.focus(f"#t-{seg_id}")
        ana.keyboard.press("Control+Enter")
        expect(ana.locator(f"#seg-{seg_id} [data-role=status]")).to_have_text("Saved")

    # Ana reverts her second sentence to its first version with the button in its history
    ana.reload()
    ana.click(f"#seg-{second} details.history summary")
    ana.locator(f"#seg-{second} .history li", has_text="Primera versión").locator("button.revert").click()
    expect(ana.locator(".flashes")).to_contain_text("Reverted")
    expect(ana.locator(f"#t-{second}")).to_have_value("Primera versión")
    assert catalog.read(server.project.catalog_path(SLUG, "es")).find(
        ana.inner_text(f"#seg-{second} .source-text")).msgstr == "Primera versión"

    # Rita's queue holds what Ana wrote; she approves from it
    rita = browser.new_context().new_page()
    log_in(rita, server, "rita")
    rita.goto(server.url + f"/review/{SLUG}/es?filter=awaiting-approval")
    expect(rita.locator("article.seg")).to_have_count(2)
    expect(rita.locator(".filters a[aria-current=page]")).to_contain_text("Awaiting your approval 2")
    expect(rita.locator(f"#seg-{first} .author")).to_have_text("by ana")
    rita.locator(f"#seg-{first} button[value=approve]").click()
    expect(rita.locator(f"#seg-{first} [data-role=badge]")).to_have_text("approved")

    # Rita rewrites the other one: now she may not approve it herself, and the button says so by going
    rita.fill(f"#t-{second}", "Versión de Rita")
    rita.locator(f"#seg-{second} button[value=save]").click()
    expect(rita.locator(f"#seg-{second} [data-role=status]")).to_have_text("Saved")
    expect(rita.locator(f"#seg-{second} button[value=approve]")).to_be_hidden()
    rosa = browser.new_context().new_page()
    log_in(rosa, server, "rosa")
    rosa.goto(server.url + f"/review/{SLUG}/es?filter=awaiting-approval")
    expect(rosa.locator("article.seg")).to_have_count(1)
    expect(rosa.locator(f"#seg-{second} button[value=approve]")).to_be_visible()


def open_panel(page, article, name: str) -> None:
    """Open a row's panel, again if the row was drawn anew meanwhile (after a save the page
    re-reads the row; a click that lands on the row being replaced opens the old one)."""
    panel = article.locator(f"details.{name}")
    for _ in range(30):
        if panel.evaluate("element => element.open"):
            page.wait_for_timeout(300)  # still open a moment later: the row is settled
            if panel.evaluate("element => element.open"):
                return
        else:
            article.locator(f"details.{name} summary").click()
            page.wait_for_timeout(200)
    raise AssertionError(f"the {name} panel did not stay open")


def test_a_source_edit_shows_as_a_diff_and_keeps_the_comments(browser, server):
    project = server.project
    sentence = "We, the undersigned networks and unions, stand with the dockers of the northern harbour."
    ana = browser.new_context().new_page()
    log_in(ana, server, "ana")
    ana.goto(server.url + f"/review/{SLUG}/es?filter=all")
    article = ana.locator("article.seg", has=ana.locator(".source-text", has_text=sentence))
    seg_id = article.get_attribute("data-id")
    ana.fill(f"#t-{seg_id}", "Nosotras apoyamos a los estibadores del puerto norte.")
    ana.focus(f"#t-{seg_id}")
    ana.keyboard.press("Control+Enter")
    expect(article.locator("[data-role=status]")).to_have_text("Saved")
    open_panel(ana, article, "comments")
    article.locator("textarea[name=text]").fill("¿«norte» o «septentrional»?")
    article.locator(".comment-form button").click()
    expect(article.locator("details.comments li")).to_contain_text("¿«norte» o «septentrional»?")  # no reload

    source = project.root / "source" / f"{SLUG}.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("northern harbour", "southern harbour", 1),
                      encoding="utf-8")
    from conftest import CHORUS

    subprocess.run([str(CHORUS), "update", SLUG, "--project", str(project.root)], check=True, capture_output=True)
    ana.goto(server.url + f"/review/{SLUG}/es?filter=needs-work")
    moved = ana.locator("article.seg", has=ana.locator(".source-text", has_text="southern harbour"))
    expect(moved.locator(".previous.source-diff del")).to_have_text("northern")
    expect(moved.locator(".previous.source-diff ins")).to_have_text("southern")
    expect(moved.locator("details.comments summary")).to_have_text("Comments (1)")
    expect(moved.locator("details.comments")).to_contain_text("¿«norte» o «septentrional»?")
    expect(moved.locator("details.history summary")).to_have_text("History (2)")


def test_the_account_page_sets_mail_choices_and_a_token(browser, server):
    page = browser.new_context().new_page()
    log_in(page, server, "ana")
    page.click("nav a:has-text('Account')")
    page.fill("input[name=email]", "ana@example.org")
    page.uncheck("input[name=events][value=added]")
    page.check("input[name=digest][value=daily]")
    page.click("#notifications button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text("Saved your settings")
    ana = UserStore.for_project(server.project).require("ana")
    assert ana.email == "ana@example.org" and "added" not in ana.notify["events"] and ana.notify["digest"] == "daily"
    page.fill("input[name=email]", "not an address")
    page.click("#notifications button[type=submit]")  # the browser itself refuses it
    assert page.eval_on_selector("input[name=email]", "field => field.validity.valid") is False
    assert UserStore.for_project(server.project).require("ana").email == "ana@example.org"
    page.click("#token button[type=submit]")
    token = page.locator("[data-role=token]").inner_text()
    assert UserStore.for_project(server.project).by_token(token).name == "ana"
