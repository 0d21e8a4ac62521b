"""The team's day through the HTTP API and the command line: one review policy everywhere,
four eyes, the reviewers' queue, history and revert, comments, statements added through the
API, deadlines, and comments and history that follow an edited sentence."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from chorus import catalog, editing
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore
from webui import create_app

from conftest import SAMPLES, msgfmt_check, run_chorus, snapshot
from test_webui import PASSWORD, SLUG, logged_in, page_token, put, segments_of


@pytest.fixture(scope="module")
def template_project(tmp_path_factory) -> Path:
    project = Project.create(tmp_path_factory.mktemp("workflow") / "web", "en", ["es", "fr"])
    files = sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md"))
    apply(project, plan_add(project, files))
    accounts = UserStore.for_project(project)
    accounts.add("boss", PASSWORD, role="coordinator")
    accounts.add("rita", PASSWORD, role="reviewer", langs=["es"])
    accounts.add("rosa", PASSWORD, role="reviewer", langs=["es"])
    accounts.add("ana", PASSWORD, role="translator", langs=["es"])
    return project.root


@pytest.fixture
def project(template_project, tmp_path) -> Project:
    return Project.load(shutil.copytree(template_project, tmp_path / "web"))


@pytest.fixture
def app(project):
    return create_app(project.root, {"TESTING": True})


def configure(project: Project, text: str) -> Project:
    """Set a top-level ``key = value`` of chorus.toml and read the project again."""
    path = project.root / "chorus.toml"
    key = text.split("=")[0].strip()
    content, count = re.subn(rf"^{key} = .*$", text, path.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1, f"{key} is not in chorus.toml"
    path.write_text(content, encoding="utf-8")
    return Project.load(project.root)


def approve(client, seg_id: str, revision: str, lang: str = "es", **body):
    return client.post(f"/api/statements/{SLUG}/{lang}/segments/{seg_id}/approve",
                       json={"revision": revision, **body}, headers={"X-CSRFToken": page_token(client)})


def translate_all(client, lang: str = "es") -> dict[str, str]:
    """Every segment saved by ``client``; segment id → revision."""
    token = page_token(client)
    revisions = {}
    for item in segments_of(client, lang):
        response = put(client, item["id"], f"{lang}: {item['source']}", item["revision"], lang=lang, token=token)
        assert response.status_code == 200, response.get_data(as_text=True)
        revisions[item["id"]] = response.get_json()["revision"]
    return revisions


def ready_rows(client) -> dict[tuple[str, str], bool]:
    body = client.get("/api/statements?per_page=100").get_json()
    return {(item["slug"], row["lang"]): row["ready"] for item in body["statements"] for row in item["languages"]}


# --- one review policy ---------------------------------------------------------------------------


def test_publish_approved_is_the_rule_of_export_dashboard_api_and_web_export(app, project):
    """Translated text is not published until approved: ``chorus export``, the web export, the
    dashboard's "ready" and the API say the same before and after the approvals."""
    ana, rita, boss = logged_in(app, "ana"), logged_in(app, "rita"), logged_in(app, "boss")
    revisions = translate_all(ana)
    assert ready_rows(boss)[(SLUG, "es")] is False
    assert boss.get(f"/export/{SLUG}/es?format=txt").status_code == 409
    result = run_chorus("export", SLUG, "--lang", "es", "--format", "txt", cwd=project.root)
    assert result.returncode == 1 and b"not ready to publish" in result.stderr
    assert b"approved" in result.stderr
    page = boss.get("/?state=ready").get_data(as_text=True)
    assert f'id="st-{SLUG}"' not in page and "at least 100% approved" in page
    for seg_id, revision in revisions.items():
        assert approve(rita, seg_id, revision).status_code == 200
    assert ready_rows(boss)[(SLUG, "es")] is True
    assert f'id="st-{SLUG}"' in boss.get("/?state=ready").get_data(as_text=True)
    assert boss.get(f"/export/{SLUG}/es?format=txt").status_code == 200
    result = run_chorus("export", SLUG, "--lang", "es", "--format", "txt", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert "es: Stop the Attacks" in (project.root / "localized" / "es" / f"{SLUG}.txt").read_text(encoding="utf-8")


def test_publish_translated_makes_translated_text_ready_everywhere(project):
    project = configure(project, 'publish = "translated"')
    app = create_app(project.root, {"TESTING": True})
    ana, boss = logged_in(app, "ana"), logged_in(app, "boss")
    translate_all(ana)
    assert ready_rows(boss)[(SLUG, "es")] is True
    assert boss.get(f"/export/{SLUG}/es?format=txt").status_code == 200
    assert "at least 100% translated or approved" in boss.get("/").get_data(as_text=True)
    result = run_chorus("export", SLUG, "--lang", "es", "--format", "txt", cwd=project.root)
    assert result.returncode == 0, result.stderr
    result = run_chorus("status", SLUG, "--lang", "es", "--json", cwd=project.root)
    assert '"ready": true' in result.stdout.decode()


def test_a_bad_policy_in_chorus_toml_is_one_line(project):
    path = project.root / "chorus.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('publish = "approved"', 'publish = "everything"'),
                    encoding="utf-8")
    result = run_chorus("status", cwd=project.root)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == ('chorus: error: chorus.toml: publish must be "approved" or '
                                              '"translated", not \'everything\'')


