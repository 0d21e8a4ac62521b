import multiprocessing
import os
import subprocess
from pathlib import Path

import polib
import pytest

from chorus import catalog
from chorus.document import parse
from chorus.errors import ChorusError
from chorus.ingest import apply, plan_add, plan_update
from conftest import msgfmt_check

STATEMENT = """3 March 2024

Stop the Attacks

They attacked the picket line. Stop the attacks!

Stop the attacks!
Solidarity forever!

Harbour Solidarity Network
"""


def add(project, tmp_path, text=STATEMENT, name="stop.txt"):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    apply(project, plan_add(project, [source]))
    return project.catalog_path("stop", "es")


def test_template_has_one_entry_per_distinct_segment(project, tmp_path):
    add(project, tmp_path)
    pot = catalog.read(project.template_path("stop"))
    ids = [entry.msgid for entry in pot]
    assert ids == ["Stop the Attacks", "They attacked the picket line.", "Stop the attacks!",
                   "Solidarity forever!", "Harbour Solidarity Network"]
    repeated = pot.find("Stop the attacks!")
    assert repeated.occurrences == [("source/stop.txt", "5"), ("source/stop.txt", "7")]
    assert repeated.comment == "paragraph, slogan"
    assert pot.find("Stop the Attacks").comment == "title"
    assert "3 March 2024" not in ids  # the dateline is a date, not a segment
    assert pot.metadata["X-Chorus-Date"] == "2024-03-03"


def test_catalogs_have_babel_headers_and_pass_msgfmt(project, tmp_path):
    path = add(project, tmp_path)
    po = catalog.read(path)
    assert po.metadata["Language"] == "es"
    assert po.metadata["Plural-Forms"] == plural_forms("es")
    assert "charset=utf-8" in po.metadata["Content-Type"]
    for key in ("Last-Translator", "PO-Revision-Date", "Project-Id-Version"):
        assert po.metadata[key]
    for lang in ("es", "fr", "de"):
        msgfmt_check(project.catalog_path("stop", lang))
    german = catalog.read(project.catalog_path("stop", "de")).metadata
    assert german["Language"] == "de" and german["Plural-Forms"] == plural_forms("de")


def test_adding_an_unchanged_statement_again_writes_nothing(project, tmp_path):
    """A catalog made with another Babel (other plural rules, another Generated-By) keeps its
    header, as msgmerge keeps a catalog's header: re-adding the same text changes no byte."""
    path = add(project, tmp_path)
    pot = project.template_path("stop")
    po = catalog.read(path)
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    older = catalog.render(po).replace('"Generated-By: Babel ', '"Generated-By: Babel 0.')
    assert older != path.read_text(encoding="utf-8")
    path.write_text(older, encoding="utf-8")
    pot.write_text(pot.read_text(encoding="utf-8").replace('"Generated-By: Babel ', '"Generated-By: Babel 0.'),
                   encoding="utf-8")
    before = {p: p.read_bytes() for p in (path, pot)}
    add(project, tmp_path)
    assert {p: p.read_bytes() for p in (path, pot)} == before
    edited = STATEMENT.replace("Solidarity forever!", "Solidarity for ever!")
    project.source_path("stop").write_text(edited, encoding="utf-8")
    apply(project, plan_update(project, ["stop"]))  # a real change is merged; the header stays
    assert catalog.read(path).metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert catalog.read(path).find("Solidarity for ever!") is not None


def plural_forms(lang: str) -> str:
    """The Plural-Forms header Babel gives ``lang`` (its CLDR data changes between releases:
    Spanish had two forms before Babel 2.19 and has three since)."""
    from babel.messages.plurals import get_plural

    return get_plural(lang).plural_forms


def translate_all(path, flags=()):
    po = catalog.read(path)
    for entry in po:
        entry.msgstr = "ES: " + entry.msgid
        entry.flags = list(flags)
    catalog.write(po, path)


