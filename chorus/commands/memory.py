"""``chorus tm``: exchange the translation memory as TMX, and look sentences up in it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cli import project_option
from ..errors import ChorusError
from ..project import Project, normalize_lang


def register(cli) -> None:
    cli.add_command(tm)


@click.group()
def tm():
    """Translation memory: TMX import and export, lookups.

    \b
    The memory of a language is every translated or approved entry of its
    catalogs, plus the TMX files imported into the project.
      chorus tm import shared-memory.tmx
      chorus tm export --lang es memory-es.tmx
      chorus tm lookup --lang es "Solidarity with the harbour workers!"
    """


@tm.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@project_option
def import_command(file: Path, project: Project):
    """Add the units of a TMX file (TMX 1.1-1.4, as OmegaT, Okapi, Trados or Weblate
    write it), plain, gzip-compressed (.tmx.gz) or in a zip archive.

    Language tags such as en-US, es-ES or zh-TW are matched to the project's
    languages (exactly, else the same language and script). The file is kept in
    translations/.tm/; importing a file of the same name again replaces its units.
    An OmegaT project_save.tmx is kept under the name of its project folder, so the
    memories of several projects stay apart.
    """
    from ..memory import import_tmx, stored_paths

    counts = import_tmx(project, file)
    summary = ", ".join(f"{lang}: {count}" for lang, count in sorted(counts.items()))
    kept = ", ".join(project.relative(path) for path in stored_paths(project, file, _documents(project, file)))
    click.echo(f"Imported {file.name}: {sum(counts.values())} translation pairs ({summary}); kept as {kept}")


def _documents(project: Project, file: Path) -> int:
    """How many TMX files the import kept (a zip archive may hold several)."""
    from ..memory import stored_name, tm_dir

    name = stored_name(file)
    if (tm_dir(project) / f"{name}.tmx").exists():
        return 1
    return sum(1 for _ in tm_dir(project).glob(f"{name}-*.tmx")) or 1


@tm.command("export")
@click.option("--lang", required=True, help="Target language to export.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@project_option
def export_command(lang: str, file: Path, project: Project):
    """Write the memory of one language as a TMX 1.4 file."""
    from ..memory import write_tmx

    lang = project.resolve_langs([lang])[0]
    if file.parent and not file.parent.is_dir():
        raise ChorusError(f"{file.parent}: no such folder")
    count, left_out = write_tmx(project, lang, file)
    click.echo(f"Wrote {file}: {count} translation units ({project.config.source_lang} → {lang})")
    if left_out:
        click.echo(f"Left out {left_out} unit{'s' if left_out > 1 else ''} with control characters that XML "
                   f"cannot hold (fix them in the catalogs)")


@tm.command("lookup")
@click.option("--lang", required=True, help="Target language.")
@click.option("--cutoff", type=click.FloatRange(0, 100), default=75.0, show_default=True,
              help="Lowest similarity shown (0–100).")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.argument("text")
@project_option
def lookup_command(lang: str, cutoff: float, limit: int, as_json: bool, text: str, project: Project):
    """Show the remembered translations closest to TEXT."""
    from dataclasses import asdict

    from ..memory import Memory

    lang = project.resolve_langs([normalize_lang(lang)])[0]
    found = Memory.load(project, lang).fuzzy(text, limit=limit, cutoff=cutoff)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"No match of {cutoff:.0f}% or more.")
    for suggestion in found:
        click.echo(f"{suggestion.score:5.1f}%  {suggestion.target}")
        click.echo(f"        {suggestion.source}  ({suggestion.slug}, {suggestion.state})")
