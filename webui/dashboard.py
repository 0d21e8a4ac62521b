"""The dashboard: statements × languages with progress, a page at a time, filtered and sorted;
search across segments; adding statements (coordinators).

What these pages show comes from the project index (:mod:`chorus.index`): a page reads the
files of the statements it shows when they changed, never every catalog of the project, and a
catalog that cannot be read is a row saying what is wrong while everything else works.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, after_this_request, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from chorus import gitstore
from chorus.errors import ChorusError
from chorus.index import ROW_STATES, SORTS, Index, Listing
from chorus.project import Project, check_slug, normalize_lang
from chorus.search import BadQuery, Result, search, split_marks

from . import project
from .auth import coordinator_required

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

bp = Blueprint("dashboard", __name__)
log = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_TITLE = 200
STATE_LABELS = {"all": _l("All"), "needs-work": _l("Needs work"), "ready": _l("Ready to publish"),
                "problems": _l("Problems")}
SORT_LABELS = {"urgent": _l("Deadlines first, then newest"), "newest": _l("Newest first")}


class BadRequest(ValueError):
    """A query parameter that cannot be used; the message says why (a 400)."""


def visible_langs(project_: Project, user) -> list[str]:
    """The languages ``user`` may see: every target language (translators read the others,
    as the review page shows them read-only). Listing and search ask here."""
    return list(project_.config.langs)


def project_index(project_: Project) -> Index:
    """The project's index after a request's light refresh (see :meth:`Index.refresh`). The
    sweep's next slice, when due, runs once the response is sent: no request waits for it."""
    index = Index(project_)
    _guard(index.refresh, sweep=None)

    @after_this_request
    def sweep_after(response):
        response.call_on_close(lambda: _sweep_slice(index))
        return response

    return index


def _sweep_slice(index: Index) -> None:
    try:
        index.sweep_slice()
    except Exception:  # noqa: BLE001 — the answer is sent; the next slice catches up
        log.exception("sweeping the project index failed")


def _guard(call, *args, **kwargs):
    """An index that cannot be used right now (locked for too long, a full disk) is a 503
    saying so, not a traceback."""
    try:
        return call(*args, **kwargs)
    except sqlite3.Error as error:
        raise ChorusError(f"the project index cannot be used right now ({error}); try again in a "
                          f"moment") from None


@dataclass
class Filters:
    page: int = 1
    per_page: int = PER_PAGE
    title: str = ""
    lang: str = ""
    state: str = "all"
    sort: str = "urgent"


def _number(args, name: str, default: int, highest: int | None = None) -> int:
    value = args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise BadRequest(f"{name} must be a whole number from 1 (not {value[:20]!r})")
    if highest is not None and int(value) > highest:
        raise BadRequest(f"{name} must be at most {highest}")
    return int(value)


def _language(args, project_: Project, user) -> str:
    value = args.get("lang", "").strip()
    if not value:
        return ""
    try:
        lang = normalize_lang(value)
    except ChorusError as error:
        raise BadRequest(str(error)) from None
    if lang not in visible_langs(project_, user):
        raise BadRequest(f"{lang} is not a target language of this project")
    return lang


def filters_from(args, project_: Project, user) -> Filters:
    """The dashboard's filters from a query string; :class:`BadRequest` says what is wrong."""
    state = args.get("state", "all") or "all"
    if state not in ROW_STATES:
        raise BadRequest(f"unknown state {state[:40]!r} (use {', '.join(ROW_STATES)})")
    sort = args.get("sort", "urgent") or "urgent"
    if sort not in SORTS:
        raise BadRequest(f"unknown sort {sort[:40]!r} (use {', '.join(SORTS)})")
    title = args.get("title", "")
    if len(title) > MAX_TITLE:
        raise BadRequest(f"the title filter is longer than {MAX_TITLE} characters")
    return Filters(_number(args, "page", 1), _number(args, "per_page", PER_PAGE, MAX_PER_PAGE), title.strip(),
                   _language(args, project_, user), state, sort)


