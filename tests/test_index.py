"""The project index and search, in the library and through the commands: counts that match
the catalogs, only what changed read again, search across segments, a broken catalog as one
row while everything else works."""

from __future__ import annotations

import datetime as dt

import json
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chorus.index as index_module
import chorus.scan as scan
from chorus import catalog
from chorus.index import FILE_NAME, Index
from chorus.scan import segment_id
from chorus.ingest import apply, plan_add, plan_update
from chorus.project import Project
from chorus.search import MAX_LENGTH, BadQuery, fts_query, search
from chorus.status import ready
from conftest import run_chorus, snapshot

SLUG = "stop-the-attacks"
LANGS = ["es", "fr", "de"]


def fill(project: Project, slug: str, lang: str, state: str = "translated", text=None, share: float = 1.0) -> None:
    """Translate the first ``share`` of a catalog's entries (``text(msgid)``, else "[lang] msgid"),
    as another tool would: the file is written, the index is not told."""
    path = project.catalog_path(slug, lang)
    po = catalog.read(path)
    entries = catalog.live_entries(po)
    for entry in entries[:round(len(entries) * share)]:
        entry.msgstr = text(entry.msgid) if text else f"[{lang}] {entry.msgid}"
        catalog.set_state(entry, state)
    catalog.write(po, path)


