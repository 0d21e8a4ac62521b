"""Live updates in a real Chromium: two volunteers on one language see each other's saves,
approvals, claims and comments without reloading; so are saves through the API, the command
line and a catalog changed outside the server."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import requests
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import run_chorus  # noqa: E402
from test_review_browser import (SLUG, browser, catalog_entry, login, segment_ids, server,  # noqa: E402,F401
                                 source_of, template)

from chorus import catalog  # noqa: E402
from chorus.users import UserStore  # noqa: E402

SOON = 10_000  # ms: "within seconds"


def open_page(browser, server, login, name: str, query: str = "filter=all"):
    """A volunteer's review page, its stream connected; ``window.__sameDocument`` tells a reload."""
    context = browser.new_context()
    page = context.new_page()
    login(page, name)
    page.goto(server.url + f"/review/{SLUG}/es?{query}")
    expect(page.locator("#segments[data-live-ready='1']")).to_have_count(1, timeout=SOON)
    page.evaluate("window.__sameDocument = true")
    return page


def still_same_page(*pages) -> None:
    for page in pages:
        assert page.evaluate("window.__sameDocument") is True  # no reload happened


def test_two_volunteers_see_saves_approvals_claims_and_comments(browser, server, login):
    ana = open_page(browser, server, login, "ana")
    rita = open_page(browser, server, login, "rita")
    first, third = segment_ids(ana)[0], segment_ids(ana)[2]

    # a save, with the number missing: the other page shows text, state, author and the QA warning
    profit = next(seg for seg in segment_ids(ana) if "3.8" in source_of(ana, seg))
    ana.fill(f"#t-{profit}", "El operador declaró beneficios el año pasado.")
    ana.click(f"#seg-{profit} button[value=save]")
    expect(ana.locator(f"#seg-{profit} [data-role=status]")).to_have_text("Saved")
    expect(ana.locator(f"#seg-{profit} [data-role=warnings] li")).not_to_have_count(0, timeout=SOON)  # own page too
    expect(rita.locator(f"#t-{profit}")).to_have_value("El operador declaró beneficios el año pasado.", timeout=SOON)
    expect(rita.locator(f"#seg-{profit} [data-role=badge]")).to_have_text("translated")
    expect(rita.locator(f"#seg-{profit} .author")).to_have_text("by ana")
    expect(rita.locator(f"#seg-{profit} [data-role=warnings] li")).not_to_have_count(0)
    expect(rita.locator(f"#seg-{profit} [data-role=approve]")).to_be_visible()  # four eyes: rita may approve
    # the fix: the warning goes on both pages, after the save and without a reload
    ana.fill(f"#t-{profit}", "El operador declaró beneficios de 3.8 bn. de dólares el año pasado.")
    ana.click(f"#seg-{profit} button[value=save]")
    expect(ana.locator(f"#seg-{profit} [data-role=warnings] li")).to_have_count(0, timeout=SOON)
    expect(rita.locator(f"#seg-{profit} [data-role=warnings] li")).to_have_count(0, timeout=SOON)
    expect(rita.locator(f"#t-{profit}")).to_have_value(
        "El operador declaró beneficios de 3.8 bn. de dólares el año pasado.")

    # an approval
    rita.click(f"#seg-{profit} button[value=approve]")
    expect(rita.locator(f"#seg-{profit} [data-role=badge]")).to_have_text("approved")
    expect(ana.locator(f"#seg-{profit} [data-role=badge]")).to_have_text("approved", timeout=SOON)
    expect(ana.locator(f"#seg-{profit}")).to_have_class(re.compile(r"\bstate-approved\b"), timeout=SOON)

    # a claim: ana opens a sentence, rita sees who has it
    opened = segment_ids(ana)[6]
    ana.focus(f"#t-{opened}")
    expect(rita.locator(f"#seg-{opened} .claimed")).to_have_text("ana has this open", timeout=SOON)
    expect(ana.locator(f"#seg-{opened} .claimed")).to_have_count(0)  # not her own

    # a comment, posted without a reload; it appears on both pages
    rita.click(f"#seg-{third} details.comments summary")
    rita.fill(f"#c-{third}", "¿«Paren» o «Detengan»?")
    rita.click(f"#seg-{third} .comment-form button[type=submit]")
    expect(rita.locator(f"#seg-{third} details.comments li")).to_contain_text("¿«Paren» o «Detengan»?", timeout=SOON)
    expect(rita.locator(f"#c-{third}")).to_have_value("")
    expect(ana.locator(f"#seg-{third} details.comments li")).to_contain_text("¿«Paren» o «Detengan»?", timeout=SOON)
    expect(ana.locator(f"#seg-{third} details.comments summary")).to_have_text("Comments (1)")

    # a colleague's save while ana writes in the same field: her text stays, theirs is offered
    ana.fill(f"#t-{first}", "El texto de Ana, a medias")
    rita.fill(f"#t-{first}", "El texto de Rita")
    rita.click(f"#seg-{first} button[value=save]")
    conflict = ana.locator(f"#seg-{first} [data-role=conflict]")
    expect(conflict).to_be_visible(timeout=SOON)
    expect(conflict.locator("[data-role=conflict-text]")).to_have_text("El texto de Rita")
    expect(ana.locator(f"#t-{first}")).to_have_value("El texto de Ana, a medias")
    still_same_page(ana, rita)
    ana.context.close()
    rita.context.close()


