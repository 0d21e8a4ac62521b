"""Live updates of the review page: Server-Sent Events from what is stored (:mod:`chorus.live`).

``GET /review/<slug>/<lang>/live`` is an ``text/event-stream``. Events:

- ``hello``: every segment's revision and who has which open, on each connection after what
  the page missed (the page compares, and fetches the rows it holds older revisions of);
- ``segment`` (its ``id:`` is the change feed's id, which a reconnecting browser sends back as
  ``Last-Event-ID``): one row rendered anew for this user (text, state, badge, origin, author,
  QA warnings, comments, history);
- ``summary``: the filter counts and the finish box, after rows changed;
- ``claims``: who has which segment open, when that changed;
- ``reshaped``: segments were added or removed: the page offers to reload.

Comment lines (``: ping``) every :data:`HEARTBEAT` seconds keep proxies from closing the
connection; ``X-Accel-Buffering: no`` tells nginx not to buffer. A stream lasts
``LIVE_SECONDS`` and then ends with a ``retry`` hint, so the browser reconnects (resuming at its
``Last-Event-ID``) and no stream holds a thread for ever. A process serves at most
``LIVE_STREAMS`` streams at once; past that, and in servers that answer one request at a time
(gunicorn's sync workers), a connection gets what changed and ends at once, and the browser
comes back after ``LIVE_POLL_SECONDS``: polling, which never pins a worker.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user, login_required

from chorus import editing
from chorus.errors import ChorusError
from chorus.live import News, Watch

from . import actions, extras, finish, project, records, review

log = logging.getLogger(__name__)
bp = Blueprint("live", __name__)

HEARTBEAT = 15.0  # seconds between keep-alive comments
DEFAULTS = {"LIVE_STREAMS": 24, "LIVE_SECONDS": 300, "LIVE_INTERVAL": 1.0, "LIVE_POLL_SECONDS": 10}

_slots_lock = threading.Lock()
_open_streams = 0


def install(app) -> None:
    """Defaults for the settings, ``CHORUS_LIVE_STREAMS`` from the environment (gunicorn)."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if os.environ.get("CHORUS_LIVE_STREAMS", "").isdigit():
        app.config["LIVE_STREAMS"] = int(os.environ["CHORUS_LIVE_STREAMS"])
    app.register_blueprint(bp)


def _take_slot() -> bool:
    global _open_streams
    with _slots_lock:
        if _open_streams >= current_app.config["LIVE_STREAMS"]:
            return False
        _open_streams += 1
        return True


def _give_slot() -> None:
    global _open_streams
    with _slots_lock:
        _open_streams -= 1


def _since() -> int | None:
    for value in (request.headers.get("Last-Event-ID"), request.args.get("since")):
        if value and value.strip().isdigit() and len(value.strip()) < 19:
            return int(value.strip())
    return None


def _event(name: str, data: dict, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


class Renderer:
    """Rows and the summary as the review page shows them to the current user."""

    def __init__(self, slug: str, lang: str, chosen: str):
        self.slug, self.lang, self.chosen = slug, lang, chosen
        self.helpers = extras.Helpers.load(project(), slug, lang)  # glossary and memory, once per stream

    def rows(self, ids) -> tuple[list[dict], dict]:
        everything = actions.editor().segments(self.slug, self.lang)
        wanted = [segment for segment in everything if segment.id in ids]
        context = review.common_context(self.slug, self.lang, self.chosen)
        found = []
        for row in review.build_rows(self.slug, self.lang, wanted, self.helpers):
            segment = row["segment"]
            html = render_template("_segment.html", row=row, **context)
            found.append({"id": segment.id, "revision": segment.revision, "state": segment.state, "html": html})
        return found, self.summary(everything, context)

    def summary(self, everything, context: dict) -> dict:
        counts = review.counts_of(everything, current_user)
        box = finish.state(self.slug, self.lang, everything, counts, current_user)
        return {"counts": counts, "done": box["done"],
                "finish": render_template("_finish.html", finish=box, counts=counts, **context)}


@bp.route("/review/<slug>/<lang>/rows")
@login_required
def rows(slug: str, lang: str):
    """Rows rendered anew (``?ids=a,b``; at most 200), as a ``segment`` event carries them."""
    actions.catalog_for(slug, lang, current_user)
    lang = actions.norm_lang(lang)
    ids = {part for part in request.args.get("ids", "").split(",")[:200] if part}
    found, summary = Renderer(slug, lang, review._filter_name()).rows(ids)
    return {"rows": found, "summary": summary}


@bp.route("/review/<slug>/<lang>/live")
@login_required
def stream(slug: str, lang: str):
    actions.catalog_for(slug, lang, current_user)
    lang = actions.norm_lang(lang)
    config = current_app.config
    threaded = bool(request.environ.get("wsgi.multithread"))
    slot = threaded and _take_slot()
    since = _since()
    chosen = review._filter_name()

    def generate():
        try:
            try:
                renderer = Renderer(slug, lang, chosen)
                watch = Watch(project(), records(), slug, lang, since)
            except (OSError, sqlite3.Error, ChorusError) as error:  # a catalog being repaired: come back later
                log.warning("live updates of %s/%s: %s", slug, lang, editing.storage_reason(error))
                yield f"retry: {int(config['LIVE_POLL_SECONDS'] * 1000)}\n\n"
                return
            if slot:
                yield "retry: 2000\n\n"
            else:  # one answer, then the browser comes back later: polling
                yield f"retry: {int(config['LIVE_POLL_SECONDS'] * 1000)}\n\n"
            yield from _news(renderer, watch, watch.poll())  # what the page missed, then where it stands
            yield _event("hello", {"revisions": watch.revisions, "claims": _claims(watch)}, watch.cursor)
            if not slot:
                return
            ends = time.monotonic() + config["LIVE_SECONDS"]
            beat = time.monotonic() + HEARTBEAT
            while time.monotonic() < ends:
                time.sleep(config["LIVE_INTERVAL"])
                try:
                    news = watch.poll()
                except (OSError, sqlite3.Error, ChorusError) as error:  # a catalog being repaired: look again later
                    log.warning("live updates of %s/%s: %s", slug, lang, editing.storage_reason(error))
                    continue
                if news:
                    yield from _news(renderer, watch, news)
                    beat = time.monotonic() + HEARTBEAT
                elif time.monotonic() >= beat:
                    yield ": ping\n\n"
                    beat = time.monotonic() + HEARTBEAT
        finally:
            if slot:
                _give_slot()

    response = Response(stream_with_context(generate()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _claims(watch: Watch) -> dict[str, str]:
    """Segment → the first other user who has it open (the page shows one name)."""
    mine = current_user.name
    found = {}
    for segment, who in watch.claims.items():
        others = [name for name in who if name != mine]
        if others:
            found[segment] = others[0]
    return found


def _news(renderer: Renderer, watch: Watch, news: News):
    if news.reshaped:
        yield _event("reshaped", {}, news.cursor)
    if news.segments:
        found, summary = renderer.rows(news.segments)
        for row in found:
            yield _event("segment", row, news.cursor)
        yield _event("summary", summary, news.cursor)
    if news.claims_changed:
        yield _event("claims", {"claims": _claims(watch)}, news.cursor)
