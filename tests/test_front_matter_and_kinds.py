"""What a Markdown statement keeps through translation besides its body's structure: the
block kinds its HTML shows (slogans, signature) as a plain-text statement's HTML shows them,
front matter that stays valid TOML or YAML whatever a translator types, YAML block scalars
offered for translation, and footnotes no reference points to handled as markdown-it does."""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import yaml

from chorus import assemble, catalog
from chorus.ingest import apply, plan_add
from chorus.project import Project
from conftest import msgfmt_check

CORPUS = Path(__file__).parent / "corpus"

HARBOUR_TEXT = """\
Tuesday, May 6, 2025

Port Workers Stop the Night Shift

The dockers of the south terminal walked out at midnight after the
company cut the night crews from six to four.

The union asks every member to stay away from the gates until the
crews are restored.

No cuts on the night crews!
Safety before profit!

— South Terminal Branch
"""

# The same statement as a Markdown post: the title a heading, the slogans in bold.
HARBOUR_MARKDOWN = """\
Tuesday, May 6, 2025

# Port Workers Stop the Night Shift

The dockers of the south terminal walked out at midnight after the
company cut the night crews from six to four.

The union asks every member to stay away from the gates until the
crews are restored.

**No cuts on the night crews!**
**Safety before profit!**

— South Terminal Branch
"""


def project_with(tmp_path: Path, name: str, text: str, mapping=None, lang: str = "es") -> tuple[Project, str]:
    """A project with one statement whose every segment is approved with ``mapping(msgid)``."""
    project = Project.create(tmp_path / name.replace(".", "-"), "en", [lang])
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    apply(project, plan_add(project, [source]))
    slug = project.statements()[0]
    path = project.catalog_path(slug, lang)
    with catalog.editing(path) as po:
        for entry in catalog.live_entries(po):
            entry.msgstr = mapping(entry.msgid) if mapping else entry.msgid.upper()
            catalog.set_state(entry, "approved")
    msgfmt_check(path)
    return project, slug


def msgids(project: Project, slug: str, lang: str = "es") -> list[str]:
    return [entry.msgid for entry in polib.pofile(str(project.catalog_path(slug, lang))) if not entry.obsolete]


class _Elements(HTMLParser):
    """The block elements inside the statement's <article>: (tag, class)."""

    BLOCKS = {"p", "h1", "h2", "h3", "ul", "ol", "li", "blockquote", "table", "section"}

    def __init__(self):
        super().__init__()
        self.inside, self.found = False, []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.inside = True
        elif self.inside and tag in self.BLOCKS:
            self.found.append((tag, dict(attrs).get("class", "")))

    def handle_endtag(self, tag):
        if tag == "article":
            self.inside = False


def elements(page: str) -> list[tuple[str, str]]:
    parser = _Elements()
    parser.feed(page)
    return parser.found


# --- block kinds in HTML ---------------------------------------------------------------------------


def test_markdown_html_has_the_block_kinds_of_the_same_statement_in_plain_text(tmp_path):
    text_project, text_slug = project_with(tmp_path, "night-shift.txt", HARBOUR_TEXT)
    md_project, md_slug = project_with(tmp_path, "night-shift.md", HARBOUR_MARKDOWN)
    from_text = elements(assemble.render(text_project, text_slug, "es", "html"))
    from_markdown = elements(assemble.render(md_project, md_slug, "es", "html"))
    assert from_text == [("p", "dateline"), ("h1", "title"), ("p", ""), ("p", ""),
                         ("p", "slogan"), ("p", "slogan"), ("p", "signature")]
    assert from_markdown == from_text


def test_slogan_lines_are_one_element_each_with_their_own_markup(tmp_path):
    project, slug = project_with(tmp_path, "night-shift.md", HARBOUR_MARKDOWN)
    page = assemble.render(project, slug, "es", "html")
    assert '<p class="slogan"><strong>NO CUTS ON THE NIGHT CREWS!</strong></p>\n' \
           '<p class="slogan"><strong>SAFETY BEFORE PROFIT!</strong></p>' in page
    assert '<p class="signature">— SOUTH TERMINAL BRANCH</p>' in page
    assert "\ue005" not in page


def test_the_preview_marks_drafts_inside_slogan_elements(tmp_path):
    project, slug = project_with(tmp_path, "night-shift.md", HARBOUR_MARKDOWN)
    path = project.catalog_path(slug, "es")
    with catalog.editing(path) as po:
        for entry in catalog.live_entries(po):
            if entry.msgid == "— South Terminal Branch":
                catalog.set_state(entry, "fuzzy")
    preview = assemble.preview_html(project, slug, "es")
    assert '<p class="signature"><mark class="unreviewed">— SOUTH TERMINAL BRANCH</mark></p>' in preview
    assert '<p class="slogan"><strong>NO CUTS ON THE NIGHT CREWS!</strong></p>' in preview