# --- four eyes -----------------------------------------------------------------------------------


def test_nobody_approves_a_text_they_wrote(app, project):
    rita, rosa, boss, ana = (logged_in(app, name) for name in ("rita", "rosa", "boss", "ana"))
    first, second, third, fourth = segments_of(rita)[:4]
    mine = put(rita, first["id"], "Paren los ataques", first["revision"], token=page_token(rita)).get_json()
    refused = approve(rita, first["id"], mine["revision"])
    assert refused.status_code == 403 and "you wrote the current text" in refused.get_json()["message"]
    assert mine["author"] == "rita" and mine["may_approve"] is False
    assert approve(rosa, first["id"], mine["revision"]).status_code == 200
    # a coordinator neither, and not by saving and approving in one step
    theirs = put(boss, second["id"], "Segunda", second["revision"], token=page_token(boss)).get_json()
    assert approve(boss, second["id"], theirs["revision"]).status_code == 403
    assert approve(rita, third["id"], third["revision"], target="Escrito y aprobado").status_code == 403
    assert catalog.state(catalog.read(project.catalog_path(SLUG, "es")).find(third["source"])) == "untranslated"
    # a machine draft nobody accepted is not approved either
    with catalog.editing(project.catalog_path(SLUG, "es")) as po:
        entry = po.find(fourth["source"])
        entry.msgstr = "Borrador"
        catalog.set_state(entry, "fuzzy")
    draft = next(s for s in segments_of(rita) if s["id"] == fourth["id"])
    assert approve(rita, fourth["id"], draft["revision"]).get_json()["message"].startswith("this is a draft")
    accepted = put(ana, fourth["id"], "Borrador", draft["revision"], token=page_token(ana)).get_json()
    assert accepted["state"] == "translated" and accepted["author"] == "ana"
    assert approve(rita, fourth["id"], accepted["revision"]).get_json()["state"] == "approved"
    # the form on the review page says the same
    page = rita.get(f"/review/{SLUG}/es?filter=all").get_data(as_text=True)
    article = page.split(f'id="seg-{second["id"]}"')[0].rsplit("<article", 1)[1] + page.split(f'id="seg-{second["id"]}"')[1].split("</article>")[0]
    assert 'data-may-approve="1"' in article and "by boss" in article


def test_self_approval_when_the_project_allows_it(project):
    project = configure(project, "self_approval = true")
    app = create_app(project.root, {"TESTING": True})
    rita = logged_in(app, "rita")
    item = segments_of(rita)[0]
    response = approve(rita, item["id"], item["revision"], target="Lo escribo y lo apruebo")
    assert response.status_code == 200 and response.get_json()["state"] == "approved"


