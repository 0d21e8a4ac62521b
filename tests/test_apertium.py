"""The batched Apertium engine against the real ``apertium`` program."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from chorus import catalog, engines
from chorus.engines import apertium
from chorus.engines.apertium import MODES_DIR, ApertiumEngine, batch_input, escape, split_output
from chorus.pretranslate import pretranslate
from chorus.project import Project

TEXTS = [
    "Stop the attacks on the harbour workers!",
    "Read [our full report][1] now.",
    "Prices rose by 5$ and {more} ^up^ @ 10% \\ / <b>bold</b>",
    "Two  spaces and a ~ tilde",
    "We stand along with the dockers",
    "No final punctuation",
    "Solidarity!",
]


@pytest.fixture(scope="module")
def engine():
    return ApertiumEngine()


def retxt(raw: str) -> list[str]:
    """What the real apertium-retxt makes of a batch, split on the ids."""
    text = subprocess.run(["apertium-retxt"], input=raw, capture_output=True, text=True, check=True).stdout
    parts = text.split("<seg id=")[1:]
    return [part.split(">", 1)[1].strip() for part in parts]


def test_escaping_is_what_destxt_does():
    text = "a [b] ^c$ @d \\e /f <g> {h}"
    ours = escape(text)
    theirs = subprocess.run(["apertium-destxt"], input=text, capture_output=True, text=True, check=True).stdout
    assert theirs.startswith(ours)
    assert escape("a  b\tc") == "a[  ]b[\t]c"


def test_one_process_gives_one_output_per_text_in_order(engine):
    raw = engine.run("eng-spa", batch_input(TEXTS))
    assert [int(n) for n in re.findall(r"<seg id=(\d+)>", raw)] == list(range(len(TEXTS)))
    ours = split_output(raw, len(TEXTS))
    assert ours == retxt(raw)
    assert ours[1].startswith("Le") and "[1]" in ours[1]
    assert "5$" in ours[2] and "<b>" in ours[2]


def test_batch_equals_translating_each_text_the_same_way(engine):
    batched = engine.translate(TEXTS, "en", "es")
    assert len(batched) == len(TEXTS)
    assert batched[-1] == engine.translate(["Solidarity!"], "en", "es")[0] == "Solidaridad!"
    assert batched[0].startswith("Par")  # a real Spanish draft
    assert batched[0].endswith("!")  # the paragraph-end dot of the recipe is not left behind
    assert not batched[5].endswith(".")


def test_multiword_across_texts_does_not_merge(engine):
    texts = ["They walked along", "with the workers."]
    assert len(engine.translate(texts, "en", "es")) == 2


def test_unknown_words_carry_no_marks(engine):
    out = engine.translate(["The Zorblaxian workers flibbered."], "en", "es")[0]
    assert "Zorblaxian" in out
    assert not any(mark in out for mark in "*#@")
    marked = subprocess.run(["apertium", "eng-spa"], input="The Zorblaxian workers flibbered.",
                            capture_output=True, text=True).stdout
    assert "*" in marked  # without -u Apertium would mark them


def test_a_mismatched_batch_falls_back_to_one_text_at_a_time(monkeypatch):
    texts = ["Good morning.", "Good night.", "Solidarity!"]
    expected = ApertiumEngine().translate(texts, "en", "es")
    sent = []

    class Garbled(apertium.Pipeline):
        def send(self, data):
            sent.append(data.count("<seg id="))
            super().send(data)

        def receive(self, timeout):
            raw = super().receive(timeout)
            return raw.replace("[<seg id=1>]", "", 1) if len(sent) == 1 else raw

    monkeypatch.setattr(apertium, "Pipeline", Garbled)
    engine = ApertiumEngine()
    assert engine.translate(texts, "en", "es") == expected
    assert sent == [3, 1, 1, 1]


def test_split_output_requires_ids_in_order():
    assert split_output("[<seg id=0>]a.[][\n][<seg id=1>]b.[][\n]", 2) == ["a", "b"]
    assert split_output("[<seg id=1>]a.[][\n][<seg id=0>]b.[][\n]", 2) is None
    assert split_output("[<seg id=0>]a.[][\n]", 2) is None
    assert split_output("junk[<seg id=0>]a.[][\n]", 1) is None


def test_missing_pair_is_an_engine_error_and_chorus_engines_has_the_fix(tmp_path):
    only_spanish = tmp_path / "modes"
    only_spanish.mkdir()
    (only_spanish / "eng-spa.mode").symlink_to(MODES_DIR / "eng-spa.mode")
    engine = ApertiumEngine({"modes": str(only_spanish)})
    with pytest.raises(engines.EngineUnavailable) as raised:
        engine.translate(["Hello"], "en", "ca")
    assert str(raised.value) == ("apertium cannot translate en→ca: no installed pair reaches ca "
                                 "(chorus engines shows what can)")
    assert engine.pair_status("en", "ca").fix == "apt-get install apertium-eng-cat"


# --- pipelines kept for the run, and pivots ------------------------------------------------------


@pytest.fixture
def recorded(monkeypatch):
    """Every pipeline started (by mode) and the number of texts each mode was sent."""
    started: list[str] = []
    sent: dict[str, int] = {}

    class Recording(apertium.Pipeline):
        def __init__(self, mode_file, name, cache_dir=None):
            started.append(name)
            super().__init__(mode_file, name, cache_dir)

        def send(self, data):
            sent[self.name] = sent.get(self.name, 0) + data.count("[<seg id=")
            return super().send(data)

    monkeypatch.setattr(apertium, "Pipeline", Recording)
    return started, sent


def test_one_process_per_mode_for_a_whole_run_of_many_batches(sample_project, recorded):
    started, sent = recorded
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text() + "\n[apertium]\nbatch_size = 5\n")
    results = {r.lang: r for r in pretranslate(Project.load(sample_project.root), langs=["es", "fr"])}
    assert results["es"].engines["apertium"] == results["es"].pending > 10  # several batches
    assert results["fr"].engines["apertium"] == results["fr"].pending
    assert sorted(started) == ["eng-spa", "es-fr"]  # one pipeline per mode, for every batch and language
    texts = {e.msgid for slug in sample_project.statements()
             for e in catalog.read(sample_project.catalog_path(slug, "es")) if e.msgid}
    assert sent == {"eng-spa": len(texts), "es-fr": len(texts)}  # French reused the Spanish step


def test_pivot_equals_the_two_hops_run_by_hand(engine):
    texts = ["Stop the attacks on the harbour workers!", "Read [our full report][1] now.", "Solidarity!"]
    spanish = engine.run("eng-spa", batch_input(texts))
    by_hand = split_output(ApertiumEngine().run("es-fr", spanish), len(texts))
    assert engine.translate(texts, "en", "fr") == by_hand
    assert engine.label("en", "fr") == "apertium en>es>fr" and engine.label("en", "es") == "apertium"


def test_a_pipeline_that_fails_is_one_line(tmp_path):
    modes = tmp_path / "modes"
    modes.mkdir()
    (modes / "eng-spa.mode").write_text("lt-proc /nonexistent/eng-spa.automorf.bin\n")
    with pytest.raises(engines.EngineError) as raised:
        ApertiumEngine({"modes": str(modes)}).translate(["Hello"], "en", "es")
    message = str(raised.value)
    assert message.startswith("apertium eng-spa failed: ") and "\n" not in message


def test_a_pipeline_that_hangs_times_out(tmp_path):
    modes = tmp_path / "modes"
    modes.mkdir()
    (modes / "eng-spa.mode").write_text("tail -f /dev/null\n")
    engine = ApertiumEngine({"modes": str(modes), "timeout": 0.5})
    started = time.monotonic()
    with pytest.raises(engines.EngineError, match=r"^apertium eng-spa took longer than 0\.5 s$"):
        engine.translate(["Hello"], "en", "es")
    assert time.monotonic() - started < 5
    engine.close()


def test_placeholders_survive_every_hop_of_a_pivot(engine):
    """Spanish→French took ``__1__`` apart (``il __voit 1__``): from the second hop on,
    placeholders travel as unknown words."""
    texts = ["__0__ tonight at 6: bring friends, see __1__.", "Donations: see __0__ the fund __1__ or mail __2__.",
             "__0__ attacked the __1__ on Friday."]
    drafts = engine.translate(texts, "en", "fr")
    for text, draft in zip(texts, drafts):
        assert sorted(re.findall(r"__\d+__", draft)) == sorted(re.findall(r"__\d+__", text)), draft
    assert re.match(r"__0__ [a-zé]", drafts[2])  # not capitalized as if the sentence began there


def test_the_pipeline_command_is_kept_until_the_mode_changes(tmp_path):
    modes, cache = tmp_path / "modes", tmp_path / "cache"
    modes.mkdir()
    mode = modes / "eng-spa.mode"
    mode.write_text((MODES_DIR / "eng-spa.mode").read_text())
    made = apertium.pipeline_command(mode, "eng-spa", cache)
    assert "lt-proc -z" in made and (cache / "apertium" / "eng-spa.sh").is_file()
    assert apertium.pipeline_command(mode, "eng-spa", cache) == made
    mode.write_text("lt-proc /elsewhere/eng-spa.automorf.bin\n")  # the pair was upgraded
    assert apertium.pipeline_command(mode, "eng-spa", cache).startswith("lt-proc -z /elsewhere/eng-spa.automorf.bin")
