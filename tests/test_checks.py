"""Quality checks of single segments, and silencing one check for one segment."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chorus import catalog, memory
from chorus.checks import CHECKS, _match, check_catalog, check_entry, ignore, ignored_checks
from chorus.glossary import Glossary, Term
from test_memory import write_catalog


def ids(source, target, lang, **kwargs):
    return [finding.check for finding in check_entry(source, target, lang, **kwargs)]


@pytest.mark.parametrize("source, target, lang, expected", [
    ("We are 3,000 workers.", "Somos 3.000 trabajadores.", "es", []),
    ("We are 3,000 workers.", "Somos 2.000 trabajadores.", "es", ["numbers"]),
    ("We are 3,000 workers.", "Somos 3000 trabajadores.", "es", []),
    ("Wages rose 2.5% in 2023.", "Los salarios subieron un 2,5 % en 2023.", "es", []),
    ("Wages rose 2.5% in 2023.", "Los salarios subieron un 25 % en 2023.", "es", ["numbers"]),
    ("We are 3,000 and 2.5 million.", "Nous sommes 3 000 et 2,5 millions.", "fr", []),
    ("We are 3,000.", "Nous sommes 3\u202f000.", "fr", []),
    ("We are 3,000.", "Wir sind 3.000.", "de", []),
    ("On March 3, 2024 we met.", "El 3 de marzo de 2024 nos reunimos.", "es", []),
    ("On March 3, 2024 we met.", "El 4 de marzo de 2024 nos reunimos.", "es", ["numbers"]),
    ("Read [our report][1].", "Lea [nuestro informe][1].", "es", []),
])
def test_numbers_read_with_each_language_separators(source, target, lang, expected):
    assert [c for c in ids(source, target, lang) if c == "numbers"] == expected


def test_numbers_message_names_the_figures():
    (finding,) = check_entry("We are 3,000 workers.", "Somos 2.000 trabajadores.", "es")
    assert "3,000" in finding.message and "2.000" in finding.message


@pytest.mark.parametrize("source, target, lang, expected", [
    ("Stop the attacks!", "¡Paren los ataques!", "es", []),
    ("Stop the attacks!", "Paren los ataques!", "es", ["inverted-marks"]),
    ("Why now?", "¿Por qué ahora?", "es", []),
    ("Why now?", "Por qué ahora?", "es", ["inverted-marks"]),
    ("Stop the attacks!", "¡Paren los ataques.", "es", ["endpunc", "inverted-marks"]),
    ("Why now?", "Pourquoi maintenant ?", "fr", []),
    ("Why now?", "Pourquoi maintenant\u202f?", "fr", []),
    ("Why now?", "Pourquoi maintenant?", "fr", ["endpunc"]),
    ("Note: we strike.", "Note : nous faisons grève.", "fr", []),
    ("Note: we strike.", "Note: nous faisons grève.", "fr", ["punctuation-spacing"]),
    ("See https://example.org/a: now.", "Voir https://example.org/a : maintenant.", "fr", []),
    ("Stop the attacks.", "Stoppt die Angriffe", "de", ["endpunc"]),
])
def test_punctuation_is_language_aware(source, target, lang, expected):
    found = [c for c in ids(source, target, lang) if c in ("endpunc", "inverted-marks", "punctuation-spacing")]
    assert found == expected


@pytest.mark.parametrize("target, expected", [
    ("Ver https://harbour.example/report, escribir a info@harbour.example, #HarbourStrike @dockers.", []),
    ("Ver https://harbour.example/informe, escribir a info@harbour.example, #HarbourStrike @dockers.", ["urls"]),
    ("Ver https://harbour.example/report, escribir a info@puerto.example, #HarbourStrike @dockers.", ["emails"]),
    ("Ver https://harbour.example/report, escribir a info@harbour.example, #HuelgaPuerto @dockers.", ["hashtags"]),
    ("Ver https://harbour.example/report, escribir a info@harbour.example, #HarbourStrike @estibadores.", ["mentions"]),
])
def test_links_addresses_hashtags_and_handles_kept(target, expected):
    source = "See https://harbour.example/report, write to info@harbour.example, #HarbourStrike @dockers."
    assert [c for c in ids(source, target, "es") if c in ("urls", "emails", "hashtags", "mentions")] == expected


def test_whitespace_checks():
    assert ids("Stop the attacks.", "Paren  los ataques.", "es") == ["doublespacing"]
    assert ids("Stop the attacks.", " Paren los ataques.", "es") == ["startwhitespace"]
    assert ids("Stop the attacks.", "Paren los ataques. ", "es") == ["endwhitespace"]


def test_unchanged_translation():
    assert ids("Solidarity with the workers.", "Solidarity with the workers.", "es") == ["unchanged"]
    assert ids("https://harbour.example", "https://harbour.example", "es") == []
    glossary = Glossary([Term("Harbour Solidarity Network", "", "", "our name")])
    assert ids("Harbour Solidarity Network", "Harbour Solidarity Network", "es", glossary=glossary) == []


@pytest.mark.parametrize("source, target, problem", [
    ("Read [our report][1] and [theirs][2].", "Lea [nuestro informe][1] y [el suyo][2].", None),
    ("Read [our report][1] and [theirs][2].", "Lea [nuestro informe][1] y el suyo.", "link [2] lost"),
    ("Read [our report][1].", "Lea [nuestro informe] [1].", "broken"),
    ("We are **many** and *strong*.", "Somos **muchos** y *fuertes*.", None),
    ("We are **many** and *strong*.", "Somos muchos y *fuertes*.", "emphasis (* or **) lost"),
    ("We are *strong*.", "Somos *fuertes.", "not closed"),
    ("Run `chorus add` first.", "Ejecute `chorus add` primero.", None),
    ("Run `chorus add` first.", "Ejecute `chorus añadir` primero.", "inline code changed"),
])
def test_inline_markup_kept(source, target, problem):
    found = [f for f in check_entry(source, target, "es") if f.check == "markup"]
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0].message


def test_glossary_terms_and_protected_terms():
    glossary = Glossary([
        Term("picket line", "es", "piquete", "not 'línea de piquete'"),
        Term("Trump", "", "", "a name"),
    ])
    source = "Trump attacked the picket line."
    assert ids(source, "Trump atacó el piquete.", "es", glossary=glossary) == []
    found = check_entry(source, "Trump atacó la línea.", "es", glossary=glossary)
    assert [f.check for f in found] == ["glossary"]
    assert "piquete" in found[0].message
    assert ids(source, "Triunfo atacó el piquete.", "es", glossary=glossary) == ["protected"]
    assert ids(source, "Trump attaque le piquet.", "fr", glossary=glossary) == []  # no French entry


def test_every_check_has_a_description_and_ids_are_known():
    found = check_entry("We are 3,000! See https://a.example #x @y",
                        " Somos 2.000. Ver https://b.example #z @w  ", "es",
                        glossary=Glossary([Term("See", "es", "Ver")]))
    assert found and {f.check for f in found} <= set(CHECKS)
    assert all(f.message and f.lang == "es" for f in found)


def test_ignored_checks_are_skipped():
    assert ids("We are 3,000.", "Somos 2.000.", "es", ignored=("numbers",)) == []


def test_empty_translation_has_no_findings():
    assert check_entry("Stop the attacks!", "", "es") == []


def test_silencing_one_check_for_one_segment_in_a_catalog(project):
    memory._cache.clear()
    path = write_catalog(project, "one", "es", [
        ("We are 3,000.", "Somos 2.000.", "translated"),
        ("They are 3,000.", "Son 2.000.", "translated"),
    ])
    assert [(f.msgid, f.check) for f in check_catalog(project, "one", "es")] == [
        ("We are 3,000.", "numbers"), ("They are 3,000.", "numbers")]
    with catalog.editing(path) as po:
        ignore(po.find("We are 3,000."), "numbers")
    assert "\n# chorus: ignore numbers\n" in path.read_text(encoding="utf-8")
    assert ignored_checks(catalog.read(path).find("We are 3,000.")) == {"numbers"}
    found = check_catalog(project, "one", "es")
    assert [(f.slug, f.msgid, f.check, f.target) for f in found] == [("one", "They are 3,000.", "numbers", "Son 2.000.")]
    with pytest.raises(ValueError):
        ignore(catalog.read(path).find("We are 3,000."), "no-such-check")


def test_catalog_with_glossary_file_and_drafts(project):
    memory._cache.clear()
    (project.translations_dir / "glossary.csv").write_text(
        "term,lang,translation,note\npicket line,es,piquete,\n", encoding="utf-8")
    write_catalog(project, "one", "es", [
        ("Join the picket line!", "¡Únete a la línea!", "fuzzy"),
        ("Nothing yet.", "", "untranslated"),
    ])
    assert [f.check for f in check_catalog(project, "one", "es")] == ["glossary"]


@settings(max_examples=200, deadline=None)
@given(left=st.lists(st.sets(st.integers(0, 4), max_size=2), max_size=6),
       right=st.lists(st.sets(st.integers(0, 4), max_size=2), max_size=6))
def test_numbers_are_paired_as_well_as_they_can_be(left, right):
    """The pairing of numbers (greedy, then augmenting paths without recursion) is a maximum
    matching: as large as the best one found by trying every assignment."""
    from decimal import Decimal

    left = [{Decimal(v) for v in values} for values in left]
    right = [{Decimal(v) for v in values} for values in right]
    pairs = _match(left, right)
    assert all(left[i] & right[j] for i, j in pairs.items())
    assert len(set(pairs.values())) == len(pairs)

    @lru_cache(maxsize=None)
    def best(i: int, taken: frozenset) -> int:  # the largest matching of left[i:] to the rest
        if i == len(left):
            return 0
        return max([best(i + 1, taken)] + [1 + best(i + 1, taken | {j}) for j in range(len(right))
                                            if j not in taken and left[i] & right[j]])

    assert len(pairs) == best(0, frozenset())
