"""Shared fixtures: throwaway projects and ways to run the real command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chorus.cli import cli
from chorus.project import Project

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "source"
CHORUS = Path(sys.executable).with_name("chorus")


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty project: en → es, fr, de."""
    return Project.create(tmp_path / "proj", "en", ["es", "fr", "de"])


@pytest.fixture
def sample_project(project) -> Project:
    """A project holding the repository's sample statements, ingested."""
    from chorus.ingest import apply, plan_add

    files = sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md"))
    apply(project, plan_add(project, files))
    return project


@pytest.fixture
def invoke(project):
    """Run a chorus command in-process against ``project``: ``invoke("status", "--json")``."""

    def run(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(cli, [*args], input=input, env={"CHORUS_PROJECT": str(project.root)},
                             catch_exceptions=False)

    return run


def run_chorus(*args: str, cwd: Path | None = None, input: bytes | None = None, env: dict | None = None):
    """Run the installed ``chorus`` executable, as a user would."""
    return subprocess.run(
        [str(CHORUS), *args], cwd=cwd, input=input, capture_output=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (lock files aside) with its content."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }


def msgfmt_check(path: Path) -> None:
    result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def copy_samples(destination: Path) -> list[Path]:
    destination.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(path, destination)) for path in sorted(SAMPLES.iterdir())]


def _tracked_changes() -> str | None:
    """``git status`` of the repository's tracked and new files, or None outside a git clone."""
    try:
        result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO,
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


@pytest.fixture(scope="session", autouse=True)
def repository_stays_clean():
    """No test writes into the repository: the work tree is as the run found it."""
    before = _tracked_changes()
    yield
    after = _tracked_changes()
    if before is not None and after is not None:
        assert after == before, f"the tests changed the repository's files:\n{after}"


# The web app runs the background queue itself (chorus.queue); tests that test the queue ask for
# it (create_app(..., {"QUEUE_CONSUMER": True}), or CHORUS_QUEUE_CONSUMER=1 for a server they
# start), so the many apps the other tests make leave no consumer threads behind.
os.environ.setdefault("CHORUS_QUEUE_CONSUMER", "0")
