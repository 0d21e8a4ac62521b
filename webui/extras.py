"""The review page's helpers from other parts of Chorus: QA checks, glossary, memory, assembly.

Each is optional at run time: when a part is not installed the page shows the segments
without it, and the log says why once.
"""

from __future__ import annotations

import difflib
import html
import importlib
import logging
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from chorus.project import Project

log = logging.getLogger(__name__)
_warned: set[str] = set()


def _module(name: str):
    try:
        return importlib.import_module(f"chorus.{name}")
    except ImportError as error:
        if name not in _warned:
            _warned.add(name)
            log.warning("chorus.%s is not available (%s): the review page goes without it", name, error)
        return None


def _attempt(what: str, function, default):
    """Run a helper; a failure in it costs its panel, not the page."""
    try:
        return function()
    except Exception:  # noqa: BLE001 — one broken helper must not hide the segments
        log.exception("%s failed", what)
        return default


@dataclass
class Helpers:
    """Everything the review page shows beside a segment, looked up once per page."""

    project: Project
    slug: str
    lang: str
    glossary: object = None
    memory: object = None
    checks: object = None
    _loaded: dict = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project, slug: str, lang: str) -> "Helpers":
        helpers = cls(project, slug, lang)
        glossary = _module("glossary")
        if glossary is not None and hasattr(glossary, "Glossary"):
            helpers.glossary = _attempt("loading the glossary", lambda: glossary.Glossary.load(project), None)
        memory = _module("memory")
        if memory is not None and hasattr(memory, "Memory"):
            helpers.memory = _attempt("loading the memory", lambda: memory.Memory.load(project, lang), None)
        checks = _module("checks")
        if checks is not None and hasattr(checks, "check_entry"):
            helpers.checks = checks
        return helpers

    def terms(self, source: str) -> list:
        if self.glossary is None:
            return []
        return _attempt("glossary lookup", lambda: list(self.glossary.terms_in(source, self.lang)), [])

    def warnings(self, source: str, target: str, flags: tuple[str, ...] = ()) -> list:
        """QA findings; checks silenced on the entry (``chorus-ignore:<id>`` flags) are skipped."""
        if self.checks is None or not target:
            return []
        prefix = getattr(self.checks, "IGNORE_FLAG", "chorus-ignore:")
        ignored = [flag[len(prefix):] for flag in flags if flag.startswith(prefix)]
        return _attempt("QA checks", lambda: list(self.checks.check_entry(
            source, target, self.lang, source_lang=self.project.config.source_lang, glossary=self.glossary,
            ignored=ignored)), [])

    def suggestions(self, source: str, limit: int = 3) -> list[dict]:
        if self.memory is None:
            return []
        found = _attempt("memory lookup", lambda: list(self.memory.fuzzy(source, limit=limit + 1, cutoff=75.0)), [])
        results = []
        for suggestion in found:
            if suggestion.slug == self.slug and suggestion.source == source:
                continue  # the segment itself
            results.append({
                "source": suggestion.source, "target": suggestion.target, "score": round(float(suggestion.score)),
                "slug": suggestion.slug, "state": suggestion.state, "diff": diff_html(source, suggestion.source),
            })
        return results[:limit]


_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def diff_html(current: str, other: str) -> Markup:
    """``other`` with what differs from ``current`` marked: <ins> for words only in ``other``,
    <del> for words of ``current`` it lacks. Everything is escaped.

    >>> str(diff_html("Stop the attacks", "Stop the <b>raids</b>"))
    'Stop the <del>attacks</del><ins>&lt;b&gt;raids&lt;/b&gt;</ins>'
    """
    mine, theirs = _WORDS.findall(current), _WORDS.findall(other)
    parts: list[str] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape("".join(theirs[b1:b2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{html.escape(''.join(mine[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{html.escape(''.join(theirs[b1:b2]))}</ins>")
    return Markup("".join(parts))


def preview(project: Project, slug: str, lang: str, segments) -> Markup:
    """The assembled statement, unreviewed segments marked (a plain list when assembly is missing)."""
    assemble = _module("assemble")
    if assemble is not None and hasattr(assemble, "preview_html"):
        fragment = _attempt("preview", lambda: assemble.preview_html(project, slug, lang), None)
        if fragment is not None:
            return Markup(fragment)  # assemble.preview_html escapes the text it puts in
    parts = []
    for segment in segments:
        text = escape(segment.target or segment.source)
        if segment.state != "approved":
            parts.append(Markup('<mark class="unreviewed state-{}" title="{}">{}</mark>').format(
                segment.state, segment.state, text))
        else:
            parts.append(text)
    return Markup('<p class="preview-plain">') + Markup(" ").join(parts) + Markup("</p>")


def export_formats(project: Project) -> list[str]:
    from chorus.project import EXPORT_FORMATS

    return ["source", *EXPORT_FORMATS]


def export_extension(fmt: str, source_suffix: str) -> str:
    """File extension of a download: ``proof`` → ``proof.html``, ``source`` → the source's."""
    if fmt == "source":
        return "md" if source_suffix in (".md", ".markdown") else "txt"
    assemble = _module("assemble")
    return getattr(assemble, "EXTENSIONS", {}).get(fmt, fmt)


def render_export(project: Project, slug: str, lang: str, fmt: str, draft: bool) -> str | None:
    """The localized statement as text, or None when assembly is not available."""
    assemble = _module("assemble")
    if assemble is None or not hasattr(assemble, "render"):
        return None
    return assemble.render(project, slug, lang, fmt, draft=draft)
