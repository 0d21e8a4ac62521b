"""The JSON API: the same work as the pages, for scripts and for the page's JavaScript.

Authenticate with the session (state-changing calls then carry the ``X-CSRFToken`` header)
or with ``Authorization: Bearer TOKEN`` from ``chorus user token NAME``.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from chorus import editing
from chorus.errors import ChorusError
from chorus.records import Refused
from chorus.search import BadQuery
from chorus.users import DIGESTS, EVENTS

from . import actions, csrf, i18n, jobs, project, records, users
from .auth import coordinator_required
from .dashboard import BadRequest, filters_from, overview, receive, run_search, statement_summary

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def authenticate():
    if not current_user.is_authenticated:
        return {"error": "unauthorized", "message": "log in or send 'Authorization: Bearer TOKEN'"}, 401
    if request.method not in ("GET", "HEAD", "OPTIONS") and not current_user.via_token:
        csrf.protect()  # a session call from the page: X-CSRFToken must match


def _json_body(required: bool = True) -> dict:
    """The request's JSON object. Not JSON is a 415, broken or deeply nested JSON a 400, more
    than API_MAX_BODY bytes a 413: each as JSON, never a server error."""
    limit = current_app.config["API_MAX_BODY"]
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"a request body has at most {limit} bytes")
    if not request.is_json:
        if not required and not request.content_length:
            return {}  # nothing sent, and nothing needed
        abort(415, "send a JSON object with 'Content-Type: application/json'")
    data = request.get_data(cache=True)
    if len(data) > limit:
        abort(413, f"a request body has at most {limit} bytes")
    if not required and not data.strip():
        return {}
    try:
        body = json.loads(data)
    except RecursionError:
        abort(400, "the JSON is nested too deeply: send a JSON object of strings")
    except ValueError as error:  # includes undecodable bytes
        abort(400, f"not valid JSON ({str(error)[:120]}): send a JSON object")
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    return body


def _text_field(body: dict, name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        abort(400, f"{name!r} must be a string")
    return value


@bp.get("/statements")
@login_required
def statements():
    """A page of statements (``page``, ``per_page`` up to 100, ``title``, ``lang``, ``state``,
    ``sort``) and how many match in all."""
    try:
        filters = filters_from(request.args, project(), current_user)
    except BadRequest as error:
        abort(400, str(error))
    listing = overview(project(), current_user, filters)
    return {"statements": listing.statements, "total": listing.total, "page": listing.page,
            "per_page": listing.per_page, "pages": listing.pages}


@bp.post("/statements")
@coordinator_required
def add_statement():
    """A new statement (coordinators): JSON ``{"text", "slug"?, "format": "txt"|"md",
    "deadline"?}`` or a form upload (``file``, ``slug``, ``deadline``). Answers 201 with the
    statement; its drafts are made in the background (``job``)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            abort(400, "send the statement as a file field named 'file', or as JSON")
        suffix = ".md" if upload.filename.lower().endswith((".md", ".markdown")) else ".txt"
        data, slug, deadline, filename = upload.read(), request.form.get("slug") or None, \
            request.form.get("deadline") or None, upload.filename
    else:
        body = _json_body()
        text = _text_field(body, "text")
        fmt = body.get("format", "txt")
        if fmt not in ("txt", "md"):
            abort(400, "'format' is \"txt\" or \"md\"")
        data, suffix, filename = text.encode("utf-8", errors="surrogatepass"), f".{fmt}", None
        slug, deadline = _text_field(body, "slug", required=False), _text_field(body, "deadline", required=False)
    try:
        name = receive(project(), data, suffix, slug, deadline, filename)
    except ChorusError as error:
        abort(400, str(error))
    item = statement_summary(project(), current_user, name) or {"slug": name}
    job = jobs().latest([name]).get(name)
    item["job"] = job.as_json() if job else None
    return item, 201, {"Location": f"/api/statements?title={name}"}


@bp.get("/jobs")
@login_required
def list_jobs():
    """Background jobs queued, running or finished in the last day, newest first."""
    return {"jobs": [job.as_json() for job in jobs().recent()]}


@bp.get("/reports/engines")
@coordinator_required
def engines_report():
    """Drafts per engine and language against the published text (``lang`` to choose):
    ``engines`` with ``segments``, ``mean_distance``, ``unchanged``, ``waiting``."""
    from .reports import report_for_request

    return report_for_request().as_json()


