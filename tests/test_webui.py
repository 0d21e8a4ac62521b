"""The review web UI through Flask's test client: every route, permissions, CSRF, escaping,
conflicts and API tokens. CSRF protection stays on: tests send the token as a browser would."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

import polib
import pytest

from chorus import catalog
from chorus.errors import ChorusError
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore
from webui import create_app
from chorus import editing as seg

from conftest import SAMPLES, msgfmt_check

PASSWORD = "a long password"
HOSTILE = "<script>alert(1)</script>"
SLUG = "stop-the-attacks"


@pytest.fixture(scope="module")
def template_project(tmp_path_factory) -> Path:
    """The sample statements in es, fr and ar, with one account per role (made once, copied per test)."""
    project = Project.create(tmp_path_factory.mktemp("template") / "web", "en", ["es", "fr", "ar"])
    files = sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md"))
    apply(project, plan_add(project, files))
    accounts = UserStore.for_project(project)
    accounts.add("boss", PASSWORD, role="coordinator")
    accounts.add("rita", PASSWORD, role="reviewer", langs=["es"])
    accounts.add("ana", PASSWORD, role="translator", langs=["es"])
    accounts.add("fred", PASSWORD, role="translator", langs=["fr"])
    return project.root


@pytest.fixture
def web_project(template_project, tmp_path) -> Project:
    return Project.load(shutil.copytree(template_project, tmp_path / "web"))


@pytest.fixture
def invoke(web_project):
    """Run a chorus command in-process against ``web_project``."""
    from click.testing import CliRunner

    from chorus.cli import cli

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, [*args], input=input, env={"CHORUS_PROJECT": str(web_project.root)},
                                  catch_exceptions=False)

    return run


@pytest.fixture
def app(web_project):
    return create_app(web_project.root, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or \
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client, name: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def logged_in(app, name: str):
    client = app.test_client()
    response = login(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def page_token(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def segments_of(client, lang: str = "es", slug: str = SLUG) -> list[dict]:
    response = client.get(f"/api/statements/{slug}/{lang}/segments")
    assert response.status_code == 200
    return response.get_json()["segments"]


def put(client, seg_id: str, target: str, revision: str, lang: str = "es", token: str | None = None, **headers):
    if token is not None:
        headers["X-CSRFToken"] = token
    return client.put(f"/api/statements/{SLUG}/{lang}/segments/{seg_id}",
                      json={"target": target, "revision": revision}, headers=headers)


def four_eyes(app, prefix: str = "es: ", translator: str = "ana", reviewer: str = "rita", lang: str = "es") -> None:
    """Every segment translated by ``translator``, then approved by ``reviewer`` (four eyes)."""
    writer, approver = logged_in(app, translator), logged_in(app, reviewer)
    token, approving = page_token(writer), page_token(approver)
    for item in segments_of(writer, lang):
        saved = put(writer, item["id"], f"{prefix}{item['source']}", item["revision"], lang=lang, token=token)
        assert saved.status_code == 200, saved.get_data(as_text=True)
        response = approver.post(f"/api/statements/{SLUG}/{lang}/segments/{item['id']}/approve",
                                 json={"revision": saved.get_json()["revision"]}, headers={"X-CSRFToken": approving})
        assert response.status_code == 200, response.get_data(as_text=True)


def entry_for(project: Project, lang: str, msgid: str) -> polib.POEntry:
    return catalog.read(project.catalog_path(SLUG, lang)).find(msgid)


# --- login, sessions, CSRF --------------------------------------------------------------------

PAGES = ["/", f"/review/{SLUG}/es", f"/review/{SLUG}/es/next", f"/review/{SLUG}/es/preview",
         f"/export/{SLUG}/es", "/users", "/statements/new"]
API = [("GET", "/api/statements"), ("GET", f"/api/statements/{SLUG}/es/segments"),
       ("PUT", f"/api/statements/{SLUG}/es/segments/abc"), ("POST", f"/api/statements/{SLUG}/es/segments/abc/approve"),
       ("POST", f"/api/statements/{SLUG}/es/segments/abc/open"), ("GET", f"/api/statements/{SLUG}/es/next")]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_requires_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("method,path", API)
def test_every_api_route_requires_login(client, method, path):
    response = client.open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_posting_forms_requires_login(client):
    for path in (f"/review/{SLUG}/es/abc", f"/review/{SLUG}/es/abc/comment", "/logout", "/users/ana/remove"):
        response = client.post(path, data={})
        assert response.status_code in (302, 400), path  # redirected to log in, or refused for CSRF
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")


def test_login_form_fields_and_cookie_flags(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ("username", "password", "csrf_token"):
        assert f'name="{name}"' in html
    response = login(client, "ana")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("chorus_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user(client):
    assert login(client, "ana", "wrong password").status_code == 401
    assert login(client, "nobody", PASSWORD).status_code == 401
    assert client.get("/").status_code == 302


def test_login_is_rate_limited_across_workers(web_project):
    # Two apps on one project stand for two gunicorn workers: failures are counted in the instance folder.
    first, second = (create_app(web_project.root, {"TESTING": True}).test_client() for _ in range(2))
    for attempt in range(5):
        assert login(first if attempt % 2 else second, "ana", "wrong password").status_code == 401
    blocked = login(first, "ana", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert login(second, "ana", PASSWORD).status_code == 429
    assert login(second, "rita", PASSWORD).status_code == 302  # other names are not locked out


def test_login_redirects_only_to_local_paths(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": page_token(client)})
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next=/review/{SLUG}/es",
                           data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == f"/review/{SLUG}/es"


def test_logout_needs_post_with_csrf(app):
    client = logged_in(app, "ana")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": page_token(client)}).status_code == 302
    assert client.get("/").status_code == 302


def test_new_password_ends_old_sessions(app, web_project):
    client = logged_in(app, "ana")
    UserStore.for_project(web_project).set_password("ana", "another long password")
    assert client.get("/").status_code == 302
    assert login(client, "ana", "another long password").status_code == 302


def test_removed_user_is_logged_out(app, web_project):
    client = logged_in(app, "ana")
    UserStore.for_project(web_project).remove("ana")
    assert client.get("/").status_code == 302


def login_from(client, name: str, address: str, password: str = PASSWORD):
    client.environ_base["REMOTE_ADDR"] = address
    return login(client, name, password)


def test_guesses_from_many_addresses_slow_one_name_down_not_its_known_browser(web_project):
    app = create_app(web_project.root, {"TESTING": True, "LOGIN_MAX_DELAY": 1})
    known = app.test_client()
    assert login_from(known, "ana", "10.0.0.1").status_code == 302
    known.post("/logout", data={"csrf_token": page_token(known)})
    for number in range(30):  # 5 guesses from each of 6 addresses: each pair at its limit, the name at 30
        assert login_from(app.test_client(), "ana", f"10.0.1.{number // 5}", "wrong password").status_code == 401
    assert login_from(app.test_client(), "ana", "10.0.1.0").status_code == 429  # that pair waits 15 minutes
    newcomer = app.test_client()
    slowed = login_from(newcomer, "ana", "10.0.2.1")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "1"
    assert "wait 1 second" in slowed.get_data(as_text=True)
    assert login_from(known, "ana", "10.0.0.1").status_code == 302  # the browser ana used before: at once
    time.sleep(1.1)
    assert login_from(newcomer, "ana", "10.0.2.1").status_code == 302  # a new one: after the wait


def test_sessions_end_at_logout_and_expire(app, web_project):
    client = logged_in(app, "ana")
    copied = app.test_client()  # another machine, with the session cookie copied from ana's browser
    copied.set_cookie("chorus_session", client.get_cookie("chorus_session").value)
    assert copied.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": page_token(client)})
    assert copied.get("/").status_code == 302
    accounts = UserStore.for_project(web_project)
    assert accounts.sessions("ana") == 0
    ended = accounts.open_session("ana", lifetime=-1)
    assert accounts.by_session(ended) is None
    assert accounts.by_session(accounts.open_session("ana")).name == "ana"


def test_user_names_are_one_written_form_without_look_alikes(app, web_project):
    accounts = UserStore.for_project(web_project)
    assert accounts.add("\uff46\uff49\uff4f\uff4e\uff41", PASSWORD, role="coordinator").name == "fiona"  # full-width
    assert login(app.test_client(), "\uff41\uff4e\uff41").status_code == 302  # ana, typed full-width
    for bad in ("ana\n", "ana\u200b", "\u0430na", "Ana", "ANA", " ana", "ana\u202e", "", "x" * 65, "\u0301a"):
        with pytest.raises(ChorusError, match="not a valid user name"):
            accounts.add(bad, PASSWORD, role="coordinator")
    assert accounts.add("\u0c35\u0c3f\u0c1c\u0c2f", PASSWORD, role="coordinator").name == "\u0c35\u0c3f\u0c1c\u0c2f"
    assert accounts.add("o'brien-2", PASSWORD, role="coordinator").name == "o'brien-2"


def test_unexpected_errors_are_json_for_the_api_and_a_page_for_browsers(web_project):
    app = create_app(web_project.root)

    def crash():
        raise RuntimeError("a bug")

    app.add_url_rule("/api/crash", "api_crash", crash)
    app.add_url_rule("/crash", "crash", crash)
    client = app.test_client()
    api = client.get("/api/crash")
    assert api.status_code == 500 and api.get_json() == {
        "error": "internal", "message": "Something went wrong on the server. The error is in the server's log."}
    page = client.get("/crash")
    assert page.status_code == 500 and page.mimetype == "text/html" and "a bug" not in page.get_data(as_text=True)


def test_comments_through_the_api(app):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    url = f"/api/statements/{SLUG}/es/segments/{item['id']}/comments"
    response = client.post(url, json={"text": "  ¿puerto o muelle?  "}, headers={"X-CSRFToken": page_token(client)})
    assert response.status_code == 201
    assert [(c["user"], c["text"]) for c in response.get_json()["comments"]] == [("ana", "¿puerto o muelle?")]
    assert client.post(url, json={"text": "no token"}).status_code == 400


def test_a_comment_refused_keeps_its_text_on_the_page(app):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    response = client.post(f"/review/{SLUG}/es/{item['id']}/comment",
                           data={"csrf_token": page_token(client), "text": "w" * 2001})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "at most 2000 characters" in html and re.search(r'name="text"[^>]*>w{2001}</textarea>', html)


def test_next_by_post_opens_the_segment(app):
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    items = segments_of(ana)
    chosen = rita.post(f"/api/statements/{SLUG}/es/next", headers={"X-CSRFToken": page_token(rita)}).get_json()
    assert chosen["next"] == items[0]["id"]
    assert ana.get(f"/api/statements/{SLUG}/es/next").get_json()["next"] == items[1]["id"]


def test_a_plural_entry_added_by_hand_is_shown_not_edited(app, web_project):
    path = web_project.catalog_path(SLUG, "es")
    po = catalog.read(path)
    po.insert(0, polib.POEntry(msgid="One dock", msgid_plural="{n} docks", msgstr_plural={0: "", 1: "", 2: ""}))
    catalog.write(po, path)
    client = logged_in(app, "ana")
    plural = segments_of(client)[0]
    assert plural["plural"] is True
    response = put(client, plural["id"], "Un muelle", plural["revision"], token=page_token(client))
    assert response.status_code == 400 and "plural forms" in response.get_json()["message"]
    assert catalog.read(path).find("One dock").msgstr_plural == {0: "", 1: "", 2: ""}
    html = client.get(f"/review/{SLUG}/es").get_data(as_text=True)
    article = html.split(f'id="seg-{plural["id"]}"')[1].split("</article>")[0]
    assert "readonly" in article and "edit it in a PO editor" in article
    assert client.get(f"/api/statements/{SLUG}/es/next").get_json()["next"] != plural["id"]


def test_security_headers(app):
    response = logged_in(app, "ana").get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_lists_statements_newest_first_with_progress(app, web_project):
    html = logged_in(app, "ana").get("/").get_data(as_text=True)
    order = [m.group(1) for m in re.finditer(r'<section class="statement card" id="st-([a-z0-9-]+)"', html)]
    assert sorted(order) == sorted(web_project.statements())
    dates = [m.group(1) for m in re.finditer(r'<small class="date">([0-9-]+)</small>', html)]
    assert dates == sorted(dates, reverse=True)
    assert html.count('<svg class="bar"') == 3 * 3
    assert "Review</a>" in html and "View</a>" in html  # ana edits es, only reads fr and ar
    assert "Export</a>" not in html


def test_dashboard_marks_what_is_ready_to_publish(app, web_project):
    four_eyes(app)
    client = logged_in(app, "rita")
    statements = client.get("/api/statements").get_json()["statements"]
    ready = {(s["slug"], lang["lang"]) for s in statements for lang in s["languages"] if lang["ready"]}
    assert ready == {(SLUG, "es")}
    html = client.get("/").get_data(as_text=True)
    section = html.split(f'id="st-{SLUG}"')[1].split("</section>")[0]
    assert section.count('title="ready to publish"') == 1


# --- review page --------------------------------------------------------------------------------


def test_review_page_shows_segments_with_lang_and_dir(app, web_project):
    client = logged_in(app, "boss")
    html = client.get(f"/review/{SLUG}/es").get_data(as_text=True)
    assert html.count('<article class="seg') == len(segments_of(client))
    assert 'lang="es" dir="ltr"' in html
    assert re.search(r'<textarea[^>]+lang="es" dir="ltr"', html)
    assert '<span class="kind">title</span>' in html and '<span class="kind">slogan</span>' in html
    assert "Ctrl</kbd>+<kbd>Enter" in html and "Esc</kbd>" in html and "Shift</kbd>+<kbd>Enter" in html
    arabic = client.get(f"/review/{SLUG}/ar").get_data(as_text=True)
    assert re.search(r'<textarea[^>]+lang="ar" dir="rtl"', arabic)


def test_review_filters(app, web_project):
    client = logged_in(app, "ana")
    items = segments_of(client)
    token = page_token(client)
    assert put(client, items[0]["id"], "Paren los ataques", items[0]["revision"], token=token).status_code == 200
    with catalog.editing(web_project.catalog_path(SLUG, "es")) as po:
        entry = po.find(items[1]["source"])
        entry.msgstr = "borrador"
        catalog.set_state(entry, "fuzzy")
        catalog.set_origin(entry, "mt apertium")
    counts = {}
    for name in ("needs-work", "untranslated", "all"):
        html = client.get(f"/review/{SLUG}/es?filter={name}").get_data(as_text=True)
        counts[name] = html.count('<article class="seg')
    assert counts == {"needs-work": len(items) - 1, "untranslated": len(items) - 2, "all": len(items)}
    html = client.get(f"/review/{SLUG}/es?filter=needs-work").get_data(as_text=True)
    assert '<span class="origin" title="where the draft came from">mt apertium</span>' in html
    assert 'badge state-fuzzy' in html


def test_review_page_shows_qa_warnings_glossary_and_preview(app, web_project):
    (web_project.translations_dir / "glossary.csv").write_text(
        "term,lang,translation,note\nharbour,es,puerto,the port\n", encoding="utf-8")
    client = logged_in(app, "ana")
    first = segments_of(client)[0]
    assert "Harbour" in first["source"]
    put(client, first["id"], "Paren los ataques contra los trabajadores del muelle 123",
        first["revision"], token=page_token(client))
    html = client.get(f"/review/{SLUG}/es?filter=all").get_data(as_text=True)
    article = html.split(f'id="seg-{first["id"]}"')[1].split("</article>")[0]
    assert "<b>harbour</b> → puerto" in article
    assert re.search(r'<li data-check="[a-z-]+">', article), "no QA warning shown"
    preview = html.split('id="preview"')[1]
    assert "Paren los ataques" in preview and "<mark" in preview


def test_preview_fragment(app):
    client = logged_in(app, "ana")
    response = client.get(f"/review/{SLUG}/es/preview")
    assert response.status_code == 200
    assert "<mark" in response.get_data(as_text=True)


def test_unknown_or_hostile_names_in_urls_are_404(app):
    client = logged_in(app, "boss")
    for path in (f"/review/{SLUG}/de", "/review/no-such/es", "/review/..%2F..%2Fetc/es",
                 f"/review/{SLUG}/xx_QQ", f"/review/{SLUG}/..", "/api/statements/Bad_Slug/es/segments",
                 f"/export/{SLUG}/zz", f"/api/statements/{SLUG}/es/segments/nope"):
        assert client.get(path).status_code == 404, path
    response = put(client, "nope", "x", "y", token=page_token(client))
    assert response.status_code == 404


# --- saving: forms without JavaScript --------------------------------------------------------------


def test_form_save_without_javascript(app, web_project):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    token = page_token(client)
    response = client.post(f"/review/{SLUG}/es/{item['id']}", data={
        "csrf_token": token, "target": "Paren los ataques\r\n", "revision": item["revision"],
        "action": "save", "filter": "needs-work"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/review/{SLUG}/es?filter=needs-work#seg-")
    entry = entry_for(web_project, "es", item["source"])
    assert entry.msgstr == "Paren los ataques" and catalog.state(entry) == "translated"
    msgfmt_check(web_project.catalog_path(SLUG, "es"))
    assert catalog.read(web_project.catalog_path(SLUG, "es")).metadata["Last-Translator"] == "ana"


def test_form_save_needs_csrf(app, web_project):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    response = client.post(f"/review/{SLUG}/es/{item['id']}",
                           data={"target": "x", "revision": item["revision"], "action": "save"})
    assert response.status_code == 400
    assert entry_for(web_project, "es", item["source"]).msgstr == ""


def test_form_conflict_shows_both_versions(app, web_project):
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    item = segments_of(ana)[0]
    assert put(rita, item["id"], "Versión de Rita", item["revision"], token=page_token(rita)).status_code == 200
    response = ana.post(f"/review/{SLUG}/es/{item['id']}", data={
        "csrf_token": page_token(ana), "target": "Versión de Ana", "revision": item["revision"], "action": "save"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    article = html.split(f'id="seg-{item["id"]}"')[1].split("</article>")[0]
    assert "Versión de Ana</textarea>" in article
    assert '<blockquote lang="es" dir="ltr" data-role="conflict-text">Versión de Rita</blockquote>' in article
    assert entry_for(web_project, "es", item["source"]).msgstr == "Versión de Rita"


def test_form_approve(app, web_project):
    ana, client = logged_in(app, "ana"), logged_in(app, "rita")
    item = segments_of(client)[0]
    saved = put(ana, item["id"], "Paren los ataques", item["revision"], token=page_token(ana)).get_json()
    response = client.post(f"/review/{SLUG}/es/{item['id']}", data={
        "csrf_token": page_token(client), "target": "Paren los ataques", "revision": saved["revision"],
        "action": "approve"})
    assert response.status_code == 302
    assert catalog.state(entry_for(web_project, "es", item["source"])) == "approved"


# --- the API ---------------------------------------------------------------------------------


def test_api_segments_have_the_promised_fields(app):
    client = logged_in(app, "ana")
    items = segments_of(client)
    assert items and all({"id", "source", "target", "state", "revision"} <= set(item) for item in items)
    assert len({item["id"] for item in items}) == len(items)
    statements = client.get("/api/statements").get_json()["statements"]
    assert {s["slug"] for s in statements} == {"stop-the-attacks", "no-to-the-wage-freeze", "housing-is-a-right"}
    assert all("percent" in lang and "segments" in lang for s in statements for lang in s["languages"])


def test_api_put_and_conflict(app, web_project):
    client = logged_in(app, "ana")
    token = page_token(client)
    item = segments_of(client)[2]
    first = put(client, item["id"], "Primera versión", item["revision"], token=token)
    assert first.status_code == 200
    body = first.get_json()
    assert body["revision"] != item["revision"] and body["state"] == "translated"
    stale = put(client, item["id"], "Segunda versión", item["revision"], token=token)
    assert stale.status_code == 409
    assert stale.get_json()["target"] == "Primera versión"
    assert stale.get_json()["revision"] == body["revision"]
    assert entry_for(web_project, "es", item["source"]).msgstr == "Primera versión"
    merged = put(client, item["id"], "Versión unida", stale.get_json()["revision"], token=token)
    assert merged.status_code == 200
    assert entry_for(web_project, "es", item["source"]).msgstr == "Versión unida"


def test_saving_a_draft_makes_it_translated_and_drops_origin(app, web_project):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    with catalog.editing(web_project.catalog_path(SLUG, "es")) as po:
        entry = po.find(item["source"])
        entry.msgstr = "Detener los ataques"
        catalog.set_state(entry, "fuzzy")
        catalog.set_origin(entry, "mt apertium")
    item = segments_of(client)[0]
    assert item["state"] == "fuzzy" and item["origin"] == "mt apertium"
    response = put(client, item["id"], "Detener los ataques", item["revision"], token=page_token(client))
    assert response.get_json()["state"] == "translated"
    response = put(client, item["id"], "Paren los ataques", response.get_json()["revision"], token=page_token(client))
    entry = entry_for(web_project, "es", item["source"])
    assert "fuzzy" not in entry.flags and catalog.origin(entry) is None
    cleared = put(client, item["id"], "", response.get_json()["revision"], token=page_token(client))
    assert cleared.get_json()["state"] == "untranslated"
    msgfmt_check(web_project.catalog_path(SLUG, "es"))


def test_api_session_calls_need_the_csrf_header(app, web_project):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    response = put(client, item["id"], "Sin token", item["revision"])
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    assert entry_for(web_project, "es", item["source"]).msgstr == ""
    assert put(client, item["id"], "Con token", item["revision"], token="forged").status_code == 400
    assert put(client, item["id"], "Con token", item["revision"], token=page_token(client)).status_code == 200


def test_api_bad_bodies(app):
    client = logged_in(app, "ana")
    token = page_token(client)
    item = segments_of(client)[0]
    url = f"/api/statements/{SLUG}/es/segments/{item['id']}"
    not_json = client.put(url, data="not json", headers={"X-CSRFToken": token})
    assert not_json.status_code == 415 and "JSON object" in not_json.get_json()["message"]
    assert client.put(url, json=["a"], headers={"X-CSRFToken": token}).status_code == 400
    assert client.put(url, json={"target": 3, "revision": item["revision"]}, headers={"X-CSRFToken": token}).status_code == 400
    assert client.put(url, json={"target": "x"}, headers={"X-CSRFToken": token}).status_code == 400
    assert client.put(url, json={"target": "x" * 30_000, "revision": item["revision"]},
                      headers={"X-CSRFToken": token}).status_code == 400


def test_bearer_token(invoke, app, web_project):
    result = invoke("user", "token", "ana")
    assert result.exit_code == 0
    token = result.output.split()[-1]
    client = app.test_client()  # no session at all
    auth = {"Authorization": f"Bearer {token}"}
    items = client.get(f"/api/statements/{SLUG}/es/segments", headers=auth).get_json()["segments"]
    response = put(client, items[0]["id"], "Con el token", items[0]["revision"], **auth)
    assert response.status_code == 200  # no CSRF header needed with a token
    assert entry_for(web_project, "es", items[0]["source"]).msgstr == "Con el token"
    assert put(client, items[0]["id"], "x", response.get_json()["revision"], lang="fr", **auth).status_code in (403, 404)
    assert client.get("/api/statements", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers=auth).status_code == 302  # tokens open the API only
    assert UserStore.for_project(web_project).get("ana").has_token
    assert token not in (web_project.private_dir / "instance" / "users.sqlite").read_bytes().decode("latin-1")
    again = invoke("user", "token", "ana").output.split()[-1]
    assert client.get("/api/statements", headers=auth).status_code == 401  # the old token stopped working
    assert client.get("/api/statements", headers={"Authorization": f"Bearer {again}"}).status_code == 200


def test_bearer_token_with_a_stale_session_cookie_still_uses_the_token(app, web_project):
    client = logged_in(app, "rita")
    token = UserStore.for_project(web_project).new_token("ana")
    response = client.get("/api/statements", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert all(lang["can_edit"] == (lang["lang"] == "es") for s in response.get_json()["statements"]
               for lang in s["languages"])


# --- permissions ------------------------------------------------------------------------------


def test_translators_edit_their_languages_only(app, web_project):
    fred = logged_in(app, "fred")
    token = page_token(fred)
    es = segments_of(fred, "es")[0]
    assert put(fred, es["id"], "x", es["revision"], lang="es", token=token).status_code == 403
    response = fred.post(f"/review/{SLUG}/es/{es['id']}", data={
        "csrf_token": token, "target": "x", "revision": es["revision"], "action": "save"})
    assert response.status_code == 403
    assert fred.post(f"/review/{SLUG}/es/{es['id']}/comment", data={"csrf_token": token, "text": "hi"}).status_code == 403
    html = fred.get(f"/review/{SLUG}/es").get_data(as_text=True)
    assert "readonly" in html and 'value="save"' not in html
    fr = segments_of(fred, "fr")[0]
    assert put(fred, fr["id"], "Arrêtez les attaques", fr["revision"], lang="fr", token=token).status_code == 200


@pytest.mark.parametrize("name,status", [("ana", 403), ("fred", 403), ("rita", 200), ("boss", 200)])
def test_who_may_approve(app, name, status):
    client = logged_in(app, name)
    lang = "fr" if name == "fred" else "es"
    writer = logged_in(app, "boss" if name == "fred" else "ana")  # someone else writes the text
    item = segments_of(client, lang)[0]
    token = page_token(client)
    saved = put(writer, item["id"], "texto", item["revision"], lang=lang, token=page_token(writer))
    revision = saved.get_json()["revision"]
    response = client.post(f"/api/statements/{SLUG}/{lang}/segments/{item['id']}/approve",
                           json={"revision": revision}, headers={"X-CSRFToken": token})
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["state"] == "approved"


def test_reviewer_limited_to_languages(app):
    rita = logged_in(app, "rita")
    item = segments_of(rita, "fr")[0]
    assert put(rita, item["id"], "x", item["revision"], lang="fr", token=page_token(rita)).status_code == 403


def test_approving_needs_a_translation_and_the_current_revision(app):
    client, ana = logged_in(app, "rita"), logged_in(app, "ana")
    token = page_token(client)
    item = segments_of(client)[0]
    url = f"/api/statements/{SLUG}/es/segments/{item['id']}/approve"
    assert client.post(url, json={}, headers={"X-CSRFToken": token}).status_code == 400
    saved = put(ana, item["id"], "texto", item["revision"], token=page_token(ana)).get_json()
    assert client.post(url, json={"revision": item["revision"]}, headers={"X-CSRFToken": token}).status_code == 409
    assert client.post(url, json={"revision": saved["revision"]}, headers={"X-CSRFToken": token}).status_code == 200


@pytest.mark.parametrize("path", [f"/export/{SLUG}/es", f"/export/{SLUG}/es?format=txt", "/users", "/statements/new"])
def test_coordinator_pages_refuse_others(app, path):
    for name in ("ana", "rita"):
        assert logged_in(app, name).get(path).status_code == 403


# --- export -------------------------------------------------------------------------------------


def test_export_downloads(app, web_project):
    client = logged_in(app, "boss")
    page = client.get(f"/export/{SLUG}/es")
    assert page.status_code == 200 and "format=html" in page.get_data(as_text=True)
    refused = client.get(f"/export/{SLUG}/es?format=txt")
    assert refused.status_code == 409  # nothing approved yet
    draft = client.get(f"/export/{SLUG}/es?format=txt&draft=1")
    assert draft.status_code == 200
    assert draft.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.es.txt"'
    assert "Stop the Attacks" in draft.get_data(as_text=True)
    four_eyes(app, "ES ", reviewer="boss")
    for fmt, extension, mime in (("txt", "txt", "text/plain"), ("html", "html", "text/html"),
                                 ("md", "md", "text/markdown"), ("source", "txt", "text/plain"),
                                 ("proof", "proof.html", "text/html")):
        response = client.get(f"/export/{SLUG}/es?format={fmt}")
        assert response.status_code == 200, fmt
        assert response.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.es.{extension}"'
        assert response.mimetype == mime
    assert "ES Stop the Attacks" in client.get(f"/export/{SLUG}/es?format=txt").get_data(as_text=True)
    assert client.get(f"/export/{SLUG}/es?format=exe").status_code == 404


# --- comments, history, next --------------------------------------------------------------------


def test_comments_and_history(app):
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    item = segments_of(ana)[0]
    response = ana.post(f"/review/{SLUG}/es/{item['id']}/comment",
                        data={"csrf_token": page_token(ana), "text": "Is 'harbour' puerto or muelle?"})
    assert response.status_code == 302
    assert ana.post(f"/review/{SLUG}/es/{item['id']}/comment", data={"text": "no token"}).status_code == 400
    saved = put(ana, item["id"], "Paren los ataques", item["revision"], token=page_token(ana)).get_json()
    rita.post(f"/api/statements/{SLUG}/es/segments/{item['id']}/approve", json={"revision": saved["revision"]},
              headers={"X-CSRFToken": page_token(rita)})
    html = rita.get(f"/review/{SLUG}/es?filter=all").get_data(as_text=True)
    article = html.split(f'id="seg-{item["id"]}"')[1].split("</article>")[0]
    assert "<b>ana</b>" in article and "Is &#39;harbour&#39; puerto or muelle?" in article
    assert "History (2)" in article
    assert re.search(r"<b>rita</b> approved <time>\w{3} \d\d?, \d{4}, \d\d?:\d\d\s[AP]M UTC</time> \(translated → approved\)", article)
    assert re.search(r"<b>ana</b> edited <time>[^<]+</time> \(untranslated → translated\)", article)
    assert '<ins lang="es">Paren los ataques</ins>' in article


def test_empty_comment_is_not_stored(app):
    client = logged_in(app, "ana")
    item = segments_of(client)[0]
    client.post(f"/review/{SLUG}/es/{item['id']}/comment", data={"csrf_token": page_token(client), "text": "   "})
    html = client.get(f"/review/{SLUG}/es?filter=all").get_data(as_text=True)
    assert "Comments (0)" in html.split(f'id="seg-{item["id"]}"')[1].split("</article>")[0]


def test_next_skips_segments_others_have_open(app):
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    items = segments_of(ana)
    response = ana.post(f"/api/statements/{SLUG}/es/segments/{items[0]['id']}/open",
                        headers={"X-CSRFToken": page_token(ana)})
    assert response.status_code == 200
    looked = rita.get(f"/review/{SLUG}/es/next")  # a GET only looks: it opens nothing
    assert looked.headers["Location"].endswith(f"#seg-{items[1]['id']}")  # items[0] is ana's
    assert ana.get(f"/api/statements/{SLUG}/es/next").get_json()["next"] == items[0]["id"]
    assert ana.get(f"/api/statements/{SLUG}/es/next?after={items[0]['id']}").get_json()["next"] == items[1]["id"]
    nxt = rita.post(f"/review/{SLUG}/es/next", data={"csrf_token": page_token(rita)})  # the button opens it
    assert nxt.headers["Location"].endswith(f"#seg-{items[1]['id']}")
    # rita now has items[1]: ana's save of items[0] hands her items[2]
    saved = put(ana, items[0]["id"], "Paren", items[0]["revision"], token=page_token(ana)).get_json()
    assert saved["next"] == items[2]["id"]
    html = ana.get(f"/review/{SLUG}/es").get_data(as_text=True)
    assert "rita has this open" in html.split(f'id="seg-{items[1]["id"]}"')[1].split("</article>")[0]


def test_segment_ids_are_stable(app, web_project):
    client = logged_in(app, "ana")
    before = [item["id"] for item in segments_of(client)]
    item = segments_of(client)[0]
    put(client, item["id"], "Paren los ataques", item["revision"], token=page_token(client))
    assert [item["id"] for item in segments_of(client)] == before
    po = catalog.read(web_project.catalog_path(SLUG, "es"))
    assert [seg.segment_id(entry) for entry in catalog.live_entries(po)] == before


# --- escaping of hostile text ----------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere(tmp_path):
    project = Project.create(tmp_path / "hostile", "en", ["es"])
    source = tmp_path / "attack.txt"
    source.write_text(f"March 3, 2024\n\nTitle {HOSTILE}\n\nWe say {HOSTILE} loudly.\n\n— Net\n", encoding="utf-8")
    apply(project, plan_add(project, [source]))
    accounts = UserStore.for_project(project)
    accounts.add(HOSTILE, PASSWORD, role="coordinator")
    app = create_app(project.root, {"TESTING": True})
    client = logged_in(app, HOSTILE)
    token = page_token(client)
    items = segments_of(client, slug="attack")
    for item in items:
        client.put(f"/api/statements/attack/es/segments/{item['id']}",
                   json={"target": f"{HOSTILE}<img src=x onerror=alert(2)>", "revision": item["revision"]},
                   headers={"X-CSRFToken": token})
        client.post(f"/review/attack/es/{item['id']}/comment", data={"csrf_token": token, "text": HOSTILE})
    pages = [client.get(path).get_data(as_text=True) for path in (
        "/", "/review/attack/es?filter=all", "/review/attack/es/preview", "/users", "/export/attack/es")]
    for html in pages:
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    review = pages[1]
    assert review.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3 * len(items)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</span>" in pages[0] or "&lt;script&gt;" in pages[0]


# --- coordinators: statements and accounts ----------------------------------------------------------


def test_coordinator_adds_a_statement(app, web_project):
    client = logged_in(app, "boss")
    token = csrf_from(client.get("/statements/new").get_data(as_text=True))
    response = client.post("/statements/new", data={
        "csrf_token": token, "kind": "txt", "slug": "",
        "text": "June 1, 2025\n\nHands Off the Library\n\nThe city wants to close the library. We say no.\n"})
    assert response.status_code == 302
    assert "hands-off-the-library" in web_project.statements()
    assert web_project.catalog_path("hands-off-the-library", "es").exists()
    msgfmt_check(web_project.catalog_path("hands-off-the-library", "es"))
    again = client.post("/statements/new", data={"csrf_token": token, "kind": "txt", "slug": "hands-off-the-library",
                                                  "text": "Other text."})
    assert again.status_code == 400 and "exists already" in again.get_data(as_text=True)
    bad = client.post("/statements/new", data={"csrf_token": token, "kind": "txt", "slug": "../etc", "text": "x"})
    assert bad.status_code == 400
    assert client.post("/statements/new", data={"kind": "txt", "text": "No token."}).status_code == 400


def test_coordinator_manages_users(app, web_project):
    client = logged_in(app, "boss")
    token = csrf_from(client.get("/users").get_data(as_text=True))
    response = client.post("/users", data={"csrf_token": token, "name": "kim", "role": "translator",
                                           "langs": "fr", "password": PASSWORD})
    assert response.status_code == 302
    assert UserStore.for_project(web_project).get("kim").langs == ["fr"]
    short = client.post("/users", data={"csrf_token": token, "name": "lee", "role": "translator",
                                        "langs": "fr", "password": "short"})
    assert short.status_code == 400 and "password too short" in short.get_data(as_text=True)
    assert client.post("/users/kim/remove", data={}).status_code == 400
    assert client.post("/users/kim/remove", data={"csrf_token": token}).status_code == 302
    assert UserStore.for_project(web_project).get("kim") is None


# --- the commands ---------------------------------------------------------------------------------


def test_user_commands(invoke, web_project):
    project = web_project
    added = invoke("user", "add", "maria", "--role", "translator", "--lang", "es,fr", "--password-stdin",
                   input="her long password\n")
    assert added.exit_code == 0, added.output
    store = UserStore.for_project(project)
    assert store.authenticate("maria", "her long password").langs == ["es", "fr"]
    prompted = invoke("user", "add", "otto", "--role", "reviewer", input="his long password\nhis long password\n")
    assert prompted.exit_code == 0 and store.authenticate("otto", "his long password")
    listed = invoke("user", "list")
    assert "maria" in listed.output and "translator" in listed.output and "otto" in listed.output
    assert invoke("user", "passwd", "maria", "--password-stdin", input="a new long password\n").exit_code == 0
    assert store.authenticate("maria", "her long password") is None
    assert store.authenticate("maria", "a new long password")
    generated = invoke("user", "add", "admin", "--role", "coordinator", "--generate-password")
    password = generated.output.split()[-1]
    assert store.authenticate("admin", password).is_coordinator
    kept = invoke("user", "add", "admin", "--role", "coordinator", "--generate-password", "--exist-ok")
    assert kept.exit_code == 0 and store.authenticate("admin", password)
    assert invoke("user", "remove", "otto").exit_code == 0 and store.get("otto") is None
    assert not (project.translations_dir / "users.sqlite").exists()
    assert (project.private_dir / "instance" / "users.sqlite").exists()


@pytest.mark.parametrize("args,stdin,message", [
    (["user", "add", "x y", "--password-stdin"], "long enough pw\n", "not a valid user name"),
    (["user", "add", "x", "--role", "coordinator", "--password-stdin"], "short\n", "password too short"),
    (["user", "add", "x", "--role", "translator", "--password-stdin"], "long enough pw\n", "needs languages"),
    (["user", "add", "x", "--lang", "qq-zz-bad!", "--password-stdin"], "long enough pw\n", "language code"),
    (["user", "remove", "ghost"], None, "no such user"),
    (["user", "token", "ghost"], None, "no such user"),
    (["user", "passwd", "ghost", "--password-stdin"], "long enough pw\n", "no such user"),
])
def test_user_command_errors(project, args, stdin, message):
    from conftest import run_chorus

    result = run_chorus(*args, "--project", str(project.root), input=stdin.encode() if stdin else None)
    assert result.returncode == 1
    error = result.stderr.decode()
    assert message in error and "Traceback" not in error and len(error.strip().splitlines()) == 1


def test_duplicate_user_is_refused(invoke):
    result = invoke("user", "add", "ana", "--role", "coordinator", "--password-stdin", input="another password\n")
    assert result.exit_code == 1


def test_create_app_finds_the_project(web_project, monkeypatch, tmp_path):
    monkeypatch.setenv("CHORUS_PROJECT", str(web_project.root))
    assert create_app().config["CHORUS_PROJECT"] == str(web_project.root)
    monkeypatch.delenv("CHORUS_PROJECT")
    monkeypatch.chdir(web_project.root)
    assert create_app().config["CHORUS_PROJECT"] == str(web_project.root)
    assert (web_project.private_dir / "instance" / "secret_key").stat().st_mode & 0o077 == 0


# --- concurrency --------------------------------------------------------------------------------------


def test_concurrent_saves_of_one_catalog_are_all_kept(web_project):
    apps = [create_app(web_project.root, {"TESTING": True}) for _ in range(3)]
    clients = [logged_in(apps[i % 3], name) for i, name in enumerate(("ana", "rita", "boss"))]
    tokens = [page_token(client) for client in clients]
    items = segments_of(clients[0])
    results = []

    def work(index: int, item: dict):
        client = clients[index % 3]
        response = put(client, item["id"], f"texto {index}", item["revision"], token=tokens[index % 3])
        results.append(response.status_code)

    threads = [threading.Thread(target=work, args=(i, item)) for i, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * len(items)
    po = catalog.read(web_project.catalog_path(SLUG, "es"))
    assert sorted(e.msgstr for e in catalog.live_entries(po)) == sorted(f"texto {i}" for i in range(len(items)))
    msgfmt_check(web_project.catalog_path(SLUG, "es"))


def test_memory_suggestions_with_differences_marked(app, web_project, tmp_path):
    client = logged_in(app, "ana")
    slogan = next(item for item in segments_of(client) if item["source"] == "Solidarity with the harbour workers!")
    put(client, slogan["id"], "¡Solidaridad con los trabajadores del puerto!", slogan["revision"], token=page_token(client))
    other = tmp_path / "dockers.txt"
    other.write_text("March 9, 2024\n\nThe Dockers Again\n\nWe met again today.\n\n"
                     "Solidarity with the brave harbour workers!\n\n— Harbour Solidarity Network\n", encoding="utf-8")
    apply(web_project, plan_add(web_project, [other]))
    html = client.get("/review/dockers/es?filter=all").get_data(as_text=True)
    item = next(item for item in segments_of(client, slug="dockers") if item["source"].startswith("Solidarity"))
    article = html.split(f'id="seg-{item["id"]}"')[1].split("</article>")[0]
    assert "¡Solidaridad con los trabajadores del puerto!" in article
    assert "<del>brave </del>" in article  # the remembered source lacks a word of this one
    assert "stop-the-attacks" in article


def test_chorus_serve_starts_a_server(web_project):
    import socket
    import subprocess
    import time
    import urllib.request

    from conftest import CHORUS

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([str(CHORUS), "serve", "--port", str(port), "--project", str(web_project.root)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    assert response.status == 200 and b'name="csrf_token"' in response.read()
                    break
            except OSError:
                assert time.monotonic() < deadline, server.stderr.read1().decode() if server.poll() is not None else "no answer"
                time.sleep(0.2)
        busy = subprocess.run([str(CHORUS), "serve", "--port", str(port), "--project", str(web_project.root)],
                              capture_output=True, text=True, timeout=30)
        assert busy.returncode == 1 and "cannot listen on 127.0.0.1:" in busy.stderr
        assert "Traceback" not in busy.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_app_removes_temp_files_killed_runs_left(web_project):
    """gunicorn starts the app without a command, so the app tidies as every command does."""
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid names a process that no longer runs
    folder = web_project.translations_dir / "stop-the-attacks"
    stale = folder / f".es.po.{gone.pid}-0.tmp"
    stale.write_text("half a catalog", encoding="utf-8")
    live = folder / f".es.po.{os.getpid()}-0.tmp"  # a process still at work: kept
    live.write_text("being written", encoding="utf-8")
    create_app(web_project.root, {"TESTING": True})
    assert not stale.exists() and live.exists()
