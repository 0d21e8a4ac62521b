"""``chorus export``: assemble localized statements into files."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..cli import progress_bar, project_option
from ..project import Project

LIST_EACH_UP_TO = 20  # above this many files, print a summary per language instead


def _split(values: tuple[str, ...]) -> list[str]:
    """``--lang es --lang fr`` and ``--lang es,fr`` both work."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@click.command("export")
@click.argument("slugs", nargs=-1)
@click.option("--lang", "langs", multiple=True, metavar="L",
              help="Only this language (repeatable, or comma separated). Default: every target language.")
@click.option("--format", "formats", multiple=True, metavar="F",
              help="txt, md, html, proof, source (the statement's own: .txt or .md) or all; "
                   "repeatable or comma separated. Default: 'formats' in chorus.toml.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Write to DIR/<lang>/<slug>.<ext> instead of localized/<lang>/.")
@click.option("--draft", is_flag=True,
              help="Export unreviewed statements too: machine drafts are marked, untranslated "
                   "segments stay in the source language.")
@click.option("--threshold", type=click.IntRange(0, 100), metavar="N",
              help="Export when at least N% of the segments are reviewed (like po4a's --keep); "
                   "the rest stays in the source language. Default: publish_threshold in chorus.toml.")
@project_option
def export_command(slugs, langs, formats, out_dir, draft, threshold, project: Project):
    """Assemble statements in each target language: localized/<lang>/<slug>.<ext>.

    \b
    Only reviewed (translated or approved) segments are published. A statement with
    untranslated or draft segments is not exported unless --draft or --threshold allows it.

    \b
    Examples:
      chorus export                              # every statement, language and format
      chorus export stop-the-attacks --lang es --format html
      chorus export --format all --draft --out preview/
    """
    from ..assemble import ExportBlocked, export

    format_list = _split(formats) or None
    lang_list = _split(langs)
    blocked_error = None
    with progress_bar() as bar:
        task = bar.add_task("Assembling", total=None, visible=False)
        try:
            written = export(project, slugs, lang_list, format_list, out_dir, draft, threshold,
                             progress=lambda done, total: bar.update(task, completed=done, total=total,
                                                                     visible=total > 1),
                             workers=os.cpu_count() or 1)
        except ExportBlocked as error:
            written, blocked_error = error.written, error
    _report(project, written)
    if blocked_error is not None:
        raise blocked_error


def _report(project: Project, written: list[Path]) -> None:
    if len(written) <= LIST_EACH_UP_TO:
        for path in written:
            click.echo(f"wrote {project.relative(path)}")
        return
    by_folder: dict[Path, int] = {}
    for path in written:
        by_folder[path.parent] = by_folder.get(path.parent, 0) + 1
    for folder, count in by_folder.items():
        click.echo(f"wrote {count} files in {project.relative(folder)}/")
    click.echo(f"{len(written)} files written")


def register(cli) -> None:
    cli.add_command(export_command)
