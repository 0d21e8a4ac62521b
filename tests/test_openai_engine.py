"""The ``openai`` engine against a local server that speaks the chat-completions API.

The server stands in for a llama.cpp server or Ollama: it reads the request the way a model
would (the statement, the glossary, the segments asked for) and answers with a JSON object
of translations, word by word. Tests make it answer badly in each way a model can.
"""

from __future__ import annotations

import json
import re

import pytest

from chorus import catalog, engines
from chorus.engines.openai import check_answer, parse_answer
from chorus.ingest import apply, plan_add
from chorus.pretranslate import pretranslate
from chorus.project import Project
from tests.conftest import msgfmt_check
from tests.servers import JSONHandler, serving

WORDS = {"stop": "paren", "the": "los", "attacks": "ataques", "on": "en", "workers": "trabajadores",
         "solidarity": "solidaridad", "with": "con", "we": "nosotros", "stand": "estamos", "at": "en",
         "read": "lean", "our": "nuestro", "report": "informe", "and": "y", "sign": "firmen", "letter": "carta",
         "harbour": "puerto", "guards": "guardias", "attacked": "atacaron", "joins": "se une a"}

STATEMENT = """Stop the Attacks on the Harbour Workers

The guards attacked the picket line. The Harbour Solidarity Network joins the picket line.

Read [our report][1] and sign the letter at https://dock.example.org/letter

Solidarity with the workers!
"""


