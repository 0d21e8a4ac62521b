"""Apertium started before Chorus is imported: the plan a run leaves, the pipelines the next
``chorus pretranslate`` starts from it, and what becomes of those the run does not use."""

from __future__ import annotations

import doctest
import os

import pytest

from chorus import catalog, engines, prestart
from tests.conftest import run_chorus


@pytest.fixture
def drafted(sample_project):
    """The sample project after one ``chorus pretranslate`` (which leaves the plan)."""
    result = run_chorus("pretranslate", "--project", str(sample_project.root))
    assert result.returncode == 0, result.stderr
    yield sample_project
    prestart.stop_unused()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_docstring_examples():
    failures, tried = doctest.testmod(prestart)
    assert tried > 0 and failures == 0


def test_a_run_leaves_the_plan_of_each_language(drafted):
    plan = prestart.read_plan(str(drafted.root))
    assert plan is not None
    modes_dir, langs = plan
    assert modes_dir == "/usr/share/apertium/modes"
    assert langs["es"] == ("apertium", ["eng-spa"])
    assert langs["fr"] == ("apertium", ["eng-spa", "es-fr"])
    assert langs["de"][0] == "apertium"


def test_the_next_run_takes_the_pipeline_started_first(drafted):
    texts = ["The workers are on strike.", "Solidarity with the harbour workers!"]
    plain = engines.create("apertium")  # its own pipeline, as before any plan
    expected = plain.translate_batch(texts, "en", "es")
    plain.close()
    started = prestart.start(["pretranslate", "--lang", "es", "--project", str(drafted.root)], {})
    assert len(started) == 1 and "eng-spa" in started[0]
    engine = engines.for_project("apertium", drafted)
    try:
        assert engine.translate_batch(texts, "en", "es") == expected
        pipeline = engine._pipelines["eng-spa"]
        assert isinstance(pipeline.process, prestart.Spawned)
        pid = pipeline.process.pid
    finally:
        engine.close()
    assert not alive(pid)
    assert prestart.take(started[0]) is None  # taken once


def test_languages_and_engine_of_the_command_line_are_honoured(drafted):
    root = str(drafted.root)
    assert prestart.start(["pretranslate", "--engine", "libre"], {"CHORUS_PROJECT": root}) == []
    assert prestart.start(["pretranslate", "--project", root, "--help"], {}) == []
    assert prestart.start(["status", "--project", root], {}) == []
    spanish, french = prestart.start(["pretranslate", "--lang=fr"], {"CHORUS_PROJECT": root})
    assert "eng-spa" in spanish and "es-fr" in french  # both hops of en>es>fr
    prestart.stop_unused()


def test_what_the_run_does_not_take_is_stopped(drafted):
    started = prestart.start(["pretranslate", "--project", str(drafted.root)], {})
    assert len(started) == 2  # eng-spa (once, for es and fr) and es-fr; nothing reaches German
    pids = [prestart._started[command][0].pid for command in started]
    assert all(alive(pid) for pid in pids)
    prestart.stop_unused()
    assert not any(alive(pid) for pid in pids) and prestart._started == {}


def test_a_changed_chorus_toml_or_no_plan_starts_nothing(drafted):
    config = drafted.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert prestart.start(["pretranslate", "--project", str(drafted.root)], {}) == []
    (drafted.private_dir / "cache" / "apertium" / "start").unlink()
    assert prestart.start(["pretranslate", "--project", str(drafted.root)], {}) == []


def test_a_second_command_drafts_the_same_with_the_pipeline_started_first(drafted):
    path = drafted.catalog_path(drafted.statements()[0], "es")
    first = {entry.msgid: entry.msgstr for entry in catalog.read(path)}
    result = run_chorus("pretranslate", "--force", "--lang", "es", "--project", str(drafted.root))
    assert result.returncode == 0, result.stderr
    assert {entry.msgid: entry.msgstr for entry in catalog.read(path)} == first
    assert "es apertium eng-spa" in (drafted.private_dir / "cache" / "apertium" / "start").read_text()
