"""The web UI in the volunteers' languages: every message of the templates and the code is in
the catalogs (webui/translations/), translated into Spanish, French and German; the language is
the user's setting, then the browser's, then English; dates and numbers follow it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment

from chorus.users import UserStore
from test_webui import PASSWORD, SLUG, app, csrf_from, logged_in, template_project, web_project  # noqa: F401
from conftest import REPO, msgfmt_check

WEBUI = REPO / "webui"
TRANSLATIONS = WEBUI / "translations"
LANGS = ("es", "fr", "de")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None,
            "_lp": ((1, "c"), 2), "N_": None}


def extracted() -> set[tuple[str | None, str]]:
    """(context, message) of everything the UI's sources mark, as ``make ui-catalogs`` extracts it."""
    found = set()
    mapping = [("webui/**.py", "python"), ("chorus/users.py", "python"), ("webui/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, context in extract_from_dir(str(REPO), mapping, keywords=KEYWORDS):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def catalog(lang: str | None):
    path = TRANSLATIONS / "messages.pot" if lang is None else TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as stream:
        return read_po(stream, locale=lang)


def test_the_template_lists_every_message_of_the_sources():
    wanted = extracted()
    assert len(wanted) > 200
    listed = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog(None) if m.id}
    assert wanted - listed == set(), "messages missing from webui/translations/messages.pot: run make ui-catalogs"
    assert listed - wanted == set(), "messages no longer used: run make ui-catalogs"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang):
    wanted = extracted()
    po = catalog(lang)
    translated = {}
    for message in po:
        if not message.id:
            continue
        key = (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert "fuzzy" not in message.flags, f"{lang}: {key} is fuzzy"
        assert all(strings) and len(strings) == (po.num_plurals if isinstance(message.id, tuple) else 1), key
        translated[key] = strings
        placeholders = set(re.findall(r"%\(\w+\)[sd]|%[sd]", key[1]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]|%[sd]", text)) == placeholders, f"{lang}: {key} → {text}"
            assert re.findall(r"</?\w+>", text) == re.findall(r"</?\w+>", key[1]) or not re.findall(r"</?\w+>", key[1]), \
                f"{lang}: the markup of {key} is changed in {text!r}"
    missing = sorted(str(key) for key in wanted if key not in translated)
    assert not missing, f"{lang}: {len(missing)} messages untranslated: {missing[:10]}"
    msgfmt_check(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")


def _visible_text(source: str) -> list[str]:
    """Text of a template that reaches the page without going through ``_()``: the text between
    tags and the values of attributes people read (placeholder, title, aria-label, alt)."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    data = "".join(value if kind == "data" else "\x00" for _, kind, value in env.lex(source))
    found = []
    for _name, _quote, value in re.findall(r'\b(placeholder|title|aria-label|alt)=(["\'])(.*?)\2', data):
        found += [value] if re.search(r"[A-Za-z]{2,}", value.replace("\x00", "")) else []
    text = re.sub(r"<!--.*?-->|<script\b.*?</script>|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", " ", data, flags=re.S)
    for run in text.split("\x00"):
        words = re.findall(r"[A-Za-z][A-Za-z']+", run)
        if words:
            found.append(" ".join(run.split()))
    return found


UNTRANSLATABLE = {"Chorus", "Ctrl", "Enter", "Alt", "Shift", "Esc", "M", "narrow", "review"}  # names, keys, CSS classes


@pytest.mark.parametrize("template", sorted(path.name for path in (WEBUI / "templates").glob("*.html")))
def test_templates_show_no_text_outside_the_catalogs(template):
    left = [text for text in _visible_text((WEBUI / "templates" / template).read_text(encoding="utf-8"))
            if set(re.findall(r"[A-Za-z]+", text)) - UNTRANSLATABLE]
    assert left == [], f"{template}: wrap these in _(): {left}"


def test_the_check_finds_text_left_outside():
    assert _visible_text('<p class="hint">No account? {{ _("Ask") }}</p><input placeholder="Search…">') == \
        ["Search…", "No account?"]
    assert _visible_text('<p title="{{ _(\'x\') }}">{{ _("Ask") }} <kbd>Ctrl</kbd></p>') == ["Ctrl"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogs_are_the_ones_in_the_files(lang):
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is missing or old: run make setup"
    compiled = Translations.load(str(TRANSLATIONS), [lang])
    for message in catalog(lang):
        if message.id and not isinstance(message.id, tuple):
            expected = message.string
            got = compiled.upgettext(message.context, message.id) if message.context else compiled.ugettext(message.id)
            assert got == expected


# --- choosing the language --------------------------------------------------------------------


def page(client, path: str, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_the_browser_language_then_english(app):
    client = app.test_client()
    spanish = page(client, "/login", **{"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert html_lang(spanish) == "es" and "<h1>Entrar</h1>" in spanish and "Contraseña" in spanish
    german = page(client, "/login", **{"Accept-Language": "de-CH, fr;q=0.8"})
    assert html_lang(german) == "de" and "Passwort" in german
    unknown = page(client, "/login", **{"Accept-Language": "tlh, xx;q=0.5"})
    assert html_lang(unknown) == "en" and "<h1>Log in</h1>" in unknown
    assert html_lang(page(client, "/login")) == "en"


def test_flash_messages_errors_and_script_text_are_translated(app):
    ana = logged_in(app, "ana")
    spanish = {"Accept-Language": "es"}
    dashboard = page(ana, "/", **spanish)
    assert "<h1>Comunicados</h1>" in dashboard and "Revisar" in dashboard
    assert '"Saved": "Guardado"' in dashboard  # the scripts' text, in the page's JSON block
    review = page(ana, f"/review/{SLUG}/es?filter=all", **spanish)
    assert "Traducción del segmento 1" in review and "Atajos de teclado" in review
    missing = ana.get("/no/such/page", headers=spanish)
    assert missing.status_code == 404 and "Aquí no hay nada." in missing.get_data(as_text=True)
    forbidden = ana.get("/users", headers={"Accept-Language": "fr"})
    assert forbidden.status_code == 403 and "Vous n’avez pas le droit" in forbidden.get_data(as_text=True)
    token = csrf_from(dashboard)
    wrong = app.test_client()
    response = wrong.post("/login", data={"username": "ana", "password": "nope", "csrf_token": csrf_from(
        page(wrong, "/login"))}, headers={"Accept-Language": "de"})
    assert response.status_code == 401 and "Benutzername oder Passwort falsch." in response.get_data(as_text=True)
    moved = ana.post(f"/review/{SLUG}/es/next", data={"csrf_token": token}, headers=spanish, follow_redirects=True)
    assert moved.status_code == 200


def test_the_users_setting_overrides_the_browser(app, web_project):
    ana = logged_in(app, "ana")
    account = page(ana, "/account", **{"Accept-Language": "es"})
    assert 'name="ui_lang"' in account and ">Français</option>" in account and ">Deutsch</option>" in account
    saved = ana.post("/account", data={"csrf_token": csrf_from(account), "ui_lang": "fr", "email": "",
                                       "digest": "off"}, headers={"Accept-Language": "es"}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and html_lang(html) == "fr" and "Vos réglages ont été enregistrés." in html
    assert UserStore.for_project(web_project).require("ana").ui_lang == "fr"
    assert html_lang(page(ana, "/", **{"Accept-Language": "es"})) == "fr"
    refused = ana.post("/account", data={"csrf_token": csrf_from(html), "ui_lang": "../../etc", "email": "",
                                         "digest": "off"})
    assert refused.status_code == 400
    assert UserStore.for_project(web_project).require("ana").ui_lang == "fr"
    back = ana.post("/account", data={"csrf_token": csrf_from(html), "ui_lang": "", "email": "", "digest": "off"},
                    headers={"Accept-Language": "de"}, follow_redirects=True)
    assert html_lang(back.get_data(as_text=True)) == "de"  # back to the browser's choice
    assert UserStore.for_project(web_project).require("ana").ui_lang is None


def test_dates_and_numbers_follow_the_language(app):
    ana = logged_in(app, "ana")
    token = csrf_from(page(ana, "/"))
    item = ana.get(f"/api/statements/{SLUG}/es/segments").get_json()["segments"][0]
    ana.put(f"/api/statements/{SLUG}/es/segments/{item['id']}", json={"target": "Paren", "revision": item["revision"]},
            headers={"X-CSRFToken": token})
    german = page(ana, f"/review/{SLUG}/es?filter=all", **{"Accept-Language": "de"})
    assert re.search(r"<b>ana</b> hat bearbeitet <time>\d\d?\.\d\d?\.\d{4}, \d\d:\d\d UTC</time>", german)
    english = page(ana, f"/review/{SLUG}/es?filter=all")
    assert re.search(r"<b>ana</b> edited <time>\w{3} \d\d?, \d{4}, \d\d?:\d\d\s[AP]M UTC</time>", english)
    french = page(ana, f"/review/{SLUG}/es?filter=all", **{"Accept-Language": "fr"})
    assert re.search(r"es\s\d+\s%</b>", french.replace("\u202f", " ").replace("\xa0", " "))  # "es 0 %"
    dashboard = page(ana, "/", **{"Accept-Language": "fr"})
    assert '<small class="date">3 mars 2024</small>' in dashboard  # the statement's date (2024-03-03)
    assert '<small class="date">Mar 3, 2024</small>' in page(ana, "/")


def test_a_new_language_starts_from_the_template(tmp_path):
    """What the README tells a network to do for another language works with the tools named."""
    pot = TRANSLATIONS / "messages.pot"
    result = subprocess.run([str(Path(sys.executable).with_name("pybabel")), "init", "-i", str(pot), "-d", str(tmp_path),
                             "-l", "it"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    started = catalog_at(tmp_path / "it" / "LC_MESSAGES" / "messages.po", "it")
    assert {m.id for m in started if m.id} == {m.id for m in catalog(None) if m.id}


def catalog_at(path, lang):
    with path.open("rb") as stream:
        return read_po(stream, locale=lang)


def test_the_sync_line_says_how_long_ago_in_the_language(app):
    from webui.i18n import ago

    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert ago(1000.0, now=1300.0) == "hace 5 minutos"
        assert ago(1000.0, now=1030.0) == "hace un momento"
        assert ago(None) == "nunca"
    with app.test_request_context("/"):
        assert ago(1000.0, now=1000.0 + 2 * 3600) == "2 hours ago"
        assert ago(1000.0, now=1030.0) == "just now"


def test_the_api_reads_and_sets_the_ui_language(app, web_project):
    token = UserStore.for_project(web_project).new_token("fred")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    shown = client.get("/api/account", headers=headers).get_json()
    assert shown["ui_lang"] is None and shown["choices"]["ui_lang"] == ["en", "de", "es", "fr"]
    assert client.put("/api/account", json={"ui_lang": "de"}, headers=headers).get_json()["ui_lang"] == "de"
    for bad in ("xx", "../de", 3, ["de"]):
        refused = client.put("/api/account", json={"ui_lang": bad}, headers=headers)
        assert refused.status_code == 400 and "ui_lang" in refused.get_json()["message"]
    assert UserStore.for_project(web_project).require("fred").ui_lang == "de"
    assert client.put("/api/account", json={"ui_lang": None}, headers=headers).get_json()["ui_lang"] is None
