"""An Apertium APy HTTP server: the shared Apertium of a team (Debian package ``apertium-apy``).

The server is ``[apy] url`` in chorus.toml, for example::

    [apy]
    url = "http://mt.example.org:2737"

Texts are sent as plain text (``format=txt``; APy's default is HTML) without unknown-word
marks (``markUnknown=no``). The server keeps its pipelines running, so one request per text
is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from .apertium import candidates
from .base import HTTP, EngineError, EngineUnreachable, HTTPEngine, PairStatus, _short, _timeout


@dataclass
class ApyEngine(HTTPEngine):
    name = "apy"
    description = "Apertium APy server ([apy] url in chorus.toml)"

    def __post_init__(self):
        super().__post_init__()
        self._pairs: set[tuple[str, str]] | None = None

    @property
    def url(self) -> str | None:
        url = self.settings.get("url")
        return str(url).rstrip("/") if url else None

    def missing_configuration(self) -> tuple[str, str] | None:
        if not self.url:
            return "no server configured", 'in chorus.toml: [apy] url = "http://localhost:2737"'
        return None

    def pairs(self) -> set[tuple[str, str]]:
        """The pairs the server offers (asked once per run)."""
        if self._pairs is None:
            token = _timeout.set(self.timeout)
            try:
                answer = HTTP.get(f"{self.url}/listPairs")
                answer.raise_for_status()
                data = answer.json()["responseData"]
            except (requests.ConnectionError, requests.Timeout) as error:
                raise EngineUnreachable(f"apy: {self.url}/listPairs did not answer ({_short(error)})") from None
            except (requests.RequestException, ValueError, KeyError, TypeError) as error:
                raise EngineError(f"apy: {self.url}/listPairs gave no list of pairs ({_reason(error)})") from None
            finally:
                _timeout.reset(token)
            self._pairs = {(pair["sourceLanguage"], pair["targetLanguage"]) for pair in data}
        return self._pairs

    def langpair(self, source: str, target: str) -> str | None:
        pairs = self.pairs()
        for src in candidates(source):
            for tgt in candidates(target):
                if (src, tgt) in pairs:
                    return f"{src}|{tgt}"
        return None

    def code(self, lang: str) -> str | None:
        return candidates(lang)[0]

    def pair_status(self, source: str, target: str) -> PairStatus:
        problem = self.missing_configuration()
        if problem:
            return PairStatus(source, target, False, *problem)
        try:
            langpair = self.langpair(source, target)
        except EngineError as error:
            return PairStatus(source, target, False, str(error), "start the server, or fix [apy] url")
        if langpair:
            return PairStatus(source, target, True, f"{langpair} at {self.url}")
        return PairStatus(source, target, False, f"the server at {self.url} has no {source}→{target} pair",
                          "install the pair on the server")

    def check_pair(self, source: str, target: str) -> None:
        if not self.missing_configuration():
            self.pairs()  # a server that does not answer is a failure of the engine, not of one pair
        super().check_pair(source, target)

    def translate_batch(self, texts: list[str], source: str, target: str) -> list[str | None]:
        self._langpair = self.langpair(source, target)
        return super().translate_batch(texts, source, target)

    def request(self, text: str, source: str, target: str) -> str:
        answer = HTTP.post(f"{self.url}/translate", data={
            "q": text, "langpair": self._langpair, "format": "txt", "markUnknown": "no",
        })
        if answer.status_code != 200:
            raise RuntimeError(f"apy answered HTTP {answer.status_code}")  # the base retries or pauses
        return answer.json()["responseData"]["translatedText"]


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    return f"HTTP {response.status_code}" if response is not None else type(error).__name__
