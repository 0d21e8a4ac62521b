"""Properties that must hold for any input, checked on generated input (hypothesis).

- A catalog written by Chorus and read back is what was written, and ``msgfmt -c`` accepts it;
  over all of Unicode, Chorus's readers (the full one, the fast one) and polib read it alike.
- The text policy keeps or refuses every code point, and what it keeps has no line break but
  ``\n``.
- Ingesting a statement and exporting it with identity translations gives the source back.
- Sentence splitting never loses, adds or reorders a character.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import polib
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chorus import assemble, catalog
from chorus.ingest import apply, plan_add
from chorus.project import Project, render_config
from chorus.segment import segments, split_sentences
from chorus.text import SEPARATORS, TextRefused, clean

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def msgfmt_errors(path: Path) -> str:
    result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    return "" if result.returncode == 0 else result.stderr or f"exit {result.returncode}"


# --- PO write, then read ----------------------------------------------------------------------

# Characters a volunteer can type, plus the ones PO escapes: quotes, backslashes, tabs, newlines.
TRICKY = "\"\\\t\n'#%{}<>&;:~^$@|`"
text_chars = st.one_of(
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")),  # any printable Unicode
    st.sampled_from(TRICKY),
    st.sampled_from("éßçñøł中文日本語العربيةעבריתΩЖ🙂"),
)
# Text that looks like PO escapes once written: a backslash before n, t, a quote or another backslash.
LOOKALIKES = st.sampled_from(["\\n", "\\t", "\\\"", "\\\\", "\\\n", "C:\\new"])
short_text = st.lists(st.one_of(text_chars, LOOKALIKES), min_size=1, max_size=30).map("".join)
long_text = st.text(st.sampled_from("abc défg, hij. \"k\" \\ l\t"), min_size=100, max_size=400)
message = st.one_of(short_text, long_text).filter(lambda text: text.strip())
comment_line = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")),
                       min_size=1, max_size=50).map(str.strip).filter(bool)
flag_sets = st.lists(st.sampled_from([catalog.FUZZY, "no-wrap", "chorus-no-check"]),
                     unique=True, max_size=3)
reference = st.tuples(st.from_regex(r"source/[a-z0-9-]{1,12}\.(txt|md)", fullmatch=True),
                      st.integers(1, 9999).map(str))


def same_line_ends(msgid: str, msgstr: str) -> str:
    """msgfmt -c insists a translation begins and ends with a newline exactly when its source does."""
    core = msgstr.strip("\n") or "x"
    return ("\n" if msgid.startswith("\n") else "") + core + ("\n" if msgid.endswith("\n") else "")


@st.composite
def po_entry(draw, msgid: str, obsolete: bool = False, message=message, comment_line=comment_line) -> polib.POEntry:
    translated = draw(st.booleans())
    msgstr = same_line_ends(msgid, draw(message)) if translated or obsolete else ""
    flags = draw(flag_sets) if msgstr else [flag for flag in draw(flag_sets) if flag == "no-wrap"]
    entry = polib.POEntry(
        msgid=msgid,
        msgstr=msgstr,
        flags=flags,
        obsolete=obsolete,
        comment="" if obsolete else "\n".join(draw(st.lists(comment_line, max_size=3))),
        tcomment="\n".join(draw(st.lists(comment_line, max_size=3))),
        occurrences=[] if obsolete else draw(st.lists(reference, max_size=3, unique=True)),
    )
    if catalog.FUZZY in flags and not obsolete and draw(st.booleans()):
        entry.previous_msgid = draw(message)
    elif msgstr and catalog.FUZZY not in flags and draw(st.booleans()):
        catalog.set_state(entry, "approved", by=draw(st.sampled_from(["ana", "rita", None])))
    return entry


@st.composite
def po_catalog(draw, message=message, comment_line=comment_line) -> polib.POFile:
    msgids = draw(st.lists(message, min_size=1, max_size=12, unique=True))
    obsolete_count = draw(st.integers(0, min(3, len(msgids) - 1)))
    po = catalog.merge(polib.POFile(), None, "es", "property-test")  # Chorus's own headers
    for number, msgid in enumerate(msgids):
        po.append(draw(po_entry(msgid, number >= len(msgids) - obsolete_count, message, comment_line)))
    return po


def entry_fields(entry: polib.POEntry) -> tuple:
    return (entry.msgid, entry.msgstr, entry.msgctxt, sorted(entry.flags), entry.comment,
            entry.tcomment, list(entry.occurrences), entry.previous_msgid, entry.obsolete)


def assert_read_back_alike(written: polib.POFile) -> None:
    """Write a catalog as Chorus does: ``msgfmt -c`` accepts it, and Chorus's reader, polib on
    its own and the fast reader of :func:`catalog.read_states` all give back what was written."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "es.po"
        catalog.write(written, path)
        by_chorus = catalog.read(path)
        by_polib = polib.pofile(str(path))
        _, fast = catalog.read_states(path)
        assert msgfmt_errors(path) == "", path.read_text(encoding="utf-8")
    expected = [entry_fields(e) for e in written]
    assert by_chorus.metadata == written.metadata
    assert [entry_fields(e) for e in by_chorus] == expected
    assert [entry_fields(e) for e in by_polib] == expected
    assert fast == {e.msgid: (e.msgstr, catalog.state(e)) for e in catalog.live_entries(written)}


