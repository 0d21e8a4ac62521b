"""Volunteer accounts of a project: hashed passwords, roles, languages and API tokens.

Accounts live in ``.chorus/instance/users.sqlite`` (outside ``translations/``). Passwords are
hashed with scrypt (werkzeug.security); an API token is shown once and only its SHA-256 is kept.
SQLite keeps the file consistent when several server processes read and write it.

>>> store = UserStore(Path(tempfile.mkdtemp()))
>>> user = store.add("ana", "correct horse", role="translator", langs=["es"])
>>> store.authenticate("ana", "correct horse").can_edit("es"), user.can_edit("fr")
(True, False)
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from werkzeug.security import check_password_hash, generate_password_hash

from . import database
from .errors import ChorusError
from .project import Project, normalize_lang

ROLES = ("translator", "reviewer", "coordinator")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# Any visible characters, no spaces: names show up in catalogs' Last-Translator and in history.
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    langs TEXT NOT NULL DEFAULT '',
    token_hash TEXT UNIQUE,
    created REAL NOT NULL
);
"""


def instance_dir(project: Project) -> Path:
    """Where the web UI keeps accounts, comments and history of ``project``."""
    return project.private_dir / "instance"


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise ChorusError(f"not a valid user name: {name!r} (1 to 64 visible characters, no spaces)")
    return name


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


@dataclass
class User:
    """An account; translators edit their languages, reviewers also approve, coordinators all."""

    name: str
    role: str
    langs: list[str] = field(default_factory=list)
    password_hash: str = ""
    has_token: bool = False
    created: float = 0.0

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

    @classmethod
    def for_project(cls, project: Project) -> "UserStore":
        return cls(instance_dir(project))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with closing(database.connect(self.path)) as db:
            db.row_factory = sqlite3.Row
            db.executescript(_SCHEMA)
            with db:
                yield db

    # --- reading ---------------------------------------------------------------------------
    def get(self, name: str) -> User | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise ChorusError(f"no such user: {name}")
        return user

    def all(self) -> list[User]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM users ORDER BY name").fetchall()
        return [_user(row) for row in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way)."""
        user = self.get(name) if _NAME.match(name or "") else None
        stored = user.password_hash if user else _dummy_hash()
        ok = check_password_hash(stored, password[:MAX_PASSWORD])
        return user if ok and user else None

    def by_token(self, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        with self._db() as db:
            row = db.execute("SELECT * FROM users WHERE token_hash = ?", (token_hash(token),)).fetchone()
        return _user(row) if row else None

    # --- changing --------------------------------------------------------------------------
    def add(self, name: str, password: str, role: str = "translator", langs: list[str] = ()) -> User:
        check_name(name)
        langs = [normalize_lang(lang) for lang in langs]
        check_role(role, langs)
        check_password(password)
        hashed = generate_password_hash(password, method="scrypt")
        try:
            with self._db() as db:
                db.execute(
                    "INSERT INTO users (name, password_hash, role, langs, created) VALUES (?, ?, ?, ?, ?)",
                    (name, hashed, role, ",".join(dict.fromkeys(langs)), time.time()),
                )
        except sqlite3.IntegrityError:
            raise ChorusError(f"user {name} already exists (use 'chorus user passwd {name}' to change the password)") from None
        return self.require(name)

    def remove(self, name: str) -> None:
        with self._db() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        hashed = generate_password_hash(password, method="scrypt")
        with self._db() as db:
            if db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hashed, name)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")

    def new_token(self, name: str) -> str:
        """A fresh API token for ``name`` (the old one stops working); shown only here."""
        token = "chorus_" + secrets.token_urlsafe(32)
        with self._db() as db:
            if db.execute("UPDATE users SET token_hash = ? WHERE name = ?", (token_hash(token), name)).rowcount == 0:
                raise ChorusError(f"no such user: {name}")
        return token


def _user(row: sqlite3.Row) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        langs=[lang for lang in row["langs"].split(",") if lang],
        password_hash=row["password_hash"],
        has_token=row["token_hash"] is not None,
        created=row["created"],
    )


def generate_password() -> str:
    """A password to print once, e.g. for the first coordinator of a fresh project."""
    return secrets.token_urlsafe(12)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so timing does not tell which names exist."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")
