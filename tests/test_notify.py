"""Notifications for real: a mail server (aiosmtpd, with STARTTLS and a login) and a webhook
receiver that checks the Standard Webhooks signature, both on loopback; the queue's consumer
runs in the app's own threads, as under ``chorus serve``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chorus import notify
from chorus.errors import ChorusError
from chorus.ingest import apply, plan_add
from chorus.project import Project
from chorus.users import UserStore
from webui import create_app

from conftest import SAMPLES
from test_webui import PASSWORD, SLUG, logged_in, page_token, put, segments_of

SECRET = "whsec_" + base64.b64encode(b"a secret of thirty-two bytes!!!!").decode()
SMTP_PASSWORD = "mail-password-2024"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, timeout: float = 60, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


# --- a real mail server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it as smtp_cafile)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Mailbox:
    port: int
    cafile: Path
    messages: list = field(default_factory=list)
    logins: list = field(default_factory=list)
    tls: list = field(default_factory=list)
    controller: object = None

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def start_smtp(mailbox: Mailbox, cert: Path, key: Path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mailbox.tls.append(session.ssl is not None)
            mailbox.messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        mailbox.logins.append(auth_data.login.decode())
        return AuthResult(success=auth_data.login == b"chorus" and auth_data.password == SMTP_PASSWORD.encode())

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Handler(), hostname="127.0.0.1", port=mailbox.port, tls_context=context,
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=authenticator)
    controller.start()
    mailbox.controller = controller
    return controller


@pytest.fixture
def mailbox(certificate):
    box = Mailbox(free_port(), certificate[0])
    start_smtp(box, *certificate)
    yield box
    box.controller.stop()


# --- a real webhook receiver ------------------------------------------------------------------------


@dataclass
class Receiver:
    port: int
    fail_first: int = 0  # answer 500 to this many deliveries of the first event
    received: list = field(default_factory=list)  # (headers, body, verified by hand, verified by the library)
    server: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/chorus"

    def events(self) -> list[dict]:
        return [json.loads(body) for headers, body, mine, library, status in self.received if status == 200]


def verify_by_hand(secret: str, headers, body: bytes) -> bool:
    """The Standard Webhooks signature, checked from the spec: base64(HMAC-SHA256(key,
    "id.timestamp.body")), the key being the base64 after ``whsec_``; "v1," before it."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
    return fresh and any(part == f"v1,{expected}" for part in headers["webhook-signature"].split(" "))


def start_receiver(receiver: Receiver, secret: str = SECRET) -> Receiver:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {key.lower(): value for key, value in self.headers.items()}
            mine = verify_by_hand(secret, headers, body)
            try:
                Webhook(secret).verify(body, headers)
                library = True
            except WebhookVerificationError:
                library = False
            with receiver.lock:  # the first event is refused, whatever others arrive meanwhile
                first = receiver.received[0][0]["webhook-id"] if receiver.received else headers["webhook-id"]
                refused = sum(1 for *_, s in receiver.received if s == 500)
                status = 500 if headers["webhook-id"] == first and refused < receiver.fail_first else 200
                receiver.received.append((headers, body, mine, library, status))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


@pytest.fixture
def receiver():
    running = start_receiver(Receiver(free_port(), fail_first=2))
    yield running
    running.server.shutdown()


# --- the project ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    project = Project.create(tmp_path_factory.mktemp("notify") / "web", "en", ["es", "fr"])
    apply(project, plan_add(project, [SAMPLES / "stop-the-attacks.txt"]))
    accounts = UserStore.for_project(project)
    accounts.add("boss", PASSWORD, role="coordinator", email="boss@example.org")
    accounts.add("rita", PASSWORD, role="reviewer", langs=["es"], email="rita@example.org")
    accounts.add("rosa", PASSWORD, role="reviewer", langs=["es"], email="rosa@example.org")
    accounts.add("ana", PASSWORD, role="translator", langs=["es"], email="ana@example.org")
    accounts.add("fred", PASSWORD, role="translator", langs=["fr"], email="fred@example.org")
    accounts.add("noemi", PASSWORD, role="translator", langs=["es"])  # no mail address: no mail
    accounts.set_notify("rosa", ["added", "review", "comments"], "hourly")
    accounts.set_notify("fred", ["review", "comments"], "off")  # not told of new statements
    return project.root


def notify_settings(mailbox: Mailbox | None, receiver: Receiver | None, port: int | None = None) -> str:
    lines = ["[notify]", 'from = "Chorus <chorus@example.org>"', 'base_url = "http://chorus.example.org"',
             "retry_seconds = 0.3", "retries = 12"]
    if mailbox is not None or port is not None:
        lines += ['smtp_host = "127.0.0.1"', f"smtp_port = {port or mailbox.port}", 'smtp_user = "chorus"',
                  f'smtp_cafile = "{mailbox.cafile if mailbox else ""}"']
    if receiver is not None:
        lines += [f'webhooks = ["{receiver.url}"]', f'webhook_secret = "{SECRET}"']
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(template, tmp_path, monkeypatch) -> Project:
    monkeypatch.setenv("CHORUS_SMTP_PASSWORD", SMTP_PASSWORD)
    return Project.load(shutil.copytree(template, tmp_path / "web"))


