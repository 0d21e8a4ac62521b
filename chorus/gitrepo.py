"""The git repository a project lives in: its ``[git]`` settings, who commits, running git,
the merge driver's registration and the locks Chorus holds while it changes the repository.

A project syncs through git when its ``chorus.toml`` has a ``[git]`` table (``chorus init
--git`` writes one)::

    [git]
    remote = "origin"                      # the remote to sync with
    # branch = "main"                      # default: the branch checked out
    sync_interval = 60                     # seconds between the server's syncs; 0 = on demand
    email_domain = "volunteers.invalid"    # authors are NAME@email_domain
    commit_window = 60                     # seconds a volunteer's saves wait to share a commit

git runs with English messages, no prompts and nothing in the environment that points it at
another repository; a failure is a :class:`GitError` with what git said, credentials removed.

>>> Author.of("ana", "volunteers.example.org").ident
'ana <ana@volunteers.example.org>'
>>> redact("fatal: https://sync:secret@forge.example.org/x.git")
'fatal: https://***@forge.example.org/x.git'
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import re
import shlex
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import ChorusError
from .project import CONFIG_NAME, Project

log = logging.getLogger(__name__)

DEFAULT_REMOTE = "origin"
DEFAULT_INTERVAL = 60.0
DEFAULT_WINDOW = 60.0
DEFAULT_DOMAIN = "volunteers.invalid"
MACHINE_NAME = "Chorus machine translation"
CHORUS_NAME = "Chorus"
DRIVER = "chorus"  # the merge driver's name in .gitattributes and git config
ATTRIBUTES = ("*.po merge=chorus", "*.pot merge=chorus")
IGNORED = (".chorus/", "localized/", "*.lock", ".*.tmp")
TRACKED = (CONFIG_NAME, ".gitignore", ".gitattributes", "source", "translations")
LOCK_WAIT = 120.0
_REMOTE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\Z")
_BRANCH = re.compile(r"(?!/|.*(?:\.\.|//|@\{|\.lock(?:/|\Z)|/\Z|\.\Z))[^\x00-\x20~^:?*\[\\\x7f]+\Z")


class GitError(ChorusError):
    """A git command failed; ``detail`` holds what git said (credentials removed)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    remote: str = DEFAULT_REMOTE
    branch: str | None = None
    sync_interval: float = DEFAULT_INTERVAL
    email_domain: str = DEFAULT_DOMAIN
    commit_window: float = DEFAULT_WINDOW


def settings(project: Project) -> Settings | None:
    """The ``[git]`` table of ``chorus.toml``, checked; None when the project does not sync."""
    table = project.config.settings.get("git")
    if table is None:
        return None
    where = f"{CONFIG_NAME} [git]"
    if not isinstance(table, dict):
        raise ChorusError(f"{where} must be a table")
    unknown = sorted(set(table) - {"remote", "branch", "sync_interval", "email_domain", "commit_window"})
    if unknown:
        raise ChorusError(f"{where}: unknown key {unknown[0]!r} (known: remote, branch, sync_interval, "
                          "email_domain, commit_window)")
    remote = table.get("remote", DEFAULT_REMOTE)
    if not isinstance(remote, str) or not _REMOTE.match(remote):
        raise ChorusError(f"{where}: remote must be the name of a git remote, such as \"origin\", not {remote!r}")
    branch = table.get("branch")
    if branch is not None and (not isinstance(branch, str) or not _BRANCH.match(branch)):
        raise ChorusError(f"{where}: branch must be a branch name, such as \"main\", not {branch!r}")
    domain = table.get("email_domain", DEFAULT_DOMAIN)
    if not isinstance(domain, str) or not _DOMAIN.match(domain) or len(domain) > 253:
        raise ChorusError(f"{where}: email_domain must be a domain name, such as \"volunteers.example.org\", "
                          f"not {domain!r}")
    numbers = {}
    for name, default in (("sync_interval", DEFAULT_INTERVAL), ("commit_window", DEFAULT_WINDOW)):
        value = table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or not 0 <= value <= 7 * 24 * 3600:
            raise ChorusError(f"{where}: {name} must be a number of seconds from 0 to 604800, not {value!r}")
        numbers[name] = float(value)
    return Settings(remote, branch, numbers["sync_interval"], domain, numbers["commit_window"])


