"""Downloads of the localized statements, for coordinators."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from chorus.errors import ChorusError

from . import actions, extras, project
from .auth import coordinator_required

bp = Blueprint("export", __name__)

MIME = {"txt": "text/plain", "md": "text/markdown", "html": "text/html", "proof": "text/html"}


@bp.route("/export/<slug>/<lang>")
@coordinator_required
def download(slug: str, lang: str):
    actions.catalog_for(slug, lang, current_user)
    lang = actions.norm_lang(lang)
    formats = extras.export_formats(project())
    fmt = request.args.get("format")
    if fmt is None:
        return render_template("export.html", slug=slug, lang=lang, formats=formats)
    if fmt not in formats:
        abort(404)
    draft = request.args.get("draft") == "1"
    try:
        text = extras.render_export(project(), slug, lang, fmt, draft)
    except ChorusError as error:
        return render_template("export.html", slug=slug, lang=lang, formats=formats, error=str(error),
                               fmt=fmt), 409
    if text is None:
        return render_template("error.html", code=503,
                               message=_("Exporting is not available in this installation.")), 503
    extension = _extension(slug, fmt)
    response = Response(text, mimetype=MIME.get(extension.rsplit(".", 1)[-1], "text/plain"))
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.{lang}.{extension}"'
    return response


def _extension(slug: str, fmt: str) -> str:
    try:
        suffix = project().source_path(slug).suffix
    except ChorusError:
        suffix = ".txt"
    return extras.export_extension(fmt, suffix)
