"""Storage failures are honest: with a full disk or read-only storage, a save is either on disk
with its history and answered 200, or not written at all and answered 503 with a message the
page shows ("the server cannot write right now; your text is kept in this page").

The storage is real: RAM file systems under the project, its catalogs and its instance folder,
filled up or turned read-only while gunicorn serves them (``storage_jail.py``). After every
failure the storage is given back and the server must save again.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from chorus import catalog
from reliability_server import LANG, PASSWORD, REPO, api_token, form_token, free_port, login, make_project
from storage_jail import Jail, available

PHRASE = "cannot write right now; your text is kept in this page"

@pytest.fixture(scope="module")
def jail(tmp_path_factory):
    missing = available()
    if missing:
        pytest.skip(f"no private mounts on this machine: {missing}")
    folder = tmp_path_factory.mktemp("storage")
    project = make_project(folder / "project", 2, 60)
    token = api_token(project)
    running = Jail(project.root, REPO, free_port(), folder / "server.log")
    running.token = token
    running.scratch = folder / "history-copy"
    running.slug = project.statements()[0]
    running.untouched = iter(segments(running, running.slug))  # each test saves segments nobody saved
    yield running
    running.close()
    assert "Traceback" not in (folder / "server.log").read_text(encoding="utf-8", errors="replace")


def api(jail: Jail) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {jail.token}"
    return session


def segments(jail: Jail, slug: str) -> list[dict]:
    response = api(jail).get(f"{jail.url}/api/statements/{slug}/{LANG}/segments", timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response.json()["segments"]


def save(jail: Jail, segment: dict, text: str) -> requests.Response:
    return api(jail).put(f"{jail.url}/api/statements/{jail.slug}/{LANG}/segments/{segment['id']}",
                         json={"target": text, "revision": segment["revision"]}, timeout=60)


def on_disk(jail: Jail) -> dict[str, str]:
    """msgid → msgstr of the catalog as the server sees it."""
    po = catalog.read(jail.path(f"translations/{jail.slug}/{LANG}.po"))
    return {entry.msgid: entry.msgstr for entry in catalog.live_entries(po)}


def history_targets(jail: Jail, copy_to: Path) -> list[str]:
    """The saved texts in the history, read from a copy of the database (SQLite would follow
    /proc/<pid>/root to this side's files); the server is idle meanwhile."""
    copy_to.mkdir(exist_ok=True)
    for suffix in ("", "-wal"):
        source = jail.path(f".chorus/instance/webui.sqlite{suffix}")
        if source.exists():
            shutil.copyfile(source, copy_to / f"webui.sqlite{suffix}")
    with closing(sqlite3.connect(copy_to / "webui.sqlite", timeout=30)) as db:
        settled = "WHERE pending = 0" if "pending" in {row[1] for row in db.execute("PRAGMA table_info(history)")} else ""
        rows = [row[0] for row in db.execute(f"SELECT new_target FROM history {settled}")]
    shutil.rmtree(copy_to)
    return rows


def attempts(jail: Jail, count: int, label: str) -> list[tuple[dict, str, requests.Response]]:
    done = []
    for number in range(count):
        segment = next(jail.untouched)
        text = f"{label} {number} ({segment['id']}): «guardado» o nada"
        done.append((segment, text, save(jail, segment, text)))
    return done


def assert_honest(jail: Jail, done: list[tuple[dict, str, requests.Response]], failures_expected: bool = True) -> None:
    """Every save answered 200 is on disk with one history row; every other one was a 503 that
    says so, and is neither on disk nor in the history."""
    texts, history = on_disk(jail), history_targets(jail, jail.scratch)
    refused = 0
    for segment, text, response in done:
        if response.status_code == 200:
            assert texts[segment["source"]] == text
            assert history.count(text) == 1, f"history of {text!r}: {history.count(text)} rows"
            continue
        refused += 1
        assert response.status_code == 503, response.text[:300]
        body = response.json()
        assert body["error"] == "storage" and PHRASE in body["message"], body
        assert texts[segment["source"]] == segment["target"], "a refused save was written"
        assert text not in history, "a refused save is in the history"
    if failures_expected:
        assert refused > 0, "the storage failure refused nothing: the test did not test it"


def assert_saves_again(jail: Jail) -> None:
    done = attempts(jail, 3, "de nuevo")
    assert [response.status_code for _, _, response in done] == [200, 200, 200], done[0][2].text[:300]
    assert_honest(jail, done, failures_expected=False)


def warm(jail: Jail) -> None:
    """Every worker has answered a few requests (and holds its database connections)."""
    for _ in range(8):
        assert api(jail).get(f"{jail.url}/api/statements", timeout=30).status_code == 200


# --- the failures --------------------------------------------------------------------------------


@dataclass
class Failure:
    breaking: list[str]  # jail commands, in order
    mending: list[str]
    all_refused: bool  # every save must be refused (else: each one honest, at least one refused)


FULL = ("instance", "translations", "project")
FAILURES = {
    "a full disk": Failure([f"fill {name}" for name in FULL], [f"free {name}" for name in FULL], False),
    # the catalogs have room, the history has none: no save may reach a catalog without its history
    "no room for the history": Failure(["fill instance"], ["free instance"], False),
    "read-only catalogs": Failure(["ro translations"], ["rw translations"], True),
    "a server started on read-only storage": Failure(["stop", "ro translations", "ro instance", "start"],
                                                     ["stop", "rw instance", "rw translations", "start"], True),
}


@contextmanager
def broken(jail: Jail, failure: Failure):
    for command in failure.breaking:
        jail.do(command)
    try:
        yield
    finally:
        for command in failure.mending:
            jail.do(command)


@pytest.mark.parametrize("name", FAILURES, ids=list(FAILURES))
def test_saves_are_honest_when_storage_fails(jail, name):
    failure = FAILURES[name]
    warm(jail)
    with broken(jail, failure):
        done = attempts(jail, 5, name)
        page = requests.get(f"{jail.url}/login", timeout=30)
    assert page.status_code in (200, 503) and "Traceback" not in page.text
    if failure.all_refused:
        assert [response.status_code for _, _, response in done] == [503] * len(done)
    assert_honest(jail, done)
    assert_saves_again(jail)


def test_the_page_keeps_the_text_and_shows_why(jail):
    """The form fallback (no JavaScript): the page comes back with the message and the text."""
    session = requests.Session()
    assert login(jail, session, "writer").status_code == 302
    segment = next(jail.untouched)
    page = session.get(f"{jail.url}/review/{jail.slug}/{LANG}", timeout=30).text
    with broken(jail, FAILURES["no room for the history"]):
        response = session.post(f"{jail.url}/review/{jail.slug}/{LANG}/{segment['id']}", timeout=60,
                                data={"csrf_token": form_token(page), "revision": segment["revision"],
                                      "target": "Texto que no se pierde", "action": "save"})
    assert response.status_code == 503
    assert PHRASE in response.text
    assert re.search(rf'<textarea id="t-{segment["id"]}"[^>]*>Texto que no se pierde</textarea>', response.text)
    assert on_disk(jail)[segment["source"]] == ""
    assert_saves_again(jail)


def test_the_review_page_shows_why_and_keeps_the_text(jail):
    """In Chromium: Ctrl+Enter on a full disk shows the server's message beside the segment and
    keeps the text in the field; once there is room, the same keys save it."""
    import os

    from playwright.sync_api import expect, sync_playwright

    chromium_path = "/usr/bin/chromium"
    if not os.path.exists(chromium_path):
        pytest.fail(f"{chromium_path} is missing: apt-get install chromium")
    segment = next(jail.untouched)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=["--headless", "--no-sandbox"])
        page = chromium.new_page()
        page.goto(f"{jail.url}/login")
        page.fill("input[name=username]", "writer")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{jail.url}/")
        page.goto(f"{jail.url}/review/{jail.slug}/{LANG}?filter=all")
        page.focus(f"#t-{segment['id']}")
        page.keyboard.type("Lo que escribí con cuidado")
        with broken(jail, FAILURES["no room for the history"]):
            page.keyboard.press("Control+Enter")
            status = page.locator(f"#seg-{segment['id']} [data-role=status]")
            expect(status).to_contain_text(PHRASE)
            expect(page.locator(f"#t-{segment['id']}")).to_have_value("Lo que escribí con cuidado")
            expect(page.locator(f"#seg-{segment['id']} [data-role=badge]")).to_have_text("untranslated")
        page.focus(f"#t-{segment['id']}")
        page.keyboard.press("Control+Enter")
        expect(status).to_have_text("Saved")
        chromium.close()
    assert on_disk(jail)[segment["source"]] == "Lo que escribí con cuidado"


