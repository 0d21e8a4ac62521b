"""Real-world-like documents keep their structure through add → translation → export.

The corpus in ``tests/corpus/`` was written for these tests: posts with YAML and TOML front
matter, tables with long rows, footnotes, reference links, images and HTML blocks, and plain
announcements with underlined headings, lists without bullets, indented lists and rosters.
Each goes through ``chorus add``, a translation that changes every word and keeps every piece
of syntax the catalog shows (as a careful translator or an engine with protected
placeholders would), and ``chorus export``. The export is compared with the source as a
Markdown parser sees them (token trees, link targets, front matter as data), not as strings.
"""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from chorus import assemble, catalog
from chorus.document import parse
from chorus.ingest import apply, plan_add
from chorus.project import Project
from conftest import msgfmt_check

CORPUS = Path(__file__).parent / "corpus"
MARKDOWN = sorted(CORPUS.glob("*.md"))
TEXTS = sorted(CORPUS.glob("*.txt"))

# What a translation must keep as it is: placeholders, inline HTML tags, code, addresses.
_KEPT = re.compile(r"(\]\[\d+\]|\[\^\d+\]|<[^>]*>|`[^`]*`|https?://\S+|\*+|_+)")


def translate_words(text: str) -> str:
    """A "translation" that changes every word and keeps all syntax: words become Spanish-ish
    upper case with a suffix; placeholders, tags, code and addresses are left alone."""
    pieces = _KEPT.split(text)
    for index in range(0, len(pieces), 2):
        pieces[index] = re.sub(r"[^\W\d_]{2,}", lambda m: m.group().upper() + "O", pieces[index])
    return "".join(pieces)


def translated_project(tmp_path: Path, source: Path) -> tuple[Project, str]:
    project = Project.create(tmp_path / "project", "en", ["es"])
    apply(project, plan_add(project, [source]))
    slug = project.statements()[0]
    path = project.catalog_path(slug, "es")
    with catalog.editing(path) as po:
        for entry in catalog.live_entries(po):
            entry.msgstr = translate_words(entry.msgid)
            catalog.set_state(entry, "approved")
    msgfmt_check(path)
    return project, slug


def md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin)


def tree(text: str) -> list[tuple]:
    """The token tree of a Markdown body: every block and inline token's type, tag, nesting and
    the attributes that carry structure (link and image targets), without the words."""
    shape = []
    for token in md().parse(text):
        shape.append((token.type, token.tag, token.nesting, token.markup if token.type != "inline" else ""))
        for child in token.children or []:
            if child.type in ("text", "softbreak"):
                continue
            attrs = {key: value for key, value in (child.attrs or {}).items() if key in ("href", "src")}
            shape.append(("  " + child.type, child.tag, child.nesting, tuple(sorted(attrs.items()))))
    return _merge_texts(shape)


def _merge_texts(shape: list[tuple]) -> list[tuple]:
    return [item for index, item in enumerate(shape) if index == 0 or item != shape[index - 1] or "text" not in item[0]]


def split_front(text: str) -> tuple[str, str, str]:
    """(kind, front matter, body)."""
    found = re.match(r"\A(---|\+\+\+)\n(.*?\n)(---|\+\+\+)\n", text, re.S)
    if not found:
        return "", "", text
    return ("toml" if found.group(1) == "+++" else "yaml"), found.group(2), text[found.end():]


@pytest.mark.parametrize("source", MARKDOWN, ids=lambda path: path.name)
def test_markdown_posts_keep_their_structure(tmp_path, source):
    project, slug = translated_project(tmp_path, source)
    original = source.read_text(encoding="utf-8")
    exported = assemble.render(project, slug, "es", "md")
    kind, front, body = split_front(original)
    out_kind, out_front, out_body = split_front(exported)
    assert out_kind == kind
    assert tree(out_body) == tree(body)
    assert out_body != body
    if kind == "toml":
        before, after = tomllib.loads(front), tomllib.loads(out_front)  # still valid TOML
        assert set(after) == set(before) | {"lang"} and after["lang"] == "es"
        for key, value in before.items():
            expected = translate_words(value) if key in ("title", "description", "summary") else value
            assert after[key] == expected, key
    else:
        before, after = yaml.safe_load(front), yaml.safe_load(out_front)  # still valid YAML
        assert set(after) == set(before) | {"lang"} and after["lang"] == "es"
        for key, value in before.items():
            expected = translate_words(value) if key in ("title", "description", "summary", "excerpt") else value
            assert after[key] == expected, key


@pytest.mark.parametrize("source", MARKDOWN, ids=lambda path: path.name)
def test_identity_translations_give_the_post_back_byte_for_byte(tmp_path, source):
    project = Project.create(tmp_path / "project", "en", ["en_GB"])
    apply(project, plan_add(project, [source]))
    slug = project.statements()[0]
    with catalog.editing(project.catalog_path(slug, "en_GB")) as po:
        for entry in catalog.live_entries(po):
            entry.msgstr = entry.msgid
            catalog.set_state(entry, "approved")
    text = source.read_text(encoding="utf-8")
    assert assemble.render(project, slug, "en_GB", "md") == text


def segments(tmp_path, source) -> list[str]:
    project = Project.create(tmp_path / "segments", "en", ["es"])
    apply(project, plan_add(project, [source]))
    return [entry.msgid for entry in catalog.read(project.template_path(project.statements()[0]))]


