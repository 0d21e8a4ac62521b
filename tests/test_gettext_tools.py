"""Catalogs survive the tools translators already use: GNU gettext, Poedit (msgmerge), Babel, polib.

- ``msgcat`` leaves every catalog Chorus writes byte for byte as it is (gettext's layout:
  wrapping at 79 columns where Unicode allows a break, header order, references);
- the review state (approved, ignored checks, drafts and their origin) survives ``msgmerge``,
  ``msgcat``, ``msgattrib``, ``msguniq``, Babel's ``write_po`` and polib's ``save``;
- catalogs of older Chorus versions (flags) and catalogs in any charset ``msgfmt -c`` accepts
  are read, and written back in the new form.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chorus import assemble, catalog, checks, pofile
from chorus.errors import ChorusError
from chorus.ingest import apply, plan_add, plan_update
from conftest import msgfmt_check

STATEMENT = """Sunday, March 3, 2024

Stop the Attacks on the Harbour Workers

We, the undersigned networks and unions, stand with the dockers of the northern harbour, who
have held the gates for three weeks against a lockout that nobody voted for.

Their demands are simple: safe cranes, fair shifts and the right to organise.

An injury to one is an injury to all!

Harbour Solidarity Network
"""


def gettext(tool: str, *args: str, cwd: Path | None = None) -> str:
    result = subprocess.run([tool, *args], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def msgcat_is_a_no_op(path: Path) -> None:
    before = path.read_text(encoding="utf-8")
    after = gettext("msgcat", str(path))
    assert after == before, "\n".join(line for line in __import__("difflib").unified_diff(
        before.split("\n"), after.split("\n"), "chorus", "msgcat", lineterm=""))


@pytest.fixture
def reviewed(project, tmp_path):
    """A statement with an entry in every state, in Spanish: (project, path of es.po)."""
    source = tmp_path / "stop.txt"
    source.write_text(STATEMENT, encoding="utf-8")
    apply(project, plan_add(project, [source]))
    path = project.catalog_path("stop", "es")
    with catalog.editing(path) as po:
        entries = catalog.live_entries(po)
        entries[0].msgstr = "Alto a los ataques contra los trabajadores del puerto"
        catalog.set_state(entries[0], "approved", by="ana")
        entries[1].msgstr = ("Nosotras, las redes y los sindicatos abajo firmantes, estamos con los estibadores "
                             "del puerto norte, que han defendido las puertas durante tres semanas contra un "
                             "cierre patronal que nadie votó.")
        catalog.set_state(entries[1], "translated")
        checks.ignore(entries[1], "unchanged")
        entries[2].msgstr = "Sus demandas son sencillas: grúas seguras, turnos justos y derecho a organizarse."
        catalog.set_state(entries[2], "fuzzy")
        catalog.set_origin(entries[2], "mt apertium")
        entries[3].msgstr = "¡Una agresión a uno es una agresión a todos!"
        catalog.set_state(entries[3], "approved", by="rita")
    return project, path


def states(path: Path) -> dict[str, tuple[str, str, frozenset]]:
    po = catalog.read(path)
    return {entry.msgid: (entry.msgstr, catalog.state(entry), frozenset(catalog.ignored(entry)))
            for entry in catalog.live_entries(po)}


def test_catalogs_have_every_state(reviewed):
    _, path = reviewed
    found = sorted(state for _, state, _ in states(path).values())
    assert found == ["approved", "approved", "fuzzy", "translated", "untranslated"]
    text = path.read_text(encoding="utf-8")
    assert "# chorus: approved by ana " in text and "# chorus: ignore unchanged" in text
    assert "#, approved" not in text and "chorus-ignore:" not in text


def test_msgcat_changes_no_byte_of_what_chorus_writes(reviewed):
    project, path = reviewed
    for file in sorted(project.statement_dir("stop").iterdir()):
        if file.suffix in (".po", ".pot"):
            msgfmt_check(file)
            msgcat_is_a_no_op(file)


def test_the_template_names_its_language(reviewed):
    project, _ = reviewed
    pot = project.template_path("stop")
    result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(pot)], capture_output=True, text=True)
    assert result.returncode == 0 and "Language" not in result.stderr, result.stderr
    assert catalog.read(pot).metadata["Language"] == "en"


@pytest.mark.parametrize("tool", [
    ["msgcat"], ["msguniq"], ["msgattrib"], ["msgattrib", "--no-obsolete"], ["msgattrib", "--no-wrap"],
    ["msgcat", "--sort-output"],
])
def test_every_state_survives_gettext_tools(reviewed, tool, tmp_path):
    _, path = reviewed
    before = states(path)
    out = tmp_path / "out.po"
    out.write_text(gettext(tool[0], *tool[1:], str(path)), encoding="utf-8")
    assert states(out) == before


def test_every_state_survives_msgmerge_as_poedit_runs_it(reviewed, tmp_path):
    """Poedit's "Update from POT" is msgmerge; so is Weblate's "update PO files" add-on."""
    project, path = reviewed
    before = states(path)
    merged = tmp_path / "es.po"
    merged.write_text(gettext("msgmerge", "--previous", "--quiet", str(path), str(project.template_path("stop")),
                              "-o", "-"), encoding="utf-8")
    assert states(merged) == before
    path.write_bytes(merged.read_bytes())
    assert assemble.render(project, "stop", "es", "proof")  # still the catalog of this source


def test_a_source_changed_by_msgmerge_is_no_longer_approved(reviewed, tmp_path):
    project, path = reviewed
    pot = catalog.read(project.template_path("stop"))
    pot[3].msgid = "An injury to one is an injury to every one of us!"
    new_pot = tmp_path / "new.pot"
    new_pot.write_text(catalog.render(pot), encoding="utf-8")
    merged = tmp_path / "merged.po"
    merged.write_text(gettext("msgmerge", "--previous", "--quiet", str(path), str(new_pot), "-o", "-"),
                      encoding="utf-8")
    entry = catalog.read(merged).find(pot[3].msgid)
    assert catalog.state(entry) == "fuzzy" and entry.previous_msgid.startswith("An injury to one")
    # A translator accepts the draft in a tool that only drops the fuzzy flag: the approval was
    # given to the old source, so the entry is translated, not approved.
    cleared = tmp_path / "cleared.po"
    cleared.write_text(gettext("msgattrib", "--clear-fuzzy", "--clear-previous", str(merged)), encoding="utf-8")
    assert catalog.state(catalog.read(cleared).find(pot[3].msgid)) == "translated"


def test_every_state_survives_babel_and_export_still_works(reviewed):
    from babel.messages.pofile import read_po, write_po

    project, path = reviewed
    before = states(path)
    with open(path, "rb") as handle:
        babel_catalog = read_po(handle)
    buffer = io.BytesIO()
    write_po(buffer, babel_catalog, include_previous=True)
    path.write_bytes(buffer.getvalue())
    assert catalog.SOURCE_HASH not in catalog.read(path).metadata  # Babel drops headers it does not know
    assert states(path) == before
    page = assemble.render(project, "stop", "es", "proof")
    assert "Alto a los ataques" in page
    msgfmt_check(path)


def test_every_state_survives_polib(reviewed):
    _, path = reviewed
    before = states(path)
    po = polib.pofile(str(path))
    po.save(str(path))
    assert states(path) == before


def test_older_catalogs_are_read_and_rewritten_in_the_new_form(reviewed):
    """Catalogs written by older Chorus versions kept the state in flags that gettext drops."""
    project, path = reviewed
    po = catalog.read(path)
    old = polib.POFile()
    old.metadata = dict(po.metadata)
    for entry in po:
        copy = polib.POEntry(msgid=entry.msgid, msgstr=entry.msgstr, occurrences=entry.occurrences,
                             comment=entry.comment, flags=[f for f in entry.flags if f != "fuzzy"])
        if catalog.FUZZY in entry.flags:
            copy.flags.insert(0, "fuzzy")
            copy.tcomment = "chorus: mt apertium"
        if catalog.state(entry) == "approved":
            copy.flags.append("approved")
        for name in catalog.ignored(entry):
            copy.flags.append(f"chorus-ignore:{name}")
        old.append(copy)
    old_text = old.__unicode__()
    assert "#, approved" in old_text and "#, chorus-ignore:unchanged" in old_text
    path.write_text(old_text, encoding="utf-8")
    assert states(path) == {msgid: value for msgid, value in states(path).items()}
    read_states = catalog.read_states(path)[1]
    assert sorted(state for _, state in read_states.values()) == [
        "approved", "approved", "fuzzy", "translated", "untranslated"]
    assert {name for entry in catalog.read(path) for name in catalog.ignored(entry)} == {"unchanged"}
    with catalog.editing(path):
        pass
    text = path.read_text(encoding="utf-8")
    assert "#, approved" not in text and "chorus-ignore" not in text
    assert text.count("# chorus: approved [") == 2 and "# chorus: ignore unchanged" in text
    assert sorted(state for _, state, _ in states(path).values()) == [
        "approved", "approved", "fuzzy", "translated", "untranslated"]
    msgcat_is_a_no_op(path)


@pytest.mark.parametrize("charset, python_name", [
    ("ISO-8859-1", "latin-1"), ("KOI8-R", "koi8-r"), ("Shift_JIS", "shift_jis"), ("GB2312", "gb2312"),
])
def test_catalogs_in_any_charset_msgfmt_reads(project, tmp_path, invoke, charset, python_name):
    texts = {"latin-1": "Grève générale à Marseille", "koi8-r": "Всеобщая забастовка",
             "shift_jis": "ゼネスト、ソ連の表示", "gb2312": "总罢工"}
    source = tmp_path / "stop.txt"
    source.write_text(STATEMENT, encoding="utf-8")
    apply(project, plan_add(project, [source]))
    path = project.catalog_path("stop", "fr")
    po = catalog.read(path)
    po.metadata["Content-Type"] = f"text/plain; charset={charset}"
    po[0].msgstr = texts[python_name]
    raw = catalog.render(po).replace("charset=UTF-8", f"charset={charset}").encode(python_name)
    path.write_bytes(raw)
    msgfmt_check(path)  # gettext accepts it, so Chorus reads it
    assert catalog.read(path)[0].msgstr == texts[python_name]
    assert catalog.read_states(path)[1][po[0].msgid] == (texts[python_name], "translated")
    result = invoke("status")
    assert result.exit_code == 0, result.output
    with catalog.editing(path):
        pass  # written back as UTF-8, saying so
    assert catalog.read(path)[0].msgstr == texts[python_name]
    assert f"charset={charset}" not in path.read_text(encoding="utf-8")
    msgfmt_check(path)
    msgcat_is_a_no_op(path)


def test_an_unknown_or_wrong_charset_is_one_clear_error(tmp_path):
    path = tmp_path / "x.po"
    path.write_bytes(b'msgid ""\nmsgstr "Content-Type: text/plain; charset=NO-SUCH\\n"\n')
    with pytest.raises(ChorusError, match="charset 'no-such'"):
        catalog.read(path)
    path.write_bytes(b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "a"\nmsgstr "\xe9"\n')
    with pytest.raises(ChorusError, match="not UTF-8"):
        catalog.read(path)


# --- gettext's layout over generated text -----------------------------------------------------

WORDS = st.one_of(
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789"), min_size=1, max_size=14),
    st.text(st.sampled_from("áéíóúñçüößàèœабвгдежзийклмнαβγδεζ"), min_size=1, max_size=12),
    st.text(st.sampled_from("工人们团结起来我们支持こんにちはカタカナ한국어텍스트、。，！"), min_size=1, max_size=20),
    st.text(st.sampled_from("مرحبا بك كيف حالك שלום עולם नमस्ते กขคง"), min_size=1, max_size=12),
    st.text(st.sampled_from(".,;:!?-–—/()[]{}<>'\"«»“”‘’%$€#&*+=@_~|\\\t\n😀✊\u00a0\u202f\u200b\u0301"),
            min_size=1, max_size=4),
)
SEPARATOR = st.sampled_from([" ", " ", " ", "", "-", "/", ", ", ". ", "\n", "  "])
LONG_TEXT = st.lists(st.tuples(WORDS, SEPARATOR), min_size=1, max_size=40).map(
    lambda pairs: "".join(word + separator for word, separator in pairs))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LONG_TEXT, min_size=1, max_size=12, unique=True), st.data())
def test_msgcat_is_a_no_op_on_generated_catalogs(tmp_path_factory, texts, data):
    folder = tmp_path_factory.mktemp("layout")
    po = polib.POFile()
    po.header = "A catalog of generated text."
    po.metadata = {"Project-Id-Version": "x 1", "Language": "es", "MIME-Version": "1.0",
                   "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit",
                   "Plural-Forms": "nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);"}
    for number, text in enumerate(texts):
        entry = polib.POEntry(msgid=text, msgstr=data.draw(LONG_TEXT) if number % 2 else "",
                              occurrences=[(f"source/statement-number-{n}.md", str(n * 7)) for n in range(number)])
        if number % 3 == 1 and entry.msgstr:  # gettext drops the flag of an untranslated entry
            entry.flags = ["fuzzy"]
            entry.previous_msgid = data.draw(LONG_TEXT)
        entry.obsolete = number % 5 == 4 and bool(entry.msgstr)
        po.append(entry)
    path = folder / "es.po"
    path.write_text(catalog.render(po), encoding="utf-8")
    msgcat_is_a_no_op(path)


def test_without_libunistring_prose_wraps_as_gettext_does(tmp_path):
    """The fallback for systems without libunistring breaks ordinary prose the same way."""
    texts = [STATEMENT.replace("\n", " ") * 2, "Read the full report at https://example.org/reports/2024/harbour-"
             "lockout-and-what-the-port-authority-said before Sunday.", "工人们团结起来，我们支持北方港口的码头工人。" * 4]
    for text in texts:
        escaped = pofile._escape(text)
        assert pofile._unicode_breaker(escaped, 77, 6) == pofile._line_breaker()(escaped, 77, 6)


def test_msgcat_keeps_every_line_break_of_fields_near_the_width(tmp_path):
    """Fields of every length around the 79 columns, after ``msgid `` and from column 0: plain
    words, a word too long for any line, wide characters, escapes and embedded newlines."""
    words = ["solidarity", "with", "the", "dockers", "of", "the", "north", "gate", "huelga", "straße",
             "罷工", "團結", 'say "no"', "a\\b", "https://example.org/a-long-address-with-no-place-to-break-it-at"]
    po = polib.POFile()
    po.metadata = {"Language": "es", "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit"}
    texts = set()
    for length in range(55, 170):
        for shift in range(len(words)):
            text, index = "", shift
            while len(text) < length:
                text = (text + " " + words[index % len(words)]).strip()
                index += 7
            texts.add(text[:length].rstrip())
            texts.add(text[:length].rstrip() + "\n" + text[: length // 2])
    for text in sorted(texts):
        po.append(polib.POEntry(msgid=text, msgstr=text.upper(), comment="paragraph",
                                previous_msgid=text[::-1].strip() or None, flags=["fuzzy"]))
    path = tmp_path / "widths.po"
    path.write_text(pofile.render(po), encoding="utf-8")
    msgfmt_check(path)
    msgcat_is_a_no_op(path)


def test_a_byte_order_mark_is_refused_as_msgfmt_refuses_it(reviewed):
    """The catalog reader and the project index's fast reader refuse the same files: one with a
    byte-order mark (which Notepad writes) is refused by msgfmt, so by both."""
    project, path = reviewed
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert result.returncode != 0
    with pytest.raises(ChorusError, match="byte-order mark"):
        catalog.read(path)
