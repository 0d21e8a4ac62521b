"""The glossary file, term matching, masking, and protected terms through real Apertium."""

from __future__ import annotations

import pytest

from chorus.engines.apertium import ApertiumEngine
from chorus.glossary import Glossary, MaskLost, Term, mask


def test_add_save_load_roundtrip(project):
    glossary = Glossary.load(project)
    assert len(glossary) == 0
    glossary.add("Trump", note="a name")
    glossary.add("picket line", "es", "piquete", "not 'línea de piquete'")
    glossary.add("picket line", "es", "piquete", "replaced, not added twice")
    glossary.save()
    text = (project.translations_dir / "glossary.csv").read_text()
    assert text.splitlines()[0] == "term,lang,translation,note"
    again = Glossary.load(project)
    assert [(t.term, t.lang, t.translation, t.note) for t in again] == [
        ("Trump", "", "", "a name"), ("picket line", "es", "piquete", "replaced, not added twice")]


def test_terms_in_respects_word_boundaries_and_case():
    glossary = Glossary([Term("Trump"), Term("ILO"), Term("picket line", "es", "piquete"), Term("strike", "fr", "grève")])
    found = glossary.terms_in("Trump met the ILO at the Picket line", "es")
    assert [t.term for t in found] == ["Trump", "ILO", "picket line"]
    assert glossary.terms_in("a trumpet, a trump card, a silo", "es") == []
    assert glossary.terms_in("the strike", "es") == []  # a French-only term
    assert [t.term for t in glossary.terms_in("the strike", "fr_CA")] == ["strike"]


def test_language_entry_wins_over_the_all_language_one():
    glossary = Glossary([Term("Harbour Network", "", "", ""), Term("Harbour Network", "es", "Red del Puerto", "")])
    assert mask("Harbour Network", "es", glossary).restore("__0__") == "Red del Puerto"
    assert mask("Harbour Network", "fr", glossary).restore("__0__") == "Harbour Network"


def test_mask_protects_urls_mail_hashtags_handles_and_link_targets():
    text = "Write to help@dock.org or @dockers, read [our report][2] at https://dock.org/r?id=3. #strike!"
    masked = mask(text, "es", Glossary())
    for protected in ("help@dock.org", "@dockers", "][2]", "https://dock.org/r?id=3", "#strike"):
        assert protected not in masked.text
    assert "our report" in masked.text  # the label is translated
    back = masked.restore(masked.text)
    assert back == text
    text_out, restore = mask("Go to www.dock.org now", "es", Glossary())  # unpacks as a pair
    assert restore(text_out) == "Go to www.dock.org now"


def test_fixed_translation_follows_the_case_of_the_source():
    glossary = Glossary([Term("picket line", "es", "piquete")])
    masked = mask("Picket line today, the picket line tomorrow", "es", glossary)
    assert masked.restore(masked.text) == "Piquete today, the piquete tomorrow"


def test_a_lost_placeholder_is_refused():
    masked = mask("Trump spoke", "es", Glossary([Term("Trump")]))
    with pytest.raises(MaskLost, match="Trump"):
        masked.restore("Triunfo habló")
    assert masked.restore("_ _0_ _ habló") == "Trump habló"  # engines that space out the marks


def test_apertium_keeps_trump_with_the_glossary():
    engine = ApertiumEngine()
    text = "Donald Trump attacked the picket line."
    bare = engine.translate([text], "en", "es")[0]
    assert "Trump" not in bare  # Apertium alone turns the name into a word ("Triunfo")
    glossary = Glossary([Term("Trump"), Term("picket line", "es", "piquete")])
    masked = mask(text, "es", glossary)
    out = masked.restore(engine.translate([masked.text], "en", "es")[0])
    assert "Donald Trump" in out and "piquete" in out


def test_glossary_commands(invoke, project):
    result = invoke("glossary", "add", "Trump", "--note", "a name")
    assert result.exit_code == 0 and "kept as it is" in result.output
    result = invoke("glossary", "add", "picket line", "--lang", "es", "--translation", "piquete")
    assert result.exit_code == 0 and "'piquete' in es" in result.output
    result = invoke("glossary", "list")
    assert "Trump" in result.output and "piquete" in result.output and "(keep)" in result.output
    result = invoke("glossary", "add", "strike", "--translation", "huelga")
    assert result.exit_code == 1 and "needs --lang" in result.output
    result = invoke("glossary", "add", "strike", "--lang", "xx!")
    assert result.exit_code == 1 and "not a language code" in result.output
    assert [t.term for t in Glossary.load(project)] == ["Trump", "picket line"]
