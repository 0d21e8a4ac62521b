"""The project as a git work tree: settings, changes noted as they are made, commits with authors.

A project syncs through git when its ``chorus.toml`` has a ``[git]`` table (``chorus init
--git`` writes one)::

    [git]
    remote = "origin"                      # the remote to sync with
    # branch = "main"                      # default: the branch checked out
    sync_interval = 60                     # seconds between the server's syncs; 0 = on demand
    email_domain = "volunteers.invalid"    # authors are NAME@email_domain
    commit_window = 60                     # seconds a volunteer's saves wait to share a commit

Whatever writes the project's files notes the change with :func:`note_change` (one line at
each place: a web save, ``chorus add``, ``update``, ``pretranslate``). Notes wait in a queue
(``.chorus/git/pending.sqlite3``, shared by every process of the host) and become commits per
author and catalog once the oldest is ``commit_window`` seconds old, or at the next sync
(:func:`commit_pending`). A commit's ``Chorus-Saved`` trailers say when each segment was saved
(git's dates have whole seconds), for the merge driver to tell which of two saves came later. Several volunteers' saves in one catalog become one commit each,
every commit holding its author's segments. Commits are built in a private index from the
files as they are under their locks, so the work tree and the user's own index are never in
between; a command's changes are committed at once.

>>> Author.of("ana", "volunteers.example.org").ident
'ana <ana@volunteers.example.org>'
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
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
SAVED_TRAILER = "Chorus-Saved"  # "<segment id> <seconds since the epoch>": when a save was made, to the microsecond
MAX_TRAILERS = 200
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
    _ensure_lines(info, ATTRIBUTES)


def _ensure_lines(path: Path, lines: Iterable[str]) -> bool:
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


GIT_TABLE = """
[git]
# Sync through git: the server every sync_interval seconds (0: only 'chorus sync' and
# POST /api/sync), committing each volunteer's saves with them as the author.
remote = "origin"
sync_interval = 60
email_domain = "volunteers.invalid"   # authors are NAME@email_domain
commit_window = 60                     # seconds a volunteer's saves wait to share one commit
"""


def init(project: Project) -> str:
    """``chorus init --git``: make the project a git work tree (or use the one it is in the top
    of), with the ``[git]`` table, ``.gitignore``, ``.gitattributes``, the merge driver, and a
    first commit. Returns the branch."""
    root = project.root
    top = toplevel(root)
    if top is not None and top != root:
        raise ChorusError(f"{root} is inside the git work tree {top}: a project that syncs must be the top folder")
    if top is None:
        run(root, "init", "-q", "-b", "main")
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    if not re.search(r"^\[git\]", text, re.M):
        from . import catalog

        catalog.atomic_write(config, text.rstrip("\n") + "\n" + GIT_TABLE)
    _ensure_lines(root / ".gitignore", IGNORED)
    _ensure_lines(root / ".gitattributes", ATTRIBUTES)
    project = Project.load(root)
    ensure_setup(project)
    branch = output(root, "symbolic-ref", "--short", "-q", "HEAD")
    note_change(project, [root / name for name in TRACKED], command_author(project), "Start the Chorus project",
                commit=True, batch="init")
    return branch


# --- the queue of changes ----------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, batch TEXT, path TEXT NOT NULL, author TEXT NOT NULL, email TEXT NOT NULL,
    summary TEXT NOT NULL, segments TEXT, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS notes_by_path ON notes (path);
"""
_queues: dict = {}  # path → database.Shared


def folder(project: Project) -> Path:
    return project.private_dir / "git"


def _queue(project: Project):
    from . import database

    path = folder(project) / "pending.sqlite3"
    if path not in _queues:
        _queues[path] = database.Shared(path, _SCHEMA)
    return _queues[path]


@dataclass
class Note:
    id: int
    batch: str | None
    path: str
    author: Author
    summary: str
    segments: dict[str, list | None] | None  # segment id → [translation, state] as saved (None: not given)
    at: float


