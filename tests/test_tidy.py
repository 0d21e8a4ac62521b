"""Tidying after killed runs reads only the folders that changed since it last ran."""

from __future__ import annotations

import os
import time

from chorus import files
from chorus.project import Project

DEAD = 2 ** 22 + 12345  # above the default pid_max: no process has this id


def make(tmp_path, count: int = 5) -> Project:
    project = Project.create(tmp_path / "project", "en", ["es"])
    for number in range(count):
        (project.translations_dir / f"s{number}").mkdir(parents=True)
    return project


def leave_temp(folder, when: float | None = None):
    temp = folder / f".es.po.{DEAD}-0.tmp"
    temp.write_text("half a catalog", encoding="utf-8")
    if when is not None:  # the folder as if nothing had changed in it since ``when``
        os.utime(folder, (when, when))
    return temp


def test_a_temp_left_after_the_last_tidy_is_removed(tmp_path):
    project = make(tmp_path)
    assert files.tidy(project) == 0
    temp = leave_temp(project.translations_dir / "s3")
    assert files.tidy(project) == 1 and not temp.exists()


def test_unchanged_folders_are_not_read_and_a_lost_state_reads_them_all(tmp_path):
    project = make(tmp_path)
    files.tidy(project)
    # a folder older than the last tidy is not read again: its temp file stays...
    temp = leave_temp(project.translations_dir / "s1", when=time.time() - 3600)
    assert files.tidy(project) == 0 and temp.exists()
    # ...until the derived state goes (deleting .chorus/ is always safe): then every folder is read
    (project.root / ".chorus" / files.TIDY_STATE).unlink()
    assert files.tidy(project) == 1 and not temp.exists()


def test_a_live_runs_folder_is_read_again_after_the_run_dies(tmp_path):
    project = make(tmp_path)
    folder = project.translations_dir / "s2"
    live = folder / f".es.po.{os.getpid()}-0.tmp"
    live.write_text("a save in progress", encoding="utf-8")
    assert files.tidy(project) == 0 and live.exists()
    dead = live.rename(folder / f".es.po.{DEAD}-0.tmp")  # the run was killed: its id is gone
    old = time.time() - 3600
    os.utime(folder, (old, old))
    assert files.tidy(project) == 1 and not dead.exists()