def add_statements(project: Project, folder, count: int, start: int = 0) -> list[str]:
    """``count`` small statements, dated one day apart (statement-000 the oldest)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(start, start + count):
        path = folder / f"statement-{number:03d}.txt"
        path.write_text(f"2024-01-{number % 28 + 1:02d}\n\nStatement number {number}\n\n"
                        f"The dockers of pier {number} stand together. Solidarity with pier {number}!\n",
                        encoding="utf-8")
        files.append(path)
    apply(project, plan_add(project, files))
    return [path.stem for path in files]


def stats_of(project: Project, slug: str, lang: str) -> dict:
    return catalog.stats(catalog.read(project.catalog_path(slug, lang)))


def break_catalog(project: Project, slug: str = SLUG, lang: str = "es") -> None:
    path = project.catalog_path(slug, lang)
    data = path.read_bytes()
    path.write_bytes(data[:data.index(b'\nmsgid "', data.index(b'\nmsgid "') + 1) + 12])  # a truncated hand edit


@pytest.fixture
def reads(monkeypatch):
    """The files the index parses, in order."""
    seen = []
    original = scan._read_entries

    def spy(path):
        seen.append(f"{path.parent.name}/{path.name}")
        return original(path)

    monkeypatch.setattr(scan, "_read_entries", spy)
    return seen


# --- what the index holds -------------------------------------------------------------------------


def test_counts_titles_and_dates_are_those_of_the_catalogs(sample_project):
    fill(sample_project, SLUG, "es", "approved")
    fill(sample_project, SLUG, "fr", "fuzzy", share=0.5)
    index = Index(sample_project)
    index.refresh()
    slugs = sample_project.statements()
    rows = index.catalog_rows(slugs, LANGS)
    assert [(row["statement"], row["lang"]) for row in rows] == [(slug, lang) for slug in slugs for lang in LANGS]
    for row in rows:
        expected = stats_of(sample_project, row["statement"], row["lang"])
        assert {key: row[key] for key in expected} == expected
        assert row["error"] is None and not row["missing"]
        assert row["ready"] == ready(expected, 100)
    items = {item["slug"]: item for item in index.items(slugs, LANGS)}
    assert items[SLUG]["title"] == "Stop the Attacks on the Harbour Workers"
    assert items[SLUG]["date"] == "2024-03-03"
    assert items["housing-is-a-right"]["title"] == "Housing Is a Right, Not a Commodity"
    assert items["housing-is-a-right"]["date"] == "2024-10-05"
    assert [lang["ready"] for lang in items[SLUG]["languages"]] == [True, False, False]


def test_the_ready_rule_is_exact():
    assert ready({"segments": 2001, "approved": 2000}, 100) is False  # 99.95% is not 100%
    assert ready({"segments": 4, "approved": 2}, 50) is True
    assert ready({"segments": 0, "approved": 0}, 0) is False  # nothing to publish


def test_segment_ids_are_those_of_the_web_ui(sample_project):
    from chorus.editing import load

    for slug in sample_project.statements():
        for segment in load(sample_project.catalog_path(slug, "es")):
            assert segment_id(segment.context, segment.source) == segment.id


# --- reading only what changed ---------------------------------------------------------------------


def test_only_the_files_that_changed_are_read_again(sample_project, reads):
    index = Index(sample_project)
    index.refresh(full=True)
    assert len(reads) == 3 * (1 + len(LANGS))
    reads.clear()
    index.refresh(full=True)
    assert reads == []
    fill(sample_project, SLUG, "fr")
    index.refresh(full=True)
    assert reads == [f"{SLUG}/fr.po"]


def test_a_page_reads_the_files_it_shows_and_no_other(project, tmp_path, reads):
    slugs = add_statements(project, tmp_path / "inbox", 12)
    index = Index(project)
    index.refresh()
    for slug in slugs:  # hand edits everywhere, behind the index's back
        fill(project, slug, "de", "approved")
    reads.clear()
    index = Index(project)
    index.refresh()
    listing = index.listing(["de"], per_page=4)
    assert index.check([item["slug"] for item in listing.statements], ["de"])
    assert sorted(reads) == sorted(f"{item['slug']}/de.po" for item in listing.statements)
    again = index.listing(["de"], per_page=4)
    assert all(language["ready"] for item in again.statements for language in item["languages"])


def test_a_server_sweeps_a_slice_at_a_time(project, tmp_path, monkeypatch, reads):
    """What no page shows is looked at a few statements per request, round and round."""
    slugs = add_statements(project, tmp_path / "inbox", 6)
    index = Index(project)
    index.refresh()
    fill(project, slugs[-1], "es", "approved")  # behind the index's back, on no page
    monkeypatch.setattr(index_module, "SLICE", 2)
    monkeypatch.setattr(index_module, "SLICE_SECONDS", 0.0)
    reads.clear()
    index.refresh(sweep="slice")
    index.refresh(sweep="slice")
    assert reads == [] and index.listing(["es"], state="ready").total == 0  # not reached yet
    index.refresh(sweep="slice")
    assert reads == [f"{slugs[-1]}/es.po"]
    assert [item["slug"] for item in index.listing(["es"], state="ready").statements] == [slugs[-1]]


def test_a_cold_build_reports_its_progress(project, tmp_path):
    add_statements(project, tmp_path / "inbox", 60)
    seen = []
    Index(project).refresh(progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (60, 60) and [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_deleting_the_index_is_safe(sample_project):
    fill(sample_project, SLUG, "es")
    index = Index(sample_project)
    index.refresh()
    before = index.catalog_rows(sample_project.statements(), LANGS)
    shutil.rmtree(sample_project.private_dir)
    again = Index(sample_project)
    again.refresh()
    assert again.catalog_rows(sample_project.statements(), LANGS) == before
    assert index.catalog_rows(sample_project.statements(), LANGS) == before  # an open index follows the new file


def test_a_damaged_index_is_made_again(sample_project):
    Index(sample_project).refresh()
    for suffix in ("-wal", "-shm"):
        (sample_project.private_dir / f"{FILE_NAME}{suffix}").unlink(missing_ok=True)
    (sample_project.private_dir / FILE_NAME).write_bytes(b"this is not an SQLite file" * 100)
    index = Index(sample_project)
    index.refresh()
    assert len(index.catalog_rows(sample_project.statements(), LANGS)) == 9


def test_statements_and_languages_that_come_and_go(sample_project, tmp_path):
    index = Index(sample_project)
    index.refresh()
    add_statements(sample_project, tmp_path / "inbox", 1)
    shutil.rmtree(sample_project.statement_dir("no-to-the-wage-freeze"))
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"de"]', '"de", "it"]'), encoding="utf-8")
    project = Project.load(sample_project.root)
    index = Index(project)
    index.refresh()  # a light refresh, as a request makes
    assert index.slugs() == ["housing-is-a-right", "statement-000", SLUG]
    rows = {(row["statement"], row["lang"]): row for row in index.catalog_rows(index.slugs(), ["it"])}
    assert rows[(SLUG, "it")]["missing"] and rows[(SLUG, "it")]["repair"] == f"chorus update {SLUG}"
    assert rows[(SLUG, "it")]["untranslated"] == rows[(SLUG, "it")]["segments"] > 0
    apply(project, plan_update(project, [SLUG]))
    index.check([SLUG])
    assert not index.catalog_rows([SLUG], ["it"])[0]["missing"]


def test_a_new_threshold_changes_what_is_ready(sample_project):
    fill(sample_project, SLUG, "es", "approved", share=0.5)
    index = Index(sample_project)
    index.refresh()
    assert index.listing(["es"], state="ready").total == 0
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("publish_threshold = 100", "publish_threshold = 40"),
                      encoding="utf-8")
    index = Index(Project.load(sample_project.root))
    index.refresh()
    assert [item["slug"] for item in index.listing(["es"], state="ready").statements] == [SLUG]


# --- listing: pages, order, filters -----------------------------------------------------------------


def test_pages_of_statements_newest_first(project, tmp_path):
    slugs = add_statements(project, tmp_path / "inbox", 25)
    index = Index(project)
    index.refresh()
    first = index.listing(LANGS, page=1, per_page=10)
    assert (first.total, first.pages, len(first.statements)) == (25, 3, 10)
    everything = [item["slug"] for page in (1, 2, 3)
                  for item in index.listing(LANGS, page=page, per_page=10).statements]
    dates = [index.items([slug], LANGS)[0]["date"] for slug in everything]
    assert sorted(everything) == sorted(slugs) and dates == sorted(dates, reverse=True)
    assert len(everything) == len(set(everything))
    beyond = index.listing(LANGS, page=4, per_page=10)
    assert beyond.statements == [] and beyond.total == 25
    assert [len(item["languages"]) for item in first.statements] == [3] * 10


def test_filters_by_title_language_and_state(project, tmp_path):
    add_statements(project, tmp_path / "inbox", 3)
    source = tmp_path / "inbox" / "solidarite.txt"
    source.write_text("Solidarité avec les dockers\n\nWe stand with them.\n", encoding="utf-8")
    apply(project, plan_add(project, [source]))
    fill(project, "statement-001", "es", "approved")
    break_catalog(project, "statement-002", "fr")
    index = Index(project)
    index.refresh()
    assert [item["slug"] for item in index.listing(LANGS, title="SOLIDARITE").statements] == ["solidarite"]
    assert [item["slug"] for item in index.listing(LANGS, title="number 1").statements] == ["statement-001"]
    assert index.listing(LANGS, title="100%_").total == 0  # LIKE's wildcards are plain characters
    ready_es = index.listing(LANGS, state="ready")
    assert [(item["slug"], [lang["lang"] for lang in item["languages"]]) for item in ready_es.statements] == [
        ("statement-001", ["es"])]
    problems = index.listing(LANGS, state="problems").statements
    assert [(item["slug"], [lang["lang"] for lang in item["languages"]]) for item in problems] == [
        ("statement-002", ["fr"])]
    work = index.listing(["es"], state="needs-work")
    assert sorted(item["slug"] for item in work.statements) == ["solidarite", "statement-000", "statement-002"]
    assert all([lang["lang"] for lang in item["languages"]] == ["es"] for item in work.statements)


def test_open_deadlines_come_first(project, tmp_path):
    add_statements(project, tmp_path / "inbox", 3)
    urgent = tmp_path / "inbox" / "urgent.md"
    urgent.write_text("---\ntitle: Act now\ndate: 2023-05-01\ndeadline: 2030-01-31\n---\n\nWe act.\n",
                      encoding="utf-8")
    apply(project, plan_add(project, [urgent]))
    index = Index(project)
    index.refresh()
    order = [item["slug"] for item in index.listing(LANGS).statements]
    assert order == ["urgent", "statement-002", "statement-001", "statement-000"]
    # a day alone is the end of that day, in the server's time zone
    assert index.items(["urgent"], LANGS)[0]["deadline"] == dt.datetime(2030, 1, 31, 23, 59).astimezone().isoformat(
        timespec="minutes")
    assert [item["slug"] for item in index.listing(LANGS, sort="newest").statements][-1] == "urgent"
    for lang in LANGS:
        fill(project, "urgent", lang, "approved")
    index.check(["urgent"])
    assert [item["slug"] for item in index.listing(LANGS).statements][-1] == "urgent"  # done: no longer urgent


# --- search ----------------------------------------------------------------------------------------


@pytest.fixture
def searchable(sample_project):
    fill(sample_project, SLUG, "es", "approved", text=lambda msgid: f"Solidaridad, estibadores: {msgid}")
    fill(sample_project, SLUG, "fr", "fuzzy", text=lambda msgid: f"Solidarité des dockers : {msgid}")
    index = Index(sample_project)
    index.refresh()
    return sample_project, index


def test_search_finds_source_or_translation_in_any_case_and_accent(searchable):
    project, index = searchable
    french = search(index, "SOLIDARITE DES", LANGS)
    assert french.hits and {hit.lang for hit in french.hits} == {"fr"}
    assert all("Solidarité des" in hit.target and hit.state == "fuzzy" for hit in french.hits)
    spanish = search(index, "estibadores", LANGS)
    assert {(hit.lang, hit.state) for hit in spanish.hits} == {("es", "approved")}
    source = search(index, "harbour", LANGS, per_page=200)
    assert {hit.lang for hit in source.hits} == set(LANGS)
    assert all("harbour" in hit.source.lower() for hit in source.hits)
    from chorus.editing import find, load

    for hit in source.hits:
        assert find(load(project.catalog_path(hit.statement, hit.lang)), hit.id).source == hit.source


def test_phrases_words_and_prefixes(searchable):
    _, index = searchable
    phrase = search(index, '"the harbour workers"', ["es"]).hits
    assert phrase and all("the harbour workers" in hit.source.lower() for hit in phrase)
    assert search(index, '"workers the harbour"', ["es"]).hits == []
    words = search(index, "workers harbour", ["es"]).hits
    assert len(words) >= len(phrase)
    forms = {hit.source for hit in search(index, "attack", ["es"], per_page=200).hits}
    assert any("attacks" in text.lower() for text in forms) and any("attacked" in text for text in forms)
    assert search(index, "att*", ["es"]).hits  # the words that start so
    assert search(index, "att", ["es"]).hits == []  # not a word of the text
    with pytest.raises(BadQuery, match="at least 2 letters"):
        search(index, "a*", ["es"])


def test_search_stays_in_the_languages_and_statement_given(searchable):
    _, index = searchable
    assert {hit.lang for hit in search(index, "solidarity", ["de"], per_page=200).hits} == {"de"}
    only = search(index, "solidarity", LANGS, statement=SLUG, per_page=200).hits
    assert only and {hit.statement for hit in only} == {SLUG}
    assert search(index, "solidarity", []).hits == []


def test_search_pages_and_marks(searchable):
    _, index = searchable
    first = search(index, "the", LANGS, per_page=5)
    second = search(index, "the", LANGS, page=2, per_page=5)
    assert first.more and len(first.hits) == 5
    assert not {(h.statement, h.lang, h.id) for h in first.hits} & {(h.statement, h.lang, h.id) for h in second.hits}
    from chorus.search import split_marks

    pieces = split_marks(first.hits[0].marked_source, first.hits[0].source)
    assert "".join(text for text, _ in pieces) == first.hits[0].source
    assert [text.lower() for text, match in pieces if match][0] == "the"


def test_a_translation_saved_in_the_web_ui_is_found_at_once(searchable):
    """Writes through catalog.editing (the web UI's saves) index the catalog as they write."""
    project, index = searchable
    entry = catalog.live_entries(catalog.read(project.catalog_path(SLUG, "de")))[0]
    with catalog.editing(project.catalog_path(SLUG, "de")) as po:
        po.find(entry.msgid).msgstr = "Zusammenhalt der Hafenarbeiter"
    hits = search(index, "hafenarbeiter", ["de"]).hits
    assert [(hit.id, hit.state) for hit in hits] == [(segment_id(None, entry.msgid), "translated")]


@pytest.mark.parametrize("text", [
    '"', '""', '"unclosed phrase', "'", "*", "**", "-", "NOT", "harbour NOT workers", "harbour OR",
    "NEAR(harbour workers)", "source:harbour", "^harbour", "harbour AND", "(harbour", "{harbour}",
    "'; DROP TABLE segments; --", "1=1 OR 'a'='a'", "\x00harbour", "harbour\x1b[31m", "\ud800",
    "ﷺ", "🙂 harbour", "x" * (MAX_LENGTH + 1), "word " * 30, "Ünïcödé ÀÉÎ", "a" * MAX_LENGTH,
])
def test_any_text_is_a_search_or_a_clear_refusal(searchable, text):
    _, index = searchable
    try:
        result = search(index, text, LANGS)
    except BadQuery as error:
        assert str(error)
    else:
        assert isinstance(result.hits, list)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=80))