def enabled(project: Project) -> bool:
    try:
        return settings(project) is not None
    except ChorusError:
        return True  # a broken [git] table is reported by whatever uses it


# --- authors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    @classmethod
    def of(cls, name: str, domain: str) -> "Author":
        """A volunteer's identity: their name and ``name@domain`` (characters git cannot take
        in an identity are replaced)."""
        clean = re.sub(r"[<>\x00-\x1f\x7f]+", "", name).strip() or "someone"
        local = re.sub(r"[<>@\s\x00-\x1f\x7f\"(),:;\[\]\\]+", "-", clean).strip("-.") or "someone"
        return cls(clean, f"{local}@{domain}")

    @property
    def ident(self) -> str:
        return f"{self.name} <{self.email}>"


def machine(project: Project) -> Author:
    """Who machine drafts are committed as."""
    domain = (settings(project) or Settings()).email_domain
    return Author(MACHINE_NAME, f"machine-translation@{domain}")


def chorus_author(project: Project) -> Author:
    """Who Chorus's own commits (merges, changes no one noted) are made as: the work tree's git
    identity when it has one, else Chorus."""
    name, email = config_value(project.root, "user.name"), config_value(project.root, "user.email")
    if name and email:
        return Author(name, email)
    domain = (settings(project) or Settings()).email_domain
    return Author(CHORUS_NAME, f"chorus@{domain}")


def command_author(project: Project) -> Author:
    """Who a command is committed as: the work tree's git identity, else the login name."""
    name, email = config_value(project.root, "user.name"), config_value(project.root, "user.email")
    if name and email:
        return Author(name, email)
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "someone"
    return Author.of(name or login, (settings(project) or Settings()).email_domain)


# --- running git ----------------------------------------------------------------------------------


def git_env(extra: dict | None = None) -> dict[str, str]:
    """git's environment: English messages, no prompts, this Python's ``chorus`` on the PATH, and
    nothing that would point git at another repository or index."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                          "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES")}
    env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0", GIT_MERGE_AUTOEDIT="no")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    env.update(extra or {})
    return env


def run(root: Path, *args: str, input: bytes | str | None = None, env: dict | None = None,
        timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    """``git args`` in ``root`` (text output unless ``input`` is bytes); a failure raises
    :class:`GitError` with what git said."""
    text = not isinstance(input, bytes)
    try:
        done = subprocess.run(["git", *args], cwd=root, input=input, capture_output=True, text=text,
                              env=git_env(env), timeout=timeout)
    except FileNotFoundError:
        raise ChorusError("git is not installed (Debian: apt-get install git)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish in {timeout:.0f} s", "timed out") from None
    if check and done.returncode != 0:
        said = done.stderr if text else done.stderr.decode("utf-8", "replace")
        detail = redact(said.strip())
        raise GitError(f"git {args[0]} failed: {first_line(detail)}", detail)
    return done


def output(root: Path, *args: str, **kwargs) -> str:
    return run(root, *args, **kwargs).stdout.strip()


def redact(text: str) -> str:
    """``https://user:secret@host/`` → ``https://***@host/``."""
    return re.sub(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", r"\1***@", text)


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if line.lower().startswith(("fatal:", "error:"))] or lines
    found = useful[0] if useful else "no reason given"
    return re.sub(r"^(fatal|error): ", "", found)


