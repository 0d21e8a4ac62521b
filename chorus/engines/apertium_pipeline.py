"""One Apertium mode kept running in null-flush mode.

:class:`Pipeline` runs what ``apertium-wblank-mode -z`` makes of a mode file (what the
``apertium`` program runs, every stage told to flush at ``\\0``): batches are sent one after
the other, each ended by ``\\0``, and their outputs received in the same order, several in
flight at once. :func:`pipeline_command` keeps that command in the project's cache.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .. import prestart
from .base import EngineError, EngineUnavailable


class Pipeline:
    """One mode's pipeline in null-flush mode. Batches are sent one after the other, each ended
    by ``\\0``, and their outputs received in the same order; several may be in flight."""

    def __init__(self, mode_file: Path, name: str, cache_dir: Path | None = None):
        self.name = name
        command = pipeline_command(mode_file, name, cache_dir)
        self._buffer = bytearray()  # output read but not yet received
        early = prestart.take(command)  # started by the command before Chorus was imported
        if early is not None:
            self.process, self.stderr = early, early.stderr
            return
        self.stderr = tempfile.TemporaryFile()
        # $1 is the generator's option (-n: no unknown-word marks), $2 the tagger's (none).
        self.process = subprocess.Popen(["bash", "-c", command, "apertium", "-n", ""],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        start_new_session=True)

    def send(self, data: str) -> None:
        """Write one batch and the ``\\0`` that ends it (blocks while the pipeline is busy)."""
        try:
            self.process.stdin.write(data.encode("utf-8") + b"\0")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise EngineError(f"apertium {self.name} failed: it stopped reading") from None

    def receive(self, timeout: float) -> str:
        """The output of the oldest batch not yet received: everything up to the next ``\\0``."""
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while (end := self._buffer.find(b"\0")) < 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self.close()
                    raise EngineError(f"apertium {self.name} took longer than {timeout:g} s")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise EngineError(f"apertium {self.name} failed: {self._reason()}")
                self._buffer += chunk
        output = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return output.decode("utf-8", "replace")

    def exchange(self, data: str, timeout: float) -> str:
        """Send one batch and receive its output (the pipeline must have nothing else in flight)."""
        failure: list[EngineError] = []

        def write() -> None:
            try:
                self.send(data)
            except EngineError as error:
                failure.append(error)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        output = self.receive(timeout)
        writer.join(timeout=5)
        return output

    def _reason(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.stderr.seek(0)
        line = _last_line(self.stderr.read().decode("utf-8", "replace"))
        self.close()
        return line or (f"exit {code}" if code is not None else "the pipeline stopped answering")

    def close(self) -> None:
        """Stop the pipeline at once (it is idle between batches: nothing is lost)."""
        process = self.process
        prestart.kill_group(process)
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.stderr.close()


def pipeline_command(mode_file: Path, name: str, cache_dir: Path | None = None) -> str:
    """The shell pipeline of a mode in null-flush mode, as ``apertium-wblank-mode -z`` writes it.

    It is kept in ``cache_dir`` (with the mode file's size and modification time), so a run
    starts its pipelines without asking for it again.
    """
    try:
        stamp = prestart.stamp_line(str(mode_file))
    except OSError:
        raise EngineError(f"apertium {name}: no mode file {mode_file}") from None
    cached = cache_dir / "apertium" / f"{name}.sh" if cache_dir else None
    if cached is not None:
        command = prestart.cached_command(str(cached), str(mode_file))
        if command is not None:
            return command
    try:
        made = subprocess.run(["apertium-wblank-mode", "-z", str(mode_file)], capture_output=True, text=True,
                              timeout=30)
    except FileNotFoundError:
        raise EngineUnavailable("the apertium program is not installed (apt-get install apertium)") from None
    command = made.stdout.strip()
    if made.returncode != 0 or not command:
        raise EngineError(f"apertium {name}: cannot read the mode ({_last_line(made.stderr) or 'no command'})")
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_name(f".{cached.name}.{os.getpid()}")
            temporary.write_text(f"{stamp}\n{command}\n", encoding="utf-8")
            os.replace(temporary, cached)
        except OSError:
            pass  # a cache that cannot be written is only slower
    return command


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""

