import pytest
from benchmarks.english_golden_rules import GOLDEN_EN_RULES  # shipped in the pysbd wheel
from hypothesis import given, settings
from hypothesis import strategies as st

from chorus.segment import segments, split_sentences


@pytest.mark.parametrize("text, expected", GOLDEN_EN_RULES, ids=[str(i) for i in range(len(GOLDEN_EN_RULES))])
def test_english_golden_rules(text, expected):
    assert segments(text, "en") == expected


@pytest.mark.parametrize("lang, text, expected", [
    ("en", "Fighting spread to Ft. Worth last night. Nobody was hurt.",
     ["Fighting spread to Ft. Worth last night.", "Nobody was hurt."]),
    ("en", "US$ 3.8 bn. was spent on guards. The workers got nothing.",
     ["US$ 3.8 bn. was spent on guards.", "The workers got nothing."]),
    ("fr", "M. Dupont a signé l'appel. Mme. Durand aussi.",
     ["M. Dupont a signé l'appel.", "Mme. Durand aussi."]),
    ("es", "El Sr. López firmó la carta. Nosotros también.",
     ["El Sr. López firmó la carta.", "Nosotros también."]),
    ("en", "They were attacked. (Two are still in hospital.) We demand answers.",
     ["They were attacked.", "(Two are still in hospital.)", "We demand answers."]),
    ("en", "The strike (now in its third week. Really.) goes on.",
     ["The strike (now in its third week. Really.) goes on."]),
    ("en", "We waited... and waited. Then we marched.",
     ["We waited... and waited.", "Then we marched."]),
    ("en", "They promised raises. . . . Nothing came.",
     ["They promised raises.", ". . . Nothing came."]),
    ("en", "1. Drop the charges. 2. Reinstate the organisers.",
     ["1. Drop the charges.", "2. Reinstate the organisers."]),
    ("en", "**Berlin.** We stand with the dockers.", ["**Berlin.**", "We stand with the dockers."]),
    ("en", "Read [our report][1]. Then sign.", ["Read [our report][1].", "Then sign."]),
    ("de", "Wir streiken. Die Löhne reichen nicht.", ["Wir streiken.", "Die Löhne reichen nicht."]),
    ("es", "¿Hasta cuándo? ¡Basta ya! Seguimos.", ["¿Hasta cuándo?", "¡Basta ya!", "Seguimos."]),
])
def test_statement_cases(lang, text, expected):
    assert segments(text, lang) == expected


def test_split_is_lossless_and_keeps_spacing():
    text = "One.  Two!\tThree? "
    pieces = split_sentences(text, "en")
    assert "".join(pieces) == text
    assert [p.strip() for p in pieces] == ["One.", "Two!", "Three?"]


def test_empty_and_blank_text():
    assert split_sentences("", "en") == []
    assert segments("   ", "en") == []


def test_unknown_language_falls_back_to_a_generic_split():
    assert segments("Uno. Dos.", "zz") == ["Uno.", "Dos."]


prose = st.lists(
    st.sampled_from(list("abcXYZ .!?…()[]*\"'1230,;:-\n\t") + ["Mr.", "Ft.", "bn.", ". . .", "1.", "a.", "M.", "(", ")"]),
    max_size=80,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=prose, lang=st.sampled_from(["en", "fr", "es", "de", "zz"]))
def test_segmentation_never_loses_or_duplicates_a_character(text, lang):
    assert "".join(split_sentences(text, lang)) == text
