"""``chorus report engines`` from a real history: drafts made by the real Apertium (a direct
pair and a pivot) and by the memory, saved and approved through chorus.editing, compared with
what was published."""

from __future__ import annotations

import json

import pytest

from chorus import catalog, editing
from chorus.editing import Editor
from chorus.ingest import apply, plan_add
from chorus.pretranslate import pretranslate
from chorus.project import Project
from chorus.records import Records
from chorus.users import UserStore

SLUG = "stop-the-attacks"
TITLE = "Stop the Attacks on the Harbour Workers"
SLOGAN = "Solidarity with the harbour workers!"
INJURY = "An injury to one is an injury to all!"


@pytest.fixture
def team(sample_project):
    accounts = UserStore.for_project(sample_project)
    accounts.add("ana", "a long password", role="translator", langs=["es", "fr"])
    accounts.add("rita", "a long password", role="reviewer", langs=["es", "fr"])
    return Editor(sample_project), accounts.require("ana"), accounts.require("rita")


def seg(project: Project, source: str, lang: str = "es", slug: str = SLUG) -> editing.Segment:
    return next(s for s in editing.load(project.catalog_path(slug, lang)) if s.source == source)


def translate_and_approve(editor, ana, rita, source: str, text: str | None, lang: str = "es", slug: str = SLUG,
                          approve: bool = True) -> tuple[str, str]:
    """Ana saves the draft (as it is when ``text`` is None), Rita approves; (draft, final)."""
    project = editor.project
    draft = seg(project, source, lang, slug)
    assert draft.state == "fuzzy" and draft.origin.startswith(("mt ", "tm "))
    change = editor.save(slug, lang, draft.id, draft.target if text is None else text, draft.revision, ana)
    if approve:
        editor.approve(slug, lang, draft.id, change.after.revision, rita)
    return draft.target, change.after.target


def report(invoke, *args) -> dict:
    result = invoke("report", "engines", "--json", *args)
    assert result.exit_code == 0, result.output
    return {(row["engine"], row["lang"]): row for row in json.loads(result.output)["engines"]}


def test_report_from_saves_and_approvals(sample_project, team, invoke):
    editor, ana, rita = team
    pretranslate(sample_project, [SLUG], ["es", "fr"])
    assert seg(sample_project, TITLE, "fr").origin == "mt apertium en>es>fr"

    kept, _ = translate_and_approve(editor, ana, rita, SLOGAN, None)  # accepted as drafted
    title_draft, _ = translate_and_approve(editor, ana, rita, TITLE, None)  # published as drafted…
    title_final = title_draft + " ya"
    title = seg(sample_project, TITLE)
    change = editor.save(SLUG, "es", title.id, title_final, title.revision, ana)  # …then changed
    editor.approve(SLUG, "es", title.id, change.after.revision, rita)  # the last published text counts
    waiting = seg(sample_project, INJURY)
    editor.save(SLUG, "es", waiting.id, "Una herida a uno es una herida a todos.", waiting.revision, ana)
    fr_draft, fr_final = translate_and_approve(editor, ana, rita, SLOGAN, "Solidarité avec les dockers !", "fr")

    # A new statement repeats an approved sentence: memory drafts it.
    extra = sample_project.root / "again.txt"
    extra.write_text(f"Again\n\nWe stand firm.\n\n{SLOGAN}\n")
    apply(sample_project, plan_add(sample_project, [extra], slug="again"))
    pretranslate(sample_project, ["again"], ["es"])
    assert seg(sample_project, SLOGAN, slug="again").origin == f"tm 100% {SLUG}"
    tm_draft, _ = translate_and_approve(editor, ana, rita, SLOGAN, kept + "!", slug="again")

    rows = report(invoke)
    apertium_es = rows[("mt apertium", "es")]
    assert apertium_es["segments"] == 2 and apertium_es["waiting"] == 1
    assert apertium_es["unchanged"] == 0.5
    assert apertium_es["mean_distance"] == pytest.approx((0 + 3 / len(title_final)) / 2)

    pivot = rows[("mt apertium en>es>fr", "fr")]
    assert pivot["segments"] == 1 and pivot["unchanged"] == 0 and pivot["waiting"] == 0
    assert 0 < pivot["mean_distance"] <= 1 and fr_draft != fr_final

    memory = rows[("tm", "es")]
    assert memory["segments"] == 1 and memory["mean_distance"] == pytest.approx(1 / (len(tm_draft) + 1))
    assert set(rows) == {("mt apertium", "es"), ("mt apertium en>es>fr", "fr"), ("tm", "es")}

    assert set(report(invoke, "--lang", "fr")) == {("mt apertium en>es>fr", "fr")}
    table = invoke("report", "engines")
    assert table.exit_code == 0
    assert "mt apertium en>es>fr" in table.output and "50%" in table.output and "tm" in table.output


