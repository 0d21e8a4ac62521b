"""Storage that fails under the commands: a read-only file system and a full one.

Every command that writes must answer with one line (``chorus: error: ...``, no traceback) and a
non-zero exit, and leave the project's files as they were. A command with nothing to write may
succeed.

The failures are real. As root, where ``mount`` works, the project lives on a small tmpfs that
is remounted read-only, or filled to the last byte. Elsewhere (CI without privileges) a
read-only project is one whose folders have no write permission (a root without ``mount`` runs
the command through ``setpriv`` without the capability to override permissions), and a full
disk is ``RLIMIT_FSIZE`` of 0 for the command (every write fails with ``EFBIG``). Each failure
message says which ran; nothing is skipped.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from chorus import catalog, index
from chorus.ingest import apply, plan_add
from chorus.project import Project
from conftest import CHORUS, SAMPLES

PASSWORD = "a-long-enough-password"
SLUG = "stop-the-attacks"
DISK = "4m"
SAYS = r"read-only|no space|disk is full|too large|larger than|permission denied|cannot (write|use|be opened)"


def can_mount(folder: Path) -> bool:
    if os.geteuid() != 0 or os.environ.get("CHORUS_TEST_STORAGE") == "unprivileged":
        return False
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if mounted:
        subprocess.run(["umount", str(folder)], check=True)
    return mounted


def make_project(root: Path) -> Project:
    """The samples in Spanish, one account, a glossary, a TMX to import, and the memory index
    built before a volunteer's save: every command below has something to write."""
    project = Project.create(root, "en", ["es"])
    apply(project, plan_add(project, sorted(SAMPLES.glob("*.txt"))))
    (root / "incoming.tmx").write_text(
        '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>Stop the Attacks</seg></tuv>'
        '<tuv xml:lang="es"><seg>Paren los ataques</seg></tuv></tu></body></tmx>', encoding="utf-8")
    (root / "new.txt").write_text("A new title\n\nA new text.\n", encoding="utf-8")
    run_ok(project, "user", "add", "coord", "--role", "coordinator", "--password-stdin", stdin=PASSWORD + "\n")
    run_ok(project, "tm", "import", str(root / "incoming.tmx"))
    run_ok(project, "glossary", "add", "Harbour Solidarity Network")
    run_ok(project, "check")  # builds the memory index
    with catalog.editing(project.catalog_path(SLUG, "es")) as po:  # a save since: the index must catch up
        catalog.live_entries(po)[0].msgstr = "Paren los ataques"
    index.close_connections()  # the save indexed it from this process: let go of the file
    return project


def run_ok(project: Project, *args: str, stdin: str | None = None) -> None:
    """Run a command in its own process (this one keeps no file of the project open)."""
    result = subprocess.run([str(CHORUS), *args, "--project", str(project.root)], capture_output=True, text=True,
                            input=stdin)
    assert result.returncode == 0, result.stderr


@dataclass
class Storage:
    """A project on storage that fails in one way; ``command(*args)`` runs chorus on it."""

    project: Project
    how: str
    preexec: Callable[[], None] | None = None
    prefix: tuple[str, ...] = ()

    def command(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, str(CHORUS), *args, "--project", str(self.project.root)],
                              capture_output=True, text=True, timeout=120, preexec_fn=self.preexec,
                              stdin=subprocess.DEVNULL, cwd="/")


def no_bigger_files() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


# root obeys file permissions without these capabilities
WITHOUT_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


@pytest.fixture(params=["read-only", "full"], scope="module")
def storage(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"storage-{request.param}")
    disk = base / "disk"
    if can_mount(disk):
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(disk)], check=True)
        try:
            project = make_project(disk / "project")
            if request.param == "read-only":
                subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
                yield Storage(project, "tmpfs remounted read-only")
            else:
                fill(disk)
                yield Storage(project, "tmpfs filled to the last byte")
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=True)
        return
    project = make_project(disk / "project")
    if request.param == "full":
        yield Storage(project, "RLIMIT_FSIZE 0", no_bigger_files)
        return
    folders = [path for path in project.root.rglob("*") if path.is_dir()] + [project.root]
    for folder in folders:
        folder.chmod(0o555)
    try:
        if os.geteuid() == 0:
            yield Storage(project, "folders without write permission, setpriv", prefix=WITHOUT_OVERRIDE)
        else:
            yield Storage(project, "folders without write permission")
    finally:
        for folder in folders:
            folder.chmod(0o755)


def fill(disk: Path) -> None:
    """Write until the file system says it is full (unbuffered, so nothing is left to flush)."""
    handle = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 16, 1):
            try:
                while True:
                    os.write(handle, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(handle)


def snapshot(project: Project) -> dict[str, bytes]:
    return {str(path.relative_to(project.root)): path.read_bytes() for path in sorted(project.root.rglob("*"))
            if path.is_file() and ".chorus" not in path.relative_to(project.root).parts
            and not path.name.endswith(".lock")}


COMMANDS = {
    "pretranslate": ["pretranslate"],
    "user add": ["user", "add", "newbie", "--role", "coordinator", "--generate-password"],
    "user passwd": ["user", "passwd", "coord", "--generate-password"],
    "user token": ["user", "token", "coord"],
    "user remove": ["user", "remove", "coord"],
    "add": ["add", "{root}/new.txt"],
    "glossary add": ["glossary", "add", "Picket line", "--lang", "es", "--translation", "piquete"],
    "tm import": ["tm", "import", "{root}/incoming.tmx"],
    "export": ["export", "--draft"],
    "tm export": ["tm", "export", "--lang", "es", "{root}/memory.tmx"],
}


@pytest.mark.parametrize("name", COMMANDS, ids=list(COMMANDS))
def test_failing_storage_is_one_line_and_changes_nothing(storage, name):
    before = snapshot(storage.project)
    args = [arg.format(root=storage.project.root) for arg in COMMANDS[name]]
    result = storage.command(*args)
    context = f"[{storage.how}] chorus {' '.join(args)}: {result.stderr}"
    assert "Traceback" not in result.stderr, context
    assert result.returncode == 1, context
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("chorus: error: "), context
    assert re.search(SAYS, lines[0], re.IGNORECASE), context
    assert snapshot(storage.project) == before, context
