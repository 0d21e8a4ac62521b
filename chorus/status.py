"""Progress of each statement in each language, from its catalogs."""

from __future__ import annotations

from . import catalog
from .project import Project

STATE_KEYS = ("untranslated", "fuzzy", "translated", "approved")


def collect(project: Project, slugs: list[str], langs: list[str]) -> list[dict]:
    """One row per statement and language: segments, words, counts and percentages per state.

    A language whose catalog is missing (added to chorus.toml since) counts as untranslated.
    """
    rows = []
    for slug in project.resolve(slugs):
        template = catalog.read(project.template_path(slug))
        for lang in project.resolve_langs(langs):
            path = project.catalog_path(slug, lang)
            counts = catalog.stats(catalog.read(path) if path.exists() else template)
            total = counts["segments"] or 1
            rows.append({
                "statement": slug,
                "lang": lang,
                **counts,
                "percent": {key: round(100 * counts[key] / total, 1) for key in STATE_KEYS},
                "catalog": project.relative(path),
                "missing": not path.exists(),
            })
    return rows
