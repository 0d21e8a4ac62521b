"""Reports for coordinators: which engine saves volunteers work (:mod:`chorus.engine_report`)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from chorus.engine_report import engine_report
from chorus.errors import ChorusError

from . import project, records
from .auth import coordinator_required

bp = Blueprint("reports", __name__)


def report_for_request():
    """The report for ``?lang=`` (every language when absent); a bad code is a 400."""
    langs = [lang for lang in request.args.getlist("lang") if lang]
    try:
        return engine_report(project(), project().resolve_langs(langs) if langs else None, records())
    except ChorusError as error:
        abort(400, str(error))


@bp.route("/reports/engines")
@coordinator_required
def engines_page():
    """Drafts per engine and language against the published text, as ``chorus report engines``."""
    return render_template("reports_engines.html", report=report_for_request(), langs=project().config.langs,
                           chosen=request.args.get("lang", ""))
