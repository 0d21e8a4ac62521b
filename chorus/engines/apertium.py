"""Apertium, local and offline: each mode runs as one process for the whole run.

One process start costs about as much as translating a hundred sentences, so texts are never
sent one by one. A batch is written the way ``apertium-destxt`` writes plain text, each text
after a superblank that names it, and ended by ``.[][\\n]`` as destxt ends a paragraph::

    [<seg id=0>]Stop the attacks!.[][\\n][<seg id=1>]Read \\[the report\\]\\[1\\].[][\\n]

The output is split on those superblanks; the ids must come back as 0..N-1 in order, or the
batch is translated again one text at a time. Blank-line separated plain text is not safe:
Apertium can merge a multiword across the line break.

Each mode's pipeline (``apertium-wblank-mode -z``, what the ``apertium`` program runs;
:mod:`.apertium_pipeline`) is started once and kept for the run in null-flush mode: a batch is written followed by ``\\0``
and its translation read up to the ``\\0`` that comes back, so later batches and other
languages pay no start-up. Pivots (``en>es>fr``) pass each batch through the modes of the
chain one after the other; the output of a mode is already in the stream format the next one
reads, so protected parts stay masked across every hop. What a mode made of a text is kept for
the run: French through Spanish reuses the Spanish step of the texts Spanish already had.

Unknown words: the generator runs with ``-n`` (``apertium -u``), so a draft never carries
``*word`` marks a volunteer would have to clean up. Any mark that still shows up in front of a
word is removed unless the source itself had that character.
"""

from __future__ import annotations

import queue
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import ChorusError
from ..glossary import PLACEHOLDERS
from ..project import normalize_lang
from .apertium_pairs import (MAX_HOPS, MODES_DIR, Chain, Modes, candidates, debian_packages, node,
                             package_for, packages_with)
from .apertium_pipeline import Pipeline, pipeline_command
from .base import Engine, EngineError, EngineUnavailable, PairStatus

__all__ = ["MODES_DIR", "ApertiumEngine", "Pipeline", "batch_input", "candidates", "debian_packages", "escape",
           "finish", "package_for", "pipeline_command", "split_output", "split_raw", "strip_marks"]

PARAGRAPH_END = ".[][\n]"
_ESCAPE = re.compile(r"[\[\]^$@\\/<>{}]")
_SUPERBLANK = re.compile(r"\s*~\s*|\s{2,}|[^\S ]")
_TOKEN = re.compile(r"\\.|\[((?:\\.|[^\]\\])*)\]|[^\\\[]+", re.S)
_SEGMENT = re.compile(r"^<seg id=(\d+)>$")
_MARK = re.compile(r"(?<![\w\\])([*#@])(?=\w)")
_WORD_PLACEHOLDER = re.compile(r"\bzq(\d+)qz\b", re.I)
_OPENING = re.compile(r"^(__\d+__) (\w+)")


def escape(text: str) -> str:
    """Plain text as ``apertium-destxt`` writes it.

    >>> escape("Read [this] @ 5$  now")
    'Read \\\\[this\\\\] \\\\@ 5\\\\$[  ]now'
    """
    escaped = _ESCAPE.sub(lambda match: "\\" + match.group(), text.replace("\0", ""))
    return _SUPERBLANK.sub(lambda match: f"[{match.group()}]", escaped)


def body(text: str) -> str:
    """One text as a paragraph of the stream: escaped, with destxt's paragraph end."""
    return escape(text) + PARAGRAPH_END


def join_bodies(bodies: list[str]) -> str:
    return "".join(f"[<seg id={number}>]{part}" for number, part in enumerate(bodies))


def batch_input(texts: list[str]) -> str:
    return join_bodies([body(text) for text in texts])


