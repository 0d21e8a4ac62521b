"""Assembling localized statements: datelines, directions, escaping, the publishing rule."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import polib
import pytest
from babel.dates import format_date, get_day_names, get_month_names
from hypothesis import given, settings
from hypothesis import strategies as st

from chorus import assemble, catalog
from chorus.errors import ChorusError
from chorus.ingest import apply, plan_add, plan_update
from chorus.project import Project, render_config
from conftest import SAMPLES, msgfmt_check, snapshot

STATEMENT = """Sunday, March 3, 2024

Stop the Attacks

We stand with the dockers. They held the gates
for three weeks.

- Safe cranes for everyone.
- Fair shifts.

Solidarity now!

— Harbour Network
"""


def new_project(root: Path, langs: list[str], threshold: int = 100) -> Project:
    for name in ("source", "translations"):
        (root / name).mkdir(parents=True, exist_ok=True)
    config = render_config("en", langs).replace("publish_threshold = 100", f"publish_threshold = {threshold}")
    (root / "chorus.toml").write_text(config, encoding="utf-8")
    return Project.load(root)


def add(project: Project, name: str, text: str) -> str:
    path = project.root.parent / name
    path.write_text(text, encoding="utf-8")
    plans = plan_add(project, [path])
    apply(project, plans)
    return plans[0].slug


def translate(project: Project, slug: str, lang: str, mapping=None, state: str = "approved",
              only: set[str] | None = None) -> None:
    """Fill msgstr (default: the msgid upper-cased, an unmistakable 'translation')."""
    with catalog.editing(project.catalog_path(slug, lang)) as po:
        for entry in po:
            if only is not None and entry.msgid not in only:
                continue
            entry.msgstr = (mapping or {}).get(entry.msgid, entry.msgid.upper())
            catalog.set_state(entry, state)


@pytest.fixture
def harbour(tmp_path):
    project = new_project(tmp_path / "proj", ["es", "fr", "de", "ar", "he", "fa", "ur"])
    return project, add(project, "stop.txt", STATEMENT)


# --- datelines -------------------------------------------------------------------------------

def babel_date(lang: str, weekday: bool = True, date: dt.date = dt.date(2024, 3, 3)) -> str:
    """The date as Babel's CLDR data writes it in ``lang`` (full with the weekday, else long);
    the test checks Chorus uses it, not what one CLDR release says."""
    return format_date(date, format="full" if weekday else "long", locale=lang)


@pytest.mark.parametrize("lang", ["es", "fr", "de"])
def test_dateline_is_written_the_target_languages_way(harbour, lang):
    project, slug = harbour
    translate(project, slug, lang)
    out = assemble.render(project, slug, lang, "txt")
    dateline = out.split("\n")[0]
    assert dateline == babel_date(lang)
    assert get_month_names("wide", locale=lang)[3] in dateline  # March in that language
    assert get_day_names("wide", locale=lang)[6] in dateline  # and Sunday
    assert "STOP THE ATTACKS" in out
    assert "SUNDAY" not in out.upper().split("\n")[0] or lang == "en"


def test_dateline_without_weekday_gets_none(tmp_path):
    project = new_project(tmp_path / "proj", ["es", "de"])
    slug = add(project, "s.txt", STATEMENT.replace("Sunday, March 3, 2024", "3 March 2024"))
    translate(project, slug, "es")
    translate(project, slug, "de")
    for lang in ("es", "de"):
        dateline = assemble.render(project, slug, lang, "txt").split("\n")[0]
        assert dateline == babel_date(lang, weekday=False)
        assert get_day_names("wide", locale=lang)[6] not in dateline


def test_dateline_is_never_sent_to_the_catalog(harbour):
    project, slug = harbour
    msgids = [entry.msgid for entry in catalog.read(project.catalog_path(slug, "es"))]
    assert not any("2024" in msgid for msgid in msgids)


def test_html_carries_the_date_as_time_element(harbour):
    project, slug = harbour
    translate(project, slug, "es")
    page = assemble.render(project, slug, "es", "html")
    assert f'<time datetime="2024-03-03">{babel_date("es")}</time>' in page


# --- direction and language -----------------------------------------------------------------

@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"),
                                             ("es", "ltr"), ("de", "ltr")])
def test_html_page_has_lang_and_direction(harbour, lang, direction):
    project, slug = harbour
    translate(project, slug, lang)
    page = assemble.render(project, slug, lang, "html")
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert "<title>STOP THE ATTACKS</title>" in page
    proof = assemble.render(project, slug, lang, "proof")
    assert f'<td class="target" lang="{lang}" dir="{direction}">' in proof
    # The proof page speaks English around the segments: its root says so.
    assert '<html lang="en" dir="ltr">' in proof
    assert f'<h1>Proof: <bdi lang="{lang}" dir="{direction}">STOP THE ATTACKS</bdi> [{lang}]</h1>' in proof


@pytest.mark.parametrize("lang, attributes", [("ar", 'lang="en" dir="ltr"'), ("es", 'lang="en"')])
def test_source_text_left_in_a_page_keeps_its_own_direction(harbour, lang, attributes):
    project, slug = harbour
    page = assemble.render(project, slug, lang, "html", draft=True)
    assert f'<span class="untranslated" {attributes}>Fair shifts.</span>' in page


# --- escaping --------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def test_text_is_escaped_in_every_html_output(harbour):
    project, slug = harbour
    translate(project, slug, "es", {"Fair shifts.": HOSTILE})
    # A translation that adds markup blocks publishing; a draft export shows it, as text.
    for output in (assemble.render(project, slug, "es", "html", draft=True),
                   assemble.render(project, slug, "es", "proof"),
                   assemble.preview_html(project, slug, "es")):
        assert "<script>" not in output and "<img" not in output
        assert html.escape(HOSTILE, quote=False) in output or html.escape(HOSTILE) in output


def test_markdown_inline_is_rendered_and_raw_html_is_not(tmp_path):
    project = new_project(tmp_path / "proj", ["es"])
    source = ("# A Title\n\nRead [our report](https://example.org/report) and **act** now.\n"
              "Click [here](javascript:alert(1)) <b onclick=x>bold</b>.\n")
    slug = add(project, "m.md", source)
    translate(project, slug, "es", mapping={})
    with catalog.editing(project.catalog_path(slug, "es")) as po:
        for entry in po:
            entry.msgstr = entry.msgid
            catalog.set_state(entry, "approved")
    page = assemble.render(project, slug, "es", "html")
    assert '<a href="https://example.org/report">our report</a>' in page
    assert "<strong>act</strong>" in page
    assert 'href="javascript' not in page
    assert "<b onclick" not in page and "&lt;b onclick=x&gt;" in page


def test_script_in_a_segment_is_shown_not_run_in_chromium(harbour, tmp_path):
    """The exported page opened in a real browser: the script is text on the page."""
    sync_api = pytest.importorskip("playwright.sync_api")
    project, slug = harbour
    translate(project, slug, "es", {"Fair shifts.": '<script>window.hacked = 1</script>Turnos justos.'})
    [page_path] = assemble.export(project, [slug], ["es"], ["html"], out_dir=tmp_path / "out", draft=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            assert page.evaluate("window.hacked") is None
            assert "<script>window.hacked = 1</script>Turnos justos." in page.inner_text("body")
            assert page.evaluate("document.documentElement.dir") == "ltr"
        finally:
            browser.close()


# --- the publishing rule ---------------------------------------------------------------------

def test_untranslated_statement_is_refused_with_counts_and_first_segments(harbour):
    project, slug = harbour
    with pytest.raises(assemble.NotReady) as caught:
        assemble.render(project, slug, "es", "txt")
    message = str(caught.value)
    assert "7 untranslated, 0 draft, 0 translated, 0 approved" in message
    assert "'Stop the Attacks' (untranslated)" in message
    assert "--draft" in message


def test_fuzzy_drafts_block_publishing(harbour):
    project, slug = harbour
    translate(project, slug, "es")
    translate(project, slug, "es", state="fuzzy", only={"Fair shifts."})
    with pytest.raises(assemble.NotReady) as caught:
        assemble.render(project, slug, "es", "html")
    assert "1 draft" in str(caught.value) and "'Fair shifts.' (draft)" in str(caught.value)


def test_the_review_policy_says_what_is_published(harbour):
    """publish = "approved" (the default, four eyes) publishes approved text only; "translated"
    also what a volunteer saved; a draft export shows the unapproved text marked."""
    project, slug = harbour
    translate(project, slug, "es", state="translated")
    translate(project, slug, "es", state="approved", only={"Fair shifts."})
    with pytest.raises(assemble.NotReady, match=r"6 translated, 1 approved \(14% of 7 segments approved"):
        assemble.render(project, slug, "es", "txt")
    draft = assemble.render(project, slug, "es", "txt", draft=True)
    assert "Draft: 6 segments unreviewed" in draft and "- FAIR SHIFTS." in draft and "STOP THE ATTACKS" in draft
    config = project.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('publish = "approved"', 'publish = "translated"'),
                      encoding="utf-8")
    out = assemble.render(Project.load(project.root), slug, "es", "txt")
    assert "- FAIR SHIFTS." in out and "STOP THE ATTACKS" in out and "Draft" not in out


def test_draft_marks_machine_text_and_keeps_untranslated_in_source_language(harbour):
    project, slug = harbour
    translate(project, slug, "es", only={"Stop the Attacks", "Solidarity now!"})
    translate(project, slug, "es", {"Fair shifts.": "Turnos justos (máquina)."}, state="fuzzy",
              only={"Fair shifts."})
    text = assemble.render(project, slug, "es", "txt", draft=True)
    assert text.split("\n")[0].startswith("Draft: 5 segments unreviewed")
    assert "STOP THE ATTACKS" in text and "- Turnos justos (máquina)." in text
    assert "We stand with the dockers." in text  # untranslated: the source text
    page = assemble.render(project, slug, "es", "html", draft=True)
    assert "Draft: 5 segments unreviewed" in page
    assert '<span class="unreviewed">Turnos justos (máquina).</span>' in page
    assert '<span class="untranslated" lang="en">We stand with the dockers.</span>' in page
    preview = assemble.preview_html(project, slug, "es")
    assert '<mark class="unreviewed">Turnos justos (máquina).</mark>' in preview
    assert '<mark class="untranslated" lang="en">We stand with the dockers.</mark>' in preview
    assert "<html" not in preview and "STOP THE ATTACKS" in preview


def test_draft_of_a_reviewed_statement_has_no_notice(harbour):
    project, slug = harbour
    translate(project, slug, "es")
    assert assemble.render(project, slug, "es", "txt", draft=True) == assemble.render(project, slug, "es", "txt")


def test_threshold_publishes_reviewed_part_and_keeps_drafts_out(harbour):
    project, slug = harbour
    segments = [entry.msgid for entry in catalog.read(project.catalog_path(slug, "es"))]
    assert len(segments) == 7
    translate(project, slug, "es", only=set(segments[:4]))  # 4 of 7 reviewed: 57%
    translate(project, slug, "es", {"Fair shifts.": "Turnos justos."}, state="fuzzy", only={"Fair shifts."})
    out = assemble.render(project, slug, "es", "txt", threshold=50)
    assert "STOP THE ATTACKS" in out
    assert "- Fair shifts." in out and "Turnos" not in out  # a draft is not published
    with pytest.raises(assemble.NotReady, match="57% of 7 segments approved, 60% needed"):
        assemble.render(project, slug, "es", "txt", threshold=60)


def test_threshold_defaults_to_the_project_setting(tmp_path):
    project = new_project(tmp_path / "proj", ["es"], threshold=50)
    slug = add(project, "stop.txt", STATEMENT)
    segments = [entry.msgid for entry in catalog.read(project.catalog_path(slug, "es"))]
    translate(project, slug, "es", only=set(segments[:3]))  # 3 of 7: 43%
    with pytest.raises(assemble.NotReady, match="50% needed"):
        assemble.render(project, slug, "es", "txt")
    translate(project, slug, "es", only=set(segments[:4]))
    assert "STOP THE ATTACKS" in assemble.render(project, slug, "es", "txt")
    assert "STOP THE ATTACKS" in assemble.render(project, slug, "es", "txt", threshold=0)


def test_proof_page_lists_each_segment_with_its_state(harbour):
    project, slug = harbour
    translate(project, slug, "es", state="translated", only={"Stop the Attacks"})
    translate(project, slug, "es", {"Fair shifts.": "Turnos justos."}, state="fuzzy", only={"Fair shifts."})
    proof = assemble.render(project, slug, "es", "proof")  # made even when not ready
    rows = re.findall(r'<tr class="state-(\w+)">(.*?)</tr>', proof)
    states = [state for state, _ in rows]
    assert states[0] == "date" and states.count("untranslated") == 5
    assert "translated" in states and "fuzzy" in states
    fair = next(row for state, row in rows if state == "fuzzy")
    assert "Fair shifts." in fair and "Turnos justos." in fair and ">draft<" in fair


# --- Markdown --------------------------------------------------------------------------------

def test_markdown_front_matter_gets_translated_title_and_lang(tmp_path):
    project = new_project(tmp_path / "proj", ["es"])
    sample = (SAMPLES / "housing-is-a-right.md").read_text(encoding="utf-8")
    slug = add(project, "housing.md", sample)
    translate(project, slug, "es", {"Housing Is a Right, Not a Commodity": 'La vivienda es un "derecho"'})
    out = assemble.render(project, slug, "es", "md")
    front = out.split("---\n")[1]
    assert front.splitlines() == ['title: "La vivienda es un \\"derecho\\""', "date: 2024-10-05",
                                  "author: TENANTS UNITED", "lang: es"] or \
        front.splitlines() == ['title: "La vivienda es un \\"derecho\\""', "date: 2024-10-05",
                               "author: Tenants United", "lang: es"]
    assert "# La vivienda es un \"derecho\"\n" in out
    assert "(https://example.org/report)" in out and "(https://example.org/letter)" in out
    assert "1. A RENT FREEZE FOR THE NEXT THREE YEARS." in out
    assert "> A HOME IS NOT AN INVESTMENT. IT IS WHERE WE LIVE." in out


def test_translator_cannot_break_link_destinations(tmp_path):
    project = new_project(tmp_path / "proj", ["es"])
    slug = add(project, "l.md", "# T\n\nRead [our report](https://example.org/r?a=1) now.\n")
    translate(project, slug, "es", {"Read [our report][1] now.": "Lee [nuestro informe][1] ya.", "T": "T"})
    assert "Lee [nuestro informe](https://example.org/r?a=1) ya." in assemble.render(project, slug, "es", "md")


def test_plain_text_and_markdown_cross_formats(harbour, tmp_path):
    project, slug = harbour
    translate(project, slug, "es")
    md = assemble.render(project, slug, "es", "md")
    assert md.startswith(f"{babel_date('es')}\n\n# STOP THE ATTACKS\n")
    housing = add(project, "housing.md", (SAMPLES / "housing-is-a-right.md").read_text(encoding="utf-8"))
    translate(project, housing, "es")
    text = assemble.render(project, housing, "es", "txt")
    assert text.startswith("5 de octubre de 2024\n\nHOUSING IS A RIGHT, NOT A COMMODITY\n")
    assert "---" not in text and "**" not in text
    assert "READ OUR FULL REPORT (https://example.org/report)" in text


# --- bad input -------------------------------------------------------------------------------

def test_stale_catalog_is_refused_until_update(harbour):
    project, slug = harbour
    translate(project, slug, "es")
    source = project.source_path(slug)
    source.write_text(source.read_text(encoding="utf-8").replace("Fair shifts.", "Fair shifts for all."),
                      encoding="utf-8")
    with pytest.raises(ChorusError, match=rf"source was edited.*run 'chorus update {slug}'"):
        assemble.render(project, slug, "es", "txt")
    with pytest.raises(ChorusError, match="chorus update"):
        assemble.preview_html(project, slug, "es")
    apply(project, plan_update(project, [slug]))
    with pytest.raises(assemble.NotReady, match="1 draft"):  # the changed sentence is now a draft
        assemble.render(project, slug, "es", "txt")


@pytest.mark.parametrize("slug, lang, message", [
    ("no-such-statement", "es", "unknown statement: no-such-statement"),
    ("../etc", "es", "not a valid statement name"),
    ("stop", "it", "it is not a target language"),
    ("stop", "zz-!", "not a language code"),
])
def test_unknown_statement_or_language(harbour, slug, lang, message):
    project, _ = harbour
    with pytest.raises(ChorusError, match=re.escape(message)):
        assemble.render(project, slug, lang, "txt")


def test_unknown_format(harbour):
    project, slug = harbour
    with pytest.raises(ChorusError, match="unknown format 'pdf'"):
        assemble.render(project, slug, "es", "pdf")


def test_unwritable_output_folder_writes_nothing(harbour, tmp_path):
    project, slug = harbour
    translate(project, slug, "es")
    blocker = tmp_path / "out"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(ChorusError, match="cannot create the output folder"):
        assemble.export(project, [slug], ["es"], ["txt", "html"], out_dir=blocker)
    assert blocker.read_text(encoding="utf-8") == "a file where a folder should be"
    with pytest.raises(ChorusError, match="cannot create the output folder"):
        assemble.export(project, [slug], ["es"], ["txt"], out_dir="/proc/chorus-export")


def test_export_writes_only_ready_statements_and_names_the_others(tmp_path):
    project = new_project(tmp_path / "proj", ["es", "fr"])
    slug = add(project, "stop.txt", STATEMENT)
    translate(project, slug, "es")
    with pytest.raises(assemble.ExportBlocked, match=r"stop \[fr\] is not ready") as caught:
        assemble.export(project, [], [], ["source", "html"])
    written = sorted(project.relative(path) for path in caught.value.written)
    assert written == ["localized/es/stop.html", "localized/es/stop.txt"]
    assert not (project.root / "localized" / "fr").exists()


def test_export_leaves_catalogs_alone_and_they_still_pass_msgfmt(tmp_path):
    project = new_project(tmp_path / "proj", ["es", "fr"])
    plans = plan_add(project, sorted(SAMPLES.iterdir()))
    apply(project, plans)
    for plan in plans:
        translate(project, plan.slug, "es")
        translate(project, plan.slug, "fr", state="fuzzy")
    before = snapshot(project.translations_dir)
    written = assemble.export(project, [], [], ["all"], draft=True)
    assert len(written) == len(plans) * 2 * 4
    assert snapshot(project.translations_dir) == before
    for path in project.translations_dir.rglob("*.po"):
        msgfmt_check(path)
    assert not list(project.root.rglob("*.tmp"))


# --- reading catalogs ------------------------------------------------------------------------

def _reference(path: Path):
    po = catalog.read(path)
    entries = {}
    for entry in catalog.live_entries(po):
        if entry.msgid and entry.msgid not in entries:
            entries[entry.msgid] = (entry.msgstr, catalog.state(entry))
    return dict(po.metadata), entries


def test_catalog_reader_agrees_with_polib_on_the_samples():
    paths = sorted((SAMPLES.parent / "translations").rglob("*.po"))
    assert paths
    for path in paths:
        assert catalog.read_states(path) == _reference(path)


TEXT = st.text(st.one_of(st.characters(blacklist_categories=("Cs", "Cc")),
                         st.sampled_from(["\n", "\t", "\\", '"', "#", ",", " "])), max_size=120)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(TEXT.filter(bool), TEXT, st.sampled_from(["", "fuzzy", "approved"]),
                          st.booleans(), st.booleans()), max_size=8, unique_by=lambda t: t[0]))
def test_catalog_reader_agrees_with_polib_on_generated_catalogs(tmp_path_factory, rows):
    po = polib.POFile(wrapwidth=catalog.WRAP)
    po.metadata = {"Content-Type": "text/plain; charset=utf-8", catalog.SOURCE_HASH: "abc"}
    for msgid, msgstr, flag, obsolete, previous in rows:
        entry = polib.POEntry(msgid=msgid, msgstr=msgstr, flags=[flag] if flag else [],
                              obsolete=obsolete, comment="paragraph", occurrences=[("source/x.txt", "3")])
        if previous and flag == "fuzzy":
            entry.previous_msgid = msgid + " (old)"
        po.append(entry)
    path = tmp_path_factory.mktemp("po") / "x.po"
    path.write_text(po.__unicode__(), encoding="utf-8")
    assert catalog.read_states(path) == _reference(path)


def test_large_export_in_worker_processes_matches_one_process(tmp_path):
    project = new_project(tmp_path / "proj", ["es"])
    files = []
    for number in range(60):
        path = tmp_path / f"s{number:02d}.txt"
        path.write_text(STATEMENT.replace("Fair shifts.", f"Fair shifts for group {number}."), encoding="utf-8")
        files.append(path)
    plans = plan_add(project, files)
    apply(project, plans)
    for plan in plans[:-2]:
        translate(project, plan.slug, "es")
    with pytest.raises(assemble.ExportBlocked) as serial:
        assemble.export(project, [], [], ["txt", "html"], out_dir=tmp_path / "one")
    with pytest.raises(assemble.ExportBlocked) as parallel:
        assemble.export(project, [], [], ["txt", "html"], out_dir=tmp_path / "two", workers=2)
    assert [(b.slug, b.lang) for b in parallel.value.blocked] == [("s58", "es"), ("s59", "es")]
    assert str(parallel.value) == str(serial.value)
    assert len(parallel.value.written) == 58 * 2
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    source = project.source_path("s30")
    source.write_text(source.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    with pytest.raises(ChorusError, match="run 'chorus update s30'"):
        assemble.export(project, [], [], ["txt"], out_dir=tmp_path / "three", workers=2)
    assert not (tmp_path / "three").exists()
