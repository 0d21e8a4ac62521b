"""A Chorus project: a folder with chorus.toml, source/ and translations/.

>>> normalize_lang("pt-br")
'pt_BR'
>>> slugify("Stop the Attacks.txt")
'stop-the-attacks'
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from .errors import ChorusError
from .text import name_problem

CONFIG_NAME = "chorus.toml"
DEFAULT_CHAIN = ("memory", "apertium")
TM_FOLDER = ".tm"  # imported TMX files, in translations/ (they travel with the translations)
SOURCE_SUFFIXES = (".txt", ".md", ".markdown")
EXPORT_FORMATS = ("txt", "md", "html", "proof")

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # with match(): the whole name ($ allows a "\n")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,2}\Z")
MAX_SLUG = 80


def normalize_lang(code: str) -> str:
    """A language code checked against Babel's locale data, in gettext form (``pt_BR``)."""
    cleaned = code.strip()
    if not _LANG.match(cleaned):
        raise ChorusError(f"not a language code: {code!r} (use codes such as es, fr, pt_BR)")
    try:
        locale = Locale.parse(cleaned.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ChorusError(f"unknown language code: {code!r} (use codes such as es, fr, pt_BR)") from None
    return str(locale)


def parse_langs(text: str) -> list[str]:
    langs = [normalize_lang(code) for code in text.split(",") if code.strip()]
    if not langs:
        raise ChorusError("no target language given (for example --langs es,fr,de)")
    return list(dict.fromkeys(langs))


def slugify(filename: str) -> str:
    """Lowercase ASCII words joined by hyphens, from a file name (its suffix dropped)."""
    stem = Path(filename).name
    for suffix in SOURCE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")


def check_slug(slug: str) -> str:
    """The statement name ``slug`` in its NFKC form (``ｓｔｏｐ`` → ``stop``), if it is one:
    lowercase ASCII letters, digits and single hyphens, at most 80 characters.

    >>> check_slug("stop-the-attacks")
    'stop-the-attacks'
    """
    normal = unicodedata.normalize("NFKC", slug)
    if not _SLUG.match(normal) or len(normal) > MAX_SLUG:
        problem = name_problem(normal)
        raise ChorusError(
            f"not a valid statement name: {slug!r} "
            f"({problem + '; use ' if problem else ''}lowercase letters, digits and hyphens only)"
        )
    return normal


@dataclass
class Config:
    source_lang: str
    langs: list[str]
    chains: dict[str, list[str]] = field(default_factory=dict)
    formats: list[str] = field(default_factory=lambda: ["source", "html"])
    publish_threshold: int = 100
    settings: dict = field(default_factory=dict)
    front_matter: tuple[str, ...] = ("title", "description", "summary", "excerpt", "subtitle")
    policy: "ReviewPolicy | None" = None  # publish, self_approval and the threshold together

    def __post_init__(self) -> None:
        if self.policy is None:
            from .policy import ReviewPolicy

            self.policy = ReviewPolicy(threshold=self.publish_threshold)

    def chain(self, lang: str) -> list[str]:
        return list(self.chains.get(lang, self.chains.get("default", DEFAULT_CHAIN)))


def render_config(source_lang: str, langs: list[str]) -> str:
    quoted = ", ".join(f'"{lang}"' for lang in langs)
    chain = ", ".join(f'"{name}"' for name in DEFAULT_CHAIN)
    return f"""# Chorus project settings.
source_lang = "{source_lang}"
langs = [{quoted}]

# Export formats: "source" (the statement's own: .txt or .md), "txt", "md", "html", "proof".
formats = ["source", "html"]

# What a published statement may contain: "approved" (four eyes: a second volunteer approved
# each sentence) or "translated" (what a volunteer saved). Nobody approves their own text unless
# self_approval = true.
publish = "approved"
self_approval = false

# Percentage of publishable segments a statement needs before it is exported.
publish_threshold = 100

# Front-matter fields of Markdown statements (YAML or TOML) offered for translation.
front_matter = ["title", "description", "summary", "excerpt", "subtitle"]

# Pretranslation: the chain of sources tried in order for each language.
# "memory" reuses approved translations; engines: apertium, apy, google, deepl, ...
[engines]
default = [{chain}]
# de = ["memory", "libre"]
"""


class Project:
    """Paths and settings of one project folder."""

    def __init__(self, root: Path, config: Config):
        self.root = root
        self.config = config

    @classmethod
    def load(cls, root: str | Path | None = None) -> "Project":
        folder = Path(root or ".").resolve()
        path = folder / CONFIG_NAME
        if not path.is_file():
            raise ChorusError(f"no {CONFIG_NAME} in {folder} (run 'chorus init' there, or pass --project DIR)")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ChorusError(f"{CONFIG_NAME} is not valid TOML: {error}") from None
        return cls(folder, _config_from(data))

    @classmethod
    def create(cls, root: str | Path, source_lang: str, langs: list[str]) -> "Project":
        folder = Path(root).resolve()
        source_lang = normalize_lang(source_lang)
        langs = [lang for lang in langs if lang != source_lang]
        config_path = folder / CONFIG_NAME
        if config_path.exists():
            raise ChorusError(f"{config_path} already exists")
        if folder.exists() and not folder.is_dir():
            raise ChorusError(f"{folder} is not a directory")
        for name in ("source", "translations"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        try:  # made only if absent: of two concurrent inits, one wins and the other is told
            with open(config_path, "x", encoding="utf-8") as handle:
                handle.write(render_config(source_lang, langs))
        except FileExistsError:
            raise ChorusError(f"{config_path} already exists") from None
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text(".chorus/\n*.lock\n", encoding="utf-8")
        return cls.load(folder)

    # --- folders -------------------------------------------------------------------------
    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def translations_dir(self) -> Path:
        return self.root / "translations"

    @property
    def private_dir(self) -> Path:
        """Caches, accounts and other state that is not part of the translations."""
        return self.root / ".chorus"

    # --- statements ----------------------------------------------------------------------
    def statements(self) -> list[str]:
        """Slugs of the ingested statements."""
        try:
            entries = list(os.scandir(self.translations_dir))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(
            entry.name
            for entry in entries
            if entry.is_dir() and _SLUG.match(entry.name)
            and os.path.isfile(os.path.join(entry.path, f"{entry.name}.pot"))
        )

    def resolve(self, slugs: tuple[str, ...] | list[str]) -> list[str]:
        """The named statements (all of them when none is named); unknown names are an error."""
        known = self.statements()
        if not slugs:
            return known
        slugs = [check_slug(slug) for slug in slugs]
        for slug in slugs:
            if slug not in known:
                hint = f" (known: {', '.join(known)})" if known else " (none added yet: use 'chorus add FILE')"
                raise ChorusError(f"unknown statement: {slug}{hint}")
        return list(dict.fromkeys(slugs))

    def resolve_langs(self, langs: tuple[str, ...] | list[str] | None) -> list[str]:
        if not langs:
            return list(self.config.langs)
        chosen = [normalize_lang(lang) for lang in langs]
        for lang in chosen:
            if lang not in self.config.langs:
                raise ChorusError(
                    f"{lang} is not a target language of this project "
                    f"(targets: {', '.join(self.config.langs)}; add it to {CONFIG_NAME})"
                )
        return chosen

    def source_path(self, slug: str) -> Path:
        check_slug(slug)
        for suffix in SOURCE_SUFFIXES:
            candidate = self.source_dir / f"{slug}{suffix}"
            if candidate.is_file():
                return candidate
        raise ChorusError(f"no source for {slug} in source/ (expected source/{slug}.txt or .md)")

    def statement_dir(self, slug: str) -> Path:
        return self.translations_dir / check_slug(slug)

    def template_path(self, slug: str) -> Path:
        return self.statement_dir(slug) / f"{slug}.pot"

    def catalog_path(self, slug: str, lang: str) -> Path:
        if lang not in self.config.langs:
            normalize_lang(lang)
        return self.statement_dir(slug) / f"{lang}.po"

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _threshold(value) -> int:
    """``publish_threshold``: a whole percentage (``80``, ``80.0`` or ``"80"``), 0 to 100."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or not 0 <= value <= 100 or value != int(value):
        raise ChorusError(f"publish_threshold must be a whole number between 0 and 100, not {value!r}")
    return int(value)


def _config_from(data: dict) -> Config:
    try:
        source_lang = normalize_lang(str(data.get("source_lang", "en")))
        langs = [normalize_lang(str(lang)) for lang in data.get("langs", [])]
        chains = {
            (key if key == "default" else normalize_lang(key)): [str(name) for name in value]
            for key, value in data.get("engines", {}).items()
            if isinstance(value, list)
        }
        formats = [str(name) for name in data.get("formats", ["source", "html"])]
        threshold = _threshold(data.get("publish_threshold", 100))
        fields = data.get("front_matter", list(Config.front_matter))
        if not isinstance(fields, list) or not all(isinstance(name, str) and name.strip() for name in fields):
            raise ChorusError("front_matter must be a list of field names, such as [\"title\", \"description\"]")
        from .policy import from_settings

        policy = from_settings(data, threshold)
    except ChorusError as error:
        raise ChorusError(f"{CONFIG_NAME}: {error}") from None
    except (TypeError, ValueError, OverflowError) as error:
        raise ChorusError(f"{CONFIG_NAME}: {error}") from None
    unknown = [name for name in formats if name != "source" and name not in EXPORT_FORMATS]
    if unknown:
        raise ChorusError(f"{CONFIG_NAME}: unknown export format {unknown[0]!r}")
    return Config(source_lang, list(dict.fromkeys(langs)), chains, formats, threshold, data,
                  tuple(dict.fromkeys(name.strip() for name in fields)), policy)
