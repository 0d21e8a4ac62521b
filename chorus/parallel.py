"""Run a task over a list in chunks, in forked processes when that pays.

Export and ingest use it from the command line, where a run of hundreds of statements is
CPU- and disk-bound; a library caller (the web UI) keeps ``workers=1`` and everything stays
in its process.

>>> list(run_chunks(len, list("abcde"), workers=1, chunk=2))
[(2, 2), (4, 2), (5, 1)]

With ``workers`` > 1 the parent takes chunks 0, w, 2w, … itself and forks one child for each
other share; a child sends each chunk's result back through a pipe as it finishes (pickled,
after an 8-byte length). That is what ``multiprocessing.Pool`` would do, in a few
milliseconds instead of some thirty (its import, its threads and queues), with the parent
working instead of waiting.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
from typing import Callable, Iterator, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
_SIZE = 8  # bytes of the length before each message


class WorkerFailed(RuntimeError):
    """A task raised in a child process; the message carries the child's traceback."""


def run_chunks(task: Callable[[list[Item]], Result], items: list[Item], workers: int,
               chunk: int = 25, discard: Callable[[Result], None] | None = None
               ) -> Iterator[tuple[int, Result]]:
    """Yield (items done so far, ``task(chunk)``) in chunk order. With ``workers`` > 1, more
    than two chunks and a system that can fork, ``workers`` processes share the chunks.

    If the run stops early (an error, Ctrl+C), ``discard`` is called on every result that
    was made but not yielded, so that what it staged can be removed.
    """
    chunks = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    if workers > 1 and len(chunks) > 2 and hasattr(os, "fork"):
        yield from _forked(task, chunks, min(workers, len(chunks)), discard)
        return
    done = 0
    for part in chunks:
        result = task(part)
        done += len(part)
        yield done, result


def _forked(task, chunks: list[list], workers: int, discard):
    buffers: dict[int, bytearray | None] = {}  # pipe (read end) → bytes not yet read whole
    pids: list[int] = []
    results: dict[int, object] = {}
    stop_read, stop_write = os.pipe()  # closed by the parent: "no more chunks"
    finished = False
    try:
        for share in range(1, workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child never returns from here
                os.close(stop_write)
                os.close(read_end)
                _child(task, chunks, share, workers, write_end, stop_read, discard)
            os.close(write_end)
            pids.append(pid)
            buffers[read_end] = bytearray()
        yield from _gather(task, chunks, workers, buffers, results)
        finished = True
    finally:
        os.close(stop_write)
        os.close(stop_read)
        if not finished:  # each child ends after its current chunk; nothing of theirs is kept
            _drain(buffers, results)
            for result in results.values():
                if discard is not None:
                    discard(result)
        for pid in pids:
            os.waitpid(pid, 0)
        for read_end in buffers:
            os.close(read_end)


def _child(task, chunks: list[list], share: int, workers: int, out: int, stop: int, discard) -> None:
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the parent, which stops us
        for index in range(share, len(chunks), workers):
            if select.select([stop], [], [], 0)[0]:
                break
            result = task(chunks[index])
            try:
                _send(out, (index, result))
            except BaseException:
                if discard is not None:
                    discard(result)
                raise
    except BaseException:
        status = 1
        try:
            import traceback

            _send(out, (-1, traceback.format_exc()))
        except BaseException:
            pass
    finally:
        os._exit(status)


def _send(out: int, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(_SIZE, "little") + data)
    while view:
        view = view[os.write(out, view):]


def _gather(task, chunks: list[list], workers: int, buffers: dict, results: dict):
    """Run the parent's share, collecting the children's results meanwhile; yield in order."""
    next_index = done = 0
    own = iter(range(0, len(chunks), workers))
    while next_index < len(chunks):
        index = next(own, None)
        if index is not None:
            results[index] = task(chunks[index])
        _receive(buffers, results, wait=index is None)
        while next_index in results:
            done += len(chunks[next_index])
            yield done, results.pop(next_index)
            next_index += 1


def _drain(buffers: dict, results: dict) -> None:
    """Read everything the children still send, until each has closed its pipe."""
    while any(buffer is not None for buffer in buffers.values()):
        try:
            _receive(buffers, results, wait=True)
        except WorkerFailed:
            continue


def _receive(buffers: dict, results: dict, wait: bool) -> None:
    """Read what the children have sent (blocking only when ``wait`` and nothing is ready)."""
    open_ends = [read_end for read_end, buffer in buffers.items() if buffer is not None]
    if not open_ends:
        if wait:
            raise WorkerFailed("a worker process ended without sending all of its results")
        return
    ready, _, _ = select.select(open_ends, [], [], None if wait else 0)
    for read_end in ready:
        data = os.read(read_end, 1 << 20)
        buffer = buffers[read_end]
        if not data:
            buffers[read_end] = None  # this child is done
            continue
        buffer.extend(data)
        while len(buffer) >= _SIZE:
            size = int.from_bytes(buffer[:_SIZE], "little")
            if len(buffer) < _SIZE + size:
                break
            index, result = pickle.loads(bytes(buffer[_SIZE:_SIZE + size]))
            del buffer[:_SIZE + size]
            if index < 0:
                raise WorkerFailed(f"a worker process failed:\n{result}")
            results[index] = result
