"""The suggestions panel in a real Chromium: asked for with Alt+M or the link, inserted with
Alt+1 or "Use", read out to screen readers, and the same without JavaScript."""

from __future__ import annotations

from playwright.sync_api import expect

from chorus.suggest import suggest
from tests.browser.test_review_browser import (SLUG, browser, login, segment_ids, server, shots,  # noqa: F401
                                               source_of, template)

TITLE = "Stop the Attacks on the Harbour Workers"


def title_id(page) -> str:
    return next(seg_id for seg_id in segment_ids(page) if source_of(page, seg_id) == TITLE)


def test_alt_m_asks_the_engines_and_alt_1_puts_a_proposal_in_the_field(browser, server, login, shots):
    page = browser.new_page()
    login(page, "ana")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    page.evaluate("window.__sameDocument = true")
    seg = title_id(page)
    panel = page.locator(f"#seg-{seg} [data-role=proposals]")
    expect(panel).to_be_hidden()  # nothing asked on page load
    expect(page.locator("[data-role=proposals] li")).to_have_count(0)

    page.focus(f"#t-{seg}")
    page.keyboard.press("Alt+m")
    expect(panel).to_be_visible()
    apertium = panel.locator("li[data-engine=apertium]")
    expect(apertium.locator("[data-role=proposal]")).not_to_be_empty()
    expect(panel.locator("li[data-engine=memory]")).to_contain_text("memory")  # one line: nothing similar
    expect(page.locator(f"#seg-{seg} [data-action=suggest]")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"#seg-{seg} [data-role=proposal-status]")).to_have_text("1 suggestion")
    proposal = apertium.locator("[data-role=proposal]").inner_text()
    assert proposal == suggest(server.project, SLUG, "es", seg).usable[0].text
    expect(apertium.locator("[data-action=use-proposal]")).to_have_attribute("aria-keyshortcuts", "Alt+1")
    expect(apertium.locator("[data-role=proposal]")).to_have_attribute("lang", "es")
    page.screenshot(path=str(shots / "suggestions.png"), full_page=False)

    page.keyboard.press("Alt+1")
    expect(page.locator(f"#t-{seg}")).to_have_value(proposal)
    expect(page.locator(f"#t-{seg}")).to_be_focused()
    expect(page.locator(f"#seg-{seg} [data-role=proposal-status]")).to_contain_text("not saved yet")
    page.keyboard.press("Alt+2")  # there is no second one: the field stays
    expect(page.locator(f"#seg-{seg} [data-role=proposal-status]")).to_have_text("There is no suggestion 2 here")
    expect(page.locator(f"#t-{seg}")).to_have_value(proposal)

    page.keyboard.type(" (revisado)")
    page.keyboard.press("Control+Enter")  # saved as any text is
    expect(page.locator(f"#seg-{seg} [data-role=badge]")).to_have_text("translated")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    page.close()


def test_the_link_and_use_with_the_mouse(browser, server, login):
    page = browser.new_page()
    login(page, "ana")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    seg = segment_ids(page)[1]
    page.click(f"#seg-{seg} [data-action=suggest]")
    use = page.locator(f"#seg-{seg} [data-action=use-proposal]").first
    expect(use).to_be_visible()
    text = page.locator(f"#seg-{seg} [data-role=proposal]").first.inner_text()
    use.click()
    expect(page.locator(f"#t-{seg}")).to_have_value(text)
    page.click(f"#seg-{seg} [data-action=suggest]")  # the link again closes the panel
    expect(page.locator(f"#seg-{seg} [data-role=proposals]")).to_be_hidden()
    page.close()


def test_without_javascript_the_link_opens_the_page_with_the_panel(browser, server, login):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    login(page, "ana")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    seg = title_id(page)
    page.click(f"#seg-{seg} [data-action=suggest]")
    panel = page.locator(f"#seg-{seg} [data-role=proposals]")
    expect(panel).to_be_visible()
    text = panel.locator("li[data-engine=apertium] [data-role=proposal]").inner_text()
    page.click(f"#seg-{seg} [data-action=use-proposal]")
    expect(page.locator(f"#t-{seg}")).to_have_value(text)
    page.click(f"#seg-{seg} button[value=save]")  # the form posts
    expect(page.locator(f"#seg-{seg} [data-role=badge]")).to_have_text("translated")
    context.close()
