"""HTML and script written by volunteers is shown as text, never run.

Hostile markup goes into a source statement (plain text and Markdown), a translation, a review
comment and a user name. Every page of the web UI that shows them, and the HTML export, must
show it escaped: the raw markup never appears, its escaped form does.
"""

from __future__ import annotations

import json

import re

import pytest

from chorus import assemble, catalog
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore

PASSWORD = "a-long-enough-password"
SOURCE = '<script>alert("source")</script>'
IMAGE = "<img src=x onerror=alert('image')>"
MARKDOWN = '<script>alert("markdown")</script>'
TARGET = '<script>alert("target")</script>'
COMMENT = '<script>alert("comment")</script>'
USER = "<script>alert('user')</script>"
RAW = ("<script>alert(", "<img src=x onerror", 'href="javascript:', "href='javascript:")


def escaped(markup: str) -> str:
    """The start of ``markup`` as any HTML escaper writes it (``&lt;`` and the tag name)."""
    return "&lt;" + re.match(r"<(\w+)", markup).group(1)


def assert_shown_as_text(page: str, *markups: str) -> None:
    for raw in RAW:
        assert raw not in page, f"raw markup {raw!r} in the page"
    for markup in markups:
        inner = re.search(r"alert\(['\"](\w+)", markup).group(1)
        assert re.search(re.escape(escaped(markup)) + r"[^<]*" + inner, page), f"{markup!r} is not shown as text"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    project = Project.create(root / "project", "en", ["es"])
    text = root / "hostile.txt"
    text.write_text(f"The title {SOURCE}\n\nWe stand with you {SOURCE}. And {IMAGE} here.\n\n"
                    f"Solidarity {SOURCE}!\n\n— The network {IMAGE}\n", encoding="utf-8")
    markdown = root / "hostile-md.md"
    markdown.write_text(f"# Markdown title {MARKDOWN}\n\nRaw HTML {MARKDOWN} in a paragraph.\n\n"
                        "A [link](javascript:alert('link')) to nowhere.\n", encoding="utf-8")
    apply(project, plan_add(project, [text, markdown]))
    users = UserStore.for_project(project)
    users.add("coord", PASSWORD, role="coordinator")
    users.add(USER, PASSWORD, role="reviewer")
    users.add("second-pair", PASSWORD, role="reviewer")  # four eyes: someone else approves
    from webui import create_app

    app = create_app(project.root)
    hostile = logged_in(app, USER)
    for slug in ("hostile", "hostile-md"):
        translate_everything(hostile, slug, project, logged_in(app, "second-pair"))
    first = segment_ids(hostile, "hostile")[0]
    page = hostile.get("/review/hostile/es").get_data(as_text=True)
    response = hostile.post(f"/review/hostile/es/{first}/comment",
                            data={"text": COMMENT, "csrf_token": csrf_token(page)})
    assert response.status_code in (200, 302)
    return project, app


