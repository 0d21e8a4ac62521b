"""The command line end to end, through the installed ``chorus`` executable."""

import json

from chorus import catalog
from conftest import copy_samples, msgfmt_check, run_chorus


def test_init_add_status_update_in_a_fresh_project(tmp_path):
    folder = tmp_path / "network"
    result = run_chorus("init", str(folder), "--source-lang", "en", "--langs", "es,fr,de")
    assert result.returncode == 0, result.stderr
    assert (folder / "chorus.toml").is_file() and (folder / "source").is_dir() and (folder / "translations").is_dir()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    statement = inbox / "Stop the Attacks.txt"
    statement.write_text("Stop the Attacks\n\nThey attacked the picket. We stand firm.\n\nSolidarity!\n", encoding="utf-8")

    result = run_chorus("add", str(statement), "--project", str(folder))
    assert result.returncode == 0, result.stderr
    assert "stop-the-attacks" in result.stdout.decode()
    assert (folder / "source" / "stop-the-attacks.txt").read_bytes() == statement.read_bytes()
    for lang in ("es", "fr", "de"):
        msgfmt_check(folder / "translations" / "stop-the-attacks" / f"{lang}.po")
    assert (folder / "translations" / "stop-the-attacks" / "stop-the-attacks.pot").is_file()

    result = run_chorus("status", "--json", cwd=folder)
    rows = json.loads(result.stdout)
    assert [(row["statement"], row["lang"]) for row in rows] == [
        ("stop-the-attacks", "es"), ("stop-the-attacks", "fr"), ("stop-the-attacks", "de")]
    assert rows[0]["segments"] == 4 and rows[0]["untranslated"] == 4 and rows[0]["percent"]["untranslated"] == 100

    po_path = folder / "translations" / "stop-the-attacks" / "es.po"
    po = catalog.read(po_path)
    po.find("Solidarity!").msgstr = "¡Solidaridad!"
    catalog.write(po, po_path)
    source = folder / "source" / "stop-the-attacks.txt"
    source.write_text(source.read_text().replace("We stand firm.", "We stand firm together."), encoding="utf-8")
    result = run_chorus("update", "--project", str(folder))
    assert result.returncode == 0, result.stderr
    assert "1 new or changed" in result.stdout.decode()
    po = catalog.read(po_path)
    assert po.find("Solidarity!").msgstr == "¡Solidaridad!"
    assert po.find("We stand firm together.") is not None

    table = run_chorus("status", cwd=folder).stdout.decode()
    assert "stop-the-attacks" in table and "untranslated" in table and "approved" in table


def test_add_many_files_in_one_call(tmp_path, project):
    files = copy_samples(tmp_path / "inbox")
    result = run_chorus("add", *map(str, files), "--project", str(project.root))
    assert result.returncode == 0, result.stderr
    assert project.statements() == ["housing-is-a-right", "no-to-the-wage-freeze", "stop-the-attacks"]


def test_add_with_slug_and_markdown(tmp_path, project):
    source = tmp_path / "x.md"
    source.write_text("# Hands off\n\nWe *stand* with them.\n", encoding="utf-8")
    result = run_chorus("add", str(source), "--slug", "hands-off", "--project", str(project.root))
    assert result.returncode == 0, result.stderr
    assert (project.source_dir / "hands-off.md").is_file()
    pot = catalog.read(project.template_path("hands-off"))
    assert [entry.msgid for entry in pot] == ["Hands off", "We *stand* with them."]


def test_add_converts_other_encodings_to_utf8(tmp_path, project):
    source = tmp_path / "déclaration.txt"
    source.write_bytes("Déclaration\r\n\r\nNous sommes solidaires des grévistes. À bientôt.\r\n".encode("cp1252"))
    result = run_chorus("add", str(source), "--project", str(project.root))
    assert result.returncode == 0, result.stderr
    stored = (project.source_dir / "declaration.txt").read_bytes()
    assert stored == "Déclaration\n\nNous sommes solidaires des grévistes. À bientôt.\n".encode("utf-8")


def test_add_accepts_a_byte_order_mark(tmp_path, project):
    source = tmp_path / "bom.txt"
    source.write_bytes(b"\xef\xbb\xbfTitle\n\nA sentence here.\n")
    assert run_chorus("add", str(source), "--project", str(project.root)).returncode == 0
    assert (project.source_dir / "bom.txt").read_bytes() == b"Title\n\nA sentence here.\n"


def test_segment_command(tmp_path):
    result = run_chorus("segment", "--lang", "en", input=b"US$ 3.8 bn. was spent.\nFt. Worth stands. (Really.) Yes.\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == ["US$ 3.8 bn. was spent.", "Ft. Worth stands.", "(Really.)", "Yes."]
    text = tmp_path / "fr.txt"
    text.write_text("M. Dupont est venu.\n\nIl est reparti.", encoding="utf-8")
    result = run_chorus("segment", "--lang", "fr", "--json", str(text))
    assert json.loads(result.stdout) == ["M. Dupont est venu.", "Il est reparti."]


def test_help_is_helpful():
    result = run_chorus("--help")
    assert result.returncode == 0
    for command in ("init", "add", "update", "status", "segment"):
        assert command in result.stdout.decode()
    assert "--project" in run_chorus("add", "--help").stdout.decode()


def test_lazy_command_map_lists_exactly_what_the_modules_register():
    import importlib
    import pkgutil

    import click

    from chorus import commands

    registered = {}
    for module in pkgutil.iter_modules(commands.__path__):
        group = click.Group()
        importlib.import_module(f"chorus.commands.{module.name}").register(group)
        registered.update({name: module.name for name in group.commands})
    assert registered == commands.LAZY_COMMANDS


def test_every_command_is_listed_and_reachable_from_the_group():
    from click.testing import CliRunner

    from chorus.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("add", "check", "engines", "export", "glossary", "pretranslate", "serve", "tm", "user"):
        assert f"  {name} " in result.output
        assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0


def test_a_command_imports_only_its_own_area():
    import subprocess
    import sys

    probe = ("import sys\nfrom chorus.cli import cli\n"
             "try:\n    cli(['export', '--help'], prog_name='chorus')\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith(('rich', 'chorus.commands.', 'polib', 'filelock'))))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "['chorus.commands.export']"


def test_version_matches_the_package_metadata():
    import tomllib
    from pathlib import Path

    import chorus

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert chorus.__version__ == pyproject["project"]["version"]
    assert run_chorus("--version").stdout.decode().strip() == f"chorus, version {chorus.__version__}"
