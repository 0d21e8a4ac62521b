"""Concurrent writers: 20 volunteers × 50 saves each through gunicorn with 4 workers.

Several writers share each catalog, so saves of different processes meet on the same file
lock. Every save the server acknowledged must be on disk afterwards, and every catalog must
parse and pass ``msgfmt -c``.

Commands race too, on the files outside the catalogs that everyone shares (the glossary,
``source/``, imported TMX files): none may lose another's work, and of two adds of one name,
one wins and the other is told.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest

from chorus import catalog
from chorus.glossary import Glossary
from chorus.project import Project
from conftest import CHORUS
from reliability_server import Server, api_token, check_catalogs, make_project

WRITERS = 20
SAVES = 50
STATEMENTS = 4  # five writers per catalog
SENTENCES = WRITERS // STATEMENTS * SAVES


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("concurrency") / "project", STATEMENTS, SENTENCES)
    running = Server(project, api_token(project), workers=4).start()
    yield running
    running.stop()


def assignments(server: Server) -> dict[int, list[tuple[str, dict]]]:
    """Each writer gets SAVES segments of its own; writers w, w+4, w+8... share a catalog."""
    slugs = server.project.statements()
    segments = {slug: [s for s in server.segments(slug) if s["state"] == "untranslated"] for slug in slugs}
    plan = {}
    for writer in range(WRITERS):
        slug = slugs[writer % STATEMENTS]
        share = writer // STATEMENTS
        plan[writer] = [(slug, segment) for segment in segments[slug][share * SAVES:(share + 1) * SAVES]]
        assert len(plan[writer]) == SAVES
    return plan


def write_all(server: Server, writer: int, work: list[tuple[str, dict]]) -> tuple[list, list]:
    acknowledged, refused = [], []
    with server.session() as session:
        for number, (slug, segment) in enumerate(work):
            text = f'Frase {number} del «escritor» {writer}: "sí" \\ ñ'
            response = server.save(session, slug, segment["id"], text, segment["revision"])
            if response.status_code == 200 and response.json()["target"] == text:
                acknowledged.append((slug, segment["id"], text))
            else:
                refused.append((slug, segment["id"], response.status_code, response.text[:200]))
    return acknowledged, refused


def test_every_acknowledged_save_of_concurrent_writers_is_kept(server):
    plan = assignments(server)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(lambda writer: write_all(server, writer, plan[writer]), range(WRITERS)))
    acknowledged = [save for done, _ in results for save in done]
    refused = [save for _, failed in results for save in failed]

    assert refused == []  # distinct segments: no conflict, no lock timeout, no server error
    assert len(acknowledged) == WRITERS * SAVES
    on_disk = check_catalogs(server.project)
    lost = [(slug, seg_id) for slug, seg_id, text in acknowledged if on_disk.get((slug, seg_id)) != text]
    assert lost == []
    written = {(slug, seg_id) for slug, seg_id, _ in acknowledged}
    assert all(text == "" for key, text in on_disk.items() if key not in written)  # nothing else changed


# --- racing commands on the files every volunteer shares ------------------------------------------

RACERS = 6


def race(commands: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess]:
    """Start every command at once (each its own process) and wait for all."""
    runs = [subprocess.Popen([str(CHORUS), *command], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for command in commands]
    results = []
    for command, run in zip(commands, runs):
        out, err = run.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(command, run.returncode, out, err))
    return results


def glossary_adds_keep_every_term(project: Project) -> None:
    results = race([["glossary", "add", f"Union {n}", "--note", f"racer {n}"] for n in range(RACERS)], project.root)
    assert [r.returncode for r in results] == [0] * RACERS, [r.stderr for r in results]
    kept = {term.term for term in Glossary.load(project)}
    assert kept == {f"Union {n}" for n in range(RACERS)}


def one_name_in_many_folders(root: Path, name: str, text: Callable[[int], str]) -> list[Path]:
    """A file ``name`` in each of RACERS folders, racer n's holding ``text(n)``."""
    files = []
    for n in range(RACERS):
        (root / f"racer-{n}").mkdir()
        files.append(root / f"racer-{n}" / name)
        files[-1].write_text(text(n), encoding="utf-8")
    return files


def adds_of_one_name_have_one_winner(project: Project) -> None:
    files = one_name_in_many_folders(project.root.parent, "notice.txt",
                                     lambda n: f"Notice {n}\n\nThe strike of racer {n} goes on.\n")
    results = race([["add", str(path)] for path in files], project.root)
    winners = [n for n, r in enumerate(results) if r.returncode == 0]
    assert len(winners) == 1, [r.stdout + r.stderr for r in results]
    for n, result in enumerate(results):
        if n not in winners:
            assert "already exists" in result.stderr and "Traceback" not in result.stderr, result.stderr
    winner = winners[0]
    assert (project.source_dir / "notice.txt").read_text(encoding="utf-8") == files[winner].read_text(encoding="utf-8")
    assert catalog.read(project.template_path("notice")).find(f"The strike of racer {winner} goes on.") is not None
    assert not list(project.root.rglob("*.tmp"))


def tmx_imports_of_one_name_keep_one_whole_file(project: Project) -> None:
    def tmx(n: int) -> str:
        units = "".join(f'<tu><tuv xml:lang="en"><seg>Racer {n} line {k}.</seg></tuv>'
                        f'<tuv xml:lang="es"><seg>Corredor {n} línea {k}.</seg></tuv></tu>' for k in range(2000))
        return f'<tmx version="1.4"><header srclang="en"/><body>{units}</body></tmx>'

    files = one_name_in_many_folders(project.root.parent, "shared.tmx", tmx)
    results = race([["tm", "import", str(path)] for path in files], project.root)
    assert [r.returncode for r in results] == [0] * RACERS, [r.stderr for r in results]
    kept = (project.translations_dir / ".tm" / "shared.tmx").read_bytes()
    assert kept in [path.read_bytes() for path in files]


RACES = {
    f"{RACERS} concurrent glossary adds keep every term": glossary_adds_keep_every_term,
    f"{RACERS} concurrent adds of one name: one wins, the others are told": adds_of_one_name_have_one_winner,
    f"{RACERS} concurrent TMX imports of one name keep one whole file": tmx_imports_of_one_name_keep_one_whole_file,
}


@pytest.mark.parametrize("name", RACES, ids=list(RACES))
def test_racing_commands_lose_nothing(name, tmp_path):
    project = Project.create(tmp_path / "project", "en", ["es"])
    RACES[name](project)
