"""``chorus deadline``, ``chorus worker``, ``chorus history`` and ``chorus revert``: the team's
day from the command line (the same rules as the web UI: :mod:`chorus.editing`)."""

from __future__ import annotations

import json

import click

from ..cli import console, project_option
from ..errors import ChorusError
from ..project import Project


def register(cli) -> None:
    cli.add_command(deadline_command)
    cli.add_command(worker_command)
    cli.add_command(history_command)
    cli.add_command(revert_command)


@click.command("deadline")
@click.argument("slug")
@click.argument("when", required=False)
@click.option("--clear", is_flag=True, help="Remove the deadline.")
@project_option
def deadline_command(slug: str, when: str | None, clear: bool, project: Project):
    """Show, set or clear the deadline of a statement.

    \b
    WHEN is ISO 8601, in the server's time zone unless it says otherwise:
      chorus deadline stop-the-attacks 2026-12-04T20:00
      chorus deadline stop-the-attacks 2026-12-04T20:00+01:00
      chorus deadline stop-the-attacks --clear
    """
    from .. import catalog
    from ..deadline import HEADER, local, parse, read, set_deadline

    slug = project.resolve([slug])[0]
    if when is not None and clear:
        raise ChorusError("give a deadline or --clear, not both")
    if when is None and not clear:
        current = read(catalog.read_states(project.template_path(slug))[0].get(HEADER))
        click.echo(f"{slug}: due {local(current)}" if current else f"{slug}: no deadline")
        return
    moment = None if clear else parse(when)
    set_deadline(project, slug, moment)
    from ..gitstore import note_command

    note_command(project, "deadline", [slug])
    click.echo(f"{slug}: due {local(moment)}" if moment else f"{slug}: no deadline")


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Tasks run at once (drafts, mail, webhooks).")
@project_option
def worker_command(threads: int, project: Project):
    """Run the background queue: drafts of statements added on the web, mail, webhooks,
    deadline reminders and digests.

    \b
    The web app runs it itself (chorus serve, or one gunicorn worker at a time); run this
    instead with [queue] consumer = "separate" in chorus.toml, e.g. as a service beside gunicorn.
    """
    from .. import notify  # noqa: F401 — its hooks
    from ..queue import run_worker

    run_worker(project, threads, say=lambda text: click.echo(text, err=True))


def _segment(editor, slug: str, lang: str, segment: str):
    """A segment by its id, or by the start of its source text."""
    found = [s for s in editor.segments(slug, lang) if s.id == segment or s.source.startswith(segment)]
    if not found:
        raise ChorusError(f"no segment {segment!r} in {slug} [{lang}] (give its id or the start of its source)")
    if len(found) > 1:
        raise ChorusError(f"{len(found)} segments start with {segment!r}: give more of the text, or the id")
    return found[0]


def _editor(project: Project):
    from ..editing import Editor, NotFound

    class Checked(Editor):
        def path(self, slug, lang, user=None, **kwargs):
            try:
                return super().path(slug, lang, user, **kwargs)
            except NotFound:
                raise ChorusError(f"no catalog {slug} [{lang}] (see 'chorus status')") from None

    return Checked(project)


@click.command("history")
@click.argument("slug")
@click.argument("segment")
@click.option("--lang", required=True, help="The language of the catalog.")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
@project_option
def history_command(slug: str, segment: str, lang: str, as_json: bool, project: Project):
    """The history of a segment (its id, or the start of its source text), newest first."""
    from ..project import normalize_lang

    lang = normalize_lang(lang)
    editor = _editor(project)
    found = _segment(editor, slug, lang, segment)
    events = editor.history(slug, lang, found.id)
    if as_json:
        click.echo(json.dumps([event.as_json() for event in events], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{slug} [{lang}] {found.id}: {found.source[:60]}")
    for heading in ("event", "time", "user", "action", "state", "text"):
        table.add_column(heading)
    for event in events:
        data = event.as_json()
        table.add_row(str(event.id), data["time"], event.user, event.action,
                      f"{event.old_state} → {event.new_state}", event.new_target)
    console().print(table)


@click.command("revert")
@click.argument("slug")
@click.argument("segment")
@click.argument("event", type=int)
@click.option("--lang", required=True, help="The language of the catalog.")
@click.option("--as", "user_name", required=True, metavar="NAME", help="The account the change is made as.")
@project_option
def revert_command(slug: str, segment: str, event: int, lang: str, user_name: str, project: Project):
    """Make the text that EVENT of a segment's history left current again (a new event)."""
    from .. import notify  # noqa: F401 — its hooks
    from ..editing import Conflict, Forbidden, NotFound
    from ..project import normalize_lang
    from ..users import UserStore

    lang = normalize_lang(lang)
    user = UserStore.for_project(project).require(user_name)
    editor = _editor(project)
    found = _segment(editor, slug, lang, segment)
    try:
        change = editor.revert(slug, lang, found.id, event, found.revision, user)
    except NotFound:
        raise ChorusError(f"no event {event} in the history of this segment (see 'chorus history')") from None
    except Forbidden as refused:
        raise ChorusError(str(refused)) from None
    except Conflict:
        raise ChorusError("the segment changed meanwhile: look at its history again") from None
    except ValueError as error:
        raise ChorusError(str(error)) from None
    click.echo(f"{slug} [{lang}] {found.id}: {change.after.state}: {change.after.target}")