def split_raw(output: str, count: int) -> list[str] | None:
    """The stream pieces of a batch's output, one per text, or None unless ids 0..count-1 came
    back in order. A piece is still in stream format: it can go through another mode as it is.
    """
    starts: list[int] = []
    ends: list[int] = []
    for match in _TOKEN.finditer(output):
        blank = match.group(1)
        marker = _SEGMENT.match(blank) if blank is not None else None
        if marker:
            if int(marker.group(1)) != len(starts):
                return None
            ends.append(match.start())
            starts.append(match.end())
        elif not starts and match.group().strip():
            return None
    if len(starts) != count:
        return None
    ends = ends[1:] + [len(output)]
    return [output[start:end] for start, end in zip(starts, ends)]


def finish(piece: str) -> str:
    """A stream piece as plain text: what ``apertium-retxt`` does (superblanks to their
    content, escapes undone) and the paragraph-end dot removed."""
    tokens = [match.group() for match in _TOKEN.finditer(piece)]
    while tokens and tokens[-1] in ("[]", "[\n]", "\n"):
        tokens.pop()
    text = "".join(_plain(token) for token in tokens)
    if text.endswith("."):
        text = text[:-1]
    return text.strip()


def split_output(output: str, count: int) -> list[str] | None:
    """The texts of a batch's output, or None unless ids 0..count-1 came back in order.

    This splits on the id superblanks first, so no translated text can ever be mistaken for
    a boundary.
    """
    pieces = split_raw(output, count)
    return None if pieces is None else [finish(piece) for piece in pieces]


def _plain(token: str) -> str:
    if token.startswith("\\"):
        return token[1:]
    if token.startswith("["):
        return token[1:-1]
    return token


def _as_words(piece: str) -> str:
    """Placeholders (``__1__``) as one unknown word each (``zq1qz``): a mode whose tokenizer
    takes ``__`` for punctuation can move it away from its number (``il __voit 1__``); an
    unknown word goes through every mode as it is. Only pivots need it (the second mode reads
    the first one's output)."""
    return PLACEHOLDERS.sub(lambda match: f"zq{match.group(1)}qz", piece)


def _as_placeholders(text: str) -> str:
    return _WORD_PLACEHOLDER.sub(lambda match: f"__{match.group(1)}__", text)


def _initial_case(translation: str, source: str) -> str:
    """After a placeholder that opens the text, Apertium capitalizes the next word as if it
    began the sentence (``Trump Il a attaqué``); keep the case the source has there."""
    opening, said = _OPENING.match(source), _OPENING.match(translation)
    if opening and said and opening.group(2)[:1].islower() and said.group(2)[:1].isupper():
        start = said.start(2)
        return translation[:start] + translation[start].lower() + translation[start + 1:]
    return translation


def strip_marks(translation: str, source: str) -> str:
    """Remove unknown-word marks Apertium may still leave (``*word``, ``#word``, ``@word``)."""
    return _MARK.sub(lambda match: match.group() if match.group(1) in source else "", translation)


# --- the engine --------------------------------------------------------------------------------


