"""Logging in and out, who may do what, and account management for coordinators."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from chorus.errors import ChorusError
from chorus.project import parse_langs
from chorus.users import DIGESTS, EVENTS, MAX_PASSWORD, ROLES, User, normalize_name

from . import i18n, login_manager, project, store, users
from .store import LoginLimits, Refused

bp = Blueprint("auth", __name__)


class Account:
    """A :class:`chorus.users.User` as Flask-Login wants it."""

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, user: User, via_token: bool = False, session_id: str | None = None):
        self.user = user
        self.via_token = via_token
        self.session_id = session_id

    def __getattr__(self, name):
        return getattr(self.user, name)

    def get_id(self) -> str | None:
        # The cookie carries the id of a session kept in users.sqlite: logging out, a new
        # password or removing the account ends it there, so a copied cookie stops working.
        return self.session_id


@login_manager.user_loader
def load_user(session_id: str):
    if _bearer_token() is not None:
        return None  # a request carrying a token is judged by the token alone
    user = users().by_session(session_id)
    return Account(user, session_id=session_id) if user else None


@login_manager.request_loader
def load_user_from_token(request_):
    token = _bearer_token()
    if token is None or request_.blueprint != "api":
        return None
    user = users().by_token(token)
    return Account(user, via_token=True) if user else None


@login_manager.unauthorized_handler
def unauthorized():
    if request.blueprint == "api":
        return {"error": "unauthorized", "message": "log in or send 'Authorization: Bearer TOKEN'"}, 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def coordinator_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL (no open redirect)."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        name = normalize_name(form.username.data.strip())
        address = request.remote_addr or "?"
        device = _known_browser(name)
        try:
            attempt = store().begin_login(name, address, device, login_limits())
        except Refused as refused:
            status, headers = 429, {"Retry-After": str(refused.retry_after)}
            form.password.errors.append(_("Too many failed attempts: wait %(time)s and try again.", time=_wait(refused.retry_after)))
        else:
            user = users().authenticate(name, form.password.data)
            if user is not None:
                store().login_succeeded(attempt, name, address, device)
                lifetime = current_app.permanent_session_lifetime.total_seconds()
                login_user(Account(user, session_id=users().open_session(user.name, lifetime)))
                response = redirect(_safe_next(request.args.get("next")))
                _remember_browser(response, user.name, device)
                return response
            form.password.errors.append(_("Wrong user name or password."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status, headers


def login_limits() -> LoginLimits:
    config = current_app.config
    return LoginLimits(window=config["LOGIN_WINDOW"], per_pair=config["LOGIN_ATTEMPTS"],
                       per_address=config["LOGIN_ATTEMPTS_PER_ADDRESS"],
                       per_user=config["LOGIN_ATTEMPTS_PER_USER"], max_delay=config["LOGIN_MAX_DELAY"])


def _wait(seconds: int) -> str:
    from flask_babel import ngettext

    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", round(seconds / 60))


# A browser where a user logged in before carries a signed cookie naming them, so that failures
# from other browsers (an attacker sharing the office's address) do not keep that user out.
KNOWN_BROWSER_COOKIE = "chorus_known"
KNOWN_BROWSER_DAYS = 180
KNOWN_BROWSER_NAMES = 5  # users remembered per browser (a shared office computer)


def _browser_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="chorus-known-browser")


def _known_browsers() -> dict[str, str]:
    raw = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not raw or len(raw) > 4096:
        return {}
    try:
        known = _browser_signer().loads(raw, max_age=KNOWN_BROWSER_DAYS * 24 * 3600)
    except BadSignature:
        return {}
    return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}


def _known_browser(name: str) -> str | None:
    """The key of this browser for ``name`` if ``name`` logged in from it before."""
    return _known_browsers().get(name)


def _remember_browser(response, name: str, device: str | None) -> None:
    import secrets

    known = _known_browsers()
    known.pop(name, None)
    known[name] = device or secrets.token_urlsafe(16)
    kept = dict(list(known.items())[-KNOWN_BROWSER_NAMES:])
    response.set_cookie(KNOWN_BROWSER_COOKIE, _browser_signer().dumps(kept),
                        max_age=KNOWN_BROWSER_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


class LogoutForm(FlaskForm):
    pass


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if not LogoutForm().validate_on_submit():
        abort(400)
    if current_user.session_id:
        users().end_session(current_user.session_id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


# --- your own account ------------------------------------------------------------------------


class AccountForm(FlaskForm):
    ui_lang = SelectField(_l("Language of this interface"), choices=[], default="")
    email = StringField(_l("Mail address (for notifications)"), validators=[Length(max=254)])


class TokenForm(FlaskForm):
    pass


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Your interface language, mail address, what you are told of and how often, and your API token."""
    form = _account_form()
    status = 200
    me = users().require(current_user.name)
    if request.method == "GET":
        form.email.data = me.email or ""
        form.ui_lang.data = _shown_ui_lang(me)
    elif form.validate_on_submit():
        try:
            users().set_email(me.name, form.email.data.strip() or None)
            users().set_notify(me.name, request.form.getlist("events"), request.form.get("digest", "off"))
            users().set_ui_lang(me.name, form.ui_lang.data or None)
        except ChorusError as error:
            form.email.errors.append(str(error))
            status = 400
        else:
            current_user.user = users().require(me.name)
            refresh()  # the message below speaks the language just chosen
            flash(_("Saved your settings."))
            return redirect(url_for("auth.account"))
    else:
        status = 400
    return _account_page(form, users().require(me.name), None), status