def overview(project_: Project, user, filters: Filters | None = None) -> Listing:
    """One page of statements (open deadlines first, then newest), each with a row per
    language the user can see (or the one filtered on)."""
    filters = filters or Filters()
    index = project_index(project_)
    langs = [filters.lang] if filters.lang else visible_langs(project_, user)

    def page() -> Listing:
        return index.listing(langs, page=filters.page, per_page=filters.per_page, title=filters.title,
                             state=filters.state, sort=filters.sort)

    listing = _guard(page)
    if _guard(index.check, [item["slug"] for item in listing.statements], langs):
        listing = _guard(page)  # what the page shows changed on disk: counts, order and filter anew
    editable = {lang: user.can_edit(lang) for lang in langs}
    from . import jobs

    latest = jobs().latest([item["slug"] for item in listing.statements])
    for item in listing.statements:
        for language in item["languages"]:
            language["can_edit"] = editable[language["lang"]]
        job = latest.get(item["slug"])
        item["job"] = job.as_json() if job else None
    return listing


BAR_ORDER = ("approved", "translated", "fuzzy", "untranslated")


def progress_bar(percent: dict) -> Markup:
    """A language's progress as an SVG bar: approved, translated, draft, untranslated (made
    here from numbers alone, as a page may hold hundreds)."""
    rects, x = [], 0.0
    for state in BAR_ORDER:
        width = float(percent[state])
        rects.append(f'<rect class="s-{state}" x="{x:g}" y="0" width="{width:g}" height="6"></rect>')
        x += width
    label = (f"{percent['approved']:g}% approved, {percent['translated']:g}% translated, "
             f"{percent['fuzzy']:g}% machine drafts, {percent['untranslated']:g}% untranslated")
    return Markup(f'<svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" '
                  f'aria-label="{label}">{"".join(rects)}</svg>')


def _links(listing: Listing) -> None:
    """Each row's review and export links, made by filling in two addresses built once."""
    review = url_for("review.page", slug="_S_", lang="_L_")
    export = url_for("export.download", slug="_S_", lang="_L_")
    for item in listing.statements:
        for language in item["languages"]:
            counts = language["counts"]
            place = review.replace("_S_", item["slug"], 1).replace("_L_", language["lang"], 1)
            work = counts["untranslated"] + counts["fuzzy"]
            language["review_url"] = f"{place}?filter={'needs-work' if work else 'all'}"
            language["export_url"] = export.replace("_S_", item["slug"], 1).replace("_L_", language["lang"], 1)
            language["bar"] = progress_bar(language["percent"])


def statement_summary(project_: Project, user, slug: str) -> dict | None:
    """Title, date, deadline and the row of each language the user can see, of one statement."""
    index = project_index(project_)
    langs = visible_langs(project_, user)
    _guard(index.check, [slug], langs)
    found = _guard(index.items, [slug], langs)
    return found[0] if found else None


def run_search(project_: Project, user, args) -> Result:
    """A search from a query string (``q``, ``lang``, ``statement``, ``page``, ``per_page``) in
    the languages the user can see; :class:`BadQuery` or :class:`BadRequest` say what is wrong."""
    text = args.get("q", "")
    lang = _language(args, project_, user)
    statement = args.get("statement", "").strip() or None
    if statement is not None:
        try:
            check_slug(statement)
        except ChorusError as error:
            raise BadRequest(str(error)) from None
        if not project_.template_path(statement).is_file():
            raise BadRequest(f"unknown statement: {statement}")
    page = _number(args, "page", 1)
    per_page = _number(args, "per_page", 50, 200)
    index = project_index(project_)
    return _guard(search, index, text, [lang] if lang else visible_langs(project_, user), statement, page, per_page)


def _bad_request(message: str, template: str = "error.html", **context):
    return render_template(template, code=400, message=message, **context), 400


@bp.route("/")
@login_required
def index():
    try:
        filters = filters_from(request.args, project(), current_user)
    except BadRequest as error:
        return _bad_request(str(error))
    listing = overview(project(), current_user, filters)
    _links(listing)
    return render_template("dashboard.html", listing=listing, statements=listing.statements, filters=filters,
                           langs=visible_langs(project(), current_user), states=STATE_LABELS, sorts=SORT_LABELS,
                           policy=project().config.policy, formats=_formats(project()),
                           page_url=lambda number: _page_url(filters, number),
                           coordinator=current_user.is_coordinator)


