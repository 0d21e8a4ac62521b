"""The suggestions panel's core and its JSON route: the real Apertium, local servers standing in
for online engines (LibreTranslate's API and the chat-completions API), engines that fail, the
cache, the page without JavaScript, protection of glossary terms and escaping."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from chorus import editing
from chorus.editing import Editor
from chorus.glossary import Glossary
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.suggest import suggest
from chorus.users import UserStore
from tests.conftest import SAMPLES
from tests.servers import serving
from tests.test_online_engines import LibreLike, with_chain
from tests.test_openai_engine import ChatLike
from tests.test_apy import free_port
from tests.test_webui import PASSWORD, SLUG, logged_in
from webui import create_app

TITLE = "Stop the Attacks on the Harbour Workers"
SLOGAN = "Solidarity with the harbour workers!"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    project = Project.create(tmp_path_factory.mktemp("suggest") / "p", "en", ["es", "fr", "de"])
    apply(project, plan_add(project, sorted(SAMPLES.glob("*.txt"))))
    accounts = UserStore.for_project(project)
    accounts.add("ana", PASSWORD, role="translator", langs=["es"])
    accounts.add("rita", PASSWORD, role="reviewer", langs=["es"])
    return project.root


@pytest.fixture
def project(template, tmp_path) -> Project:
    return Project.load(shutil.copytree(template, tmp_path / "p"))


@pytest.fixture(scope="module")
def libre_server():
    with serving(LibreLike, requests=[], script=[], always=None) as server:
        yield server


@pytest.fixture(scope="module")
def chat_server():
    with serving(ChatLike, requests=[], fault=None, status=None) as server:
        yield server


@pytest.fixture
def online(libre_server, chat_server, monkeypatch):
    """Both stand-in servers, answering well; their addresses."""
    for server in (libre_server, chat_server):
        server.requests.clear()
    libre_server.script.clear()
    libre_server.always = None
    chat_server.fault = chat_server.status = None
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return (f"http://127.0.0.1:{libre_server.server_address[1]}/",
            f"http://127.0.0.1:{chat_server.server_address[1]}/v1")


def client_for(project: Project, name: str = "ana"):
    return logged_in(create_app(project.root, {"TESTING": True}), name)


def segment_of(project: Project, source: str, lang: str = "es", slug: str = SLUG) -> editing.Segment:
    return next(s for s in editing.load(project.catalog_path(slug, lang)) if s.source == source)


def url(seg: editing.Segment, lang: str = "es", slug: str = SLUG) -> str:
    return f"/api/statements/{slug}/{lang}/segments/{seg.id}/suggestions"


def by_engine(answer: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for item in answer["suggestions"]:
        found.setdefault(item["engine"], []).append(item)
    return found


# --- the real Apertium ----------------------------------------------------------------------


def test_apertium_direct_and_pivot_and_a_language_it_cannot_reach(project):
    client = client_for(project)
    title_es, title_fr, title_de = (segment_of(project, TITLE, lang) for lang in ("es", "fr", "de"))

    es = client.get(url(title_es, "es"))
    assert es.status_code == 200
    [apertium] = by_engine(es.get_json())["apertium"]
    assert apertium["origin"] == "mt apertium" and apertium["error"] is None
    assert "ataques" in apertium["text"].lower()  # Spanish, from the engine
    assert "*" not in apertium["text"]

    [pivot] = by_engine(client.get(url(title_fr, "fr")).get_json())["apertium"]
    assert pivot["origin"] == "mt apertium en>es>fr" and "attaques" in pivot["text"].lower()

    de = client.get(url(title_de, "de")).get_json()
    [line] = by_engine(de)["apertium"]
    assert line["text"] is None and "cannot translate en→de" in line["error"]
    assert [item["engine"] for item in de["suggestions"]] == ["memory", "apertium"]  # the chain's order


def test_names_and_glossary_terms_are_protected_as_in_pretranslation(project):
    with Glossary.editing(project) as glossary:
        glossary.add("Harbour Workers")  # keep as written
        glossary.add("attacks", "es", "agresiones")  # a fixed translation
    found = suggest(project, SLUG, "es", segment_of(project, TITLE).id)
    [apertium] = [p for p in found.proposals if p.engine == "apertium"]
    assert "Harbour Workers" in apertium.text
    assert "Agresiones" in apertium.text or "agresiones" in apertium.text


def test_memory_matches_with_their_score_and_not_the_segment_itself(project):
    """A volunteer translated a similar sentence in another statement: the memory offers it."""
    other = project.root / "source-other.txt"
    other.write_text("Monday, March 4, 2024\n\nStop the Attacks on the Dock Workers\n\nWe stand with them.\n")
    apply(project, plan_add(project, [other], slug="dock-workers"))
    ana = UserStore.for_project(project).require("ana")
    editor = Editor(project)
    similar = segment_of(project, "Stop the Attacks on the Dock Workers", slug="dock-workers")
    editor.save("dock-workers", "es", similar.id, "Paren los ataques contra los estibadores", similar.revision, ana)
    mine = segment_of(project, TITLE)
    editor.save(SLUG, "es", mine.id, "Mi propia traducción", mine.revision, ana)

    answer = client_for(project).get(url(mine)).get_json()
    memory = by_engine(answer)["memory"]
    assert [m["text"] for m in memory] == ["Paren los ataques contra los estibadores"]  # not its own text
    assert memory[0]["slug"] == "dock-workers" and 75 <= memory[0]["score"] < 100
    assert memory[0]["origin"] == f"tm {memory[0]['score']}% dock-workers"
    assert memory[0]["source"] == "Stop the Attacks on the Dock Workers"


# --- online engines through local servers, and failures -------------------------------------


def test_each_engine_of_the_chain_and_a_failing_one_is_one_line(project, online, libre_server):
    libre_url, chat_url = online
    libre_server.always = 500
    project = with_chain(project, ["memory", "openai", "libre", "apertium", "apy"],
                        f'[openai]\nurl = "{chat_url}"\nmodel = "test-model"\n'
                        f'[libre]\nurl = "{libre_url}"\n'
                        f'[apy]\nurl = "http://127.0.0.1:{free_port()}"\n')
    slogan = segment_of(project, SLOGAN)
    response = client_for(project).get(url(slogan))
    assert response.status_code == 200
    found = by_engine(response.get_json())
    assert list(found) == ["memory", "openai", "libre", "apertium", "apy"]
    assert found["openai"][0]["text"] == "Solidaridad con los puerto trabajadores!"
    assert found["openai"][0]["origin"] == "mt openai test-model"
    assert found["libre"][0]["text"] is None
    assert found["libre"][0]["error"] == f"libre: HTTP 500 from {libre_url}translate"
    assert len(libre_server.requests) == 1  # a hard failure is not retried
    assert found["apy"][0]["text"] is None and "did not answer" in found["apy"][0]["error"]
    assert found["apertium"][0]["text"]  # the others still answer


def test_the_online_engine_answers_and_a_second_look_is_free(project, online, libre_server):
    libre_url, _ = online
    project = with_chain(project, ["libre"], f'[libre]\nurl = "{libre_url}"\n')
    client = client_for(project)
    slogan = segment_of(project, SLOGAN)
    first = client.get(url(slogan)).get_json()
    assert first["suggestions"] == [{"engine": "libre", "origin": "mt libre", "text": "Solidaridad con los harbour trabajadores!",
                                     "error": None, "score": None, "source": None, "slug": None, "state": None,
                                     "cached": False}]
    asked = len(libre_server.requests)
    second = client.get(url(slogan)).get_json()
    assert second["suggestions"][0]["text"] == first["suggestions"][0]["text"]
    assert second["suggestions"][0]["cached"] is True
    assert len(libre_server.requests) == asked  # nothing sent the second time
    assert (project.private_dir / "cache" / "suggestions.sqlite3").is_file()
    refreshed = client.get(url(slogan) + "?refresh=1").get_json()  # the panel's cache is passed by
    assert refreshed["suggestions"][0]["cached"] is False


def test_a_failure_is_not_kept_for_long(project, online, libre_server, monkeypatch):
    libre_url, _ = online
    project = with_chain(project, ["libre"], f'[libre]\nurl = "{libre_url}"\n')
    seg = segment_of(project, SLOGAN)
    libre_server.always = 500
    assert suggest(project, SLUG, "es", seg.id).proposals[0].error
    libre_server.always = None
    assert suggest(project, SLUG, "es", seg.id).proposals[0].cached  # within RETRY_FAILED: not asked
    monkeypatch.setattr("chorus.suggest.RETRY_FAILED", 0)
    again = suggest(project, SLUG, "es", seg.id).proposals[0]
    assert again.text == "Solidaridad con los harbour trabajadores!" and not again.cached


def test_an_engine_answering_separators_gives_a_clean_proposal(project):
    from tests.test_pretranslate_clean import Noisy

    found = suggest(project, SLUG, "es", segment_of(project, SLOGAN).id, factory=lambda name: Noisy())
    [proposal] = [p for p in found.proposals if p.engine == "apertium"]
    assert proposal.text == "¡Solidaridad con los trabajadores del puerto!"


# --- the route's refusals and the page without JavaScript -----------------------------------


def test_unknown_names_and_anonymous_requests(project):
    anonymous = create_app(project.root, {"TESTING": True}).test_client()
    seg = segment_of(project, TITLE)
    assert anonymous.get(url(seg)).status_code == 401
    client = client_for(project)
    assert client.get(f"/api/statements/{SLUG}/es/segments/nope/suggestions").status_code == 404
    assert client.get(f"/api/statements/nope/es/segments/{seg.id}/suggestions").status_code == 404
    assert client.get(f"/api/statements/{SLUG}/xx/segments/{seg.id}/suggestions").status_code == 404
    assert client.get(f"/api/statements/a%20b/es/segments/{seg.id}/suggestions").status_code == 404


def test_the_page_opens_the_panel_without_javascript_and_use_fills_the_field(project):
    client = client_for(project)
    seg = segment_of(project, TITLE)
    closed = client.get(f"/review/{SLUG}/es").get_data(as_text=True)
    assert f'href="/review/{SLUG}/es?filter=all&amp;suggest={seg.id}#seg-{seg.id}"' in closed
    assert "proposal-list" not in closed  # nothing asked on a plain page load
    assert not (project.private_dir / "cache" / "suggestions.sqlite3").exists()

    opened = client.get(f"/review/{SLUG}/es?suggest={seg.id}").get_data(as_text=True)
    assert opened.count('class="proposal-list"') == 1
    apertium = suggest(project, SLUG, "es", seg.id).usable[0].text
    assert f'data-role="proposal">{apertium}</span>' in opened
    assert 'aria-keyshortcuts="Alt+1"' in opened and 'aria-expanded="true"' in opened

    filled = client.get(f"/review/{SLUG}/es?suggest={seg.id}&use=1").get_data(as_text=True)
    field = re.search(rf'<textarea id="t-{seg.id}"[^>]*>([^<]*)</textarea>', filled).group(1)
    assert field == apertium
    assert editing.load(project.catalog_path(SLUG, "es"))[seg.index].target == ""  # not saved
    for bad in ("99", "x", "0"):  # a proposal that is not there leaves the field as it is
        page = client.get(f"/review/{SLUG}/es?suggest={seg.id}&use={bad}").get_data(as_text=True)
        assert re.search(rf'<textarea id="t-{seg.id}"[^>]*></textarea>', page)
    assert client.get(f"/review/{SLUG}/es?suggest=nope").status_code == 200  # an unknown id: no panel


def test_proposals_are_escaped(project):
    other = project.root / "other.txt"
    other.write_text("Stop the Attacks on the Harbour Workers now\n\nWe stand with them.\n")
    apply(project, plan_add(project, [other], slug="other"))
    ana = UserStore.for_project(project).require("ana")
    similar = segment_of(project, "Stop the Attacks on the Harbour Workers now", slug="other")
    Editor(project).save("other", "es", similar.id, "<script>alert(1)</script>", similar.revision, ana)
    seg = segment_of(project, TITLE)
    page = client_for(project).get(f"/review/{SLUG}/es?suggest={seg.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
