"""End to end: chorus pretranslate with real Apertium on throwaway projects."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import polib
import pytest

from chorus import catalog
from chorus.engines.apertium import ApertiumEngine
from chorus.ingest import apply, plan_add, plan_update
from chorus.pretranslate import pretranslate
from chorus.project import Project
from tests.conftest import CHORUS, msgfmt_check, run_chorus


def entries(project, slug, lang):
    return {e.msgid: e for e in catalog.read(project.catalog_path(slug, lang)) if e.msgid and not e.obsolete}


def add_statement(project, name, text):
    path = project.root / name
    path.write_text(text)
    apply(project, plan_add(project, [path]))


def test_command_drafts_spanish_directly_and_french_through_spanish(sample_project, invoke):
    result = invoke("pretranslate")
    assert result.exit_code == 0, result.output
    assert "from apertium" in result.output
    assert "de: apertium cannot translate en→de" in result.output  # and the run went on
    for slug in sample_project.statements():
        es, fr = entries(sample_project, slug, "es"), entries(sample_project, slug, "fr")
        assert es and all(catalog.state(e) == "fuzzy" and catalog.origin(e) == "mt apertium" for e in es.values())
        assert fr and all(catalog.state(e) == "fuzzy" and catalog.origin(e) == "mt apertium en>es>fr"
                          for e in fr.values())
        assert all(catalog.state(e) == "untranslated" for e in entries(sample_project, slug, "de").values())
        for lang in ("es", "fr", "de"):
            msgfmt_check(sample_project.catalog_path(slug, lang))
    text = "An injury to one is an injury to all!"
    es, fr = entries(sample_project, "stop-the-attacks", "es"), entries(sample_project, "stop-the-attacks", "fr")
    assert es[text].msgstr == ApertiumEngine().translate([text], "en", "es")[0]
    assert fr[text].msgstr == ApertiumEngine().translate([text], "en", "fr")[0]
    assert fr[text].msgstr != es[text].msgstr


def test_translated_and_approved_entries_are_never_touched(sample_project):
    path = sample_project.catalog_path("stop-the-attacks", "es")
    with catalog.editing(path) as po:
        live = [e for e in po if e.msgid]
        live[0].msgstr, live[1].msgstr = "Paren los ataques", "Somos nosotros"
        catalog.set_state(live[1], "approved")
        live[2].msgstr = "Un borrador humano"
        catalog.set_state(live[2], "fuzzy")  # a volunteer's own draft: not a machine one
    before = {e.msgid: (e.msgstr, list(e.flags), e.tcomment) for e in live[:3]}
    for force in (False, True):
        pretranslate(sample_project, langs=["es"], force=force)
        after = entries(sample_project, "stop-the-attacks", "es")
        assert {k: (after[k].msgstr, after[k].flags, after[k].tcomment) for k in before} == before


def test_force_redrafts_machine_drafts_only(sample_project):
    pretranslate(sample_project, langs=["es"])
    path = sample_project.catalog_path("stop-the-attacks", "es")
    with catalog.editing(path) as po:
        first = next(e for e in po if e.msgid)
        first.msgstr = "un borrador viejo"
    [plain] = pretranslate(sample_project, langs=["es"])
    assert plain.pending == 0
    assert entries(sample_project, "stop-the-attacks", "es")[first.msgid].msgstr == "un borrador viejo"
    [forced] = pretranslate(sample_project, langs=["es"], force=True)
    assert forced.pending == forced.engines["apertium"] > 0
    again = entries(sample_project, "stop-the-attacks", "es")[first.msgid]
    assert again.msgstr == ApertiumEngine().translate([first.msgid], "en", "es")[0]


def test_edited_sentence_keeps_its_reviewed_translation_under_force(project, invoke):
    """An approved machine draft whose sentence is edited stays, with its #| msgid, through
    --force; only --redraft-changed replaces it."""
    add_statement(project, "harbour.txt", "Stop the attacks on the dockers.\n\nWe stand together.\n")
    pretranslate(project, langs=["es"])
    path = project.catalog_path("harbour", "es")
    with catalog.editing(path) as po:  # a reviewer approves the machine draft as it is
        entry = po.find("Stop the attacks on the dockers.")
        catalog.set_state(entry, "approved")
        reviewed = entry.msgstr
    assert catalog.origin(entry) == "mt apertium"
    source = project.root / "source" / "harbour.txt"
    source.write_text("Stop the attacks on the harbour dockers.\n\nWe stand together.\n")
    apply(project, plan_update(project, ["harbour"]))
    changed = entries(project, "harbour", "es")["Stop the attacks on the harbour dockers."]
    assert (changed.msgstr, changed.previous_msgid) == (reviewed, "Stop the attacks on the dockers.")

    assert invoke("pretranslate", "--force", "--lang", "es").exit_code == 0
    after = entries(project, "harbour", "es")["Stop the attacks on the harbour dockers."]
    assert (after.msgstr, after.previous_msgid) == (reviewed, "Stop the attacks on the dockers.")
    assert catalog.state(after) == "fuzzy"
    assert catalog.origin(entries(project, "harbour", "es")["We stand together."]) == "mt apertium"  # re-drafted

    assert invoke("pretranslate", "--redraft-changed", "--lang", "es").exit_code == 0
    replaced = entries(project, "harbour", "es")["Stop the attacks on the harbour dockers."]
    assert replaced.previous_msgid is None and catalog.origin(replaced) == "mt apertium"
    assert replaced.msgstr == ApertiumEngine().translate([replaced.msgid], "en", "es")[0]


def test_memory_comes_first_and_names_the_statement(project):
    add_statement(project, "first.txt", "Solidarity with the dockers!\n\nWe will win.\n")
    add_statement(project, "second.txt", "We will win.\n\nThe harbour is ours.\n")
    path = project.catalog_path("first", "es")
    with catalog.editing(path) as po:
        entry = po.find("We will win.")
        entry.msgstr = "¡Venceremos!"
    [result] = pretranslate(project, ["second"], ["es"])
    assert result.memory == 1 and result.engines["apertium"] == 1 and result.failed == 0
    second = entries(project, "second", "es")
    assert second["We will win."].msgstr == "¡Venceremos!"
    assert catalog.state(second["We will win."]) == "fuzzy"
    assert catalog.origin(second["We will win."]) == "tm 100% first"
    assert catalog.origin(second["The harbour is ours."]) == "mt apertium"


def approve(project, slug, lang, translations):
    with catalog.editing(project.catalog_path(slug, lang)) as po:
        for msgid, msgstr in translations.items():
            entry = po.find(msgid)
            entry.msgstr = msgstr
            catalog.set_state(entry, "approved")


def test_a_similar_remembered_sentence_is_the_draft_and_shows_what_differs(project):
    add_statement(project, "first.txt", "We will win the strike at the northern harbour this winter.\n")
    approve(project, "first", "es", {"We will win the strike at the northern harbour this winter.":
                                     "Ganaremos la huelga en el puerto del norte este invierno."})
    add_statement(project, "second.txt", "We will win the strike at the northern harbour this summer.\n\n"
                                         "Nobody voted for the lockout.\n")
    [result] = pretranslate(project, ["second"], ["es"])
    assert (result.memory, result.memory_fuzzy, result.engines["apertium"]) == (1, 1, 1)
    draft = entries(project, "second", "es")["We will win the strike at the northern harbour this summer."]
    assert draft.msgstr == "Ganaremos la huelga en el puerto del norte este invierno."
    assert catalog.state(draft) == "fuzzy"
    assert re.fullmatch(r"tm 9\d% first", catalog.origin(draft))
    assert draft.previous_msgid == "We will win the strike at the northern harbour this winter."  # the difference
    assert "#| msgid \"We will win the strike at the northern harbour this winter.\"" in \
        project.catalog_path("second", "es").read_text()
    msgfmt_check(project.catalog_path("second", "es"))


def test_memory_threshold_from_chorus_toml(project):
    add_statement(project, "first.txt", "We will win the strike at the northern harbour this winter.\n")
    approve(project, "first", "es", {"We will win the strike at the northern harbour this winter.":
                                     "Ganaremos la huelga en el puerto del norte este invierno."})
    add_statement(project, "second.txt", "We will win the strike at the northern harbour this summer.\n")
    config = project.root / "chorus.toml"
    config.write_text("memory_threshold = 99\n" + config.read_text())
    [result] = pretranslate(Project.load(project.root), ["second"], ["es"])
    assert (result.memory, result.engines["apertium"]) == (0, 1)


@pytest.mark.parametrize("value", ["120", "30", '"high"', "true"])
def test_a_bad_memory_threshold_is_one_line_and_changes_nothing(sample_project, invoke, value):
    from tests.conftest import snapshot

    config = sample_project.root / "chorus.toml"
    config.write_text(f"memory_threshold = {value}\n" + config.read_text())
    before = snapshot(sample_project.translations_dir)
    result = invoke("pretranslate")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "chorus: error: chorus.toml: memory_threshold must be a number from 50 to 100 (a percentage; default 90)"]
    assert snapshot(sample_project.translations_dir) == before


def test_pivot_keeps_protected_terms_across_both_hops(project, invoke):
    add_statement(project, "trump.txt", "Trump attacked the picket line.\n\nWrite to us at help@dock.org #strike\n")
    invoke("glossary", "add", "Trump")
    invoke("glossary", "add", "picket line", "--lang", "fr", "--translation", "piquet de grève")
    result = invoke("pretranslate", "--lang", "fr")
    assert result.exit_code == 0, result.output
    fr = entries(project, "trump", "fr")
    attacked = fr["Trump attacked the picket line."]
    assert catalog.origin(attacked) == "mt apertium en>es>fr"
    assert attacked.msgstr.startswith("Trump ") and "piquet de grève" in attacked.msgstr
    assert "help@dock.org #strike" in fr["Write to us at help@dock.org #strike"].msgstr


def test_glossary_terms_survive_in_catalog_drafts(project, invoke):
    add_statement(project, "trump.txt", "Trump attacked the picket line.\n\nWrite to us at help@dock.org #strike\n")
    invoke("glossary", "add", "Trump")
    invoke("glossary", "add", "picket line", "--lang", "es", "--translation", "piquete")
    assert invoke("pretranslate", "--lang", "es").exit_code == 0
    es = entries(project, "trump", "es")
    assert es["Trump attacked the picket line."].msgstr.startswith("Trump ")
    assert "piquete" in es["Trump attacked the picket line."].msgstr
    assert "help@dock.org #strike" in es["Write to us at help@dock.org #strike"].msgstr


def test_bad_input_is_one_line_and_changes_nothing(sample_project, invoke):
    from tests.conftest import snapshot

    before = snapshot(sample_project.translations_dir)
    for args, message in ((["nope"], "unknown statement: nope"), (["--lang", "it"], "not a target language"),
                          (["--engine", "babel"], "unknown engine 'babel'")):
        result = invoke("pretranslate", *args)
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert snapshot(sample_project.translations_dir) == before


def many_segments(project: Project, statements: int = 24, paragraphs: int = 12) -> None:
    """Enough statements that a run is still going when the first of them is saved."""
    for number in range(statements):
        lines = [f"Statement number {number}", ""]
        for paragraph in range(paragraphs):
            lines += [f"In week {paragraph} of statement {number} the workers of the harbour held the line "
                      f"against the company and its guards.", ""]
        add_statement(project, f"s{number}.txt", "\n".join(lines))
    config = project.root / "chorus.toml"
    config.write_text(config.read_text() + "\n[apertium]\nbatch_size = 2\n")


def count(project: Project, state: str) -> int:
    return sum(catalog.stats(catalog.read(project.catalog_path(s, "es")))[state] for s in project.statements())


def start_and_stop(project: Project, sig: int, after: int = 4) -> subprocess.Popen:
    """Start a run, wait until ``after`` drafts are on disk, then send ``sig``."""
    process = subprocess.Popen([str(CHORUS), "pretranslate", "--lang", "es", "--project", str(project.root)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and count(project, "fuzzy") < after and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(sig)
    process.communicate(timeout=30)
    return process


def test_interrupted_run_keeps_finished_batches_and_resumes(project):
    many_segments(project)
    process = start_and_stop(project, signal.SIGINT)
    assert process.returncode == 130
    total, drafted = count(project, "segments"), count(project, "fuzzy")
    assert 4 <= drafted < total
    for slug in project.statements():
        msgfmt_check(project.catalog_path(slug, "es"))
        po = polib.pofile(str(project.catalog_path(slug, "es")))
        assert all(catalog.origin(e) == "mt apertium" for e in po if e.msgstr and e.msgid)
    result = run_chorus("pretranslate", "--lang", "es", "--project", str(project.root))
    assert result.returncode == 0, result.stderr.decode()
    assert f"│ es   │ {total - drafted:>8} │" in result.stdout.decode()  # only what was left
    assert count(project, "untranslated") == 0


def test_killed_run_leaves_whole_catalogs(project):
    many_segments(project)
    process = start_and_stop(project, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert 4 <= count(project, "fuzzy") < count(project, "segments")
    for slug in project.statements():
        msgfmt_check(project.catalog_path(slug, "es"))
    assert run_chorus("pretranslate", "--lang", "es", "--project", str(project.root)).returncode == 0
    assert count(project, "untranslated") == 0
