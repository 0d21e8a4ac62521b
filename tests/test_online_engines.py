"""Online engines: failure paths for real (unreachable, HTTP errors from a real server), success
paths against a local server that speaks LibreTranslate's API on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest

from chorus import catalog, engines
from chorus.pretranslate import pretranslate
from chorus.project import Project
from tests.conftest import msgfmt_check
from tests.servers import JSONHandler, serving
from tests.test_apy import free_port

WORDS = {"solidarity": "solidaridad", "with": "con", "the": "los", "workers": "trabajadores",
         "stop": "paren", "attacks": "ataques", "we": "nosotros", "strike": "huelga"}


class LibreLike(JSONHandler):
    """POST /translate?q=…&source=…&target=… → {"translatedText": …}, word by word.

    ``server.script`` lists answers to give first, as (status, headers); ``server.always`` an
    error status to give to every request after them.
    """

    def do_POST(self):
        server = self.server
        query = parse_qs(urlparse(self.path).query)
        server.requests.append(query)
        if server.script:
            status, headers = server.script.pop(0)
            self.reply(status, {"error": "scripted"}, headers)
        elif server.always:
            self.reply(server.always, {"error": "scripted"})
        elif urlparse(self.path).path != "/translate":
            self.reply(404, {"error": "not found"})
        else:
            text = query["q"][0]
            translated = re.sub(r"[A-Za-z]+", lambda m: _word(m.group()), text)
            self.reply(200, {"translatedText": translated})


def _word(word: str) -> str:
    out = WORDS.get(word.lower(), word)
    return out.capitalize() if word[0].isupper() else out


@pytest.fixture(scope="module")
def libre_server():
    with serving(LibreLike, requests=[], script=[], always=None) as server:
        yield server


@pytest.fixture
def libre(libre_server, tmp_path):
    libre_server.requests.clear()
    libre_server.script.clear()
    libre_server.always = None
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
    server.script = [(429, {"Retry-After": "0.3"})]
    pauses = []
    engine.sleep = lambda seconds: (pauses.append(seconds), time.sleep(seconds))
    assert engine.translate(["Stop the attacks"], "en", "es") == ["Paren los ataques"]
    assert len(server.requests) == 2
    assert pauses and 0.2 < pauses[0] <= 0.3  # Retry-After was honoured before asking again


def test_429_every_time_fails_the_batch(libre):
    engine, server = libre
    server.script = [(429, {"Retry-After": "0.01"})] * 100
    engine.sleep = lambda seconds: None
    with pytest.raises(engines.RateLimited, match="429"):
        engine.translate(["Stop the attacks"], "en", "es")
    assert len(server.requests) == engine.retries + 1


def test_503_passes_after_a_retry(libre):
    engine, server = libre
    server.script = [(503, {})]
    engine.sleep = lambda seconds: None
    assert engine.translate(["Stop the attacks"], "en", "es") == ["Paren los ataques"]
    assert len(server.requests) == 2


@pytest.mark.parametrize("status, headers, error", [
    (500, {}, engines.EngineError), (502, {}, engines.EngineError), (400, {}, engines.EngineError),
    (404, {}, engines.EngineError), (429, {}, engines.RateLimited),  # 429 without Retry-After
    (429, {"Retry-After": "3600"}, engines.RateLimited),  # back in an hour: not worth waiting for
    (403, {}, engines.EngineUnavailable),
])
def test_errors_that_cannot_pass_are_not_retried(libre, status, headers, error):
    engine, server = libre
    server.script = [(status, headers)] * 10
    engine.sleep = lambda seconds: pytest.fail("no pause for an error that cannot pass")
    with pytest.raises(error) as raised:
        engine.translate(["Stop the attacks", "Solidarity with the workers!"], "en", "es")
    assert len(server.requests) == 1
    assert str(raised.value).startswith(f"libre: HTTP {status} from {engine.url}translate")
    assert "\n" not in str(raised.value)


def test_a_failed_batch_keeps_what_it_translated(libre):
    engine, server = libre
    texts = ["Stop the attacks", "Solidarity with the workers!", "We strike"]
    engine.translate(texts[:2], "en", "es")
    server.always = 500  # the first two texts are done (and cached), then the server breaks
    with pytest.raises(engines.EngineError) as raised:
        engine.translate(texts, "en", "es")
    assert raised.value.partial == ["Paren los ataques", "Solidaridad con los trabajadores!", None]


def test_http_500_costs_one_request_and_one_line_for_the_whole_run(libre, sample_project):
    """A LibreTranslate answering 500 to everything: one request, one line, the chain goes on."""
    engine, server = libre
    server.always = 500
    project = with_chain(sample_project, ["memory", "libre", "apertium"], f'[libre]\nurl = "{engine.url}"\n')
    started = time.monotonic()
    results, _ = run_recording_engines(project)
    assert time.monotonic() - started < 20
    assert len(server.requests) == 1
    es = results["es"]
    lines = [error for result in results.values() for error in result.errors if error.startswith("libre")]
    assert lines == [f"libre: HTTP 500 from {engine.url}translate; {es.pending} segments left to the next engine"]
    for lang in ("es", "fr"):
        assert results[lang].engines["apertium"] == results[lang].pending > 0
        assert results[lang].engines["libre"] == 0


def test_last_engine_of_the_chain_says_what_is_left(libre, sample_project, invoke):
    engine, server = libre
    server.always = 500
    with_chain(sample_project, ["memory", "libre"], f'[libre]\nurl = "{engine.url}"\n')
    result = invoke("pretranslate", "--lang", "de")
    assert result.exit_code == 0
    [line] = [line for line in result.output.splitlines() if "libre:" in line]
    assert line.startswith(f"chorus: warning: de: libre: HTTP 500 from {engine.url}translate; ")
    assert line.endswith(" segments left without a draft")


def test_timeouts_are_retried_a_bounded_number_of_times():
    """A server that takes connections and never answers: each try waits for the timeout."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []

    def accept():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        engine = engines.create("libre", {"url": url, "timeout": 0.3, "retries": 1, "backoff": 0.01})
        with pytest.raises(engines.EngineUnreachable, match=r"did not answer within 0.3 s \(2 tries\)"):
            engine.translate(["Hello", "World"], "en", "es")
        assert len(accepted) == 2
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


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


