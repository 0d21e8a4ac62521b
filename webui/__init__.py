"""The review web UI: volunteers translate and approve segments in the browser.

One machine::

    chorus serve --port 5000

Production, several workers (all share the catalogs' file locks and one SQLite file), threaded
so that the review pages' live-update streams leave threads free (see :mod:`webui.live`)::

    CHORUS_PROJECT=/srv/network gunicorn -w 4 -k gthread --threads 32 -b 127.0.0.1:8000 "webui:create_app()"
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from chorus.errors import ChorusError
from chorus.project import Project
from chorus.jobs import Jobs
from chorus.records import Records
from chorus.users import UserStore, instance_dir

from .store import Store

csrf = CSRFProtect()
login_manager = LoginManager()


def create_app(project_dir: str | os.PathLike | None = None, config: dict | None = None) -> Flask:
    """The Flask app for the project in ``project_dir`` (else $CHORUS_PROJECT, else here)."""
    root = Path(project_dir or os.environ.get("CHORUS_PROJECT") or ".").resolve()
    project = Project.load(root)
    _tidy(project)
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
        LOGIN_ATTEMPTS=5,  # failures per user name and address (or known browser) in LOGIN_WINDOW s
        LOGIN_ATTEMPTS_PER_ADDRESS=30,  # past these, attempts from one address are spaced out
        LOGIN_ATTEMPTS_PER_USER=30,  # past these, attempts for one name from anywhere are spaced out
        LOGIN_MAX_DELAY=60,  # seconds: the longest wait between spaced-out attempts
        LOGIN_WINDOW=15 * 60,
        COMMENT_LENGTH=2000,  # characters
        COMMENTS_PER_SEGMENT=50,
        COMMENT_RATES=((10, 60), (200, 24 * 3600)),  # (comments, seconds) per user
        API_MAX_BODY=1024 * 1024,  # bytes of a JSON request
        QUEUE_CONSUMER=None,  # run the background queue here (None: unless TESTING or CHORUS_QUEUE_CONSUMER=0)
    )
    app.config.update(config or {})
    if os.environ.get("CHORUS_BEHIND_PROXY") == "1":  # trust one proxy's X-Forwarded-For/-Proto
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.extensions["chorus_users"] = UserStore(folder)
    app.extensions["chorus_store"] = Store(folder)
    app.extensions["chorus_records"] = Records(folder)
    app.extensions["chorus_records"].db()  # the tables exist before the first request
    app.extensions["chorus_jobs"] = Jobs.for_project(project)

    csrf.init_app(app)
    login_manager.init_app(app)
    from . import i18n

    i18n.install(app)  # the UI in the user's language, dates and numbers as it writes them

    from . import api, auth, dashboard, export, finish, live, reports, review, sync

    for module in (auth, dashboard, review, finish, api, export, reports):
        app.register_blueprint(module.bp)
    live.install(app)  # live updates of the review page (Server-Sent Events)
    csrf.exempt(api.bp)  # the API checks CSRF itself for session calls (X-CSRFToken)
    sync.install(app)  # git sync: its thread, /api/sync and the "synced 5 minutes ago" line

    _hooks(app)
    _consume(app, project)
    return app


def _consume(app: Flask, project: Project) -> None:
    """Run the background queue in this process (see :mod:`chorus.queue`: one process of the
    project consumes at a time, the others wait to take over)."""
    from chorus import notify  # noqa: F401 — its hooks tell people about saves and comments
    from chorus.queue import start_background

    wanted = app.config["QUEUE_CONSUMER"]
    if wanted is None:
        wanted = not app.config.get("TESTING") and os.environ.get("CHORUS_QUEUE_CONSUMER", "1") != "0"
    if wanted:
        app.extensions["chorus_consumer"] = start_background(project)


def _tidy(project: Project) -> None:
    """Remove the temp files that killed runs left in the project, as every command does first
    (gunicorn starts the app without a command)."""
    from chorus.files import tidy

    try:
        tidy(project)
    except OSError:  # read-only storage: the server still serves, and says so on a save
        pass


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


def jobs() -> Jobs:
    """Background jobs and their progress (:mod:`chorus.jobs`)."""
    from flask import current_app

    return current_app.extensions["chorus_jobs"]


def records() -> Records:
    """Comments, history and open segments (:mod:`chorus.records`)."""
    from flask import current_app

    return current_app.extensions["chorus_records"]


def _hooks(app: Flask) -> None:
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

    from . import errors

    errors.install(app)