@bp.route("/account", methods=["GET", "PUT"])
@login_required
def account():
    """Your mail address, what you are told of and the UI's language:
    ``{"email", "events": [...], "digest", "ui_lang"}`` (``ui_lang`` null: the browser's)."""
    if request.method == "PUT":
        body = _json_body()
        me = users().require(current_user.name)
        try:
            if "email" in body:
                email = body["email"]
                if email is not None and not isinstance(email, str):
                    abort(400, "'email' must be a string or null")
                me = users().set_email(me.name, email or None)
            if "events" in body or "digest" in body:
                events = body.get("events", me.notify.get("events", []))
                digest = body.get("digest", me.notify.get("digest", "off"))
                if not isinstance(events, list) or not all(isinstance(e, str) for e in events) \
                        or not isinstance(digest, str):
                    abort(400, "'events' is a list of strings and 'digest' a string")
                me = users().set_notify(me.name, events, digest)
            if "ui_lang" in body:
                chosen = body["ui_lang"]
                if chosen is not None and (not isinstance(chosen, str) or chosen not in i18n.available()):
                    abort(400, f"'ui_lang' is null or one of {', '.join(i18n.available())}")
                me = users().set_ui_lang(me.name, chosen)
        except ChorusError as error:
            abort(400, str(error))
    me = users().require(current_user.name)
    return {"name": me.name, "role": me.role, "languages": me.langs, "email": me.email,
            "events": me.notify.get("events", []), "digest": me.notify.get("digest", "off"),
            "ui_lang": me.ui_lang, "choices": {"events": EVENTS, "digest": DIGESTS, "ui_lang": list(i18n.available())}}


@bp.get("/search")
@login_required
def search():
    """Segments whose source or translation match ``q``, in ``lang`` and ``statement`` if given."""
    try:
        result = run_search(project(), current_user, request.args)
    except (BadQuery, BadRequest) as error:
        abort(400, str(error))
    return {"query": result.query, "hits": [hit.as_json() for hit in result.hits], "page": result.page,
            "per_page": result.per_page, "more": result.more}


def _segment_json(found, user, lang: str, claims: dict | None = None) -> dict:
    body = found.as_json()
    body["may_approve"] = actions.may_approve(found, user, lang)
    if claims is not None:
        body["open_by"] = claims.get(found.id)
    return body


@bp.get("/statements/<slug>/<lang>/segments")
@login_required
def list_segments(slug: str, lang: str):
    """The segments of a catalog; ``filter``: all, needs-work, untranslated or
    awaiting-approval (translated, not approved, not written by you)."""
    chosen = request.args.get("filter", "all")
    if chosen not in editing.FILTERS:
        abort(400, f"unknown filter {chosen[:40]!r} (use {', '.join(editing.FILTERS)})")
    found = actions.segments(slug, lang, current_user)
    lang = actions.norm_lang(lang)
    claims = records().claimed_by_others(slug, lang, current_user.name)
    return {
        "slug": slug, "lang": lang,
        "can_edit": current_user.can_edit(lang), "can_approve": current_user.can_approve(lang),
        "segments": [_segment_json(s, current_user, lang, claims) for s in found
                     if editing.matches(s, chosen, current_user)],
    }


@bp.get("/statements/<slug>/<lang>/segments/<seg_id>")
@login_required
def get_segment(slug: str, lang: str, seg_id: str):
    found = actions.segment(slug, lang, seg_id, current_user)
    return _segment_json(found, current_user, actions.norm_lang(lang))


@bp.put("/statements/<slug>/<lang>/segments/<seg_id>")
@login_required
def put_segment(slug: str, lang: str, seg_id: str):
    body = _json_body()
    target = _text_field(body, "target")
    revision = _text_field(body, "revision")
    try:
        outcome = actions.save(slug, lang, seg_id, target, revision, current_user)
    except ValueError as error:
        abort(400, str(error))
    return outcome.as_json(), outcome.status


@bp.post("/statements/<slug>/<lang>/segments/<seg_id>/approve")
@login_required
def approve_segment(slug: str, lang: str, seg_id: str):
    """Approve; with ``target`` (and ``revision``) the text is saved and approved in one step
    (four eyes: only when ``self_approval`` allows approving what you wrote)."""
    body = _json_body(required=False)
    revision = _text_field(body, "revision", required=False)
    target = _text_field(body, "target", required=False)
    try:
        if target is not None:
            if revision is None:
                abort(400, "'revision' is needed with 'target'")
            outcome = actions.save(slug, lang, seg_id, target, revision, current_user, approve=True)
        else:
            outcome = actions.approve(slug, lang, seg_id, revision, current_user)
    except ValueError as error:
        abort(400, str(error))
    return outcome.as_json(), outcome.status


