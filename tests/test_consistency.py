"""Consistency: one source sentence translated differently in two statements of a language."""

from __future__ import annotations

import pytest

from chorus import memory
from chorus.checks import check_catalog
from test_memory import write_catalog


@pytest.fixture(autouse=True)
def fresh_cache():
    memory._cache.clear()


def consistency(project, slug, lang="es"):
    return [f for f in check_catalog(project, slug, lang) if f.check == "consistency"]


def test_different_translations_are_flagged_and_the_approved_one_offered(project):
    write_catalog(project, "first", "es", [("An injury to one is an injury to all!",
                                             "¡Una agresión a uno es una agresión a todos!", "approved")])
    write_catalog(project, "second", "es", [("An injury to one is an injury to all!",
                                              "¡El daño a uno es daño a todos!", "translated")])
    (finding,) = consistency(project, "second")
    assert finding.slug == "second" and finding.lang == "es"
    assert finding.msgid == "An injury to one is an injury to all!"
    assert "first" in finding.message
    assert "Approved translation (in first): '¡Una agresión a uno es una agresión a todos!'" in finding.message
    (other,) = consistency(project, "first")
    assert "second" in other.message and "This translation is the approved one" in other.message


def test_same_translation_everywhere_is_fine(project):
    for slug in ("first", "second"):
        write_catalog(project, slug, "es", [("Solidarity forever!", "¡Solidaridad para siempre!", "translated")])
    assert consistency(project, "first") == []
    assert consistency(project, "second") == []


def test_only_the_same_language_and_final_translations_count(project):
    write_catalog(project, "first", "es", [("Solidarity forever!", "¡Solidaridad para siempre!", "translated")])
    write_catalog(project, "second", "es", [("Solidarity forever!", "¡Solidaridad eterna!", "fuzzy")])
    write_catalog(project, "third", "fr", [("Solidarity forever!", "Solidarité pour toujours !", "translated")])
    assert consistency(project, "first") == []
    assert consistency(project, "second") == []


def test_without_an_approved_one_no_translation_is_offered(project):
    write_catalog(project, "first", "es", [("Strike!", "¡Huelga!", "translated")])
    write_catalog(project, "second", "es", [("Strike!", "¡Paro!", "translated")])
    (finding,) = consistency(project, "second")
    assert "first: '¡Huelga!'" in finding.message and "Approved" not in finding.message


def test_imported_tmx_units_do_not_count_as_statements(project, tmp_path):
    tmx = tmp_path / "outside.tmx"
    tmx.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x"
adminlang="en" srclang="en" datatype="plaintext"/><body>
<tu><tuv xml:lang="en"><seg>Strike!</seg></tuv><tuv xml:lang="es"><seg>¡Paro general!</seg></tuv></tu>
</body></tmx>""", encoding="utf-8")
    memory.import_tmx(project, tmx)
    write_catalog(project, "first", "es", [("Strike!", "¡Huelga!", "translated")])
    assert consistency(project, "first") == []


def test_consistency_can_be_silenced_for_a_segment(project):
    write_catalog(project, "first", "es", [("Strike!", "¡Huelga!", "approved")])
    path = write_catalog(project, "second", "es", [("Strike!", "¡Paro!", "translated")])
    from chorus import catalog
    from chorus.checks import ignore

    with catalog.editing(path) as po:
        ignore(po.find("Strike!"), "consistency")
    assert consistency(project, "second") == []


def test_consistency_follows_edits_of_the_other_statement(project):
    write_catalog(project, "first", "es", [("Strike!", "¡Huelga!", "approved")])
    write_catalog(project, "second", "es", [("Strike!", "¡Paro!", "translated")])
    assert consistency(project, "second")
    write_catalog(project, "second", "es", [("Strike!", "¡Huelga!", "translated")])
    assert consistency(project, "second") == []
