"""The interface in the volunteer's language, in a real Chromium: a Spanish browser gets Spanish
pages (the page scripts' messages too) and ``<html lang="es">``; the account page's setting
overrides the browser."""

from __future__ import annotations

from playwright.sync_api import expect

from test_accessibility_browser import readable, violations
from test_review_browser import PASSWORD, SLUG, segment_ids
from test_review_browser import browser, server, template  # noqa: F401 — the fixtures


def test_a_spanish_browser_and_a_french_setting(browser, server):  # noqa: F811
    context = browser.new_context(locale="es-ES", bypass_csp=True)
    page = context.new_page()
    page.goto(server.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Entrar")
    page.get_by_label("Nombre de usuario").fill("ana")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("h1")).to_have_text("Comunicados")
    expect(page.locator("nav").first).to_contain_text("Cuenta")

    page.goto(f"{server.url}/review/{SLUG}/es?filter=all")
    first = segment_ids(page)[0]
    field = page.locator(f"#t-{first}")
    expect(field).to_have_accessible_name("Traducción del segmento 1")
    expect(page.locator(f"#seg-{first} [data-role=badge]")).to_have_text("sin traducir")
    field.fill("Paren los ataques contra los trabajadores del puerto")
    page.get_by_role("button", name="Guardar").first.click()
    expect(page.locator(f"#seg-{first} [data-role=status]")).to_have_text("Guardado")  # said by the script
    expect(page.locator(f"#seg-{first} [data-role=badge]")).to_have_text("traducido")
    found = violations(page)
    assert not found, readable(found)

    page.goto(server.url + "/account")
    page.get_by_label("Idioma de esta interfaz").select_option("fr")
    page.get_by_role("button", name="Guardar").first.click()
    expect(page.locator(".flashes")).to_contain_text("Vos réglages ont été enregistrés.")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(server.url + "/")
    expect(page.locator("h1")).to_have_text("Communiqués")  # the setting wins over the Spanish browser
    assert page.evaluate("navigator.language") == "es-ES"
    context.close()