def test_a_draft_slogan_in_bold_is_bold_inside_its_mark(tmp_path):
    project, slug = project_with(tmp_path, "night-shift.md", HARBOUR_MARKDOWN)
    with catalog.editing(project.catalog_path(slug, "es")) as po:
        for entry in catalog.live_entries(po):
            if entry.msgid.startswith("**"):
                catalog.set_state(entry, "fuzzy")
    preview = assemble.preview_html(project, slug, "es")
    assert '<p class="slogan"><mark class="unreviewed"><strong>SAFETY BEFORE PROFIT!</strong></mark></p>' in preview
    page = assemble.render(project, slug, "es", "html", draft=True)
    assert '<p class="slogan"><span class="unreviewed"><strong>NO CUTS ON THE NIGHT CREWS!</strong></span></p>' in page
    assert "**" not in page and "\ufffc" not in page and "\ufffc" not in preview


def test_a_signature_above_the_footnotes_is_still_the_signature(tmp_path):
    project, slug = project_with(tmp_path, "climate-coalition.md", (CORPUS / "climate-coalition.md").read_text())
    found = elements(assemble.render(project, slug, "es", "html"))
    assert [kind for kind in found if kind[1] in ("slogan", "signature")] == \
        [("p", "slogan"), ("p", "slogan"), ("p", "signature")]
    entries = polib.pofile(str(project.template_path(slug)))
    assert [entry.comment for entry in entries if entry.msgid == "Valley Water Coalition"] == ["front_matter, signature"]


# --- TOML front matter ---------------------------------------------------------------------------

TOML_POST = """\
+++
title = 'Nurses Vote to Refuse Unpaid Overtime'
description = "Ballot result: 87% for action on a turnout of 71%."
summary = 'What the vote means for the night shifts.'
date = 2025-02-03
weight = 2
+++

Members at the three city hospitals have voted to stop unpaid overtime.
"""

TRICKY = [
    "L'infirmière dit : « c'est fini »",
    'Le "vote" est clair',
    r"Un chemin C:\hôpital\nuit et \u00e9",
    "Deux lignes\ntapées par un bénévole",
    "Tout à la fois : l'\"urgence\" \\ et\nla suite '''",
]


@pytest.mark.parametrize("translation", TRICKY, ids=["apostrophe", "quotes", "backslashes", "newline", "all"])
def test_every_translated_toml_field_reads_back_as_valid_toml(tmp_path, translation):
    project, slug = project_with(tmp_path, "nurses.md", TOML_POST, mapping=lambda msgid: translation)
    exported = assemble.render(project, slug, "es", "md")
    front = tomllib.loads(exported.split("+++\n")[1])
    expected = " ".join(translation.split("\n"))  # a line break typed in a field is a space
    assert front["title"] == front["description"] == front["summary"] == expected
    assert front["weight"] == 2 and str(front["date"]) == "2025-02-03" and front["lang"] == "es"


def test_a_literal_string_stays_literal_when_it_can(tmp_path):
    project, slug = project_with(tmp_path, "nurses.md", TOML_POST,
                                 mapping=lambda msgid: msgid.replace("Nurses", 'Las "enfermeras"'))
    exported = assemble.render(project, slug, "es", "md")
    assert "title = 'Las \"enfermeras\" Vote to Refuse Unpaid Overtime'\n" in exported
    assert "summary = 'What the vote means for the night shifts.'\n" in exported  # unchanged: as it was


def test_an_apostrophe_is_kept_as_typed(tmp_path):
    project, slug = project_with(tmp_path, "nurses.md", TOML_POST,
                                 mapping=lambda msgid: "L'assemblée des infirmières")
    exported = assemble.render(project, slug, "es", "md")
    assert "\u2019" not in exported
    assert tomllib.loads(exported.split("+++\n")[1])["summary"] == "L'assemblée des infirmières"


# --- YAML front matter ---------------------------------------------------------------------------

YAML_POST = """\
---
title: "Tenants' Assembly Moves to Block B"
description: >
  The assembly of the Eastside tenants meets in the courtyard of block B
  from now on, because the hall of block A is closed for repairs.
summary: |-
  Eastside Tenants Union
  Courtyard of block B
  Saturdays at 11:00
excerpt: 'Every tenant is welcome, on strike or not.'
tags: [housing, assembly]
date: 2025-03-14
---

The assembly of the Eastside tenants meets in the courtyard of block B.
"""


def test_yaml_block_scalars_are_offered_for_translation(tmp_path):
    project, slug = project_with(tmp_path, "assembly.md", YAML_POST)
    offered = msgids(project, slug)
    assert "The assembly of the Eastside tenants meets in the courtyard of block B from now on, " \
           "because the hall of block A is closed for repairs." in offered
    assert {"Eastside Tenants Union", "Courtyard of block B", "Saturdays at 11:00"} <= set(offered)
    assert not any(msgid.startswith(("|", ">", "description")) for msgid in offered)