def test_update_keeps_unchanged_fuzzies_changed_and_obsoletes_removed(project, tmp_path):
    path = add(project, tmp_path)
    translate_all(path, flags=["approved"])
    edited = STATEMENT.replace("They attacked the picket line.", "They attacked the picket line again.")
    edited = edited.replace("Solidarity forever!\n", "")
    project.source_path("stop").write_text(edited, encoding="utf-8")
    apply(project, plan_update(project, ["stop"]))
    po = catalog.read(path)
    kept = po.find("Stop the Attacks")
    assert kept.msgstr == "ES: Stop the Attacks" and catalog.state(kept) == "approved"
    changed = po.find("They attacked the picket line again.")
    assert catalog.state(changed) == "fuzzy"
    assert changed.previous_msgid == "They attacked the picket line."
    assert changed.msgstr == "ES: They attacked the picket line."
    gone = po.find("Solidarity forever!", include_obsolete_entries=True)
    assert gone.obsolete and gone.msgstr == "ES: Solidarity forever!"
    msgfmt_check(path)
    text = path.read_text(encoding="utf-8")
    assert '#| msgid "They attacked the picket line."' in text
    assert '#~ msgid "Solidarity forever!"' in text


def test_update_resurrects_an_obsolete_translation_as_a_draft(project, tmp_path):
    path = add(project, tmp_path)
    translate_all(path)
    source = project.source_path("stop")
    source.write_text(STATEMENT.replace("Solidarity forever!\n", ""), encoding="utf-8")
    apply(project, plan_update(project, ["stop"]))
    source.write_text(STATEMENT, encoding="utf-8")
    apply(project, plan_update(project, ["stop"]))
    entry = catalog.read(path).find("Solidarity forever!")
    assert entry.msgstr == "ES: Solidarity forever!" and catalog.state(entry) == "fuzzy"


def test_a_new_target_language_gets_its_catalogs_on_update(project, tmp_path):
    add(project, tmp_path)
    config = project.root / "chorus.toml"
    config.write_text(config.read_text().replace('"de"]', '"de", "it"]'), encoding="utf-8")
    from chorus.project import Project

    project = Project.load(project.root)
    apply(project, plan_update(project, []))
    assert project.catalog_path("stop", "it").is_file()
    msgfmt_check(project.catalog_path("stop", "it"))


def test_rerun_without_changes_rewrites_nothing(project, tmp_path):
    path = add(project, tmp_path)
    def mtimes():
        return {p: p.stat().st_mtime_ns for p in project.translations_dir.rglob("*") if p.suffix in (".po", ".pot")}

    before = mtimes()
    apply(project, plan_update(project, []))
    after = mtimes()
    assert before == after and path in before


def test_states_and_origin():
    entry = polib.POEntry(msgid="Hi", msgstr="")
    assert catalog.state(entry) == "untranslated"
    entry.msgstr = "Hola"
    catalog.set_state(entry, "fuzzy")
    catalog.set_origin(entry, "mt apertium")
    assert catalog.state(entry) == "fuzzy" and catalog.origin(entry) == "mt apertium"
    catalog.set_state(entry, "translated")
    assert catalog.state(entry) == "translated"
    catalog.set_state(entry, "approved", by="ana")
    assert catalog.state(entry) == "approved" and entry.flags == []
    assert entry.tcomment.startswith("chorus: approved by ana ") and catalog.origin(entry) == "mt apertium"
    entry.msgstr = "Hola a todos"  # edited in another tool, which kept the comment
    assert catalog.state(entry) == "translated"


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "es.po"
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    po.append(polib.POEntry(msgid="Hi", msgstr="Hola"))
    catalog.write(po, path)

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with catalog.editing(path) as editing:
            editing[0].msgstr = "half-written"
            raise Boom
    assert catalog.read(path)[0].msgstr == "Hola"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".es.po.lock", "es.po"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _append_entries(path: str, prefix: str, count: int) -> None:
    for index in range(count):
        with catalog.editing(Path(path)) as po:
            po.append(polib.POEntry(msgid=f"{prefix} {index}", msgstr="x"))