def test_any_text_at_all(searchable, text):
    _, index = searchable
    try:
        search(index, text, LANGS)
    except BadQuery:
        pass


def test_the_query_never_passes_fts_syntax_through():
    assert fts_query("harbour OR NOT workers") == '"harbour" "OR" "NOT" "workers"'
    assert fts_query('say "no more" now*') == '"say" "no more" "now"*'
    assert fts_query('quote"inside') == '"quote" "inside"'  # an unclosed quote opens a phrase
    with pytest.raises(BadQuery, match="no word"):
        fts_query('"" * - !')


# --- a broken catalog is one row --------------------------------------------------------------------


def test_a_broken_catalog_is_a_row_and_the_rest_works(sample_project):
    break_catalog(sample_project)
    index = Index(sample_project)
    index.refresh()
    rows = {(row["statement"], row["lang"]): row for row in index.catalog_rows(sample_project.statements(), LANGS)}
    broken = rows[(SLUG, "es")]
    assert broken["error"].startswith(f"translations/{SLUG}/es.po: not a valid PO file")
    assert broken["catalog"] == f"translations/{SLUG}/es.po"
    assert sum(1 for row in rows.values() if row["error"]) == 1
    assert rows[(SLUG, "fr")]["segments"] == stats_of(sample_project, SLUG, "fr")["segments"]
    assert search(index, "harbour", ["fr"]).hits
    assert not [hit for hit in search(index, "harbour", LANGS, per_page=200).hits if hit.lang == "es"]


