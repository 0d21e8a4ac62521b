"""The ``chorus`` command: a thin layer that parses arguments, calls the library and prints.

Commands of each area live in ``chorus/commands/``; this module holds the group, the shared
options and the error handling that turns a :class:`ChorusError` into one line and exit 1.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from pathlib import Path

import click

from . import __version__
from .commands import LAZY_COMMANDS
from .errors import ChorusError
from .files import storage_message
from .project import Project, parse_langs


class ChorusGroup(click.Group):
    """The command group: one line per error, and the commands of other areas imported only
    when they are run (or listed by --help), so each command starts quickly."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in LAZY_COMMANDS:
            importlib.import_module(f"{__package__}.commands.{LAZY_COMMANDS[name]}").register(self)
        return self.commands.get(name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ChorusError as error:
            fail(str(error))
        except KeyboardInterrupt:
            click.echo("chorus: interrupted", err=True)
            ctx.exit(130)
        except OSError as error:
            fail(storage_message(error))
        except Exception as error:  # noqa: BLE001 — a database that cannot be written is one line too
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is None or not isinstance(error, sqlite3.Error):
                raise
            fail(database_message(error))


_DATABASE_HINTS = {
    "SQLITE_READONLY": "it is read-only (a read-only file system or folder?)",
    "SQLITE_FULL": "the disk is full: free some space and run the command again",
    "SQLITE_CANTOPEN": "it cannot be opened (a read-only or missing folder?)",
    "SQLITE_IOERR": "the disk reported an error (full, or read-only?)",
    "SQLITE_BUSY": "another program is writing it: try again in a moment",
    "SQLITE_LOCKED": "another program is writing it: try again in a moment",
    "SQLITE_CORRUPT": "the file is damaged (it is a cache or an account store under .chorus/)",
}


def database_message(error: Exception) -> str:
    """One line for a SQLite error (accounts, history, memory index, machine translation cache)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    hint = next((text for prefix, text in _DATABASE_HINTS.items() if name.startswith(prefix)), None)
    detail = f"{hint} ({error})" if hint else str(error)
    return f"cannot use a database under .chorus/: {detail}"


def fail(message: str, code: int = 1) -> None:
    click.echo(f"chorus: error: {message}", err=True)
    sys.exit(code)


def project_option(function):
    """``--project DIR`` on every command (default: the current folder or $CHORUS_PROJECT)."""

    @click.option(
        "--project",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="CHORUS_PROJECT",
        default=".",
        show_default=True,
        help="Project folder (the one with chorus.toml).",
    )
    @functools.wraps(function)
    def wrapper(*args, project_dir: Path, **kwargs):
        project = Project.load(project_dir)
        tidied = _tidy(project)
        result = function(*args, project=project, **kwargs)
        tidied()  # noted only once the command succeeded: a refused one changes nothing
        return result

    return wrapper


def _tidy(project: Project):
    """Remove the temp files that killed runs left in the project (only stale ones); what notes
    the folders read, for the command to call once it succeeded."""
    from .files import tidy_then_save

    return tidy_then_save(project)[1]


@functools.lru_cache(maxsize=None)
def console():
    """rich's console on standard output (tables); made, and rich imported, on first use."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 120)


@functools.lru_cache(maxsize=None)
def err_console():
    from rich.console import Console

    return Console(stderr=True)


def progress_bar():
    """A progress bar on stderr for long work; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return _Silent()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console(), transient=True,
    )


class _Silent:
    """What :func:`progress_bar` gives when no one can see a bar: the same calls, no output."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, description: str, **fields) -> int:
        return 0

    def update(self, task: int, **fields) -> None:
        return None

    def advance(self, task: int, advance: float = 1) -> None:
        return None


@click.group(cls=ChorusGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="chorus")
def cli():
    """Chorus: translate short statements into many languages with volunteers.

    \b
    A typical run:
      chorus init --source-lang en --langs es,fr,de
      chorus add "Stop the Attacks.txt"
      chorus status
    """


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--source-lang", default="en", show_default=True, help="Language the statements are written in.")
@click.option("--langs", required=True, help="Target languages, comma separated: es,fr,de.")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder (same as DIRECTORY).")
@click.option("--git", "use_git", is_flag=True, help="Make it a git work tree that syncs with a remote (chorus sync).")
def init(directory: Path | None, source_lang: str, langs: str, project_dir: Path | None, use_git: bool):
    """Create chorus.toml, source/ and translations/ in DIRECTORY (default: here)."""
    folder = directory or project_dir or Path(".")
    targets = parse_langs(langs)
    if use_git:
        from . import gitstore

        gitstore.check_init(folder)  # before anything is written
    project = Project.create(folder, source_lang, targets)
    click.echo(f"Created {project.root / 'chorus.toml'}: {project.config.source_lang} → "
               f"{', '.join(project.config.langs)}")
    if use_git:
        from .gitstore import init as init_git

        click.echo(f"Git work tree on branch {init_git(project)}: add a remote (git remote add origin URL), "
                   "then chorus sync")
    click.echo("Next: chorus add STATEMENT.txt")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--slug", help="Name of the statement (default: from the file name).")
@click.option("--deadline", metavar="WHEN",
              help="When the translations must be out: ISO 8601, e.g. 2026-12-04T20:00 (the server's time "
                   "zone unless an offset is given: 2026-12-04T20:00+01:00).")
@project_option
def add(files: tuple[Path, ...], slug: str | None, deadline: str | None, project: Project):
    """Copy statements into source/ and make their catalogs.

    Many files are read in one worker process per core; nothing is written unless every
    file can be ingested. Translators and reviewers are told (see [notify] in chorus.toml).
    """
    import os

    from .deadline import local, parse
    from .ingest import add as add_statements

    moment = parse(deadline) if deadline is not None else None
    with progress_bar() as bar:
        task = bar.add_task("Ingesting", total=len(files), visible=len(files) > 1)
        added = add_statements(project, list(files), slug, workers=os.cpu_count() or 1,
                               progress=lambda done, _total: bar.update(task, completed=done), deadline=moment)
    from . import gitstore

    gitstore.note_command(project, "add", [statement.slug for statement in added])
    for statement in added:
        count = len(statement.langs)
        due = f", due {local(moment)}" if moment else ""
        click.echo(f"{statement.slug}: {statement.segments} segments → {count} language{'s' * (count != 1)} "
                   f"({project.relative(project.statement_dir(statement.slug))}/){due}")
    if project.config.settings.get("notify"):
        from .notify import statements_added

        statements_added(project, [statement.slug for statement in added])


@cli.command()
@click.argument("slugs", nargs=-1)
@project_option
def update(slugs: tuple[str, ...], project: Project):
    """Re-read edited sources; keep translations of unchanged segments."""
    from .ingest import apply, plan_update

    plans = plan_update(project, list(slugs))
    if not plans:
        click.echo("No statements yet: use 'chorus add FILE'.")
        return
    before = {plan.slug: _entry_ids(project, plan.slug, plan.langs) for plan in plans}
    apply(project, plans)
    from . import gitstore

    gitstore.note_command(project, "update", [plan.slug for plan in plans])
    for plan in plans:
        current = {entry.msgid for entry in plan.template}
        old = before[plan.slug]
        click.echo(f"{plan.slug}: {len(current)} segments, {len(current - old)} new or changed, "
                   f"{len(old - current)} gone")


def _entry_ids(project: Project, slug: str, langs: list[str]) -> set[str]:
    from . import catalog

    path = project.template_path(slug)
    try:
        return {entry.msgid for entry in catalog.read(path)}
    except ChorusError:  # none yet, or a broken one that the update makes again from the source
        return set()


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@project_option
def status(slugs: tuple[str, ...], langs: tuple[str, ...], as_json: bool, project: Project):
    """Progress per statement and language.

    Counts come from the project index (.chorus/index.sqlite3), which re-reads only the
    catalogs that changed. A catalog that cannot be read is a row saying what is wrong and
    the command that repairs it; the exit status is 1 only when a statement named on the
    command line has such a problem.
    """
    import os

    from .status import collect, describe_problem, problems

    with progress_bar() as bar:
        task = bar.add_task("Indexing", total=None, visible=False)
        rows = collect(project, list(slugs), list(langs), workers=os.cpu_count() or 1,
                       progress=lambda done, total: bar.update(task, completed=done, total=total, visible=total > 1))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("No statements yet: use 'chorus add FILE'.")
    else:
        _status_table(rows)
    found = problems(rows)
    for row in found:
        click.echo(f"chorus: problem: {describe_problem(row)}", err=True)
    if slugs and found:
        names = ", ".join(dict.fromkeys(row["statement"] for row in found))
        fail(f"{len(found)} file{'s' * (len(found) != 1)} of {names} cannot be read (see above)")


def _status_table(rows: list[dict]) -> None:
    from rich.table import Table

    notes = any(row["error"] or row["missing"] for row in rows)
    table = Table(title="Translation status (segments, and % of the statement)")
    table.add_column("statement", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    for heading in ("segments", "words", "untranslated", "draft", "translated", "approved"):
        table.add_column(heading, justify="right", no_wrap=True)
    if notes:
        table.add_column("note")
    for row in rows:
        if row["error"]:
            cells = ["—"] * 6 + ["cannot be read (see below)"]
        else:
            cells = [str(row["segments"]), str(row["words"]), *(f"{row[key]} {row['percent'][key]:>3.0f}%"
                                                                for key in ("untranslated", "fuzzy", "translated",
                                                                            "approved"))]
            if notes:
                cells.append(f"no catalog yet: {row['repair']}" if row["missing"] else "")
        table.add_row(row["statement"], row["lang"] or "(template)", *cells)
    console().print(table)


@cli.command()
@click.argument("file", required=False, default="-", type=click.Path(allow_dash=True, path_type=Path))
@click.option("--lang", required=True, help="Language of the text.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of strings.")
def segment(file: Path, lang: str, as_json: bool):
    """Print the sentence segments of a text, one per line (FILE or - for standard input)."""
    from .project import normalize_lang
    from .segment import segments
    from .sources import decode_statement, read_statement

    lang = normalize_lang(lang)
    if str(file) == "-":
        text = decode_statement(sys.stdin.buffer.read(), "standard input")
    else:
        text = read_statement(file)
    found = [s for paragraph in _paragraphs(text) for s in segments(paragraph, lang)]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
    else:
        for line in found:
            click.echo(line)


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; the lines of one paragraph are one text."""
    import re

    return [" ".join(part.split()) for part in re.split(r"\n[ \t]*\n", text) if part.strip()]


def main() -> None:
    cli(prog_name="chorus")

