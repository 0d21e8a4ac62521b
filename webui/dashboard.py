"""The dashboard: statements × languages with progress, and adding statements (coordinators)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from chorus import catalog
from chorus.errors import ChorusError
from chorus.project import Project
from chorus.status import collect

from . import project
from .auth import coordinator_required
from .segments import block_kind

bp = Blueprint("dashboard", __name__)


def overview(project_: Project, user) -> list[dict]:
    """One item per statement, newest first, with a row per language the user can see."""
    rows = collect(project_, [], [])
    statements: dict[str, dict] = {}
    for slug in project_.statements():
        template = catalog.read(project_.template_path(slug))
        statements[slug] = {
            "slug": slug,
            "title": _title(template) or slug,
            "date": _date(project_, slug, template),
            "languages": [],
        }
    threshold = project_.config.publish_threshold
    for row in rows:
        reviewed = row["percent"]["approved"]
        statements[row["statement"]]["languages"].append({
            "lang": row["lang"],
            "segments": row["segments"],
            "words": row["words"],
            "counts": {key: row[key] for key in catalog.STATES},
            "percent": row["percent"],
            "ready": row["segments"] > 0 and reviewed >= threshold,
            "missing": row["missing"],
            "can_edit": user.can_edit(row["lang"]),
        })
    return sorted(statements.values(), key=lambda item: (item["date"], item["slug"]), reverse=True)


def _title(template) -> str | None:
    for entry in template:
        if "title" in block_kind(entry).split(", "):
            return entry.msgid
    return None


def _date(project_: Project, slug: str, template) -> str:
    """The statement's date, else the day its template was written (ISO, sorts newest first)."""
    value = template.metadata.get(catalog.DATE_HEADER, "")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        stamp = project_.template_path(slug).stat().st_mtime
        return dt.date.fromtimestamp(stamp).isoformat()


@bp.route("/")
@login_required
def index():
    return render_template("dashboard.html", statements=overview(project(), current_user),
                           threshold=project().config.publish_threshold,
                           formats=_formats(project()))


def _formats(project_: Project) -> list[str]:
    from .extras import export_formats

    return export_formats(project_)


class AddStatementForm(FlaskForm):
    slug = StringField("Short name (optional: from the file name or the title)",
                       validators=[Optional(), Length(max=80)])
    kind = RadioField("Format", choices=["txt", "md"], default="txt")
    text = TextAreaField("Statement text", validators=[Optional(), Length(max=2_000_000)])
    file = FileField("…or a file (.txt or .md)")


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
            flash(f"Added {slug}.")
            return redirect(url_for("dashboard.index"))
    elif request.method == "POST":
        status = 400
    return render_template("add_statement.html", form=form), status


def _ingest(project_: Project, form: AddStatementForm) -> str:
    from chorus.ingest import apply, plan_add
    from chorus.project import check_slug, slugify

    upload = form.file.data
    slug = check_slug(form.slug.data.strip()) if form.slug.data and form.slug.data.strip() else None
    if upload and upload.filename:
        data = upload.read()
        suffix = ".md" if upload.filename.lower().endswith((".md", ".markdown")) else ".txt"
        name = slug or slugify(upload.filename) or "statement"
    elif form.text.data and form.text.data.strip():
        data = form.text.data.replace("\r\n", "\n").encode("utf-8")
        suffix = f".{form.kind.data}"
        name = slug or slugify(_text_title(project_, form.text.data, suffix)) or "statement"
    else:
        raise ChorusError("paste the statement or choose a file")
    name = check_slug(name)
    if name in project_.statements():
        raise ChorusError(f"a statement named {name} exists already: choose another short name")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_bytes(data)
        plans = plan_add(project_, [path], name)
        apply(project_, plans)
    return name


def _text_title(project_: Project, text: str, suffix: str) -> str:
    """The statement's title (for its short name), else its first words."""
    from chorus.document import format_for, parse

    try:
        title = parse(text.replace("\r\n", "\n"), project_.config.source_lang, format_for(f"x{suffix}")).title
    except Exception:  # noqa: BLE001 — a name is a convenience; ingesting reports real problems
        title = None
    return title or " ".join(text.split()[:6])