def test_a_catalog_with_a_byte_order_mark_gets_the_command_that_repairs_it(sample_project):
    path = sample_project.catalog_path(SLUG, "es")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    index = Index(sample_project)
    index.refresh()
    row = index.catalog_rows([SLUG], ["es"])[0]
    assert "byte-order mark" in row["error"]
    subprocess.run(row["repair"], shell=True, cwd=sample_project.root, check=True)
    catalog.read(path)  # readable again
    index.check([SLUG])
    assert index.catalog_rows([SLUG], ["es"])[0]["error"] is None


def test_a_broken_template_names_the_repair_and_the_catalogs_still_count(sample_project):
    template = sample_project.template_path(SLUG)
    template.write_text("msgid \"x\"\nmsgstr\n", encoding="utf-8")
    index = Index(sample_project)
    index.refresh()
    item = index.items([SLUG], LANGS)[0]
    assert "not a valid PO file" in item["error"] and item["repair"] == f"chorus update {SLUG}"
    assert item["title"] == SLUG and all(lang["error"] is None for lang in item["languages"])
    result = run_chorus("update", SLUG, cwd=sample_project.root)
    assert result.returncode == 0, result.stderr
    index.check([SLUG])
    assert index.items([SLUG], LANGS)[0]["error"] is None


# --- the commands ------------------------------------------------------------------------------------


