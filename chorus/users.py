"""Volunteer accounts of a project: hashed passwords, roles, languages, API tokens and the
sessions of the web UI.

Accounts live in ``.chorus/instance/users.sqlite`` (outside ``translations/``). Passwords are
hashed with scrypt (werkzeug.security); an API token or a session id is shown once (to the
user, or in the browser's cookie) and only its SHA-256 is kept, so every one can be ended:
logging out ends its session, a new password or removing the account ends all of them and the
API token. SQLite keeps the file consistent when several server processes read and write it.

>>> store = UserStore(Path(tempfile.mkdtemp()))
>>> user = store.add("ana", "correct horse", role="translator", langs=["es"])
>>> store.authenticate("ana", "correct horse").can_edit("es"), user.can_edit("fr")
(True, False)
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from . import database, text
from .errors import ChorusError
from .project import Project, normalize_lang

ROLES = ("translator", "reviewer", "coordinator")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_NAME = 64
SESSION_LIFETIME = 14 * 24 * 3600  # seconds a web session lasts at most
# Separators, control and format characters (zero-width spaces and joiners, direction marks,
# soft hyphens), private-use, surrogates and unassigned code points have no place in a name.
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs", "Cn"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    langs TEXT NOT NULL DEFAULT '',
    token_hash TEXT UNIQUE,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user);
"""


def instance_dir(project: Project) -> Path:
    """Where the web UI keeps accounts, comments and history of ``project``."""
    return project.private_dir / "instance"


def normalize_name(name: str) -> str:
    """A user name in its one written form (NFKC): full-width letters, ligatures and other
    compatibility forms become the plain letters they stand for.

    >>> normalize_name("ａｎａ"), normalize_name("ﬁona")
    ('ana', 'fiona')
    """
    return unicodedata.normalize("NFKC", name or "")


def name_problem(name: str) -> str | None:
    """Why ``name`` (normalized) cannot be a user name, or None when it can."""
    if not 1 <= len(name) <= MAX_NAME:
        return f"1 to {MAX_NAME} characters"
    if any(unicodedata.category(char) in _INVISIBLE for char in name):
        return "no spaces, control or invisible characters"
    if unicodedata.category(name[0]).startswith("M"):
        return "it may not start with a combining mark"
    return text.name_problem(name)


