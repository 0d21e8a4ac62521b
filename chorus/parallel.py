"""Run a picklable task over a list in chunks, in forked worker processes when that pays.

Export and ingest use it from the command line, where a run of hundreds of statements is
CPU-bound; a library caller (the web UI) keeps ``workers=1`` and everything stays in its
process.

>>> list(run_chunks(len, list("abcde"), workers=1, chunk=2))
[(2, 2), (4, 2), (5, 1)]
"""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_chunks(task: Callable[[list[Item]], Result], items: list[Item], workers: int,
               chunk: int = 25) -> Iterator[tuple[int, Result]]:
    """Yield (items done so far, ``task(chunk)``) in order. With ``workers`` > 1, more than
    two chunks and a system that can fork, chunks run in that many processes."""
    chunks = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    done = 0
    if workers > 1 and len(chunks) > 2 and _can_fork():
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(min(workers, len(chunks))) as pool:
            for part, result in zip(chunks, pool.imap(task, chunks)):
                done += len(part)
                yield done, result
        return
    for part in chunks:
        result = task(part)
        done += len(part)
        yield done, result


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
