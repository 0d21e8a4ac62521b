"""A careless or hostile volunteer cannot hurt anyone else: one table of what they may send,
one test.

Each row sends something a volunteer (or an unlucky operator) could: text pasted from a word
processor, a translation full of markup, numbers or URLs without end, a file that is a link or
a pipe, a temp file left by a killed run. Then it checks that the project still works for
everyone: the review pages and the API answer, the commands run, every catalog reads back and
passes ``msgfmt -c``. Bad input the tool refuses outright is in ``test_bad_input_table.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from chorus import catalog
from chorus.cli import cli
from chorus.errors import ChorusError
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore
from conftest import CHORUS, SAMPLES, msgfmt_check

SLUG = "stop-the-attacks"
PASSWORD = "a-long-enough-password"
SEPARATORS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on besides \n and \r


# --- the world each row starts from ----------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("careless")
    project = Project.create(root / "project", "en", ["es", "fr"])
    apply(project, plan_add(project, sorted(SAMPLES.glob("*.txt")) + sorted(SAMPLES.glob("*.md"))))
    users = UserStore.for_project(project)
    users.add("coord", PASSWORD, role="coordinator")
    (root / "token").write_text(users.new_token("coord"), encoding="utf-8")
    return root


@dataclass
class World:
    root: Path

    @property
    def project(self) -> Project:
        return Project.load(self.root / "project")

    def cli(self, *args: str, code: int = 0):
        """Run a command in-process; it must end with ``code`` and no traceback."""
        result = CliRunner().invoke(cli, list(args), env={"CHORUS_PROJECT": str(self.root / "project"),
                                                         "COLUMNS": "200"})
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exception is None or isinstance(result.exception, SystemExit), output
        assert result.exit_code == code, output
        assert "Traceback" not in output
        return result

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run the installed command in its own process."""
        return subprocess.run([str(CHORUS), *args, "--project", str(self.root / "project")],
                              capture_output=True, text=True, timeout=timeout)

    def client(self):
        from webui import create_app

        return create_app(self.root / "project").test_client()

    def api(self, method: str, path: str, **kwargs):
        token = (self.root / "token").read_text(encoding="utf-8")
        return self.client().open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def logged_in(self):
        client = self.client()
        response = client.post("/login", data={"username": "coord", "password": PASSWORD,
                                               "csrf_token": form_token(client.get("/login"))})
        assert response.status_code == 302
        return client

    def segments(self, slug: str = SLUG, lang: str = "es") -> list[dict]:
        return self.api("GET", f"/api/statements/{slug}/{lang}/segments").get_json()["segments"]

    def save(self, segment: dict, target: str, slug: str = SLUG, approve: bool = False):
        path = f"/api/statements/{slug}/es/segments/{segment['id']}" + ("/approve" if approve else "")
        return self.api("POST" if approve else "PUT", path, json={"target": target, "revision": segment["revision"]})


@pytest.fixture
def world(template, tmp_path) -> World:
    shutil.copytree(template, tmp_path / "world")
    return World(tmp_path / "world")


def form_token(response) -> str:
    page = response.get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    return match.group(1)


def everyone_still_works(world: World) -> None:
    """What one unreadable catalog used to take down, for every user."""
    assert world.logged_in().get("/").status_code == 200
    assert world.api("GET", "/api/statements").status_code == 200
    for slug in world.project.statements():
        assert world.logged_in().get(f"/review/{slug}/es").status_code == 200
    for command in (["status"], ["check"], ["update"]):
        world.cli(*command)
    for path in sorted([*world.project.translations_dir.glob("*/*.po"), *world.project.translations_dir.glob("*/*.pot")]):
        catalog.read(path)
        msgfmt_check(path)


# --- text pasted from a word processor: line and page separators --------------------------------


def separators_in_an_api_save(world: World) -> None:
    first = world.segments()[0]
    response = world.save(first, f"Paren{SEPARATORS}los\u2028ataques\r\n")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["target"] == "Paren los ataques"
    everyone_still_works(world)


