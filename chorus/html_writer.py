"""The HTML writer: a statement as a standalone page, as a fragment for the review UI's preview,
and the proof page (source and target side by side).

Every text is escaped. A Markdown statement is rebuilt in the target language and rendered by
markdown-it (tables, footnotes, reference links), raw HTML shown as text; its blocks carry the
classes a plain-text statement's do (``dateline``, ``title``, ``slogan``, ``signature``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import lru_cache
from typing import Callable

from . import catalog, markup
from .document import Block
from .publishing import draft_notice, readiness
from .statement import (STATE_LABELS, Choice, Statement, _bcp47, _locale, _one_line, block_pieces, block_text,
                        chooser)
from .text_writer import (_escaper, _front_date, _front_lines, _markdown, _visible_blocks, dateline_text,
                          format_dateline, layout, title_of)


def inline_html(statement: Statement, block: Block, text: str) -> str:
    """One segment (or white space) as HTML: escaped; Markdown emphasis and links rendered."""
    if not statement.markdown:
        return html.escape(text, quote=False)
    if not text.strip():
        return html.escape(text, quote=False)
    return _markdown().renderInline(block.expand_links(text))


def block_html(statement: Statement, block: Block, choose, marker: Callable[[str, str], str]) -> str:
    """The inner HTML of a block; ``marker(html, mark)`` wraps segments that need marking."""
    out = []
    for space, choice in block_pieces(block, choose):
        if space:
            out.append(html.escape(space, quote=False))
        if choice.text:
            rendered = inline_html(statement, block, choice.text)
            out.append(marker(rendered, choice.mark) if choice.mark else rendered)
    return "".join(out)


_OPEN, _MID, _CLOSE, _CUT, _KIND = "\ue001", "\ue002", "\ue003", "\ue004", "\ue005"
# Inside the sentinels a marked segment is between two U+FFFC (a symbol to markdown-it), so
# that emphasis at its edges reads as it does beside the spaces or punctuation of the source:
# a closing ``**`` after "!" needs punctuation or a space after it.
_EDGE = "\ufffc"
_SENTINELS = re.compile("\ue001\\d*\ue002\ufffc?|\ufffc?\ue003|[\ue001-\ue004]")
_MARKED = re.compile("\ue001(\\d+)\ue002\ufffc?")
_CLOSING = re.compile("\ufffc?\ue003")
_LINE_KINDS = ("slogan", "signature")  # lines of one Markdown paragraph, each its own element
_KINDED = re.compile("<p>(\ue005(?:%s)\ue005.*?)</p>" % "|".join(_LINE_KINDS), re.S)
_KIND_LEFT = re.compile("\ue005\\w*\ue005")
_LINE_END = re.compile(r"(?:<br />)?\s*\Z")


def _markdown_body_html(statement: Statement, choose, marker) -> str:
    """A Markdown statement as HTML: its body rebuilt in the target language and rendered by
    markdown-it (tables, footnotes, reference links), raw HTML as text: an HTML block's text is
    shown, its tags are not. Segments to mark travel through the rendering between private-use
    characters, which become ``marker``'s elements (and vanish inside attributes)."""
    marks: list[str] = []

    def chosen(segment: str) -> Choice:
        choice = choose(segment)
        if not choice.mark or not choice.text:
            return choice
        marks.append(choice.mark)
        return Choice(f"{_OPEN}{len(marks) - 1}{_MID}{_EDGE}{choice.text}{_EDGE}{_CLOSE}", choice.mark)

    out: list[str] = []
    date = _front_date(statement)
    if date and not statement.document.dateline:
        out.append(_time_html(date, format_dateline(date, statement.lang, weekday=False)))
    body: list[str] = []
    has_h1 = False
    for kind, part in _visible_blocks(statement):
        if kind == "literal":
            body.append(part)
        elif part.kind == "dateline":
            body.append(f"{_CUT}dateline{_CUT}")
        elif not part.translatable:  # an unreferenced footnote: markdown-it leaves it out itself
            body.append(part.source())
        else:
            has_h1 = has_h1 or part.kind == "title" or (part.kind == "heading" and part.lead.strip() == "#")
            text = layout(part, block_text(part, chosen), escape=_escaper(part))
            if part.kind in _LINE_KINDS:  # the line says what it is, through the rendering
                text = text[: len(part.lead)] + f"{_KIND}{part.kind}{_KIND}" + text[len(part.lead):]
            body.append(text)
    if statement.front_end and not has_h1:
        out.append(f'<h1 class="title">{html.escape(title_of(statement, choose))}</h1>')
    rendered = _full_markdown().render("".join(body)).strip()
    rendered = re.sub(r"<[^>]*>", lambda tag: _SENTINELS.sub("", tag.group()), rendered)  # attributes
    dateline = statement.document.dateline
    if dateline is not None:
        time_html = _time_html(dateline.date, html.escape(dateline_text(dateline, statement).strip()), escaped=True)
        rendered = re.sub(f"<p>{_CUT}dateline{_CUT}</p>", lambda _: time_html, rendered)
    if any(block.kind == "title" for block in statement.document.blocks if block.line > _front_lines(statement)):
        rendered = rendered.replace("<h1>", '<h1 class="title">', 1)

    def opening(match: re.Match) -> str:
        return marker(_CUT, marks[int(match.group(1))]).split(_CUT)[0]

    closing = "</span>" if marker("", "x").endswith("</span>") else "</mark>"
    rendered = _CLOSING.sub(closing, _MARKED.sub(opening, rendered))
    rendered = _KIND_LEFT.sub("", _KINDED.sub(_kind_paragraphs, rendered))
    out.append(rendered.replace(_CUT, ""))
    return "\n".join(out)


