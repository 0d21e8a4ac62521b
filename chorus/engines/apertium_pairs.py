"""Which Apertium modes are installed, and the shortest chain of them from one language to another.

Debian packages Apertium pairs between neighbouring languages: English reaches Spanish,
Catalan and Galician directly, and French, Portuguese, Italian, Occitan, Asturian or Aragonese
only through Spanish or Catalan. A :class:`Modes` folder is read as a graph whose nodes are
languages (``eng-spa.mode`` and ``es-fr.mode`` meet at Spanish, whatever code each pair uses)
and :meth:`Modes.chain` finds the shortest path:

>>> modes = Modes.from_names(["eng-spa", "eng-cat", "es-fr", "cat-fra", "ro-es"])
>>> [hop.mode for hop in modes.chain("en", "fr").hops]
['eng-spa', 'es-fr']
>>> modes.chain("en", "fr").label
'en>es>fr'
>>> modes.chain("en", "ro") is None
True

Among chains of the same length the preferred pivot wins (Spanish, then Catalan, by default;
``[apertium] pivots`` in chorus.toml changes the list, ``pivots = []`` allows direct pairs only).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

MODES_DIR = Path("/usr/share/apertium/modes")
DEFAULT_PIVOTS = ("es", "ca")
MAX_HOPS = 3

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
ISO1 = {three: two for two, three in ISO3.items()}
# Serbo-Croatian pairs serve Serbian, Croatian and Bosnian; Malay pairs use zlm.
GROUPS = {"sr": ["hbs"], "hr": ["hbs"], "bs": ["hbs"], "ms": ["zlm"]}

_MODE_NAME = re.compile(r"^([a-z]{2,3}(?:_[A-Za-z0-9]+)?)-([a-z]{2,3}(?:_[A-Za-z0-9]+)?)$")


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


def node(code: str) -> str:
    """The language an Apertium code stands for, in Chorus's form (``por_BR`` → ``pt_BR``).

    >>> node("spa"), node("es"), node("cat_valencia"), node("hbs")
    ('es', 'es', 'ca_valencia', 'hbs')
    """
    base, sep, variant = code.partition("_")
    return ISO1.get(base, base) + sep + variant


def nodes_for(lang: str) -> list[str]:
    """The graph nodes that serve a Chorus language, most specific first.

    >>> nodes_for("pt_BR"), nodes_for("sr")
    (['pt_BR', 'pt'], ['sr', 'hbs'])
    """
    return list(dict.fromkeys(node(code) for code in candidates(lang)))


@dataclass(frozen=True)
class Hop:
    source: str  # graph node
    target: str
    mode: str  # the mode file's name (``eng-spa``)


@dataclass(frozen=True)
class Chain:
    """The modes that take a text from one language to another, in order."""

    hops: tuple[Hop, ...]

    @property
    def label(self) -> str:
        """``en>es>fr``: the languages the text passes through."""
        return ">".join([self.hops[0].source] + [hop.target for hop in self.hops])

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(hop.mode for hop in self.hops)

    @property
    def pivoted(self) -> bool:
        return len(self.hops) > 1

    def describe(self) -> str:
        """``mode eng-spa`` for a direct pair, ``en>es>fr (modes eng-spa, es-fr)`` for a chain."""
        if not self.pivoted:
            return f"mode {self.hops[0].mode}"
        return f"{self.label} (modes {', '.join(self.modes)})"


class Modes:
    """The installed modes as a graph of languages."""

    def __init__(self, names: Iterable[str], pivots: Iterable[str] | None = None, max_hops: int = MAX_HOPS):
        self.names = sorted(set(names))
        self.pivots = list(DEFAULT_PIVOTS if pivots is None else pivots)
        self.restricted = pivots is not None  # only the listed pivots, not every language
        self.max_hops = max(1, max_hops)
        edges: dict[str, dict[str, str]] = {}
        for name in self.names:
            parsed = _MODE_NAME.match(name)
            if not parsed:
                continue  # eco-es-fr, spa-ast-pn: alternative modes, not plain pairs
            source, target = node(parsed.group(1)), node(parsed.group(2))
            known = edges.setdefault(source, {}).get(target)
            if known is None or _preferred(name, known):
                edges[source][target] = name
        self.edges = edges

    @classmethod
    def from_names(cls, names: Iterable[str], **options) -> "Modes":
        return cls(names, **options)

    @classmethod
    def read(cls, folder: Path, **options) -> "Modes":
        names = [path.stem for path in folder.glob("*.mode")] if folder.is_dir() else []
        return cls(names, **options)

    def direct(self, source: str, target: str) -> str | None:
        """The installed mode of a pair without pivot (``eng-spa``), or None."""
        found = self.chain(source, target, max_hops=1)
        return found.hops[0].mode if found else None

    def chain(self, source: str, target: str, max_hops: int | None = None) -> Chain | None:
        """The shortest chain of installed modes from ``source`` to ``target``, or None."""
        starts, ends = nodes_for(source), nodes_for(target)
        limit = self.max_hops if max_hops is None else max_hops
        paths: list[list[Hop]] = [[]]
        for _ in range(limit):
            longer: list[list[Hop]] = []
            for path in paths:
                heads = [path[-1].target] if path else starts
                seen = {hop.source for hop in path} | set(heads)
                for head in heads:
                    if path and not self._pivot_allowed(head):
                        continue
                    for target_node, mode in sorted(self.edges.get(head, {}).items()):
                        if target_node not in seen or target_node in ends:
                            longer.append(path + [Hop(head, target_node, mode)])
            arrived = [path for path in longer if path[-1].target in ends]
            if arrived:
                best = min(arrived, key=lambda path: self._rank(path, starts, ends))
                return Chain(tuple(best))
            paths = [path for path in longer if path[-1].target not in ends]
            if not paths:
                return None
        return None

    def modes_from(self, lang: str) -> list[str]:
        """Installed modes that translate *from* ``lang`` (a language may be served one way only)."""
        ends = nodes_for(lang)
        return sorted({mode for end in ends for mode in self.edges.get(end, {}).values()})

    def installed_packages(self, packages: Iterable[str]) -> list[str]:
        """The pair packages (``apertium-es-ro``) of which a mode is installed, either way."""
        found = []
        for name in packages:
            parts = name.split("-")
            if len(parts) != 3:
                continue
            one, two = node(parts[1]), node(parts[2])
            if two in self.edges.get(one, {}) or one in self.edges.get(two, {}):
                found.append(name)
        return found

    def _pivot_allowed(self, language: str) -> bool:
        return not self.restricted or language in self.pivots

    def _rank(self, path: list[Hop], starts: list[str], ends: list[str]) -> tuple:
        pivots = [hop.target for hop in path[:-1]]
        return (
            ends.index(path[-1].target),
            starts.index(path[0].source),
            tuple(("_" in pivot, self._pivot_order(pivot), pivot) for pivot in pivots),
            tuple(hop.mode for hop in path),
        )

    def _pivot_order(self, language: str) -> int:
        return self.pivots.index(language) if language in self.pivots else len(self.pivots)


def _preferred(name: str, other: str) -> bool:
    """Between two modes of one pair, the one with three-letter codes (the newer package)."""
    return len(name) > len(other) or (len(name) == len(other) and name < other)


# --- Debian packages ------------------------------------------------------------------------


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


def package_for(source: str, target: str, known: Iterable[str] | None = None) -> str | None:
    """The Debian package that would bring the pair, preferring the newer three-letter names."""
    known = set(debian_packages() if known is None else known)
    best = None
    for src in candidates(source):
        for tgt in candidates(target):
            for name in (f"apertium-{src}-{tgt}", f"apertium-{tgt}-{src}"):
                if name in known and (best is None or len(name) > len(best)):
                    best = name
    return best


def packages_with(lang: str, known: Iterable[str] | None = None) -> list[str]:
    """Debian pair packages that name ``lang`` on either side (``apertium-es-ro`` for ro)."""
    codes = set(candidates(lang))
    found = []
    for name in sorted(set(debian_packages() if known is None else known)):
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "apertium" and (parts[1] in codes or parts[2] in codes):
            found.append(name)
    return found
