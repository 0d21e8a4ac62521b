"""``chorus check``: quality checks and consistency across statements."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..cli import console, progress_bar, project_option
from ..project import Project


def register(cli) -> None:
    cli.add_command(check)


@click.command()
@click.argument("slugs", nargs=-1)
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of findings.")
@click.option("--strict", is_flag=True, help="Exit with status 2 when there are findings.")
@project_option
def check(slugs: tuple[str, ...], langs: tuple[str, ...], as_json: bool, strict: bool, project: Project):
    """Check translations: numbers, punctuation, links, glossary, markup, consistency.

    Every translated segment and draft is checked (untranslated ones are skipped).
    Findings are advice: the exit status is 0 even when there are some, so the
    command can run in scripts; use --strict to get status 2 instead (for CI).

    To silence a check for one segment, add the translator comment
    "# chorus: ignore <check-id>" to the entry in its catalog, e.g.
    "# chorus: ignore unchanged" (gettext tools and Poedit keep it).
    """
    from ..checks import CHECKS, check_catalog, load_glossary
    from ..memory import Memory

    chosen_slugs = project.resolve(slugs)
    chosen_langs = project.resolve_langs(langs)
    glossary = load_glossary(project)
    findings = []
    with progress_bar() as bar:
        task = bar.add_task("Checking", total=len(chosen_slugs) * len(chosen_langs))
        for lang in chosen_langs:
            memory = Memory.load(project, lang)
            for slug in chosen_slugs:
                findings.extend(check_catalog(project, slug, lang, glossary=glossary, memory=memory))
                bar.advance(task)
    if as_json:
        rows = [{"statement": f.slug, "lang": f.lang, "segment": f.msgid, "translation": f.target,
                 "check": f.check,
                 "message": f.message} for f in findings]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not findings:
        click.echo(f"No findings in {len(chosen_slugs)} statements × {len(chosen_langs)} languages.")
    else:
        table = Table(title=f"{len(findings)} findings", show_lines=True)
        for heading in ("statement", "lang", "check", "segment", "message"):
            table.add_column(heading, overflow="fold")
        for f in findings:
            table.add_row(f.slug, f.lang, f.check, f.msgid, f.message)
        console().print(table)
        click.echo("Silence a check for one segment with the comment '# chorus: ignore <check>' "
                   f"(checks: {', '.join(CHECKS)}).")
    if strict and findings:
        raise SystemExit(2)
