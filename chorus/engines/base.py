"""What every machine engine shares: errors, HTTP with timeouts and bounded retries, a cache.

An engine turns a list of source texts into a list of drafts (``None`` where one text failed)
for one language pair. Offline engines (Apertium) run a local program; online engines talk
HTTP. :class:`HTTPEngine` owns everything online engines have in common:

- every request has a timeout (deep-translator sets none: its module-level ``requests`` is
  replaced by :data:`HTTP`, which adds one and records the address and status of each answer);
- only errors that can pass are retried, a bounded number of times: a timeout, HTTP 503, and
  HTTP 429 that says when to come back (``Retry-After``, honoured). Any other HTTP error, a
  refused connection or a refused key is a hard failure: :class:`EngineError` at once, with
  one line that names the engine, the status and the address
  (``libre: HTTP 500 from http://mt.example.org/translate``);
- results are kept in a sqlite cache under the project's private folder, so one text is never
  sent twice to the same engine for the same pair.

Engines that translate a whole statement at once (a language model) set
``document_level`` and implement :meth:`Engine.translate_statement`: they get every segment
with its block kind, the reviewed translations around it and the glossary.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar, Hashable, Iterable, Iterator

from .. import database
from ..errors import ChorusError

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.5
MAX_PAUSE = 60.0


class EngineError(ChorusError):
    """An engine cannot translate a language pair right now (the whole batch failed).

    ``partial`` holds the drafts of the batch made before the failure (``None`` for the rest).
    """

    partial: list | None = None


class EngineUnavailable(EngineError):
    """Not installed, not configured, no API key, or the pair is not served."""


class EngineUnreachable(EngineError):
    """The service did not answer (connection refused, DNS, timeout)."""


class RateLimited(EngineError):
    """The service answered HTTP 429 again after the pause."""


@dataclass
class PairStatus:
    """What an engine can do for one pair on this machine, and the fix when it cannot."""

    source: str
    target: str
    served: bool
    detail: str = ""
    fix: str = ""


@dataclass
class Passage:
    """One segment of a statement as a document-level engine sees it."""

    key: Hashable
    text: str
    kind: str = ""  # the block kind: title, paragraph, slogan, ...
    translation: str | None = None  # a volunteer's translation, given as context
    wanted: bool = True  # False: context only


@dataclass
class StatementJob:
    """A statement to translate at once: its segments in order and the glossary of the language."""

    slug: str
    source: str
    target: str
    passages: list[Passage]
    terms: list = field(default_factory=list)  # glossary.Term that apply to the target language

    @property
    def wanted(self) -> list[Passage]:
        return [passage for passage in self.passages if passage.wanted]


@dataclass
class StatementResult:
    drafts: dict = field(default_factory=dict)  # passage key → draft
    problems: list[str] = field(default_factory=list)  # one line per rejected answer


@dataclass
class Engine:
    """Base of every engine. Subclasses set ``name`` and implement :meth:`translate_batch`.

    ``settings`` is the engine's table from chorus.toml (``[apy] url = ...``), ``cache_dir``
    the folder for caches (``project.private_dir / "cache"``).
    """

    settings: dict = field(default_factory=dict)
    cache_dir: Path | None = None

    name = "engine"
    online = False
    document_level: ClassVar[bool] = False  # True: translate_statement instead of translate_batch
    # setting → (int or float, smallest value): checked before an engine is made
    numbers: ClassVar[dict[str, tuple[type, float]]] = {
        "timeout": (float, 0.001), "retries": (int, 0), "backoff": (float, 0.0), "batch_size": (int, 1),
    }
    batch_size = 1000  # texts per call: a pretranslation run saves its catalogs after each call
    description = ""

    @classmethod
    def check_settings(cls, settings: dict) -> None:
        """Refuse settings of the wrong type or out of range (``[libre] timeout = "fast"``)."""
        for key, (kind, smallest) in cls.numbers.items():
            if key not in settings:
                continue
            value = settings[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or (kind is int and not float(value).is_integer()) or value < smallest:
                what = "a whole number" if kind is int else "a number"
                raise ChorusError(f"chorus.toml: [{cls.name}] {key} must be {what} of at least {smallest:g}")

    # --- what subclasses provide -------------------------------------------------------------
    def code(self, lang: str) -> str | None:
        """The engine's code for a Chorus language code (``pt_BR``), or None when unknown."""
        return lang

    def pair_status(self, source: str, target: str) -> PairStatus:
        served = self.code(source) is not None and self.code(target) is not None
        return PairStatus(source, target, served, "" if served else "language not supported")

    def translate_batch(self, texts: list[str], source: str, target: str) -> list[str | None]:
        raise NotImplementedError

    def translate_statement(self, job: StatementJob) -> StatementResult:
        """Drafts for the wanted passages of one statement (document-level engines only)."""
        raise NotImplementedError

    def label(self, source: str, target: str) -> str:
        """How a draft's origin names this engine for a pair (``apertium en>es>fr``)."""
        return self.name

    def warm_up(self, source: str, target: str) -> None:
        """Get ready for a batch that may follow (e.g. start a local process); optional."""

    def close(self) -> None:
        """Release what :meth:`warm_up` took and the batch did not use."""

    # --- shared --------------------------------------------------------------------------------
    def check_pair(self, source: str, target: str) -> None:
        status = self.pair_status(source, target)
        if not status.served:
            fix = f" ({status.fix})" if status.fix else ""
            raise EngineUnavailable(f"{self.name} cannot translate {source}→{target}: {status.detail}{fix}")

    def translate(self, texts: list[str], source: str, target: str) -> list[str | None]:
        """Drafts for ``texts`` in order; raises :class:`EngineError` when the pair fails as a whole."""
        if not texts:
            return []
        self.check_pair(source, target)
        return self.translate_batch(list(texts), source, target)

    def translate_many(self, batches: Iterable[list[str]], source: str, target: str) -> Iterator[list[str | None]]:
        """:meth:`translate` for each batch in turn, the next batch worked on while the caller
        handles this one; an error is raised at the batch it belongs to."""
        return one_ahead(lambda batch: self.translate(batch, source, target), list(batches))


