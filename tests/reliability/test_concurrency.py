"""Concurrent writers: 20 volunteers × 50 saves each through gunicorn with 4 workers.

Several writers share each catalog, so saves of different processes meet on the same file
lock. Every save the server acknowledged must be on disk afterwards, and every catalog must
parse and pass ``msgfmt -c``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

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
