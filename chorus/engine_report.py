"""Which engine saves volunteers work: machine and memory drafts against what was published.

From the history (:mod:`chorus.records`): the first time a volunteer saves or approves a draft,
the history row keeps the draft's text and its origin (the catalog's ``# chorus:`` note, such
as ``mt apertium en>es>fr`` or ``tm 96% harbour-strike``). The text volunteers finally
published (the last one saved in a published state of the review policy: approved, or with
``publish = "translated"`` translated or approved) is compared with the draft:

- **segments**: drafts whose sentence was published since;
- **mean distance**: the Levenshtein distance between draft and published text divided by the
  longer one's length (rapidfuzz's normalized distance: 0 is the draft as it was, 1 a rewrite),
  averaged;
- **unchanged**: the share of drafts published exactly as the engine wrote them;
- **waiting**: drafts a volunteer worked on whose sentence is not published yet.

Memory drafts count as one engine, ``tm``, whatever their score and statement. Rows written
before history kept origins have none: they are counted apart (``unrecorded``), never guessed.

>>> found = engine_report(project)                                        # doctest: +SKIP
>>> [(row.engine, row.lang, row.segments, round(row.mean_distance, 2)) for row in found.rows]  # doctest: +SKIP
[('mt apertium', 'es', 12, 0.31), ('tm', 'es', 3, 0.04)]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .project import Project, normalize_lang
from .records import AUTHORING, Records

MACHINE = ("mt ", "tm ")


def engine_of(origin: str) -> str:
    """The engine a draft's origin names: ``tm 96% other`` → ``tm``; an ``mt`` origin as it is.

    >>> engine_of("tm 96% harbour-strike"), engine_of("mt apertium en>es>fr")
    ('tm', 'mt apertium en>es>fr')
    """
    return "tm" if origin.startswith("tm ") else origin


@dataclass
class EngineRow:
    engine: str  # mt apertium, mt apertium en>es>fr, tm, mt openai <model>, …
    lang: str
    segments: int = 0
    mean_distance: float = 0.0
    unchanged: float = 0.0  # share, 0 to 1
    waiting: int = 0

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    rows: list[EngineRow] = field(default_factory=list)
    published: tuple[str, ...] = ("approved",)  # the states counted as published
    unrecorded: int = 0  # drafts volunteers edited before history kept origins

    def as_json(self) -> dict:
        return {"published": list(self.published), "unrecorded": self.unrecorded,
                "engines": [row.as_json() for row in self.rows]}


@dataclass
class _Draft:
    engine: str
    lang: str
    text: str
    final: str | None = None


def engine_report(project: Project, langs: list[str] | None = None, records: Records | None = None) -> Report:
    """Drafts per engine and language against the published text, from the project's history."""
    from rapidfuzz.distance import Levenshtein

    wanted = [normalize_lang(lang) for lang in langs] if langs else None
    records = records or Records.for_project(project)
    published = project.config.policy.published
    report = Report(published=published)
    drafts: list[_Draft] = []
    current: dict[tuple[str, str, str], _Draft] = {}  # segment → the draft its volunteers work on
    for slug, lang, segment, event in records.timeline(wanted):
        key = (slug, lang, segment)
        if event.action == "source":  # the sentence was edited: a draft of the old one ends here
            current.pop(key, None)
            continue
        if event.action not in AUTHORING:
            continue
        if event.old_state == "fuzzy":
            if event.origin is None:
                report.unrecorded += 1
                current.pop(key, None)
            elif event.origin.startswith(MACHINE):
                current[key] = _Draft(engine_of(event.origin), lang, event.old_target)
                drafts.append(current[key])
            else:
                current.pop(key, None)  # a draft of no engine: a translation kept after an update
        draft = current.get(key)
        if draft is not None and event.new_state in published:
            draft.final = event.new_target
    rows: dict[tuple[str, str], list[_Draft]] = {}
    for draft in drafts:
        rows.setdefault((draft.engine, draft.lang), []).append(draft)
    for (engine, lang), group in sorted(rows.items(), key=lambda item: (item[0][1], item[0][0])):
        done = [draft for draft in group if draft.final is not None]
        row = EngineRow(engine, lang, len(done), waiting=len(group) - len(done))
        if done:
            row.mean_distance = sum(Levenshtein.normalized_distance(d.text, d.final) for d in done) / len(done)
            row.unchanged = sum(d.text == d.final for d in done) / len(done)
        report.rows.append(row)
    return report