def with_chain(project: Project, chain: list[str], settings: str = "") -> Project:
    config = project.root / "chorus.toml"
    quoted = ", ".join(f'"{name}"' for name in chain)
    config.write_text(config.read_text().replace('default = ["memory", "apertium"]', f"default = [{quoted}]")
                      + "\n" + settings)
    return Project.load(project.root)


def run_recording_engines(project: Project, **options):
    made = {}

    def factory(name):
        made[name] = engines.for_project(name, project)
        return made[name]

    results = {r.lang: r for r in pretranslate(project, engine_factory=factory, **options)}
    return results, made


@pytest.mark.parametrize("name", ["libre", "apy"])
def test_unreachable_engine_fails_fast_once_per_run_and_the_chain_goes_on(sample_project, name):
    url = f"http://127.0.0.1:{free_port()}"
    project = with_chain(sample_project, ["memory", name, "apertium"], f'[{name}]\nurl = "{url}"\n')
    started = time.monotonic()
    results, made = run_recording_engines(project)
    assert time.monotonic() - started < 30
    assert made[name].requests_sent <= 1  # asked once in the whole run, not once per language
    es, fr, de = results["es"], results["fr"], results["de"]
    assert es.engines["apertium"] == es.pending > 0 and es.failed == 0
    [line] = [error for result in results.values() for error in result.errors if error.startswith(name)]
    assert line in es.errors and "did not answer (connection refused)" in line and url in line
    assert line.endswith(f"; {es.pending} segments left to the next engine")
    assert fr.engines["apertium"] == fr.pending > 0 and fr.failed == 0  # through Spanish
    assert de.failed == de.pending > 0  # no Apertium pair reaches German
    assert de.errors == ["apertium cannot translate en→de: no installed pair reaches de (chorus engines shows what can)"]
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