@SETTINGS
@given(written=po_catalog())
def test_po_write_then_read_gives_back_what_was_written(written):
    assert_read_back_alike(written)


def test_update_after_a_long_sentence_changed_writes_valid_catalogs(tmp_path):
    """The everyday case behind the property: a long translated sentence is edited in the source,
    ``update`` keeps its old text as ``#| msgid`` (wrapped over several lines)."""
    project = Project.create(tmp_path / "project", "en", ["es"])
    old = ("We stand with the dockers of the northern harbour, who have held the gates for three "
           "weeks against the company and its lawyers.")
    source = tmp_path / "harbour.txt"
    source.write_text(f"Harbour\n\n{old}\n", encoding="utf-8")
    apply(project, plan_add(project, [source]))
    path = project.catalog_path("harbour", "es")
    with catalog.editing(path) as po:
        po.find(old).msgstr = "Estamos con los estibadores del puerto del norte."
    project.source_path("harbour").write_text(f"Harbour\n\n{old.replace('three', 'four')}\n", encoding="utf-8")
    from chorus.ingest import plan_update

    apply(project, plan_update(project, ["harbour"]))
    assert msgfmt_errors(path) == "", path.read_text(encoding="utf-8")
    changed = catalog.read(path).find(old.replace("three", "four"))
    assert changed.previous_msgid == old and catalog.state(changed) == "fuzzy"


# --- ingest, then export with identity translations -------------------------------------------

WORDS = ["we", "stand", "with", "tenants", "of", "block", "C", "and", "their", "families", "rent",
         "strike", "Mr.", "Mrs.", "Ft.", "Worth", "U.S.", "bn.", "3.8", "e.g.", "40%", "«now»",
         "\"enough\"", "(all", "of", "us)", "—", "l'union", "Straße", "São", "naïve", "#NoEviction",
         "@harbour_net", "https://example.org/a.b", "1.", "2)", "...", "…"]
ENDS = [".", "!", "?", "...", "!!", "."]


@st.composite
def sentence(draw) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + draw(st.sampled_from(ENDS))


@st.composite
def block(draw) -> str:
    kind = draw(st.sampled_from(["paragraph", "paragraph", "list", "quote", "slogan"]))
    if kind == "list":
        items = draw(st.lists(sentence(), min_size=1, max_size=4))
        return "\n".join(f"{draw(st.sampled_from(['-', '*', '1.']))} {item}" for item in items)
    if kind == "quote":
        return "\n".join("> " + line for line in draw(st.lists(sentence(), min_size=1, max_size=3)))
    if kind == "slogan":
        return " ".join(draw(st.lists(st.sampled_from(WORDS[:12]), min_size=1, max_size=5))).capitalize() + "!"
    text = " ".join(draw(st.lists(sentence(), min_size=1, max_size=5)))
    width = draw(st.integers(25, 90))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


