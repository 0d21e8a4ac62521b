"""Accessibility in a real Chromium: axe-core (pinned in tests/browser/package-lock.json,
installed by ``make test`` with ``npm ci``) checks every page against WCAG 2.2 AA, on a laptop
and on a 390-px phone, and no serious or critical violation may be left.

Every page: log in, the dashboard (with and without filters), the review page in every state a
segment can be in (untranslated, draft, translated, approved, in conflict, with comments, with
its history open), add a statement, users, account, search, the error pages, and the HTML export
of a statement.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chorus import catalog
from chorus.editing import Editor
from chorus.users import UserStore

from test_review_browser import REPO, SLUG, make_project, segment_ids
from test_review_browser import browser, server  # noqa: F401 — the fixtures (server copies this module's template)
from test_workflow_browser import log_in

AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = {"serious", "critical"}
# Rules whose impact axe rates lower but that these pages once broke: they must pass too.
ALSO = {"empty-table-header", "landmark-one-main"}
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True},
}
DRAFTS = {  # drafts of the 3rd to the 6th sentence, as Apertium would leave them; the last one
    # has a number the source does not have (a QA warning)
    2: "Durante tres semanas han sostenido las puertas contra un cierre patronal que nadie votó.",
    3: "Sus demandas son sencillas: grúas seguras, turnos justos y el derecho a organizarse.",
    4: "El viernes por la noche, guardias de seguridad contratados por el operador portuario atacaron el piquete.",
    5: "Once trabajadores resultaron heridos (12 de ellos siguen en el hospital).",
}


def violations(page) -> list[dict]:
    """axe-core's serious and critical violations of WCAG 2.2 AA on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(REPO)} is missing: run `make test` (it runs npm ci in tests/browser)")
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """([tags, also]) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                                rules: Object.fromEntries(also.map(id => [id, {enabled: true}]))})""",
        [TAGS + ["best-practice"], sorted(ALSO)])
    return [found for found in result["violations"] if found["impact"] in SERIOUS and set(found["tags"]) & set(TAGS)
            or found["id"] in ALSO]


def readable(found: list[dict]) -> str:
    """One paragraph per rule: what is wrong, and each element with axe's explanation."""
    lines = []
    for rule in found:
        lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']} [{len(rule['nodes'])} elements]")
        for node in rule["nodes"][:8]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
            lines.append(f"      {summary[:300]}")
        if len(rule["nodes"]) > 8:
            lines.append(f"    … and {len(rule['nodes']) - 8} more")
    return "\n".join(lines)


