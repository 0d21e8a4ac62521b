"""Ingest, then export with identity translations: the source comes back byte for byte.

"Identity" means every msgstr equals its msgid and is not fuzzy. Into the source language
itself nothing else may change; into another language only the dateline (Babel's) and the
front matter's ``lang:`` may differ, and the test says exactly how.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from babel.dates import format_date
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chorus import assemble, catalog
from chorus.ingest import apply, plan_add
from chorus.project import Project, render_config
from conftest import SAMPLES

TARGETS = ("en", "es")


def make_project(root: Path) -> Project:
    """A project from en into en (the identity) and es."""
    for name in ("source", "translations"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "chorus.toml").write_text(render_config("en", list(TARGETS)), encoding="utf-8")
    return Project.load(root)


def ingest_identity(project: Project, files: list[Path]) -> list[str]:
    plans = plan_add(project, files)
    apply(project, plans)
    for plan in plans:
        for lang in TARGETS:
            with catalog.editing(project.catalog_path(plan.slug, lang)) as po:
                for entry in po:
                    entry.msgstr = entry.msgid
                    catalog.set_state(entry, "approved")
    return [plan.slug for plan in plans]


# --- generated statements ------------------------------------------------------------------

WORDS = ["we", "stand", "with", "the", "dockers", "of", "northern", "harbour", "workers",
         "union", "strike", "rent", "Dr.", "US$", "3.8", "bn.", "e.g.", "café", "Straße", "«no»",
         "(two", "them)", "40%", "2024", "Ft.", "Worth", "a", "is", "on", "Friday", "night", "—",
         "it's", "\"order\"", "solidarity@example.org", "#Housing", "São", "Paulo", "naïve"]
MD_WORDS = WORDS + ["*no-fault*", "**October**", "`code`", "_all_"]
ENDS = [".", "!", "?", "."]


@st.composite
def sentence(draw, words=WORDS):
    body = draw(st.lists(st.sampled_from(words), min_size=2, max_size=14))
    first = body[0][:1].upper() + body[0][1:]
    return " ".join([first, *body[1:]]) + draw(st.sampled_from(ENDS))


def hard_wrap(text: str, width: int, prefix: str = "", first: str = "") -> list[str]:
    lines, line = [], first
    for word in text.split(" "):
        if line.strip() and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = prefix + word
        else:
            line = f"{line} {word}" if line.strip() else line + word
    lines.append(line)
    return lines


@st.composite
def paragraph(draw, words=WORDS):
    text = " ".join(draw(st.lists(sentence(words), min_size=1, max_size=4)))
    return "\n".join(hard_wrap(text, draw(st.integers(30, 80))))


@st.composite
def bullet_list(draw, words=WORDS, markdown=False):
    ordered = draw(st.booleans())
    items = draw(st.lists(sentence(words), min_size=1, max_size=4))
    lines = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}. " if ordered else draw(st.sampled_from(["- ", "* "] if markdown else ["- ", "* ", "• "]))
        indent = " " * len(marker)
        lines.extend(hard_wrap(item, draw(st.integers(30, 80)), prefix=indent, first=marker))
    return "\n".join(lines)


@st.composite
def quote(draw, words=WORDS):
    text = " ".join(draw(st.lists(sentence(words), min_size=1, max_size=3)))
    return "\n".join(hard_wrap(text, draw(st.integers(30, 80)), prefix="> ", first="> "))


@st.composite
def slogans(draw):
    lines = draw(st.lists(st.lists(st.sampled_from(["Stop", "the", "attacks", "Solidarity",
                                                     "now", "No", "evictions", "Pay", "carers"]),
                                   min_size=1, max_size=6), min_size=1, max_size=3))
    return "\n".join(" ".join(words).capitalize() + "!" for words in lines)


@st.composite
def dateline(draw):
    date = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)))
    style = draw(st.sampled_from(["full", "long", "day-month", "iso"]))
    text = {"full": format_date(date, "full", locale="en"),
            "long": format_date(date, "long", locale="en"),
            "day-month": f"{date.day} {format_date(date, 'MMMM', locale='en')} {date.year}",
            "iso": date.isoformat()}[style]
    return text, date, style


TITLES = st.lists(st.sampled_from(["Stop", "the", "Attacks", "on", "Harbour", "Workers", "No",
                                   "Wage", "Freeze", "Housing", "Is", "a", "Right"]),
                  min_size=1, max_size=8).map(lambda words: " ".join(w.capitalize() for w in words))
SIGNATURE = st.sampled_from(["— Harbour Solidarity Network", "Care Workers' Assembly",
                             "Tenants United", "– The Strike Committee"])


@st.composite
def plain_statement(draw):
    parts, date = [], None
    if draw(st.booleans()):
        text, date, style = draw(dateline())
        parts.append(text)
    if draw(st.booleans()):
        parts.append(draw(TITLES))
    parts.extend(draw(st.lists(st.one_of(paragraph(), bullet_list(), quote()), min_size=1, max_size=4)))
    if draw(st.booleans()):
        parts.append(draw(slogans()))
    if draw(st.booleans()):
        parts.append(draw(SIGNATURE))
    gaps = [draw(st.sampled_from(["\n\n", "\n\n", "\n\n\n"])) for _ in parts[1:]]
    text = parts[0] + "".join(gap + part for gap, part in zip(gaps, parts[1:]))
    return text + draw(st.sampled_from(["\n", "\n", ""])), (date, style if date else None)


@st.composite
def link(draw):
    label = " ".join(draw(st.lists(st.sampled_from(["our", "full", "report", "letter", "sign"]),
                                   min_size=1, max_size=3)))
    return f"[{label}](https://example.org/{draw(st.sampled_from(['report', 'letter', 'a/b?c=1']))})"


@st.composite
def markdown_statement(draw):
    words = MD_WORDS + [draw(link())]
    parts, date, style, front = [], None, None, ""
    if draw(st.booleans()):
        title = draw(TITLES)
        quoted = draw(st.sampled_from(['"{}"', "{}", "'{}'"])).format(title)
        lines = [f"title: {quoted}"]
        if draw(st.booleans()):
            lines.append(f"date: {draw(st.dates(min_value=dt.date(2000, 1, 1))).isoformat()}")
        lines.append("author: Tenants United")
        front = "---\n" + "\n".join(lines) + "\n---\n\n"
    elif draw(st.booleans()):
        text, date, style = draw(dateline())
        parts.append(text)
    if draw(st.booleans()):
        parts.append("# " + draw(TITLES))
    blocks = st.one_of(paragraph(words), bullet_list(words, markdown=True), quote(words),
                       TITLES.map(lambda t: "## " + t))
    parts.extend(draw(st.lists(blocks, min_size=1, max_size=4)))
    if draw(st.booleans()):
        parts.append(draw(slogans()))
    if draw(st.booleans()):
        parts.append(draw(SIGNATURE).lstrip("—– "))
    text = front + "\n\n".join(parts)
    return text + draw(st.sampled_from(["\n", ""])), (date, style)


def expected_in_spanish(source: str, date: dt.date | None, style: str | None, markdown: bool) -> str:
    """What identity translations into Spanish must give: only the date and ``lang:`` differ."""
    expected = source
    if date is not None and style != "iso":
        written = source.split("\n", 1)[0]
        spanish = format_date(date, "full" if style == "full" else "long", locale="es")
        expected = spanish + expected[len(written):]
    if markdown and source.startswith("---\n"):
        end = source.index("\n---\n", 3)
        expected = expected[: end + 1] + "lang: es\n" + expected[end + 1:]
    return expected


def check_identity(documents: list[tuple[str, str, tuple]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = make_project(Path(folder) / "proj")
        files = []
        for name, text, _ in documents:
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            files.append(path)
        slugs = ingest_identity(project, files)
        for slug, (name, text, (date, style)) in zip(slugs, documents):
            fmt = "md" if name.endswith(".md") else "txt"
            assert assemble.render(project, slug, "en", fmt) == text
            spanish = assemble.render(project, slug, "es", fmt)
            assert spanish == expected_in_spanish(text, date, style, fmt == "md")
            written = assemble.export(project, [slug], ["en"], ["source"])
            assert written[0].read_bytes() == text.encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_statement())
def test_plain_text_identity(generated):
    text, meta = generated
    check_identity([("statement.txt", text, meta)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown_statement())
def test_markdown_identity(generated):
    text, meta = generated
    check_identity([("statement.md", text, meta)])


def test_every_sample_statement_comes_back_byte_for_byte(tmp_path):
    project = make_project(tmp_path / "proj")
    samples = sorted(SAMPLES.iterdir())
    assert samples, "the repository has sample statements"
    slugs = ingest_identity(project, samples)
    written = assemble.export(project, slugs, ["en"], ["source"], out_dir=tmp_path / "out")
    assert len(written) == len(samples)
    for path, sample in zip(sorted(written), sorted(samples)):
        assert path.name == sample.name
        assert path.read_bytes() == sample.read_bytes()


def test_identity_rebuilds_rather_than_copies(tmp_path):
    """A changed translation shows up in the output: the text really comes from the catalog."""
    project = make_project(tmp_path / "proj")
    sample = SAMPLES / "stop-the-attacks.txt"
    slug = ingest_identity(project, [sample])[0]
    with catalog.editing(project.catalog_path(slug, "en")) as po:
        po.find("Solidarity with the harbour workers!").msgstr = "Solidarity with the HARBOUR workers!"
        po.find("It can afford safe cranes.").msgstr = "It can afford SAFE cranes."
        for msgid in ("Solidarity with the harbour workers!", "It can afford safe cranes."):
            catalog.set_state(po.find(msgid), "approved")
    out = assemble.render(project, slug, "en", "txt")
    assert "Solidarity with the HARBOUR workers!\n" in out
    assert "It can afford SAFE cranes." in " ".join(out.split())
    source = sample.read_text(encoding="utf-8")
    assert " ".join(out.replace("HARBOUR", "harbour").replace("SAFE", "safe").split()) == " ".join(source.split())


@pytest.mark.parametrize("width", [40, 72])
def test_translated_paragraph_is_rewrapped_at_the_source_width(tmp_path, width):
    project = make_project(tmp_path / "proj")
    words = ("We stand with the dockers of the northern harbour and with everyone who works for "
             "a living in every port of the coast.").split()
    path = tmp_path / "wrapped.txt"
    path.write_text("Title Here\n\n> " + "\n> ".join(hard_wrap(" ".join(words), width)[:]) + "\n",
                    encoding="utf-8")
    slug = ingest_identity(project, [path])[0]
    with catalog.editing(project.catalog_path(slug, "es")) as po:
        for entry in po:
            entry.msgstr = "Apoyamos " + entry.msgid.lower() + " ¡Siempre!"
            catalog.set_state(entry, "approved")
    lines = assemble.render(project, slug, "es", "txt").split("\n")
    quoted = [line for line in lines if line.startswith(">")]
    assert len(quoted) > 1
    assert all(line.startswith("> ") for line in quoted)
    source_width = max(len(line) for line in path.read_text().split("\n"))
    assert all(len(line) <= source_width for line in quoted)
    assert " ".join(line[2:] for line in quoted).startswith("Apoyamos we stand with")