def one_ahead(work: Callable, items: list) -> Iterator:
    """``work(item)`` for each item in order, computed in a worker thread one item ahead of the
    caller. An exception in ``work`` is raised in the caller, in its place, and ends the work;
    once the caller stops, no further item is started."""
    results: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(value) -> None:
        while not stop.is_set():
            try:
                results.put(value, timeout=0.1)
                return
            except queue.Full:
                continue

    def worker() -> None:
        for item in items:
            if stop.is_set():
                return
            try:
                offer((work(item), None))
            except BaseException as error:  # handed to the caller
                offer((None, error))
                return

    threading.Thread(target=worker, daemon=True, name="chorus-engine").start()
    try:
        for _ in items:
            value, error = results.get()
            if error is not None:
                raise error
            yield value
    finally:
        stop.set()


# --- HTTP ------------------------------------------------------------------------------------

_timeout: contextvars.ContextVar[float] = contextvars.ContextVar("chorus_http_timeout", default=DEFAULT_TIMEOUT)
_last_answer: contextvars.ContextVar[dict | None] = contextvars.ContextVar("chorus_http_answer", default=None)


class TimedRequests:
    """Stands in for the ``requests`` module inside deep-translator's engine modules.

    Every ``get``/``post`` gets the timeout of the engine call in progress, and the status and
    ``Retry-After`` of the answer are kept for :class:`HTTPEngine` (deep-translator reports a
    429 differently per engine, or not at all).
    """

    def __getattr__(self, name):
        import requests

        return getattr(requests, name)

    def request(self, method: str, url: str, **kwargs):
        import requests  # imported by the engines that go online, not by Apertium's

        kwargs["timeout"] = _timeout.get()
        where = url.split("?", 1)[0]
        _last_answer.set({"url": where})
        response = requests.request(method, url, **kwargs)
        _last_answer.set({"url": where, "status": response.status_code,
                          "retry_after": response.headers.get("Retry-After")})
        return response

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)


HTTP = TimedRequests()


def install_http(module) -> None:
    """Route a deep-translator module's requests through :data:`HTTP`."""
    module.requests = HTTP