def test_reviewers_get_a_queue_of_what_awaits_their_approval(app):
    ana, rita, rosa = logged_in(app, "ana"), logged_in(app, "rita"), logged_in(app, "rosa")
    items = segments_of(rita)
    put(ana, items[0]["id"], "de Ana", items[0]["revision"], token=page_token(ana))
    put(ana, items[1]["id"], "también de Ana", items[1]["revision"], token=page_token(ana))
    put(rita, items[2]["id"], "de Rita", items[2]["revision"], token=page_token(rita))
    queue = rita.get(f"/api/statements/{SLUG}/es/segments?filter=awaiting-approval").get_json()["segments"]
    assert [s["id"] for s in queue] == [items[0]["id"], items[1]["id"]]
    assert all(s["may_approve"] for s in queue)
    others = rosa.get(f"/api/statements/{SLUG}/es/segments?filter=awaiting-approval").get_json()["segments"]
    assert [s["id"] for s in others] == [items[0]["id"], items[1]["id"], items[2]["id"]]
    assert rita.get(f"/api/statements/{SLUG}/es/next?filter=awaiting-approval").get_json() == {"next": items[0]["id"]}
    page = rita.get(f"/review/{SLUG}/es?filter=awaiting-approval").get_data(as_text=True)
    assert re.findall(r'<article class="seg[^"]*" id="seg-(\w+)"', page) == [items[0]["id"], items[1]["id"]]
    assert re.search(r'Awaiting your approval <span class="n">2</span>', page)
    assert rita.get(f"/api/statements/{SLUG}/es/segments?filter=mine").status_code == 400


# --- history, revert, comments ---------------------------------------------------------------------


def test_history_and_revert_through_the_api(app, project):
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    item = segments_of(ana)[0]
    url = f"/api/statements/{SLUG}/es/segments/{item['id']}"
    first = put(ana, item["id"], "Paren los ataques", item["revision"], token=page_token(ana)).get_json()
    second = put(rita, item["id"], "Detengan los ataques", first["revision"], token=page_token(rita)).get_json()
    events = ana.get(f"{url}/history").get_json()["events"]
    assert [(e["user"], e["action"], e["target"]) for e in events] == [
        ("rita", "edit", "Detengan los ataques"), ("ana", "edit", "Paren los ataques")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["time"]) and isinstance(e["id"], int) for e in events)
    token = page_token(ana)
    stale = ana.post(f"{url}/revert", json={"event": events[1]["id"], "revision": first["revision"]},
                     headers={"X-CSRFToken": token})
    assert stale.status_code == 409 and stale.get_json()["target"] == "Detengan los ataques"
    reverted = ana.post(f"{url}/revert", json={"event": events[1]["id"], "revision": second["revision"]},
                        headers={"X-CSRFToken": token})
    assert reverted.status_code == 200
    assert (reverted.get_json()["target"], reverted.get_json()["state"]) == ("Paren los ataques", "translated")
    assert catalog.read(project.catalog_path(SLUG, "es")).find(item["source"]).msgstr == "Paren los ataques"
    events = ana.get(f"{url}/history").get_json()["events"]
    assert [(e["user"], e["action"], e["target"]) for e in events][0] == ("ana", "revert", "Paren los ataques")
    for body, status in (({"event": 999999, "revision": reverted.get_json()["revision"]}, 404),
                         ({"event": "1", "revision": "x"}, 400), ({"revision": "x"}, 400), ({"event": 1}, 400)):
        assert ana.post(f"{url}/revert", json=body, headers={"X-CSRFToken": token}).status_code == status
    assert logged_in(app, "boss").get(f"/api/statements/{SLUG}/es/segments/nothing/history").status_code == 404
    msgfmt_check(project.catalog_path(SLUG, "es"))


def test_revert_button_without_javascript(app, project):
    ana = logged_in(app, "ana")
    item = segments_of(ana)[0]
    first = put(ana, item["id"], "Uno", item["revision"], token=page_token(ana)).get_json()
    put(ana, item["id"], "Dos", first["revision"], token=page_token(ana))
    page = ana.get(f"/review/{SLUG}/es?filter=all").get_data(as_text=True)
    form = re.search(rf'action="/review/{SLUG}/es/{item["id"]}/revert".*?name="event" value="(\d+)".*?'
                     rf'name="revision" value="(\w+)"', page, re.S)
    response = ana.post(f"/review/{SLUG}/es/{item['id']}/revert", data={
        "csrf_token": page_token(ana), "event": form.group(1), "revision": form.group(2)})
    assert response.status_code == 302
    assert catalog.read(project.catalog_path(SLUG, "es")).find(item["source"]).msgstr == "Uno"


