"""The review page: one row per segment, keyboard first, forms that work without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from chorus import editing
from chorus.records import Refused

from . import actions, extras, finish, project, records, suggestions, sync
from .errors import CANNOT_WRITE, Unwritable

bp = Blueprint("review", __name__)

RTL_LANGS = {"ar", "arc", "ckb", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "sd", "ur", "yi", "ug"}


def text_direction(lang: str) -> str:
    """``rtl`` for right-to-left languages (Babel knows; a short list is the fallback)."""
    try:
        from babel import Locale

        return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"
    except Exception:  # noqa: BLE001 — an unusual code still gets a page
        return "rtl" if lang.split("_")[0] in RTL_LANGS else "ltr"


def html_lang(lang: str) -> str:
    return lang.replace("_", "-")


class SegmentForm(FlaskForm):
    """Only for the CSRF token: the fields are plain inputs named target, revision, action."""


FILTER_LABELS = {"needs-work": _l("Needs work"), "awaiting-approval": _l("Awaiting your approval"),
                 "untranslated": _l("Untranslated"), "all": _l("All")}


def _filter_name() -> str:
    name = request.values.get("filter", "all")
    return name if name in editing.FILTERS else "all"


def build_rows(slug: str, lang: str, shown, helpers: "extras.Helpers") -> list[dict]:
    """What the page shows for each segment of ``shown`` (looked up for the current user)."""
    comments = records().comments(slug, lang)
    history = records().history(slug, lang)
    claims = records().claimed_by_others(slug, lang, current_user.name)
    merged = sync.alternatives(project(), slug, lang)  # versions a git merge kept, offered first
    return [{
        "segment": segment,
        "terms": helpers.terms(segment.source),
        "warnings": helpers.warnings(segment.source, segment.target, segment.flags),
        "suggestions": merged.get(segment.id, []) + (helpers.suggestions(segment.source) if segment.state != "approved" else []),
        "comments": comments.get(segment.id, []),
        "history": history.get(segment.id, []),
        "claimed_by": claims.get(segment.id),
        "may_approve": actions.may_approve(segment, current_user, lang),
        "source_change": extras.diff_html(segment.previous_source, segment.source)
        if segment.previous_source and segment.state == "fuzzy" else None,
        "source_changes": {event.id: extras.diff_html(event.old_source, segment.source)
                           for event in history.get(segment.id, []) if event.old_source},
    } for segment in shown]


def common_context(slug: str, lang: str, chosen: str) -> dict:
    """What the page and each row rendered alone (for a live update) share."""
    return dict(
        slug=slug, lang=lang, html_lang=html_lang(lang), direction=text_direction(lang),
        source_lang=html_lang(project().config.source_lang),
        source_direction=text_direction(project().config.source_lang),
        filter=chosen, can_edit=current_user.can_edit(lang), can_approve=current_user.can_approve(lang),
        comment_length=current_app.config["COMMENT_LENGTH"], policy=project().config.policy,
        conflict=None, kept=None, engine_panel=None,
    )


def counts_of(everything, user) -> dict[str, int]:
    return {name: sum(1 for s in everything if editing.matches(s, name, user)) for name in editing.FILTERS}


@bp.route("/review/<slug>/<lang>")
@login_required
def page(slug: str, lang: str, conflict: dict | None = None, status: int = 200, kept: dict | None = None,
         headers: dict | None = None):
    since = records().last_change()  # before reading: a change made meanwhile is sent again, not lost
    everything = actions.segments(slug, lang, current_user)
    lang = actions.norm_lang(lang)
    chosen = _filter_name()
    shown = [segment for segment in everything if editing.matches(segment, chosen, current_user)]
    helpers = extras.Helpers.load(project(), slug, lang)
    rows = build_rows(slug, lang, shown, helpers)
    counts = counts_of(everything, current_user)
    from .dashboard import statement_summary

    statement = statement_summary(project(), current_user, slug)
    context = common_context(slug, lang, chosen)
    engine_panel, proposed = suggestions.for_page(slug, lang, current_user, shown)  # ?suggest=<id>
    context.update(conflict=conflict, kept=kept or proposed, engine_panel=engine_panel)
    return render_template(
        "review.html", rows=rows, filters=FILTER_LABELS, counts=counts, total=len(everything),
        form=SegmentForm(), preview=extras.preview(project(), slug, lang, everything),
        statement=statement, title=statement_title(statement, slug), since=since,
        finish=finish.state(slug, lang, everything, counts, current_user), **context,
    ), status, headers or {}


def statement_title(statement: dict | None, slug: str) -> str:
    """The statement's title as the index knows it (the slug when it cannot be read)."""
    return (statement or {}).get("title") or slug


