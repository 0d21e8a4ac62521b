"""Telling people that work is waiting: mail to the volunteers concerned, JSON to webhooks.

Events (the ``type`` a webhook receives; the choice a user makes on their account page):

| type | told by mail | choice |
|---|---|---|
| ``statement.added`` | translators and reviewers of each language | ``added`` |
| ``language.ready_for_review`` | the language's reviewers | ``review`` |
| ``language.ready_to_publish`` | coordinators | ``publish`` |
| ``comment.mention``, ``comment.reply`` | the one named (``@ana``), those who commented before | ``comments`` |
| ``deadline.soon`` | translators and reviewers of the languages with work left, 2 hours before | ``deadline`` |

Nothing here runs in a request: the request (or command) queues ``announce`` (:mod:`chorus.queue`),
and the consumer works out the recipients, then queues one ``mail`` per person (or keeps it for
their digest) and one ``webhook`` per receiver, each retried with growing delays. Nothing is
queued when ``[notify]`` sets neither a mail server nor webhooks.

    [notify]
    smtp_host = "mail.example.org"
    smtp_port = 587
    smtp_user = "chorus"              # the password comes from CHORUS_SMTP_PASSWORD
    from = "Chorus <chorus@example.org>"
    base_url = "https://translate.example.org"   # links in mails
    webhooks = ["https://cms.example.org/hooks/chorus"]
    webhook_secret = "whsec_..."      # or CHORUS_WEBHOOK_SECRET
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

from . import database, editing
from .errors import ChorusError
from .project import Project
from .records import iso

log = logging.getLogger(__name__)

FILE_NAME = "notify.sqlite3"
CHOICE = {
    "statement.added": "added",
    "language.ready_for_review": "review",
    "language.ready_to_publish": "publish",
    "comment.mention": "comments",
    "comment.reply": "comments",
    "deadline.soon": "deadline",
}
DIGEST_SECONDS = {"hourly": 3600, "daily": 24 * 3600}
MENTION = re.compile(r"(?<![\w@])@([^\s@,;:!?()\[\]{}<>\"'«»“”]+)")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, user TEXT NOT NULL, event TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS digests (user TEXT PRIMARY KEY, sent REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reminders (slug TEXT NOT NULL, deadline TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (slug, deadline));
"""


# --- settings -----------------------------------------------------------------------------------


def settings(project: Project) -> dict:
    """The ``[notify]`` table, checked, with defaults (a bad value is a :class:`ChorusError`)."""
    table = project.config.settings.get("notify", {})
    if not isinstance(table, dict):
        raise ChorusError("chorus.toml: [notify] must be a table")

    def text(key: str, default=None):
        value = table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ChorusError(f"chorus.toml: [notify] {key} must be a string")
        return value

    def number(key: str, default, low: float, high: float):
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ChorusError(f"chorus.toml: [notify] {key} must be a number from {low:g} to {high:g}")
        return value

    hooks = table.get("webhooks", [])
    if not isinstance(hooks, list) or not all(isinstance(url, str) and url.startswith(("http://", "https://"))
                                              for url in hooks):
        raise ChorusError('chorus.toml: [notify] webhooks must be a list of http(s) URLs: ["https://…"]')
    found = {
        "smtp_host": text("smtp_host"), "smtp_port": int(number("smtp_port", 25, 1, 65535)),
        "smtp_user": text("smtp_user"), "smtp_cafile": text("smtp_cafile"), "from": text("from"),
        "base_url": (text("base_url") or "").rstrip("/"), "webhooks": hooks,
        "webhook_secret": os.environ.get("CHORUS_WEBHOOK_SECRET") or text("webhook_secret"),
        "retries": int(number("retries", 8, 0, 100)), "retry_seconds": number("retry_seconds", 30, 0.1, 86400),
    }
    if found["smtp_host"] and not found["from"]:
        raise ChorusError('chorus.toml: [notify] needs from = "Chorus <chorus@example.org>" with smtp_host')
    if hooks:
        if not found["webhook_secret"]:
            raise ChorusError("chorus.toml: [notify] webhooks are signed: set webhook_secret "
                              "(or CHORUS_WEBHOOK_SECRET) to a secret such as whsec_ and 32 base64 bytes")
        from .webhooks import signer

        try:
            signer(found["webhook_secret"])
        except ValueError as error:
            raise ChorusError(f"chorus.toml: [notify] {error}") from None
    return found


def configured(project: Project) -> bool:
    """Whether anything would be sent (a mail server or webhooks)."""
    table = project.config.settings.get("notify")
    return isinstance(table, dict) and bool(table.get("smtp_host") or table.get("webhooks"))


def retry_settings(project: Project) -> dict:
    try:
        found = settings(project)
    except ChorusError:
        found = {"retries": 8, "retry_seconds": 30}
    return {"retries": found["retries"], "delay": found["retry_seconds"]}


# --- events ------------------------------------------------------------------------------------


