"""Search and the statement filters in a real Chromium: the dashboard's search box, the marked
results, a click through to the sentence, and the review page's search of its statement."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from test_review_browser import SLUG, browser, login, server, template  # noqa: F401 — the fixtures


def test_search_from_the_dashboard_to_the_sentence(browser, server, login):  # noqa: F811
    page = browser.new_page()
    login(page, "ana")
    page.fill("#search-q", "harbour workers")
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r".*/search\?q=harbour\+workers"))
    hits = page.locator("li.hit")
    expect(hits.first).to_be_visible()
    assert hits.count() >= 2  # Spanish and French
    expect(hits.first.locator("mark").first).to_have_text(re.compile("harbour|workers", re.I))
    link = hits.first.locator(".hit-head a")
    target = link.get_attribute("href").split("#seg-")[1]
    link.click()
    page.wait_for_url(re.compile(rf".*/review/{SLUG}/\w+.*#seg-{target}$"))
    expect(page.locator(f"#seg-{target}")).to_be_visible()
    expect(page.locator(".review-head h1")).to_contain_text("Stop the Attacks on the Harbour Workers")
    page.close()


def test_the_review_page_searches_its_statement_and_the_filters_narrow_the_list(browser, server, login):  # noqa: F811
    page = browser.new_page()
    login(page, "ana")
    page.goto(server.url + f"/review/{SLUG}/es")
    page.fill("#search-q", "solidarity")
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r".*/search\?.*"))
    statements = page.eval_on_selector_all("li.hit", "nodes => nodes.map(n => n.dataset.statement)")
    assert statements and set(statements) == {SLUG}
    assert set(page.eval_on_selector_all("li.hit", "nodes => nodes.map(n => n.dataset.lang)")) == {"es"}
    page.goto(server.url + "/")
    page.select_option("select[name=state]", "ready")
    page.click(".list-filters button[type=submit]")
    expect(page.locator("main")).to_contain_text("No statement matches these filters")
    page.fill(".list-filters input[name=title]", "housing")
    page.select_option("select[name=state]", "all")
    page.click(".list-filters button[type=submit]")
    expect(page.locator("section.statement")).to_have_count(1)
    expect(page.locator("section.statement .title")).to_have_text("Housing Is a Right, Not a Commodity")
    page.close()