def test_what_translators_are_offered(tmp_path):
    report = segments(tmp_path / "a", CORPUS / "tenants-report.md")
    # front-matter fields named in chorus.toml, not the others
    assert "Tenants in three blocks keep their rent in escrow until repairs are made." in report
    assert "Four weeks in, the landlord has answered our letters for the first time." in report
    assert not any("Eastside Tenants Union" == text or "housing" == text for text in report)
    # every table cell is a segment of its own, the pipes stay out
    assert "41 of 52 households, including every family on the top two floors" in report
    assert "Heating, windows and the lift in the north stairwell" in report
    assert not any("|" in text for text in report)
    # footnote bodies one by one, labels as numbered placeholders
    assert "The company promised it in writing on 12 November." in report
    assert "Article 14, paragraph 2." in report
    assert not any(re.search(r"\[\^[a-z]", text) for text in report)
    assert any(text.endswith("escrow account.[^1]") for text in report)
    # reference labels out of reach
    assert any("[Northgate Properties][1]" in text for text in report)
    assert any("[first letter][2]" in text and "[second letter][3]" in text for text in report)
    assert not any("][letter-1]" in text or "[week-3]" in text for text in report)
    # an image is one segment with its alt text
    assert "![Tenants of block C at the Saturday assembly][1]" in report
    # text inside an HTML block
    assert "Next assembly: Saturday 23 November at 11:00, courtyard of block B." in report
    dockers = segments(tmp_path / "b", CORPUS / "dockers-win.md")
    assert "The north gate on the <em>first</em> morning of the strike." in dockers
    assert "Still open \\| see the letter" in dockers
    assert "After three weeks at the gates, the port operator has agreed to talk." in dockers


def test_the_template_lists_where_each_link_goes(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["es"])
    apply(project, plan_add(project, [CORPUS / "dockers-win.md"]))
    entry = next(e for e in catalog.read(project.template_path("dockers-win")) if "][2]" in e.msgid)
    assert "[1] https://example.org/report \"The report\"" in entry.comment
    assert "[2] [letter]" in entry.comment


def test_the_html_export_shows_tables_footnotes_images_and_html_text(tmp_path):
    project, slug = translated_project(tmp_path, CORPUS / "tenants-report.md")
    page = assemble.render(project, slug, "es", "html")
    elements = _elements(page)
    assert elements["table"] == 1 and elements["td"] == 12 and elements["th"] == 4
    assert elements["img"] == 1 and "<p>!" not in page
    assert page.count('class="footnote-item"') == 4
    assert "&lt;div" not in page and '<p class="html">NEXTO ASSEMBLYO' in page
    assert 'href="https://example.org/letters/2"' in page and 'href="mailto:committee@example.org"' in page


def _elements(page: str) -> dict[str, int]:
    counts: dict[str, int] = {}

    class Counter(HTMLParser):
        def handle_starttag(self, tag, attrs):
            counts[tag] = counts.get(tag, 0) + 1

    Counter().feed(page)
    return counts


@pytest.mark.parametrize("source", TEXTS, ids=lambda path: path.name)
def test_plain_announcements_keep_their_lines(tmp_path, source):
    project, slug = translated_project(tmp_path, source)
    exported = assemble.render(project, slug, "es", "txt")
    original = source.read_text(encoding="utf-8")
    before, after = parse(original, "en"), parse(exported, "es")
    assert [b.kind for b in after.blocks] == [b.kind for b in before.blocks]
    structured = [(b.kind, b.lead) for b in before.blocks if b.kind in ("line", "list_item", "heading", "title")]
    assert [(b.kind, b.lead) for b in after.blocks if b.kind in ("line", "list_item", "heading", "title")] == structured
    assert exported.count("\n\n") == original.count("\n\n")
    for line in exported.splitlines():  # underlines follow their heading's new length
        if re.fullmatch(r"[=-]{3,}", line):
            heading = exported.splitlines()[exported.splitlines().index(line) - 1]
            assert len(line) == len(heading)


def test_line_structured_text_is_offered_line_by_line(tmp_path):
    winter = segments(tmp_path / "a", CORPUS / "winter-assembly.txt")
    for line in ("Winter Assembly of the Care Workers", "When and where", "Community hall, 4 Mill Street",
                 "Report of the wage committee", "Election of three delegates",
                 "Tomás Ferreira, home care, north team", "Sofia Marin, kitchen staff, Hillview home"):
        assert line in winter
    assert ("The care workers of the eastern district invite every member, every family we care for and "
            "every neighbour to the winter assembly.") in winter
    letter = segments(tmp_path / "b", CORPUS / "open-letter.txt")
    assert "Open Letter to the City Council" in letter
    assert "Harbour Solidarity Network" in letter and "Eastside Tenants Union" in letter


def test_engines_cannot_touch_footnote_references():
    """Machine translation sees a placeholder, never the ``[^2]`` it could translate or drop."""
    from chorus.glossary import mask

    text, restore = mask("Send support to the committee.[^2]", "es", None)
    assert "[^" not in text
    assert restore(text.replace("Send support to the committee.", "Enviad apoyo al comité.")) == \
        "Enviad apoyo al comité.[^2]"
