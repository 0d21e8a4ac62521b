"""How the web UI answers when something goes wrong: a JSON object (``error`` and ``message``)
for the API and for scripts that ask for JSON, a page for browsers; never a traceback.

Storage that cannot be written (a full disk, a file system turned read-only) is a ``503``
whose message says so and that nothing was saved, so the page keeps the volunteer's text and
they can try again, instead of a generic ``500`` that tempts them to retry into a conflict.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from chorus.editing import Unwritable, storage_reason
from chorus.errors import ChorusError
from chorus.users import N_

__all__ = ["CANNOT_WRITE", "Unwritable", "install", "storage_reason"]

log = logging.getLogger(__name__)

# The messages are English where they are made (the API's JSON keeps them so); pages show them
# in the user's language (they are marked with N_ for the catalogs).
CANNOT_WRITE = N_("The server cannot write right now; your text is kept in this page. Try again in a moment.")
CANNOT_WRITE_ELSE = N_("The server cannot write right now. Try again in a moment.")
CANNOT_READ = N_("The server cannot read its files right now. Try again in a moment.")
SAVES = {"api.put_segment", "api.approve_segment", "review.save", "api.add_comment", "review.comment",
         "api.revert_segment", "review.revert"}
PAGE_MESSAGES = {
    400: N_("The request was not understood."),
    403: N_("You may not do this here."),
    404: N_("There is nothing here."),
    405: N_("This address does not take that method."),
    413: N_("That is too large."),
    415: N_("That kind of content is not taken here."),
    429: N_("Too many requests: wait a little and try again."),
    500: N_("Something went wrong on the server. The error is in the server's log."),
}
FORM_EXPIRED = N_("The form expired or was sent from elsewhere. Go back, reload the page and try again.")


def wants_json() -> bool:
    return (request.path.startswith("/api/") or request.blueprint == "api"
            or request.accept_mimetypes.best == "application/json")


def answer(code: int, error: str, message: str, headers: dict | None = None):
    if wants_json():
        return {"error": error, "message": message}, code, headers or {}
    return error_page(code, message), code, headers or {}


def error_page(code: int, message: str) -> str:
    """The error page, its message in the user's language when the catalogs have it (the start
    of a message: a storage error's reason in parentheses stays as it is)."""
    from flask_babel import gettext

    known, _, rest = message.partition(" (")
    shown = gettext(known) + (f" ({rest}" if rest else "")
    return render_template("error.html", code=code, message=shown)


def install(app: Flask) -> None:
    app.logger  # noqa: B018 — sets up Flask's log handler, which this module's log goes through
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if wants_json():
            return {"error": "csrf", "message": error.description}, 400
        return error_page(400, FORM_EXPIRED), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error  # redirects raised by routing
        name = (error.name or str(error.code)).lower().replace(" ", "_")
        headers = dict(error.get_headers()) if error.code in (405, 429) else {}
        headers.pop("Content-Type", None)
        if wants_json():
            return {"error": name, "message": error.description or PAGE_MESSAGES.get(error.code, name)}, \
                error.code, headers
        message = PAGE_MESSAGES.get(error.code, error.description)
        if error.code in (400, 415, 429) and error.description and not _default_description(error):
            message = error.description
        return error_page(error.code, message), error.code, headers

    @app.errorhandler(ChorusError)
    def chorus_error(error):
        return answer(503, "chorus", str(error))

    @app.errorhandler(Unwritable)
    def unwritable(error):
        log.error("not written (%s %s): %s", request.method, request.path, error.reason)
        return answer(503, "storage", f"{CANNOT_WRITE} ({error.reason})", {"Retry-After": "30"})

    @app.errorhandler(sqlite3.Error)
    @app.errorhandler(OSError)
    def storage_error(error):
        reason = storage_reason(error)
        log.error("storage failed on %s %s: %s", request.method, request.path, reason)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            message = CANNOT_READ
        else:
            message = CANNOT_WRITE if request.endpoint in SAVES else CANNOT_WRITE_ELSE
        return answer(503, "storage", f"{message} ({reason})", {"Retry-After": "30"})

    @app.errorhandler(Exception)
    def internal_error(error):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return answer(500, "internal", PAGE_MESSAGES[500])


def _default_description(error: HTTPException) -> bool:
    return error.description == type(error).description