def announce(project: Project, kind: str, data: dict) -> None:
    """Queue an event (``kind`` from :data:`CHOICE`); nothing when nothing is configured. A
    queue that cannot be written is logged: telling people must not undo the work itself."""
    if not configured(project):
        return
    event = {"id": f"msg_{uuid.uuid4().hex}", "type": kind, "timestamp": iso(time.time()), "data": data}
    try:
        from .queue import enqueue

        enqueue(project, "announce", event)
    except Exception:  # noqa: BLE001 — the change is made; the log says what was not told
        log.exception("could not queue %s", kind)


def statements_added(project: Project, slugs: list[str]) -> None:
    if not configured(project):
        return
    from .index import Index

    index = Index(project)
    index.refresh(slugs, sweep=None)
    for item in index.items(slugs, list(project.config.langs)):
        announce(project, "statement.added", {
            "statement": item["slug"], "title": item["title"], "deadline": item["deadline"],
            "languages": [row["lang"] for row in item["languages"]]})


def _after_save(saved: editing.Saved) -> None:
    """A language becomes ready for review (no work left) or ready to publish."""
    if not configured(saved.project):
        return
    before, after = saved.change.counts_before, saved.change.counts_after
    data = {"statement": saved.slug, "lang": saved.lang, "by": saved.user,
            "counts": {state: after.get(state, 0) for state in ("untranslated", "fuzzy", "translated", "approved")}}
    if before["untranslated"] + before["fuzzy"] > 0 and after["untranslated"] + after["fuzzy"] == 0 \
            and after["translated"] > 0:
        announce(saved.project, "language.ready_for_review", data)
    policy = saved.project.config.policy
    if not policy.ready(before) and policy.ready(after):
        announce(saved.project, "language.ready_to_publish", data)


def _after_comment(done: editing.Commented) -> None:
    if not configured(done.project):
        return
    named = list(dict.fromkeys(MENTION.findall(done.text)))
    data = {"statement": done.slug, "lang": done.lang, "segment": done.segment.id, "source": done.segment.source,
            "by": done.user, "text": done.text}
    mentioned = [name for name in named if name != done.user]
    if mentioned:
        announce(done.project, "comment.mention", {**data, "to": mentioned})
    replied = [name for name in done.earlier if name != done.user and name not in mentioned]
    if replied:
        announce(done.project, "comment.reply", {**data, "to": replied})


if _after_save not in editing.AFTER_SAVE:
    editing.AFTER_SAVE.append(_after_save)
if _after_comment not in editing.AFTER_COMMENT:
    editing.AFTER_COMMENT.append(_after_comment)


# --- delivery (in the queue's consumer) ----------------------------------------------------------


def recipients(project: Project, event: dict, users) -> list:
    """Who is told of ``event`` (before their own choices)."""
    data, kind = event["data"], event["type"]
    if kind in ("comment.mention", "comment.reply"):
        wanted = set(data.get("to", []))
        return [user for user in users if user.name in wanted]
    if kind == "language.ready_to_publish":
        return [user for user in users if user.is_coordinator]
    if kind == "language.ready_for_review":
        return [user for user in users if user.role == "reviewer" and user.can_approve(data["lang"])]
    langs = data.get("languages", [])
    return [user for user in users if user.role in ("translator", "reviewer")
            and any(user.can_edit(lang) for lang in langs)]


def deliver(project: Project, event: dict) -> None:
    """Queue a mail (or a digest line) for each recipient who wants it, and each webhook."""
    from .queue import enqueue
    from .users import UserStore

    found = settings(project)
    if found["smtp_host"]:
        choice = CHOICE[event["type"]]
        for user in recipients(project, event, UserStore.for_project(project).all()):
            if not user.wants(choice):
                continue
            if user.notify.get("digest", "off") in DIGEST_SECONDS:
                with _store(project).transaction() as db:
                    db.execute("INSERT INTO outbox (user, event, at) VALUES (?, ?, ?)",
                               (user.name, json.dumps(event), time.time()))
                continue
            subject, text = describe(project, event, found["base_url"])
            enqueue(project, "mail", {"to": user.email, "subject": subject, "text": text})
    body = json.dumps({key: event[key] for key in ("type", "timestamp", "data")}, ensure_ascii=False)
    for url in found["webhooks"]:
        enqueue(project, "webhook", url, body, event["id"])


