"""Online engines: failure paths for real (unreachable), success paths against a local server
that speaks LibreTranslate's API on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from chorus import catalog, engines
from chorus.pretranslate import pretranslate
from chorus.project import Project
from tests.conftest import msgfmt_check
from tests.test_apy import free_port

WORDS = {"solidarity": "solidaridad", "with": "con", "the": "los", "workers": "trabajadores",
         "stop": "paren", "attacks": "ataques", "we": "nosotros", "strike": "huelga"}


class LibreLike(BaseHTTPRequestHandler):
    """POST /translate?q=…&source=…&target=… → {"translatedText": …}, word by word."""

    def do_POST(self):
        server = self.server
        query = parse_qs(urlparse(self.path).query)
        server.requests.append(query)
        if server.answer_429 > 0:
            server.answer_429 -= 1
            self.reply(429, {"error": "slow down"}, {"Retry-After": "0.3"})
        elif urlparse(self.path).path != "/translate":
            self.reply(404, {"error": "not found"})
        else:
            text = query["q"][0]
            translated = re.sub(r"[A-Za-z]+", lambda m: _word(m.group()), text)
            self.reply(200, {"translatedText": translated})

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def _word(word: str) -> str:
    out = WORDS.get(word.lower(), word)
    return out.capitalize() if word[0].isupper() else out


@pytest.fixture(scope="module")
def libre_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), LibreLike)
    server.requests, server.answer_429 = [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def libre(libre_server, tmp_path):
    libre_server.requests.clear()
    libre_server.answer_429 = 0
    url = f"http://127.0.0.1:{libre_server.server_address[1]}/"
    return engines.create("libre", {"url": url, "backoff": 0.05}, tmp_path / "cache"), libre_server


def test_success_path_through_deep_translator(libre):
    engine, server = libre
    out = engine.translate(["Solidarity with the workers!", "Stop the attacks"], "en", "es")
    assert out == ["Solidaridad con los trabajadores!", "Paren los ataques"]
    assert [q["source"][0] + q["target"][0] for q in server.requests] == ["enes", "enes"]
    assert "api_key" not in server.requests[0]  # a self-hosted server needs no key


def test_cache_hit_sends_no_second_request(libre, tmp_path):
    engine, server = libre
    engine.translate(["Solidarity with the workers!"], "en", "es")
    again = engines.create("libre", dict(engine.settings), tmp_path / "cache")  # a later run
    assert again.translate(["Solidarity with the workers!"], "en", "es") == ["Solidaridad con los trabajadores!"]
    assert len(server.requests) == 1
    assert (tmp_path / "cache" / "mt.sqlite3").is_file()


def test_pause_after_429_then_success(libre):
    engine, server = libre
    server.answer_429 = 1
    pauses = []
    engine.sleep = lambda seconds: (pauses.append(seconds), time.sleep(seconds))
    assert engine.translate(["Stop the attacks"], "en", "es") == ["Paren los ataques"]
    assert len(server.requests) == 2
    assert pauses and 0.2 < pauses[0] <= 0.3  # Retry-After was honoured before asking again


def test_429_every_time_fails_the_batch(libre):
    engine, server = libre
    server.answer_429 = 100
    engine.sleep = lambda seconds: None
    with pytest.raises(engines.RateLimited, match="429"):
        engine.translate(["Stop the attacks"], "en", "es")
    assert len(server.requests) == engine.retries + 1


def test_every_request_has_a_timeout(tmp_path):
    """A server that accepts the connection but never answers: the request gives up."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        engine = engines.create("libre", {"url": url, "timeout": 0.5, "retries": 0})
        started = time.monotonic()
        with pytest.raises(engines.EngineUnreachable):
            engine.translate(["Hello"], "en", "es")
        assert time.monotonic() - started < 3
    finally:
        listener.close()


@pytest.mark.parametrize("name", ["libre", "apy"])
def test_unreachable_engine_fails_fast_per_language_and_the_chain_goes_on(sample_project, name):
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text().replace('default = ["memory", "apertium"]',
                                                 f'default = ["memory", "{name}", "apertium"]')
                      + f'\n[{name}]\nurl = "http://127.0.0.1:{free_port()}"\n')
    project = Project.load(sample_project.root)
    started = time.monotonic()
    results = {r.lang: r for r in pretranslate(project)}
    assert time.monotonic() - started < 30
    es = results["es"]
    assert es.engines["apertium"] == es.pending > 0 and es.failed == 0
    assert any(f"{name}" in error and "did not answer" in error for error in es.errors)
    for lang in ("fr", "de"):  # no Apertium pair: every segment failed, with a reason per language
        assert results[lang].failed == results[lang].pending > 0
        assert any("did not answer" in error for error in results[lang].errors)
        assert any("apertium cannot translate" in error for error in results[lang].errors)
    for slug in project.statements():
        for lang in ("es", "fr", "de"):
            msgfmt_check(project.catalog_path(slug, lang))


def test_pretranslate_with_libre_from_chorus_toml(libre, sample_project):
    engine, server = libre
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text() + f'\n[libre]\nurl = "{engine.settings["url"]}"\n')
    project = Project.load(sample_project.root)
    [result] = pretranslate(project, langs=["de"], engine="libre")
    assert result.engines["libre"] == result.pending > 0 and result.failed == 0
    po = catalog.read(project.catalog_path("stop-the-attacks", "de"))
    assert all(catalog.origin(e) == "mt libre" and catalog.state(e) == "fuzzy" for e in po if e.msgid)
    msgfmt_check(project.catalog_path("stop-the-attacks", "de"))
