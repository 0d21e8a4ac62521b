"""``chorus sync`` and ``chorus merge-driver``: a project shared through git."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cli import project_option
from ..project import Project


def register(cli) -> None:
    cli.add_command(sync_command)
    cli.add_command(merge_driver_command)


@click.command("sync")
@click.option("--status", "show_status", is_flag=True, help="Only show the last sync and what waits for a commit.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with --status).")
@click.option("--accept-rewrite", is_flag=True,
              help="Merge a remote branch that was rewritten (force-pushed) or deleted since the last sync.")
@project_option
def sync_command(show_status: bool, as_json: bool, accept_rewrite: bool, project: Project):
    """Commit waiting changes, fetch, merge and push (chorus.toml [git]).

    \b
    Catalogs merge entry by entry: the same segment changed on two hosts keeps the later
    version, and the other is kept as a suggestion. A remote that cannot be reached or that
    refuses the credentials, a rewritten remote, a detached HEAD or sources changed in the
    same lines on both sides stop the sync with one line, changing nothing here.
    Examples:
      chorus sync
      chorus sync --status
    """
    from .. import gitrepo
    from ..gitsync import status, sync

    if show_status:
        gitrepo.require(project)
        found = status(project)
        if as_json:
            click.echo(json.dumps(found, indent=2))
            return
        click.echo(f"Remote: {found['remote']} ({found['url'] or 'no URL'}), branch {found['branch']}")
        click.echo(f"Last synced: {found['last_synced_ago']}"
                   + (f" ({found['last_synced']})" if found["last_synced"] else ""))
        if found["error"]:
            click.echo(f"Last error: {found['error']}")
        click.echo(f"Changes waiting for a commit: {found['pending']}")
        return
    result = sync(project, accept_rewrite=accept_rewrite)
    click.echo(result.summary())


@click.command("merge-driver")
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("name", required=False)
def merge_driver_command(base: Path, ours: Path, theirs: Path, name: str | None):
    """Merge PO catalogs for git: BASE OURS THEIRS [PATH] (%O %A %B %P).

    \b
    Registered by 'chorus sync' and 'chorus init --git' as
      git config merge.chorus.driver "chorus merge-driver %O %A %B %P"
    with "*.po merge=chorus" and "*.pot merge=chorus" in .gitattributes. Writes the merge
    into OURS and exits 0, or says why not and exits 1 (OURS unchanged: no conflict markers).
    """
    from ..pomerge import run_driver

    raise SystemExit(run_driver(base, ours, theirs, name))