def fake_translation(text: str, glossary: list[dict]) -> str:
    """What the stand-in model writes: glossary first (fixed terms inflected), then word by word."""
    kept: list[str] = []

    def hold(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    for item in glossary:
        replacement = item["term"] if item.get("keep") else item["translation"] + "s"  # inflected
        text = re.sub(re.escape(item["term"]), lambda m, r=replacement: hold(r), text, flags=re.I)
    text = re.sub(r"https?://\S+|\]\[\d+\]", lambda m: hold(m.group()), text)
    text = re.sub(r"[A-Za-z]+", lambda m: _word(m.group()), text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _word(word: str) -> str:
    out = WORDS.get(word.lower(), word)
    return out.capitalize() if word[0].isupper() else out


class ChatLike(JSONHandler):
    """POST /v1/chat/completions. ``server.fault`` picks a bad answer; ``server.status`` an error."""

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": "not found"})
        if server.status:
            return self.reply(server.status, {"error": {"message": "scripted"}})
        asked_for = json.loads(body["messages"][1]["content"])
        sources = {item["segment"]: item["source"] for item in asked_for["statement"]}
        answer = {n: fake_translation(sources[n], asked_for["glossary"]) for n in asked_for["translate segments"]}
        content, finish = self.spoil(answer, asked_for["translate segments"])
        self.reply(200, {"id": "x", "object": "chat.completion", "model": body["model"],
                         "choices": [{"index": 0, "finish_reason": finish,
                                      "message": {"role": "assistant", "content": content}}]})

    def spoil(self, answer: dict, asked: list[str]) -> tuple[str, str]:
        fault, first = self.server.fault, asked[0]
        if fault == "missing":
            del answer[first]
        elif fault == "url lost":
            answer = {n: re.sub(r"https?://\S+", "la web", text) for n, text in answer.items()}
        elif fault == "term lost":
            answer = {n: text.replace("Harbour Solidarity Network", "Red de Solidaridad") for n, text in answer.items()}
        elif fault == "fixed term lost":
            answer = {n: text.replace("piquetes", "línea") for n, text in answer.items()}
        elif fault == "extra text":
            answer[first] += " (Note: this translation keeps the original tone of the statement, as asked.)" * 3
        elif fault == "extra line":
            answer[first] += "\nTranslated by the model."
        content = json.dumps(answer, ensure_ascii=False)
        if fault == "prose":
            content = "Here are the translations:\n" + content
        elif fault == "fence":
            content = "```json\n" + content + "\n```"
        return content, "length" if fault == "cut off" else "stop"


@pytest.fixture(scope="module")
def chat_server():
    with serving(ChatLike, requests=[], fault=None, status=None) as server:
        yield server


@pytest.fixture
def chat(chat_server, monkeypatch):
    chat_server.requests.clear()
    chat_server.fault = chat_server.status = None
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return chat_server, f"http://127.0.0.1:{chat_server.server_address[1]}/v1"


@pytest.fixture
def llm_project(project, chat, invoke):
    """A statement, a glossary, and the chain memory → openai → apertium for Spanish."""
    _, url = chat
    path = project.root / "harbour.txt"
    path.write_text(STATEMENT)
    apply(project, plan_add(project, [path]))
    invoke("glossary", "add", "Harbour Solidarity Network")
    invoke("glossary", "add", "picket line", "--lang", "es", "--translation", "piquete")
    invoke("glossary", "add", "Trump")  # not in the statement: not sent
    config = project.root / "chorus.toml"
    config.write_text(config.read_text().replace('default = ["memory", "apertium"]',
                                                 'default = ["memory", "openai", "apertium"]')
                      + f'\n[openai]\nurl = "{url}"\nmodel = "test-model"\n')
    return Project.load(project.root)


def drafts(project, lang="es"):
    return {e.msgid: e for e in catalog.read(project.catalog_path("harbour", lang)) if e.msgid}


def test_a_whole_statement_in_one_request_with_kinds_and_glossary(llm_project, chat):
    server, url = chat
    [result] = pretranslate(llm_project, langs=["es"])
    assert result.engines["openai"] == result.pending == 5 and result.failed == 0 and not result.errors
    assert len(server.requests) == 1
    [request] = server.requests
    body = request["body"]
    assert body["model"] == "test-model" and request["auth"] is None  # a local server: no key needed
    assert "from English (en) into Spanish (es)" in body["messages"][0]["content"]
    content = json.loads(body["messages"][1]["content"])
    assert [(item["kind"], item["source"]) for item in content["statement"]] == [
        ("title", "Stop the Attacks on the Harbour Workers"),
        ("paragraph", "The guards attacked the picket line."),
        ("paragraph", "The Harbour Solidarity Network joins the picket line."),
        ("paragraph", "Read [our report][1] and sign the letter at https://dock.example.org/letter"),
        ("slogan", "Solidarity with the workers!"),
    ]
    assert content["glossary"] == [{"term": "picket line", "translation": "piquete"},
                                   {"term": "Harbour Solidarity Network", "keep": True}]
    assert content["translate segments"] == [item["segment"] for item in content["statement"]]
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == content["translate segments"] and schema["additionalProperties"] is False
    es = drafts(llm_project)
    assert all(catalog.origin(e) == "mt openai test-model" and catalog.state(e) == "fuzzy" for e in es.values())
    assert es["The guards attacked the picket line."].msgstr == "Los guardias atacaron los piquetes."
    assert "Harbour Solidarity Network" in es["The Harbour Solidarity Network joins the picket line."].msgstr
    msgfmt_check(llm_project.catalog_path("harbour", "es"))


def test_reviewed_segments_are_context_not_asked_for(llm_project, chat):
    server, _ = chat
    with catalog.editing(llm_project.catalog_path("harbour", "es")) as po:
        entry = po.find("The guards attacked the picket line.")
        entry.msgstr = "Los guardias atacaron el piquete."
        catalog.set_state(entry, "approved")
    pretranslate(llm_project, langs=["es"])
    content = json.loads(server.requests[0]["body"]["messages"][1]["content"])
    [reviewed] = [item for item in content["statement"] if item["source"] == "The guards attacked the picket line."]
    assert reviewed["translated by volunteers"] == "Los guardias atacaron el piquete."
    assert reviewed["segment"] not in content["translate segments"]
    assert drafts(llm_project)["The guards attacked the picket line."].msgstr == "Los guardias atacaron el piquete."


def test_long_statements_go_in_a_few_requests_each_with_the_whole_statement(llm_project, chat):
    server, _ = chat
    config = llm_project.root / "chorus.toml"
    config.write_text(config.read_text() + "segments_per_request = 2\n")
    [result] = pretranslate(Project.load(llm_project.root), langs=["es"])
    assert result.engines["openai"] == result.pending
    asked = [json.loads(r["body"]["messages"][1]["content"]) for r in server.requests]
    assert [len(a["translate segments"]) for a in asked] == [2] * (result.pending // 2) + [1] * (result.pending % 2)
    assert all(len(a["statement"]) == len(asked[0]["statement"]) for a in asked)


@pytest.mark.parametrize("fault, reason, bad", [
    ("missing", "missing from the answer", 1),
    ("url lost", "'https://dock.example.org/letter' missing", 1),
    ("term lost", "protected term 'Harbour Solidarity Network' missing", 1),
    ("fixed term lost", "fixed translation 'piquete' of 'picket line' missing", 2),
    ("extra text", "extra text in the answer", 1),
    ("extra line", "extra lines in the answer", 1),
    ("prose", "the answer was not one JSON object", 5),
    ("cut off", "no answer (cut off)", 5),
])
def test_a_bad_answer_is_an_error_for_its_segments_and_the_next_engine_drafts_them(llm_project, chat, fault,
                                                                                   reason, bad):
    server, _ = chat
    server.fault = fault
    [result] = pretranslate(llm_project, langs=["es"])
    assert (result.engines["openai"], result.engines["apertium"], result.failed) == (5 - bad, bad, 0)
    [line] = result.errors
    assert line.startswith(f"openai: {bad} of 5 segments of harbour not used: #") and reason in line
    origins = [catalog.origin(e) for e in drafts(llm_project).values()]
    assert origins.count("mt apertium") == bad
    msgfmt_check(llm_project.catalog_path("harbour", "es"))


def test_an_answer_in_a_code_fence_is_accepted(llm_project, chat):
    server, _ = chat
    server.fault = "fence"
    [result] = pretranslate(llm_project, langs=["es"])
    assert result.engines["openai"] == 5 and not result.errors


def test_http_error_is_one_request_one_line_and_the_chain_goes_on(llm_project, chat):
    server, url = chat
    server.status = 500
    results = pretranslate(llm_project)  # es, fr, de
    assert len(server.requests) == 1
    lines = [line for result in results for line in result.errors if line.startswith("openai")]
    assert lines == [f"openai: HTTP 500 from {url}/chat/completions; 5 segments left to the next engine"]
    assert results[0].engines["apertium"] == 5


def test_a_refused_key_is_one_line(llm_project, chat, monkeypatch):
    server, url = chat
    server.status = 401
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    [result] = pretranslate(llm_project, langs=["es"])
    assert server.requests[0]["auth"] == "Bearer sk-wrong"
    assert result.errors[0].startswith(f"openai: HTTP 401 from {url}/chat/completions (the API key was refused)")


def test_answers_are_cached(llm_project, chat):
    server, _ = chat
    pretranslate(llm_project, langs=["es"])
    pretranslate(llm_project, langs=["es"], force=True)
    assert len(server.requests) == 1
    assert all(catalog.origin(e) == "mt openai test-model" for e in drafts(llm_project).values())


def test_configuration_problems_say_what_to_set(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    no_model = engines.create("openai", {"url": "http://localhost:8080/v1"}).pair_status("en", "es")
    assert not no_model.served and "[openai] model" in no_model.fix
    hosted = engines.create("openai", {"model": "gpt-4o-mini"}).pair_status("en", "es")
    assert not hosted.served and hosted.fix == "export OPENAI_API_KEY=<your key>"
    local = engines.create("openai", {"url": "http://localhost:8080/v1", "model": "m"}).pair_status("en", "ar")
    assert local.served and local.detail == "model m at http://localhost:8080/v1 (not checked)"


def test_parse_answer_takes_one_json_object_only():
    assert parse_answer('{"1": "a"}') == {"1": "a"}
    assert parse_answer('```json\n{"1": "a"}\n```') == {"1": "a"}
    assert parse_answer('Sure! {"1": "a"}') is None
    assert parse_answer('["a"]') is None
    assert parse_answer("") is None
    from chorus.engines.base import Passage, StatementJob

    job = StatementJob("s", "en", "es", [])
    asked = {"1": Passage("k", "Hello"), "2": Passage("j", "World")}
    assert check_answer('{"1": "Hola", "2": "Mundo", "3": "extra"}', asked, job) == ({"1": "Hola", "2": "Mundo"}, [])