@pytest.fixture
def running(project):
    """Start the app with its consumer once chorus.toml says where mail and events go."""
    apps = []

    def start(settings: str):
        path = project.root / "chorus.toml"
        path.write_text(path.read_text(encoding="utf-8") + "\n" + settings, encoding="utf-8")
        app = create_app(project.root, {"TESTING": True, "QUEUE_CONSUMER": True})
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.extensions["chorus_consumer"].stop()


def subjects(mailbox: Mailbox, address: str) -> list[str]:
    return [message["Subject"] for message in mailbox.to(address)]


# --- the tests ----------------------------------------------------------------------------------


def test_the_team_is_told_by_mail_and_webhooks_as_work_moves(project, running, mailbox, receiver):
    app = running(notify_settings(mailbox, receiver))
    boss, ana, rita = logged_in(app, "boss"), logged_in(app, "ana"), logged_in(app, "rita")
    added = boss.post("/api/statements", json={"text": "Nurses Strike\n\nWe stand with the nurses.\n\nFair pay now!\n",
                                                "deadline": "2031-05-01T18:00"}, headers={"X-CSRFToken": page_token(boss)})
    assert added.status_code == 201
    slug = added.get_json()["slug"]
    wait_for(lambda: subjects(mailbox, "ana@example.org") and subjects(mailbox, "rita@example.org"), what="mail")
    assert subjects(mailbox, "ana@example.org") == ["New statement to translate: Nurses Strike"]
    assert "http://chorus.example.org/" in mailbox.to("ana@example.org")[0].get_content()
    assert mailbox.logins and set(mailbox.logins) == {"chorus"} and all(mailbox.tls)  # STARTTLS, then the login
    wait_for(lambda: boss.get("/api/jobs").get_json()["jobs"][0]["state"] == "done", what="the drafts")

    # Ana translates every Spanish sentence: the reviewers are told it is ready for review
    token = page_token(ana)
    for item in segments_of(ana, slug=slug):
        assert put_in(ana, slug, item, f"ES {item['source']}", token).status_code == 200
    wait_for(lambda: subjects(mailbox, "rita@example.org")[1:], what="the review mail")
    assert subjects(mailbox, "rita@example.org")[1] == f"Ready for review: {slug} [es]"
    assert "filter=awaiting-approval" in mailbox.to("rita@example.org")[1].get_content()

    # Rita approves them: the coordinator is told it may be published
    token = page_token(rita)
    for item in segments_of(rita, slug=slug):
        response = rita.post(f"/api/statements/{slug}/es/segments/{item['id']}/approve",
                             json={"revision": item["revision"]}, headers={"X-CSRFToken": token})
        assert response.status_code == 200
    wait_for(lambda: subjects(mailbox, "boss@example.org"), what="the publish mail")
    assert subjects(mailbox, "boss@example.org") == [f"Ready to publish: {slug} [es]"]

    # a mention, and a reply to those who commented before
    first = segments_of(ana, slug=slug)[0]["id"]
    url = f"/api/statements/{slug}/es/segments/{first}/comments"
    ana.post(url, json={"text": "@rita ¿«huelga» o «paro»?"}, headers={"X-CSRFToken": page_token(ana)})
    wait_for(lambda: len(subjects(mailbox, "rita@example.org")) == 3, what="the mention")
    assert subjects(mailbox, "rita@example.org")[2] == f"ana mentioned you on {slug} [es]"
    rita.post(url, json={"text": "«Huelga»."}, headers={"X-CSRFToken": page_token(rita)})
    wait_for(lambda: len(subjects(mailbox, "ana@example.org")) == 2, what="the reply")
    assert subjects(mailbox, "ana@example.org")[1] == f"rita answered where you commented on {slug} [es]"
    assert "¿«huelga» o «paro»?" in mailbox.to("rita@example.org")[2].get_content()

    # choices: no mail for Fred (not told of new statements), nor Noemi (no address); Rosa reads a digest
    assert subjects(mailbox, "fred@example.org") == [] and subjects(mailbox, "rosa@example.org") == []
    project = Project.load(project.root)  # as chorus.toml is now
    assert notify.send_digests(project) == 0  # the oldest news is not an hour old yet
    assert notify.send_digests(project, time.time() + 3601) == 1
    wait_for(lambda: subjects(mailbox, "rosa@example.org"), what="the digest")
    assert subjects(mailbox, "rosa@example.org") == ["Chorus: 2 updates"]
    digest = mailbox.to("rosa@example.org")[0].get_content()
    assert "New statement to translate" in digest and "Ready for review" in digest and "mentioned" not in digest
    assert notify.send_digests(project, time.time() + 3700) == 0  # nothing new

    # every event reached the webhook, signed, after two refused attempts of the first one
    types = ["statement.added", "language.ready_for_review", "language.ready_to_publish", "comment.mention",
             "comment.reply"]
    wait_for(lambda: len(receiver.events()) == len(types), what="the webhooks")
    assert sorted(event["type"] for event in receiver.events()) == sorted(types)
    assert all(mine and library for _, _, mine, library, _ in receiver.received)
    first = receiver.received[0][0]["webhook-id"]
    tries = [(headers["webhook-timestamp"], status) for headers, *_, status in receiver.received
             if headers["webhook-id"] == first]
    assert [status for _, status in tries] == [500, 500, 200]  # the same event, tried again
    assert len(receiver.received) == len(types) + 2
    added_event = next(e for e in receiver.events() if e["type"] == "statement.added")
    assert added_event["data"]["statement"] == slug and added_event["data"]["languages"] == ["es", "fr"]


