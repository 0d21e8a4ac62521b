"""`chorus export` run as a user runs it: the installed command in a project folder."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date

from chorus import catalog
from conftest import run_chorus, snapshot


def fill(project, slug, lang, state="approved"):
    with catalog.editing(project.catalog_path(slug, lang)) as po:
        for entry in po:
            entry.msgstr = f"[{lang}] {entry.msgid}"
            catalog.set_state(entry, state)


@pytest.fixture
def ready(sample_project):
    """The samples, Spanish approved, French machine drafts, German untouched."""
    for slug in sample_project.statements():
        fill(sample_project, slug, "es")
        fill(sample_project, slug, "fr", state="fuzzy")
    return sample_project


def chorus(project, *args):
    result = run_chorus(*args, cwd=project.root)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_export_writes_the_source_format_and_html_by_default(ready):
    code, out, err = chorus(ready, "export", "--lang", "es")
    assert code == 0, err
    localized = ready.root / "localized" / "es"
    assert sorted(path.name for path in localized.iterdir()) == [
        "housing-is-a-right.html", "housing-is-a-right.md", "no-to-the-wage-freeze.html",
        "no-to-the-wage-freeze.txt", "stop-the-attacks.html", "stop-the-attacks.txt"]
    assert "wrote localized/es/stop-the-attacks.txt" in out
    text = (localized / "stop-the-attacks.txt").read_text(encoding="utf-8")
    dateline = format_date(dt.date(2024, 3, 3), format="full", locale="es")  # Babel's way in Spanish
    assert text.startswith(f"{dateline}\n\n[es] Stop the Attacks on the Harbour Workers\n")


def test_blocked_statements_exit_non_zero_and_say_why(ready):
    code, out, err = chorus(ready, "export", "stop-the-attacks", "--lang", "fr", "--lang", "de")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("chorus: error: stop-the-attacks [fr] is not ready")
    drafts = len(catalog.read(ready.catalog_path("stop-the-attacks", "fr")))
    assert f"0 untranslated, {drafts} draft, 0 translated, 0 approved" in err
    assert "also not ready: stop-the-attacks [de]" in err
    assert "Traceback" not in err
    assert not (ready.root / "localized").exists()


def test_draft_exports_with_notice_and_banner(ready):
    code, out, err = chorus(ready, "export", "stop-the-attacks", "--lang", "fr,de", "--draft",
                            "--format", "txt,html")
    assert code == 0, err
    french = (ready.root / "localized/fr/stop-the-attacks.txt").read_text(encoding="utf-8")
    assert french.startswith("Draft: ") and "[fr] Stop the Attacks" in french
    german = (ready.root / "localized/de/stop-the-attacks.html").read_text(encoding="utf-8")
    assert 'class="draft-banner"' in german and "Draft: " in german
    assert '<span class="untranslated" lang="en">Stop the Attacks on the Harbour Workers</span>' in german


def test_threshold_option(ready):
    slug = "no-to-the-wage-freeze"
    with catalog.editing(ready.catalog_path(slug, "de")) as po:
        entries = list(po)
        for entry in entries[: len(entries) // 2 + 1]:
            entry.msgstr = "[de] " + entry.msgid
            catalog.set_state(entry, "approved")
    assert chorus(ready, "export", slug, "--lang", "de", "--threshold", "50")[0] == 0
    assert chorus(ready, "export", slug, "--lang", "de", "--threshold", "100")[0] == 1
    code, _, err = chorus(ready, "export", slug, "--threshold", "150")
    assert code == 2 and "150 is not in the range 0<=x<=100" in err


def test_out_folder_and_all_formats(ready, tmp_path):
    out_dir = tmp_path / "site"
    code, out, err = chorus(ready, "export", "housing-is-a-right", "--lang", "es", "--format", "all",
                            "--out", str(out_dir))
    assert code == 0, err
    assert sorted(path.name for path in (out_dir / "es").iterdir()) == [
        "housing-is-a-right.html", "housing-is-a-right.md", "housing-is-a-right.proof.html",
        "housing-is-a-right.txt"]
    markdown = (out_dir / "es" / "housing-is-a-right.md").read_text(encoding="utf-8")
    assert "\nlang: es\n" in markdown and "\ndate: 2024-10-05\n" in markdown
    assert not (ready.root / "localized").exists()


def test_many_files_are_summarised(ready):
    code, out, err = chorus(ready, "export", "--lang", "es,fr", "--draft", "--format", "all")
    assert code == 0, err
    assert "wrote 12 files in localized/es/" in out and "24 files written" in out


@pytest.mark.parametrize("args, message", [
    (["export", "nope"], "unknown statement: nope"),
    (["export", "--lang", "it"], "it is not a target language"),
    (["export", "--format", "pdf"], "unknown format 'pdf'"),
    (["export", "../x"], "not a valid statement name"),
])
def test_bad_names_get_one_line_and_change_nothing(ready, args, message):
    before = snapshot(ready.root)
    code, out, err = chorus(ready, *args)
    assert code == 1 and message in err and err.count("\n") == 1
    assert snapshot(ready.root) == before


def test_stale_catalog_names_the_command_to_run(ready):
    source = ready.source_dir / "stop-the-attacks.txt"
    source.write_text(source.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    code, out, err = chorus(ready, "export", "--lang", "es")
    assert code == 1
    assert "source was edited" in err and "run 'chorus update stop-the-attacks'" in err
    assert not (ready.root / "localized").exists()


def test_unwritable_output_folder(ready, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, out, err = chorus(ready, "export", "--lang", "es", "--out", str(blocker / "sub"))
    assert code == 1 and "cannot create the output folder" in err and "Traceback" not in err


def test_help_explains_the_options(ready):
    code, out, err = chorus(ready, "export", "--help")
    assert code == 0
    for option in ("--lang", "--format", "--out", "--draft", "--threshold", "localized/<lang>/<slug>.<ext>"):
        assert option in out


def test_export_in_a_fresh_project_with_nothing_added(project):
    code, out, err = chorus(project, "export")
    assert code == 1 and "no statements yet" in err


def test_export_does_not_touch_catalogs(ready):
    before = snapshot(ready.translations_dir)
    assert chorus(ready, "export", "--draft", "--format", "all")[0] == 0
    assert snapshot(ready.translations_dir) == before
