"""parallel.run_chunks: the same results as one process, in order, and a clean stop."""

import os
from pathlib import Path

import pytest

from chorus.parallel import WorkerFailed, run_chunks


def numbered(chunk: list[int]) -> tuple[list[int], int]:
    return [number * number for number in chunk], os.getpid()


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("workers", [2, 3])
def test_forked_results_match_one_process_in_order(workers):
    items = list(range(103))
    serial = list(run_chunks(numbered, items, workers=1, chunk=10))
    forked = list(run_chunks(numbered, items, workers=workers, chunk=10))
    assert [done for done, _ in forked] == [done for done, _ in serial] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 103]
    assert [squares for _, (squares, _) in forked] == [squares for _, (squares, _) in serial]
    assert len({pid for _, (_, pid) in forked}) == workers  # the parent worked too
    assert no_children_left()


def failing_in_a_child(chunk: list[int]) -> list[int]:
    if 35 in chunk:
        raise ValueError("chunk with 35 is bad")
    return chunk


def test_an_error_in_a_child_reaches_the_parent_with_its_traceback():
    with pytest.raises(WorkerFailed, match="chunk with 35 is bad"):
        list(run_chunks(failing_in_a_child, list(range(60)), workers=2, chunk=5))
    assert no_children_left()


class Marking:
    """A task that stages a marker file per chunk, as export and ingest stage their files."""

    def __init__(self, folder: Path, fail_on: int | None = None):
        self.folder, self.fail_on = folder, fail_on

    def __call__(self, chunk: list[int]) -> Path:
        if self.fail_on in chunk:
            raise ValueError("the parent's own chunk fails")
        marker = self.folder / f"chunk-{chunk[0]:03d}"
        marker.write_text("staged")
        return marker


def test_a_run_stopped_early_discards_what_was_made_but_not_taken(tmp_path):
    run = run_chunks(Marking(tmp_path), list(range(100)), workers=2, chunk=5, discard=Path.unlink)
    done, first = next(run)
    run.close()  # the caller stops after the first result (as an error in the caller would)
    assert [path.name for path in tmp_path.iterdir()] == [first.name]
    assert no_children_left()


def test_an_error_in_the_parents_share_stops_the_children_and_discards_their_results(tmp_path):
    with pytest.raises(ValueError, match="parent's own chunk"):
        for _ in run_chunks(Marking(tmp_path, fail_on=40), list(range(100)), workers=2, chunk=5,
                            discard=Path.unlink):
            pass
    yielded_before_the_error = {f"chunk-{n:03d}" for n in range(0, 40, 5)}
    assert {path.name for path in tmp_path.iterdir()} <= yielded_before_the_error
    assert no_children_left()
