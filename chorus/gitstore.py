"""Changes noted as they are made, and commits with their authors.

Whatever writes the project's files notes the change with :func:`note_change` (one line at
each place: a web save, ``chorus add``, ``update``, ``pretranslate``). Notes wait in a queue
(``.chorus/git/pending.sqlite3``, shared by every process of the host) and become commits per
author and catalog once the oldest is ``commit_window`` seconds old, or at the next sync
(:func:`commit_pending`); a command's changes are committed at once. Several volunteers'
saves in one catalog become one commit each, every commit holding the text its author saved;
its ``Chorus-Saved`` trailers say when each segment was saved (git's dates have whole
seconds), for the merge driver to tell which of two saves came later.

Commits are built in a private index from the files as they are under their locks, then HEAD
moves once: the work tree and the user's own index are never in between. The repository, the
settings and the authors are :mod:`chorus.gitrepo`'s.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .errors import ChorusError
from .gitrepo import (ATTRIBUTES, IGNORED, LOCK_WAIT, TRACKED, Author, Settings, ensure_lines, changed_files,
                      chorus_author, command_author, enabled, ensure_setup, folder, head, locked_files, machine,
                      output, refresh_index, repo_lock, run, settings, toplevel)
from .project import CONFIG_NAME, Project

log = logging.getLogger(__name__)

SAVED_TRAILER = "Chorus-Saved"  # "<segment id> <seconds since the epoch>": when a save was made, to the microsecond
MAX_TRAILERS = 200


GIT_TABLE = """
[git]
# Sync through git: the server every sync_interval seconds (0: only 'chorus sync' and
# POST /api/sync), committing each volunteer's saves with them as the author.
remote = "origin"
sync_interval = 60
email_domain = "volunteers.invalid"   # authors are NAME@email_domain
commit_window = 60                     # seconds a volunteer's saves wait to share one commit
"""


def check_init(folder: Path) -> None:
    """Refuse ``chorus init --git`` before anything is written: in a folder inside another git
    work tree (a project that syncs is the top folder of its own), or without git."""
    import shutil

    if shutil.which("git") is None:
        raise ChorusError("git is not installed (Debian: apt-get install git)")
    folder = Path(folder).resolve()
    probe = next((parent for parent in (folder, *folder.parents) if parent.is_dir()), None)
    top = toplevel(probe) if probe is not None else None
    if top is not None and top != folder:
        raise ChorusError(f"{folder} is inside the git work tree {top}: a project that syncs must be the top folder "
                          "of its own (choose a folder outside it)")


def init(project: Project) -> str:
    """``chorus init --git``: make the project a git work tree (or use the one it is in the top
    of), with the ``[git]`` table, ``.gitignore``, ``.gitattributes``, the merge driver, and a
    first commit. Returns the branch."""
    root = project.root
    check_init(root)
    top = toplevel(root)
    if top is None:
        run(root, "init", "-q", "-b", "main")
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    if not re.search(r"^\[git\]", text, re.M):
        from . import catalog

        catalog.atomic_write(config, text.rstrip("\n") + "\n" + GIT_TABLE)
    ensure_lines(root / ".gitignore", IGNORED)
    ensure_lines(root / ".gitattributes", ATTRIBUTES)
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


# --- commits ----------------------------------------------------------------------------------------


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


def commit_paths(project: Project, names: list[str], author: Author, message: str) -> list[str]:
    """Commit the files below ``names`` as they are in the work tree (the caller holds
    :func:`repo_lock`); the new commit, if anything changed."""
    names = changed_files(project.root, names)
    if not names:
        return []
    builder = _Builder(project)
    builder.add_paths(names, author, message, time.time())
    return builder.finish()


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
