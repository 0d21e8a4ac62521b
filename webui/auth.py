"""Logging in and out, who may do what, and account management for coordinators."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from chorus.errors import ChorusError
from chorus.project import parse_langs
from chorus.users import MAX_PASSWORD, ROLES, User

from . import login_manager, project, store, users

bp = Blueprint("auth", __name__)


class Account:
    """A :class:`chorus.users.User` as Flask-Login wants it."""

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, user: User, via_token: bool = False):
        self.user = user
        self.via_token = via_token

    def __getattr__(self, name):
        return getattr(self.user, name)

    def get_id(self) -> str:
        # A new password changes the id, which ends the sessions opened with the old one.
        return f"{self.user.name}\x1f{self.user.password_hash[-16:]}"


@login_manager.user_loader
def load_user(session_id: str):
    if _bearer_token() is not None:
        return None  # a request carrying a token is judged by the token alone
    name, _, fingerprint = session_id.partition("\x1f")
    user = users().get(name)
    if user is None or user.password_hash[-16:] != fingerprint:
        return None
    return Account(user)


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
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


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
    status = 200
    if form.validate_on_submit():
        name = form.username.data.strip()
        if _too_many_failures(name):
            status = 429
            form.password.errors.append("Too many failed attempts: wait a few minutes and try again.")
        else:
            user = users().authenticate(name, form.password.data)
            if user is not None:
                store().forget_failures(f"user:{name}")
                login_user(Account(user))
                return redirect(_safe_next(request.args.get("next")))
            window = current_app.config["LOGIN_WINDOW"]
            store().fail(f"user:{name}", f"addr:{request.remote_addr}", window=window)
            form.password.errors.append("Wrong user name or password.")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


def _too_many_failures(name: str) -> bool:
    window = current_app.config["LOGIN_WINDOW"]
    return (store().failures(f"user:{name}", window) >= current_app.config["LOGIN_ATTEMPTS"]
            or store().failures(f"addr:{request.remote_addr}", window)
            >= current_app.config["LOGIN_ATTEMPTS_PER_ADDRESS"])


class LogoutForm(FlaskForm):
    pass


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if not LogoutForm().validate_on_submit():
        abort(400)
    logout_user()
    return redirect(url_for("auth.login"))


# --- accounts (coordinators) ------------------------------------------------------------------


class NewUserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    role = SelectField("Role", choices=list(ROLES), default="translator")
    langs = StringField("Languages (comma separated)", validators=[Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class RemoveUserForm(FlaskForm):
    pass


@bp.route("/users", methods=["GET", "POST"])
@coordinator_required
def manage_users():
    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            langs = parse_langs(form.langs.data) if form.langs.data.strip() else []
            users().add(form.name.data.strip(), form.password.data, role=form.role.data, langs=langs)
        except ChorusError as error:
            form.name.errors.append(str(error))
            status = 400
        else:
            flash(f"Added {form.name.data.strip()}.")
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
        flash("You cannot remove your own account here.")
        return redirect(url_for("auth.manage_users"))
    try:
        users().remove(name)
    except ChorusError:
        abort(404)
    flash(f"Removed {name}.")
    return redirect(url_for("auth.manage_users"))
