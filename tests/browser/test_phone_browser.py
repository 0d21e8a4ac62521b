"""The review page on a 390-px phone in a real Chromium: Save and next, controls a thumb can
hit (44 by 44 CSS pixels at least), panels folded until tapped, the preview one tap from the top."""

from __future__ import annotations

from playwright.sync_api import expect

from test_review_browser import SLUG, browser, catalog_entry, login, segment_ids, server, source_of, template  # noqa: F401

from chorus import catalog

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}

SMALL_CONTROLS = """() => {
    const found = [];
    const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary');
    for (const node of controls) {
        if (node.closest('.preview-body')) continue;  // links inside the statement's own text
        // a box inside its label is hit through the label
        const target = node.matches('input[type=checkbox], input[type=radio]') && node.closest('label') ? node.closest('label') : node;
        const box = target.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;  // not shown (a folded panel, hidden)
        if (getComputedStyle(target).visibility === 'hidden') continue;
        if (box.width < 44 || box.height < 44)
            found.push(`${node.tagName.toLowerCase()} "${(node.textContent || node.name || '').trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
    return found;
}"""


def test_phone_save_and_next_big_controls_folded_panels(browser, server, login):
    path = server.project.catalog_path(SLUG, "es")  # a comment and a draft, so every panel is there
    po = catalog.read(path)
    entry = catalog.live_entries(po)[1]
    entry.msgstr = "Un borrador"
    catalog.set_state(entry, "fuzzy")
    catalog.write(po, path)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    login(page, "rita")
    assert page.evaluate(SMALL_CONTROLS) == []  # the dashboard
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    ids = segment_ids(page)
    expect(page.locator(f"#t-{ids[0]}")).to_be_focused()
    assert page.evaluate(SMALL_CONTROLS) == []

    # panels start folded and open with a tap
    for panel in (f"#seg-{ids[0]} details.comments", f"#seg-{ids[0]} details.history", "#preview"):
        expect(page.locator(panel)).not_to_have_attribute("open", "")
    page.locator(f"#seg-{ids[0]} details.comments summary").tap()
    expect(page.locator(f"#c-{ids[0]}")).to_be_visible()
    page.locator(f"#seg-{ids[0]} details.comments summary").tap()
    expect(page.locator(f"#c-{ids[0]}")).to_be_hidden()
    assert page.evaluate(SMALL_CONTROLS) == []

    # the preview from the top of the page
    jump = page.locator(".review-head .jump")
    assert jump.bounding_box()["y"] < 200
    page.evaluate("window.scrollTo(0, 0)")
    jump.tap()
    expect(page.locator("#preview")).to_have_attribute("open", "")
    expect(page.locator("#preview .preview-body")).to_be_in_viewport()
    assert page.evaluate(SMALL_CONTROLS) == []

    # Save and next: saved, and the next sentence that needs work is ready to type
    page.locator(f"#t-{ids[0]}").fill("Domingo, 3 de marzo de 2024")
    page.locator(f"#seg-{ids[0]} button[value=save-next]").tap()
    expect(page.locator(f"#seg-{ids[0]} [data-role=badge]")).to_have_text("translated")
    expect(page.locator(f"#t-{ids[1]}")).to_be_focused()
    assert catalog_entry(server, source_of(page, ids[0])).msgstr == "Domingo, 3 de marzo de 2024"
    context.close()


def test_without_javascript_save_and_next_still_saves(browser, server, login):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    login(page, "ana")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    ids = segment_ids(page)
    page.fill(f"#t-{ids[2]}", "Nosotras, las redes abajo firmantes")
    page.click(f"#seg-{ids[2]} button[value=save-next]")
    expect(page.locator(".flashes")).to_contain_text("Saved.")
    assert page.url.endswith(f"#seg-{ids[3]}")  # on to the next
    entry = catalog_entry(server, source_of(page, ids[2]))
    assert entry.msgstr == "Nosotras, las redes abajo firmantes" and catalog.state(entry) == "translated"
    page.click(f"#seg-{ids[2]} details.comments summary")
    page.fill(f"#c-{ids[2]}", "Una nota sin JavaScript")
    page.click(f"#seg-{ids[2]} .comment-form button[type=submit]")
    expect(page.locator(f"#seg-{ids[2]} details.comments li")).to_contain_text("Una nota sin JavaScript")
    context.close()


def test_the_size_check_sees_small_controls(browser, server, login):
    """The check above finds what it looks for: a laptop's layout has controls under 44 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, "rita")
    page.goto(server.url + f"/review/{SLUG}/es?filter=all")
    assert len(page.evaluate(SMALL_CONTROLS)) > 10
    context.close()