def check_name(name: str) -> str:
    """The name, normalized (NFKC), if it can be a user name; else a :class:`ChorusError`.

    >>> check_name("ana")
    'ana'
    """
    normal = normalize_name(name)
    problem = name_problem(normal)
    if problem:
        raise ChorusError(f"not a valid user name: {name!r} ({problem})")
    return normal


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ChorusError(f"password too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ChorusError(f"password too long: use at most {MAX_PASSWORD} characters")
    return password


def check_role(role: str, langs: list[str]) -> str:
    if role not in ROLES:
        raise ChorusError(f"unknown role: {role!r} (use {', '.join(ROLES)})")
    if role == "translator" and not langs:
        raise ChorusError("a translator needs languages: --lang es,fr")
    return role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# What a user may be told of by mail (``chorus.notify``), and how often mail goes out.
def N_(text: str) -> str:
    """Marks text that the web UI shows in the user's language (gettext's no-op marker: the
    UI's catalogs are extracted from this module too, and the UI translates it when shown)."""
    return text


EVENTS = {
    "added": N_("a statement is added in my languages"),
    "review": N_("a language of mine is ready for review"),
    "publish": N_("a language is ready to publish"),
    "comments": N_("someone mentions me (@name) or answers where I commented"),
    "deadline": N_("a deadline is two hours away with work left in my languages"),
}
DIGESTS = {"off": N_("each one as it happens"), "hourly": N_("at most one mail an hour"),
           "daily": N_("at most one mail a day")}
MAX_EMAIL = 254


def check_email(address: str) -> str:
    """A mail address, normalized (``email-validator``: syntax only, no look-up); else a
    :class:`ChorusError` saying what is wrong.

    >>> check_email("Ana@Example.org")
    'Ana@example.org'
    """
    from email_validator import EmailNotValidError, validate_email

    if not address or len(address) > MAX_EMAIL:
        raise ChorusError(f"not a mail address: {address[:MAX_EMAIL]!r}")
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ChorusError(f"not a mail address: {address!r} ({error})") from None


def check_notify(events, digest: str) -> dict:
    """Notification choices, checked: ``{"events": [...], "digest": "off"}``."""
    events = list(dict.fromkeys(events))
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        raise ChorusError(f"unknown notification {unknown[0]!r} (choose from {', '.join(EVENTS)})")
    if digest not in DIGESTS:
        raise ChorusError(f"digest is one of {', '.join(DIGESTS)}, not {digest!r}")
    return {"events": events, "digest": digest}


DEFAULT_NOTIFY = {"events": list(EVENTS), "digest": "off"}


@dataclass
class User:
    """An account; translators edit their languages, reviewers also approve, coordinators all."""

    name: str
    role: str
    langs: list[str] = field(default_factory=list)
    password_hash: str = ""
    has_token: bool = False
    created: float = 0.0
    email: str | None = None
    notify: dict = field(default_factory=lambda: dict(DEFAULT_NOTIFY))
    ui_lang: str | None = None  # the web UI's language (None: the browser's)

    def wants(self, event: str) -> bool:
        """Whether the user has a mail address and chose to be told of ``event``."""
        return bool(self.email) and event in self.notify.get("events", ())

    def can_edit(self, lang: str) -> bool:
        if self.role == "coordinator":
            return True
        if self.role == "reviewer" and not self.langs:
            return True
        return lang in self.langs

    def can_approve(self, lang: str) -> bool:
        return self.role in ("reviewer", "coordinator") and self.can_edit(lang)

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    def describe_langs(self) -> str:
        if self.role == "coordinator" or (self.role == "reviewer" and not self.langs):
            return "all"
        return ", ".join(self.langs)


class UserStore:
    """The accounts of one project (one SQLite file in ``folder``)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "users.sqlite"
        self._shared = database.Shared(self.path, _SCHEMA, _setup)

    @classmethod
    def for_project(cls, project: Project) -> "UserStore":
        return cls(instance_dir(project))

    def _db(self) -> sqlite3.Connection:
        return self._shared.db()

    def _transaction(self):
        return self._shared.transaction()

    # --- reading ---------------------------------------------------------------------------
    def get(self, name: str) -> User | None:
        row = self._db().execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise ChorusError(f"no such user: {name}")
        return user

    def all(self) -> list[User]:
        rows = self._db().execute("SELECT * FROM users ORDER BY name").fetchall()
        return [_user(row) for row in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way)."""
        name = normalize_name(name)
        user = self.get(name) if 1 <= len(name) <= MAX_NAME else None
        stored = user.password_hash if user else _dummy_hash()
        ok = check_password_hash(stored, password[:MAX_PASSWORD])
        return user if ok and user else None

    def by_token(self, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        row = self._db().execute("SELECT * FROM users WHERE token_hash = ?", (token_hash(token),)).fetchone()
        return _user(row) if row else None

    # --- sessions of the web UI --------------------------------------------------------------
    def open_session(self, name: str, lifetime: float = SESSION_LIFETIME) -> str:
        """A new session for ``name``: its id goes into the browser's cookie, its hash here."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
                raise ChorusError(f"no such user: {name}")
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO sessions (id_hash, user, created, expires) VALUES (?, ?, ?, ?)",
                       (token_hash(session_id), name, now, now + lifetime))
        return session_id

    def by_session(self, session_id: str) -> User | None:
        """The user of a session that was opened and has not ended (logout, new password,
        account removed, expired), else None."""
        if not session_id or len(session_id) > 200:
            return None
        row = self._db().execute(
            "SELECT users.* FROM sessions JOIN users ON users.name = sessions.user"
            " WHERE sessions.id_hash = ? AND sessions.expires >= ?",
            (token_hash(session_id), time.time())).fetchone()
        return _user(row) if row else None

    def end_session(self, session_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (token_hash(session_id),))

    def end_sessions(self, name: str) -> int:
        """End every session of ``name``; how many there were."""
        with self._transaction() as db:
            return db.execute("DELETE FROM sessions WHERE user = ?", (name,)).rowcount

    def sessions(self, name: str) -> int:
        """How many sessions of ``name`` are open."""
        return self._db().execute("SELECT count(*) FROM sessions WHERE user = ? AND expires >= ?",
                                  (name, time.time())).fetchone()[0]

    # --- changing --------------------------------------------------------------------------
    def add(self, name: str, password: str, role: str = "translator", langs: list[str] = (),
            email: str | None = None) -> User:
        name = check_name(name)
        langs = [normalize_lang(lang) for lang in langs]
        check_role(role, langs)
        check_password(password)
        email = check_email(email) if email else None
        hashed = generate_password_hash(password, method="scrypt")
        try:
            with self._transaction() as db:
                twin = db.execute("SELECT name FROM users WHERE fold = ?", (_fold(name),)).fetchone()
                if twin is not None and twin[0] != name:
                    raise ChorusError(f"not a valid user name: {name!r} (too much like the existing user {twin[0]})")
                db.execute(
                    "INSERT INTO users (name, password_hash, role, langs, created, fold, email) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, hashed, role, ",".join(dict.fromkeys(langs)), time.time(), _fold(name), email),
                )
        except sqlite3.IntegrityError:
            raise ChorusError(f"user {name} already exists (use 'chorus user passwd {name}' to change the password)") from None
        return self.require(name)

    def set_email(self, name: str, email: str | None) -> User:
        """A new mail address for ``name`` (None or "": none, so no mail)."""
        email = check_email(email) if email else None
        with self._transaction() as db:
            if db.execute("UPDATE users SET email = ? WHERE name = ?", (email, name)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")
        return self.require(name)

    def set_notify(self, name: str, events, digest: str) -> User:
        """What ``name`` is told of (see :data:`EVENTS`) and how often (:data:`DIGESTS`)."""
        import json

        chosen = check_notify(events, digest)
        with self._transaction() as db:
            if db.execute("UPDATE users SET notify = ? WHERE name = ?", (json.dumps(chosen), name)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")
        return self.require(name)

    def set_ui_lang(self, name: str, lang: str | None) -> User:
        """The language of ``name``'s web UI (None or "": the one the browser asks for).

        >>> store.set_ui_lang("ana", "es").ui_lang  # doctest: +SKIP
        'es'
        """
        lang = normalize_lang(lang) if lang else None
        with self._transaction() as db:
            if db.execute("UPDATE users SET ui_lang = ? WHERE name = ?", (lang, name)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")
        return self.require(name)

    def remove(self, name: str) -> None:
        """Delete the account; its sessions and API token end with it."""
        with self._transaction() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))

    def set_password(self, name: str, password: str) -> None:
        """A new password ends every session of ``name`` and its API token."""
        check_password(password)
        hashed = generate_password_hash(password, method="scrypt")
        with self._transaction() as db:
            changed = db.execute("UPDATE users SET password_hash = ?, token_hash = NULL WHERE name = ?",
                                 (hashed, name)).rowcount
            if changed == 0:
                raise ChorusError(f"no such user: {name}")
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))

    def new_token(self, name: str) -> str:
        """A fresh API token for ``name`` (the old one stops working); shown only here."""
        token = "chorus_" + secrets.token_urlsafe(32)
        with self._transaction() as db:
            if db.execute("UPDATE users SET token_hash = ? WHERE name = ?", (token_hash(token), name)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")
        return token

    def revoke_token(self, name: str) -> bool:
        """End the API token of ``name``; whether it had one."""
        with self._transaction() as db:
            row = db.execute("SELECT token_hash FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise ChorusError(f"no such user: {name}")
            db.execute("UPDATE users SET token_hash = NULL WHERE name = ?", (name,))
        return row[0] is not None


def _fold(name: str) -> str:
    """What two names that differ only in case (or compatibility forms) have in common."""
    return normalize_name(name).casefold()


def _setup(db: sqlite3.Connection) -> None:
    """Rows by column name; accounts made before names were compared case-blind get their
    folded name."""
    db.row_factory = sqlite3.Row
    database.add_columns(db, "users", tuple((column, "TEXT") for column in ("fold", "email", "notify", "ui_lang")))
    missing = db.execute("SELECT name FROM users WHERE fold IS NULL").fetchall()
    if missing:
        with_folds = [(_fold(name), name) for (name,) in missing]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("UPDATE users SET fold = ? WHERE name = ?", with_folds)
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
    db.execute("CREATE INDEX IF NOT EXISTS users_by_fold ON users (fold)")


def _user(row: sqlite3.Row) -> User:
    import json

    try:
        chosen = json.loads(row["notify"]) if row["notify"] else dict(DEFAULT_NOTIFY)
    except ValueError:
        chosen = dict(DEFAULT_NOTIFY)
    return User(
        name=row["name"],
        role=row["role"],
        langs=[lang for lang in row["langs"].split(",") if lang],
        password_hash=row["password_hash"],
        has_token=row["token_hash"] is not None,
        created=row["created"],
        email=row["email"],
        notify=chosen,
        ui_lang=row["ui_lang"],
    )


def generate_password() -> str:
    """A password to print once, e.g. for the first coordinator of a fresh project."""
    return secrets.token_urlsafe(12)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so timing does not tell which names exist."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")
