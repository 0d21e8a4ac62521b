"""Machine output goes through the text policy (chorus.text) before it reaches a catalog: an
engine that answers with a line separator, a vertical tab or a control character never leaves
a catalog that a line-splitting reader, polib or msgfmt would read differently."""

from __future__ import annotations

from dataclasses import dataclass

import polib

from chorus import catalog
from chorus.engines.base import Engine, Passage, StatementJob, StatementResult
from chorus.pretranslate import pretranslate
from tests.conftest import msgfmt_check

SLUG = "stop-the-attacks"
SLOGAN = "Solidarity with the harbour workers!"
NOISY_SLOGAN = "¡Solidaridad\u2028con los\vtrabajadores del puerto!"


@dataclass
class Noisy(Engine):
    """Answers every text with separators a word processor pastes; one text with a bell."""

    name = "noisy"

    def translate_batch(self, texts, source, target):
        return [NOISY_SLOGAN if text == SLOGAN else "Paren\x07" if text.startswith("Stop the Attacks") else f"{text}\u2029(es)"
                for text in texts]


@dataclass
class NoisyModel(Engine):
    """A document-level engine (as a language model is) answering the same way."""

    name = "noisy-model"
    document_level = True

    def translate_statement(self, job: StatementJob) -> StatementResult:
        answer = StatementResult()
        for passage in job.wanted:
            answer.drafts[passage.key] = Noisy().translate_batch([passage.text], job.source, job.target)[0]
        return answer


def drafted(project, lang="es") -> dict[str, polib.POEntry]:
    path = project.catalog_path(SLUG, lang)
    msgfmt_check(path)
    return {entry.msgid: entry for entry in catalog.read(path) if entry.msgid}


def check(project) -> None:
    entries = drafted(project)
    assert entries[SLOGAN].msgstr == "¡Solidaridad con los trabajadores del puerto!"
    assert catalog.state(entries[SLOGAN]) == "fuzzy"
    for entry in entries.values():
        assert not any(char in entry.msgstr for char in "\u2028\u2029\v\x07"), entry.msgstr
    assert entries["Stop the Attacks on the Harbour Workers"].msgstr == ""  # a control character: no draft
    # Every reader sees the same entries as the writer meant (no line split inside a msgstr).
    assert polib.pofile(str(project.catalog_path(SLUG, "es"))).find(SLOGAN).msgstr == entries[SLOGAN].msgstr


def test_engine_output_with_separators_is_cleaned_before_it_is_written(sample_project):
    [result] = pretranslate(sample_project, [SLUG], ["es"], engine_factory=lambda name: Noisy())
    check(sample_project)
    assert result.failed == 1


def test_a_document_level_engine_is_cleaned_too(sample_project):
    pretranslate(sample_project, [SLUG], ["es"], engine_factory=lambda name: NoisyModel())
    check(sample_project)


def test_passage_keys_are_kept():  # the stand-in speaks the engines' interface
    job = StatementJob("s", "en", "es", [Passage(1, SLOGAN)])
    assert NoisyModel().translate_statement(job).drafts == {1: NOISY_SLOGAN}
