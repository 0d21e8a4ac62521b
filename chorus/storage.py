"""Files written safely: atomic writes under per-file locks, and staged batches of new files.

Every file Chorus writes (catalogs, sources, imported memories, exports) goes to a hidden temp
file beside its target (``.<name>.<pid>-<n>.tmp``), is flushed to disk, and is renamed over
the target: a reader sees the old file or the new one, never half of one. A :class:`Staging`
collects many such files (from worker processes too) and puts them in place together, or
removes every trace of them.

>>> atomic_write(Path(folder) / "x.po", "msgid ...")        # doctest: +SKIP
>>> with locked(Path(folder) / "x.po"):                     # doctest: +SKIP
...     pass  # no other writer of x.po meanwhile
"""

from __future__ import annotations

import itertools
import os
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .errors import ChorusError
from .files import storage_message
from .parallel import run_chunks

LOCK_TIMEOUT = 30

def atomic_write(path: Path, data: str | bytes) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one.
    Text is written as UTF-8."""
    write_synced([(Path(path), data)], lock_renames=False)


def write_many(files: list[tuple[Path, str]]) -> None:
    """Write many catalogs atomically, each rename under that file's lock (a new file needs
    none: it is linked into place only if nobody made it meanwhile)."""
    write_synced(files, lock_renames=True)


SYNC_EACH_UP_TO = 8  # files; a larger batch is flushed with one sync instead of one per file


def write_synced(files: list[tuple[Path, str | bytes]], lock_renames: bool) -> None:
    """Write every file atomically: each goes to a temp file beside it, all are flushed to disk,
    then each is renamed over its target, so a reader sees the old file or the new one.

    ``lock_renames=False`` when the caller holds the locks already, or the files are not
    catalogs. A failure leaves no temp file (nor a folder it made) behind.
    """
    one_by_one = len(files) <= SYNC_EACH_UP_TO
    staging = Staging()
    try:
        for path, data in files:
            staging.stage(path, data, sync=one_by_one)
        staging.publish(lock_renames, sync=not one_by_one)
    except BaseException:
        staging.discard()
        raise
    if one_by_one:
        for folder in {path.parent for path, _ in files}:
            _fsync_dir(folder)


def stage(path: Path, data: str | bytes, sync: bool = False) -> str:
    """Write ``data`` to a new hidden temp file beside ``path`` (with the mode ``path`` has or
    would get) and return the temp file's name; :func:`commit` puts it in place."""
    try:
        kept = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        kept = None  # a new file: 0666 less the umask, as any program's new file
    handle, temp = _create_temp(path, 0o666 if kept is None else kept)
    try:
        if kept is not None:
            os.fchmod(handle, kept)  # the umask may have narrowed it at creation
        _write_all(handle, data.encode("utf-8") if isinstance(data, str) else data)
        if sync:
            os.fsync(handle)
    except BaseException as error:
        os.close(handle)
        os.unlink(temp)
        if isinstance(error, OSError) and not error.filename:  # os.write names no file
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    os.close(handle)
    return temp


_temp_names = itertools.count()