def test_comments_through_the_api(app):
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    item = segments_of(ana)[0]
    url = f"/api/statements/{SLUG}/es/segments/{item['id']}/comments"
    assert ana.get(url).get_json() == {"comments": []}
    posted = ana.post(url, json={"text": "@rita ¿«Paren» o «Detengan»?"}, headers={"X-CSRFToken": page_token(ana)})
    assert posted.status_code == 201
    rita.post(url, json={"text": "«Detengan», @ana"}, headers={"X-CSRFToken": page_token(rita)})
    comments = rita.get(url).get_json()["comments"]
    assert [(c["user"], c["text"]) for c in comments] == [("ana", "@rita ¿«Paren» o «Detengan»?"),
                                                          ("rita", "«Detengan», @ana")]
    assert all({"id", "user", "text", "time"} <= set(c) for c in comments)
    assert ana.get(f"/api/statements/{SLUG}/es/segments/nothing/comments").status_code == 404


def test_comments_and_history_follow_an_edited_sentence(app, project):
    """A one-word fix in the source: ``chorus update`` links the old sentence to the new one
    (``#| msgid``) and the comments and history go with it; the page shows the change as a diff."""
    ana, rita = logged_in(app, "ana"), logged_in(app, "rita")
    sentence = "We, the undersigned networks and unions, stand with the dockers of the northern harbour."
    item = next(s for s in segments_of(ana) if s["source"] == sentence)
    saved = put(ana, item["id"], "Nosotras, las redes y sindicatos firmantes, apoyamos a los estibadores del puerto norte.",
                item["revision"], token=page_token(ana)).get_json()
    ana.post(f"/api/statements/{SLUG}/es/segments/{item['id']}/comments", json={"text": "¿«apoyamos»?"},
             headers={"X-CSRFToken": page_token(ana)})
    source = project.root / "source" / f"{SLUG}.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("northern harbour", "southern harbour", 1),
                      encoding="utf-8")
    result = run_chorus("update", SLUG, cwd=project.root)
    assert result.returncode == 0, result.stderr
    edited = sentence.replace("northern", "southern")
    moved = next(s for s in segments_of(rita) if s["source"] == edited)
    assert moved["id"] != item["id"] and moved["state"] == "fuzzy" and moved["target"] == saved["target"]
    url = f"/api/statements/{SLUG}/es/segments/{moved['id']}"
    assert [c["text"] for c in rita.get(f"{url}/comments").get_json()["comments"]] == ["¿«apoyamos»?"]
    events = rita.get(f"{url}/history").get_json()["events"]
    assert [(e["action"], e["user"]) for e in events] == [("source", "chorus update"), ("edit", "ana")]
    assert events[0]["previous_source"] == sentence
    page = rita.get(f"/review/{SLUG}/es?filter=all").get_data(as_text=True)
    assert "<del>northern</del><ins>southern</ins>" in page
    # the translator accepts it, the reviewer approves it: the history goes on under the new id
    accepted = put(ana, moved["id"], moved["target"], moved["revision"], token=page_token(ana)).get_json()
    assert approve(rita, moved["id"], accepted["revision"]).status_code == 200
    msgfmt_check(project.catalog_path(SLUG, "es"))


# --- statements through the API ---------------------------------------------------------------------


TEXT = "Solidarity With the Nurses\n\nWe stand with the nurses of the city hospital.\n\nFair pay now!\n"


