"""Progress of each statement in each language, read from the project index.

The index (:mod:`chorus.index`) re-reads only the catalogs that changed, so a status of one
statement costs what that statement costs, and a catalog that cannot be read is a row with
an ``error`` (what is wrong, in which file) and, when a command repairs it, ``repair``.

>>> ready({"segments": 4, "approved": 4}, threshold=100), ready({"segments": 4, "approved": 3}, 80)
(True, False)
>>> ready({"segments": 4, "approved": 2, "translated": 2}, 100, publish="translated")
True
"""

from __future__ import annotations

from typing import Callable

from .project import Project

STATE_KEYS = ("untranslated", "fuzzy", "translated", "approved")


def ready(counts: dict, threshold: int, publish: str = "approved") -> bool:
    """Whether a catalog is ready to publish: at least ``threshold`` percent of its segments
    publishable (``publish_threshold`` in chorus.toml): approved, or with ``publish =
    "translated"`` translated or approved. The one place this rule lives: export, the
    dashboard, its filter, the API and ``chorus status`` all ask here (through
    :class:`chorus.policy.ReviewPolicy`)."""
    segments = counts.get("segments", 0)
    published = counts.get("approved", 0) + (counts.get("translated", 0) if publish == "translated" else 0)
    return segments > 0 and 100 * published >= threshold * segments


def percentages(counts: dict) -> dict[str, float]:
    """Share of the segments in each state, in percent with one decimal."""
    total = counts.get("segments", 0) or 1
    return {key: round(100 * counts.get(key, 0) / total, 1) for key in STATE_KEYS}


def collect(project: Project, slugs: list[str], langs: list[str], *,
            progress: Callable[[int, int], None] | None = None, workers: int = 1) -> list[dict]:
    """One row per statement and language: segments, words, counts and percentages per state,
    the catalog's path, ``missing`` (a language added since: counted from the template, and
    ``repair`` says what makes it), ``error`` and ``repair``.

    Unknown statements or languages are a :class:`ChorusError`; broken catalogs are rows.
    """
    from .index import Index

    index = Index(project)
    languages = project.resolve_langs(langs)
    if slugs:
        chosen = index.resolve(slugs)
        index.refresh(chosen, sweep=None, progress=progress, workers=workers)  # what it shows, no more
    else:
        index.refresh(full=True, progress=progress, workers=workers)
        chosen = index.slugs()
    return index.catalog_rows(chosen, languages)


def problems(rows: list[dict]) -> list[dict]:
    """The rows that hold an error, each once per file (a broken template is one problem)."""
    seen: set[str] = set()
    found = []
    for row in rows:
        if row.get("error") and row["error"] not in seen:
            seen.add(row["error"])
            found.append(row)
    return found


def describe_problem(row: dict) -> str:
    """One line: what is wrong, and the command that repairs it when there is one."""
    fix = f"; repair: {row['repair']}" if row.get("repair") else ""
    return f"{row['error']}{fix}"
