"""The ``chorus`` command's entry point: Apertium first, then the rest of Chorus.

Apertium takes a moment to load its dictionaries, about as long as Python takes to import
Chorus. So ``chorus pretranslate`` starts the Apertium pipelines it will need before it
imports anything else, and both happen at once. What to start comes from a plan the previous
run left in ``.chorus/cache/apertium/start``::

    chorus.toml 1089 1767000000000000000
    /usr/share/apertium/modes 1655307940000000000
    es apertium eng-spa
    fr apertium eng-spa es-fr
    de libre

The first two lines say what the plan was made from (the size and modification time of
chorus.toml, the modes folder and its modification time, which changes when a pair is
installed): when either changed, nothing is started early. Then one line per language: the
first engine of its chain and the modes of its Apertium chain. Languages chosen with
``--lang`` and the engine of ``--engine`` are honoured; a language the plan does not know is
simply not started early.

A pipeline is started only when its shell command is cached as well
(:func:`chorus.engines.apertium_pipeline.pipeline_command`), and it is used only by a
pipeline of the very same command (:func:`take`); whatever the run does not use is stopped
when the command ends. If anything here fails, nothing is started early and the command
runs as it always does: the run starts its pipelines itself.

Only ``os`` and ``sys`` (loaded with Python itself) are used before the pipelines start.
"""

from __future__ import annotations

import os
import sys

PLAN = "start"  # in .chorus/cache/apertium/
CONFIG_NAME = "chorus.toml"
_started: dict[str, list["Spawned"]] = {}  # pipeline command → processes started early, not yet taken


def main() -> None:
    """``chorus``: start what ``chorus pretranslate`` will need, then run the command."""
    pretranslating = _request(sys.argv[1:]) is not None
    try:
        start(sys.argv[1:], os.environ)
    except (OSError, ValueError, AttributeError):  # no plan to use (or no O_TMPFILE): the run
        stop_unused()  # starts its own pipelines
    try:
        from .cli import main as cli_main

        cli_main()
    except SystemExit as done:
        stop_unused()
        if pretranslating and isinstance(done.code, (int, type(None))):
            _leave(done.code or 0)
        raise
    finally:
        stop_unused()


def _leave(code: int) -> None:
    """End a finished ``chorus pretranslate`` at once: the exit handlers run and the output is
    flushed, then the interpreter's teardown (tens of milliseconds for the modules a run
    imports) is skipped; it has nothing left to do that anyone would see: every catalog is
    written and synced, every pipeline stopped. Returns (and Python ends as usual) while
    another thread still works."""
    import atexit
    import threading

    if any(thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
           for thread in threading.enumerate()):
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: let Python report it as it does
        return
    os._exit(code)


def start(args: list[str], environ) -> list[str]:
    """Start the pipelines the plan names for this command line; the commands started.

    >>> start(["status"], {})
    []
    """
    request = _request(args)
    if request is None:
        return []
    project, langs, engine = request
    if project is None:
        project = environ.get("CHORUS_PROJECT") or "."
    plan = read_plan(project)
    if plan is None:
        return []
    modes_dir, lines = plan
    folder = cache_folder(project)
    started = []
    for lang in langs or list(lines):
        first, modes = lines.get(lang, ("", []))
        if (engine or first) != "apertium":
            continue
        for mode in modes:
            command = cached_command(os.path.join(folder, f"{mode}.sh"), os.path.join(modes_dir, f"{mode}.mode"))
            if command is None or command in _started:
                continue  # not cached yet (the run makes it), or already started for another language
            _started[command] = [Spawned(command)]
            started.append(command)
    return started


def _request(args: list[str]) -> tuple[str | None, list[str], str | None] | None:
    """(``--project``, ``--lang`` values, ``--engine``) of a ``pretranslate`` command line, or
    None for any other command (and for ``--help``).

    >>> _request(["pretranslate", "--lang", "es", "--project=p", "some-slug"])
    ('p', ['es'], None)
    >>> _request(["pretranslate", "--help"]) is None
    True
    """
    if not args or args[0] != "pretranslate":
        return None
    project, langs, engine = None, [], None
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--":
            break
        if arg in ("-h", "--help"):
            return None
        name, equals, value = arg.partition("=")
        if name not in ("--project", "--lang", "--engine"):
            continue
        if not equals:
            value = next(rest, None)
            if value is None:
                return None
        if name == "--project":
            project = value
        elif name == "--lang":
            langs.append(value)
        else:
            engine = value
    return project, langs, engine


def cache_folder(project: str) -> str:
    """``.chorus/cache/apertium`` of a project folder: the plan and the pipelines' commands."""
    return os.path.join(project, ".chorus", "cache", "apertium")


