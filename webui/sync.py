"""The server's side of git sync: a background thread that commits and syncs, ``/api/sync`` for
scripts and a forge's push webhook, the "synced 5 minutes ago" line, and what a sync brought
in shown where volunteers look (history, suggestions, claims).

- Every worker runs the thread; a lock file lets one of them sync at a time, and the time of
  the last attempt (``.chorus/git/state.json``) keeps them to one sync per ``sync_interval``.
  The thread also commits volunteers' saves once their ``commit_window`` has passed.
- ``POST /api/sync`` asks for a sync now (answered ``202`` at once: requests never wait for
  the network). A coordinator calls it with a token or a session; a forge's webhook with the
  secret in ``CHORUS_WEBHOOK_SECRET`` (GitHub, Gitea and Forgejo sign the body:
  ``X-Hub-Signature-256``; GitLab sends ``X-Gitlab-Token``). ``GET /api/sync`` shows the state.
- After a sync, every segment it changed gets a history row (by the commit's author), a
  version a merge kept as an alternative gets one too, and claims on segments that changed or
  went are released.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import threading
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from chorus import catalog, editing, gitrepo, gitstore, gitsync, pomerge
from chorus.errors import ChorusError
from chorus.project import Project
from chorus.records import Edit, Records

from . import csrf, users

log = logging.getLogger(__name__)
bp = Blueprint("sync", __name__, url_prefix="/api")
TICK = 1.0  # seconds between the thread's looks at the queue and the clock
WEBHOOK_SECRET = "CHORUS_WEBHOOK_SECRET"
ACTIONS = {"synced": "changed it elsewhere", "merged": "had another version (kept as a suggestion)"}


# --- the thread ------------------------------------------------------------------------------------


class Syncer:
    """The sync thread of one app in one process (started again in a forked worker)."""

    def __init__(self, root: Path, store: Records):
        self.root = root
        self.store = store
        self.pid: int | None = None
        self.wake = threading.Event()
        self.requested = False
        self._start = threading.Lock()

    def start(self) -> None:
        with self._start:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            self.wake = threading.Event()
            threading.Thread(target=self._run, name="chorus-sync", daemon=True).start()

    def request(self) -> None:
        """Sync as soon as the thread can (a webhook, a coordinator)."""
        self.requested = True
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait(TICK)
            self.wake.clear()
            try:
                self.tick()
            except Exception:  # noqa: BLE001 — the thread must outlive any one failure
                log.exception("git sync failed")

    def tick(self) -> gitsync.SyncResult | None:
        """Commit what waited long enough; sync when asked or when ``sync_interval`` has passed."""
        try:
            project = Project.load(self.root)
            found = gitrepo.settings(project)
        except ChorusError as error:
            log.warning("no git sync: %s", error)
            return None
        if found is None:
            return None
        try:
            gitstore.commit_pending(project, older_than=found.commit_window, wait=5)
        except gitrepo.Busy:
            pass
        except ChorusError as error:
            log.warning("cannot commit: %s", error)
        last = gitsync.read_state(project).get("attempt") or 0
        if not self.requested and not (found.sync_interval and time.time() - last >= found.sync_interval):
            return None
        try:
            result = gitsync.sync(project, wait=False)
        except gitsync.Busy:
            return None  # another worker syncs now; a request stays asked for
        except ChorusError as error:
            self.requested = False
            log.warning("git sync: %s", error)
            return None
        self.requested = False
        if result.received:
            log.info("%s", result.summary())
        record(project, self.store, result)
        return result


def record(project: Project, store: Records, result: gitsync.SyncResult) -> None:
    """History rows for what a sync changed; claims on segments that changed or went released."""
    revisions: dict[tuple[str, str], dict[str, str]] = {}

    def current(slug: str, lang: str) -> dict[str, str]:
        if (slug, lang) not in revisions:
            try:
                revisions[(slug, lang)] = editing.revisions(catalog.read(project.catalog_path(slug, lang)))
            except ChorusError:
                revisions[(slug, lang)] = {}
        return revisions[(slug, lang)]

    changed: dict[tuple[str, str], set[str]] = {}
    for change in result.changes:
        now = current(change.slug, change.lang)
        edit = Edit(change.slug, change.lang, change.segment, change.author, ACTIONS.get(change.action, change.action),
                    change.old_target, change.new_target, change.old_state, change.new_state, change.at,
                    new_revision=now.get(change.segment, ""))
        try:
            store.confirm(store.journal(edit, now.get), edit)
        except Exception:  # noqa: BLE001 — the catalogs are synced; only the history row is missing
            log.exception("no history row for a synced change")
        changed.setdefault((change.slug, change.lang), set()).add(change.segment)
    for name in result.catalogs:
        parts = name.split("/")
        if len(parts) != 3 or not parts[2].endswith(".po"):
            continue
        slug, lang = parts[1], parts[2][:-3]
        live = current(slug, lang)
        try:
            for _ in range(10):  # each round lets go of one volunteer's claim per segment
                gone = {segment: who for segment, who in store.claimed_by_others(slug, lang, "").items()
                        if segment not in live or segment in changed.get((slug, lang), set())}
                if not gone:
                    break
                for segment, who in gone.items():
                    store.release(slug, lang, segment, who)
        except Exception:  # noqa: BLE001 — claims run out after a few minutes anyway
            log.exception("claims not released after a sync")


def install(app) -> None:
    """Register the routes and the template helper; start the thread for a project that syncs
    (unless ``CHORUS_SYNC_THREAD`` is off)."""
    app.register_blueprint(bp)
    csrf.exempt(bp)  # session calls are checked in the view (X-CSRFToken), webhooks by their secret
    root = Path(app.config["CHORUS_PROJECT"])
    syncer = Syncer(root, app.extensions["chorus_records"])
    app.extensions["chorus_sync"] = syncer
    app.context_processor(lambda: {"sync_status": _shown_status})
    if not app.config.get("CHORUS_SYNC_THREAD", True):
        return
    try:
        project = Project.load(root)
        if gitrepo.settings(project) is None:
            return
    except ChorusError as error:
        log.warning("no git sync: %s", error)
        return
    try:
        gitrepo.ensure_setup(project)  # every sync makes sure again (workers may start at once)
    except ChorusError as error:
        log.warning("the merge driver is not registered yet: %s", error)

    @app.before_request
    def keep_thread_running():  # a worker forked after the app was made has no thread yet
        syncer.start()

    syncer.start()


def _shown_status() -> dict | None:
    from . import project as current_project  # the request's project, read once per request

    try:
        project = current_project()
        if gitrepo.settings(project) is None:
            return None
    except ChorusError:
        return None
    state = gitsync.read_state(project)
    from .i18n import ago

    return {"last_synced": state.get("success"), "ago": ago(state.get("success")),
            "error": state.get("error")}


# --- routes ----------------------------------------------------------------------------------------


def _caller():
    """The user calling (token or session; a session's POST must carry its CSRF token), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer":
        user = users().by_token(token.strip())
        if user is None:
            abort(401, "the token is not valid: make one with 'chorus user token NAME'")
        return user
    if current_user.is_authenticated:
        if request.method == "POST":
            csrf.protect()
        return current_user
    return None


def _webhook_signed() -> bool:
    secret = os.environ.get(WEBHOOK_SECRET, "")
    if not secret:
        return False
    body = request.get_data(cache=True)
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    signatures = [request.headers.get("X-Hub-Signature-256", "").removeprefix("sha256="),
                  request.headers.get("X-Gitea-Signature", ""), request.headers.get("X-Forgejo-Signature", "")]
    if any(signature and hmac.compare_digest(signature.lower(), expected) for signature in signatures):
        return True
    token = request.headers.get("X-Gitlab-Token", "")
    return bool(token) and hmac.compare_digest(token.encode("utf-8"), secret.encode("utf-8"))


def _project() -> Project:
    return Project.load(current_app.config["CHORUS_PROJECT"])


@bp.get("/sync")
def sync_status():
    """The last sync: when, the error if any, the changes waiting for a commit."""
    if _caller() is None:
        abort(401, "log in or send 'Authorization: Bearer TOKEN'")
    return gitsync.status(_project())


@bp.post("/sync")
def sync_now():
    """Ask for a sync now (202): a coordinator, or a forge's push webhook with the shared secret."""
    webhook = any(request.headers.get(name) for name in
                  ("X-Hub-Signature-256", "X-Gitea-Signature", "X-Forgejo-Signature", "X-Gitlab-Token"))
    if webhook:
        if not _webhook_signed():
            unset = "" if os.environ.get(WEBHOOK_SECRET) else ", and none is set here"
            abort(401, f"the webhook is not signed with this server's secret ({WEBHOOK_SECRET}{unset})")
    else:
        user = _caller()
        if user is None:
            abort(401, "log in, send 'Authorization: Bearer TOKEN', or sign the webhook with the shared secret")
        if not user.is_coordinator:
            abort(403, "only coordinators start a sync")
    project = _project()
    if gitrepo.settings(project) is None:
        abort(404, "this project does not sync with git: add a [git] table to chorus.toml")
    current_app.extensions["chorus_sync"].request()
    return {"status": "queued", "message": "a sync starts in a moment", **gitsync.status(project)}, 202


# --- the review page: versions a merge kept -----------------------------------------------------------


def alternatives(project: Project, slug: str, lang: str) -> dict[str, list[dict]]:
    """Segment id → the versions a merge kept of it, as the review page's suggestions."""
    from .extras import diff_html

    path = project.catalog_path(slug, lang)
    try:
        if "# other version by " not in path.read_text(encoding="utf-8"):
            return {}
        po = catalog.read(path)
    except (OSError, UnicodeDecodeError, ChorusError):
        return {}
    found: dict[str, list[dict]] = {}
    for entry in catalog.live_entries(po):
        for alt in pomerge.alternatives(entry):
            when = dt.datetime.fromtimestamp(alt.at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            found.setdefault(editing.segment_id(entry), []).append({
                "source": entry.msgid, "target": alt.text, "score": 100, "state": alt.state,
                "slug": f"other version by {alt.author}, {when}", "diff": diff_html(entry.msgid, entry.msgid),
            })
    return found