class Audit:
    """Checks page after page and lists every failure at the end, so one run shows them all."""

    def __init__(self, viewport: str):
        self.viewport = viewport
        self.failures: list[str] = []
        self.checked: list[str] = []

    def check(self, page, what: str, where: str | None = None) -> None:
        found = violations(page)
        self.checked.append(what)
        if found:
            self.failures.append(f"{what} ({self.viewport}, {where or page.url}):\n{readable(found)}")

    def done(self) -> None:
        assert not self.failures, "serious or critical axe-core violations:\n\n" + "\n\n".join(self.failures)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The sample statements with a segment in every state: approved, translated, drafts with a
    QA warning, untranslated; a comment and a history on the first two."""
    project = make_project(tmp_path_factory.mktemp("a11y") / "project")
    path = project.catalog_path(SLUG, "es")
    with catalog.editing(path) as po:
        entries = catalog.live_entries(po)
        for index, text in DRAFTS.items():
            entries[index].msgstr = text
            catalog.set_state(entries[index], "fuzzy")
            catalog.set_origin(entries[index], "mt apertium")
    accounts = UserStore.for_project(project)
    ana, rita = accounts.require("ana"), accounts.require("rita")
    editor = Editor(project)
    first, second = editor.segments(SLUG, "es")[:2]
    editor.save(SLUG, "es", first.id, "Paren los ataques contra los trabajadores del puerto", first.revision, ana)
    editor.approve(SLUG, "es", first.id, None, rita)
    editor.save(SLUG, "es", second.id, "Nosotros, las redes y sindicatos abajo firmantes, apoyamos a los "
                "estibadores del puerto del norte.", second.revision, ana)
    editor.comment(SLUG, "es", second.id, "¿«Estibadores» o «trabajadores portuarios»?", ana)
    states = [segment.state for segment in editor.segments(SLUG, "es")]
    assert {"approved", "translated", "fuzzy", "untranslated"} <= set(states), states
    return project.root


def open_every_panel(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(panel => { panel.open = true; })")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_passes_axe(browser, server, viewport):  # noqa: F811
    audit = Audit(viewport)
    # bypass_csp: axe.min.js goes in as an inline script, which the pages' policy forbids
    context = browser.new_context(bypass_csp=True, **VIEWPORTS[viewport])
    page = context.new_page()
    url = server.url

    page.goto(url + "/login")
    audit.check(page, "login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("p.error")).to_be_visible()
    audit.check(page, "login with an error")
    log_in(page, server, "boss")

    audit.check(page, "dashboard")
    page.goto(url + "/?lang=es&state=needs-work&sort=newest")
    expect(page.locator("h1")).to_be_visible()
    audit.check(page, "dashboard with filters")
    page.goto(url + "/?title=nothing+like+this")
    audit.check(page, "dashboard with filters matching nothing")

    review = f"{url}/review/{SLUG}/es"
    page.goto(review + "?filter=all")
    states = set(page.eval_on_selector_all("article.seg", "nodes => nodes.map(n => n.dataset.state)"))
    assert states == {"approved", "translated", "fuzzy", "untranslated"}
    audit.check(page, "review page, every state")
    open_every_panel(page)
    audit.check(page, "review page, every panel open (comments, history, memory)")
    for name in ("needs-work", "untranslated"):
        page.goto(f"{review}?filter={name}")
        audit.check(page, f"review page, filter {name}")

    page.goto(review + "?filter=all")
    target = segment_ids(page)[3]
    page.fill(f"#t-{target}", "Texto de la coordinadora")
    project = server.project
    accounts = UserStore.for_project(project)
    segment = Editor(project).segment(SLUG, "es", target)
    Editor(project).save(SLUG, "es", target, "Texto de Ana", segment.revision, accounts.require("ana"))
    page.click(f"#seg-{target} button[value=save]")
    expect(page.locator(f"#seg-{target} [data-role=conflict]")).to_be_visible()
    audit.check(page, "review page with a conflict")
    page.fill(f"#t-{target}", "Texto de Ana y de la coordinadora")
    page.click(f"#seg-{target} button[value=save]")
    expect(page.locator(f"#seg-{target} [data-role=status]")).to_have_text("Saved")
    audit.check(page, "review page after a save")

    page.goto(f"{url}/review/{SLUG}/fr?filter=all")
    audit.check(page, "review page of a language with nothing done")

    for path, what in (("/statements/new", "add a statement"), ("/users", "users"), ("/account", "account"),
                       ("/search", "search, empty"), ("/search?q=harbour", "search with results"),
                       ("/search?q=zzzzqqq", "search without results"),
                       (f"/export/{SLUG}/es", "export choices"), ("/no/such/page", "404 page"),
                       (f"/review/{SLUG}/xx", "unknown language")):
        page.goto(url + path)
        audit.check(page, what)

    page.goto(url + "/statements/new")
    page.click("form button.primary")  # nothing filled in: errors
    audit.check(page, "add a statement with errors")
    page.goto(url + "/users")
    page.click("form.card button.primary")
    audit.check(page, "users with errors")

    for fmt in ("html", "proof"):
        address = f"{url}/export/{SLUG}/es?format={fmt}&draft=1"
        exported = context.request.get(address)
        assert exported.ok, exported.status
        page.set_content(exported.text())  # the file a coordinator downloads, opened from disk
        audit.check(page, f"HTML export ({fmt})", address)

    translator = context.browser.new_context(bypass_csp=True, **VIEWPORTS[viewport]).new_page()
    log_in(translator, server, "ana")
    translator.goto(url + "/users")
    audit.check(translator, "403 page")
    translator.goto(f"{review}?filter=needs-work")
    audit.check(translator, "review page as a translator")
    translator.context.close()
    context.close()
    assert len(audit.checked) >= 25
    audit.done()


def test_each_field_is_described_by_its_source_and_results_are_announced(browser, server):  # noqa: F811
    """A screen reader hears the source sentence with each field, and hears a save's result and
    a conflict when they happen (Chromium's own accessibility tree, as assistive technology reads it):
    the conflict a refused save finds (live updates held back, so that the save is the first to
    know), and the one a live update brings while the volunteer is writing."""
    context = browser.new_context()
    context.route(re.compile(r"/live\?"), lambda route: route.abort())  # no live updates on this page
    page = context.new_page()
    log_in(page, server, "rita")
    page.goto(f"{server.url}/review/{SLUG}/es?filter=all")
    ids = segment_ids(page)
    for seg_id in ids:
        source = page.inner_text(f"#seg-{seg_id} .source-text")
        field = page.locator(f"#t-{seg_id}")
        expect(field).to_have_accessible_name(re.compile(r"^Translation of segment \d+$"))
        expect(field).to_have_accessible_description(re.compile("^" + re.escape(source)))
    clean, warned = ids[4], ids[5]  # two drafts, the second with a number the source does not have
    expect(page.locator(f"#t-{clean}")).to_have_accessible_description(page.inner_text(f"#seg-{clean} .source-text"))
    expect(page.locator(f"#t-{warned}")).to_have_accessible_description(re.compile(r"\(two of them.*12 not in the source"))

    target = ids[6]
    status = page.locator(f"#seg-{target} [data-role=status]")
    expect(status).to_have_role("status")
    page.fill(f"#t-{target}", "¡Solidaridad con los trabajadores del puerto!")
    with page.expect_response(lambda response: "/rows?" in response.url):  # the row as now stored, after the save
        page.click(f"#seg-{target} button[value=save]")
    expect(status).to_have_text("Saved")
    conflict = page.locator(f"#seg-{target} [data-role=conflict]")
    expect(conflict).to_have_role("alert")
    accounts = UserStore.for_project(server.project)
    segment = Editor(server.project).segment(SLUG, "es", target)
    Editor(server.project).save(SLUG, "es", target, "¡Solidaridad!", segment.revision, accounts.require("ana"))
    page.fill(f"#t-{target}", "¡Solidaridad con el puerto!")
    page.click(f"#seg-{target} button[value=save]")
    expect(conflict).to_be_visible()
    expect(status).to_contain_text("Changed by someone else")
    page.context.close()

    live = browser.new_context().new_page()
    log_in(live, server, "rita")
    live.goto(f"{server.url}/review/{SLUG}/es?filter=all")
    expect(live.locator("#segments[data-live-ready='1']")).to_have_count(1, timeout=10_000)
    live.fill(f"#t-{target}", "¡Solidaridad con todo el puerto!")
    segment = Editor(server.project).segment(SLUG, "es", target)
    Editor(server.project).save(SLUG, "es", target, "¡Solidaridad, compañeros!", segment.revision,
                                accounts.require("ana"))
    expect(live.locator(f"#seg-{target} [data-role=conflict]")).to_be_visible(timeout=10_000)
    expect(live.locator(f"#seg-{target} [data-role=status]")).to_contain_text("Someone else saved this sentence")
    live.context.close()


def finish(project, slug: str, lang: str, state: str) -> None:
    """Every sentence of ``slug`` in ``lang`` in ``state`` (translated: the language is done and
    waits for a second reviewer; approved: it is ready to publish)."""
    path = project.catalog_path(slug, lang)
    with catalog.editing(path) as po:
        for entry in catalog.live_entries(po):
            entry.msgstr = entry.msgstr or f"{lang.upper()} {entry.msgid}"
            catalog.set_state(entry, state, by="rita")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_review_pages_newer_pieces_pass_axe(browser, server, viewport):  # noqa: F811
    """The finish box (a language done and waiting for approval, and one ready to publish with its
    text shown), the suggestions panel open (asked for by the script, and filled in by the server
    for a browser without JavaScript), and the engines report, each on a laptop and a phone."""
    audit = Audit(viewport)
    project, url = server.project, server.url
    other = next(slug for slug in project.statements() if slug != SLUG)
    finish(project, SLUG, "fr", "translated")
    finish(project, other, "es", "approved")
    accounts = UserStore.for_project(project)
    editor = Editor(project)
    drafted = editor.segments(SLUG, "es")[2]  # a machine draft, saved as it came and approved: one row
    editor.save(SLUG, "es", drafted.id, drafted.target, drafted.revision, accounts.require("ana"))
    editor.approve(SLUG, "es", drafted.id, None, accounts.require("rita"))

    context = browser.new_context(bypass_csp=True, **VIEWPORTS[viewport])
    page = context.new_page()
    log_in(page, server, "boss")

    page.goto(f"{url}/review/{SLUG}/fr?filter=all")
    expect(page.locator(".finish h2")).to_have_text("Done: every sentence is translated")
    audit.check(page, "finish box, waiting for approval")
    page.goto(f"{url}/review/{other}/es?filter=all")
    expect(page.locator(".finish h2")).to_contain_text("ready to publish")
    expect(page.locator("[data-action=copy-text]")).to_be_visible()
    audit.check(page, "finish box, ready to publish")
    open_every_panel(page)
    audit.check(page, "finish box with the finished text shown")

    page.goto(f"{url}/review/{SLUG}/es?filter=all")
    seg = segment_ids(page)[6]
    page.click(f"#seg-{seg} [data-action=suggest]")
    panel = page.locator(f"#seg-{seg} [data-role=proposals]")
    expect(panel.locator("li[data-engine=apertium] [data-role=proposal]")).not_to_be_empty()
    expect(page.locator(f"#seg-{seg} [data-role=proposal-status]")).not_to_be_empty()
    audit.check(page, "suggestions panel open")

    page.goto(f"{url}/reports/engines")
    expect(page.locator("table.engine-report tbody tr")).not_to_have_count(0)
    audit.check(page, "engines report")
    page.goto(f"{url}/reports/engines?lang=fr")
    expect(page.locator("table.engine-report")).to_have_count(0)
    audit.check(page, "engines report with nothing reviewed")
    context.close()

    # without the page's scripts (axe itself needs JavaScript: the scripts are refused instead), the
    # server fills the panel in (?suggest=), and "Use" fills the field (&use=)
    plain = browser.new_context(bypass_csp=True, **VIEWPORTS[viewport])
    plain.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    page = plain.new_page()
    log_in(page, server, "ana")
    page.goto(f"{url}/review/{SLUG}/es?filter=all&suggest={seg}")
    expect(page.locator(f"#seg-{seg} [data-role=proposals] li[data-engine=apertium]")).to_be_visible()
    assert page.evaluate("() => window.chorusText === undefined")  # no script of the page ran
    audit.check(page, "suggestions panel filled in by the server, no JavaScript")
    page.goto(f"{url}/review/{SLUG}/es?filter=all&suggest={seg}&use=1")
    expect(page.locator(f"#t-{seg}")).not_to_have_value("")
    audit.check(page, "suggestion put in the field, no JavaScript")
    plain.close()
    assert len(audit.checked) == 8
    audit.done()
