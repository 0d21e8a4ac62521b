"""Opening the review page and finishing a language, in a real Chromium: focus on the first
sentence that needs work, the title in the heading, the shortcuts folded after the first visit,
the finish box with whom to tell, and for reviewers the finished text to copy or download."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from test_review_browser import SLUG, browser, login, segment_ids, server, template  # noqa: F401

from chorus import catalog
from chorus.assemble import render

SOON = 10_000


def test_focus_title_and_shortcuts_on_opening(browser, server, login):
    context = browser.new_context()
    page = context.new_page()
    login(page, "ana")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    expect(page.locator(".review-head h1")).to_contain_text("Stop the Attacks on the Harbour Workers")
    assert SLUG not in page.inner_text(".review-head h1")
    first = segment_ids(page)[0]
    expect(page.locator(f"#t-{first}")).to_be_focused()  # ready to type
    shortcuts = page.locator("details.shortcuts")
    expect(shortcuts).to_have_attribute("open", "")  # the first visit shows them

    page.reload()
    expect(page.locator(f"#t-{first}")).to_be_focused()
    expect(shortcuts).not_to_have_attribute("open", re.compile(".*"))  # folded from then on
    shortcuts.locator("summary").click()  # opened on purpose: remembered
    page.reload()
    expect(shortcuts).to_have_attribute("open", "")

    # a sentence someone saved already is passed over: focus goes to the first that needs work
    path = server.project.catalog_path(SLUG, "es")
    po = catalog.read(path)
    entries = catalog.live_entries(po)
    entries[0].msgstr = "Domingo, 3 de marzo de 2024"
    catalog.set_state(entries[0], "translated")
    catalog.write(po, path)
    page.reload()
    second = segment_ids(page)[1]
    expect(page.locator(f"#t-{second}")).to_be_focused()
    context.close()


def finish_all_but_one(server) -> str:
    """Every sentence approved (as a coordinator would) but the last, left untranslated."""
    path = server.project.catalog_path(SLUG, "es")
    po = catalog.read(path)
    entries = catalog.live_entries(po)
    for entry in entries[:-1]:
        entry.msgstr = "ES " + entry.msgid
        catalog.set_state(entry, "approved", by="boss")
    catalog.write(po, path)
    return entries[-1].msgid


def test_finishing_a_language_live_then_copy_and_download(browser, server, login):
    last = finish_all_but_one(server)
    rita_context = browser.new_context()
    rita_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    rita, ana = rita_context.new_page(), browser.new_context().new_page()
    login(rita, "rita")
    login(ana, "ana")
    for page in (rita, ana):
        page.goto(server.url + f"/review/{SLUG}/es?filter=all")
        expect(page.locator("#segments[data-live-ready='1']")).to_have_count(1, timeout=SOON)
        expect(page.locator(".finish")).to_have_count(0)
    last_id = segment_ids(rita)[-1]
    expect(rita.locator(f"#t-{last_id}")).to_be_focused()  # the one sentence left

    ana.fill(f"#t-{last_id}", "ES " + last)
    ana.click(f"#seg-{last_id} button[value=save-next]")
    # nothing left that needs work: both pages say so, without a reload
    for page in (ana, rita):
        expect(page.locator(".finish h2")).to_have_text("Done: every sentence is translated", timeout=SOON)
        expect(page.locator(".finish")).to_contain_text("1 sentence awaits approval")
    expect(ana.locator(".finish")).to_contain_text("rita")  # whom to tell
    expect(ana.locator(".finish")).to_contain_text("boss")
    expect(ana.locator(f"#seg-{last_id} [data-role=status]")).to_contain_text("nothing left that needs work")

    rita.click(f"#seg-{last_id} button[value=approve]")
    expect(rita.locator(".finish h2")).to_have_text("Done: this statement is ready to publish in es", timeout=SOON)
    expect(ana.locator(".finish h2")).to_have_text("Done: this statement is ready to publish in es", timeout=SOON)
    expect(ana.locator(".finish")).to_contain_text("Tell the coordinator: boss")
    expect(ana.locator("[data-action=copy-text]")).to_have_count(0)  # translators do not publish
    expect(ana.locator(".finish a[download]")).to_have_count(0)

    finished = render(server.project, SLUG, "es", "txt")
    rita.click("[data-action=copy-text]")
    expect(rita.locator("[data-role=copy-status]")).to_have_text("Copied")
    assert rita.evaluate("navigator.clipboard.readText()") == finished
    with rita.expect_download() as download:
        rita.click(".finish a[download]")
    assert download.value.suggested_filename == f"{SLUG}.es.txt"
    assert open(download.value.path(), encoding="utf-8").read() == finished

    # opened again: the finish box has the focus
    rita.reload()
    expect(rita.locator("#finish-title")).to_be_focused()
    # the download is for reviewers only
    assert ana.request.get(server.url + f"/review/{SLUG}/es/finished").status == 403
    rita_context.close()
    ana.context.close()


def test_the_download_waits_for_the_policy(browser, server, login):
    page = browser.new_context().new_page()
    login(page, "rita")
    answer = page.request.get(server.url + f"/review/{SLUG}/es/finished")
    assert answer.status == 409 and "not ready to publish" in answer.text()
    page.context.close()
