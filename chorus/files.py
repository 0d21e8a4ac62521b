"""Files Chorus reads from others, and what killed runs leave behind.

- :func:`read_regular` reads a file given by a user or found in the project: only a regular
  file, never through a symbolic link, never a FIFO or a device (which could hang or leak
  another file), and never more than a limit, checked before anything is read.
- :func:`storage_message` says in one line why a file cannot be written (read-only, full).
- :func:`remove_stale_temps` removes the hidden temp files (``.<name>.<pid>-<n>.tmp``) that a
  killed run left beside its targets: those whose process is gone, or older than any run.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Callable

from .errors import ChorusError

STALE_AFTER = 24 * 3600  # seconds: no run of Chorus keeps a temp file that long
_TEMP = re.compile(r"\..+\.(\d+)-\d+\.tmp\Z", re.S)


def read_regular(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``; :class:`ChorusError` for anything else.

    Refused with one line each: a missing file, a symbolic link (``source/leak.txt ->
    /any/file``), a folder, a FIFO or device (opened without blocking, never read), and a file
    larger than ``max_bytes`` (its size is checked before it is read, and no more than
    ``max_bytes`` + 1 bytes are ever read, should it grow meanwhile).
    """
    path = Path(path)
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ChorusError(f"{path}: no such file") from None
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise ChorusError(f"{path}: is a symbolic link; Chorus reads only the {what} itself "
                              f"(give its real path, or copy it here)") from None
        raise ChorusError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise ChorusError(f"{path}: is a directory, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise ChorusError(f"{path}: not a regular file (a FIFO, socket or device is not a {what})")
        if info.st_size > max_bytes:
            raise ChorusError(f"{path}: too large for a {what} ({_size(info.st_size)}; the limit is {_size(max_bytes)})")
        os.set_blocking(handle, True)
        chunks, total = [], 0
        while chunk := os.read(handle, min(1 << 20, max_bytes + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise ChorusError(f"{path}: too large for a {what} (it grew past {_size(max_bytes)} while read)")
        return b"".join(chunks)
    except OSError as error:
        raise ChorusError(f"{path}: cannot read ({error.strerror or error})") from None
    finally:
        os.close(handle)


_STORAGE_HINTS = {
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device: free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
    errno.EFBIG: "the file would be larger than this system allows",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def storage_message(error: OSError) -> str:
    """One line for a file that cannot be read or written: which file, and why in plain words
    (the command line and worker processes report storage failures with it).

    >>> storage_message(OSError(errno.ENOSPC, "No space left on device", "translations/x/es.po"))
    'translations/x/es.po: cannot write: no space left on the device: free some space and run the command again'
    """
    where = f"{error.filename}: " if getattr(error, "filename", None) else ""
    hint = _STORAGE_HINTS.get(error.errno)
    if hint and error.errno not in (errno.EACCES, errno.EPERM):
        return f"{where}cannot write: {hint}"
    return f"{where}{hint or error.strerror or error}"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{count / 1024:.0f} KB" if count >= 1024 else f"{count} bytes"


def is_regular(path: Path) -> bool:
    """A regular file and not a symbolic link (what the project's folders may hold)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


# --- temp files of killed runs ----------------------------------------------------------------


def remove_stale_temps(folders: list[Path], now: float | None = None, live: set[str] | None = None) -> int:
    """Remove the temp files a killed run left in ``folders`` (not below them); the count.

    A temp file is stale when the process named in it is gone, or when it is older than
    :data:`STALE_AFTER` (a process id may have been reused). Other files are never touched.
    The folders that still hold a live run's temp file are added to ``live``.
    """
    now = time.time() if now is None else now
    removed = 0
    for folder in folders:
        try:
            with os.scandir(folder) as scan:
                entries = [entry for entry in scan if entry.name.endswith(".tmp")]
        except OSError:
            continue
        for entry in entries:
            match = _TEMP.match(entry.name)
            if not match:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if process_alive(int(match.group(1))) and now - info.st_mtime < STALE_AFTER:
                if live is not None:
                    live.add(str(folder))
                continue
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass  # gone already, or a read-only folder: the next run tries again
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine still runs (a zombie nobody reaped does not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except (OverflowError, OSError):
        return False
    try:  # a killed process nobody reaped is a zombie: it answers, but it is gone
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except OSError:
        return True


def project_temp_folders(project, changed_since: float | None = None) -> list[Path]:
    """The folders where Chorus writes temp files: the project's own, each statement's, the
    imported TMX files' and the default export folder's languages; with ``changed_since``,
    only the statement and language folders changed since then (a temp file left in a folder
    changed the folder)."""
    folders = [project.root, project.source_dir, project.translations_dir]
    for parent in (project.translations_dir, project.root / "localized"):
        try:
            with os.scandir(parent) as scan:
                for entry in scan:
                    if not entry.is_dir(follow_symlinks=False):
                        continue
                    if changed_since is None or entry.stat(follow_symlinks=False).st_mtime >= changed_since:
                        folders.append(Path(entry.path))
        except OSError:
            continue
    return folders


TIDY_STATE = "tidy.json"  # under .chorus/: when the project was last tidied, and where runs were live


def tidy(project, now: float | None = None) -> int:
    """Remove the temp files killed runs left in the project, as every command does first;
    the count. Only the folders changed since the last tidying are read (and those that held
    a live run's temp file then), so a project of thousands of statements costs a stat per
    folder, not a listing; without ``.chorus/tidy.json`` (deleted, or a fresh clone) every
    folder is read."""
    removed, save = tidy_then_save(project, now)
    save()
    return removed


def tidy_then_save(project, now: float | None = None) -> tuple[int, Callable[[], None]]:
    """:func:`tidy`, with the note of what was read left to the caller: a command calls it once
    it has succeeded, so that a refused command changes nothing in the project."""
    state_path = project.root / ".chorus" / TIDY_STATE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        since, pending = float(state["at"]), [Path(name) for name in state["live"] if isinstance(name, str)]
    except (OSError, ValueError, KeyError, TypeError):
        since, pending = None, []
    started = time.time()
    live: set[str] = set()
    folders = list(dict.fromkeys([*project_temp_folders(project, since), *pending]))
    removed = remove_stale_temps(folders, now, live)

    def save() -> None:
        try:
            state_path.parent.mkdir(exist_ok=True)
            temp = state_path.with_name(f".{TIDY_STATE}.{os.getpid()}-0.tmp")
            # a second's margin: a folder changed while this ran, or within the file system's time step
            temp.write_text(json.dumps({"at": started - 1.0, "live": sorted(live)}), encoding="utf-8")
            os.replace(temp, state_path)
        except OSError:
            pass  # read-only storage: the next run reads every folder again

    return removed, save
