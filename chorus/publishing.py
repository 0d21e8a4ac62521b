"""The publishing rule: which statements may be published, and why the others may not.

The project's review policy (:mod:`chorus.policy`) says which segments are published: approved
ones (``publish = "approved"``, the default), or translated and approved ones. A statement whose
publishable share is below the threshold (``publish_threshold`` in chorus.toml, 100 by default),
or whose translations add raw HTML or an image, is refused with a :class:`NotReady` error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from . import catalog
from .statement import STATE_LABELS, Statement, StatementError
from .text import new_markup

FIRST_BLOCKING = 3


class NotReady(StatementError):
    """A statement whose reviewed share is below the publishing threshold."""


# --- the publishing rule -----------------------------------------------------------------


@dataclass
class Readiness:
    counts: Counter
    total: int
    reviewed: int
    threshold: int
    blocking: list[tuple[str, str]] = field(default_factory=list)  # (segment, state)

    @property
    def percent(self) -> float:
        return 100.0 * self.reviewed / self.total if self.total else 100.0

    @property
    def publishable(self) -> bool:
        return self.percent >= self.threshold

    @property
    def unreviewed(self) -> int:
        return self.total - self.reviewed


def readiness(statement: Statement, threshold: int) -> Readiness:
    states = [(segment, statement.lookup(segment)[1]) for segment in statement.segments()]
    counts = Counter(state for _, state in states)
    blocking = [(segment, state) for segment, state in states if state not in statement.published]
    total = len(states)
    reviewed = sum(counts[state] for state in statement.published)
    return Readiness(counts, total, reviewed, threshold, blocking)


def added_markup(statement: Statement) -> list[tuple[str, list[str]]]:
    """Reviewed segments whose translation has raw HTML or images its source lacks (a
    ``<script>``, a tracking ``<img>``): (segment, what was added). They block publishing."""
    found = []
    for segment in statement.segments():
        msgstr, state = statement.lookup(segment)
        if state in statement.published:
            extra = new_markup(segment, msgstr)
            if extra:
                found.append((segment, extra))
    return found


def check_publishable(statement: Statement, threshold: int) -> Readiness:
    """The statement's readiness; :class:`NotReady` when it is below ``threshold``, or when a
    translation adds raw HTML or an image (see :func:`added_markup`)."""
    ready = readiness(statement, threshold)
    added = added_markup(statement)
    if added:
        first = "; ".join(f"{_short(segment)!r} adds {', '.join(_short(item, 40) for item in extra)}"
                          for segment, extra in added[:FIRST_BLOCKING])
        raise NotReady(
            f"{statement.slug} [{statement.lang}] is not ready to publish: {len(added)} translation"
            f"{'s add' if len(added) > 1 else ' adds'} raw HTML or an image that the source does not have "
            f"(check 'markup'); first: {first}. Remove it in the review page, or export with --draft "
            f"(which shows it as text)",
            statement.slug, statement.lang,
        )
    if ready.publishable:
        return ready
    states = ", ".join(f"{ready.counts[state]} {STATE_LABELS[state]}" for state in catalog.STATES)
    first = "; ".join(f"{_short(segment)!r} ({STATE_LABELS[state]})"
                      for segment, state in ready.blocking[:FIRST_BLOCKING])
    raise NotReady(
        f"{statement.slug} [{statement.lang}] is not ready to publish: {states} "
        f"({ready.percent:.0f}% of {ready.total} segments "
        f"{'approved' if statement.published == ('approved',) else 'reviewed'}, {threshold}% needed); "
        f"first: {first}. Review them, or export with --draft or --threshold N",
        statement.slug, statement.lang,
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def draft_notice(unreviewed: int) -> str:
    noun = "segment" if unreviewed == 1 else "segments"
    return f"Draft: {unreviewed} {noun} unreviewed"
