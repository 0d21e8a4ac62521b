"""``chorus report engines``: which engine saves volunteers work, from the history."""

from __future__ import annotations

import json

import click

from ..cli import console, project_option
from ..project import Project


def register(cli) -> None:
    cli.add_command(report_group)


@click.group("report")
def report_group():
    """Reports from the history of the project."""


@report_group.command("engines")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@project_option
def engines_report(langs: tuple[str, ...], as_json: bool, project: Project):
    """How far volunteers changed each engine's drafts before publishing them.

    \b
    Per engine (its origin: mt apertium, mt apertium en>es>fr, tm, mt openai …) and language:
      segments   drafts whose sentence was published since (approved, or as publish says)
      distance   mean edit distance from draft to published text (0 = kept, 1 = rewritten)
      unchanged  share of drafts published exactly as drafted
      waiting    drafts volunteers worked on that are not published yet
    Order a language's chain in chorus.toml with the engine of the smallest distance first.
    """
    from ..engine_report import engine_report

    targets = project.resolve_langs(langs) if langs else None
    report = engine_report(project, targets)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        return
    if not report.rows:
        click.echo("No drafts reviewed yet: the report fills as volunteers save and approve drafts.")
    else:
        _table(report)
    if report.unrecorded:
        click.echo(f"{report.unrecorded} draft{'s' if report.unrecorded != 1 else ''} edited before the history "
                   "kept each draft's origin are not counted.")


def _table(report) -> None:
    from rich.table import Table
    from rich.text import Text

    published = " or ".join(report.published)
    table = Table(title=f"Drafts against the published text ({published})")
    table.add_column("engine")
    table.add_column("lang", no_wrap=True)
    for heading in ("segments", "mean distance", "unchanged", "waiting"):
        table.add_column(heading, justify="right", no_wrap=True)
    for row in report.rows:
        table.add_row(Text(row.engine), row.lang, str(row.segments),
                      f"{row.mean_distance:.2f}" if row.segments else "-",
                      f"{row.unchanged:.0%}" if row.segments else "-", str(row.waiting))
    console().print(table)