def csrf_token(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def logged_in(app, name: str):
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def segment_ids(client, slug: str) -> list[str]:
    return [s["id"] for s in client.get(f"/api/statements/{slug}/es/segments").get_json()["segments"]]


def translate_everything(client, slug: str, project: Project, approver) -> None:
    """Every segment gets a translation carrying the hostile markup, saved through the API (and
    approved by ``approver``)."""
    token = csrf_token(client.get("/").get_data(as_text=True))
    approving = csrf_token(approver.get("/").get_data(as_text=True))
    for segment in client.get(f"/api/statements/{slug}/es/segments").get_json()["segments"]:
        saved = client.put(f"/api/statements/{slug}/es/segments/{segment['id']}",
                           json={"target": f"Traducción {TARGET} de {segment['source']}",
                                 "revision": segment["revision"]}, headers={"X-CSRFToken": token})
        assert saved.status_code == 200, saved.get_data(as_text=True)
        response = approver.post(f"/api/statements/{slug}/es/segments/{segment['id']}/approve",
                                 json={"revision": saved.get_json()["revision"]}, headers={"X-CSRFToken": approving})
        assert response.status_code == 200, response.get_data(as_text=True)
    po = catalog.read(project.catalog_path(slug, "es"))
    assert all(catalog.state(entry) == "approved" for entry in catalog.live_entries(po))


PAGES = {
    "dashboard": ("/", [SOURCE]),
    "review page": ("/review/hostile/es", [SOURCE, IMAGE, TARGET, COMMENT, USER]),
    "review page, Markdown": ("/review/hostile-md/es", [MARKDOWN, TARGET]),
    "review page, needs-work filter": ("/review/hostile/es?filter=needs-work", []),
    "preview": ("/review/hostile/es/preview", [TARGET]),
    "users": ("/users", [USER]),
    "export page": ("/export/hostile/es", []),
    "new statement form": ("/statements/new", []),
    # Translations that add markup block publishing: the draft export shows them, as text.
    "HTML export (web)": ("/export/hostile/es?format=html&draft=1", [TARGET]),
    "HTML export of Markdown (web)": ("/export/hostile-md/es?format=html&draft=1", [TARGET]),
    "segments (API)": ("/api/statements/hostile/es/segments", []),
    "search": ("/search?q=stand", [SOURCE, TARGET]),
    "search, matching inside the markup": ("/search?q=alert+script", []),
    "account": ("/account", []),
    "engines report": ("/reports/engines", []),
}


NOT_PAGES = {  # no volunteer text in them: files, the login form, redirects, JSON like the one above
    "static", "auth.login", "review.next_segment", "api.next_segment", "api.get_segment", "api.statements",
    "api.search", "api.list_jobs", "api.account", "api.segment_history", "api.list_comments",
    "sync.sync_status", "api.segment_suggestions", "api.engines_report",
    "finish.download",  # a text file to publish, the translations as written (held back while they add markup)
    "live.rows", "live.stream",  # JSON and events carrying rows rendered like the review page: tested below
}


@pytest.mark.parametrize("name", PAGES, ids=list(PAGES))
def test_hostile_text_is_shown_as_text_on_every_page(world, name):
    project, app = world
    path, expected = PAGES[name]
    response = logged_in(app, "coord").get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        assert TARGET in response.get_json()["segments"][0]["target"]  # JSON carries the text as is
        return
    assert_shown_as_text(page, *expected)


def test_hostile_text_is_text_in_live_updates(world):
    """The rows a live update sends are rendered as the review page renders them: escaped."""
    project, app = world
    client = logged_in(app, "coord")
    ids = segment_ids(client, "hostile")
    rows = client.get(f"/review/hostile/es/rows?ids={','.join(ids)}").get_json()["rows"]
    assert len(rows) == len(ids)
    assert_shown_as_text("".join(row["html"] for row in rows), SOURCE, IMAGE, TARGET, COMMENT, USER)
    stream = client.get("/review/hostile/es/live?since=0")  # the test client is not threaded: one answer
    assert stream.mimetype == "text/event-stream"
    events = stream.get_data(as_text=True)
    assert "event: segment" in events
    shown = "".join(json.loads(line[len("data: "):])["html"] for line in events.splitlines()
                    if line.startswith("data: ") and '"html"' in line)
    assert_shown_as_text(shown, SOURCE, TARGET, COMMENT, USER)


def test_every_page_is_in_the_list(world):
    """A new page showing volunteers' text must join PAGES."""
    project, app = world
    shown = {re.sub(r"\?.*", "", path) for path, _ in PAGES.values()}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        concrete = re.sub(r"<slug>", "hostile", re.sub(r"<lang>", "es", rule.rule))
        assert concrete in shown or concrete.replace("hostile", "hostile-md") in shown, rule.rule


@pytest.mark.parametrize("slug", ["hostile", "hostile-md"])
def test_hostile_text_is_text_in_the_html_export(world, slug):
    project, _ = world
    page = assemble.render(project, slug, "es", "html", draft=True)
    assert_shown_as_text(page, TARGET)


def test_hostile_source_is_text_in_a_draft_export(world, tmp_path):
    """Untranslated segments stay in the source language: the source's markup is escaped too."""
    project, _ = world
    with catalog.editing(project.catalog_path("hostile", "es")) as po:
        for entry in catalog.live_entries(po):
            entry.msgstr = ""
            entry.flags = []
    page = assemble.render(project, "hostile", "es", "html", draft=True)
    assert_shown_as_text(page, SOURCE, IMAGE)
