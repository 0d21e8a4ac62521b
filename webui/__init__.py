"""The review web UI: volunteers translate and approve segments in the browser.

One machine::

    chorus serve --port 5000

Production, several workers (all share the catalogs' file locks and one SQLite file)::

    CHORUS_PROJECT=/srv/network gunicorn -w 4 -b 127.0.0.1:8000 "webui:create_app()"
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from chorus.errors import ChorusError
from chorus.project import Project
from chorus.users import UserStore, instance_dir

from .store import Store

csrf = CSRFProtect()
login_manager = LoginManager()


def create_app(project_dir: str | os.PathLike | None = None, config: dict | None = None) -> Flask:
    """The Flask app for the project in ``project_dir`` (else $CHORUS_PROJECT, else here)."""
    root = Path(project_dir or os.environ.get("CHORUS_PROJECT") or ".").resolve()
    project = Project.load(root)
    folder = instance_dir(project)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    app = Flask(__name__, instance_path=str(folder))
    app.config.update(
        SECRET_KEY=os.environ.get("CHORUS_SECRET_KEY") or _secret_key(folder),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("CHORUS_SECURE_COOKIES", "") == "1",
        SESSION_COOKIE_NAME="chorus_session",
        PERMANENT_SESSION_LIFETIME=14 * 24 * 3600,
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        CHORUS_PROJECT=str(root),
        LOGIN_ATTEMPTS=5,  # failures per user name within LOGIN_WINDOW seconds
        LOGIN_ATTEMPTS_PER_ADDRESS=30,
        LOGIN_WINDOW=15 * 60,
    )
    app.config.update(config or {})
    if os.environ.get("CHORUS_BEHIND_PROXY") == "1":  # trust one proxy's X-Forwarded-For/-Proto
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.extensions["chorus_users"] = UserStore(folder)
    app.extensions["chorus_store"] = Store(folder)

    csrf.init_app(app)
    login_manager.init_app(app)

    from . import api, auth, dashboard, export, review

    for module in (auth, dashboard, review, api, export):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # the API checks CSRF itself for session calls (X-CSRFToken)

    _hooks(app)
    return app


def _secret_key(folder: Path) -> str:
    """One key per instance, shared by all workers: created once, atomically, readable by us only."""
    path = folder / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            import time

            time.sleep(0.05)  # another worker is writing it right now
        raise ChorusError(f"{path} is empty; delete it and start again")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as stream:
        stream.write(key)
    return key


def project() -> Project:
    """The project, re-read at most once per request (chorus.toml may gain languages)."""
    from flask import current_app

    if "chorus_project" not in g:
        g.chorus_project = Project.load(current_app.config["CHORUS_PROJECT"])
    return g.chorus_project


def users() -> UserStore:
    from flask import current_app

    return current_app.extensions["chorus_users"]


def store() -> Store:
    from flask import current_app

    return current_app.extensions["chorus_store"]


def _hooks(app: Flask) -> None:
    @app.template_filter("when")
    def when(seconds: float) -> str:
        import datetime as dt

        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.blueprint == "api":
            return {"error": "csrf", "message": error.description}, 400
        return render_template("error.html", code=400, message="The form expired or was sent from elsewhere. "
                               "Go back, reload the page and try again."), 400

    for code, message in ((403, "You may not do this here."), (404, "There is nothing here."),
                          (405, "This address does not take that method."),
                          (413, "That is too large.")):
        app.register_error_handler(code, _error_page(code, message))

    @app.errorhandler(ChorusError)
    def chorus_error(error):
        if request.blueprint == "api":
            return {"error": "chorus", "message": str(error)}, 503
        return render_template("error.html", code=503, message=str(error)), 503


def _error_page(code: int, message: str):
    def handler(error):
        if request.blueprint == "api":
            return {"error": getattr(error, "name", str(code)).lower().replace(" ", "_"),
                    "message": getattr(error, "description", message)}, code
        return render_template("error.html", code=code, message=message), code

    return handler
