import datetime as dt

import pytest

from chorus.document import parse, parse_dateline
from conftest import SAMPLES


def kinds(document):
    return [block.kind for block in document.blocks]


PLAIN = """Sunday, March 3, 2024

Stop the Attacks

We stand with the dockers of
the northern harbour. Their strike
is just.

- Reinstate the organisers.
- Pay the back wages
  owed since January.

> An injury to one is
> an injury to all.

Solidarity forever!
No retreat!

— Harbour Solidarity Network
"""


def test_plain_statement_blocks():
    document = parse(PLAIN, "en")
    assert kinds(document) == [
        "dateline", "title", "paragraph", "list_item", "list_item", "quote", "slogan", "slogan", "signature",
    ]
    assert document.date == dt.date(2024, 3, 3)
    assert document.title == "Stop the Attacks"
    paragraph = document.blocks[2]
    assert paragraph.text == "We stand with the dockers of the northern harbour. Their strike is just."
    assert paragraph.segments == ["We stand with the dockers of the northern harbour.", "Their strike is just."]
    assert [line for _, line in paragraph.segment_lines()] == [5, 6]
    assert document.blocks[4].text == "Pay the back wages owed since January."
    assert document.blocks[5].text == "An injury to one is an injury to all."
    assert document.blocks[8].text == "— Harbour Solidarity Network"


def test_dateline_is_a_date_not_a_segment():
    document = parse(PLAIN, "en")
    dateline = document.dateline
    assert dateline.date == dt.date(2024, 3, 3) and dateline.weekday
    assert not dateline.translatable and dateline.segments == []


@pytest.mark.parametrize("line, date, weekday", [
    ("Sunday, March 3, 2024", dt.date(2024, 3, 3), True),
    ("3 March 2024", dt.date(2024, 3, 3), False),
    ("2024-03-03", dt.date(2024, 3, 3), False),
    ("March 3rd, 2024", dt.date(2024, 3, 3), False),
    ("Wednesday 1 May 2024", dt.date(2024, 5, 1), True),
])
def test_dateline_formats(line, date, weekday):
    assert parse_dateline(line, "en") == (date, weekday)


def test_dateline_in_the_source_language():
    assert parse_dateline("domingo, 3 de marzo de 2024", "es") == (dt.date(2024, 3, 3), True)


@pytest.mark.parametrize("line", ["We march on 3 March 2024", "2024", "Stop the attacks!", "2024-13-45"])
def test_not_datelines(line):
    assert parse_dateline(line, "en") is None


def test_a_paragraph_that_mentions_a_date_stays_a_paragraph():
    document = parse("Title here\n\nOn 3 March 2024 we marched.\n", "en")
    assert kinds(document) == ["title", "paragraph"]


MARKDOWN = """---
title: "Housing Is a Right"
date: 2024-10-05
author: Tenants United
---

# Housing Is a Right

**Lisbon.** Tenants are striking against
rent increases. Read [our report](https://example.org/report "Report")
and [sign](https://example.org/sign).

## What we demand

1. A rent freeze.
2. An end to *no-fault*
   evictions.

> A home is not an investment.

```
code is not translated
```

Homes for people!
No evictions!

Tenants United
"""


def test_markdown_blocks_and_front_matter():
    document = parse(MARKDOWN, "en", "markdown")
    assert kinds(document) == [
        "title", "date", "heading", "paragraph", "heading", "list_item", "list_item", "quote",
        "slogan", "slogan", "signature",
    ]
    assert document.title == "Housing Is a Right"
    assert document.date == dt.date(2024, 10, 5)
    title, date = document.blocks[:2]
    assert title.lead == 'title: "' and title.tail == '"'
    assert not date.translatable


def test_markdown_inline_markup_stays_and_link_urls_move_out():
    paragraph = parse(MARKDOWN, "en", "markdown").blocks[3]
    assert paragraph.segments == [
        "**Lisbon.**",
        "Tenants are striking against rent increases.",
        "Read [our report][1] and [sign][2].",
    ]
    assert paragraph.links == ['https://example.org/report "Report"', "https://example.org/sign"]
    assert paragraph.expand_links("Lean [nuestro informe][1] y [firma][2].") == (
        'Lean [nuestro informe](https://example.org/report "Report") y [firma](https://example.org/sign).'
    )


def test_markdown_list_item_continuation_and_code_is_literal():
    document = parse(MARKDOWN, "en", "markdown")
    item = document.blocks[6]
    assert item.lead == "2. " and item.text == "An end to *no-fault* evictions."
    assert all("code is not translated" not in block.text for block in document.blocks)


def test_front_matter_keys_are_not_translatable():
    document = parse(MARKDOWN, "en", "markdown")
    texts = " ".join(segment for block in document.blocks for segment in block.segments)
    assert "author" not in texts and "Tenants United" in texts


@pytest.mark.parametrize("text", [PLAIN, MARKDOWN, "", "\n\n", "one line", "a\r", "  indented\n\n\ttabbed  \n"])
def test_rebuild_is_exact(text):
    for format in ("text", "markdown"):
        assert parse(text, "en", format).source() == text


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_sample_statements_rebuild_exactly(path):
    text = path.read_text(encoding="utf-8")
    document = parse(text, "en", "markdown" if path.suffix == ".md" else "text")
    assert document.source() == text
    assert document.date is not None and document.title
    assert "paragraph" in kinds(document) and "slogan" in kinds(document) and "signature" in kinds(document)
