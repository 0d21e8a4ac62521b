"""Real storage failures for the reliability tests: a project on small RAM file systems that
can be filled up or turned read-only while gunicorn serves it. Helpers, not tests.

The project folder, its ``translations/`` and its ``.chorus/instance/`` each get a tmpfs of
their own, in a private mount namespace (``unshare``), so nothing outside the test sees them.
This file is also the program that runs inside the namespace: it mounts, starts gunicorn, and
then obeys one command a line on its standard input (``fill translations``, ``free instance``,
``ro translations``, ``rw translations``, ``stop``, ``start``, ``quit``), answering ``ok`` or
``error ...``. From outside, the project as the server sees it is under
``/proc/<pid>/root/...`` (:meth:`Jail.path`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

MOUNTS = {"project": ("", "24m"), "translations": ("translations", "8m"), "instance": (".chorus/instance", "8m")}
FILLER = ".filler"


# --- inside the namespace -----------------------------------------------------------------------


def _mount_over(folder: Path, size: str) -> None:
    """Put a tmpfs of ``size`` over ``folder``, with the folder's files copied onto it."""
    stash = Path(tempfile.mkdtemp(prefix="jail-stash-"))
    shutil.copytree(folder, stash / "copy", symlinks=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)], check=True)
    for item in (stash / "copy").iterdir():
        target = folder / item.name
        if item.is_dir():
            shutil.copytree(item, target, symlinks=True)
        else:
            shutil.copy2(item, target)
    shutil.rmtree(stash)


def _fill(folder: Path) -> None:
    """Write into ``folder`` until its file system has no byte left. SQLite files there first
    give back their spare log space (a write must then grow the log, as on a full disk)."""
    for database in folder.glob("*.sqlite"):
        with sqlite3.connect(database, timeout=30) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(folder / FILLER, "ab", buffering=0) as stream:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while stream.write(b"\0" * chunk):
                    pass
            except OSError:
                pass


def _serve(root: Path, repo: Path, port: int, log: Path) -> subprocess.Popen:
    """gunicorn with two workers, once it answers."""
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--graceful-timeout", "1", "--log-level", "warning", "webui:create_app()"],
        env={**os.environ, "CHORUS_PROJECT": str(root)}, cwd=repo, stdout=subprocess.DEVNULL,
        stderr=log.open("ab"), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                return process
        except urllib.error.HTTPError:
            return process  # it answers (a read-only instance may make that a 503)
        except OSError:
            time.sleep(0.1)
    _stop(process)
    raise RuntimeError("gunicorn did not answer in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def main(root: Path, repo: Path, port: int, log: Path) -> None:
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    for name, (relative, size) in MOUNTS.items():
        _mount_over(root / relative, size)
    server = _serve(root, repo, port, log)
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            command, _, name = line.strip().partition(" ")
            folder = root / MOUNTS[name][0] if name in MOUNTS else None
            try:
                if command == "fill":
                    _fill(folder)
                elif command == "free":
                    (folder / FILLER).unlink(missing_ok=True)
                elif command == "ro":  # a read-only view over the folder, for every new open
                    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
                    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
                elif command == "rw":
                    subprocess.run(["umount", str(folder)], check=True)
                elif command == "stop":
                    _stop(server)
                elif command == "start":
                    server = _serve(root, repo, port, log)
                elif command == "quit":
                    break
                else:
                    raise ValueError(f"unknown command {line.strip()!r}")
            except Exception as error:  # noqa: BLE001 — reported to the test, which fails on it
                print(f"error {error}", flush=True)
            else:
                print("ok", flush=True)
    finally:
        _stop(server)


# --- outside: the tests' handle -------------------------------------------------------------------


class Jail:
    """gunicorn serving ``root`` from file systems the test can fill up or make read-only."""

    def __init__(self, root: Path, repo: Path, port: int, log: Path):
        self.root, self.port, self.log = Path(root), port, Path(log)
        self.process = subprocess.Popen(
            ["unshare", "--user", "--map-root-user", "--mount", sys.executable, __file__, str(root), str(repo),
             str(port), str(log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.process.stdout.readline().strip()
        if first != "ready":
            self.process.kill()
            raise RuntimeError(f"the storage jail did not start: {first} {self.process.stderr.read()[-2000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def path(self, relative: str = "") -> Path:
        """A file of the project as the server sees it."""
        return Path(f"/proc/{self.process.pid}/root") / str(self.root).lstrip("/") / relative

    def do(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer == "ok", f"{command}: {answer}"

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


def available() -> str | None:
    """Why the jail cannot be made on this machine, or None when it can."""
    if shutil.which("unshare") is None:
        return "no unshare command"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=1m tmpfs /mnt"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"cannot mount in a private namespace: {probe.stderr.strip()}"


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