def _stamp(path: str) -> str:
    info = os.stat(path)
    return f"{info.st_size} {info.st_mtime_ns}"


def read_plan(project: str) -> tuple[str, dict[str, tuple[str, list[str]]]] | None:
    """The modes folder and, per language, (first engine, Apertium modes) of a project's plan;
    None when there is none or chorus.toml or the modes folder changed since it was made."""
    try:
        with open(os.path.join(cache_folder(project), PLAN), encoding="utf-8") as handle:
            config, modes, *rest = handle.read().splitlines()
        modes_dir, _, modes_stamp = modes.rpartition(" ")
        if (config != f"{CONFIG_NAME} {_stamp(os.path.join(project, CONFIG_NAME))}"
                or modes_stamp != str(os.stat(modes_dir).st_mtime_ns)):
            return None
    except (OSError, ValueError):
        return None
    lines = {}
    for line in rest:
        lang, first, *chain = line.split()
        lines[lang] = (first, chain)
    return modes_dir, lines


def write_plan(project: str, modes_dir: str, langs: dict[str, tuple[str, list[str]]]) -> None:
    """Keep what the next ``chorus pretranslate`` of ``project`` starts first: per language,
    the first engine of its chain and its Apertium modes. Written only when it changed; a
    plan that cannot be written is only slower."""
    try:
        modes_dir = os.path.abspath(modes_dir)
        text = "".join([
            f"{CONFIG_NAME} {_stamp(os.path.join(project, CONFIG_NAME))}\n",
            f"{modes_dir} {os.stat(modes_dir).st_mtime_ns}\n",
            *(" ".join([lang, first, *modes]) + "\n" for lang, (first, modes) in langs.items()),
        ])
        path = os.path.join(cache_folder(project), PLAN)
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    return
        except (OSError, ValueError):
            pass
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        pass


def stamp_line(mode_file: str) -> str:
    """The first line of a cached pipeline command: the mode file it was made from, its size
    and modification time (OSError when there is no such file)."""
    info = os.stat(mode_file)
    return f"# {os.path.realpath(mode_file)} {info.st_size} {info.st_mtime_ns}"


def cached_command(cache_file: str, mode_file: str) -> str | None:
    """The pipeline command cached for a mode, or None when absent or made from another
    version of the mode file."""
    try:
        stamp = stamp_line(mode_file)
        with open(cache_file, encoding="utf-8") as handle:
            first, _, command = handle.read().partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return command.strip() if first == stamp and command.strip() else None


def take(command: str) -> "Spawned | None":
    """A process started early for this pipeline command (it is then the caller's), or None."""
    waiting = _started.get(command)
    while waiting:
        process = waiting.pop()
        if process.poll() is None:
            return process
        process.close()
    return None


def stop_unused() -> None:
    """Stop the pipelines started early that the run did not take."""
    while _started:
        _, processes = _started.popitem()
        for process in processes:
            process.kill()
            process.close()


def kill_group(process) -> None:
    """Stop a pipeline (a ``Popen`` or a :class:`Spawned` in a session of its own: its process
    group) at once, and reap it."""
    import signal

    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


class Spawned:
    """A pipeline started with ``os.posix_spawnp`` (``subprocess`` is not imported yet): what
    :class:`chorus.engines.apertium_pipeline.Pipeline` uses of a ``Popen``, in its own session
    (it is stopped as a process group), its standard error in an unnamed temporary file.

    The generator's option is ``-n`` (no unknown-word marks), the tagger's none, as for every
    pipeline.
    """

    def __init__(self, command: str):
        stderr = os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
        stdin_read, stdin_write = os.pipe()  # not inherited: only the dup2'ed copies are
        stdout_read, stdout_write = os.pipe()
        try:
            self.pid = os.posix_spawnp("bash", ["bash", "-c", command, "apertium", "-n", ""], os.environ,
                                       file_actions=[(os.POSIX_SPAWN_DUP2, stdin_read, 0),
                                                     (os.POSIX_SPAWN_DUP2, stdout_write, 1),
                                                     (os.POSIX_SPAWN_DUP2, stderr, 2)],
                                       setsid=True)
        except OSError:
            for fd in (stderr, stdin_read, stdin_write, stdout_read, stdout_write):
                os.close(fd)
            raise
        os.close(stdin_read)
        os.close(stdout_write)
        self.returncode: int | None = None
        self.stdin = open(stdin_write, "wb")
        self.stdout = open(stdout_read, "rb")
        self.stderr = open(stderr, "w+b")

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            while self.poll() is None:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode
        import time

        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                import subprocess

                raise subprocess.TimeoutExpired(["bash"], timeout)
            time.sleep(0.005)
        return self.returncode

    def kill(self) -> None:
        kill_group(self)

    def close(self) -> None:
        for stream in (self.stdin, self.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass
