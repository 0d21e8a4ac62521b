"""The review page's finish state: nothing left that needs work, who to tell, and for reviewers
the finished statement to copy or download (when the review policy lets it be published)."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, abort
from flask_login import current_user, login_required

from chorus.errors import ChorusError
from chorus.users import N_

from . import actions, extras, project, users

bp = Blueprint("finish", __name__)

MIME = {"txt": "text/plain", "md": "text/markdown"}


def statement_format(slug: str) -> str:
    """``md`` or ``txt``: the format the statement came in (and is published in)."""
    try:
        suffix = project().source_path(slug).suffix
    except ChorusError:
        suffix = ".txt"
    return extras.export_extension("source", suffix)


def state(slug: str, lang: str, everything, counts: dict, user) -> dict:
    """What the finish box says for ``user``: ``done`` (nothing untranslated or in draft),
    ``ready`` (publishable by the policy), ``awaiting`` (sentences waiting for a reviewer),
    ``tell`` (whom to tell), and for reviewers of a ready statement its ``text`` (or the
    ``error`` that keeps it from being published)."""
    policy = project().config.policy
    found = {"done": counts.get("needs-work", 0) == 0 and bool(everything), "ready": False}
    if not found["done"]:
        return found
    by_state = Counter(segment.state for segment in everything)
    by_state["segments"] = len(everything)
    accounts = [account for account in users().all() if account.name != user.name]
    found.update(
        ready=policy.ready(by_state),
        awaiting=by_state["translated"] if policy.publish == "approved" else 0,
        coordinators=[account.name for account in accounts if account.is_coordinator],
        reviewers=[account.name for account in accounts if account.role == "reviewer" and account.can_approve(lang)],
        policy=policy.describe(),
        may_publish=user.can_approve(lang),
        format=statement_format(slug),
    )
    if found["ready"] and found["may_publish"]:
        try:
            found["text"] = extras.render_export(project(), slug, lang, found["format"], draft=False)
        except ChorusError as error:
            found["error"] = str(error)
    return found


@bp.route("/review/<slug>/<lang>/finished")
@login_required
def download(slug: str, lang: str):
    """The finished statement in its own format, for reviewers, once the policy lets it out."""
    actions.catalog_for(slug, lang, current_user, approve=True)
    lang = actions.norm_lang(lang)
    fmt = statement_format(slug)
    try:
        text = extras.render_export(project(), slug, lang, fmt, draft=False)
    except ChorusError as error:
        abort(409, str(error))
    if text is None:
        abort(503, N_("Exporting is not available in this installation."))
    response = Response(text, mimetype=MIME.get(fmt, "text/plain"))
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.{lang}.{fmt}"'
    return response