@st.composite
def statement(draw) -> str:
    title = draw(sentence()).rstrip(".!?… ")
    parts = [title or "Title", *draw(st.lists(block(), min_size=1, max_size=6))]
    if draw(st.booleans()):
        parts.append("— " + draw(st.sampled_from(["Harbour Solidarity Network", "Tenants' Union"])))
    separator = draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n"]))
    return separator.join(parts) + draw(st.sampled_from(["\n", "", "\n\n"]))


def identity_project(root: Path) -> Project:
    """A project whose target is its source language, so identity translations are exact."""
    for name in ("source", "translations"):
        (root / name).mkdir(parents=True)
    (root / "chorus.toml").write_text(render_config("en", ["en"]), encoding="utf-8")
    return Project.load(root)


@SETTINGS
@given(text=statement())
def test_ingest_then_export_with_identity_translation_is_exact(text):
    with tempfile.TemporaryDirectory() as folder:
        project = identity_project(Path(folder) / "project")
        source = Path(folder) / "statement.txt"
        source.write_text(text, encoding="utf-8")
        plans = plan_add(project, [source])
        apply(project, plans)
        slug = plans[0].slug
        path = project.catalog_path(slug, "en")
        with catalog.editing(path) as po:
            for entry in catalog.live_entries(po):
                entry.msgstr = entry.msgid
                catalog.set_state(entry, "approved")
        assert msgfmt_errors(path) == ""
        stored = project.source_path(slug).read_text(encoding="utf-8")
        assert assemble.render(project, slug, "en", "txt") == stored
    assert stored.strip() == text.strip()


# --- sentence splitting ---------------------------------------------------------------------------

PIECES = {
    "en": ["Mr. Smith", "the U.S. workers", "Ft. Worth", "US$ 3.8 bn.", "e.g. this", "No. 5", "etc."],
    "fr": ["M. Dupont", "Mme Martin", "« Non ! »", "l'État", "p. ex.", "c.-à-d."],
    "es": ["¿Por qué?", "¡Basta!", "Sra. Gómez", "EE. UU.", "pág. 3"],
    "de": ["z. B.", "Nr. 4", "Dr. Weiß", "d. h.", "„Nein!“"],
    "ja": ["これは文です。", "本当？", "はい！"],
    "ar": ["هذه جملة.", "لماذا؟", "نعم!"],
    "ru": ["т. е.", "Да!", "г. Москва"],
}
PUNCTUATION = [". ", "! ", "? ", "... ", "… ", ".\n", "\n", "\n\n", " ", "  ", "\t", "(", ") ",
               "\"", "'", "1. ", "a) ", "- ", "* ", ". . . ", ":", ";", "—", "。", "؟ "]


@st.composite
def prose(draw, lang: str) -> str:
    token = st.one_of(st.sampled_from(PIECES[lang]), st.sampled_from(PUNCTUATION),
                      st.text(text_chars, min_size=1, max_size=12), st.from_regex(r"[A-Z][a-z]{1,9}", fullmatch=True))
    return "".join(draw(st.lists(token, max_size=60)))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), lang=st.sampled_from(sorted(PIECES)))
def test_sentence_split_never_loses_or_duplicates_a_character(data, lang):
    text = data.draw(prose(lang))
    pieces = split_sentences(text, lang)
    assert "".join(pieces) == text
    assert all(pieces), "no empty pieces"
    assert [s for s in segments(text, lang)] == [p.strip() for p in pieces if p.strip()]