def test_concurrent_processes_lose_no_write(tmp_path):
    path = tmp_path / "es.po"
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    catalog.write(po, path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_entries, args=(str(path), f"w{n}", 15)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(catalog.read(path)) == 60
    msgfmt_check(path)


def test_malformed_catalog_is_a_clear_error(tmp_path):
    path = tmp_path / "es.po"
    path.write_text('msgid "a"\nmsgstr "b"\nmsgid garbage\n', encoding="utf-8")
    with pytest.raises(ChorusError, match="not a valid PO file"):
        catalog.read(path)


def test_links_are_listed_for_the_translator(project, tmp_path):
    text = "# Title\n\nRead [the report](https://example.org/r) now.\n"
    source = tmp_path / "links.md"
    source.write_text(text, encoding="utf-8")
    apply(project, plan_add(project, [source]))
    entry = catalog.read(project.template_path("links")).find("Read [the report][1] now.")
    assert entry.comment == "paragraph\n[1] https://example.org/r"
    assert parse(text, "en", "markdown").source() == text


def test_rendering_round_trips_through_polib_and_msgfmt(tmp_path):
    po = polib.POFile()
    po.header = "A header\nover two lines"
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es", "X-Custom": "1"}
    long_text = "A sentence long enough to be wrapped over several lines of a PO file, " * 3
    po.append(polib.POEntry(
        msgid=long_text + 'with "quotes", a \\ backslash and a\ttab',
        msgstr="Línea uno\nLínea dos\n", flags=["fuzzy"], tcomment="chorus: mt apertium",
        comment="paragraph\n[1] https://example.org", previous_msgid="An old text",
        occurrences=[(f"source/long-statement-name-{n}.txt", str(n)) for n in range(8)],
    ))
    approved = polib.POEntry(msgid="Menu", msgctxt="button", msgstr="Menú")
    catalog.set_state(approved, "approved", by="ana")
    po.append(approved)
    po.append(polib.POEntry(msgid="Gone", msgstr="Ido", obsolete=True))
    path = tmp_path / "es.po"
    catalog.write(po, path)
    msgfmt_check(path)
    text = path.read_text(encoding="utf-8")
    assert all(len(line) <= 79 for line in text.splitlines() if line.startswith('"'))
    back = catalog.read(path)
    assert back.header == po.header and back.metadata == po.metadata
    for written, read in zip(po, back):
        for field in ("msgid", "msgstr", "msgctxt", "flags", "tcomment", "comment", "previous_msgid",
                      "occurrences", "obsolete"):
            assert getattr(written, field) == getattr(read, field), field


def test_a_comment_ending_in_a_backslash_does_not_swallow_the_next_line(tmp_path):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="One", msgstr="", tcomment="ends with \\", comment="kind \\"))
    po.append(polib.POEntry(msgid="Two", msgstr=""))
    path = tmp_path / "es.po"
    catalog.write(po, path)
    msgfmt_check(path)
    back = catalog.read(path)
    assert [entry.msgid for entry in back] == ["One", "Two"]
    assert back[0].tcomment == "ends with \\" and back[0].comment == "kind \\"


def test_a_second_header_is_refused_as_msgfmt_refuses_it(tmp_path):
    """A catalog with two entries whose msgid is empty (a doubled header, or a line lost from a
    multi-line msgid) is a duplicate definition for msgfmt, and for Chorus."""
    text = ('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgid ""\n"Lost its first line."\nmsgstr "Perdió su primera línea."\n')
    path = tmp_path / "es.po"
    path.write_text(text.replace('"Lost its first line."\n', ""), encoding="utf-8")
    refused = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert refused.returncode != 0 and "duplicate message definition" in refused.stderr
    with pytest.raises(ChorusError, match="duplicate msgid ''"):
        catalog.read(path)