@pytest.mark.parametrize("translation", TRICKY, ids=["apostrophe", "quotes", "backslashes", "newline", "all"])
def test_every_translated_yaml_field_reads_back_as_valid_yaml(tmp_path, translation):
    project, slug = project_with(tmp_path, "assembly.md", YAML_POST, mapping=lambda msgid: translation)
    exported = assemble.render(project, slug, "es", "md")
    front = yaml.safe_load(exported.split("---\n")[1])
    expected = " ".join(translation.split("\n"))
    assert front["title"] == front["excerpt"] == expected
    assert front["description"] == expected + "\n"  # folded, with its final line break
    assert front["summary"] == "\n".join([expected] * 3)  # literal: one line each, none after
    assert front["tags"] == ["housing", "assembly"] and front["lang"] == "es"


def test_a_long_translation_of_a_folded_scalar_is_wrapped_under_its_indentation(tmp_path):
    longer = ("La asamblea de inquilinos del barrio este se reúne desde ahora en el patio del bloque B, "
              "porque la sala del bloque A está cerrada por obras hasta el verano.")
    project, slug = project_with(tmp_path, "assembly.md", YAML_POST,
                                 mapping=lambda msgid: longer if msgid.startswith("The assembly of the Eastside tenants meets in the courtyard of block B from") else msgid)
    exported = assemble.render(project, slug, "es", "md")
    front = exported.split("---\n")[1]
    lines = front.split("description: >\n")[1].split("summary:")[0].rstrip("\n").split("\n")
    assert len(lines) > 1 and all(line.startswith("  ") and len(line) <= 74 for line in lines)
    assert yaml.safe_load(front)["description"] == longer + "\n"


def test_yaml_front_matter_gives_the_source_back_untranslated(tmp_path):
    project, slug = project_with(tmp_path, "assembly.md", YAML_POST, mapping=lambda msgid: msgid)
    exported = assemble.render(project, slug, "es", "md")
    assert exported == YAML_POST.replace("date: 2025-03-14\n", "date: 2025-03-14\nlang: es\n")


# --- footnotes nobody references -----------------------------------------------------------------

NOTES_POST = """\
# River Day of Action

Twelve groups have signed the call.[^groups] The permit would let the
company dig out the gravel beds.[^permit]

[^groups]: The list is on our website.
[^permit]: Permit request 2025/118.
[^draft]: An earlier draft named eleven groups.
"""


def test_an_unreferenced_footnote_is_not_offered(tmp_path):
    project, slug = project_with(tmp_path, "river.md", NOTES_POST)
    offered = msgids(project, slug)
    assert "The list is on our website." in offered and "Permit request 2025/118." in offered
    assert not any("eleven" in msgid or "draft" in msgid for msgid in offered)


def test_an_unreferenced_footnote_is_left_out_of_text_and_html_as_markdown_it_does(tmp_path):
    project, slug = project_with(tmp_path, "river.md", NOTES_POST)
    text = assemble.render(project, slug, "es", "txt")
    assert text == ("RIVER DAY OF ACTION\n\n"
                    "TWELVE GROUPS HAVE SIGNED THE CALL.[1] THE PERMIT WOULD LET THE COMPANY DIG OUT THE GRAVEL BEDS.[2]\n\n"
                    "[1] THE LIST IS ON OUR WEBSITE.\n"
                    "[2] PERMIT REQUEST 2025/118.\n")
    page = assemble.render(project, slug, "es", "html")
    assert "eleven" not in page and "draft" not in page.lower().replace("draft-banner", "")
    assert page.count('class="footnote-item"') == 2


def test_an_unreferenced_footnote_stays_in_the_markdown_export_as_it_stands(tmp_path):
    project, slug = project_with(tmp_path, "river.md", NOTES_POST)
    exported = assemble.render(project, slug, "es", "md")
    assert exported.endswith("[^permit]: PERMIT REQUEST 2025/118.\n[^draft]: An earlier draft named eleven groups.\n")
    identity, same = project_with(tmp_path / "identity", "river.md", NOTES_POST, mapping=lambda msgid: msgid)
    assert assemble.render(identity, same, "es", "md") == NOTES_POST


def test_an_unreferenced_footnote_in_the_middle_leaves_no_gap_in_plain_text(tmp_path):
    post = NOTES_POST.replace("[^draft]: An earlier draft named eleven groups.\n", "") \
        .replace("[^groups]:", "[^draft]: An earlier draft named eleven groups.\n\n[^groups]:")
    project, slug = project_with(tmp_path, "river.md", post)
    text = assemble.render(project, slug, "es", "txt")
    assert "eleven" not in text and "\n\n\n" not in text
    assert re.search(r"\[2\]\n\n\[1\] THE LIST", text)