def chorus(project, *args):
    result = run_chorus(*args, cwd=project.root)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_status_names_a_broken_catalog_and_fails_only_when_asked_about_it(sample_project):
    break_catalog(sample_project)
    code, out, err = chorus(sample_project, "status")
    assert code == 0, err
    assert "housing-is-a-right" in out and "cannot be read" in out
    assert f"chorus: problem: translations/{SLUG}/es.po: not a valid PO file" in err and "Traceback" not in err
    code, out, err = chorus(sample_project, "status", "housing-is-a-right")
    assert code == 0 and err == ""
    code, out, err = chorus(sample_project, "status", SLUG, "--json")
    assert code == 1
    rows = json.loads(out)
    assert [row["lang"] for row in rows if row["error"]] == ["es"]
    assert rows[1]["segments"] > 0 and rows[1]["error"] is None
    assert err.splitlines()[-1].startswith("chorus: error: 1 file of stop-the-attacks cannot be read")


def test_export_writes_everything_else_when_a_catalog_is_broken(sample_project):
    for slug in sample_project.statements():
        fill(sample_project, slug, "es", state="approved")
        fill(sample_project, slug, "fr", state="approved")
    break_catalog(sample_project, SLUG, "fr")
    code, out, err = chorus(sample_project, "export", "--lang", "es,fr", "--format", "txt")
    assert code == 1
    assert f"translations/{SLUG}/fr.po: not a valid PO file" in err and "Traceback" not in err
    written = sorted(str(path.relative_to(sample_project.root)) for path in
                     (sample_project.root / "localized").rglob("*.txt"))
    assert written == ["localized/es/housing-is-a-right.txt", "localized/es/no-to-the-wage-freeze.txt",
                       "localized/es/stop-the-attacks.txt", "localized/fr/housing-is-a-right.txt",
                       "localized/fr/no-to-the-wage-freeze.txt"]