def test_publish_translated_counts_saved_text(sample_project, team, invoke):
    editor, ana, rita = team
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text().replace('publish = "approved"', 'publish = "translated"'))
    pretranslate(sample_project, [SLUG], ["es"])
    translate_and_approve(editor, ana, rita, SLOGAN, None, approve=False)
    rows = report(invoke)
    assert rows[("mt apertium", "es")]["segments"] == 1 and rows[("mt apertium", "es")]["unchanged"] == 1
    assert json.loads(invoke("report", "engines", "--json").output)["published"] == ["translated", "approved"]


def test_older_history_without_origins_is_counted_apart(sample_project, team, invoke):
    editor, ana, rita = team
    pretranslate(sample_project, [SLUG], ["es"])
    translate_and_approve(editor, ana, rita, SLOGAN, None)
    translate_and_approve(editor, ana, rita, TITLE, None)
    db = Records.for_project(sample_project).db()
    first = db.execute("SELECT min(id) FROM history").fetchone()[0]
    db.execute("UPDATE history SET origin = NULL WHERE id = ?", (first,))  # as a row from before origins
    rows = report(invoke)
    assert rows[("mt apertium", "es")]["segments"] == 1
    assert json.loads(invoke("report", "engines", "--json").output)["unrecorded"] == 1
    assert "1 draft edited before the history kept each draft's origin" in invoke("report", "engines").output


def test_no_history_and_bad_input(invoke):
    empty = invoke("report", "engines")
    assert empty.exit_code == 0 and "No drafts reviewed yet" in empty.output
    for code, message in (("pt", "not a target language"), ("xx", "unknown language code")):
        bad = invoke("report", "engines", "--lang", code)
        assert bad.exit_code == 1 and bad.output.count("\n") == 1 and message in bad.output


def test_history_rows_keep_the_origin_of_the_text_they_replaced(sample_project, team):
    editor, ana, _ = team
    pretranslate(sample_project, [SLUG], ["es"])
    draft = seg(sample_project, SLOGAN)
    editor.save(SLUG, "es", draft.id, "¡Solidaridad!", draft.revision, ana)
    [event] = editor.history(SLUG, "es", draft.id)
    assert event.origin == "mt apertium" and event.old_target == draft.target
    assert catalog.origin(catalog.read(sample_project.catalog_path(SLUG, "es")).find(SLOGAN)) is None


def test_the_same_table_for_coordinators_on_the_web(sample_project, team):
    from tests.test_webui import logged_in
    from webui import create_app

    editor, ana, rita = team
    UserStore.for_project(sample_project).add("boss", "a long password", role="coordinator")
    pretranslate(sample_project, [SLUG], ["es"])
    translate_and_approve(editor, ana, rita, SLOGAN, "¡Solidaridad con <b>los</b> estibadores!")
    app = create_app(sample_project.root, {"TESTING": True})
    boss, translator = logged_in(app, "boss"), logged_in(app, "ana")

    assert 'href="/reports/engines"' in boss.get("/").get_data(as_text=True)
    assert 'href="/reports/engines"' not in translator.get("/").get_data(as_text=True)
    page = boss.get("/reports/engines").get_data(as_text=True)
    assert "<td>mt apertium</td><td>es</td><td class=\"num\">1</td>" in page
    assert boss.get("/reports/engines?lang=").status_code == 200
    assert "No drafts reviewed yet" in boss.get("/reports/engines?lang=fr").get_data(as_text=True)
    assert boss.get("/reports/engines?lang=xx").status_code == 400
    answer = boss.get("/api/reports/engines?lang=es").get_json()
    assert answer["engines"][0]["engine"] == "mt apertium" and answer["engines"][0]["segments"] == 1
    assert translator.get("/reports/engines").status_code == 403
    assert translator.get("/api/reports/engines").status_code == 403
    assert app.test_client().get("/api/reports/engines").status_code == 401
