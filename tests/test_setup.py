"""Set-up: the lock matches pyproject.toml, and the sample project is what `make run` leaves."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO, run_chorus, snapshot

LOCK = REPO / "requirements-lock.txt"


def locked() -> dict[str, list[tuple[str, str]]]:
    """Package → [(version, environment marker)] as the lock pins them (a package may be
    pinned twice, for different Python versions)."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if match:
            name, version, marker = match.groups()
            pins.setdefault(canonicalize_name(name), []).append((version, marker or ""))
    return pins


def wanted() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    lines = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["test"],
             *project["dependency-groups"]["build"]]
    return [Requirement(line) for line in lines]


def test_every_requirement_is_locked_with_hashes_in_its_range():
    pins = locked()
    assert len(pins) > 20
    for requirement in wanted():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in the lock: run make lock"
        for version, _ in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{name}=={version} is outside {requirement.specifier}: run make lock")
    text = LOCK.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    for entry in entries:
        if "==" in entry:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_the_lock_pins_what_this_environment_runs():
    from importlib.metadata import version

    from packaging.markers import Marker

    for name, pins in locked().items():
        chosen = [v for v, marker in pins if not marker or Marker(marker).evaluate()]
        if not chosen:
            continue  # a package for another platform or Python
        assert version(name) == chosen[0], f"{name}: installed {version(name)}, locked {chosen[0]}"


@pytest.fixture
def sample_copy(tmp_path):
    """The repository's own project (statements, catalogs, settings) in a temporary folder."""
    root = tmp_path / "samples"
    root.mkdir()
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "translations", root / "translations",
                    ignore=shutil.ignore_patterns(".*.lock", ".*.tmp"))
    shutil.copy(REPO / "chorus.toml", root / "chorus.toml")
    return root


def test_make_run_leaves_the_sample_project_as_committed(sample_copy):
    """`make run` adds the samples and pretranslates them: on the committed catalogs both find
    nothing to do and write nothing, so a newcomer's clone stays clean."""
    before = snapshot(sample_copy / "translations")
    files = sorted(str(path.relative_to(sample_copy)) for path in (sample_copy / "source").iterdir())
    added = run_chorus("add", *files, cwd=sample_copy)
    assert added.returncode == 0, added.stderr.decode()
    drafted = run_chorus("pretranslate", cwd=sample_copy)
    assert drafted.returncode == 0, drafted.stderr.decode()
    after = snapshot(sample_copy / "translations")
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert not changed, f"make run would rewrite {changed}: commit the catalogs it makes"
    assert sorted(after) == sorted(before)