def put_in(client, slug: str, item: dict, text: str, token: str):
    return client.put(f"/api/statements/{slug}/es/segments/{item['id']}", json={"target": text, "revision": item["revision"]},
                      headers={"X-CSRFToken": token})


def test_a_mail_server_that_is_down_blocks_nothing_and_the_mail_follows(project, running, certificate):
    """The request only queues the mail: it is answered while no mail server exists at all;
    once one listens, the retries deliver."""
    port = free_port()
    box = Mailbox(port, certificate[0])
    app = running(notify_settings(box, None, port))
    ana = logged_in(app, "ana")
    token = page_token(ana)
    items = segments_of(ana)
    for item in items:
        assert put(ana, item["id"], f"ES {item['source']}", item["revision"], token=token).status_code == 200
    time.sleep(1.5)  # a few attempts fail meanwhile
    start_smtp(box, *certificate)
    try:
        wait_for(lambda: box.to("rita@example.org"), what="the mail, tried again")
    finally:
        box.controller.stop()
    assert [m["Subject"] for m in box.to("rita@example.org")] == [f"Ready for review: {SLUG} [es]"]


def test_a_deadline_two_hours_away_with_work_left_is_told_once(project, running, mailbox):
    import datetime as dt

    app = running(notify_settings(mailbox, None))
    soon = (dt.datetime.now().astimezone() + dt.timedelta(minutes=90)).isoformat(timespec="minutes")
    later = (dt.datetime.now().astimezone() + dt.timedelta(hours=5)).isoformat(timespec="minutes")
    boss = logged_in(app, "boss")
    boss.post("/api/statements", json={"text": "Later\n\nAnother day.\n", "deadline": later},
              headers={"X-CSRFToken": page_token(boss)})
    from chorus.deadline import parse, set_deadline

    set_deadline(project, SLUG, parse(soon))
    project = Project.load(project.root)  # as chorus.toml is now
    notify.remind(project)  # (the consumer's every-minute task may run it too)
    assert notify.remind(project) == 0  # once per deadline
    wait_for(lambda: [s for s in subjects(mailbox, "ana@example.org") if s.startswith("Due")], what="the reminder")
    time.sleep(2)  # anything sent twice would arrive meanwhile
    reminders = [m for m in mailbox.to("ana@example.org") if m["Subject"].startswith("Due")]
    assert [m["Subject"] for m in reminders] == ["Due in less than two hours: Stop the Attacks on the Harbour Workers"]
    assert "es, fr" in reminders[0].get_content()
    assert not [s for s in subjects(mailbox, "boss@example.org") if s.startswith("Due")]


def test_nothing_is_queued_without_notify_settings(project):
    app = create_app(project.root, {"TESTING": True})
    ana = logged_in(app, "ana")
    item = segments_of(ana)[0]
    assert put(ana, item["id"], "Hola", item["revision"], token=page_token(ana)).status_code == 200
    assert not (project.private_dir / "queue.sqlite3").exists()


@pytest.mark.parametrize("settings, message", [
    ('[notify]\nsmtp_host = "127.0.0.1"\n', "needs from"),
    ('[notify]\nwebhooks = ["http://127.0.0.1:9/x"]\n', "set webhook_secret"),
    ('[notify]\nwebhooks = ["http://127.0.0.1:9/x"]\nwebhook_secret = "not base64!"\n', "not a Standard Webhooks secret"),
    ('[notify]\nwebhooks = "http://127.0.0.1:9/x"\n', "list of http"),
    ('[notify]\nsmtp_host = "127.0.0.1"\nfrom = "a@b.org"\nsmtp_port = 70000\n', "smtp_port must be a number"),
])
def test_bad_notify_settings_are_one_clear_error(project, settings, message):
    path = project.root / "chorus.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + settings, encoding="utf-8")
    with pytest.raises(ChorusError, match=message):
        notify.settings(Project.load(project.root))
