"""A server killed with SIGKILL in the middle of saves, 20 times.

Each round starts gunicorn, lets four writers save segments as fast as they can, and kills
the master and its workers at once while saves are in flight. After every kill, every catalog
must parse and pass ``msgfmt -c``; every save the server acknowledged must be on disk; a save
whose answer never came may be there or not, but nothing else.
"""

from __future__ import annotations

import queue
import random
import threading
import time

import pytest
import requests

from reliability_server import Server, api_token, check_catalogs, make_project

ROUNDS = 20
WRITERS = 4
STATEMENTS = 4
SENTENCES = 250


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("killed") / "project", STATEMENTS, SENTENCES)


def untranslated(server: Server) -> "queue.Queue[tuple[str, dict]]":
    slots: queue.Queue = queue.Queue()
    for slug in server.project.statements():
        for segment in server.segments(slug):
            if segment["state"] == "untranslated":
                slots.put((slug, segment))
    return slots


def writer(server: Server, slots: queue.Queue, acknowledged: list, in_doubt: list,
           stop: threading.Event) -> None:
    with server.session() as session:
        while not stop.is_set():
            try:
                slug, segment = slots.get_nowait()
            except queue.Empty:
                return
            text = f"Guardado «{segment['id']}» \"sí\" \\ ñ"  # the same text if retried in a later round
            try:
                response = server.save(session, slug, segment["id"], text, segment["revision"], timeout=10)
            except requests.RequestException:
                in_doubt.append((slug, segment["id"], text))  # the server died before answering
                return
            if response.status_code == 200 and response.json()["target"] == text:
                acknowledged.append((slug, segment["id"], text))
            else:
                in_doubt.append((slug, segment["id"], text))
                acknowledged.append(("refused", response.status_code, response.text[:200]))


def test_no_acknowledged_save_is_lost_when_the_server_is_killed(project):
    server = Server(project, api_token(project), workers=2)
    chance = random.Random(7)
    acknowledged: list = []
    in_doubt: list = []
    for round_number in range(ROUNDS):
        server.start()
        slots = untranslated(server)
        assert slots.qsize() > 0, "the project ran out of untranslated segments"
        stop = threading.Event()
        before = len(acknowledged)
        threads = [threading.Thread(target=writer, args=(server, slots, acknowledged, in_doubt, stop))
                   for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(acknowledged) - before < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # some saves done, more in flight
        time.sleep(chance.uniform(0.0, 0.3))
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

        refused = [save for save in acknowledged if save[0] == "refused"]
        assert refused == []
        assert len(acknowledged) > before, f"round {round_number}: no save went through"
        on_disk = check_catalogs(project)  # every catalog parses and passes msgfmt -c
        lost = [save for save in acknowledged if on_disk.get(save[:2]) != save[2]]
        assert lost == [], f"round {round_number}: acknowledged saves lost"
        strange = [save for save in in_doubt if on_disk.get(save[:2]) not in ("", save[2])]
        assert strange == [], f"round {round_number}: a save in flight left something else"
    assert len(acknowledged) >= ROUNDS * 3
    assert in_doubt, "no kill landed while a save was in flight"
