"""End to end: chorus pretranslate with real Apertium on throwaway projects."""

from __future__ import annotations

import signal
import subprocess
import time

import polib

from chorus import catalog
from chorus.engines.apertium import ApertiumEngine
from chorus.ingest import apply, plan_add
from chorus.pretranslate import pretranslate
from chorus.project import Project
from tests.conftest import CHORUS, msgfmt_check, run_chorus


def entries(project, slug, lang):
    return {e.msgid: e for e in catalog.read(project.catalog_path(slug, lang)) if e.msgid and not e.obsolete}


def add_statement(project, name, text):
    path = project.root / name
    path.write_text(text)
    apply(project, plan_add(project, [path]))


def test_command_drafts_every_empty_spanish_segment(sample_project, invoke):
    result = invoke("pretranslate")
    assert result.exit_code == 0, result.output
    assert "from apertium" in result.output
    assert "fr: apertium cannot translate en→fr" in result.output  # and the run went on
    for slug in sample_project.statements():
        es = entries(sample_project, slug, "es")
        assert es and all(catalog.state(e) == "fuzzy" and catalog.origin(e) == "mt apertium" for e in es.values())
        assert all(catalog.state(e) == "untranslated" for e in entries(sample_project, slug, "fr").values())
        for lang in ("es", "fr", "de"):
            msgfmt_check(sample_project.catalog_path(slug, lang))
    es = entries(sample_project, "stop-the-attacks", "es")
    text = "An injury to one is an injury to all!"
    assert es[text].msgstr == ApertiumEngine().translate([text], "en", "es")[0]


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


def many_segments(project: Project, statements: int = 3, paragraphs: int = 12) -> None:
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
