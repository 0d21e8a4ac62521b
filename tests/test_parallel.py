"""parallel.run_chunks: the same results as one process, in order, and a clean stop."""

import os
import time
from pathlib import Path

import pytest

from chorus.parallel import WorkerFailed, run_chunks


def numbered(chunk: list[int]) -> tuple[list[int], int]:
    return [number * number for number in chunk], os.getpid()


def reaped(pids) -> bool:
    """Every worker process other than this one has ended and been waited for."""
    for pid in set(pids) - {os.getpid()}:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def pids_in(folder: Path) -> set[int]:
    return {int(path.name) for path in folder.iterdir()}


@pytest.mark.parametrize("workers", [2, 3])
def test_forked_results_match_one_process_in_order(workers):
    items = list(range(103))
    serial = list(run_chunks(numbered, items, workers=1, chunk=10))
    forked = list(run_chunks(numbered, items, workers=workers, chunk=10))
    assert [done for done, _ in forked] == [done for done, _ in serial] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 103]
    assert [squares for _, (squares, _) in forked] == [squares for _, (squares, _) in serial]
    pids = {pid for _, (_, pid) in forked}
    assert len(pids) == workers and os.getpid() in pids  # the parent worked too
    assert reaped(pids)


class FailingInAChild:
    def __init__(self, pids: Path):
        self.pids = pids

    def __call__(self, chunk: list[int]) -> list[int]:
        (self.pids / str(os.getpid())).touch()
        if 35 in chunk:  # chunk 7: a child's share
            raise ValueError("chunk with 35 is bad")
        return chunk


def test_an_error_in_a_child_reaches_the_parent_with_its_traceback(tmp_path):
    with pytest.raises(WorkerFailed, match="chunk with 35 is bad"):
        list(run_chunks(FailingInAChild(tmp_path), list(range(60)), workers=2, chunk=5))
    assert len(pids_in(tmp_path)) == 2 and reaped(pids_in(tmp_path))


class Marking:
    """A task that stages a marker file per chunk, as export and ingest stage their files."""

    def __init__(self, folder: Path, fail_on: int | None = None):
        self.folder, self.fail_on = folder, fail_on
        self.pids = folder.parent / f"{folder.name}-pids"
        folder.mkdir()
        self.pids.mkdir()

    def __call__(self, chunk: list[int]) -> Path:
        (self.pids / str(os.getpid())).touch()
        if self.fail_on in chunk:
            deadline = time.monotonic() + 20
            while len(pids_in(self.pids)) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)  # fail only once a child has made something to discard
            raise ValueError("the parent's own chunk fails")
        marker = self.folder / f"chunk-{chunk[0]:03d}"
        marker.write_text("staged")
        return marker


def test_a_run_stopped_early_discards_what_was_made_but_not_taken(tmp_path):
    task = Marking(tmp_path / "staged")
    run = run_chunks(task, list(range(100)), workers=2, chunk=5, discard=Path.unlink)
    done, first = next(run)
    run.close()  # the caller stops after the first result (as an error in the caller would)
    assert [path.name for path in task.folder.iterdir()] == [first.name]
    assert reaped(pids_in(task.pids))


def test_an_error_in_the_parents_share_stops_the_children_and_discards_their_results(tmp_path):
    task = Marking(tmp_path / "staged", fail_on=40)
    with pytest.raises(ValueError, match="parent's own chunk"):
        for _ in run_chunks(task, list(range(100)), workers=2, chunk=5, discard=Path.unlink):
            pass
    yielded_before_the_error = {f"chunk-{n:03d}" for n in range(0, 40, 5)}
    assert {path.name for path in task.folder.iterdir()} <= yielded_before_the_error
    assert len(pids_in(task.pids)) == 2 and reaped(pids_in(task.pids))