@settings(max_examples=100, deadline=None)
@given(text=st.text(text_chars, max_size=300), lang=st.sampled_from(["en", "fr", "es", "de", "ja", "ar", "ru", "pt_BR"]))
def test_sentence_split_of_any_text_is_lossless(text, lang):
    assume(text)
    assert "".join(split_sentences(text, lang)) == text


# --- every code point: the writer, Chorus's readers, polib and msgfmt agree ------------------------

# All of Unicode that a UTF-8 file can hold (no lone surrogates), but NUL and EOT (no PO file
# can hold them: see the next test), with the characters that once split lines, and other
# controls, drawn often.
HARD = SEPARATORS + "\r\n\t\"\\\x01\x07\x08\x1b\x1f\x7f\x80\x9f\xa0\u200b\ufeff\ufffe\uffff\U0010ffff"
UNWRITABLE = "\x00\x04"  # C strings end at NUL; gettext joins msgctxt and msgid with EOT
any_char = st.one_of(st.characters(blacklist_categories=("Cs",), blacklist_characters=UNWRITABLE),
                     st.sampled_from(HARD))
any_text = st.lists(any_char, min_size=1, max_size=40).map("".join)
any_message = any_text.filter(lambda text: text.strip("\n"))
any_comment_line = st.lists(any_char.filter(lambda c: c not in "\n\r"), min_size=1, max_size=30) \
    .map(lambda chars: "".join(chars).strip()).filter(bool)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written=po_catalog(any_message, any_comment_line))
def test_every_code_point_reads_back_the_same_with_chorus_and_with_polib(written):
    assert_read_back_alike(written)


@settings(max_examples=50, deadline=None)
@given(text=any_message, where=st.integers(0, 40), char=st.sampled_from(UNWRITABLE))
def test_a_catalog_that_cannot_be_read_back_is_never_written(tmp_path_factory, text, where, char):
    po = catalog.merge(polib.POFile(), None, "es", "property-test")
    po.append(polib.POEntry(msgid=text[:where] + char + text[where:], msgstr=""))
    folder = tmp_path_factory.mktemp("unwritable")
    try:
        catalog.write(po, folder / "es.po")
    except TextRefused as refusal:
        assert f"U+{ord(char):04X}" in str(refusal)
    else:
        raise AssertionError("written")
    assert list(folder.iterdir()) == [folder / ".es.po.lock"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(), max_size=60), inline=st.booleans())
def test_the_text_policy_keeps_or_refuses_every_code_point(text, inline):
    """Every text is refused (naming a control character or lone surrogate it holds) or comes
    back with no line break but ``\\n``: a document keeps every line Python sees in it, a
    sentence gets spaces; cleaning twice changes nothing."""
    try:
        cleaned = clean(text, inline=inline)
    except TextRefused as refusal:
        code = int(re.search(r"U\+([0-9A-F]{4})", str(refusal)).group(1), 16)
        assert chr(code) in text and unicodedata.category(chr(code)) in ("Cc", "Cs")
        return
    assert not set(cleaned) & set(SEPARATORS + "\r")
    assert cleaned.splitlines() == cleaned.split("\n")[:len(cleaned.splitlines())]
    if not inline:
        assert cleaned.splitlines() == text.splitlines()
    assert clean(cleaned, inline=inline) == cleaned


def test_a_header_value_cannot_break_its_line(tmp_path):
    """A user name with a line break is Last-Translator on one line, not a header of its own."""
    po = catalog.merge(polib.POFile(), None, "es", "property-test")
    po.metadata[catalog.SOURCE_HASH] = "0123456789abcdef"
    catalog.touch_revision(po, "ana\nX-Chorus-Source-Hash: 0\u2028more")
    catalog.write(po, tmp_path / "es.po")
    read_back = catalog.read(tmp_path / "es.po")
    assert read_back.metadata["Last-Translator"] == "ana X-Chorus-Source-Hash: 0 more"
    assert read_back.metadata[catalog.SOURCE_HASH] == "0123456789abcdef"
    assert msgfmt_errors(tmp_path / "es.po") == ""