def _page_url(filters: Filters, number: int) -> str:
    values = {"page": number, "title": filters.title, "lang": filters.lang, "state": filters.state,
              "sort": filters.sort}
    if filters.per_page != PER_PAGE:
        values["per_page"] = filters.per_page
    return url_for("dashboard.index", **{key: value for key, value in values.items()
                                         if value and value not in ("all", "urgent") and value != 1})


@bp.route("/search")
@login_required
def search_page():
    langs = visible_langs(project(), current_user)
    text = request.args.get("q", "")
    from .review import html_lang, text_direction

    context = {"q": text, "lang": request.args.get("lang", ""), "statement": request.args.get("statement", ""),
               "langs": langs, "result": None, "source_lang": html_lang(project().config.source_lang),
               "directions": {code: text_direction(code) for code in langs}}
    if not text.strip():
        return render_template("search.html", **context)
    try:
        result = run_search(project(), current_user, request.args)
    except (BadQuery, BadRequest) as error:
        return render_template("search.html", error=str(error), **context), 400
    hits = [{"hit": hit, "source": split_marks(hit.marked_source, hit.source),
             "target": split_marks(hit.marked_target, hit.target)} for hit in result.hits]
    return render_template("search.html", hits=hits, **{**context, "result": result})


def _formats(project_: Project) -> list[str]:
    from .extras import export_formats

    return export_formats(project_)


class AddStatementForm(FlaskForm):
    slug = StringField(_l("Short name (optional: from the file name or the title)"),
                       validators=[Optional(), Length(max=80)])
    kind = RadioField(_l("Format"), choices=["txt", "md"], default="txt")
    text = TextAreaField(_l("Statement text"), validators=[Optional(), Length(max=2_000_000)])
    file = FileField(_l("…or a file (.txt or .md)"))
    deadline = StringField(_l("Deadline (optional; the server's time zone)"), validators=[Optional(), Length(max=100)])


@bp.route("/statements/new", methods=["GET", "POST"])
@coordinator_required
def add_statement():
    form = AddStatementForm()
    status = 200
    if form.validate_on_submit():
        try:
            slug = _ingest(project(), form)
        except ChorusError as error:
            form.text.errors.append(str(error))
            status = 400
        else:
            flash(_("Added %(name)s; its drafts are being made in the background.", name=slug))
            return redirect(url_for("dashboard.index"))
    elif request.method == "POST":
        status = 400
    return render_template("add_statement.html", form=form), status


def _ingest(project_: Project, form: AddStatementForm) -> str:
    upload = form.file.data
    slug = form.slug.data.strip() if form.slug.data and form.slug.data.strip() else None
    deadline = form.deadline.data.strip() if form.deadline.data and form.deadline.data.strip() else None
    if upload and upload.filename:
        suffix = ".md" if upload.filename.lower().endswith((".md", ".markdown")) else ".txt"
        return receive(project_, upload.read(), suffix, slug, deadline, upload.filename)
    if form.text.data and form.text.data.strip():
        return receive(project_, form.text.data.encode("utf-8"), f".{form.kind.data}", slug, deadline)
    raise ChorusError("paste the statement or choose a file")


def receive(project_: Project, data: bytes, suffix: str, slug: str | None, deadline: str | None,
            filename: str | None = None) -> str:
    """Add a statement that came through the web (form or API), queue its drafts and tell the
    volunteers; its name. Bad input is a :class:`ChorusError` and changes nothing."""
    from chorus.deadline import parse
    from chorus.ingest import add_text
    from chorus.notify import statements_added
    from chorus.queue import enqueue_draft

    moment = parse(deadline) if deadline else None
    name = add_text(project_, data, suffix, slug, deadline=moment, filename=filename)
    gitstore.note_change(project_, [project_.statement_dir(name), project_.source_dir / f"{name}{suffix}"],
                         current_user.name, f"add {name}")
    try:
        enqueue_draft(project_, name)
    except Exception:  # noqa: BLE001 — the statement is added; `chorus pretranslate` drafts it too
        log.exception("could not queue the drafts of %s", name)
    statements_added(project_, [name])
    return name