@bp.post("/statements/<slug>/<lang>/segments/<seg_id>/revert")
@login_required
def revert_segment(slug: str, lang: str, seg_id: str):
    """``{"event": ID, "revision": REV}``: the text event ID left becomes current again (a new
    event); 409 when the segment is no longer at REV."""
    body = _json_body()
    revision = _text_field(body, "revision")
    event = body.get("event")
    if isinstance(event, bool) or not isinstance(event, int):
        abort(400, "'event' must be the id (a number) of an event of the segment's history")
    try:
        outcome = actions.revert(slug, lang, seg_id, event, revision, current_user)
    except ValueError as error:
        abort(400, str(error))
    return outcome.as_json(), outcome.status


@bp.get("/statements/<slug>/<lang>/segments/<seg_id>/history")
@login_required
def segment_history(slug: str, lang: str, seg_id: str):
    """The segment's events, newest first: ``id``, ``user``, ``action``, ``target``, ``time``…"""
    actions.segment(slug, lang, seg_id, current_user)
    lang = actions.norm_lang(lang)
    return {"events": [event.as_json() for event in records().events(slug, lang, seg_id)]}


@bp.get("/statements/<slug>/<lang>/segments/<seg_id>/suggestions")
@login_required
def segment_suggestions(slug: str, lang: str, seg_id: str):
    """Each engine of the language's chain and the memory: ``suggestions``, a list of
    ``engine``, ``origin``, ``text`` or ``error`` (and for memory ``score``, ``source``,
    ``slug``); ``refresh=1`` asks the engines again instead of using the cache."""
    from .suggestions import for_segment

    found = for_segment(slug, lang, seg_id, current_user, refresh=request.args.get("refresh") == "1")
    return found.as_json()


@bp.post("/statements/<slug>/<lang>/segments/<seg_id>/open")
@login_required
def open_segment(slug: str, lang: str, seg_id: str):
    """Note that the user is working on a segment, so "next" hands it to nobody else for a while
    (a user holds a few segments at most: opening another lets go of the oldest)."""
    actions.editable_segment(slug, lang, seg_id, current_user)
    lang = actions.norm_lang(lang)
    records().claim(slug, lang, seg_id, current_user.name)
    return {"ok": True, "open_by_others": records().claimed_by_others(slug, lang, current_user.name)}


@bp.get("/statements/<slug>/<lang>/segments/<seg_id>/comments")
@login_required
def list_comments(slug: str, lang: str, seg_id: str):
    """The segment's comments, oldest first: ``id``, ``user``, ``text``, ``time``."""
    actions.segment(slug, lang, seg_id, current_user)
    lang = actions.norm_lang(lang)
    return {"comments": [item.as_json() for item in records().segment_comments(slug, lang, seg_id)]}


@bp.post("/statements/<slug>/<lang>/segments/<seg_id>/comments")
@login_required
def add_comment(slug: str, lang: str, seg_id: str):
    """A comment on a segment: ``{"text": "..."}`` (``@name`` tells that person); answers with
    the segment's comments."""
    text = _text_field(_json_body(), "text")
    try:
        comments = actions.comment(slug, lang, seg_id, text, current_user)
    except ValueError as error:
        abort(400, str(error))
    except Refused as refused:
        raise TooManyRequests(str(refused), retry_after=refused.retry_after) from None
    return {"comments": comments}, 201


@bp.route("/statements/<slug>/<lang>/next", methods=["GET", "POST"])
@login_required
def next_segment(slug: str, lang: str):
    """The next segment that needs work (``filter=awaiting-approval``: that awaits your
    approval) and that nobody else has open; POST also opens it."""
    chosen = request.args.get("filter", "needs-work")
    if chosen not in ("needs-work", "awaiting-approval"):
        abort(400, "filter is needs-work or awaiting-approval")
    lang = actions.norm_lang(lang)
    found = actions.next_for(slug, lang, request.args.get("after"), current_user, (chosen,))
    if found is not None and request.method == "POST" and current_user.can_edit(lang):
        records().claim(slug, lang, found.id, current_user.name)
    return {"next": found.id if found else None}