def _kind_paragraphs(match: re.Match) -> str:
    """A rendered paragraph of slogans or signature lines as one element per line, with the
    class a plain-text statement's lines get (``<p class="slogan">``)."""
    pieces = match.group(1).split(_KIND)[1:]  # kind, line, kind, line…
    return "\n".join(f'<p class="{kind}">{_LINE_END.sub("", line)}</p>'
                     for kind, line in zip(pieces[::2], pieces[1::2]))


@lru_cache(maxsize=1)
def _full_markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    # HTML is parsed (so an HTML block is one), never passed through: see the two rules
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").use(footnote_plugin)
    md.add_render_rule("html_block", _html_block_text)
    md.add_render_rule("html_inline", lambda self, tokens, index, options, env:
                       html.escape(tokens[index].content, quote=False))
    return md


def _html_block_text(self, tokens, index, options, env) -> str:
    """An HTML block of the source, shown as its text (each run of text a paragraph)."""
    source = tokens[index].content
    runs = [re.sub(r"<[^>]*>", "", source[start:end]) for start, end in markup.html_runs(source)]
    return "".join(f'<p class="html">{html.escape(html.unescape(run), quote=False)}</p>\n' for run in runs if run.strip())


def body_html(statement: Statement, choose, marker) -> str:
    """The statement as HTML elements, in order: dateline, title, paragraphs, lists…"""
    if statement.markdown:
        return _markdown_body_html(statement, choose, marker)
    out: list[str] = []
    open_group: str | None = None  # "ul", "ol" or "blockquote"
    date = _front_date(statement)
    if date and not statement.document.dateline:
        out.append(_time_html(date, format_dateline(date, statement.lang, weekday=False)))
    has_h1 = any(b.kind == "title" or (b.kind == "heading" and b.lead.strip() == "#")
                 for _, b in _visible_blocks(statement) if isinstance(b, Block))
    if statement.front_end and not has_h1:
        out.append(f'<h1 class="title">{html.escape(title_of(statement, choose))}</h1>')
    for kind, part in _visible_blocks(statement):
        if kind == "literal":
            if _is_structure(part):
                continue
            open_group = _close(out, open_group)
            out.append(_literal_html(statement, part))
            continue
        block = part
        group = _group_of(block)
        if group != open_group:
            _close(out, open_group)
            open_group = group
            if group:
                out.append(_open_group(group, block))
        out.append(_block_element(statement, block, block_html(statement, block, choose, marker)))
    _close(out, open_group)
    return "\n".join(out)


def _is_structure(literal: str) -> bool:
    """Line breaks and the '>' of empty quote lines: structure the elements already show."""
    return not literal.replace(">", "").strip()


def _close(out: list[str], group: str | None) -> None:
    """Close an open list or quote; the caller's open group becomes None."""
    if group:
        out.append(f"</{group}>")


def _group_of(block: Block) -> str | None:
    if block.kind == "list_item":
        return "ol" if re.match(r"\s*\d", block.lead) else "ul"
    if block.kind == "quote":
        return "blockquote"
    return None


def _open_group(group: str, block: Block) -> str:
    if group == "ol":
        start = int(re.match(r"\s*(\d+)", block.lead).group(1))
        return "<ol>" if start == 1 else f'<ol start="{start}">'
    return f"<{group}>"


def _block_element(statement: Statement, block: Block, inner: str) -> str:
    if block.kind == "dateline":
        return _time_html(block.date, html.escape(dateline_text(block, statement).strip()), escaped=True)
    if block.kind == "title":
        return f'<h1 class="title">{inner}</h1>'
    if block.kind == "heading":
        level = _heading_level(block)
        return f"<h{level}>{inner}</h{level}>"
    if block.kind == "list_item":
        return f"<li>{inner}</li>"
    if block.kind in ("slogan", "signature"):
        return f'<p class="{block.kind}">{inner}</p>'
    return f"<p>{inner}</p>"


def _heading_level(block: Block) -> int:
    hashes = block.lead.strip()
    if hashes and set(hashes) == {"#"}:
        return min(len(hashes), 6)
    return 1 if "=" in block.tail else 2


def _time_html(date: dt.date | None, text: str, escaped: bool = False) -> str:
    shown = text if escaped else html.escape(text)
    if date is None:
        return f'<p class="dateline">{shown}</p>'
    return f'<p class="dateline"><time datetime="{date.isoformat()}">{shown}</time></p>'


def _literal_html(statement: Statement, text: str) -> str:
    if statement.markdown:
        return _markdown().render(text).strip()
    return f'<pre class="literal">{html.escape(text.strip(chr(10)))}</pre>'


