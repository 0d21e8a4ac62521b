"""Translation memory: what goes in, exact and fuzzy lookups, the incremental on-disk index."""

from __future__ import annotations

import os
import random

import polib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from chorus import catalog, memory
from chorus.memory import Memory, Unit, _length_window


def write_catalog(project, slug, lang, entries, mtime=None):
    """A catalog ``translations/<slug>/<lang>.po`` (and its template) with (msgid, msgstr, state)."""
    folder = project.translations_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    pot = polib.POFile()
    pot.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": lang}
    for msgid, msgstr, state in entries:
        pot.append(polib.POEntry(msgid=msgid, msgstr=""))
        entry = polib.POEntry(msgid=msgid, msgstr=msgstr)
        if state in ("fuzzy", "approved"):
            catalog.set_state(entry, state)
        po.append(entry)
    catalog.write(pot, folder / f"{slug}.pot")
    path = folder / f"{lang}.po"
    catalog.write(po, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture(autouse=True)
def fresh_cache():
    memory._cache.clear()
    yield
    memory._cache.clear()


@pytest.fixture
def counted_reads(monkeypatch):
    """The files the index actually parses (the real reader still runs)."""
    seen = []
    real = memory._read_units

    def spy(project, lang, path, data, mtime):
        seen.append(path.name if path.suffix == ".tmx" else path.parent.name)
        return real(project, lang, path, data, mtime)

    monkeypatch.setattr(memory, "_read_units", spy)
    return seen


def test_holds_translated_and_approved_entries_only(project):
    write_catalog(project, "one", "es", [
        ("Stop the attacks!", "¡Paren los ataques!", "translated"),
        ("Solidarity forever.", "Solidaridad para siempre.", "approved"),
        ("A draft line.", "Una línea borrador.", "fuzzy"),
        ("Nothing yet.", "", "untranslated"),
    ])
    tm = Memory.load(project, "es")
    assert sorted((u.source, u.state) for u in tm.units()) == [
        ("Solidarity forever.", "approved"), ("Stop the attacks!", "translated")]
    assert tm.exact("A draft line.") is None
    assert tm.exact("Nothing yet.") is None
    assert Memory.load(project, "fr").exact("Stop the attacks!") is None


def test_exact_prefers_approved_then_most_recent(project):
    write_catalog(project, "old", "es", [("Strike!", "¡Huelga vieja!", "translated")], mtime=1_000_000)
    write_catalog(project, "new", "es", [("Strike!", "¡Huelga nueva!", "translated")], mtime=2_000_000)
    assert Memory.load(project, "es").exact("Strike!").target == "¡Huelga nueva!"
    write_catalog(project, "oldest", "es", [("Strike!", "¡Huelga aprobada!", "approved")], mtime=500_000)
    found = Memory.load(project, "es").exact("Strike!")
    assert (found.target, found.slug, found.state, found.score) == ("¡Huelga aprobada!", "oldest", "approved", 100.0)


def test_exclude_slug_skips_the_statement_being_translated(project):
    write_catalog(project, "here", "es", [("Strike!", "¡Huelga aquí!", "approved")])
    write_catalog(project, "there", "es", [("Strike!", "¡Huelga allí!", "translated")])
    tm = Memory.load(project, "es")
    assert tm.exact("Strike!", exclude_slug="here").target == "¡Huelga allí!"
    assert [s.slug for s in tm.fuzzy("Strike", exclude_slug="here")] == ["there"]
    assert Memory.load(project, "es").exact("Strike!", exclude_slug="nowhere").slug == "here"


def test_fuzzy_scores_with_rapidfuzz_best_first_and_respects_cutoff_and_limit(project):
    entries = [
        ("Solidarity with the harbour workers!", "¡Solidaridad con los trabajadores del puerto!", "approved"),
        ("Solidarity with the railway workers!", "¡Solidaridad con los ferroviarios!", "translated"),
        ("Solidarity with the nurses!", "¡Solidaridad con las enfermeras!", "translated"),
        ("The rent is too high.", "El alquiler es demasiado alto.", "translated"),
    ]
    write_catalog(project, "a", "es", entries)
    tm = Memory.load(project, "es")
    query = "Solidarity with the harbor workers!"
    found = tm.fuzzy(query)
    assert [s.source for s in found][:2] == [entries[0][0], entries[1][0]]
    assert found[0].score == pytest.approx(fuzz.ratio(query, entries[0][0]), abs=0.01)
    assert all(s.score >= 75 for s in found)
    assert all(a.score >= b.score for a, b in zip(found, found[1:]))
    assert "The rent is too high." not in [s.source for s in found]
    assert len(tm.fuzzy(query, limit=1)) == 1
    assert tm.fuzzy(query, cutoff=99.5) == []
    assert [s.source for s in tm.fuzzy(query, cutoff=50)][-1] != "The rent is too high."  # 30% is far below


def test_fuzzy_gives_each_distinct_translation_of_a_source(project):
    write_catalog(project, "a", "es", [("Strike now!", "¡Huelga ya!", "approved")])
    write_catalog(project, "b", "es", [("Strike now!", "¡Huelga ahora!", "translated")])
    write_catalog(project, "c", "es", [("Strike now!", "¡Huelga ya!", "translated")])
    found = Memory.load(project, "es").fuzzy("Strike now")
    assert [(s.target, s.state) for s in found] == [("¡Huelga ya!", "approved"), ("¡Huelga ahora!", "translated")]


def test_prefilter_finds_what_a_full_scan_finds(monkeypatch):
    monkeypatch.setattr(memory, "_SCORE_ALL", 0)  # small memories are scored in full
    rng = random.Random(7)
    common = "the and with for our".split()  # in most entries: not used to pick candidates
    syllables = "ka lo mi ne su ta ri po de va".split()
    words = common * 20 + sorted({a + b + c for a in syllables for b in syllables for c in syllables})[:400]
    sentences = sorted({" ".join(rng.choice(words) for _ in range(rng.randint(2, 14))).capitalize() + "."
                        for _ in range(3000)})
    tm = Memory("es", [Unit(s, s.upper(), "x", "translated", 0.0) for s in sentences])
    matched = 0
    for sentence in rng.sample(sentences, 150):
        tokens = sentence.split()  # a word replaced, dropped or added, and a typo
        tokens[rng.randrange(len(tokens))] = rng.choice(words)
        if len(tokens) > 3:
            del tokens[rng.randrange(len(tokens))]
        tokens.insert(rng.randrange(len(tokens)), rng.choice(words))
        at = rng.randrange(len(tokens))
        tokens[at] = tokens[at][:-1] + rng.choice("xyz")
        query = " ".join(tokens)
        best = process.extractOne(query, sentences, scorer=fuzz.ratio, score_cutoff=75)
        found = tm.fuzzy(query, limit=1)
        if best is None:
            assert found == []
        else:
            assert found and found[0].score == pytest.approx(best[1], abs=0.01), query
            matched += 1
    assert matched >= 30  # the comparison covered real matches, not only misses
    assert len(tm._candidates(sentences[0] + " and more words here", 75)) < len(sentences) / 4


def test_a_small_memory_scores_every_entry_of_a_fitting_length():
    sentences = [f"Sentence number {n} about the harbour strike." for n in range(300)]
    tm = Memory("es", [Unit(s, s.upper(), "x", "translated", 0.0) for s in sentences])
    assert tm._candidates("Sentence number 7 about the harbour strike!", 75) == tm._keys
    assert "_postings" not in tm.__dict__  # no word index was built


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40), st.floats(1, 100))
def test_length_window_never_drops_a_reachable_match(a, b, cutoff):
    low, high = _length_window(len(a), cutoff)
    if fuzz.ratio(a, b) >= cutoff:
        assert low <= len(b) <= high