def test_coordinators_add_statements_through_the_api(app, project):
    boss, rita = logged_in(app, "boss"), logged_in(app, "rita")
    token = page_token(boss)
    response = boss.post("/api/statements", json={"text": TEXT, "deadline": "2031-05-01T18:00"},
                         headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["slug"] == "solidarity-with-the-nurses" and body["title"] == "Solidarity With the Nurses"
    assert body["deadline"] == dt.datetime(2031, 5, 1, 18, 0).astimezone().isoformat(timespec="minutes")
    assert [row["lang"] for row in body["languages"]] == ["es", "fr"]
    assert body["job"]["state"] == "queued" and body["job"]["kind"] == "draft"
    assert project.catalog_path(body["slug"], "es").is_file()
    jobs = boss.get("/api/jobs").get_json()["jobs"]
    assert [(job["statement"], job["state"]) for job in jobs] == [(body["slug"], "queued")]
    markdown = boss.post("/api/statements", json={"text": "# Heat\n\nHeat kills workers.\n", "format": "md",
                                                  "slug": "heat"}, headers={"X-CSRFToken": token})
    assert markdown.status_code == 201 and (project.root / "source" / "heat.md").is_file()
    upload = boss.post("/api/statements", data={"file": (__import__("io").BytesIO(b"Bread and Roses\n\nBread for all.\n"),
                                                         "Bread and Roses.txt"), "deadline": "2031-05-02"},
                       headers={"X-CSRFToken": token}, content_type="multipart/form-data")
    assert upload.status_code == 201 and upload.get_json()["slug"] == "bread-and-roses"
    before = snapshot(project.root / "translations")
    for body_, status in (({"text": TEXT}, 400),  # the name exists
                          ({"text": "Other\n\nText.\n", "format": "docx"}, 400),
                          ({"text": "Other\n\nText.\n", "deadline": "tomorrow"}, 400),
                          ({"text": "Other\n\nText.\n", "slug": "../etc"}, 400),
                          ({"text": "Bell\x07\n\nText.\n"}, 400),
                          ({"text": ""}, 400), ({"slug": "x"}, 400)):
        refused = boss.post("/api/statements", json=body_, headers={"X-CSRFToken": token})
        assert refused.status_code == status, (body_, refused.get_data(as_text=True))
        assert refused.get_json()["message"]
    assert snapshot(project.root / "translations") == before
    assert rita.post("/api/statements", json={"text": TEXT}, headers={"X-CSRFToken": page_token(rita)}).status_code == 403
    assert boss.post("/api/statements", json={"text": "Other\n\nText.\n"}).status_code == 400  # no CSRF header


def test_the_form_takes_a_deadline_and_queues_the_drafts(app, project):
    boss = logged_in(app, "boss")
    response = boss.post("/statements/new", data={"csrf_token": page_token(boss), "text": TEXT, "kind": "txt",
                                                  "deadline": "2031-05-01T18:00"})
    assert response.status_code == 302
    listing = boss.get("/api/statements?per_page=100").get_json()["statements"]
    item = next(s for s in listing if s["slug"] == "solidarity-with-the-nurses")
    assert item["deadline"].startswith("2031-05-01T18:00") and item["job"]["state"] == "queued"
    page = boss.get("/").get_data(as_text=True)
    assert "Drafts queued" in page and "due May 1, 2031, 6:00\u202fPM" in page
    bad = boss.post("/statements/new", data={"csrf_token": page_token(boss), "text": "Another\n\nText.\n",
                                             "kind": "txt", "deadline": "next week"})
    assert bad.status_code == 400 and "not a deadline" in bad.get_data(as_text=True)


# --- deadlines ---------------------------------------------------------------------------------------


def test_deadlines_from_the_command_line_order_and_mark_the_dashboard(project, tmp_path):
    now = dt.datetime.now().astimezone().replace(second=0, microsecond=0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("late", "soon", "later"):
        (inbox / f"{name}.txt").write_text(f"{name.title()} Statement\n\nWe act {name}.\n", encoding="utf-8")
    passed = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    result = run_chorus("add", str(inbox / "late.txt"), "--deadline", passed, cwd=project.root)
    assert result.returncode == 0 and b"due " in result.stdout, result.stderr
    later = (now + dt.timedelta(days=3)).isoformat(timespec="minutes")
    assert run_chorus("add", str(inbox / "later.txt"), "--deadline", later, cwd=project.root).returncode == 0
    assert run_chorus("add", str(inbox / "soon.txt"), cwd=project.root).returncode == 0
    end_of_day = now.replace(hour=23, minute=59)
    if end_of_day <= now:  # a test run at 23:59
        end_of_day = now + dt.timedelta(minutes=1)
    result = run_chorus("deadline", "soon", end_of_day.strftime("%Y-%m-%dT%H:%M"), cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert run_chorus("deadline", "soon", cwd=project.root).stdout.decode().strip() == \
        f"soon: due {end_of_day.isoformat(timespec='minutes')}"
    # bad input: one line, nothing changed
    before = snapshot(project.root / "translations")
    for args in (("add", str(inbox / "late.txt"), "--slug", "other", "--deadline", "2031-13-01"),
                 ("deadline", "soon", "soon-ish"), ("deadline", "nothing", "2031-01-01"),
                 ("deadline", "soon", "2031-01-01", "--clear")):
        result = run_chorus(*args, cwd=project.root)
        assert result.returncode != 0 and result.stderr.count(b"\n") == 1 and b"Traceback" not in result.stderr
    assert snapshot(project.root / "translations") == before
    app = create_app(project.root, {"TESTING": True})
    boss = logged_in(app, "boss")
    listing = boss.get("/api/statements?per_page=100").get_json()["statements"]
    assert [s["slug"] for s in listing][:3] == ["late", "soon", "later"]
    marks = {s["slug"]: s["deadline_mark"] for s in listing}
    assert (marks["late"], marks["soon"], marks["later"]) == ("overdue", "today", None)
    page = boss.get("/").get_data(as_text=True)
    late = page.split('id="st-late"')[1].split("</section>")[0]
    assert 'class="deadline overdue"' in late and "overdue</b>" in late
    assert "due today</b>" in page.split('id="st-soon"')[1].split("</section>")[0]
    assert run_chorus("deadline", "late", "--clear", cwd=project.root).stdout.decode().strip() == "late: no deadline"
    listing = boss.get("/api/statements?per_page=100").get_json()["statements"]
    assert [s["slug"] for s in listing][:2] == ["soon", "later"]


def test_a_markdown_deadline_and_one_set_by_command_survive_chorus_update(project, tmp_path):
    source = tmp_path / "act.md"
    source.write_text("---\ntitle: Act now\ndeadline: 2031-01-31T12:00+00:00\n---\n\nWe act.\n", encoding="utf-8")
    assert run_chorus("add", str(source), cwd=project.root).returncode == 0
    header = catalog.read(project.template_path("act")).metadata["X-Chorus-Deadline"]
    assert header == "2031-01-31T12:00+00:00"
    text = tmp_path / "plain.txt"
    text.write_text("Plain\n\nWe act too.\n", encoding="utf-8")
    assert run_chorus("add", str(text), "--deadline", "2031-02-01T10:00+01:00", cwd=project.root).returncode == 0
    stored = project.root / "source" / "plain.txt"
    stored.write_text(stored.read_text(encoding="utf-8") + "\nAnd more.\n", encoding="utf-8")
    assert run_chorus("update", cwd=project.root).returncode == 0
    assert catalog.read(project.template_path("plain")).metadata["X-Chorus-Deadline"] == "2031-02-01T10:00+01:00"
    assert catalog.read(project.template_path("act")).metadata["X-Chorus-Deadline"] == header
    msgfmt_check(project.template_path("plain"))


# --- the command line shares the rules --------------------------------------------------------------------


def test_history_and_revert_from_the_command_line(app, project):
    ana = logged_in(app, "ana")
    item = segments_of(ana)[0]
    first = put(ana, item["id"], "Uno", item["revision"], token=page_token(ana)).get_json()
    put(ana, item["id"], "Dos", first["revision"], token=page_token(ana))
    result = run_chorus("history", SLUG, item["id"], "--lang", "es", "--json", cwd=project.root)
    events = __import__("json").loads(result.stdout)
    assert [(e["action"], e["target"]) for e in events] == [("edit", "Dos"), ("edit", "Uno")]
    result = run_chorus("revert", SLUG, "Stop the", str(events[1]["id"]), "--lang", "es", "--as", "ana",
                        cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert catalog.read(project.catalog_path(SLUG, "es")).find(item["source"]).msgstr == "Uno"
    assert editing.Editor(project).history(SLUG, "es", item["id"])[0].action == "revert"
    for args, message in ((("revert", SLUG, item["id"], "999999", "--lang", "es", "--as", "ana"), b"no event 999999"),
                          (("revert", SLUG, item["id"], str(events[0]["id"]), "--lang", "es", "--as", "nobody"),
                           b"no such user"),
                          (("revert", SLUG, item["id"], str(events[0]["id"]), "--lang", "fr", "--as", "ana"),
                           b"you do not edit fr"),
                          (("history", SLUG, "Nothing like this", "--lang", "es"), b"no segment")):
        result = run_chorus(*args, cwd=project.root)
        assert result.returncode == 1 and message in result.stderr and b"Traceback" not in result.stderr