def describe(project: Project, event: dict, base_url: str = "") -> tuple[str, str]:
    """A mail's subject and text for ``event``."""
    data, kind = event["data"], event["type"]
    slug, lang = data.get("statement", ""), data.get("lang")
    place = f"{base_url}/review/{slug}/{lang}" if base_url and lang else (f"{base_url}/" if base_url else "")
    if kind == "statement.added":
        due = f" It is due {data['deadline']}." if data.get("deadline") else ""
        subject = f"New statement to translate: {data.get('title') or slug}"
        text = (f"A statement was added: {data.get('title') or slug} ({slug}), into "
                f"{', '.join(data.get('languages', []))}.{due}")
    elif kind == "language.ready_for_review":
        subject = f"Ready for review: {slug} [{lang}]"
        text = f"Every sentence of {slug} in {lang} is translated; it waits for a reviewer's approval."
        place = f"{place}?filter=awaiting-approval" if place else place
    elif kind == "language.ready_to_publish":
        subject = f"Ready to publish: {slug} [{lang}]"
        text = f"{slug} in {lang} may be published now ({project.config.policy.describe()})."
        place = f"{base_url}/export/{slug}/{lang}" if base_url else ""
    elif kind in ("comment.mention", "comment.reply"):
        how = "mentioned you" if kind == "comment.mention" else "answered where you commented"
        subject = f"{data['by']} {how} on {slug} [{lang}]"
        text = f"{data['by']} {how}, on the sentence\n\n  {data['source']}\n\n{data['text']}"
        place = f"{place}#seg-{data['segment']}" if place else place
    else:
        subject = f"Due in less than two hours: {data.get('title') or slug}"
        text = (f"{data.get('title') or slug} ({slug}) is due {data.get('deadline')}, with work left in "
                f"{', '.join(data.get('languages', []))}.")
    return subject, f"{text}\n\n{place}\n" if place else f"{text}\n"


def send_mail(project: Project, message: dict) -> None:
    from .mail import build, send

    found = settings(project)
    if not found["smtp_host"]:
        log.warning("a mail to %s is dropped: [notify] smtp_host is no longer set", message["to"])
        return
    send(found, build(found["from"], message["to"], message["subject"], message["text"]),
         os.environ.get("CHORUS_SMTP_PASSWORD"))


def post_webhook(project: Project, url: str, body: str, message_id: str) -> None:
    from .webhooks import post

    found = settings(project)
    if url not in found["webhooks"]:
        log.warning("an event for %s is dropped: it is no longer in [notify] webhooks", url)
        return
    post(url, body, message_id, found["webhook_secret"])


def _store(project: Project) -> database.Shared:
    return database.Shared(project.private_dir / FILE_NAME, _SCHEMA)


def send_digests(project: Project, now: float | None = None) -> int:
    """One mail for each user whose oldest waiting news is as old as their digest's period
    (an hour, a day): at most one mail per period, and no news waits longer; how many."""
    if not configured(project) or not settings(project)["smtp_host"]:
        return 0
    from .queue import enqueue
    from .users import UserStore

    now = now or time.time()
    base_url = settings(project)["base_url"]
    users = {user.name: user for user in UserStore.for_project(project).all()}
    sent = 0
    store = _store(project)
    with store.transaction() as db:
        waiting: dict[str, list] = {}
        for row_id, name, event, at in db.execute("SELECT id, user, event, at FROM outbox ORDER BY id"):
            waiting.setdefault(name, []).append((row_id, json.loads(event), at))
        for name, items in waiting.items():
            user = users.get(name)
            if user is None or not user.email:
                db.execute("DELETE FROM outbox WHERE user = ?", (name,))
                continue
            every = DIGEST_SECONDS.get(user.notify.get("digest"), 0)
            if now - items[0][2] < every:
                continue  # the oldest news waits until the digest's period is over
            parts = [describe(project, event, base_url) for _, event, _ in items]
            text = "\n".join(f"* {subject}\n  {body.strip()}\n" for subject, body in parts)
            enqueue(project, "mail", {"to": user.email, "subject": f"Chorus: {len(parts)} update{'s' * (len(parts) != 1)}",
                                      "text": text})
            db.execute(f"DELETE FROM outbox WHERE id IN ({', '.join('?' * len(items))})", [i for i, _, _ in items])
            db.execute("INSERT OR REPLACE INTO digests (user, sent) VALUES (?, ?)", (name, now))
            sent += 1
    return sent


def remind(project: Project, now: float | None = None) -> int:
    """Announce each statement due within two hours with work left, once per deadline."""
    if not configured(project):
        return 0
    import datetime as dt

    from . import deadline as deadlines
    from .index import Index

    moment = dt.datetime.fromtimestamp(now or time.time(), dt.timezone.utc)
    index = Index(project)
    index.refresh(full=True)  # every file that changed (a deadline set a moment ago too)
    due = index.due_between(deadlines.utc_key(moment), deadlines.utc_key(moment + deadlines.SOON))
    told = 0
    store = _store(project)
    for item in due:
        with store.transaction() as db:
            if db.execute("SELECT 1 FROM reminders WHERE slug = ? AND deadline = ?",
                          (item["slug"], item["key"])).fetchone():
                continue
            db.execute("INSERT INTO reminders (slug, deadline, at) VALUES (?, ?, ?)",
                       (item["slug"], item["key"], time.time()))
        announce(project, "deadline.soon", {"statement": item["slug"], "title": item["title"],
                                            "deadline": item["deadline"], "languages": item["languages"]})
        told += 1
    return told
