"""Live updates through gunicorn: a save in one worker reaches streams held by the others, open
streams never take every thread, and sync workers answer a stream at once (polling)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from reliability_server import LANG, PASSWORD, Server, api_token, form_token, make_project

SLUG = "statement-0"


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project", statements=1, sentences=10)


def logged_in(server: Server) -> requests.Session:
    session = requests.Session()
    token = form_token(session.get(f"{server.url}/login", timeout=10).text)
    answer = session.post(f"{server.url}/login", timeout=10,
                          data={"username": "writer", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 200 and "Log out" in answer.text
    return session


class Listener(threading.Thread):
    """One open page's event stream, read in the background."""

    def __init__(self, server: Server, session: requests.Session):
        super().__init__(daemon=True)
        self.server, self.session = server, session
        self.seen = ""
        self.connected = threading.Event()
        self.ended = threading.Event()

    def run(self):
        try:
            with self.session.get(f"{self.server.url}/review/{SLUG}/{LANG}/live", stream=True, timeout=60) as stream:
                for chunk in stream.iter_content(chunk_size=None, decode_unicode=True):
                    self.seen += chunk
                    if "event: hello" in self.seen:
                        self.connected.set()
        except requests.RequestException:
            pass
        finally:
            self.connected.set()
            self.ended.set()


def test_saves_reach_streams_in_every_worker_and_streams_leave_threads_free(project):
    server = Server(project, api_token(project), workers=2, options=("-k", "gthread", "--threads", "4"),
                    env={"CHORUS_LIVE_STREAMS": "2"}).start()
    try:
        listeners = [Listener(server, logged_in(server)) for _ in range(6)]
        for listener in listeners:
            listener.start()
        for listener in listeners:
            assert listener.connected.wait(20)
        time.sleep(0.5)
        held = [listener for listener in listeners if not listener.ended.is_set()]
        polled = [listener for listener in listeners if listener.ended.is_set()]
        assert 1 <= len(held) <= 4  # two per worker at most
        assert polled and all("retry: 10000" in listener.seen for listener in polled)  # come back later

        # with every stream open, pages and saves are still answered at once
        segment = server.segments(SLUG)[2]
        page = logged_in(server).get(f"{server.url}/review/{SLUG}/{LANG}?filter=all", timeout=10)
        assert page.status_code == 200
        with server.session() as session:
            saved = server.save(session, SLUG, segment["id"], "Guardado mientras todos miran", segment["revision"],
                                timeout=10)
        assert saved.status_code == 200

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all("Guardado mientras todos miran" in listener.seen
                                                       for listener in held):
            time.sleep(0.2)
        assert all("Guardado mientras todos miran" in listener.seen for listener in held)
    finally:
        server.stop()


def test_sync_workers_answer_a_stream_at_once(project):
    server = Server(project, api_token(project), workers=2).start()
    try:
        session = logged_in(server)
        started = time.monotonic()
        answer = session.get(f"{server.url}/review/{SLUG}/{LANG}/live", timeout=20)
        assert answer.status_code == 200 and "event: hello" in answer.text
        assert "retry: 10000" in answer.text
        assert time.monotonic() - started < 10  # not held: the worker is free again
        assert session.get(f"{server.url}/review/{SLUG}/{LANG}", timeout=10).status_code == 200
    finally:
        server.stop()
