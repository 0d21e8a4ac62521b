"""Syncing a project with its git remote: commit, fetch, merge, push, retry on a lost race.

``chorus sync``, the server every ``sync_interval`` seconds and ``POST /api/sync`` all run
:func:`sync`:

1. check the work tree: on a branch (not a detached HEAD), no merge or rebase of someone's in
   progress, the remote named in ``[git]`` configured;
2. fetch the remote's branch into a private ref (``refs/chorus/incoming``); refuse when the
   remote no longer contains what this host synced last (a force push);
3. commit the changes noted and not committed yet (:mod:`chorus.gitstore`);
4. merge without touching the work tree (``git merge-tree``, which runs the PO merge driver of
   :mod:`chorus.pomerge`); a conflict left (sources or ``chorus.toml`` changed in the same
   lines on both sides, a catalog that cannot be read) stops the sync with one line;
5. put the merged files in place, each atomically under its lock, and move the branch;
6. push; a push refused because the remote moved meanwhile starts again from 2.

Every failure is one :class:`SyncError` line, and a failure before step 5 changes nothing in
the work tree or the branch. ``.chorus/git/state.json`` records the last attempt, the last
success and the last error, for ``chorus sync --status``, ``GET /api/sync`` and the web UI's
"last synced 5 minutes ago".
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

from . import catalog, gitrepo, gitstore, pomerge
from .errors import ChorusError
from .gitrepo import GitError, output, run
from .project import Project

log = logging.getLogger(__name__)

ATTEMPTS = 5  # pushes refused because the remote moved meanwhile, before giving up until the next sync
NETWORK_TIMEOUT = 120.0
SYNC_WAIT = 600.0
INCOMING = "refs/chorus/incoming"
SYNCED = "refs/chorus/synced"
MAX_CHANGES = 5000  # segments reported per sync (for the web UI's history)
_CREDENTIALS = ("authentication failed", "permission denied (publickey", "could not read username",
                "could not read password", "access denied", "returned error: 401", "returned error: 403",
                "invalid username or password", "invalid credentials", "terminal prompts disabled")
_UNREACHABLE = ("could not resolve host", "connection refused", "connection timed out", "failed to connect",
                "unable to access", "does not appear to be a git repository", "could not read from remote",
                "no such file or directory", "network is unreachable", "timed out", "no route to host",
                "connection reset", "name or service not known", "host key verification failed")


class SyncError(ChorusError):
    """A sync that could not be done; ``kind`` names the bad state (``unreachable``,
    ``credentials``, ``rewritten``, ``conflict``, ``detached``, ``in-progress``, ``setup``,
    ``rejected``, ``race``)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


Busy = gitrepo.Busy


@dataclass
class Change:
    """A segment whose translation a sync changed here (``synced``), or a version that a merge
    kept as an alternative (``merged``: ``old_target`` is that version)."""

    slug: str
    lang: str
    segment: str
    source: str
    old_target: str
    old_state: str
    new_target: str
    new_state: str
    author: str
    at: float
    action: str = "synced"


@dataclass
class SyncResult:
    remote: str
    branch: str
    before: str | None = None
    after: str | None = None
    committed: int = 0
    received: int = 0
    sent: int = 0
    merged: bool = False
    catalogs: list[str] = field(default_factory=list)  # project-relative names of the catalogs a sync rewrote
    changes: list[Change] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.committed:
            parts.append(f"committed {self.committed} change{'s' * (self.committed != 1)}")
        if self.received:
            parts.append(f"received {self.received} commit{'s' * (self.received != 1)}"
                         + (" (merged)" if self.merged else ""))
        if self.sent:
            parts.append(f"sent {self.sent} commit{'s' * (self.sent != 1)}")
        what = "; ".join(parts) if parts else "nothing new on either side"
        return f"Synced with {self.remote}/{self.branch} at {(self.after or '')[:10] or 'an empty branch'}: {what}."


# --- state ------------------------------------------------------------------------------------------


def state_path(project: Project) -> Path:
    return gitrepo.folder(project) / "state.json"


