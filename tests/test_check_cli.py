"""``chorus check``: the table, the JSON, the exit status, errors."""

from __future__ import annotations

import json

import pytest

from chorus import memory
from conftest import run_chorus
from test_memory import write_catalog


@pytest.fixture(autouse=True)
def fresh_cache():
    memory._cache.clear()


@pytest.fixture
def checked(project):
    write_catalog(project, "first", "es", [
        ("We are 3,000 workers.", "Somos 2.000 trabajadores.", "translated"),
        ("Strike!", "¡Huelga!", "approved"),
    ])
    write_catalog(project, "second", "es", [("Strike!", "¡Paro!", "translated")])
    write_catalog(project, "second", "fr", [("Strike!", "Grève !", "translated")])
    return project


def test_json_lists_statement_segment_check_and_message(checked, invoke):
    result = invoke("check", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["statement"], r["lang"], r["segment"], r["check"]) for r in rows} == {
        ("first", "es", "We are 3,000 workers.", "numbers"),
        ("first", "es", "Strike!", "consistency"),
        ("second", "es", "Strike!", "consistency"),
    }
    assert all(r["message"] and "translation" in r for r in rows)
    second = next(r for r in rows if r["statement"] == "second")
    assert "¡Huelga!" in second["message"] and second["translation"] == "¡Paro!"


def test_slug_and_lang_narrow_the_check(checked, invoke):
    rows = json.loads(invoke("check", "second", "--json").output)
    assert [(r["statement"], r["check"]) for r in rows] == [("second", "consistency")]
    assert json.loads(invoke("check", "second", "--lang", "fr", "--json").output) == []


def test_table_output_and_exit_status(checked, invoke):
    result = invoke("check")
    assert result.exit_code == 0
    assert "3 findings" in result.output and "numbers" in result.output
    assert "# chorus: ignore <check>" in result.output
    strict = invoke("check", "--strict")
    assert strict.exit_code == 2
    clean = invoke("check", "--lang", "fr")
    assert clean.exit_code == 0 and "No findings" in clean.output
    assert invoke("check", "--lang", "fr", "--strict").exit_code == 0


def test_unknown_statement_or_language_is_one_line(checked, invoke):
    result = invoke("check", "nope")
    assert result.exit_code == 1 and "unknown statement: nope" in result.output
    result = invoke("check", "--lang", "it")
    assert result.exit_code == 1 and "not a target language" in result.output


def test_installed_command_on_ingested_samples(sample_project):
    result = run_chorus("check", "--json", env={"CHORUS_PROJECT": str(sample_project.root)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []  # nothing translated yet: nothing to flag