@bp.route("/review/<slug>/<lang>/<seg_id>", methods=["POST"])
@login_required
def save(slug: str, lang: str, seg_id: str):
    """The form fallback of the JavaScript save (same rules as the API)."""
    if not SegmentForm().validate_on_submit():
        abort(400)
    lang = actions.norm_lang(lang)
    action = request.form.get("action", "save")
    target = request.form.get("target", "")
    revision = request.form.get("revision", "")
    try:
        outcome = actions.save(slug, lang, seg_id, target, revision, current_user, approve=action == "approve")
    except ValueError as error:
        flash(_("Not saved: %(reason)s.", reason=error))
        return page(slug, lang, status=400, kept={"id": seg_id, "target": target})
    except Unwritable as error:
        flash(_("Not saved.") + f" {_(CANNOT_WRITE)} ({error.reason})")
        return page(slug, lang, status=503, kept={"id": seg_id, "target": target}, headers={"Retry-After": "30"})
    if outcome.status == 409:
        mine = {"id": seg_id, "target": target, "theirs": outcome.segment}
        return page(slug, lang, conflict=mine, status=409)
    flash(_("Approved.") if action == "approve" else _("Saved."))
    return redirect(_page_url(slug, lang, outcome.next_id or seg_id))


def _page_url(slug: str, lang: str, seg_id: str | None) -> str:
    url = url_for("review.page", slug=slug, lang=lang, filter=_filter_name())
    return f"{url}#seg-{seg_id}" if seg_id else url


@bp.route("/review/<slug>/<lang>/<seg_id>/revert", methods=["POST"])
@login_required
def revert(slug: str, lang: str, seg_id: str):
    """The revert button of a history event (the form fallback of the page's script)."""
    if not SegmentForm().validate_on_submit():
        abort(400)
    lang = actions.norm_lang(lang)
    event = request.form.get("event", "")
    if not event.isdigit():
        abort(400, "which event? (a number)")
    outcome = actions.revert(slug, lang, seg_id, int(event), request.form.get("revision", ""), current_user)
    if request.accept_mimetypes.best == "application/json":
        return outcome.as_json(), outcome.status
    if outcome.status == 409:
        flash(_("Not reverted: someone changed this segment since you opened it. Look again and retry."))
        return page(slug, lang, status=409)
    flash(_("Reverted."))
    return redirect(_page_url(slug, lang, seg_id))


@bp.route("/review/<slug>/<lang>/<seg_id>/comment", methods=["POST"])
@login_required
def comment(slug: str, lang: str, seg_id: str):
    if not SegmentForm().validate_on_submit():
        abort(400)
    text = request.form.get("text", "")
    try:
        comments = actions.comment(slug, lang, seg_id, text, current_user)
    except ValueError as error:
        return _comment_refused(slug, lang, seg_id, text, _("Comment not added: %(reason)s.", reason=error), 400)
    except Refused as refused:
        return _comment_refused(slug, lang, seg_id, text, _("Comment not added: %(reason)s.", reason=refused), 429,
                                {"Retry-After": str(refused.retry_after)} if refused.retry_after else {})
    if request.accept_mimetypes.best == "application/json":
        return {"comments": comments}
    return redirect(_page_url(slug, lang, seg_id))


def _comment_refused(slug: str, lang: str, seg_id: str, text: str, message: str, status: int, headers=None):
    if request.accept_mimetypes.best == "application/json":
        return {"error": "comment", "message": message}, status, headers or {}
    flash(message)
    return page(slug, lang, status=status, headers=headers,
                kept={"id": seg_id, "comment": text})


@bp.route("/review/<slug>/<lang>/next", methods=["GET", "POST"])
@login_required
def next_segment(slug: str, lang: str):
    """Go to the next segment that needs work and that nobody else has open; the button posts,
    which also opens the segment for a while (a GET only looks)."""
    if request.method == "POST" and not SegmentForm().validate_on_submit():
        abort(400)
    lang = actions.norm_lang(lang)
    chosen = "awaiting-approval" if request.values.get("filter") == "awaiting-approval" else "needs-work"
    found = actions.next_for(slug, lang, request.values.get("after"), current_user, (chosen,))
    if found is None:
        flash(_("Nothing left that needs work here."))
        return redirect(_page_url(slug, lang, None))
    if request.method == "POST" and current_user.can_edit(lang):
        records().claim(slug, lang, found.id, current_user.name)
    return redirect(_page_url(slug, lang, found.id))


@bp.route("/review/<slug>/<lang>/preview")
@login_required
def preview(slug: str, lang: str):
    everything = actions.segments(slug, lang, current_user)
    lang = actions.norm_lang(lang)
    return render_template("preview.html", preview=extras.preview(project(), slug, lang, everything),
                           html_lang=html_lang(lang), direction=text_direction(lang))