_STYLE = """
body { font: 1.05rem/1.6 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.dateline { color: #555; }
.slogan { font-weight: bold; margin: 0.2rem 0; }
.signature { font-style: italic; margin-top: 1.5rem; }
blockquote { border-inline-start: 4px solid #ccc; margin-inline: 0; padding-inline-start: 1rem; color: #444; }
.draft-banner { background: #fff3cd; border: 1px solid #e0b000; padding: 0.5rem 1rem; font-weight: bold; }
.unreviewed { background: #fff3cd; }
.untranslated { background: #f8d7da; }
table.proof { border-collapse: collapse; width: 100%; }
table.proof td, table.proof th { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: start; }
tr.state-untranslated td.target { background: #f8d7da; }
tr.state-fuzzy td.target { background: #fff3cd; }
tr.state-approved td.state { color: #0a6b2d; font-weight: bold; }
""".strip()
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"


def _page(statement: Statement, title: str, body: str, extra_class: str = "",
          direction: str | None = None, page_lang: str | None = None) -> str:
    lang = page_lang or _bcp47(statement.lang)
    css_class = f' class="{extra_class}"' if extra_class else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction or text_direction(statement.lang)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Chorus">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{_STYLE}\n</style>\n"
        "</head>\n"
        f"<body{css_class}>\n<main>\n{body}\n</main>\n</body>\n"
        "</html>\n"
    )


def html_page(statement: Statement, choose, unreviewed: int, draft: bool) -> str:
    def marker(rendered: str, mark: str) -> str:
        return f'<span class="{mark}"{_source_attributes(statement, mark)}>{rendered}</span>'

    parts = []
    if draft and unreviewed:
        parts.append(f'<p class="draft-banner" role="note">{html.escape(draft_notice(unreviewed))}</p>')
    parts.append(f'<article class="statement">\n{body_html(statement, choose, marker)}\n</article>')
    return _page(statement, title_of(statement, choose), "\n".join(parts), "draft" if draft and unreviewed else "")


def proof_page(statement: Statement, threshold: int) -> str:
    """Source and target side by side, one row per segment, with the state of each."""
    ready = readiness(statement, threshold)
    source_lang, target_lang = _bcp47(statement.source_lang), _bcp47(statement.lang)
    direction = text_direction(statement.lang)
    rows = []
    dateline = statement.document.dateline
    if dateline is not None:
        rows.append(_proof_row(0, "dateline", html.escape(dateline.text.strip()),
                               html.escape(dateline_text(dateline, statement).strip()),
                               "date", "date (never translated)", source_lang, target_lang, direction))
    for number, segment in enumerate(statement.segments(), start=1):
        msgstr, state = statement.lookup(segment)
        target = html.escape(_one_line(msgstr)) if msgstr else "<em>—</em>"
        rows.append(_proof_row(number, state, html.escape(segment), target, state,
                               STATE_LABELS[state], source_lang, target_lang, direction))
    summary = ", ".join(f"{ready.counts[state]} {STATE_LABELS[state]}" for state in catalog.STATES)
    shown = title_of(statement, chooser(statement, True))
    title = f"Proof: {shown} [{statement.lang}]"
    body = (
        f'<h1>Proof: <bdi lang="{target_lang}" dir="{direction}">{html.escape(shown)}</bdi> '
        f"[{html.escape(statement.lang)}]</h1>\n"
        f'<p class="summary">{html.escape(summary)}: {ready.percent:.0f}% of {ready.total} segments '
        f"reviewed ({'ready to publish' if ready.publishable else 'not ready to publish'} at "
        f"{threshold}%).</p>\n"
        '<table class="proof">\n<thead><tr><th>#</th>'
        f'<th lang="{source_lang}">source ({html.escape(statement.source_lang)})</th>'
        f"<th>target ({html.escape(statement.lang)})</th><th>state</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows) + "\n</tbody>\n</table>"
    )
    # The page speaks English around the segments: it says so and runs left to right, each
    # source and target cell (and the statement's title) in its own language and direction.
    return _page(statement, title, body, direction="ltr", page_lang="en")


def _proof_row(number, state, source, target, css_state, label, source_lang, target_lang, direction) -> str:
    return (f'<tr class="state-{css_state}"><td>{number or ""}</td>'
            f'<td class="source" lang="{source_lang}" dir="auto">{source}</td>'
            f'<td class="target" lang="{target_lang}" dir="{direction}">{target}</td>'
            f'<td class="state">{html.escape(label)}</td></tr>')


def _source_attributes(statement: Statement, mark: str) -> str:
    """Text left in the source language says so, and keeps its own direction."""
    if mark != "untranslated":
        return ""
    lang = f' lang="{_bcp47(statement.source_lang)}"'
    if text_direction(statement.source_lang) == text_direction(statement.lang):
        return lang
    return f'{lang} dir="{text_direction(statement.source_lang)}"'


def text_direction(lang: str) -> str:
    """``rtl`` for right-to-left languages (ar, fa, he, ur…), from Babel's locale data."""
    return _locale(lang).text_direction