def config_value(root: Path, name: str) -> str | None:
    try:
        done = run(root, "config", "--get", name, check=False)
    except ChorusError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def toplevel(root: Path) -> Path | None:
    """The top folder of the git work tree ``root`` is in (None: not in one)."""
    try:
        done = run(root, "rev-parse", "--show-toplevel", check=False)
    except ChorusError:
        return None
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def head(root: Path) -> str | None:
    done = run(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def require(project: Project) -> Settings:
    """The settings of a project that syncs, in the top folder of its own work tree."""
    found = settings(project)
    if found is None:
        raise ChorusError(f"this project does not sync with git: add a [git] table to {CONFIG_NAME} "
                          "(chorus init --git writes one)")
    top = toplevel(project.root)
    if top is None:
        raise ChorusError(f"{project.root} is not a git work tree (run 'git init' or clone the project's repository)")
    if top != project.root:
        raise ChorusError(f"the project must be the top folder of its git work tree ({top}), not a folder inside it")
    return found


# --- set-up: the merge driver, attributes and ignored files ---------------------------------------


def driver_command() -> str:
    """How git runs the merge driver: ``chorus`` when this Python's is the one on the PATH, else
    by its full path."""
    import shutil

    ours = Path(sys.executable).with_name("chorus")
    found = shutil.which("chorus")
    program = "chorus" if found and ours.exists() and Path(found).resolve() == ours.resolve() else \
        (shlex.quote(str(ours)) if ours.exists() else "chorus")
    return f"{program} merge-driver %O %A %B %P"


def ensure_setup(project: Project) -> None:
    """Register the merge driver in the work tree's git config and attributes (also in
    ``.git/info/attributes``, so it applies before a ``.gitattributes`` is committed)."""
    root = project.root
    wanted = driver_command()
    if config_value(root, f"merge.{DRIVER}.driver") != wanted:
        run(root, "config", f"merge.{DRIVER}.driver", wanted)
        run(root, "config", f"merge.{DRIVER}.name", "Chorus: three-way merge of PO catalogs, entry by entry")
    info = Path(output(root, "rev-parse", "--git-path", "info/attributes"))
    info = info if info.is_absolute() else root / info
    ensure_lines(info, ATTRIBUTES)


def ensure_lines(path: Path, lines: Iterable[str]) -> bool:
    """Append the lines ``path`` lacks; True when it changed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    present = set(text.splitlines())
    missing = [line for line in lines if line not in present]
    if not missing:
        return False
    from . import catalog

    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = "" if not text or text.endswith("\n") else "\n"
    catalog.atomic_write(path, text + prefix + "\n".join(missing) + "\n")
    return True


def folder(project: Project) -> Path:
    return project.private_dir / "git"


def changed_files(root: Path, paths: Iterable[str]) -> list[str]:
    """Files below ``paths`` that differ from HEAD (changed, new or deleted; ignored ones aside)."""
    paths = list(paths)
    if not paths:
        return []
    out = run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *paths).stdout
    return [item[3:] for item in out.split("\0") if len(item) > 3]


# --- locks ----------------------------------------------------------------------------------------


@contextmanager
def repo_lock(project: Project, timeout: float = LOCK_WAIT) -> Iterator[None]:
    """Held while Chorus changes the repository (commits, merges): one process at a time."""
    from filelock import FileLock, Timeout

    path = folder(project) / "repo.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(path), timeout=timeout):
            yield
    except Timeout:
        raise Busy("another process is committing or syncing this project; try again in a moment") from None


class Busy(ChorusError):
    """Another process holds the lock (it is committing or syncing)."""


@contextmanager
def locked_files(project: Project, names: Iterable[str]) -> Iterator[None]:
    """Hold the locks Chorus's writers take for these project files: each catalog's, glossary's
    or TMX file's own lock, and the lock of ``source/`` for statements (in one order)."""
    from . import catalog

    targets: set[Path] = set()
    for name in names:
        if name.startswith("translations/"):
            targets.add(project.root / name)
        elif name.startswith("source/"):
            targets.add(project.source_dir)
    with ExitStack() as stack:
        for target in sorted(targets):
            if target.parent.is_dir():
                stack.enter_context(catalog.locked(target))
        yield


def refresh_index(root: Path, names: Iterable[str]) -> None:
    """Set the user's index entries of ``names`` to HEAD's (``git reset -- names``)."""
    names = sorted(set(names))
    if not names:
        return
    try:
        run(root, "reset", "-q", "--pathspec-from-file=-", "--pathspec-file-nul", input="\0".join(names))
    except ChorusError as error:  # the commits stand; git status shows the files staged until the next refresh
        log.warning("the index of %s is not up to date: %s", root, error)


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="seconds")
