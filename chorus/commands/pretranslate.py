"""``chorus pretranslate``, ``chorus engines`` and ``chorus glossary``."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict

import click

from ..cli import console, progress_bar, project_option
from ..errors import ChorusError
from ..project import Project, normalize_lang


def register(cli) -> None:
    cli.add_command(pretranslate_command)
    cli.add_command(engines_command)
    cli.add_command(glossary_group)


@click.command("pretranslate")
@click.argument("slugs", nargs=-1)
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--engine", help="Use this engine instead of the engines of the chain (the memory step stays).")
@click.option("--force", is_flag=True,
              help="Draft machine drafts again (translated and approved entries are never touched).")
@click.option("--redraft-changed", is_flag=True,
              help="Also replace drafts that carry an earlier source (#| msgid): translations kept for "
                   "edited sentences, which may be reviewed work, and memory matches of similar sentences.")
@project_option
def pretranslate_command(slugs: tuple[str, ...], langs: tuple[str, ...], engine: str | None, force: bool,
                         redraft_changed: bool, project: Project):
    """Fill empty segments with drafts from memory and machine translation.

    \b
    Each language follows its chain in chorus.toml (default: memory, then apertium).
    Memory drafts: the same sentence, or a similar one at or above memory_threshold (90%).
    Drafts are fuzzy and say where they came from; each statement is saved as soon as it is drafted.
    Examples:
      chorus pretranslate
      chorus pretranslate stop-the-attacks --lang es --engine apy
      chorus pretranslate --force            # after a glossary change
    """
    from ..pretranslate import pretranslate

    importing: list[threading.Thread] = []
    with progress_bar() as bar:
        tasks: dict[str, int] = {}

        def report(lang: str, done: int, total: int) -> None:
            if done and not importing:
                # The summary table needs rich: import it while the engine works on the next
                # statements (the process mostly waits then), not before the first batch is sent.
                importing.append(threading.Thread(target=_import_rich, daemon=True))
                importing[0].start()
            if lang not in tasks:
                tasks[lang] = bar.add_task(f"Drafting {lang}", total=total or None)
            bar.update(tasks[lang], completed=done, total=total)

        results = pretranslate(project, list(slugs), list(langs), engine=engine, force=force, progress=report,
                               redraft_changed=redraft_changed)
    from .. import gitstore

    gitstore.note_command(project, "pretranslate", project.resolve(slugs), machine_made=True)
    for result in results:
        for error in result.errors:
            click.echo(f"chorus: warning: {result.lang}: {error}", err=True)
    _summary(results)


def _import_rich() -> None:
    """What the end of the command needs: rich for the table, gitstore to note the change."""
    import rich.console  # noqa: F401
    import rich.table  # noqa: F401

    from .. import gitstore  # noqa: F401


def _summary(results) -> None:
    from rich.table import Table

    names = sorted({name for result in results for name in result.engines})
    table = Table(title="Pretranslation")
    table.add_column("lang", no_wrap=True)
    table.add_column("to draft", justify="right")
    table.add_column("from memory", justify="right")
    for name in names:
        table.add_column(f"from {name}", justify="right")
    table.add_column("failed", justify="right")
    for result in results:
        memory = f"{result.memory} ({result.memory_fuzzy} similar)" if result.memory_fuzzy else str(result.memory)
        table.add_row(result.lang, str(result.pending), memory,
                      *(str(result.engines.get(name, 0)) for name in names), str(result.failed))
    console().print(table)


@click.command("engines")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: each engine with every pair's status.")
@project_option
def engines_command(langs: tuple[str, ...], as_json: bool, project: Project):
    """Which engine serves which language pair here, and how to get what is missing.

    \b
    Apertium pairs reached through another language show their chain:
      en→fr: en>es>fr (modes eng-spa, es-fr)
    """
    from .. import engines

    targets = project.resolve_langs(langs)
    source = project.config.source_lang
    chains = {lang: project.config.chain(lang) for lang in targets}
    rows = []
    for name in engines.ENGINES:
        engine = engines.for_project(name, project)
        rows.append((name, [lang for lang in targets if name in chains[lang]],
                     [engine.pair_status(source, lang) for lang in targets]))
    from rich.table import Table
    from rich.text import Text

    if as_json:
        click.echo(json.dumps([{"engine": name, "in_chains": used, "pairs": [asdict(status) for status in statuses]}
                               for name, used, statuses in rows], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Engines for {source} → {', '.join(targets)}")
    for heading in ("engine", "in chains", "serves", "missing", "fix"):
        table.add_column(heading)
    for name, used, statuses in rows:
        served: dict[str, list[str]] = {}
        missing: dict[str, list[str]] = {}
        fixes: list[str] = []
        for status in statuses:
            (served if status.served else missing).setdefault(status.detail, []).append(status.target)
            if not status.served and status.fix and status.fix not in fixes:
                fixes.append(status.fix)
        table.add_row(name, ", ".join(used) or "-", _grouped(source, served), _grouped(source, missing),
                      Text("\n".join(fixes) or "-"))
    console().print(table)


def _grouped(source: str, by_detail: dict[str, list[str]]) -> Text:
    """``en→fr, en→de: no pair`` lines, as plain text (no rich markup)."""
    from rich.text import Text

    lines = [", ".join(f"{source}→{lang}" for lang in langs) + (f": {detail}" if detail else "")
             for detail, langs in by_detail.items()]
    return Text("\n".join(lines) or "-")


@click.group("glossary")
def glossary_group():
    """Terms that machine translation must keep or translate one way (translations/glossary.csv)."""


@glossary_group.command("add")
@click.argument("term")
@click.option("--lang", default="", help="Only for this language (default: every language).")
@click.option("--translation", default="", help="Fixed translation (default: keep the term as it is).")
@click.option("--note", default="", help="A note for translators.")
@project_option
def glossary_add(term: str, lang: str, translation: str, note: str, project: Project):
    """Add TERM (a name, an acronym, a fixed expression), or update it."""
    from ..glossary import Glossary

    if translation and not lang:
        raise ChorusError("a fixed translation needs --lang (the language it is written in)")
    lang = normalize_lang(lang) if lang else ""
    with Glossary.editing(project) as glossary:  # concurrent adds queue on the glossary's lock
        added = glossary.add(term, lang, translation, note)
    what = f"translated as {added.translation!r}" if added.translation else "kept as it is"
    click.echo(f"{added.term}: {what} in {added.lang or 'every language'}")


@glossary_group.command("list")
@click.option("--lang", default="", help="Only the terms that apply to this language.")
@project_option
def glossary_list(lang: str, project: Project):
    """Show the glossary."""
    from ..glossary import Glossary

    glossary = Glossary.load(project)
    terms = glossary.for_lang(normalize_lang(lang)) if lang else list(glossary)
    if not terms:
        click.echo("The glossary is empty: use 'chorus glossary add TERM'.")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Glossary")
    for heading in ("term", "lang", "translation", "note"):
        table.add_column(heading)
    for term in terms:
        table.add_row(*(Text(cell) for cell in (term.term, term.lang or "all", term.translation or "(keep)", term.note)))
    console().print(table)
