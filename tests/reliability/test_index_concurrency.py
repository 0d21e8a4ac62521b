"""The project index shared by gunicorn workers and commands: built by whichever process comes
first while others wait, kept right by saves in every worker, rebuilt when deleted under a
running server. What the statement list and search say must be what the catalogs hold."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from chorus import catalog
from reliability_server import BIN, LANG, Server, api_token, make_project

STATEMENTS = 6
SENTENCES = 20
WRITERS = 6


@pytest.fixture
def server(tmp_path):
    project = make_project(tmp_path / "project", STATEMENTS, SENTENCES)
    running = Server(project, api_token(project), workers=3)
    yield running
    running.stop()


def listing(server: Server) -> dict[str, dict]:
    with server.session() as session:
        body = session.get(f"{server.url}/api/statements?per_page=100", timeout=30).json()
    assert body["total"] == STATEMENTS
    return {item["slug"]: item["languages"][0] for item in body["statements"]}


def assert_listing_matches_the_catalogs(server: Server) -> None:
    rows = listing(server)
    for slug in server.project.statements():
        stats = catalog.stats(catalog.read(server.project.catalog_path(slug, LANG)))
        assert rows[slug]["counts"] == {state: stats[state] for state in catalog.STATES}, slug


def test_workers_and_commands_share_one_index(server):
    assert not (server.project.private_dir / "index.sqlite3").exists()
    status = [subprocess.Popen([str(BIN / "chorus"), "status", "--json"], cwd=server.project.root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    server.start()  # its workers meet a cold index that the commands are building
    for run in status:
        assert run.wait(timeout=120) == 0, run.stderr.read().decode()
        run.stderr.close()
    slugs = server.project.statements()
    work = {writer: [(slugs[writer % STATEMENTS], segment) for segment in
                     server.segments(slugs[writer % STATEMENTS])[:10]] for writer in range(WRITERS)}

    def write(writer: int) -> list[tuple[str, str, str]]:
        saved = []
        with server.session() as session:
            for number, (slug, segment) in enumerate(work[writer]):
                text = f"Frase {number} del equipo {writer} en el muelle"
                response = server.save(session, slug, segment["id"], text, segment["revision"])
                assert response.status_code == 200, response.text[:300]
                saved.append((slug, segment["id"], text))
        return saved

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        saved = [item for done in pool.map(write, range(WRITERS)) for item in done]
    assert_listing_matches_the_catalogs(server)
    with server.session() as session:
        for slug, seg_id, text in saved[::7]:
            hits = session.get(f"{server.url}/api/search", params={"q": f'"{text}"'}, timeout=30).json()["hits"]
            assert [(hit["statement"], hit["id"], hit["target"]) for hit in hits] == [(slug, seg_id, text)]

    for suffix in ("", "-wal", "-shm"):  # the index deleted under the running server
        (server.project.private_dir / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    assert_listing_matches_the_catalogs(server)
    with server.session() as session:
        slug, seg_id, text = saved[-1]
        hits = session.get(f"{server.url}/api/search", params={"q": f'"{text}"'}, timeout=30).json()["hits"]
        assert [hit["id"] for hit in hits] == [seg_id]