def test_index_rereads_only_changed_catalogs(project, counted_reads):
    write_catalog(project, "one", "es", [("Strike!", "¡Huelga!", "translated")])
    write_catalog(project, "two", "es", [("Rent strike!", "¡Huelga de alquileres!", "translated")])
    Memory.load(project, "es")
    assert sorted(counted_reads) == ["one", "two"]

    counted_reads.clear()
    Memory.load(project, "es")
    assert counted_reads == []

    write_catalog(project, "two", "es", [("Rent strike!", "¡Huelga de inquilinos!", "approved")])
    tm = Memory.load(project, "es")
    assert counted_reads == ["two"]
    assert tm.exact("Rent strike!").target == "¡Huelga de inquilinos!"


def test_touched_but_unchanged_catalog_is_not_parsed_again(project, counted_reads):
    path = write_catalog(project, "one", "es", [("Strike!", "¡Huelga!", "translated")])
    Memory.load(project, "es")
    counted_reads.clear()
    os.utime(path, (3_000_000, 3_000_000))
    Memory.load(project, "es")
    assert counted_reads == []


def test_index_persists_on_disk_across_processes(project, counted_reads):
    write_catalog(project, "one", "es", [("Strike!", "¡Huelga!", "translated")])
    Memory.load(project, "es")
    assert (project.private_dir / "memory" / "es.sqlite3").is_file()
    memory._cache.clear()  # as a new process would start
    counted_reads.clear()
    assert Memory.load(project, "es").exact("Strike!").target == "¡Huelga!"
    assert counted_reads == []


def test_removed_catalog_leaves_the_memory(project):
    path = write_catalog(project, "one", "es", [("Strike!", "¡Huelga!", "translated")])
    assert Memory.load(project, "es").exact("Strike!")
    path.unlink()
    assert Memory.load(project, "es").exact("Strike!") is None


def test_broken_catalog_gives_no_suggestions_and_no_error(project):
    write_catalog(project, "good", "es", [("Strike!", "¡Huelga!", "translated")])
    broken = project.translations_dir / "bad"
    broken.mkdir()
    (broken / "bad.pot").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    (broken / "es.po").write_bytes(b"\xff\xfe not a catalog")
    assert len(Memory.load(project, "es")) == 1


def test_memory_from_ingested_statements(sample_project):
    slug = sample_project.statements()[0]
    with catalog.editing(sample_project.catalog_path(slug, "de")) as po:
        first = catalog.live_entries(po)[0]
        first.msgstr = "Deutsch: " + first.msgid
    tm = Memory.load(sample_project, "de")
    assert len(tm) == 1
    assert tm.exact(first.msgid).target == "Deutsch: " + first.msgid
    assert tm.exact(first.msgid).slug == slug