def _create_temp(path: Path, mode: int) -> tuple[int, str]:
    """A new file ``.<name>.<pid>-<n>.tmp`` beside ``path``, made with O_EXCL (never an
    existing file, nor one another process is making)."""
    folder, name = os.path.split(os.fspath(path))
    while True:
        temp = os.path.join(folder, f".{name}.{os.getpid()}-{next(_temp_names)}.tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), temp
        except FileExistsError:
            continue  # left by a crashed process that had our pid


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def read_file(path: str | Path) -> bytes:
    """A whole file's bytes, in fewer system calls than ``Path.read_bytes`` (which also asks
    whether the file is a terminal and where it stands); many small catalogs add up."""
    handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, size + 1)
        if len(data) <= size:  # a short read of a regular file is its end
            return data
        chunks = [data]  # the file grew meanwhile: read on to its end
        while chunk := os.read(handle, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def commit(staged: list[tuple[Path, str]], lock_renames: bool = False) -> None:
    """Rename staged temp files over their targets (see :func:`write_synced` for the locks)."""
    for path, temp in staged:
        if not lock_renames:
            os.replace(temp, path)
        elif not _link_if_absent(temp, path):
            with locked(path):
                os.replace(temp, path)


def discard(staged: list[tuple[Path, str]]) -> None:
    """Remove the temp files of a write that will not happen."""
    for _, temp in staged:
        Path(temp).unlink(missing_ok=True)


@dataclass
class Staging:
    """New files written to hidden temp files beside their targets, and the folders made for
    them, until :meth:`publish` puts them in place or :meth:`discard` removes every trace.

    Picklable: worker processes stage, the parent publishes once everything is ready.
    """

    files: list[tuple[Path, str]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # made here, parents first
    seen: set[Path] = field(default_factory=set, repr=False)  # folders known to exist

    def stage(self, path: Path, data: str | bytes, sync: bool = False) -> None:
        self.make_folder(path.parent)
        self.files.append((path, stage(path, data, sync)))

    def make_folder(self, folder: Path) -> None:
        if folder in self.seen:
            return
        self.seen.add(folder)
        if folder.is_dir():
            return
        missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        self.folders.extend(reversed(missing))

    def extend(self, other: "Staging") -> None:
        self.files.extend(other.files)
        self.folders.extend(other.folders)

    def publish(self, lock_renames: bool, sync: bool = True) -> list[Path]:
        """One sync for the texts, the renames (see :func:`write_synced` for the locks), one
        sync for the names; the targets, in order."""
        if sync and self.files:
            os.sync()
        commit(self.files, lock_renames)
        if sync and self.files:
            os.sync()
        return [path for path, _ in self.files]

    def discard(self) -> None:
        discard(self.files)
        self.remove_empty_folders()

    def remove_empty_folders(self) -> None:
        for folder in reversed(self.folders):
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty, or gone already


def staged_run(work: Callable[[list, "Staging"], list], items: list, workers: int = 1, *,
               chunk: int = 25, progress: Callable[[int, int], None] | None = None) -> tuple["Staging", list]:
    """Run ``work(chunk, staging)`` over ``items`` a chunk at a time, in ``workers`` processes
    (:func:`parallel.run_chunks`): each call stages its files into its own :class:`Staging`
    and returns a list of results. Returns one staging with every chunk's files, not yet
    published, and all the results in order; ``progress(done, total)`` follows the chunks.

    A :class:`ChorusError` or an ``OSError`` in any chunk is raised as one ``ChorusError``
    once the run is over; then, as after any interruption, everything staged is removed.
    """
    staging = Staging()
    results: list = []
    failure = None
    runs = run_chunks(_StagedChunk(work), items, workers, chunk, discard=lambda outcome: outcome[0].discard())
    try:
        with closing(runs):  # stopping early stops the workers and removes what they staged
            for done, (chunk_staging, chunk_results, error) in runs:
                staging.extend(chunk_staging)
                results.extend(chunk_results)
                failure = failure or error
                if progress:
                    progress(done, len(items))
        if failure:
            raise ChorusError(failure)
    except BaseException:
        staging.discard()
        raise
    return staging, results


@dataclass
class _StagedChunk:
    """One chunk of :func:`staged_run`: (its staging, its results, the error or None); after
    an error the staging is still returned, to be discarded with the others."""

    work: Callable[[list, "Staging"], list]

    def __call__(self, chunk: list):
        staging = Staging()
        try:
            results = self.work(chunk, staging)
        except ChorusError as error:
            return staging, [], str(error)
        except OSError as error:
            return staging, [], storage_message(error)
        except BaseException:
            staging.discard()
            raise
        return staging, results, None


def _link_if_absent(temp: str, path: Path) -> bool:
    """Put a new file in place without a lock: the link fails if someone made it meanwhile."""
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        return False
    os.unlink(temp)
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)



def lock_path(path: Path) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the per-catalog lock (shared by every process that writes this catalog)."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(path)), timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise ChorusError(f"{path}: locked by another writer for {timeout:.0f} s; try again") from None
