"""What changed in one catalog since a moment: the core of the review page's live updates.

Everything comes from what is stored, never from one process's memory, so a change made by
any process (a gunicorn worker, ``chorus revert``, the API, a git sync, Poedit) reaches every
watcher:

- the records' change feed (:meth:`chorus.records.Records.changes_since`): saves, approvals,
  reverts and comments, with ids that only grow; a watcher remembers the last id it saw;
- the catalog file itself: when it was replaced since the last look, the segments whose
  revision differs are changed too (a merge, a PO editor, ``chorus pretranslate``), and a
  segment added or removed (``chorus update``) changes the statement's shape;
- who has which segment open (claims end on their own after a few minutes, so they are
  compared, not logged).

>>> watch = Watch(project, records, "stop-the-attacks", "es", since=None)     # doctest: +SKIP
>>> news = watch.poll()                                                        # doctest: +SKIP
>>> news.segments, news.claims_changed, news.cursor                            # doctest: +SKIP
({'a1b2c3d4e5f6'}, False, 42)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import catalog
from .project import Project
from .records import Records


@dataclass
class News:
    """One look at a catalog: what changed since the previous look."""

    segments: set[str] = field(default_factory=set)  # ids whose row must be shown anew
    claims_changed: bool = False
    reshaped: bool = False  # segments were added or removed: the page must be made anew
    cursor: int = 0  # the last feed id seen

    def __bool__(self) -> bool:
        return bool(self.segments or self.claims_changed or self.reshaped)


def _stamp(path: os.PathLike) -> tuple | None:
    """What tells a rewritten catalog from an unchanged one without reading it (writes replace
    the file, so its inode changes along with its time and size)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def revisions(path: os.PathLike) -> dict[str, str]:
    """Segment id → revision, of the catalog at ``path`` as it is now."""
    from .editing import revision, segment_id

    return {segment_id(entry): revision(entry) for entry in catalog.live_entries(catalog.read(path))}


class Watch:
    """Follows the catalog of ``slug``/``lang``. ``since``: the feed id the watcher has seen (a
    page says which it was made at; a browser that reconnects sends its ``Last-Event-ID``);
    None for "from now on"."""

    def __init__(self, project: Project, records: Records, slug: str, lang: str, since: int | None = None):
        self.records, self.slug, self.lang = records, slug, lang
        self.path = project.catalog_path(slug, lang)
        newest = records.last_change()
        # an id from the future (another project, a reset instance) counts as "from now on"
        self.cursor = newest if since is None or since > newest else max(0, since)
        self._stamp = _stamp(self.path)
        self.revisions = revisions(self.path) if self._stamp else {}
        self.claims = records.claims(slug, lang)

    def poll(self) -> News:
        """What changed since the last call (or since ``since``, the first time)."""
        news = News(cursor=self.cursor)
        for row_id, segment, _kind in self.records.changes_since(self.slug, self.lang, self.cursor):
            news.segments.add(segment)
            news.cursor = row_id
        self.cursor = news.cursor
        stamp = _stamp(self.path)
        if stamp != self._stamp:
            self._stamp = stamp
            now = revisions(self.path) if stamp else {}
            if set(now) != set(self.revisions):
                news.reshaped = True
            news.segments |= {seg for seg, rev in now.items() if self.revisions.get(seg, rev) != rev}
            self.revisions = now
        claims = self.records.claims(self.slug, self.lang)
        if claims != self.claims:
            news.claims_changed = True
            self.claims = claims
        news.segments &= set(self.revisions)  # a feed row for a segment that is gone
        return news
