"""Bad input to every command and every web route: one table, one test.

Each row must give a clear error (the expected words), a non-zero exit (commands) or a 4xx
status (routes), no traceback, and no change in the project folder (``.chorus/``, the private
state of sessions, rate limits and caches, aside).

To cover a new command or route, add rows to ``CLI_ROWS`` or ``WEB_ROWS``: the coverage tests at
the end fail while a command or a route has no row.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import click
import pytest
from click.testing import CliRunner

from chorus.cli import cli
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore
from conftest import SAMPLES

SLUG = "stop-the-attacks"
PASSWORD = "a-long-enough-password"
PRIVATE = ".chorus"


# --- the world every row starts from ------------------------------------------------------------


@pytest.fixture(scope="module")
def template_world(tmp_path_factory) -> Path:
    """A project with the sample statements, a coordinator and a Spanish translator, and a
    folder of bad input files next to it."""
    world = tmp_path_factory.mktemp("bad-input-template")
    project = Project.create(world / "project", "en", ["es", "fr", "de"])
    apply(project, plan_add(project, sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md"))))
    users = UserStore.for_project(project)
    users.add("coord", PASSWORD, role="coordinator")
    users.add("tradu", PASSWORD, role="translator", langs=["es"])
    (world / "tokens").write_text(users.new_token("coord") + "\n" + users.new_token("tradu"), encoding="utf-8")
    files = world / "inputs"
    files.mkdir()
    (files / "empty.txt").write_bytes(b"")
    (files / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (files / "date-only.txt").write_text("3 March 2024\n", encoding="utf-8")
    (files / "not-tmx.tmx").write_text("<html><body>no</body></html>", encoding="utf-8")
    (files / "broken.tmx").write_text("<tmx><body><tu>", encoding="utf-8")
    (files / "bomb.tmx").write_text('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><tmx>&a;</tmx>',
                                    encoding="utf-8")
    (files / "stop-the-attacks.txt").write_text("Another text\n\nWith the same name.\n", encoding="utf-8")
    import gzip
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # a gzip stream of 210 MB of spaces
    (files / "bomb.tmx.gz").write_bytes(b"".join(
        [packer.compress(b"<tmx><body>")] + [packer.compress(b" " * (1 << 20)) for _ in range(210)] + [packer.flush()]))
    (files / "cut.tmx.gz").write_bytes(gzip.compress(b"<tmx><body></body></tmx>" * 100)[:-12])
    careless_inputs(world)
    return world


@pytest.fixture
def world(template_world, tmp_path) -> Path:
    copy = tmp_path / "world"
    shutil.copytree(template_world, copy)
    return copy


def snapshot(world: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(world)): path.read_bytes()
        for path in sorted(world.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
        and PRIVATE not in path.relative_to(world).parts
    }


# --- commands ---------------------------------------------------------------------------------


@dataclass
class Cli:
    """``args`` may hold ``{project}``, ``{inputs}`` and ``{world}``; ``says`` is a regex."""

    args: list[str]
    says: str
    stdin: str | None = None
    prepare: Callable[[Path], None] | None = None  # breaks something before the snapshot


def corrupt_catalog(world: Path) -> None:
    (world / "project" / "translations" / SLUG / "es.po").write_text('msgid "x"\nmsgstr\n', encoding="utf-8")


def threshold_out_of_range(world: Path) -> None:
    config = world / "project" / "chorus.toml"
    config.write_text("memory_threshold = 120\n" + config.read_text(encoding="utf-8"), encoding="utf-8")


def apertium_pivots_not_a_list(world: Path) -> None:
    config = world / "project" / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[apertium]\npivots = "es"\n', encoding="utf-8")


def corrupt_config(world: Path) -> None:
    (world / "project" / "chorus.toml").write_text("langs = [es\n", encoding="utf-8")


CLI_ROWS: dict[str, Cli] = {
    # init
    "init: project exists": Cli(["init", "{project}", "--langs", "es"], "already exists"),
    "init: unknown language": Cli(["init", "{world}/new", "--langs", "xx"], "unknown language code"),
    "init: no language": Cli(["init", "{world}/new", "--langs", ","], "no target language"),
    "init: hostile language": Cli(["init", "{world}/new", "--langs", "../../etc"], "not a language code"),
    "init: missing --langs": Cli(["init", "{world}/new"], "Missing option '--langs'"),
    # add
    "add: missing file": Cli(["add", "{inputs}/missing.txt"], "no such file"),
    "add: empty file": Cli(["add", "{inputs}/empty.txt"], "is empty"),
    "add: binary file": Cli(["add", "{inputs}/image.txt"], "binary"),
    "add: no text to translate": Cli(["add", "{inputs}/date-only.txt"], "no text to translate"),
    "add: slug escaping the project": Cli(["add", "{inputs}/date-only.txt", "--slug", "../x"], "not a valid statement name"),
    "add: name taken by another text": Cli(["add", "{inputs}/stop-the-attacks.txt"], "already exists"),
    "add: no project here": Cli(["add", "{inputs}/date-only.txt", "--project", "{inputs}"], "no chorus.toml"),
    "add: broken catalog": Cli(["add", "{inputs}/stop-the-attacks.txt", "--slug", SLUG], "not a valid PO file|already exists",
                               prepare=corrupt_catalog),
    # update
    "update: unknown statement": Cli(["update", "no-such-statement"], "unknown statement"),
    "update: hostile name": Cli(["update", "../../etc"], "not a valid statement name"),
    "update: broken catalog": Cli(["update", SLUG], "not a valid PO file", prepare=corrupt_catalog),
    # status
    "status: hostile language": Cli(["status", "--lang", "../x"], "not a language code"),
    "status: unknown language": Cli(["status", "--lang", "xx"], "unknown language code"),
    "status: not a target language": Cli(["status", "--lang", "it"], "not a target language"),
    "status: unknown statement": Cli(["status", "nope"], "unknown statement"),
    "status: broken chorus.toml": Cli(["status"], "not valid TOML", prepare=corrupt_config),
    "status: broken catalog asked about": Cli(["status", SLUG], "not a valid PO file", prepare=corrupt_catalog),
    # search and index
    "search: nothing to search for": Cli(["search", '"!?"'], "no word to search for"),
    "search: too long": Cli(["search", "strike " * 2000], "use at most 500"),
    "search: unknown language": Cli(["search", "strike", "--lang", "xx"], "unknown language code"),
    "search: not a target language": Cli(["search", "strike", "--lang", "it"], "not a target language"),
    "search: unknown statement": Cli(["search", "strike", "--statement", "nope"], "unknown statement"),
    "search: hostile statement": Cli(["search", "strike", "--statement", "../x"], "not a valid statement name"),
    "index: no project here": Cli(["index", "--project", "{inputs}"], "no chorus.toml"),
    # segment
    "segment: unknown language": Cli(["segment", "--lang", "xx", "{inputs}/date-only.txt"], "unknown language code"),
    "segment: missing file": Cli(["segment", "--lang", "en", "{inputs}/missing.txt"], "no such file"),
    "segment: binary input": Cli(["segment", "--lang", "en", "{inputs}/image.txt"], "binary"),
    # check
    "check: unknown statement": Cli(["check", "nope"], "unknown statement"),
    "check: not a target language": Cli(["check", "--lang", "it"], "not a target language"),
    "check: broken catalog": Cli(["check", SLUG], "not a valid PO file", prepare=corrupt_catalog),
    # export
    "export: unknown statement": Cli(["export", "nope"], "unknown statement"),
    "export: unknown format": Cli(["export", SLUG, "--format", "pdf"], "pdf"),
    "export: not reviewed yet": Cli(["export", SLUG, "--lang", "es"], "reviewed|not ready|publish|threshold"),
    "export: threshold out of range": Cli(["export", SLUG, "--threshold", "150"], "150"),
    "export: hostile language": Cli(["export", SLUG, "--lang", "../../x"], "not a language code"),
    # tm
    "tm import: missing file": Cli(["tm", "import", "{inputs}/missing.tmx"], "no such file"),
    "tm import: not TMX": Cli(["tm", "import", "{inputs}/not-tmx.tmx"], "not a TMX file"),
    "tm import: broken XML": Cli(["tm", "import", "{inputs}/broken.tmx"], "not well-formed XML"),
    "tm import: entities": Cli(["tm", "import", "{inputs}/bomb.tmx"], "entities"),
    "tm import: gzip bomb": Cli(["tm", "import", "{inputs}/bomb.tmx.gz"], "unpacks to more than 200 MB"),
    "tm import: truncated gzip": Cli(["tm", "import", "{inputs}/cut.tmx.gz"], "truncated gzip"),
    "tm export: unknown language": Cli(["tm", "export", "--lang", "xx", "{world}/out.tmx"], "unknown language code"),
    "tm export: no such folder": Cli(["tm", "export", "--lang", "es", "{world}/nowhere/out.tmx"], "no such folder"),
    "tm lookup: unknown language": Cli(["tm", "lookup", "--lang", "xx", "Stop the attacks"], "unknown language code"),
    "tm lookup: cutoff out of range": Cli(["tm", "lookup", "--lang", "es", "--cutoff", "300", "Stop"], "300"),
    # pretranslate, engines, glossary
    "pretranslate: unknown statement": Cli(["pretranslate", "nope"], "unknown statement"),
    "pretranslate: unknown engine": Cli(["pretranslate", SLUG, "--engine", "nosuch"], "nosuch"),
    "pretranslate: not a target language": Cli(["pretranslate", SLUG, "--lang", "it"], "not a target language"),
    "pretranslate: broken catalog": Cli(["pretranslate", SLUG, "--lang", "es"], "not a valid PO file", prepare=corrupt_catalog),
    "pretranslate: memory_threshold out of range": Cli(["pretranslate"], "memory_threshold must be a number",
                                                        prepare=threshold_out_of_range),
    "pretranslate: apertium pivots not a list": Cli(["pretranslate", "--lang", "es"], r"\[apertium\] pivots",
                                                    prepare=apertium_pivots_not_a_list),
    "engines: unknown language": Cli(["engines", "--lang", "xx"], "unknown language code"),
    "report engines: unknown language": Cli(["report", "engines", "--lang", "xx"], "unknown language code"),
    "report engines: language not a target": Cli(["report", "engines", "--lang", "it"], "not a target language"),
    "glossary add: empty term": Cli(["glossary", "add", " "], "term"),
    "glossary add: translation without language": Cli(["glossary", "add", "Union", "--translation", "Sindicato"], "--lang"),
    "glossary add: unknown language": Cli(["glossary", "add", "Union", "--lang", "xx", "--translation", "S"], "unknown language code"),
    "glossary list: unknown language": Cli(["glossary", "list", "--lang", "xx"], "unknown language code"),
    # serve
    "serve: port out of range": Cli(["serve", "--port", "70000"], "70000"),
    "serve: no project here": Cli(["serve", "--project", "{inputs}"], "no chorus.toml"),
    # user
    "user add: hostile name": Cli(["user", "add", "../x y", "--password-stdin"], "not a valid user name", stdin=PASSWORD + "\n"),
    "user add: unknown role": Cli(["user", "add", "newbie", "--role", "king"], "king"),
    "user add: no password on stdin": Cli(["user", "add", "newbie", "--role", "coordinator", "--password-stdin"], "no password", stdin=""),
    "user add: short password": Cli(["user", "add", "newbie", "--role", "coordinator", "--password-stdin"], "too short", stdin="abc\n"),
    "user add: exists": Cli(["user", "add", "coord", "--role", "coordinator", "--password-stdin"], "exist", stdin=PASSWORD + "\n"),
    "user add: both password options": Cli(["user", "add", "newbie", "--role", "coordinator", "--password-stdin", "--generate-password"], "either"),
    "user add: unknown language": Cli(["user", "add", "newbie", "--lang", "xx", "--generate-password"], "unknown language code"),
    "user add: translator without language": Cli(["user", "add", "newbie", "--generate-password"], "needs languages"),
    "user list: no project here": Cli(["user", "list", "--project", "{inputs}"], "no chorus.toml"),
    "user remove: unknown user": Cli(["user", "remove", "nobody"], "nobody"),
    "user passwd: unknown user": Cli(["user", "passwd", "nobody", "--generate-password"], "nobody"),
    "user token: unknown user": Cli(["user", "token", "nobody"], "nobody"),
}


# Accounts of a careless or hostile volunteer: names that pass for others, tokens that end.
CLI_ROWS.update({
    "user add: name with a trailing newline": Cli(["user", "add", "newbie\n", "--role", "coordinator", "--password-stdin"],
                                                  "not a valid user name", stdin=PASSWORD + "\n"),
    "user add: zero-width space": Cli(["user", "add", "new\u200bbie", "--role", "coordinator", "--password-stdin"],
                                      "not a valid user name.*invisible", stdin=PASSWORD + "\n"),
    "user add: look-alike letters of another script": Cli(["user", "add", "c\u043eord", "--role", "coordinator",
                                                           "--password-stdin"], "not a valid user name.*look alike",
                                                          stdin=PASSWORD + "\n"),
    "user add: an existing name in other capitals": Cli(["user", "add", "Coord", "--role", "coordinator", "--password-stdin"],
                                                        "too much like the existing user coord", stdin=PASSWORD + "\n"),
    "user token --revoke: unknown user": Cli(["user", "token", "nobody", "--revoke"], "nobody"),
})


# --- careless or hostile input: text, files, names and settings ---------------------------------

def careless_inputs(world: Path) -> None:
    """Input files for the rows below (links and FIFOs are made by each row's ``prepare``: a
    copy of the world would copy what they point to)."""
    files = world / "inputs"
    (world / "secret.txt").write_text("Secret title\n\nThe secret of the office.\n", encoding="utf-8")
    (files / "fresh.txt").write_text("A fresh title\n\nA fresh text.\n", encoding="utf-8")
    (files / "bell.txt").write_text("A title\n\nWe stand\x07 with you.\n", encoding="utf-8")
    tu = '<tu><tuv xml:lang="en"><seg>{}</seg></tuv><tuv xml:lang="es"><seg>Solidaridad</seg></tuv></tu>'
    tmx = '<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body>{}</body></tmx>'
    (world / "elsewhere.tmx").write_text(tmx.format(tu.format("Solidarity")), encoding="utf-8")
    (files / "deep.tmx").write_text(tmx.format(tu.format("<hi>" * 5000 + "x" + "</hi>" * 5000)), encoding="utf-8")
    (files / "control.tmx").write_text(tmx.format(tu.format("Solidarity&#x7f;")), encoding="utf-8")


def link(name: str, target: str) -> Callable[[Path], None]:
    def prepare(world: Path) -> None:
        path = world / name
        path.unlink(missing_ok=True)
        path.symlink_to(world / target)
    return prepare


def fifo(name: str) -> Callable[[Path], None]:
    return lambda world: os.mkfifo(world / name)


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def prepare(world: Path) -> None:
        with open(world / name, "wb") as handle:
            handle.truncate(size)
    return prepare


def config_line(line: str) -> Callable[[Path], None]:
    def prepare(world: Path) -> None:
        config = world / "project" / "chorus.toml"
        config.write_text(config.read_text(encoding="utf-8").replace("publish_threshold = 100", line),
                          encoding="utf-8")
    return prepare


def huge_glossary_cell(world: Path) -> None:
    (world / "project" / "translations" / "glossary.csv").write_text(
        "term,lang,translation,note\nUnion,,," + "x" * 140_000 + "\n", encoding="utf-8")


CARELESS_CLI_ROWS: dict[str, Cli] = {
    "add: control character": Cli(["add", "{inputs}/bell.txt"], r"control character \(U\+0007"),
    "add: symbolic link": Cli(["add", "{inputs}/link.txt"], "symbolic link", prepare=link("inputs/link.txt", "secret.txt")),
    "add: FIFO": Cli(["add", "{inputs}/pipe.txt"], "not a regular file", prepare=fifo("inputs/pipe.txt")),
    "add: slug with a trailing newline": Cli(["add", "{inputs}/fresh.txt", "--slug", "fresh\n"], "not a valid statement name"),
    "add: slug with an invisible character": Cli(["add", "{inputs}/fresh.txt", "--slug", "fre\u200bsh"], "invisible"),
    "add: slug with look-alike letters": Cli(["add", "{inputs}/fresh.txt", "--slug", "fr\u0435sh"], "mixes letters"),
    "update: symbolic link in source/": Cli(["update", SLUG], "symbolic link",
                                            prepare=link(f"project/source/{SLUG}.txt", "secret.txt")),
    "status: publish_threshold = 1e400": Cli(["status"], "publish_threshold", prepare=config_line("publish_threshold = 1e400")),
    "tm import: nested 5,000 deep": Cli(["tm", "import", "{inputs}/deep.tmx"], "nested more than"),
    "tm import: control character": Cli(["tm", "import", "{inputs}/control.tmx"], r"control character \(U\+007F"),
    "tm import: symbolic link": Cli(["tm", "import", "{inputs}/link.tmx"], "symbolic link",
                                    prepare=link("inputs/link.tmx", "elsewhere.tmx")),
    "tm import: FIFO": Cli(["tm", "import", "{inputs}/x.tmx"], "not a regular file", prepare=fifo("inputs/x.tmx")),
    "tm import: 300 MB": Cli(["tm", "import", "{inputs}/huge.tmx"], "too large", prepare=sparse("inputs/huge.tmx", 300 << 20)),
    "glossary add: control character": Cli(["glossary", "add", "Uni\x07on"], r"control character \(U\+0007"),
    "glossary add: a field over 128 KB": Cli(["glossary", "add", "Union", "--note", "x" * 140_000], "longer than"),
    "glossary list: a field over 128 KB in the file": Cli(["glossary", "list"], "glossary.csv, line 2",
                                                           prepare=huge_glossary_cell),
}
CLI_ROWS.update(CARELESS_CLI_ROWS)

CLI_ROWS.update({
    "add: deadline that is no date": Cli(["add", "{inputs}/date-only.txt", "--slug", "late", "--deadline", "soon"],
                                         "not a deadline"),
    "deadline: unknown statement": Cli(["deadline", "no-such", "2031-01-01"], "unknown statement"),
    "deadline: month 13": Cli(["deadline", SLUG, "2031-13-01T10:00"], "not a deadline"),
    "deadline: a date and --clear": Cli(["deadline", SLUG, "2031-01-01", "--clear"], "not both"),
    "history: unknown segment": Cli(["history", SLUG, "Nothing starts like this", "--lang", "es"], "no segment"),
    "history: hostile statement": Cli(["history", "../etc", "x", "--lang", "es"], "no catalog|not a valid statement"),
    "revert: unknown user": Cli(["revert", SLUG, "Stop", "1", "--lang", "es", "--as", "nobody"], "no such user"),
    "revert: unknown event": Cli(["revert", SLUG, "Stop", "99999", "--lang", "es", "--as", "coord"], "no event 99999"),
    "worker: bad [queue] setting": Cli(["worker"], "redis must be a URL",
                                       prepare=lambda world: _append_config(world, '[queue]\nredis = "localhost"\n')),
    "user email: not an address": Cli(["user", "email", "coord", "not an address"], "not a mail address"),
    "user email: unknown user": Cli(["user", "email", "nobody", "a@example.org"], "no such user"),
})


def _append_config(world: Path, text: str) -> None:
    path = world / "project" / "chorus.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


CATALOG = "{project}/translations/" + SLUG
# Git sync (the world's project does not sync), and the merge driver as git would call it.
CLI_ROWS.update({
    "sync: a project that does not sync": Cli(["sync"], "does not sync with git.*chorus init --git"),
    "sync --status: a project that does not sync": Cli(["sync", "--status"], "does not sync with git"),
    "merge-driver: missing files": Cli(["merge-driver", "{inputs}/o.po", "{inputs}/a.po", "{inputs}/b.po", "x.po"],
                                       r"x.po \(base\): cannot read"),
    "merge-driver: a side that is not a catalog": Cli(["merge-driver", CATALOG + "/fr.po", CATALOG + "/de.po",
                                                       CATALOG + "/es.po", "es.po"],
                                                      r"es.po \(theirs\): not a valid PO file", prepare=corrupt_catalog),
    "merge-driver: missing arguments": Cli(["merge-driver", "{inputs}/o.po"], "Missing argument"),
})


def expand(args: list[str], world: Path) -> list[str]:
    places = {"project": world / "project", "inputs": world / "inputs", "world": world}
    return [arg.format(**places) for arg in args]


@pytest.mark.parametrize("name", CLI_ROWS, ids=list(CLI_ROWS))
def test_bad_command_input_is_refused_cleanly(name, world):
    row = CLI_ROWS[name]
    if row.prepare:
        row.prepare(world)
    before = snapshot(world)
    result = CliRunner().invoke(cli, expand(row.args, world), input=row.stdin,
                                env={"CHORUS_PROJECT": str(world / "project"), "COLUMNS": "200"})
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert isinstance(result.exception, SystemExit) or result.exception is None, (
        f"crashed with {result.exception!r}:\n{output}")
    assert result.exit_code != 0, output
    assert "Traceback" not in output
    assert re.search(row.says, result.stderr, re.IGNORECASE), f"unclear error: {result.stderr!r}"
    assert snapshot(world) == before


# --- web routes -------------------------------------------------------------------------------


@dataclass
class Web:
    """``path`` may hold ``{slug}`` and ``{seg}`` (the id of the first segment of the statement);
    ``says`` is a regex looked for in the body."""

    method: str
    path: str
    status: int
    says: str
    user: str | None = "coord"  # "coord" or "tradu" (logged in), "token:coord" (API token), None
    form: dict | None = None
    json: object = None
    data: bytes | None = None
    csrf: bool = True
    revision: str = "current"  # "current" sends the segment's revision, anything else is sent as is
    prepare: Callable[[Path], None] | None = None
    content_type: str | None = None  # of ``data`` (text/plain unless given)
    headers: dict | None = None  # sent as well (a webhook's signature)


LONG = "x" * 20_001
WEB_ROWS: dict[str, Web] = {
    # login and accounts
    "login: wrong password": Web("POST", "/login", 401, "Wrong user name or password", user=None,
                                 form={"username": "coord", "password": "wrong-password-123"}),
    "login: no CSRF token": Web("POST", "/login", 400, "expired|sent from elsewhere", user=None, csrf=False,
                                form={"username": "coord", "password": PASSWORD}),
    "logout: no CSRF token": Web("POST", "/logout", 400, "expired|sent from elsewhere", csrf=False),
    "users: hostile name": Web("POST", "/users", 400, "not a valid user name",
                               form={"name": "<b>x</b> y", "password": PASSWORD, "role": "translator", "langs": "es"}),
    "users: translator may not manage": Web("GET", "/users", 403, "may not", user="tradu"),
    "users remove: unknown user": Web("POST", "/users/nobody/remove", 404, "nothing here", form={}),
    "users remove: no CSRF token": Web("POST", "/users/tradu/remove", 400, "expired|sent from elsewhere", form={}, csrf=False),
    # dashboard and statements
    "dashboard: not logged in (API)": Web("GET", "/api/statements", 401, "log in", user=None),
    "dashboard: page not a number": Web("GET", "/?page=two", 400, "whole number"),
    "dashboard: unknown state": Web("GET", "/?state=<b>x</b>", 400, "unknown state"),
    "dashboard: language not a target": Web("GET", "/?lang=it", 400, "not a target language"),
    "api list: page zero": Web("GET", "/api/statements?page=0", 400, "whole number", user="token:coord"),
    "api list: too many per page": Web("GET", "/api/statements?per_page=1000", 400, "at most 100", user="token:coord"),
    "api list: unknown language": Web("GET", "/api/statements?lang=xx", 400, "unknown language code", user="token:coord"),
    "api list: unknown sort": Web("GET", "/api/statements?sort=random", 400, "unknown sort", user="token:coord"),
    # search
    "search: nothing to search for": Web("GET", "/search?q=%22%22%20-%20*", 400, "no word to search for"),
    "search: too long": Web("GET", "/search?q=" + "x" * 10_000, 400, "use at most 500"),
    "search: not logged in (API)": Web("GET", "/api/search?q=strike", 401, "log in", user=None),
    "api search: empty": Web("GET", "/api/search?q=", 400, "no word to search for", user="token:coord"),
    "api search: too many words": Web("GET", "/api/search?q=" + "+".join(["strike"] * 30), 400, "at most 24",
                                      user="token:coord"),
    "api search: not a target language": Web("GET", "/api/search?q=strike&lang=it", 400, "not a target language",
                                             user="token:coord"),
    "api search: hostile statement": Web("GET", "/api/search?q=strike&statement=..%2F..%2Fetc", 400,
                                         "not a valid statement name", user="token:coord"),
    "api search: unknown statement": Web("GET", "/api/search?q=strike&statement=nope", 400, "unknown statement",
                                         user="token:coord"),
    "api search: page too deep": Web("GET", "/api/search?q=strike&page=100000", 400, "narrow the search",
                                     user="token:coord"),
    "new statement: nothing given": Web("POST", "/statements/new", 400, "paste the statement",
                                        form={"text": "", "kind": "txt", "slug": ""}),
    "new statement: hostile slug": Web("POST", "/statements/new", 400, "not a valid statement name",
                                       form={"text": "A title\n\nSome text.", "kind": "txt", "slug": "../../etc"}),
    "new statement: name taken": Web("POST", "/statements/new", 400, "exists already",
                                     form={"text": "A title\n\nSome text.", "kind": "txt", "slug": SLUG}),
    "new statement: no text to translate": Web("POST", "/statements/new", 400, "no text to translate",
                                               form={"text": "3 March 2024", "kind": "txt", "slug": "dated"}),
    "new statement: translator may not": Web("GET", "/statements/new", 403, "may not", user="tradu"),
    # review pages
    "review: unknown statement": Web("GET", "/review/no-such/es", 404, "nothing here"),
    "review: hostile statement": Web("GET", "/review/..%2F..%2Fetc/es", 404, "nothing here"),
    "review: unknown language": Web("GET", "/review/{slug}/xx", 404, "nothing here"),
    "review: language not a target": Web("GET", "/review/{slug}/it", 404, "nothing here"),
    "review save: no CSRF token": Web("POST", "/review/{slug}/es/{seg}", 400, "expired|sent from elsewhere",
                                      form={"target": "Hola"}, csrf=False),
    "review save: stale revision": Web("POST", "/review/{slug}/es/{seg}", 409, "changed",
                                       form={"target": "Hola"}, revision="0000000000"),
    "review save: unknown segment": Web("POST", "/review/{slug}/es/ffffffffffff", 404, "nothing here", form={"target": "Hola"}),
    "review save: translator, other language": Web("POST", "/review/{slug}/fr/{seg}", 403, "may not", user="tradu",
                                                   form={"target": "Salut"}),
    "review save: too long": Web("POST", "/review/{slug}/es/{seg}", 400, "longer than", form={"target": LONG}),
    "review comment: no CSRF token": Web("POST", "/review/{slug}/es/{seg}/comment", 400, "expired|sent from elsewhere",
                                         form={"text": "hi"}, csrf=False),
    "review comment: unknown segment": Web("POST", "/review/{slug}/es/ffffffffffff/comment", 404, "nothing here",
                                           form={"text": "hi"}),
    "review next: unknown statement": Web("GET", "/review/no-such/es/next", 404, "nothing here"),
    "review preview: unknown language": Web("GET", "/review/{slug}/xx/preview", 404, "nothing here"),
    "live updates: unknown statement": Web("GET", "/review/no-such/es/live", 404, "nothing here"),
    "live updates: not logged in": Web("GET", "/review/{slug}/es/live", 302, "login", user=None),
    "live rows: unknown language": Web("GET", "/review/{slug}/xx/rows?ids={seg}", 404, "nothing here"),
    "finished statement: not ready to publish": Web("GET", "/review/{slug}/es/finished", 409, "not ready to publish"),
    "finished statement: a translator": Web("GET", "/review/{slug}/es/finished", 403, "may not", user="tradu"),
    # export
    "export: unknown format": Web("GET", "/export/{slug}/es?format=pdf", 404, "nothing here"),
    "export: not reviewed yet": Web("GET", "/export/{slug}/es?format=html", 409, "reviewed|ready|threshold|publish"),
    "export: translator may not": Web("GET", "/export/{slug}/es", 403, "may not", user="tradu"),
    # JSON API
    "api: bad token": Web("GET", "/api/statements", 401, "log in", user="token:nobody"),
    "api list: unknown filter": Web("GET", "/api/statements/{slug}/es/segments?filter=bogus", 400, "unknown filter",
                                    user="token:coord"),
    "api list: unknown statement": Web("GET", "/api/statements/no-such/es/segments", 404, "", user="token:coord"),
    "api get: unknown segment": Web("GET", "/api/statements/{slug}/es/segments/ffffffffffff", 404, "", user="token:coord"),
    "api put: not JSON": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 415, '"error": ?"unsupported_media_type".*JSON object',
                             user="token:coord", data=b"target=Hola"),
    "api put: target not a string": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, "must be a string",
                                        user="token:coord", json={"target": 3}),
    "api put: no revision": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, "revision",
                                user="token:coord", json={"target": "Hola"}),
    "api put: NUL character": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, "NUL",
                                  user="token:coord", json={"target": "Ho\x00la"}),
    "api put: too long": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, "longer than",
                             user="token:coord", json={"target": LONG}),
    "api put: stale revision": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 409, "changed",
                                   user="token:coord", json={"target": "Hola"}, revision="0000000000"),
    "api put: translator, other language": Web("PUT", "/api/statements/{slug}/fr/segments/{seg}", 403, "",
                                               user="token:tradu", json={"target": "Salut"}),
    "api put: session without CSRF header": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, "csrf|CSRF",
                                                json={"target": "Hola"}, csrf=False),
    "api approve: untranslated": Web("POST", "/api/statements/{slug}/es/segments/{seg}/approve", 400, "cannot be approved",
                                     user="token:coord", json={}),
    "api approve: not an object": Web("POST", "/api/statements/{slug}/es/segments/{seg}/approve", 400, "JSON object",
                                      user="token:coord", json=[1, 2]),
    "api open: unknown segment": Web("POST", "/api/statements/{slug}/es/segments/ffffffffffff/open", 404, "",
                                     user="token:coord", json={}),
    "api next: unknown language": Web("GET", "/api/statements/{slug}/xx/next", 404, "", user="token:coord"),
}


# --- a careless or hostile volunteer: accounts, limits, JSON errors, honest saves ----------------

PLURAL_MSGID = "One comrade stands with us"


def plural_entry():
    import polib

    return polib.POEntry(msgid=PLURAL_MSGID, msgid_plural="{n} comrades stand with us",
                         msgstr_plural={0: "Un compañero", 1: "{n} compañeros", 2: "{n} compañeros"})


def add_plural_entry(world: Path) -> None:
    """A plural entry added by hand (Chorus never makes one): shown, but not editable here."""
    from chorus import catalog

    path = world / "project" / "translations" / SLUG / "es.po"
    po = catalog.read(path)
    po.insert(0, plural_entry())
    catalog.write(po, path)


def _plural_ids() -> tuple[str, str]:
    from chorus.editing import revision, segment_id

    return segment_id(plural_entry()), revision(plural_entry())


PLURAL_SEG, PLURAL_REVISION = _plural_ids()


def full_of_comments(world: Path) -> None:
    """The first segment has as many comments as a segment takes (50, from several people)."""
    import sqlite3
    import time

    from chorus.editing import load

    seg_id = load(world / "project" / "translations" / SLUG / "es.po")[0].id
    with sqlite3.connect(world / "project" / ".chorus" / "instance" / "webui.sqlite") as db:
        db.executemany("INSERT INTO comments (slug, lang, segment, user, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                       [(SLUG, "es", seg_id, f"volunteer{n % 7}", f"note {n}", time.time() - 7200) for n in range(50)])


DEEP = b"[" * 1000 + b"]" * 1000
WEB_ROWS.update({
    "users: zero-width name": Web("POST", "/users", 400, "not a valid user name",
                                  form={"name": "ri\u200bta", "password": PASSWORD, "role": "translator", "langs": "es"}),
    "users: look-alike of an existing name": Web("POST", "/users", 400, "not a valid user name",
                                                 form={"name": "tr\u0430du", "password": PASSWORD, "role": "translator",
                                                       "langs": "es"}),
    # every API error is JSON
    "api: unknown route": Web("GET", "/api/no-such-thing", 404, '"error": ?"not_found"', user="token:coord"),
    "api: wrong method": Web("DELETE", "/api/statements", 405, '"error": ?"method_not_allowed"', user="token:coord"),
    "api put: JSON nested 1,000 deep": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400,
                                           '"error": ?"bad_request".*nested too deeply', user="token:coord", data=DEEP,
                                           content_type="application/json"),
    "api put: broken JSON": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, '"error": ?"bad_request".*not valid JSON',
                                user="token:coord", data=b'{"target": "Hola", ', content_type="application/json"),
    "api put: body over the limit": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 413, '"error": ?"request_entity_too_large"',
                                        user="token:coord", data=b'{"target": "' + b"x" * (1024 * 1024) + b'"}',
                                        content_type="application/json"),
    "api approve: broken JSON": Web("POST", "/api/statements/{slug}/es/segments/{seg}/approve", 400, "not valid JSON",
                                    user="token:coord", data=b"{", content_type="application/json"),
    "api put: plural entry": Web("PUT", f"/api/statements/{{slug}}/es/segments/{PLURAL_SEG}", 400, "plural forms",
                                 user="token:coord", json={"target": "Un camarada"}, revision=PLURAL_REVISION,
                                 prepare=add_plural_entry),
    "review save: plural entry": Web("POST", f"/review/{{slug}}/es/{PLURAL_SEG}", 400, "plural forms",
                                     form={"target": "Un camarada"}, revision=PLURAL_REVISION, prepare=add_plural_entry),
    # comments: length, count per segment (rate: tests/reliability/test_hostile_volunteer.py)
    "review comment: empty": Web("POST", "/review/{slug}/es/{seg}/comment", 400, "needs some text", form={"text": "  "}),
    "review comment: too long": Web("POST", "/review/{slug}/es/{seg}/comment", 400, "at most 2000 characters",
                                    form={"text": "y" * 2001}),
    "review comment: segment full": Web("POST", "/review/{slug}/es/{seg}/comment", 429, "the most it takes",
                                        form={"text": "one more"}, prepare=full_of_comments),
    "api comment: too long": Web("POST", "/api/statements/{slug}/es/segments/{seg}/comments", 400, "at most 2000 characters",
                                 user="token:coord", json={"text": "y" * 2001}),
    "api comment: not a string": Web("POST", "/api/statements/{slug}/es/segments/{seg}/comments", 400, "must be a string",
                                     user="token:coord", json={"text": ["a"]}),
    "api comment: segment full": Web("POST", "/api/statements/{slug}/es/segments/{seg}/comments", 429,
                                     '"error": ?"too_many_requests".*the most it takes', user="token:coord",
                                     json={"text": "one more"}, prepare=full_of_comments),
    "api comment: translator, other language": Web("POST", "/api/statements/{slug}/fr/segments/{seg}/comments", 403,
                                                   '"error": ?"forbidden"', user="token:tradu", json={"text": "hola"}),
    # "next" opens a segment only on POST
    "review next: POST without CSRF token": Web("POST", "/review/{slug}/es/next", 400, "expired|sent from elsewhere",
                                                form={}, csrf=False),
    "api next: POST, unknown statement": Web("POST", "/api/statements/no-such/es/next", 404, '"error": ?"not_found"',
                                             user="token:coord", json={}),
})


CARELESS_WEB_ROWS: dict[str, Web] = {
    "api put: control character": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, r"control character \(U\+0007",
                                      user="token:coord", json={"target": "Ho\x07la"}),
    "api put: lone surrogate": Web("PUT", "/api/statements/{slug}/es/segments/{seg}", 400, "surrogate",
                                   user="token:coord", json={"target": "Ho\ud800la"}),
    "review save: control character": Web("POST", "/review/{slug}/es/{seg}", 400, r"control character \(U\+001B",
                                          form={"target": "Ho\x1bla"}),
    "new statement: control character": Web("POST", "/statements/new", 400, r"control character \(U\+0007",
                                            form={"text": "A title\n\nSome\x07 text.", "kind": "txt", "slug": "bell"}),
}
WEB_ROWS.update(CARELESS_WEB_ROWS)

# --- the team's day: statements through the API, deadlines, history, revert, accounts -------------

WEB_ROWS.update({
    "api add statement: translator may not": Web("POST", "/api/statements", 403, '"error": ?"forbidden"',
                                                 user="token:tradu", json={"text": "A title\n\nSome text."}),
    "api add statement: no text": Web("POST", "/api/statements", 400, "'text' must be a string", user="token:coord",
                                      json={"slug": "x"}),
    "api add statement: unknown format": Web("POST", "/api/statements", 400, "format", user="token:coord",
                                             json={"text": "A title\n\nSome text.", "format": "docx"}),
    "api add statement: deadline that is no date": Web("POST", "/api/statements", 400, "not a deadline",
                                                       user="token:coord",
                                                       json={"text": "A title\n\nSome text.", "deadline": "soon"}),
    "api add statement: name taken": Web("POST", "/api/statements", 400, "exists already", user="token:coord",
                                         json={"text": "A title\n\nSome text.", "slug": SLUG}),
    "api jobs: not logged in": Web("GET", "/api/jobs", 401, "log in", user=None),
    "api account: not an address": Web("PUT", "/api/account", 400, "not a mail address", user="token:tradu",
                                       json={"email": "nowhere"}),
    "api account: unknown notification": Web("PUT", "/api/account", 400, "unknown notification", user="token:tradu",
                                             json={"events": ["everything"]}),
    "account: not an address": Web("POST", "/account", 400, "not a mail address", user="tradu",
                                   form={"email": "nowhere", "digest": "off"}),
    "account: unknown digest": Web("POST", "/account", 400, "digest is one of", user="tradu",
                                   form={"email": "", "digest": "weekly"}),
    "account token: no CSRF token": Web("POST", "/account/token", 400, "expired|sent from elsewhere", form={},
                                        csrf=False),
    "api history: unknown segment": Web("GET", "/api/statements/{slug}/es/segments/ffffffffffff/history", 404, "",
                                        user="token:coord"),
    "api comments: unknown segment": Web("GET", "/api/statements/{slug}/es/segments/ffffffffffff/comments", 404, "",
                                         user="token:coord"),
    "api suggestions: unknown segment": Web("GET", "/api/statements/{slug}/es/segments/ffffffffffff/suggestions",
                                            404, "", user="token:coord"),
    "api suggestions: unknown statement": Web("GET", "/api/statements/nothing-here/es/segments/{seg}/suggestions",
                                              404, "", user="token:tradu"),
    "api suggestions: not logged in": Web("GET", "/api/statements/{slug}/es/segments/{seg}/suggestions", 401,
                                          "log in", user=None),
    "review suggestions: unknown proposal": Web("GET", "/review/{slug}/es?suggest={seg}&use=99", 200, "Suggestions"),
    "reports engines: a translator": Web("GET", "/reports/engines", 403, "may not", user="tradu"),
    "reports engines: unknown language": Web("GET", "/reports/engines?lang=xx", 400, "unknown language code"),
    "api reports engines: a translator": Web("GET", "/api/reports/engines", 403, "", user="token:tradu"),
    "api reports engines: language not a target": Web("GET", "/api/reports/engines?lang=it", 400,
                                                      "not a target language", user="token:coord"),
    "api revert: unknown event": Web("POST", "/api/statements/{slug}/es/segments/{seg}/revert", 404, "",
                                     user="token:coord", json={"event": 999999, "revision": "0000000000"}),
    "api revert: event not a number": Web("POST", "/api/statements/{slug}/es/segments/{seg}/revert", 400, "'event'",
                                          user="token:coord", json={"event": "first", "revision": "0000000000"}),
    "review revert: unknown event": Web("POST", "/review/{slug}/es/{seg}/revert", 404, "nothing here",
                                        form={"event": "999999"}),
    "review revert: event not a number": Web("POST", "/review/{slug}/es/{seg}/revert", 400, "which event",
                                             form={"event": "x"}),
})

WEB_ROWS.update({
    "api sync: not logged in": Web("POST", "/api/sync", 401, "log in", user=None, csrf=False),
    "api sync status: not logged in": Web("GET", "/api/sync", 401, "log in", user=None),
    "api sync: a translator": Web("POST", "/api/sync", 403, "only coordinators", user="token:tradu"),
    "api sync: a project that does not sync": Web("POST", "/api/sync", 404, "does not sync with git",
                                                  user="token:coord"),
    "api sync: session without CSRF token": Web("POST", "/api/sync", 400, "csrf", csrf=False, json={}),
    "api sync: a webhook signed with another secret": Web("POST", "/api/sync", 401, "not signed with this server",
                                                          user=None, csrf=False, data=b'{"ref": "refs/heads/main"}',
                                                          content_type="application/json",
                                                          headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}),
    "api sync: a GitLab token that is wrong": Web("POST", "/api/sync", 401, "not signed with this server", user=None,
                                                  csrf=False, json={}, headers={"X-Gitlab-Token": "guess"}),
})


def first_segment(project_dir: Path) -> tuple[str, str]:
    from chorus.editing import load

    first = load(project_dir / "translations" / SLUG / "es.po")[0]
    return first.id, first.revision


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page) \
        or re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return next(group for group in match.groups() if group)


def client_for(world: Path, user: str | None):
    from webui import create_app

    app = create_app(world / "project")
    client = app.test_client()
    if user and not user.startswith("token:"):
        token = csrf_token(client)
        response = client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def bearer(world: Path, user: str) -> dict:
    tokens = dict(zip(("coord", "tradu"), (world / "tokens").read_text(encoding="utf-8").split("\n")))
    return {"Authorization": f"Bearer {tokens.get(user.removeprefix('token:'), 'not-a-real-token')}"}


@pytest.mark.parametrize("name", WEB_ROWS, ids=list(WEB_ROWS))
def test_bad_web_input_is_refused_cleanly(name, world):
    row = WEB_ROWS[name]
    seg_id, revision = first_segment(world / "project")
    client = client_for(world, row.user)
    headers = bearer(world, row.user) if row.user and row.user.startswith("token:") else {}
    headers.update(row.headers or {})
    token = csrf_token(client, "/login" if not row.user or row.user.startswith("token:") else "/")
    if row.prepare:
        row.prepare(world)
    before = snapshot(world)
    body = dict(row.form) if row.form is not None else None
    if body is not None:
        body.setdefault("revision", revision if row.revision == "current" else row.revision)
        if row.csrf:
            body["csrf_token"] = token
    payload = row.json
    if isinstance(payload, dict) and "target" in payload:
        payload = {**payload, "revision": revision if row.revision == "current" else row.revision}
        if name == "api put: no revision":
            payload.pop("revision")
    if row.csrf and row.user and not row.user.startswith("token:") and payload is not None:
        headers["X-CSRFToken"] = token
    response = client.open(row.path.format(slug=SLUG, seg=seg_id), method=row.method, headers=headers,
                           data=row.data if row.data is not None else body, json=payload,
                           content_type=(row.content_type or "text/plain") if row.data is not None else None)
    text = response.get_data(as_text=True)
    assert response.status_code == row.status, text[:800]
    assert "Traceback" not in text
    assert re.search(row.says, text, re.IGNORECASE), f"unclear error: {text[:800]}"
    assert snapshot(world) == before


# --- every command and route has rows ---------------------------------------------------------


def command_paths(group: click.Group, prefix: str = "") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        paths += command_paths(command, full + " ") if isinstance(command, click.Group) else [full]
    return paths


def test_every_command_has_bad_input_rows():
    covered = {" ".join(row.args[:2]) if row.args[0] in cli.commands and isinstance(cli.commands[row.args[0]], click.Group)
               else row.args[0] for row in CLI_ROWS.values()}
    missing = [path for path in command_paths(cli) if path not in covered]
    assert missing == [], f"commands without bad-input rows: {missing}"


def test_every_route_has_bad_input_rows(template_world):
    from webui import create_app

    app = create_app(template_world / "project")
    patterns = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "dashboard.index"):
            continue  # no input to get wrong: the static files and the dashboard itself
        patterns.append((rule.rule, re.compile("^" + re.sub(r"<[^>]+>", "[^/?]+", rule.rule) + r"(\?.*)?$"),
                         rule.methods - {"HEAD", "OPTIONS"}))
    missing = [rule for rule, pattern, methods in patterns
               if not any(pattern.match(row.path) and row.method in methods for row in WEB_ROWS.values())]
    assert missing == [], f"routes without bad-input rows: {missing}"