def test_search_and_index_commands(searchable):
    project, _ = searchable
    code, out, err = chorus(project, "search", "solidarite", "--lang", "fr", "--json", "--limit", "3")
    assert code == 0, err
    hits = json.loads(out)
    assert len(hits) == 3 and all(set(hit) >= {"statement", "lang", "id", "source", "target", "state"} for hit in hits)
    code, out, err = chorus(project, "search", '"harbour workers"', "--statement", SLUG)
    assert code == 0 and "harbour" in out.lower() and "statement" in out
    code, out, err = chorus(project, "search", "nothing-like-this-anywhere")
    assert code == 0 and "No sentence matches" in out
    before = snapshot(project.translations_dir)
    code, out, err = chorus(project, "index", "--rebuild")
    assert code == 0 and "3 statements, 9 catalogs, 0 problems" in out
    assert snapshot(project.translations_dir) == before


def test_commands_on_a_cold_index_in_parallel_agree(project, tmp_path):
    """Several processes build and read one index at once: each gets the same, right answer."""
    add_statements(project, tmp_path / "inbox", 40)
    for number in range(0, 40, 3):
        fill(project, f"statement-{number:03d}", "es", "approved")
    runs = [subprocess.Popen([str(run_chorus.__globals__["CHORUS"]), "status", "--json"], cwd=project.root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err.decode() for _, err in outputs]
    tables = [json.loads(out) for out, _ in outputs]
    assert all(table == tables[0] for table in tables)
    for row in tables[0]:
        expected = stats_of(project, row["statement"], row["lang"])
        assert {key: row[key] for key in expected} == expected


# --- the index's reader refuses what catalog.read refuses ------------------------------------------


@pytest.fixture(scope="module")
def catalog_text(tmp_path_factory) -> str:
    project = Project.create(tmp_path_factory.mktemp("reader") / "proj", "en", ["es"])
    from conftest import SAMPLES

    apply(project, plan_add(project, sorted(SAMPLES.glob("*.txt"))))
    fill(project, SLUG, "es", "fuzzy", text=lambda msgid: f'«{msgid}» \\ "dicho"\n{msgid}', share=0.6)
    return project.catalog_path(SLUG, "es").read_text(encoding="utf-8")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_index_reads_a_damaged_catalog_as_catalog_read_does(catalog_text, tmp_path_factory, data):
    """Random damage (a cut, a stray character, a doubled or dropped line): the index's fast
    reader accepts exactly the files catalog.read accepts, and reads the same entries and states
    (the texts may differ in rare escapes such as ``\\a``, which catalog.read_states decodes
    and polib keeps)."""
    lines = catalog_text.split("\n")
    kind = data.draw(st.sampled_from(["cut", "insert", "double", "drop"]))
    if kind == "cut":
        text = catalog_text[:data.draw(st.integers(0, len(catalog_text)))]
    elif kind == "insert":
        at = data.draw(st.integers(0, len(catalog_text)))
        text = catalog_text[:at] + data.draw(st.sampled_from(['"', "\\", "\n", "m", "#", " ", "x", "\ufeff"])) + \
            catalog_text[at:]
    else:
        at = data.draw(st.integers(0, len(lines) - 1))
        text = "\n".join(lines[:at + 1] + lines[at:] if kind == "double" else lines[:at] + lines[at + 1:])
    path = tmp_path_factory.mktemp("damaged") / "es.po"
    path.write_text(text, encoding="utf-8")
    rare = str.maketrans({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"})
    try:
        expected = [(e.msgid.translate(rare), catalog.state(e)) for e in catalog.live_entries(catalog.read(path))]
    except Exception:  # noqa: BLE001 — any refusal
        expected = None
    try:
        found = [(entry[1].translate(rare), entry[3]) for entry in scan._read_entries(path)[1]]
    except Exception:  # noqa: BLE001
        found = None
    assert (found is None) == (expected is None), text
    if expected is not None:
        expected = [entry for entry in expected if entry[0]]
        if text.rstrip().rsplit("\n", 1)[-1].startswith("#") and found[:-1] == expected:
            return  # polib drops the last entry of a file that ends in comments; the index keeps it
        assert found == expected


@pytest.mark.parametrize("reader", ["catalog.read", "catalog.read_states", "index"])
def test_a_catalog_that_starts_with_a_byte_order_mark_is_refused_everywhere(catalog_text, tmp_path, reader):
    """msgfmt refuses a UTF-8 byte-order mark; so does every reader of Chorus, with one message
    (the index's error row offers the command that removes it)."""
    path = tmp_path / "es.po"
    path.write_bytes(b"\xef\xbb\xbf" + catalog_text.encode("utf-8"))
    assert subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True).returncode != 0
    read = {"catalog.read": catalog.read, "catalog.read_states": catalog.read_states,
            "index": scan._read_entries}[reader]
    with pytest.raises(catalog.ChorusError, match="byte-order mark"):
        read(path)
