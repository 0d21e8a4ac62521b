"""Apertium, local and offline: all texts of a batch go through one ``apertium`` process.

One process start costs about as much as translating a hundred sentences, so texts are never
sent one by one. A batch is written the way ``apertium-destxt`` writes plain text, each text
after a superblank that names it, and ended by ``.[][\\n]`` as destxt ends a paragraph::

    [<seg id=0>]Stop the attacks!.[][\\n][<seg id=1>]Read \\[the report\\]\\[1\\].[][\\n]

The output of ``apertium -u -f none <mode>`` is split on those superblanks; the ids must come
back as 0..N-1 in order, or the batch is translated again one text at a time. Blank-line
separated plain text is not safe: Apertium can merge a multiword across the line break.

Unknown words: ``-u`` asks Apertium not to mark them (``*word``, ``#word``, ``@word``), so a
draft never carries marks a volunteer would have to clean up. Any mark that still shows up in
front of a word is removed unless the source itself had that character.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .base import Engine, EngineError, EngineUnavailable, PairStatus

MODES_DIR = Path("/usr/share/apertium/modes")

# ISO 639-1 → the ISO 639-3 codes Apertium's newer pairs use (older pairs use the 639-1 code).
ISO3 = {
    "af": "afr", "an": "arg", "ar": "ara", "az": "aze", "be": "bel", "bg": "bul", "br": "bre",
    "bs": "bos", "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell",
    "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fa": "fas", "fi": "fin",
    "fr": "fra", "ga": "gle", "gd": "gla", "gl": "glg", "he": "heb", "hi": "hin", "hr": "hrv",
    "hu": "hun", "hy": "hye", "id": "ind", "is": "isl", "it": "ita", "ja": "jpn", "ka": "kat",
    "kk": "kaz", "ko": "kor", "ky": "kir", "lt": "lit", "lv": "lav", "mk": "mkd", "ms": "msa",
    "mt": "mlt", "nb": "nob", "nl": "nld", "nn": "nno", "no": "nor", "oc": "oci", "pl": "pol",
    "pt": "por", "ro": "ron", "ru": "rus", "sc": "srd", "se": "sme", "sk": "slk", "sl": "slv",
    "sq": "sqi", "sr": "srp", "sv": "swe", "sw": "swa", "tr": "tur", "tt": "tat", "uk": "ukr",
    "ur": "urd", "zh": "zho",
}
# Serbo-Croatian pairs serve Serbian, Croatian and Bosnian; Malay pairs use zlm.
GROUPS = {"sr": ["hbs"], "hr": ["hbs"], "bs": ["hbs"], "ms": ["zlm"]}

_ESCAPE = re.compile(r"[\[\]^$@\\/<>{}]")
_SUPERBLANK = re.compile(r"\s*~\s*|\s{2,}|[^\S ]")
_TOKEN = re.compile(r"\\.|\[((?:\\.|[^\]\\])*)\]|[^\\\[]+", re.S)
_SEGMENT = re.compile(r"^<seg id=(\d+)>$")
_MARK = re.compile(r"(?<![\w\\])([*#@])(?=\w)")


def candidates(lang: str) -> list[str]:
    """Apertium codes to try for a Chorus language code, most specific first.

    >>> candidates("pt_BR")
    ['por_BR', 'pt_BR', 'por', 'pt']
    >>> candidates("sr")
    ['srp', 'sr', 'hbs']
    """
    base, _, region = lang.partition("_")
    codes = [ISO3[base], base] if base in ISO3 else [base]
    if region:
        codes = [f"{code}_{region}" for code in codes] + codes
    return codes + GROUPS.get(base, [])


def escape(text: str) -> str:
    """Plain text as ``apertium-destxt`` writes it.

    >>> escape("Read [this] @ 5$  now")
    'Read \\\\[this\\\\] \\\\@ 5\\\\$[  ]now'
    """
    escaped = _ESCAPE.sub(lambda match: "\\" + match.group(), text)
    return _SUPERBLANK.sub(lambda match: f"[{match.group()}]", escaped)


def batch_input(texts: list[str]) -> str:
    return "".join(f"[<seg id={number}>]{escape(text)}.[][\n]" for number, text in enumerate(texts))


def split_output(output: str, count: int) -> list[str] | None:
    """The texts of a batch's output (``-f none``), or None unless ids 0..count-1 came back in order.

    This does what ``apertium-retxt`` does (superblanks to their content, escapes undone, the
    paragraph-end dot removed) but splits on the id superblanks first, so no translated text
    can ever be mistaken for a boundary.
    """
    pieces: list[list[str]] = []
    expected = 0
    for match in _TOKEN.finditer(output):
        token, blank = match.group(), match.group(1)
        if blank is not None:
            marker = _SEGMENT.match(blank)
            if marker:
                if int(marker.group(1)) != expected:
                    return None
                expected += 1
                pieces.append([])
                continue
        if not pieces:
            if token.strip():
                return None
            continue
        pieces[-1].append(token)
    if expected != count:
        return None
    return [_finish(piece) for piece in pieces]


def _finish(tokens: list[str]) -> str:
    while tokens and tokens[-1] in ("[]", "[\n]", "\n"):
        tokens.pop()
    text = "".join(_plain(token) for token in tokens)
    if text.endswith("."):
        text = text[:-1]
    return text.strip()


def _plain(token: str) -> str:
    if token.startswith("\\"):
        return token[1:]
    if token.startswith("["):
        return token[1:-1]
    return token


def strip_marks(translation: str, source: str) -> str:
    """Remove unknown-word marks Apertium may still leave (``*word``, ``#word``, ``@word``)."""
    return _MARK.sub(lambda match: match.group() if match.group(1) in source else "", translation)


@lru_cache(maxsize=1)
def debian_packages() -> tuple[str, ...]:
    """Names of Apertium pair packages known to apt on this machine (empty when apt is absent)."""
    if not shutil.which("apt-cache"):
        return ()
    try:
        result = subprocess.run(["apt-cache", "pkgnames", "apertium-"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(sorted(result.stdout.split()))


def package_for(source: str, target: str) -> str | None:
    """The Debian package that would bring the pair, preferring the newer three-letter names."""
    known = set(debian_packages())
    best = None
    for src in candidates(source):
        for tgt in candidates(target):
            for name in (f"apertium-{src}-{tgt}", f"apertium-{tgt}-{src}"):
                if name in known and (best is None or len(name) > len(best)):
                    best = name
    return best


@dataclass
class ApertiumEngine(Engine):
    name = "apertium"
    description = "Apertium, local and offline (Debian packages apertium and apertium-<pair>)"
    batch_size = 2000

    @property
    def modes_dir(self) -> Path:
        return Path(self.settings.get("modes", MODES_DIR))

    @property
    def timeout(self) -> float:
        return float(self.settings.get("timeout", 600))

    def installed_modes(self) -> list[str]:
        if not self.modes_dir.is_dir():
            return []
        return sorted(path.stem for path in self.modes_dir.glob("*.mode"))

    def mode(self, source: str, target: str) -> str | None:
        """The installed mode for a pair (``eng-spa``), or None."""
        modes = set(self.installed_modes())
        for src in candidates(source):
            for tgt in candidates(target):
                if f"{src}-{tgt}" in modes:
                    return f"{src}-{tgt}"
        return None

    def code(self, lang: str) -> str | None:
        return candidates(lang)[0]

    def pair_status(self, source: str, target: str) -> PairStatus:
        if not shutil.which("apertium"):
            return PairStatus(source, target, False, "the apertium program is not installed",
                              "apt-get install apertium")
        mode = self.mode(source, target)
        if mode:
            return PairStatus(source, target, True, f"mode {mode}")
        package = package_for(source, target)
        if package:
            return PairStatus(source, target, False, "pair not installed", f"apt-get install {package}")
        return PairStatus(source, target, False, "no Apertium pair packaged for Debian",
                          "use the apy engine or an online engine for this language")

    def translate_batch(self, texts: list[str], source: str, target: str) -> list[str | None]:
        mode = self.mode(source, target)
        if mode is None:
            raise EngineUnavailable(f"apertium has no {source}→{target} pair")
        translated = split_output(self.run(mode, batch_input(texts)), len(texts))
        if translated is None:
            translated = [self._one(mode, text) for text in texts]
        return [strip_marks(out, text) if out else None for out, text in zip(translated, texts)]

    def _one(self, mode: str, text: str) -> str | None:
        result = split_output(self.run(mode, batch_input([text])), 1)
        return result[0] if result else None

    def warm_up(self, source: str, target: str) -> None:
        """Start the pipeline now: it loads its dictionaries while the catalogs are being read."""
        mode = self.mode(source, target)
        if mode and mode not in self._warm:
            try:
                self._warm[mode] = self._start(mode)
            except OSError:
                pass  # run() will say what is wrong

    def close(self) -> None:
        for process in self._warm.values():
            process.kill()
            process.wait()
        self._warm.clear()

    @property
    def _warm(self) -> dict[str, subprocess.Popen]:
        if "_warm_processes" not in self.__dict__:
            self.__dict__["_warm_processes"] = {}
        return self.__dict__["_warm_processes"]

    def _start(self, mode: str) -> subprocess.Popen:
        command = ["apertium", "-u", "-f", "none"]
        if self.modes_dir != MODES_DIR:
            command += ["-d", str(self.modes_dir.parent)]
        command.append(mode)
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, mode: str, data: str) -> str:
        """One ``apertium`` process over escaped input; the raw ``-f none`` output."""
        try:
            process = self._warm.pop(mode, None) or self._start(mode)
        except FileNotFoundError:
            raise EngineUnavailable("the apertium program is not installed (apt-get install apertium)") from None
        try:
            stdout, stderr = process.communicate(data.encode("utf-8"), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise EngineError(f"apertium {mode} took longer than {self.timeout:.0f} s") from None
        if process.returncode != 0:
            message = stderr.decode("utf-8", "replace").strip().splitlines()
            raise EngineError(f"apertium {mode} failed: {message[-1] if message else f'exit {process.returncode}'}")
        return stdout.decode("utf-8", "replace")