def separators_in_a_form_save(world: World) -> None:
    client = world.logged_in()
    first = world.segments()[0]
    response = client.post(f"/review/{SLUG}/es/{first['id']}", data={
        "target": "Paren\vlos\fataques", "revision": first["revision"],
        "csrf_token": form_token(client.get(f"/review/{SLUG}/es"))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert world.segments()[0]["target"] == "Paren los ataques"
    everyone_still_works(world)


def separators_in_chorus_add(world: World) -> None:
    source = world.root / "x.txt"
    source.write_bytes("Title\n\nWe stand\u2028with you. More\x0bnews\x1cand\x85more.\n".encode("utf-8"))
    world.cli("add", str(source))
    stored = (world.project.source_dir / "x.txt").read_text(encoding="utf-8")
    assert stored == "Title\n\nWe stand\nwith you. More\nnews\nand\nmore.\n"
    assert "We stand with you." in [entry.msgid for entry in catalog.read(world.project.template_path("x"))]
    everyone_still_works(world)


def separators_in_a_pasted_statement(world: World) -> None:
    client = world.logged_in()
    response = client.post("/statements/new", data={
        "text": "Pasted title\u2029\u2029We stand\u2028with you.\x0bAlways.", "kind": "txt", "slug": "pasted",
        "csrf_token": form_token(client.get("/statements/new"))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "pasted" in world.project.statements()
    everyone_still_works(world)


def separators_in_an_uploaded_file(world: World) -> None:
    client = world.logged_in()
    data = "Uploaded title\r\n\r\nWe stand\x0cwith you\x1d and\x1e them.\u2028Always.".encode("utf-8")
    response = client.post("/statements/new", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), "uploaded.txt"), "text": "", "kind": "txt", "slug": "",
        "csrf_token": form_token(client.get("/statements/new"))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "uploaded" in world.project.statements()
    everyone_still_works(world)


def separators_in_a_tmx_import(world: World) -> None:
    tmx = world.root / "shared.tmx"
    tmx.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body><tu>'
                   '<tuv xml:lang="en"><seg>We stand\u2028with the dockers.</seg></tuv>'
                   '<tuv xml:lang="es-ES"><seg>Estamos\u2029con\x85los estibadores.</seg></tuv></tu></body></tmx>',
                   encoding="utf-8")
    world.cli("tm", "import", str(tmx))
    found = json.loads(world.cli("tm", "lookup", "--lang", "es", "--json", "We stand with the dockers.").output)
    assert found[0]["target"] == "Estamos con los estibadores."
    everyone_still_works(world)


def separators_in_a_glossary_term(world: World) -> None:
    world.cli("glossary", "add", "Harbour\u2028Network", "--note", "our\vname")
    text = (world.project.translations_dir / "glossary.csv").read_text(encoding="utf-8")
    assert "Harbour Network,,,our name" in text
    assert "Harbour Network" in world.cli("glossary", "list").output
    everyone_still_works(world)


# --- text that made checks or imports crash or crawl ------------------------------------------


def seven_url_like_translations_of_20000_characters(world: World) -> None:
    segments = world.segments()[:7]
    for number, segment in enumerate(segments):
        target = f"http://{number}" + "a." * 9_995
        assert world.save(segment, target).status_code == 200
    page = world.logged_in().get(f"/review/{SLUG}/es").get_data(as_text=True)
    assert page.count("Too long to check") == 7  # the checks read a bounded part of each text
    findings = json.loads(world.cli("check", SLUG, "--lang", "es", "--json").output)
    assert sorted(f["check"] for f in findings if f["check"] == "length") == ["length"] * 7
    everyone_still_works(world)


def numbers_are_checked_without_a_crash(world: World, slug: str, sentence: str, translation: str) -> None:
    """Add a statement with ``sentence``, translate it, run the checks: no ``numbers`` finding."""
    source = world.root / f"{slug}.txt"
    source.write_text(f"{slug.title()}\n\n{sentence}\n", encoding="utf-8")
    world.cli("add", str(source))
    segment = world.segments(slug)[1]
    assert world.save(segment, translation, slug=slug).status_code == 200
    findings = json.loads(world.cli("check", slug, "--lang", "es", "--json").output)
    assert [f for f in findings if f["check"] == "numbers"] == []
    assert world.logged_in().get(f"/review/{slug}/es").status_code == 200


def a_grouped_number_of_28_digits(world: World) -> None:
    number = "1,000,000,000,000,000,000,000,000,000"
    numbers_are_checked_without_a_crash(world, "budget", f"They spent {number} pesos.",
                                        f"Gastaron {number.replace(',', '.')} pesos.")
    everyone_still_works(world)


def a_thousand_numbers_in_one_segment(world: World) -> None:
    numbers = " ".join(["1"] * 1000)
    numbers_are_checked_without_a_crash(world, "count", f"We counted {numbers}.", f"Contamos {numbers}.")


def a_tmx_nested_5000_deep_in_the_memory_folder(world: World) -> None:
    folder = world.project.translations_dir / ".tm"
    folder.mkdir()
    (folder / "deep.tmx").write_text(
        '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>Stop the Attacks'
        + "<hi>" * 5000 + "!" + "</hi>" * 5000 + '</seg></tuv><tuv xml:lang="es"><seg>x</seg></tuv></tu></body></tmx>',
        encoding="utf-8")
    world.cli("pretranslate", SLUG, "--lang", "es")
    world.cli("tm", "lookup", "--lang", "es", "Stop the Attacks!")
    everyone_still_works(world)


def a_fifo_named_like_a_tmx_in_the_memory_folder(world: World) -> None:
    folder = world.project.translations_dir / ".tm"
    folder.mkdir()
    os.mkfifo(folder / "x.tmx")
    result = world.run("tm", "lookup", "--lang", "es", "Stop the Attacks", timeout=60)  # hung before
    assert result.returncode == 0, result.stderr
    world.cli("check", SLUG)


def a_300_mb_tmx_is_refused_before_it_is_read(world: World) -> None:
    huge = world.root / "huge.tmx"
    with open(huge, "wb") as handle:
        handle.truncate(300 << 20)  # sparse: 300 MB on paper, nothing on disk
    from chorus.memory import import_tmx

    tracemalloc.start()
    try:
        with pytest.raises(ChorusError, match="too large"):
            import_tmx(world.project, huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak / 1e6:.0f} MB held to refuse it"


# --- what a spreadsheet or a web site would run -----------------------------------------------


def glossary_cells_a_spreadsheet_would_run(world: World) -> None:
    formulas = ['=HYPERLINK("http://evil.example","Union")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
    for number, formula in enumerate(formulas):
        world.cli("glossary", "add", f"Term {number}", "--note", formula)
    world.cli("glossary", "add", formulas[0], "--lang", "es", "--translation", formulas[3])
    with open(world.project.translations_dir / "glossary.csv", encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")] == []
    listed = world.cli("glossary", "list").output
    assert all(formula[:12] in listed for formula in formulas)  # read back as written


def raw_html_and_images_in_a_markdown_translation(world: World) -> None:
    source = world.root / "web.md"
    source.write_text("# Read This\n\nWe say it <b>loud</b>.\n\nWe stand together.\n\nWe win.\n", encoding="utf-8")
    world.cli("add", str(source))
    config = world.root / "project" / "chorus.toml"  # one volunteer writes and approves here
    config.write_text(config.read_text(encoding="utf-8").replace("self_approval = false", "self_approval = true"),
                      encoding="utf-8")
    hostile = {"We say it <b>loud</b>.": "Lo decimos <b>alto</b> <script>steal()</script>.",
               "We stand together.": 'Estamos juntos. <img src="https://t.example/p.gif">',
               "We win.": "Ganamos. ![](https://t.example/p.gif)"}
    for segment in world.segments("web"):
        assert world.save(segment, hostile.get(segment["source"], "Léelo"), slug="web", approve=True).status_code == 200
    findings = json.loads(world.cli("check", "web", "--lang", "es", "--json").output)
    flagged = {f["segment"] for f in findings if f["check"] == "markup" and "raw HTML or an image" in f["message"]}
    assert flagged == set(hostile)
    refused = world.cli("export", "web", "--lang", "es", "--format", "md", code=1)
    assert "raw HTML or an image" in refused.stderr
    assert not (world.project.root / "localized" / "es" / "web.md").exists()
    world.cli("export", "web", "--lang", "es", "--format", "md", "--draft", "--out", str(world.root / "out"))
    text = (world.root / "out" / "es" / "web.md").read_text(encoding="utf-8")
    assert "<b>alto</b>" in text  # the source's own markup stays
    assert "\\<script>steal()\\</script>" in text and "<script>" not in text.replace("\\<script>", "")
    assert '\\<img src="https://t.example/p.gif">' in text and "\\!\\[](https://t.example/p.gif)" in text


# --- what killed runs leave behind ------------------------------------------------------------


def temp_files_of_a_killed_add(world: World) -> None:
    inbox = world.root / "inbox"
    inbox.mkdir()
    files = []
    for number in range(400):
        path = inbox / f"notice-{number}.txt"
        path.write_text(f"Notice {number}\n\nThe harbour strike goes on, day {number}.\n", encoding="utf-8")
        files.append(str(path))
    run = subprocess.Popen([str(CHORUS), "add", *files, "--project", str(world.project.root)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while not temps(world) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)  # the command and its worker processes, mid-run
    run.wait()
    assert temps(world), "the run ended before it staged anything: nothing to clean"
    live = world.project.translations_dir / SLUG / f".es.po.{os.getpid()}-0.tmp"
    live.write_text("a save in progress", encoding="utf-8")  # this process is alive: not stale
    result = world.run("status")
    assert result.returncode == 0, result.stderr
    assert temps(world) == [live]
    old = time.time() - 3 * 24 * 3600
    os.utime(live, (old, old))  # a live pid, but older than any run: stale all the same
    world.cli("status")
    assert temps(world) == []


def temps(world: World) -> list[Path]:
    return sorted(world.project.root.rglob("*.tmp"))


ROWS: dict[str, Callable[[World], None]] = {
    "separators in an API save": separators_in_an_api_save,
    "separators in a review form save": separators_in_a_form_save,
    "separators in chorus add": separators_in_chorus_add,
    "separators in a pasted statement": separators_in_a_pasted_statement,
    "separators in an uploaded file": separators_in_an_uploaded_file,
    "separators in a TMX import": separators_in_a_tmx_import,
    "separators in a glossary term": separators_in_a_glossary_term,
    "QA: seven 20,000-character URL-like translations": seven_url_like_translations_of_20000_characters,
    "check: a grouped number of 28 digits": a_grouped_number_of_28_digits,
    "check: 1,000 numbers in one segment": a_thousand_numbers_in_one_segment,
    "memory: a TMX nested 5,000 deep in translations/.tm/": a_tmx_nested_5000_deep_in_the_memory_folder,
    "memory: a FIFO named x.tmx in translations/.tm/": a_fifo_named_like_a_tmx_in_the_memory_folder,
    "tm import: 300 MB refused before reading": a_300_mb_tmx_is_refused_before_it_is_read,
    "glossary: cells a spreadsheet would run": glossary_cells_a_spreadsheet_would_run,
    "export: raw HTML and images in a Markdown translation": raw_html_and_images_in_a_markdown_translation,
    "temp files of a killed add": temp_files_of_a_killed_add,
}


@pytest.mark.parametrize("name", ROWS, ids=list(ROWS))
def test_a_careless_or_hostile_volunteer_hurts_nobody(name, world):
    ROWS[name](world)
