"""A language model behind the OpenAI chat-completions API: a llama.cpp server, Ollama or vLLM
run by the network itself, or a hosted service.

    [openai]
    url = "http://localhost:8080/v1"    # default: https://api.openai.com/v1
    model = "qwen2.5-7b-instruct"

The key comes from ``OPENAI_API_KEY`` (needed for the hosted service, optional for local
servers). Unlike the other engines, the model gets a whole statement at once: every segment
with its block kind (title, slogan, ...), the translations volunteers already made, and the
glossary with its fixed translations and do-not-translate terms, in plain words rather than
placeholders, so a fixed term can be inflected where the sentence needs it. Long statements
go in a few requests (``segments_per_request``, default 40), each with the whole statement as
context. The answer is asked for as a JSON object keyed by segment number (structured output,
``response_format`` with a JSON schema; ``structured = "json_object"`` or ``"none"`` for
servers that do not support it).

Each answer is checked before anything is used: the JSON object alone, every segment present,
URLs, addresses, hashtags, handles and link references kept, do-not-translate terms present
as written and fixed translations present (inflected or not), and no extra text (no added
lines, nothing many times longer than the source). A segment that fails a check gets no
draft, and one line says which and why; the next engine of the chain gets it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ChorusError
from ..glossary import Glossary, contains_term, mask
from .base import (HTTP, EngineError, HTTPEngine, Passage, PairStatus, StatementJob, StatementResult)

HOSTED_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT = 120.0
DEFAULT_SEGMENTS = 40
STRUCTURED = ("json_schema", "json_object", "none")
_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.S)

SYSTEM = """\
You translate statements of unions and NGOs from {source} into {target}. Volunteers review \
your drafts before anything is published.
Translate each segment faithfully and completely, in the register of a public political \
statement, with the whole statement in mind. Block kinds tell what a segment is: a title, \
a slogan, a list item, a signature.
Keep exactly as written: names of people and organisations, numbers, URLs, e-mail addresses, \
hashtags, @handles, Markdown emphasis and link references such as [label][1] (translate the \
label, keep the brackets and the number).
Follow the glossary: a term marked "keep" stays as written; a term with a translation is \
translated that way, inflected as the sentence needs.
Answer with one JSON object and nothing else: for each segment number you are asked for, \
the translation of that segment alone, as a string."""


@lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """``fr`` → ``French (fr)``, from Babel's locale data."""
    from babel import Locale, UnknownLocaleError

    try:
        return f"{Locale.parse(code).get_display_name('en')} ({code})"
    except (UnknownLocaleError, ValueError):
        return code


