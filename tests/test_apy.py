"""The apy engine against a real Apertium APy server started on loopback."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest
import requests

from chorus import engines
from chorus.engines.apertium import ApertiumEngine
from chorus.glossary import Glossary, Term, mask
from chorus.pretranslate import pretranslate
from tests.conftest import msgfmt_check


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def apy_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("apy") / "apy.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(["apertium-apy", "-p", str(port), "/usr/share/apertium"], stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/listPairs", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"apertium-apy did not start: {log.read_text()[-500:]}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_lists_pairs_of_the_server(apy_url):
    engine = engines.create("apy", {"url": apy_url})
    assert ("eng", "spa") in engine.pairs()
    assert engine.pair_status("en", "es").served
    status = engine.pair_status("en", "fr")
    assert not status.served and "no en→fr pair" in status.detail


def test_translates_like_local_apertium_without_marks(apy_url, tmp_path):
    engine = engines.create("apy", {"url": apy_url}, tmp_path / "cache")
    texts = ["Solidarity with the harbour workers!", "The Zorblaxian workers flibbered.", "Read <b>this</b> & that."]
    out = engine.translate(texts, "en", "es")
    assert out[0] == ApertiumEngine().translate([texts[0]], "en", "es")[0]
    assert "Zorblaxian" in out[1] and "*" not in out[1]
    assert "<b>" in out[2] and "&" in out[2]  # plain text, not HTML


def test_keeps_glossary_terms(apy_url):
    glossary = Glossary([Term("Trump")])
    masked = mask("Trump attacked the workers.", "es", glossary)
    out = engines.create("apy", {"url": apy_url}).translate([masked.text], "en", "es")[0]
    assert masked.restore(out).startswith("Trump ")


def test_unconfigured_and_unreachable_servers_are_clear():
    assert "no server configured" in engines.create("apy", {}).pair_status("en", "es").detail
    engine = engines.create("apy", {"url": f"http://127.0.0.1:{free_port()}", "timeout": 2})
    started = time.monotonic()
    with pytest.raises(engines.EngineError, match="did not answer"):
        engine.translate(["Hello"], "en", "es")
    assert time.monotonic() - started < 5


def test_pretranslate_with_apy_from_chorus_toml(apy_url, sample_project):
    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text() + f'\n[apy]\nurl = "{apy_url}"\n')
    from chorus.project import Project

    project = Project.load(sample_project.root)
    [result] = pretranslate(project, langs=["es"], engine="apy")
    assert result.pending > 0 and result.engines["apy"] == result.pending and result.failed == 0
    for slug in project.statements():
        msgfmt_check(project.catalog_path(slug, "es"))