def pending(project: Project) -> list[Note]:
    """The changes noted and not committed yet, oldest first."""
    rows = _queue(project).db().execute(
        "SELECT id, batch, path, author, email, summary, segments, at FROM notes ORDER BY id").fetchall()
    return [Note(row[0], row[1], row[2], Author(row[3], row[4]), row[5],
                 json.loads(row[6]) if row[6] is not None else None, row[7]) for row in rows]


def note_change(project: Project, paths: Iterable[str | os.PathLike], author: str | Author, summary: str, *,
                segments: Iterable[str] | dict | None = None, commit: bool = False, batch: str | None = None) -> None:
    """Note that ``author`` changed ``paths`` (files, or folders whose changed files count), for
    a commit. ``summary`` is a few words for the commit message (``approved "Stop the
    attacks!"``); ``segments`` the ids of the segments changed in a catalog, or a mapping of
    each id to its ``(translation, state)`` as saved (so that two volunteers' saves in one
    catalog become two commits, each with the text its author saved). ``commit`` commits at once, as one
    commit (a command's work); otherwise the change waits for :func:`commit_pending`.

    A project without ``[git]`` costs nothing. The change is made already, so a failure here
    is logged, never raised: the next sync commits what is left.
    """
    try:
        found = settings(project)
        if found is None:
            return
        who = author if isinstance(author, Author) else Author.of(author, found.email_domain)
        files = _expand(project, paths)
        if not files:
            return
        batch = f"{batch or 'batch'}-{uuid.uuid4().hex}" if commit else batch
        if segments is not None and not isinstance(segments, dict):
            segments = dict.fromkeys(segments)
        ids = json.dumps({key: list(value) if value else None for key, value in segments.items()}) \
            if segments is not None else None
        now = time.time()
        with _queue(project).transaction() as db:
            db.executemany("INSERT INTO notes (batch, path, author, email, summary, segments, at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(batch, name, who.name, who.email, summary[:300], ids, now) for name in files])
        if commit:
            commit_pending(project, batches=[batch])
    except Exception as error:  # noqa: BLE001 — the change itself is made; it is committed later
        log.warning("change to %s not committed yet: %s", project.root, error)


def note_command(project: Project, command: str, slugs: Iterable[str], *, machine_made: bool = False) -> None:
    """Commit what a command changed in the statements ``slugs`` (every statement when none):
    their sources and catalogs, as the command's user (or as machine translation)."""
    if not enabled(project):
        return
    slugs = list(slugs)
    paths: list[Path] = []
    for slug in slugs:
        paths.append(project.statement_dir(slug))
        paths.extend(project.source_dir / f"{slug}{suffix}" for suffix in (".txt", ".md", ".markdown"))
    if not slugs:
        paths = [project.source_dir, project.translations_dir]
    what = ", ".join(slugs[:5]) + (f" and {len(slugs) - 5} more" if len(slugs) > 5 else "") if slugs else "every statement"
    author = machine(project) if machine_made else command_author(project)
    note_change(project, paths, author, f"chorus {command}: {what}", commit=True, batch=command)


def _expand(project: Project, paths: Iterable[str | os.PathLike]) -> list[str]:
    """Project-relative names of the files ``paths`` name: files that exist as they are (a web
    save costs no git command), folders as the files below them that git sees changed (new,
    changed or deleted)."""
    files, folders = [], []
    for path in paths:
        full = Path(path) if Path(path).is_absolute() else project.root / path
        try:
            name = full.resolve().relative_to(project.root).as_posix()
        except ValueError:
            continue  # outside the project
        if full.is_dir():
            folders.append(name)
        elif full.is_file():
            files.append(name)
    if folders:
        files.extend(changed_files(project.root, folders))
    return list(dict.fromkeys(files))


def changed_files(root: Path, paths: Iterable[str]) -> list[str]:
    """Files below ``paths`` that differ from HEAD (changed, new or deleted; ignored ones aside)."""
    paths = list(paths)
    if not paths:
        return []
    out = run(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *paths).stdout
    return [item[3:] for item in out.split("\0") if len(item) > 3]


# --- commits ----------------------------------------------------------------------------------------


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


def commit_pending(project: Project, *, older_than: float | None = None, paths: Iterable[str] | None = None,
                   batches: Iterable[str] | None = None, held: Iterable[str] = (),
                   wait: float = LOCK_WAIT) -> list[str]:
    """Commit noted changes (all of them; with ``older_than``, the catalogs whose oldest note is
    that old; with ``paths`` or ``batches``, only those) and return the new commits.

    ``held``: files whose locks the caller holds already (taken again they would wait forever).
    """
    found = settings(project)
    if found is None:
        return []
    notes = pending(project)
    if older_than is not None:
        now = time.time()
        first: dict[str, float] = {}
        for note in notes:
            first[note.batch or note.path] = min(first.get(note.batch or note.path, note.at), note.at)
        if not any(now - at >= older_than for at in first.values()):
            return []
    with repo_lock(project, wait):
        return _commit(project, found, pending(project), older_than, paths, batches, set(held))


def commit_held(project: Project, held: Iterable[str] = (), paths: Iterable[str] | None = None) -> list[str]:
    """:func:`commit_pending` of every note (or those of ``paths``) for a caller that holds
    :func:`repo_lock` and the locks of the files ``held``."""
    found = settings(project)
    if found is None:
        return []
    return _commit(project, found, pending(project), None, paths, None, set(held))


def _commit(project: Project, found: Settings, notes: list[Note], older_than, paths, batches,
            held: set[str]) -> list[str]:
    root = project.root
    now = time.time()
    wanted_paths = set(paths) if paths is not None else None
    wanted_batches = set(batches) if batches is not None else None
    groups: dict[str, list[Note]] = {}
    for note in notes:
        if wanted_batches is not None and note.batch not in wanted_batches:
            continue
        if wanted_paths is not None and note.path not in wanted_paths:
            continue
        groups.setdefault(f"batch:{note.batch}" if note.batch else note.path, []).append(note)
    if older_than is not None:
        groups = {key: group for key, group in groups.items() if now - min(n.at for n in group) >= older_than}
    if not groups:
        return []
    builder = _Builder(project)
    done_ids: list[int] = []
    for key, group in sorted(groups.items(), key=lambda item: min(n.id for n in item[1])):
        if key.startswith("batch:"):
            names = list(dict.fromkeys(note.path for note in group))
            builder.add_paths(names, group[-1].author, _batch_message(group), group[-1].at)
            done_ids.extend(note.id for note in group)
        else:
            done_ids.extend(_commit_path(project, builder, key, held))
    commits = builder.finish()
    with _queue(project).transaction() as db:
        db.executemany("DELETE FROM notes WHERE id = ?", [(number,) for number in done_ids])
    return commits


def _commit_path(project: Project, builder: "_Builder", name: str, held: set[str]) -> list[int]:
    """The commits of one file's notes: read the file and its notes under the file's lock, so
    every note read has its change in the file; one commit per author, each with their own
    segments when the file is a catalog."""
    path = project.root / name
    with (locked_files(project, [name]) if name not in held else _nothing()):
        notes = [note for note in pending(project) if note.path == name and not note.batch]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
    if not notes:
        return []
    authors: dict[Author, list[Note]] = {}
    for note in notes:
        authors.setdefault(note.author, []).append(note)
    steps = _split(builder, name, data, authors) if len(authors) > 1 else None
    if steps is None:
        last = notes[-1].author
        others = [author for author in authors if author != last]
        builder.add_blob(name, data, last, _path_message(project, name, notes, last, others), notes[-1].at)
    else:
        for author, blob in steps:
            own = authors[author]
            builder.add_blob(name, blob, author, _path_message(project, name, own, author, []), own[-1].at)
    return [note.id for note in notes]


@contextmanager
def _nothing():
    yield


def _split(builder: "_Builder", name: str, data: bytes | None, authors: dict[Author, list[Note]]):
    """The catalog as each author left it, in the order of their last saves: each step sets
    their segments to what they saved; the last step is the file as it is. None when the file
    cannot be split (not a catalog, new, or a note without segments)."""
    if data is None or not name.endswith(".po") or any(n.segments is None for ns in authors.values() for n in ns):
        return None
    previous = builder.blob_at(name)
    if previous is None:
        return None
    from . import catalog, pomerge
    from .scan import segment_id

    try:
        current = pomerge.parse_bytes(data, name)
        step = pomerge.parse_bytes(previous, name)
    except ChorusError:
        return None
    newest = {segment_id(e.msgctxt, e.msgid): e for e in current}
    order = sorted(authors, key=lambda author: authors[author][-1].id)
    steps = []
    for author in order[:-1]:
        saved: dict = {}
        for note in authors[author]:
            saved.update(note.segments or {})
        for index, entry in enumerate(step):
            ident = segment_id(entry.msgctxt, entry.msgid)
            if ident in saved and ident in newest:
                step[index] = _as_saved(newest[ident], saved[ident])
        steps.append((author, catalog.render(step).encode("utf-8")))
    steps.append((order[-1], data))
    return steps


def _as_saved(entry, value):
    """``entry`` with the translation and state a volunteer saved (``None``: as it is now)."""
    import copy

    from . import catalog

    entry = copy.deepcopy(entry)
    if not value:
        return entry
    text, state = value
    entry.msgstr = text
    catalog.set_state(entry, state if state in ("fuzzy", "translated", "approved") else "translated")
    return entry


def _language(lang: str) -> str:
    try:
        from babel import Locale

        return f"{Locale.parse(lang).english_name} ({lang})"
    except Exception:  # noqa: BLE001 — an unusual code is named as it is
        return lang


def _path_message(project: Project, name: str, notes: list[Note], author: Author, others: list[Author]) -> str:
    parts = name.split("/")
    segments = {segment for note in notes for segment in (note.segments or [])}
    if len(parts) == 3 and parts[0] == "translations" and parts[2].endswith(".po"):
        count = len(segments)
        what = f"{count} segment{'s' * (count != 1)}" if count else "changes"
        title = f"{parts[1]}, {_language(parts[2][:-3])}: {what} by {author.name}"
    else:
        title = f"{name}: changes by {author.name}"
    body = list(dict.fromkeys(f"- {note.summary}" for note in notes))
    saved = {segment: note.at for note in notes for segment in (note.segments or [])}
    trailers = [f"Co-authored-by: {other.ident}" for other in others] + \
        [f"{SAVED_TRAILER}: {segment} {at:.6f}" for segment, at in list(saved.items())[:MAX_TRAILERS]]
    return "\n\n".join(part for part in (title, "\n".join(body[:50]) + ("\n- ..." if len(body) > 50 else ""),
                                         "\n".join(trailers)) if part)


def _batch_message(notes: list[Note]) -> str:
    names = list(dict.fromkeys(note.path for note in notes))
    title = notes[-1].summary
    files = "\n".join(f"- {name}" for name in names[:50]) + ("\n- ..." if len(names) > 50 else "")
    return f"{title}\n\n{len(names)} file{'s' * (len(names) != 1)}:\n{files}"


class _Builder:
    """Commits made in a private index on top of HEAD, then HEAD moved once; the user's index
    is brought up to date for the files committed (their own staged changes elsewhere stay)."""

    def __init__(self, project: Project):
        self.project = project
        self.root = project.root
        git_dir = Path(output(self.root, "rev-parse", "--absolute-git-dir"))
        self.index = git_dir / "chorus-index"
        self.env = {"GIT_INDEX_FILE": str(self.index)}
        self.start = head(self.root)
        self.parent = self.start
        self.commits: list[str] = []
        self.touched: set[str] = set()
        self.index.unlink(missing_ok=True)
        if self.start:
            run(self.root, "read-tree", self.start, env=self.env)
        else:
            run(self.root, "read-tree", "--empty", env=self.env)
        self.tree = output(self.root, "write-tree", env=self.env)

    def blob_at(self, name: str) -> bytes | None:
        if not self.parent:
            return None
        done = run(self.root, "cat-file", "blob", f"{self.parent}:{name}", input=b"", check=False)
        return done.stdout if done.returncode == 0 else None

    def add_blob(self, name: str, data: bytes | None, author: Author, message: str, at: float) -> None:
        if data is None:
            run(self.root, "update-index", "--force-remove", "--", name, env=self.env)
        else:
            blob = run(self.root, "hash-object", "-w", "--stdin", input=data).stdout.decode().strip()
            run(self.root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", env=self.env)
        self._commit([name], author, message, at)

    def add_paths(self, names: list[str], author: Author, message: str, at: float) -> None:
        """Stage the files as they are in the work tree (a command's: written before it notes)."""
        run(self.root, "add", "-A", "--", *names, env=self.env)
        self._commit(names, author, message, at)

    def _commit(self, names: list[str], author: Author, message: str, at: float) -> None:
        tree = output(self.root, "write-tree", env=self.env)
        if tree == self.tree:
            return  # nothing changed (the change was committed already, or undone)
        committer = chorus_author(self.project)
        env = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
               "GIT_AUTHOR_DATE": f"@{int(at)} +0000", "GIT_COMMITTER_NAME": committer.name,
               "GIT_COMMITTER_EMAIL": committer.email}
        parents = ["-p", self.parent] if self.parent else []
        self.parent = output(self.root, "commit-tree", tree, *parents, "-F", "-", input=message, env=env)
        self.tree = tree
        self.commits.append(self.parent)
        self.touched.update(names)

    def finish(self) -> list[str]:
        try:
            if self.commits:
                reason = f"chorus: {len(self.commits)} commit{'s' * (len(self.commits) != 1)}"
                run(self.root, "update-ref", "-m", reason, "HEAD", self.parent, self.start or "0" * 40)
                refresh_index(self.root, self.touched)
        finally:
            self.index.unlink(missing_ok=True)
        return self.commits


def commit_on(project: Project, parent: str, files: dict[str, bytes], author: Author, message: str) -> str:
    """A commit on top of ``parent`` with ``files`` changed (HEAD and the work tree untouched)."""
    root = project.root
    index = Path(output(root, "rev-parse", "--absolute-git-dir")) / "chorus-index-on"
    env = {"GIT_INDEX_FILE": str(index)}
    try:
        run(root, "read-tree", parent, env=env)
        for name, data in files.items():
            blob = run(root, "hash-object", "-w", "--stdin", input=data).stdout.decode().strip()
            run(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", env=env)
        tree = output(root, "write-tree", env=env)
    finally:
        index.unlink(missing_ok=True)
    committer = chorus_author(project)
    names = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
             "GIT_COMMITTER_NAME": committer.name, "GIT_COMMITTER_EMAIL": committer.email}
    return output(root, "commit-tree", tree, "-p", parent, "-F", "-", input=message, env=names)


def refresh_index(root: Path, names: Iterable[str]) -> None:
    """Set the user's index entries of ``names`` to HEAD's (``git reset -- names``)."""
    names = sorted(set(names))
    if not names:
        return
    try:
        run(root, "reset", "-q", "--pathspec-from-file=-", "--pathspec-file-nul", input="\0".join(names))
    except ChorusError as error:  # the commits stand; git status shows the files staged until the next refresh
        log.warning("the index of %s is not up to date: %s", root, error)


def commit_unattributed(project: Project) -> list[str]:
    """Commit changes to the project's files that nobody noted (a hand edit, a glossary term, a
    TMX import), as :func:`chorus_author`; files with notes waiting are left to their notes.
    The caller holds :func:`repo_lock`."""
    root = project.root
    waiting = {note.path for note in pending(project)}
    names = [name for name in changed_files(root, TRACKED) if name not in waiting]
    if not names:
        return []
    builder = _Builder(project)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    builder.add_paths(names, chorus_author(project), f"Changes made on this host outside Chorus: {shown}",
                      time.time())
    return builder.finish()


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="seconds")
