"""``chorus search`` and ``chorus index``: the project index from the command line."""

from __future__ import annotations

import json
import os

import click

from ..cli import console, progress_bar, project_option
from ..project import Project


def _refresh(index, **options) -> None:
    """Refresh the index with a progress bar (shown when many catalogs must be read)."""
    with progress_bar() as bar:
        task = bar.add_task("Indexing", total=None, visible=False)
        index.refresh(workers=os.cpu_count() or 1, **options,
                      progress=lambda done, total: bar.update(task, completed=done, total=total, visible=total > 1))


@click.command("search")
@click.argument("text")
@click.option("--lang", "langs", multiple=True, metavar="L", help="Only this language (repeatable).")
@click.option("--statement", metavar="SLUG", help="Only this statement.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of hits.")
@project_option
def search_command(text: str, langs: tuple[str, ...], statement: str | None, limit: int, as_json: bool,
                   project: Project):
    """Find the sentences whose source or translation holds TEXT.

    \b
    Every word must occur, in any of its forms (worker finds workers); "quoted words" are a
    phrase; case and accents do not matter (solidarite finds Solidarité); work* finds every
    word that starts with work. The catalogs changed most recently come first.

    \b
    Examples:
      chorus search "picket line"
      chorus search solidaridad --lang es
      chorus search strike* --statement stop-the-attacks --json
    """
    from ..index import Index
    from ..search import search

    index = Index(project)
    languages = project.resolve_langs(langs)
    chosen = index.resolve([statement])[0] if statement else None
    _refresh(index)
    result = search(index, text, languages, chosen, per_page=limit)
    if as_json:
        click.echo(json.dumps([hit.as_json() for hit in result.hits], indent=2, ensure_ascii=False))
        return
    if not result.hits:
        click.echo(f"No sentence matches {text!r}.")
        return
    _hits_table(result)


def _hits_table(result) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..search import split_marks

    table = Table(show_lines=False)
    for heading in ("statement", "lang", "state", "source", "translation"):
        table.add_column(heading, no_wrap=heading in ("statement", "lang", "state"))
    for hit in result.hits:
        cells = []
        for marked, plain in ((hit.marked_source, hit.source), (hit.marked_target, hit.target)):
            text = Text()
            for piece, match in split_marks(marked, plain):
                text.append(piece, style="bold reverse" if match else None)
            cells.append(text)
        table.add_row(hit.statement, hit.lang, {"fuzzy": "draft"}.get(hit.state, hit.state), *cells)
    console().print(table)
    if result.more:
        click.echo(f"… more than {len(result.hits)}: narrow the search, or raise --limit.")


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Start the index anew, as after deleting it.")
@project_option
def index_command(rebuild: bool, project: Project):
    """Bring the project index up to date: re-read the catalogs that changed.

    The web UI and the commands keep the index (.chorus/index.sqlite3) up to date by
    themselves. Run this after many catalogs changed outside Chorus (a git pull), or before
    starting a server for a large project, so that no page waits while it is built.
    """
    from ..index import Index
    from ..status import describe_problem, problems

    index = Index(project)
    if rebuild:
        index.clear()
    _refresh(index, full=True)
    rows = index.catalog_rows(index.slugs(), list(project.config.langs))
    statements = len({row["statement"] for row in rows})
    found = problems(rows)
    click.echo(f"Index up to date: {statements} statement{'s' * (statements != 1)}, "
               f"{sum(1 for row in rows if row['lang'])} catalogs, "
               f"{len(found)} problem{'s' * (len(found) != 1)}.")
    for row in found:
        click.echo(f"chorus: problem: {describe_problem(row)}", err=True)


def register(cli) -> None:
    cli.add_command(search_command)
    cli.add_command(index_command)