@dataclass
class ApertiumEngine(Engine):
    """Settings (``[apertium]`` in chorus.toml): ``modes`` (the modes folder), ``pivots`` (the
    languages a chain may pass through, in order of preference; ``[]`` for direct pairs only),
    ``max_hops`` (default 3), ``timeout`` (seconds per batch, default 600), ``batch_size``."""

    name = "apertium"
    description = "Apertium, local and offline (Debian packages apertium and apertium-<pair>)"
    batch_size = 250  # texts per batch: later batches are translated while drafts are saved
    numbers = {**Engine.numbers, "max_hops": (int, 1)}

    @classmethod
    def check_settings(cls, settings: dict) -> None:
        super().check_settings(settings)
        pivots = settings.get("pivots", [])
        if not isinstance(pivots, list) or not all(isinstance(lang, str) for lang in pivots):
            raise ChorusError('chorus.toml: [apertium] pivots must be a list of language codes, like ["es", "ca"]')
        for lang in pivots:
            normalize_lang(lang)
        if not isinstance(settings.get("modes", ""), str):
            raise ChorusError("chorus.toml: [apertium] modes must be the path of a folder of .mode files")

    @property
    def modes_dir(self) -> Path:
        return Path(self.settings.get("modes", MODES_DIR))

    @property
    def timeout(self) -> float:
        return float(self.settings.get("timeout", 600))

    @property
    def modes(self) -> Modes:
        """The installed modes, read once per engine (once per run)."""
        if "_modes" not in self.__dict__:
            pivots = self.settings.get("pivots")
            self.__dict__["_modes"] = Modes.read(
                self.modes_dir,
                pivots=None if pivots is None else [normalize_lang(lang) for lang in pivots],
                max_hops=int(self.settings.get("max_hops", MAX_HOPS)),
            )
        return self.__dict__["_modes"]

    def installed_modes(self) -> list[str]:
        return list(self.modes.names)

    def mode(self, source: str, target: str) -> str | None:
        """The installed mode of a pair without pivot (``eng-spa``), or None."""
        return self.modes.direct(source, target)

    def chain(self, source: str, target: str) -> Chain | None:
        """The shortest chain of installed modes for a pair, or None."""
        return self.modes.chain(source, target)

    def code(self, lang: str) -> str | None:
        return candidates(lang)[0]

    def label(self, source: str, target: str) -> str:
        found = self.chain(source, target)
        return f"{self.name} {found.label}" if found and found.pivoted else self.name

    def check_pair(self, source: str, target: str) -> None:
        """As :meth:`pair_status` says, without asking apt which packages exist (that takes a
        second): a run says what is missing, ``chorus engines`` what to install."""
        if not shutil.which("apertium"):
            raise EngineUnavailable(f"{self.name} cannot translate {source}→{target}: "
                                    "the apertium program is not installed (apt-get install apertium)")
        if self.chain(source, target) is None:
            why = self._one_way(target) or f"no installed pair reaches {target} (chorus engines shows what can)"
            raise EngineUnavailable(f"{self.name} cannot translate {source}→{target}: {why}")

    def pair_status(self, source: str, target: str) -> PairStatus:
        if not shutil.which("apertium"):
            return PairStatus(source, target, False, "the apertium program is not installed",
                              "apt-get install apertium")
        found = self.chain(source, target)
        if found:
            return PairStatus(source, target, True, found.describe())
        elsewhere = "use the apy engine or an online engine for this language"
        package = package_for(source, target)
        if package:
            return PairStatus(source, target, False, "pair not installed", f"apt-get install {package}")
        one_way = self._one_way(target, name_packages=True)
        if one_way:
            return PairStatus(source, target, False, one_way, elsewhere)
        missing = [name for name in packages_with(target) if not self.modes.installed_packages([name])]
        if missing:
            reachable = [name for name in missing if self._reaches_other_side(source, target, name)]
            return PairStatus(source, target, False, f"no installed pair reaches {target}",
                              f"apt-get install {' '.join((reachable or missing)[:2])}")
        return PairStatus(source, target, False, f"no Apertium pair packaged for Debian translates into {target}",
                          elsewhere)

    def _one_way(self, target: str, name_packages: bool = False) -> str | None:
        """Why a language with installed modes *from* it cannot be reached (Debian's es-ro pair
        only goes from Romanian), or None."""
        modes = self.modes.modes_from(target)
        if not modes:
            return None
        packages = ", ".join(self.modes.installed_packages(packages_with(target))) if name_packages else ""
        return f"no installed pair translates into {target} ({packages + ': ' if packages else ''}only {', '.join(modes)})"

    def _reaches_other_side(self, source: str, target: str, package: str) -> bool:
        """Does an installed chain reach the other language of ``package`` (a pivot to install)?"""
        codes = set(candidates(target))
        others = [code for code in package.split("-")[1:] if code not in codes]
        return any(self.modes.chain(source, node(code)) for code in others)

    def translate_batch(self, texts: list[str], source: str, target: str) -> list[str | None]:
        [drafts] = list(self.translate_many([texts], source, target))
        return drafts

    def translate_many(self, batches: Iterable[list[str]], source: str, target: str) -> Iterator[list[str | None]]:
        """Every batch through every mode of the chain, streamed: each mode works on the next
        batch while the caller (or the next mode) handles this one."""
        found = self.chain(source, target)
        if found is None:
            raise EngineUnavailable(f"apertium has no {source}→{target} pair")
        batches = list(batches)
        stream: Iterator[list[str]] = iter([[body(text) for text in batch] for batch in batches])
        for number, mode in enumerate(found.modes):
            if number:  # placeholders as words of their own from the second hop on
                stream = ([_as_words(piece) for piece in pieces] for pieces in stream)
            stream = self._hop(mode, stream)
        received = 0
        try:
            for batch, pieces in zip(batches, stream):
                received += 1
                results: list[str | None] = []
                for piece, text in zip(pieces, batch):
                    out = _initial_case(_as_placeholders(finish(piece)), text)
                    results.append(strip_marks(out, text) if out else None)
                yield results
        finally:
            stream.close()
            if received < len(batches):  # output may be left in the pipelines: start afresh next time
                for mode in found.modes:
                    self._discard(mode)

    def _hop(self, mode: str, chunks: Iterator[list[str]]) -> Iterator[list[str]]:
        """Each chunk of stream pieces through one mode, in order. A writer thread sends the
        chunks as they come (pieces this run already translated are not sent again); this
        generator receives the outputs."""
        pipeline = self._pipeline(mode)
        done = self._results.setdefault(mode, {})
        sent: queue.Queue = queue.Queue()
        stop = threading.Event()

        def write() -> None:
            in_flight: set[str] = set()
            try:
                for chunk in chunks:
                    if stop.is_set():
                        return
                    todo = [piece for piece in dict.fromkeys(chunk) if piece not in done and piece not in in_flight]
                    in_flight.update(todo)
                    sent.put((chunk, todo))
                    if todo:
                        pipeline.send(join_bodies(todo))
            except BaseException as error:  # raised where the outputs are received
                sent.put(error)
                return
            sent.put(None)

        threading.Thread(target=write, daemon=True, name=f"apertium {mode}").start()
        try:
            while (item := sent.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                chunk, todo = item
                if todo:
                    translated = split_raw(pipeline.receive(self.timeout), len(todo))
                    if translated is None:  # ids lost or shuffled: those texts one at a time
                        translated = self._one_by_one(mode, todo)
                    done.update(zip(todo, translated))
                yield [done[piece] for piece in chunk]
        finally:
            stop.set()

    def _one_by_one(self, mode: str, pieces: list[str]) -> list[str]:
        """Pieces through a pipeline of their own, one at a time (the run's is busy)."""
        pipeline = Pipeline(self.modes_dir / f"{mode}.mode", mode, self.cache_dir)
        try:
            out = []
            for piece in pieces:
                result = split_raw(pipeline.exchange(join_bodies([piece]), self.timeout), 1)
                out.append(result[0] if result else "")
            return out
        finally:
            pipeline.close()

    def run(self, mode: str, data: str) -> str:
        """One batch in stream format through one mode's pipeline; its raw output."""
        return self._pipeline(mode).exchange(data, self.timeout)

    def warm_up(self, source: str, target: str) -> None:
        """Start every mode of the pair's chain: they load their dictionaries while the catalogs
        are being read."""
        found = self.chain(source, target)
        for mode in found.modes if found else ():
            try:
                self._pipeline(mode)
            except EngineError:
                return  # the run will say what is wrong

    def close(self) -> None:
        for pipeline in self._pipelines.values():
            pipeline.close()
        self._pipelines.clear()

    @property
    def _pipelines(self) -> dict[str, Pipeline]:
        return self.__dict__.setdefault("_running", {})

    @property
    def _results(self) -> dict[str, dict[str, str]]:
        return self.__dict__.setdefault("_done", {})

    def _discard(self, mode: str) -> None:
        pipeline = self._pipelines.pop(mode, None)
        if pipeline is not None:
            pipeline.close()

    def _pipeline(self, mode: str) -> Pipeline:
        pipeline = self._pipelines.get(mode)
        if pipeline is None or pipeline.process.poll() is not None:
            pipeline = self._pipelines[mode] = Pipeline(self.modes_dir / f"{mode}.mode", mode, self.cache_dir)
        return pipeline