def read_state(project: Project) -> dict:
    try:
        data = json.loads(state_path(project).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_state(project: Project, **values) -> None:
    state = read_state(project)
    state.update(values)
    try:
        state_path(project).parent.mkdir(parents=True, exist_ok=True)
        catalog.atomic_write(state_path(project), json.dumps(state, indent=1))
    except OSError as error:
        log.warning("cannot record the sync state: %s", error)


def ago(seconds: float | None, now: float | None = None) -> str:
    """``just now``, ``5 minutes ago``, ``2 hours ago``, ``3 days ago``; ``never``.

    >>> ago(1000.0, now=1300.0)
    '5 minutes ago'
    """
    if seconds is None:
        return "never"
    span = max(0.0, (now or time.time()) - seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if span >= size:
            count = int(span // size)
            return f"{count} {unit}{'s' * (count != 1)} ago"
    return "just now"


def status(project: Project) -> dict:
    """What the web UI and ``chorus sync --status`` show: the remote, the last sync and error,
    the changes waiting for a commit."""
    found = gitrepo.settings(project)
    if found is None:
        return {"enabled": False}
    state = read_state(project)
    url = gitrepo.config_value(project.root, f"remote.{found.remote}.url")
    return {
        "enabled": True, "remote": found.remote, "url": gitrepo.redact(url) if url else None,
        "branch": found.branch or _current_branch(project.root), "head": gitrepo.head(project.root),
        "sync_interval": found.sync_interval, "last_attempt": gitrepo.iso(state.get("attempt")),
        "last_synced": gitrepo.iso(state.get("success")), "last_synced_ago": ago(state.get("success")),
        "error": state.get("error"), "error_kind": state.get("kind"),
        "pending": len(gitstore.pending(project)),
    }


def _current_branch(root: Path) -> str | None:
    done = run(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    return done.stdout.strip() or None


# --- the sync -------------------------------------------------------------------------------------


@contextmanager
def _sync_lock(project: Project, wait: bool) -> Iterator[None]:
    from filelock import FileLock, Timeout

    path = gitrepo.folder(project) / "sync.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(path), timeout=SYNC_WAIT if wait else 0):
            yield
    except Timeout:
        raise Busy("another process is syncing this project; try again in a moment") from None


def sync(project: Project, *, wait: bool = True, accept_rewrite: bool = False) -> SyncResult:
    """Sync with the remote (see the module's description); :class:`SyncError` when it cannot,
    :class:`Busy` when another process is syncing and ``wait`` is off."""
    found = gitrepo.require(project)
    with _sync_lock(project, wait):
        _write_state(project, attempt=time.time(), pid=os.getpid())
        try:
            result = _sync(project, found, accept_rewrite)
        except ChorusError as error:
            kind = getattr(error, "kind", "failed")
            _write_state(project, error=str(error), kind=kind)
            if isinstance(error, SyncError):
                raise
            raise SyncError(str(error), kind) from None
        _write_state(project, success=time.time(), error=None, kind=None, head=result.after)
    _tell_index(project, result.catalogs)
    return result


def _sync(project: Project, found: gitrepo.Settings, accept_rewrite: bool) -> SyncResult:
    root = project.root
    branch = _check_work_tree(root, found)
    gitrepo.ensure_setup(project)
    url = _remote_url(root, found.remote)
    result = SyncResult(found.remote, branch, before=gitrepo.head(root))
    for attempt in range(ATTEMPTS):
        incoming = _fetch(root, found, branch, url, accept_rewrite)
        with gitrepo.repo_lock(project):
            result.committed += len(gitstore.commit_held(project)) + len(gitstore.commit_unattributed(project))
            local = gitrepo.head(root)
            if incoming and local != incoming and not _is_ancestor(root, incoming, local):
                _integrate(project, result, branch, local, incoming)
            pushed_from = gitrepo.head(root)
        if pushed_from and pushed_from != incoming and not (incoming and _is_ancestor(root, pushed_from, incoming)):
            if not _push(root, found, branch, url, pushed_from):
                time.sleep(random.uniform(0.2, 1.0) * (attempt + 1))  # someone pushed meanwhile: again
                continue
            result.sent += _count(root, pushed_from, incoming)
            incoming = pushed_from
        if incoming:
            run(root, "update-ref", SYNCED, incoming)
            run(root, "update-ref", f"refs/remotes/{found.remote}/{branch}", incoming)
        result.after = gitrepo.head(root)
        return result
    raise SyncError(f"{found.remote} changed again during each of {ATTEMPTS} tries to push; "
                    "nothing is lost: the next sync tries again", "race")


def _integrate(project: Project, result: SyncResult, branch: str, local: str | None, incoming: str) -> None:
    """Fast-forward to or merge ``incoming``: the files it changes are locked, the changes noted
    for them committed, the merge made in git's object store, then put in place."""
    root = project.root
    base = _merge_base(root, local, incoming) if local else None
    names = _changed_names(root, base, incoming)
    with gitrepo.locked_files(project, names):
        result.committed += len(gitstore.commit_held(project, held=names, paths=names))
        local = gitrepo.head(root)
        if local is None or _is_ancestor(root, local, incoming):
            target = incoming
        else:
            target = _merge(project, branch, local, incoming)
            result.merged = True
        result.received += _count(root, incoming, local)
        if local:
            target = _keep_approvals(project, local, target)
        written = _apply(project, branch, local, target)
    result.catalogs.extend(name for name in written if name.endswith((".po", ".pot")))
    updated = _update_stale(project, written)
    if updated:
        result.catalogs.extend(gitrepo.changed_files(root, ["translations"]))
        result.committed += len(gitstore.commit_paths(project, [f"translations/{slug}" for slug in updated],
                                                      gitrepo.chorus_author(project),
                                                      f"chorus update after a sync: {', '.join(updated)}"))
    if local:
        try:
            result.changes.extend(changes(project, local, gitrepo.head(root)))
        except (ChorusError, OSError) as error:
            log.warning("cannot list the segments the sync changed: %s", error)


def _update_stale(project: Project, written: list[str]) -> list[str]:
    """Statements whose source the sync changed and whose catalogs were made from another
    version (the source edited on two hosts, or pushed without ``chorus update``): updated
    here, as ``chorus update`` does. A source that cannot be read is left to ``chorus status``."""
    from .ingest import apply, plan_update
    from .project import SOURCE_SUFFIXES

    slugs = sorted({PurePosixPath(name).stem for name in written
                    if name.startswith("source/") and name.endswith(SOURCE_SUFFIXES)})
    stale = []
    for slug in slugs:
        try:
            if slug not in project.statements():
                continue
            recorded = catalog.read(project.template_path(slug)).metadata.get(catalog.SOURCE_HASH)
            from .sources import read_statement

            if recorded != catalog.source_hash(read_statement(project.source_path(slug))):
                apply(project, plan_update(project, [slug]))
                stale.append(slug)
        except ChorusError as error:
            log.warning("%s not updated after the sync: %s", slug, error)
    return stale


def _keep_approvals(project: Project, local: str, target: str) -> str:
    """``target``, or a commit on it that gives back what a gettext tool dropped from catalogs
    whose text it left alone: GNU gettext's msgmerge and msgcat drop flags they do not know
    (``approved``, ``chorus-ignore:...``), so a translator's tool would undo reviews unasked."""
    root = project.root
    out = run(root, "diff", "--name-only", "-z", "--no-renames", local, target, "--", "translations/*/*.po").stdout
    repaired: dict[str, bytes] = {}
    counts = []
    for name in (name for name in out.split("\0") if name):
        before, after = _entries_at(root, local, name), _parsed_at(root, target, name)
        if after is None:
            continue
        restored = 0
        for entry in after:
            previous = before.get(pomerge.key_of(entry))
            if previous is None or entry.obsolete or pomerge.text_of(previous) != pomerge.text_of(entry):
                continue
            lost = [flag for flag in previous.flags if not pomerge.gettext_flag(flag) and flag not in entry.flags
                    and flag != catalog.APPROVED]
            approval = catalog.state(previous) == "approved" and catalog.state(entry) == "translated"
            if lost or approval:
                entry.flags.extend(lost)
                if approval:
                    catalog.set_state(entry, "approved")
                restored += 1
        if restored:
            repaired[name] = catalog.render(after).encode("utf-8")
            counts.append(f"{name} ({restored} segment{'s' * (restored != 1)})")
    if not repaired:
        return target
    message = ("Keep the approvals and checks a gettext tool dropped\n\nThe text of these segments did not change: "
               + "; ".join(counts) + "\n")
    return gitstore.commit_on(project, target, repaired, gitrepo.chorus_author(project), message)


def _parsed_at(root: Path, commit: str, name: str):
    done = run(root, "cat-file", "blob", f"{commit}:{name}", input=b"", check=False)
    if done.returncode != 0:
        return None
    try:
        return pomerge.parse_bytes(done.stdout, name)
    except ChorusError:
        return None


def _check_work_tree(root: Path, found: gitrepo.Settings) -> str:
    branch = _current_branch(root)
    if branch is None:
        at = (gitrepo.head(root) or "")[:10]
        wanted = found.branch or "the project's branch"
        raise SyncError(f"HEAD is detached{' at ' + at if at else ''} (not on a branch): switch to "
                        f"{wanted} (git switch {found.branch or 'BRANCH'}), then sync again", "detached")
    if found.branch and branch != found.branch:
        raise SyncError(f"the work tree is on branch {branch}, but chorus.toml [git] says branch = "
                        f"\"{found.branch}\": switch to it (git switch {found.branch}) or change the setting", "setup")
    for name, what, undo in (("MERGE_HEAD", "a merge", "git merge --abort"),
                             ("rebase-merge", "a rebase", "git rebase --abort"),
                             ("rebase-apply", "a rebase", "git rebase --abort"),
                             ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --abort"),
                             ("REVERT_HEAD", "a revert", "git revert --abort")):
        path = Path(output(root, "rev-parse", "--git-path", name))
        if (path if path.is_absolute() else root / path).exists():
            raise SyncError(f"{what} is in progress in the work tree: finish it or undo it ({undo}), "
                            "then sync again", "in-progress")
    return branch


def _remote_url(root: Path, remote: str) -> str:
    done = run(root, "remote", "get-url", remote, check=False)
    if done.returncode != 0:
        raise SyncError(f"no git remote named {remote!r}: add it (git remote add {remote} URL) or set "
                        "remote in chorus.toml [git]", "setup")
    return gitrepo.redact(done.stdout.strip())


def _fetch(root: Path, found: gitrepo.Settings, branch: str, url: str, accept_rewrite: bool) -> str | None:
    """The remote's branch, fetched into :data:`INCOMING` (None: the remote has no such branch)."""
    done = run(root, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", found.remote,
               f"+refs/heads/{branch}:{INCOMING}", check=False, timeout=NETWORK_TIMEOUT)
    last = _last_synced(root, found.remote, branch)
    if done.returncode != 0:
        detail = gitrepo.redact(done.stderr)
        if "couldn't find remote ref" not in detail.lower():
            raise _remote_error(detail, found.remote, url, "fetch from")
        if last and not accept_rewrite:
            raise SyncError(f"{found.remote} has no branch {branch} any more, though this host synced with it "
                            f"(last at {last[:10]}); nothing was merged or pushed. If that is meant, "
                            "'chorus sync --accept-rewrite' publishes this host's branch there again", "rewritten")
        return None
    incoming = output(root, "rev-parse", "--verify", f"{INCOMING}^{{commit}}")
    if last and not accept_rewrite and not _is_ancestor(root, last, incoming):
        raise SyncError(f"{found.remote}/{branch} was rewritten (force-pushed): it no longer contains "
                        f"{last[:10]}, which this host synced last; nothing was merged or pushed. Ask who "
                        "rewrote it; to merge the new history anyway: chorus sync --accept-rewrite", "rewritten")
    return incoming


def _last_synced(root: Path, remote: str, branch: str) -> str | None:
    for ref in (SYNCED, f"refs/remotes/{remote}/{branch}"):
        done = run(root, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False)
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return None


def _remote_error(detail: str, remote: str, url: str, verb: str) -> SyncError:
    lowered = detail.lower()
    reason = gitrepo.first_line(detail)
    if any(mark in lowered for mark in _CREDENTIALS):
        return SyncError(f"{remote} ({url}) refused the credentials ({reason}): check the user name and token "
                         "in the remote's URL or git's credential helper; nothing changed here", "credentials")
    if any(mark in lowered for mark in _UNREACHABLE):
        return SyncError(f"cannot reach {remote} ({url}): {reason}; nothing changed here, and the next sync "
                         "tries again", "unreachable")
    return SyncError(f"cannot {verb} {remote} ({url}): {reason}; nothing changed here", "failed")


def _push(root: Path, found: gitrepo.Settings, branch: str, url: str, commit: str) -> bool:
    """Push ``commit`` to the remote's branch: True when done, False when the remote moved
    meanwhile (fetch and merge again); :class:`SyncError` otherwise."""
    done = run(root, "push", "--porcelain", "--no-verify", found.remote, f"{commit}:refs/heads/{branch}",
               check=False, timeout=NETWORK_TIMEOUT)
    if done.returncode == 0:
        return True
    detail = gitrepo.redact(done.stdout + "\n" + done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("!\t"):
            reason = line.split("\t")[-1]
            if "[rejected]" in reason and ("fetch first" in reason or "non-fast-forward" in reason):
                return False
            raise SyncError(f"{found.remote} refused the push: {reason.strip()}; the commits are kept here "
                            "and the next sync tries again", "rejected")
    raise _remote_error(detail, found.remote, url, "push to")


def _is_ancestor(root: Path, ancestor: str | None, descendant: str | None) -> bool:
    if not ancestor or not descendant:
        return False
    return run(root, "merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0


def _merge_base(root: Path, one: str, other: str) -> str | None:
    done = run(root, "merge-base", one, other, check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def _count(root: Path, tip: str | None, exclude: str | None) -> int:
    if not tip:
        return 0
    span = f"{exclude}..{tip}" if exclude else tip
    return int(output(root, "rev-list", "--count", span) or 0)


def _changed_names(root: Path, base: str | None, tip: str) -> list[str]:
    if base:
        out = run(root, "diff", "--name-only", "-z", "--no-renames", base, tip).stdout
    else:
        out = run(root, "ls-tree", "-r", "-z", "--name-only", tip).stdout
    return [name for name in out.split("\0") if name]


def _merge(project: Project, branch: str, local: str, incoming: str) -> str:
    """The merge commit of ``local`` and ``incoming``, made without touching the work tree."""
    root = project.root
    env = {"CHORUS_MERGE_OURS": local, "CHORUS_MERGE_THEIRS": incoming}
    done = run(root, "merge-tree", "--write-tree", "--name-only", "--messages", local, incoming,
               env=env, check=False, timeout=600)
    remote = gitrepo.settings(project).remote
    if done.returncode == 0:
        tree = done.stdout.splitlines()[0].strip()
        author = gitrepo.chorus_author(project)
        names = {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
                 "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email}
        return output(root, "commit-tree", tree, "-p", local, "-p", incoming, "-F", "-",
                      input=f"Merge {remote}/{branch} into {branch}\n", env=names)
    if done.returncode != 1:
        detail = gitrepo.first_line(done.stderr)
        if "unrelated histories" in done.stderr:
            raise SyncError(f"{remote}/{branch} shares no history with this project: nothing was merged or "
                            "pushed (was the remote made for another project?)", "conflict")
        raise SyncError(f"cannot merge {remote}/{branch}: {detail}; nothing was merged or pushed", "conflict")
    lines = done.stdout.splitlines()[1:]
    files = lines[:lines.index("")] if "" in lines else lines
    reasons = [line.split("chorus merge-driver: ", 1)[1] for line in done.stderr.splitlines()
               if "chorus merge-driver: " in line and ":" in line.split("chorus merge-driver: ", 1)[1]
               and "changed on both sides" not in line]
    what = "; ".join(reasons) if reasons else (
        f"{', '.join(files[:5])} changed on both sides in the same place" if files else "the merge left conflicts")
    raise SyncError(f"cannot merge {remote}/{branch}: {what}. Nothing was merged or pushed: merge it by hand "
                    f"(git merge {INCOMING}, then commit), then sync again", "conflict")


def _safe_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and not any(
        part in ("..", ".") or part.lower() in (".git", ".chorus") for part in parts)


def _apply(project: Project, branch: str, old: str | None, new: str) -> list[str]:
    """Put the files of commit ``new`` that differ from ``old`` in place (each atomically: a
    reader sees the old file or the new one), move the branch, refresh the index. The caller
    holds the files' locks. Returns the names written or removed."""
    root = project.root
    if old:
        out = run(root, "diff", "--name-status", "-z", "--no-renames", old, new).stdout.split("\0")
        changes = list(zip(out[0::2], out[1::2]))
    else:
        changes = [("A", name) for name in _changed_names(root, None, new)]
    unsafe = [name for _, name in changes if not _safe_name(name)]
    if unsafe:
        raise SyncError(f"the remote's commit {new[:10]} has a file name Chorus will not write ({unsafe[0]!r}); "
                        "nothing was merged or pushed", "rejected")
    writes, removals = [], []
    for status, name in changes:
        if status.startswith("D"):
            removals.append(name)
        else:
            data = run(root, "cat-file", "blob", f"{new}:{name}", input=b"").stdout
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            writes.append((target, data))
    catalog.write_synced(writes, lock_renames=False)
    for name in removals:
        target = root / name
        target.unlink(missing_ok=True)
        for parent in target.parents:
            if parent == root:
                break
            try:
                parent.rmdir()
            except OSError:
                break
    run(root, "update-ref", "-m", "chorus sync", f"refs/heads/{branch}", new, old or "0" * 40)
    names = [name for _, name in changes]
    gitrepo.refresh_index(root, names)
    return names


def _tell_index(project: Project, names: list[str]) -> None:
    """The project index reads the catalogs a sync rewrote now, not at its next sweep."""
    pairs = []
    for name in names:
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "translations" and parts[2].endswith(".po"):
            pairs.append((parts[1], parts[2][:-3]))
    if not pairs or not (project.private_dir / "index.sqlite3").is_file():
        return
    try:
        from .index import Index

        Index(project).check_catalogs(pair for pair in pairs if pair[1] in project.config.langs)
    except Exception:  # noqa: BLE001 — the files are in place; the index finds them at its next check
        log.exception("the index did not take the synced catalogs in")


# --- what a sync changed, segment by segment ------------------------------------------------------


def changes(project: Project, old: str, new: str, limit: int = MAX_CHANGES) -> list[Change]:
    """The translations that differ between commits ``old`` and ``new``, each with the author
    and date of the commit that made it (versions kept by a merge as alternatives included);
    machine drafts are left out."""
    from .scan import segment_id

    root = project.root
    out = run(root, "diff", "--name-only", "-z", "--no-renames", old, new, "--", "translations/*/*.po").stdout
    found: list[Change] = []
    for name in (name for name in out.split("\0") if name):
        parts = name.split("/")
        if len(parts) != 3:
            continue
        slug, lang = parts[1], parts[2][:-3]
        before = _entries_at(root, old, name)
        after = _entries_at(root, new, name)
        clock = pomerge.GitClock(root, name, {"new": new}, old)
        for key, entry in after.items():
            if entry.obsolete:
                continue
            previous = before.get(key)
            now_unit = pomerge.unit(entry, previous)
            then_unit = pomerge.unit(previous) if previous is not None else None
            seg = segment_id(entry.msgctxt, entry.msgid)
            if then_unit is None and now_unit.state == "untranslated":
                pass
            elif then_unit is None or (then_unit.text, then_unit.state) != (now_unit.text, now_unit.state):
                at, by = clock.when("new", key, entry)
                if not (by or "").startswith(gitrepo.MACHINE_NAME):
                    found.append(Change(slug, lang, seg, entry.msgid, previous.msgstr if previous is not None else "",
                                        catalog.state(previous) if previous is not None else "untranslated",
                                        entry.msgstr, now_unit.state, _name(by), at or time.time()))
            old_lines = {alt.line() for alt in pomerge.alternatives(previous)} if previous is not None else set()
            for alt in pomerge.alternatives(entry):
                if alt.line() not in old_lines:
                    found.append(Change(slug, lang, seg, entry.msgid, alt.text, alt.state, entry.msgstr,
                                        now_unit.state, alt.author, alt.at, "merged"))
            if len(found) >= limit:
                return found
    return found


def _name(ident: str | None) -> str:
    """A commit author's name (``Ana <ana@x>`` → ``Ana``)."""
    return (ident or "someone").split(" <")[0]


def _entries_at(root: Path, commit: str, name: str) -> dict:
    parsed = _parsed_at(root, commit, name)
    return pomerge.by_key(parsed) if parsed is not None else {}


__all__ = ["Busy", "Change", "GitError", "SyncError", "SyncResult", "ago", "changes", "read_state", "status", "sync"]