def _account_form() -> "AccountForm":
    form = AccountForm()
    form.ui_lang.choices = [("", _("as my browser asks"))] + i18n.choices()
    return form


def _shown_ui_lang(me: User) -> str:
    """The user's UI language as the menu shows it ("": the browser's; also for a language
    whose catalog this server no longer has)."""
    return me.ui_lang if me.ui_lang in i18n.available() else ""


def _account_page(form: "AccountForm", me: User, token: str | None):
    return render_template("account.html", form=form, me=me, events=i18n.labels(EVENTS),
                           digests=i18n.labels(DIGESTS), token_form=TokenForm(), token=token,
                           mail=bool(_notify_mail()))


def _notify_mail() -> bool:
    table = project().config.settings.get("notify")
    return isinstance(table, dict) and bool(table.get("smtp_host"))


@bp.route("/account/token", methods=["POST"])
@login_required
def new_token():
    """A new API token for yourself, shown once (the old one stops working)."""
    if not TokenForm().validate_on_submit():
        abort(400)
    token = users().new_token(current_user.name)
    me = users().require(current_user.name)
    form = _account_form()
    form.email.data = me.email or ""
    form.ui_lang.data = _shown_ui_lang(me)
    return _account_page(form, me, token)


# --- accounts (coordinators) ------------------------------------------------------------------


class NewUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=list(ROLES), default="translator")
    langs = StringField(_l("Languages (comma separated)"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class RemoveUserForm(FlaskForm):
    pass


@bp.route("/users", methods=["GET", "POST"])
@coordinator_required
def manage_users():
    form = NewUserForm()
    form.role.choices = [(role, i18n.role_name(role)) for role in ROLES]
    status = 200
    if form.validate_on_submit():
        try:
            langs = parse_langs(form.langs.data) if form.langs.data.strip() else []
            created = users().add(form.name.data.strip(), form.password.data, role=form.role.data, langs=langs)
        except ChorusError as error:
            form.name.errors.append(str(error))
            status = 400
        else:
            flash(_("Added %(name)s.", name=created.name))
            return redirect(url_for("auth.manage_users"))
    elif request.method == "POST":
        status = 400
    return render_template("users.html", form=form, users=users().all(), remove_form=RemoveUserForm(),
                           langs=project().config.langs), status


@bp.route("/users/<name>/remove", methods=["POST"])
@coordinator_required
def remove_user(name: str):
    if not RemoveUserForm().validate_on_submit():
        abort(400)
    if name == current_user.name:
        flash(_("You cannot remove your own account here."))
        return redirect(url_for("auth.manage_users"))
    try:
        users().remove(name)
    except ChorusError:
        abort(404)
    flash(_("Removed %(name)s.", name=name))
    return redirect(url_for("auth.manage_users"))