# --- a save cut short between its catalog and its history -----------------------------------------


class Died(Exception):
    """The process stops here (as under SIGKILL: nothing after this point runs)."""


def test_history_rows_of_saves_cut_short_are_settled_by_the_next_save(tmp_path):
    """A save writes its history row (pending) before the catalog and confirms it after. A
    process that dies after writing the catalog leaves a pending row that the next save of the
    catalog keeps; one that dies before leaves a row the next save drops."""
    from chorus import editing
    from chorus.records import Records
    from chorus.users import User

    project = make_project(tmp_path / "project", 1, 10)
    slug = project.statements()[0]
    path = project.catalog_path(slug, LANG)
    records = Records.for_project(project)
    editor = editing.Editor(project, records)
    ana = User(name="ana", role="coordinator")
    first, second, third = editing.load(path)[:3]
    written = editing.Recorder(records, slug, LANG, ana.name, "edit")
    editing.write(path, first.id, editing.set_target("escrito, sin confirmar", first.revision), ana.name,
                  journal=written)
    # ... the process died here: the catalog is written, its history row not confirmed

    def dies_before_writing(po, change):
        editing.Recorder(records, slug, LANG, ana.name, "edit")(po, change)
        raise Died()

    assert records.history(slug, LANG) == {}  # a pending row is not shown
    with pytest.raises(Died):  # this save settles the first row (the catalog has its text) ...
        editing.write(path, second.id, editing.set_target("nunca escrito", second.revision), ana.name,
                      journal=dies_before_writing)
    assert list(records.history(slug, LANG)) == [first.id]  # ... and leaves its own pending
    editor.save(slug, LANG, third.id, "la siguiente", third.revision, ana)
    history = records.history(slug, LANG)
    assert [event.new_target for event in history[first.id]] == ["escrito, sin confirmar"]
    assert second.id not in history
    assert [event.new_target for event in history[third.id]] == ["la siguiente"]
    texts = {s.id: s.target for s in editing.load(path)}
    assert (texts[first.id], texts[second.id], texts[third.id]) == ("escrito, sin confirmar", "", "la siguiente")