def test_saves_through_the_api_the_command_line_and_the_files_appear(browser, server, login):
    page = open_page(browser, server, login, "rita")
    ids = segment_ids(page)
    token = UserStore.for_project(server.project).new_token("ana")
    api = server.url + f"/api/statements/{SLUG}/es/segments"
    headers = {"Authorization": f"Bearer {token}"}

    current = requests.get(f"{api}/{ids[4]}", headers=headers, timeout=10).json()
    answer = requests.put(f"{api}/{ids[4]}", headers=headers, timeout=10,
                          json={"target": "Guardado por la API", "revision": current["revision"]})
    assert answer.status_code == 200
    expect(page.locator(f"#t-{ids[4]}")).to_have_value("Guardado por la API", timeout=SOON)
    expect(page.locator(f"#seg-{ids[4]} .history summary")).to_have_text("History (1)")

    second = requests.put(f"{api}/{ids[4]}", headers=headers, timeout=10,
                          json={"target": "Otra vez por la API", "revision": answer.json()["revision"]})
    assert second.status_code == 200
    expect(page.locator(f"#t-{ids[4]}")).to_have_value("Otra vez por la API", timeout=SOON)

    # the command line: back to the first text, as a new event
    events = requests.get(f"{api}/{ids[4]}/history", headers=headers, timeout=10).json()["events"]
    done = run_chorus("revert", SLUG, ids[4], str(events[-1]["id"]), "--lang", "es", "--as", "ana",
                      cwd=server.project.root)
    assert done.returncode == 0, done.stderr
    expect(page.locator(f"#t-{ids[4]}")).to_have_value("Guardado por la API", timeout=SOON)
    expect(page.locator(f"#seg-{ids[4]} .history summary")).to_have_text("History (3)", timeout=SOON)

    # a catalog written outside Chorus's records (a PO editor, a git merge): a machine draft
    path = server.project.catalog_path(SLUG, "es")
    po = catalog.read(path)
    entry = po.find(source_of(page, ids[5]))
    entry.msgstr = "Un borrador de otra parte"
    catalog.set_state(entry, "fuzzy")
    catalog.set_origin(entry, "mt apertium")
    catalog.write(po, path)  # as a merge or a PO editor leaves it: no history, no feed
    expect(page.locator(f"#t-{ids[5]}")).to_have_value("Un borrador de otra parte", timeout=SOON)
    expect(page.locator(f"#seg-{ids[5]} [data-role=badge]")).to_have_text("draft")
    expect(page.locator(f"#seg-{ids[5]} .origin")).to_have_text("mt apertium")
    # a volunteer's save replaces the draft: the origin label goes
    page.fill(f"#t-{ids[5]}", "Un texto revisado")
    page.click(f"#seg-{ids[5]} button[value=save]")
    expect(page.locator(f"#seg-{ids[5]} .origin")).to_have_count(0, timeout=SOON)
    still_same_page(page)
    page.context.close()


def test_a_reconnecting_page_gets_what_it_missed(server, login):
    """Last-Event-ID resumes the feed; a stream answers with the event stream headers a proxy needs."""
    session = requests.Session()
    login_page = session.get(server.url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    session.post(server.url + "/login", data={"username": "ana", "password": "a long password",
                                              "csrf_token": token}, timeout=10)
    page = session.get(server.url + f"/review/{SLUG}/es?filter=all", timeout=10).text
    since = int(page.split('data-since="')[1].split('"')[0])
    seg = page.split('data-id="')[1].split('"')[0]
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    comment = session.post(server.url + f"/review/{SLUG}/es/{seg}/comment", timeout=10,
                           data={"text": "Missed while away", "csrf_token": csrf},
                           headers={"Accept": "application/json"})
    assert comment.status_code == 200

    with session.get(server.url + f"/review/{SLUG}/es/live", headers={"Last-Event-ID": str(since)},
                     stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        assert stream.headers["X-Accel-Buffering"] == "no"
        seen = read_until(stream, "event: hello")
    assert "event: segment" in seen and "Missed while away" in seen and "event: summary" in seen
    assert f"id: {since + 1}" in seen

    # a page that has seen that change (its feed id) is not sent it again
    with session.get(server.url + f"/review/{SLUG}/es/live?since={since + 1}", stream=True, timeout=10) as stream:
        seen = read_until(stream, "event: hello")
    assert "Missed while away" not in seen and "event: segment" not in seen

    assert session.get(server.url + "/review/no-such-statement/es/live", timeout=10).status_code == 404
    assert requests.get(server.url + f"/review/{SLUG}/es/live", timeout=10, allow_redirects=False).status_code in (302, 401)


def read_until(stream, marker: str) -> str:
    seen = ""
    for chunk in stream.iter_content(chunk_size=None, decode_unicode=True):
        seen += chunk
        if marker in seen:
            return seen
    raise AssertionError(f"the stream ended before {marker!r}: {seen!r}")