@dataclass
class OpenAIEngine(HTTPEngine):
    name = "openai"
    description = "A language model behind the OpenAI chat-completions API ([openai] url, model)"
    key_variable = "OPENAI_API_KEY"
    document_level = True
    numbers = {**HTTPEngine.numbers, "segments_per_request": (int, 1), "temperature": (float, 0.0)}

    @classmethod
    def check_settings(cls, settings: dict) -> None:
        super().check_settings(settings)
        for key in ("url", "model", "structured"):
            if not isinstance(settings.get(key, ""), str):
                raise ChorusError(f'chorus.toml: [openai] {key} must be a string, like {key} = "…"')

    def __post_init__(self):
        self.settings.setdefault("timeout", DEFAULT_TIMEOUT)
        super().__post_init__()

    @property
    def url(self) -> str:
        return str(self.settings.get("url") or HOSTED_URL).rstrip("/")

    @property
    def model(self) -> str:
        return str(self.settings.get("model") or "")

    @property
    def structured(self) -> str:
        return str(self.settings.get("structured", "json_schema"))

    def code(self, lang: str) -> str | None:
        return lang

    def label(self, source: str, target: str) -> str:
        return f"{self.name} {self.model}"

    def missing_configuration(self) -> tuple[str, str] | None:
        if not self.model:
            return "no model configured", 'in chorus.toml: [openai] model = "<model name>"'
        if self.structured not in STRUCTURED:
            return f"structured must be one of {', '.join(STRUCTURED)}", "fix [openai] structured in chorus.toml"
        if self.url == HOSTED_URL and not self.api_key():
            return super().missing_configuration()
        return None  # a server of the network's own: the key is optional

    def pair_status(self, source: str, target: str) -> PairStatus:
        status = super().pair_status(source, target)
        if status.served:
            status.detail = f"model {self.model} at {self.url} (not checked)"
        return status

    def translate_batch(self, texts: list[str], source: str, target: str) -> list[str | None]:
        """Texts without a statement around them (each its own paragraph)."""
        passages = [Passage(number, text) for number, text in enumerate(texts)]
        answer = self.translate_statement(StatementJob("texts", source, target, passages))
        return [answer.drafts.get(number) for number in range(len(texts))]

    # --- whole statements ------------------------------------------------------------------------
    def translate_statement(self, job: StatementJob) -> StatementResult:
        self.check_pair(job.source, job.target)
        result = StatementResult()
        numbers = {passage.key: str(index) for index, passage in enumerate(job.passages, 1)}
        todo: list[Passage] = []
        for passage in job.wanted:
            cached = self._cached(job, passage.text)
            if cached is not None:
                result.drafts[passage.key] = cached
            else:
                todo.append(passage)
        size = max(1, int(self.settings.get("segments_per_request", DEFAULT_SEGMENTS)))
        for start in range(0, len(todo), size):
            chunk = todo[start:start + size]
            asked = {numbers[passage.key]: passage for passage in chunk}
            answer = self.call(lambda: self._ask(job, numbers, list(asked)), refused=None)
            drafts, problems = check_answer(answer, asked, job)
            for number, text in drafts.items():
                passage = asked[number]
                result.drafts[passage.key] = text
                if self.cache:
                    self.cache.put(self._cache_name, job.source, job.target, passage.text, text)
            if problems:
                result.problems.append(f"{self.name}: {len(problems)} of {len(asked)} segments of {job.slug} "
                                       f"not used: {'; '.join(problems)}")
        return result

    @property
    def _cache_name(self) -> str:
        return f"{self.name}:{self.model}"

    def _cached(self, job: StatementJob, text: str) -> str | None:
        return self.cache.get(self._cache_name, job.source, job.target, text) if self.cache else None

    def request_body(self, job: StatementJob, numbers: dict, asked: list[str]) -> dict:
        """The chat-completions request for some segments of a statement."""
        statement = []
        for passage in job.passages:
            item = {"segment": numbers[passage.key], "kind": passage.kind or "text", "source": passage.text}
            if passage.translation:
                item["translated by volunteers"] = passage.translation
            statement.append(item)
        glossary = [{"term": term.term, "keep": True} if term.keep else
                    {"term": term.term, "translation": term.translation}
                    for term in _terms_in(job)]
        content = {"statement": statement, "glossary": glossary, "translate segments": asked}
        body = {
            "model": self.model,
            "temperature": float(self.settings.get("temperature", 0)),
            "messages": [
                {"role": "system", "content": SYSTEM.format(source=language_name(job.source),
                                                            target=language_name(job.target))},
                {"role": "user", "content": json.dumps(content, ensure_ascii=False, indent=1)},
            ],
        }
        if self.structured == "json_schema":
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "translations", "strict": True,
                "schema": {"type": "object", "additionalProperties": False, "required": asked,
                           "properties": {number: {"type": "string"} for number in asked}},
            }}
        elif self.structured == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body

    def _ask(self, job: StatementJob, numbers: dict, asked: list[str]) -> str:
        headers = {"Authorization": f"Bearer {self.api_key()}"} if self.api_key() else {}
        answer = HTTP.post(f"{self.url}/chat/completions", json=self.request_body(job, numbers, asked),
                           headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}")  # the base retries or stops
        try:
            choice = answer.json()["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise EngineError(f"{self.name}: {self.url}/chat/completions gave no chat completion") from None
        if choice.get("finish_reason") == "length":
            return ""  # cut off: every segment of the request is reported missing
        return content if isinstance(content, str) else ""


def _terms_in(job: StatementJob) -> list:
    """The glossary terms that occur in the statement (the model needs no others)."""
    glossary = Glossary(list(job.terms))
    found = []
    for passage in job.passages:
        for term in glossary.terms_in(passage.text, job.target):
            if term not in found:
                found.append(term)
    return found


# --- checking an answer ---------------------------------------------------------------------------


def parse_answer(content: str | None) -> dict | None:
    """The JSON object of an answer: alone, or alone in one code fence; None otherwise."""
    if not content:
        return None
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def check_answer(content: str | None, asked: dict[str, Passage], job: StatementJob) -> tuple[dict[str, str], list[str]]:
    """The drafts that pass every check, and one reason per segment that does not."""
    data = parse_answer(content)
    if data is None:
        why = "no answer (cut off)" if content == "" else "the answer was not one JSON object"
        return {}, [f"#{number} {why}" for number in asked]
    drafts: dict[str, str] = {}
    problems: list[str] = []
    for number, passage in asked.items():
        text = data.get(number)
        reason = "missing from the answer" if not isinstance(text, str) or not text.strip() \
            else problem(passage.text, text.strip(), job)
        if reason:
            problems.append(f"#{number} {reason}")
        else:
            drafts[number] = text.strip()
    return drafts, problems


def problem(source: str, translation: str, job: StatementJob) -> str | None:
    """Why a translation cannot be used as a draft of ``source``, or None.

    >>> job = StatementJob("s", "en", "es", [])
    >>> problem("See https://x.org now", "Mira https://x.org ya", job) is None
    True
    >>> problem("See https://x.org now", "Mira la web ya", job)
    "'https://x.org' missing"
    """
    kept = [part for part in mask(source, job.target, None).originals if part not in ("[", "![")]
    for part in kept:
        if part not in translation:
            return f"{part!r} missing"
    for term in Glossary(list(job.terms)).terms_in(source, job.target):
        if term.keep and not contains_term(translation, term.term):
            return f"protected term {term.term!r} missing"
        if not term.keep and not _inflected(term.translation).search(translation):
            return f"fixed translation {term.translation!r} of {term.term!r} missing"
    if translation.count("\n") > source.count("\n"):
        return "extra lines in the answer"
    if len(translation) > max(3 * len(source), len(source) + 60):
        return "extra text in the answer"
    return None


def _inflected(phrase: str) -> re.Pattern:
    """Each word of ``phrase`` with any ending, case-insensitive: ``piquete`` finds ``Piquetes``."""
    words = []
    for word in phrase.split():
        stem = word if len(word) <= 4 else word[: max(4, len(word) - 2)]
        words.append(re.escape(stem) + r"\w*")
    return re.compile(r"(?<!\w)" + r"\W+(?:\w+\W+){0,2}".join(words), re.I)