class ResultCache:
    """sqlite: (engine, source, target, text) → translation. Safe across processes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, engine TEXT, source TEXT,"
                       " target TEXT, text TEXT, translation TEXT, created REAL)")

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = database.connect(self.path)
        return db

    @staticmethod
    def key(engine: str, source: str, target: str, text: str) -> str:
        return hashlib.sha256("\0".join((engine, source, target, text)).encode("utf-8")).hexdigest()

    def get(self, engine: str, source: str, target: str, text: str) -> str | None:
        row = self._connect().execute(
            "SELECT translation FROM results WHERE key = ?", (self.key(engine, source, target, text),)
        ).fetchone()
        return row[0] if row else None

    def put(self, engine: str, source: str, target: str, text: str, translation: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (self.key(engine, source, target, text), engine, source, target, text, translation,
                        time.time()))


@dataclass
class HTTPEngine(Engine):
    """An online engine: timeouts, retries with backoff, a pause after 429, a result cache.

    Subclasses implement :meth:`request` (one text, one HTTP exchange) and usually
    :meth:`code`; settings from chorus.toml may set ``timeout``, ``retries``, ``backoff``.
    """

    online = True
    batch_size = 20
    key_variable: ClassVar[str | None] = None  # environment variable holding the API key
    sleep: Callable[[float], None] = time.sleep  # tests may pass their own

    def __post_init__(self):
        self.timeout = float(self.settings.get("timeout", DEFAULT_TIMEOUT))
        self.retries = int(self.settings.get("retries", DEFAULT_RETRIES))
        self.backoff = float(self.settings.get("backoff", DEFAULT_BACKOFF))
        self.paused_until = 0.0
        self.requests_sent = 0
        self.cache = ResultCache(self.cache_dir / "mt.sqlite3") if self.cache_dir else None

    # --- what subclasses provide ---------------------------------------------------------------
    def request(self, text: str, source: str, target: str) -> str:
        """Translate one text with one call of the service (codes already mapped)."""
        raise NotImplementedError

    def api_key(self) -> str | None:
        return os.environ.get(self.key_variable) if self.key_variable else None

    def missing_configuration(self) -> tuple[str, str] | None:
        """Why the engine cannot run at all (no key, no URL) and the fix; None when ready."""
        if self.key_variable and not self.api_key():
            return f"no API key in {self.key_variable}", f"export {self.key_variable}=<your key>"
        return None

    def pair_status(self, source: str, target: str) -> PairStatus:
        problem = self.missing_configuration()
        if problem:
            return PairStatus(source, target, False, *problem)
        for lang in (source, target):
            if self.code(lang) is None:
                return PairStatus(source, target, False, f"{lang} is not a language of {self.name}")
        return PairStatus(source, target, True, "online (not checked)")

    # --- the shared loop -------------------------------------------------------------------------
    def translate_batch(self, texts: list[str], source: str, target: str) -> list[str | None]:
        src, tgt = self.code(source), self.code(target)
        results: list[str | None] = []
        try:
            for text in texts:
                cached = self.cache.get(self.name, src, tgt, text) if self.cache else None
                if cached is not None:
                    results.append(cached)
                    continue
                translation = self.call(lambda: self.request(text, src, tgt))
                if not isinstance(translation, str) or not translation.strip():
                    translation = None
                if translation is not None and self.cache:
                    self.cache.put(self.name, src, tgt, text, translation)
                results.append(translation)
        except EngineError as error:
            error.partial = results + [None] * (len(texts) - len(results))
            raise
        return results

    def call(self, send: Callable[[], object], refused: object = None) -> object:
        """``send()`` (one exchange with the service) with bounded retries of what can pass.

        Retried: a timeout, HTTP 503, HTTP 429 with a ``Retry-After`` of at most a minute (the
        engine pauses that long). Any other HTTP error or a refused connection raises
        :class:`EngineError` at once. When the service answered but gave no usable result
        (deep-translator's "translation not found", a text it refuses before sending), the
        answer is ``refused``: that text failed, the next one may not.
        """
        import requests

        attempt = 0
        while True:
            self._wait_for_pause()
            token = _timeout.set(self.timeout)
            _last_answer.set(None)
            try:
                self.requests_sent += 1
                return send()
            except requests.Timeout:
                if attempt >= self.retries:
                    raise EngineUnreachable(f"{self.name}: {self._where()} did not answer within "
                                            f"{self.timeout:g} s ({attempt + 1} tries)") from None
                self.sleep(self.backoff * 2 ** attempt)
            except requests.ConnectionError as error:
                raise EngineUnreachable(f"{self.name}: {self._where()} did not answer ({_short(error)})") from None
            except EngineError:
                raise
            except Exception:  # deep-translator raises its own types for every failure
                answer = _last_answer.get() or {}
                status = answer.get("status")
                if status is None or status < 400:
                    return refused
                self._after_error(status, answer.get("retry_after"), attempt)
            finally:
                _timeout.reset(token)
            attempt += 1

    def _after_error(self, status: int, retry_after: str | None, attempt: int) -> None:
        """Pause before the next try of an error that can pass; raise for every other one."""
        where = f"HTTP {status} from {self._where()}"
        if status in (401, 403):
            raise EngineUnavailable(f"{self.name}: {where} (the API key was refused)")
        wait = _seconds(retry_after)
        if status == 429 and (wait is None or wait > MAX_PAUSE):
            later = "no Retry-After" if wait is None else f"Retry-After {wait:g} s"
            raise RateLimited(f"{self.name}: {where} ({later}: not retried)")
        if status not in (429, 503):
            raise EngineError(f"{self.name}: {where}")
        if attempt >= self.retries:
            error = RateLimited if status == 429 else EngineError
            raise error(f"{self.name}: {where}, {attempt + 1} times")
        self._pause(wait if wait is not None else self.backoff * 2 ** attempt)

    def _where(self) -> str:
        answer = _last_answer.get() or {}
        return answer.get("url") or str(self.settings.get("url") or self.name)

    def _pause(self, seconds: float) -> None:
        self.paused_until = time.monotonic() + min(max(seconds, 0.0), MAX_PAUSE)

    def _wait_for_pause(self) -> None:
        remaining = self.paused_until - time.monotonic()
        if remaining > 0:
            self.sleep(remaining)


def _seconds(retry_after: str | None) -> float | None:
    """``Retry-After`` in seconds (the HTTP-date form counts as absent)."""
    try:
        return float(retry_after) if retry_after else None
    except ValueError:
        return None


def _short(error: Exception) -> str:
    text = str(error)
    for marker in ("Connection refused", "Name or service not known", "timed out", "Temporary failure"):
        if marker in text:
            return marker.lower()
    return type(error).__name__


def first_code(lang: str, known: Iterable[str], aliases: dict[str, str] | None = None) -> str | None:
    """The first of ``pt-BR``, ``pt`` (after ``aliases``) that an engine knows.

    >>> first_code("pt_BR", {"pt", "es"})
    'pt'
    >>> first_code("he", {"iw"}, {"he": "iw"})
    'iw'
    """
    known = set(known)
    aliases = aliases or {}
    full = lang.replace("_", "-")
    for candidate in (full, full.lower(), lang.split("_")[0]):
        candidate = aliases.get(candidate, candidate)
        if candidate in known:
            return candidate
    return None


@dataclass
class DeepTranslatorEngine(HTTPEngine):
    """An engine reached through deep-translator: a language map and one ``translate`` call.

    ``languages`` holds the engine's codes; ``aliases`` maps Chorus codes (``zh_TW`` as
    ``zh-TW``, ``he``) to the engine's where they differ. :meth:`translator` builds the
    deep-translator object; its module's ``requests`` goes through :data:`HTTP`.
    """

    languages: ClassVar[frozenset[str]] = frozenset()
    aliases: ClassVar[dict[str, str]] = {}

    def code(self, lang: str) -> str | None:
        return first_code(lang, self.languages, self.aliases)

    def translator(self, source: str, target: str):
        raise NotImplementedError

    def request(self, text: str, source: str, target: str) -> str:
        return self.translator(source, target).translate(text)
