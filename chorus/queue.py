"""The background queue: long work and everything that talks to the network leaves the request.

`huey <https://huey.readthedocs.io>`_ keeps the tasks: on SQLite in ``.chorus/queue.sqlite3``
by default (nothing to install or run), on Redis when ``[queue] redis = "redis://…"`` is in
chorus.toml (or ``CHORUS_REDIS_URL`` is set). Tasks wait there until a consumer runs them, so
they survive a restart of the server:

- ``draft``: pretranslate a statement added through the web (progress in :mod:`chorus.jobs`);
- ``announce``: work out who is told about an event, then ``mail`` and ``webhook`` for each
  (retried with growing delays when the mail server or the receiver is down);
- every minute: deadline reminders and digests (:mod:`chorus.notify`).

One consumer per project runs them at a time, whoever holds ``.chorus/queue.lock``: the web app
(``chorus serve``, or one of gunicorn's workers: the others wait for the lock and take over if
that worker dies) or ``chorus worker``. A job cut short by a killed process is queued again
when the next consumer starts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from pathlib import Path

from .errors import ChorusError
from .project import Project

log = logging.getLogger(__name__)

QUEUE_FILE = "queue.sqlite3"
LOCK_FILE = "queue.lock"
PID_FILE = "queue.pid"
CONSUMERS = ("app", "separate")

_instances: dict[tuple[str, str | None], object] = {}
_guard = threading.Lock()
_running: dict[str, "Background"] = {}


def settings(project: Project) -> dict:
    """The ``[queue]`` table of chorus.toml, checked: ``redis`` (a URL) and ``consumer``
    (``app``: the web app runs it; ``separate``: run ``chorus worker`` yourself)."""
    table = project.config.settings.get("queue", {})
    if not isinstance(table, dict):
        raise ChorusError("chorus.toml: [queue] must be a table")
    redis = table.get("redis")
    if redis is not None and (not isinstance(redis, str) or not redis.startswith(("redis://", "rediss://", "unix://"))):
        raise ChorusError(f"chorus.toml: [queue] redis must be a URL such as redis://localhost:6379/0, not {redis!r}")
    consumer = table.get("consumer", "app")
    if consumer not in CONSUMERS:
        raise ChorusError(f"chorus.toml: [queue] consumer is \"app\" or \"separate\", not {consumer!r}")
    return {"redis": redis, "consumer": consumer}


def redis_url(project: Project) -> str | None:
    return os.environ.get("CHORUS_REDIS_URL") or settings(project)["redis"]


def huey_for(project: Project):
    """The queue of ``project`` (one per project and process), with Chorus's tasks."""
    url = redis_url(project)
    key = (str(project.root), url)
    with _guard:
        if key not in _instances:
            _instances[key] = _make(project, url)
        return _instances[key]


def _make(project: Project, url: str | None):
    if url:
        from huey import RedisHuey

        name = "chorus-" + hashlib.sha256(str(project.root).encode()).hexdigest()[:12]
        huey = RedisHuey(name=name, url=url, utc=True)
    else:
        from huey import SqliteHuey

        project.private_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name="chorus", filename=str(project.private_dir / QUEUE_FILE), utc=True, timeout=30)
    _register(huey, project.root)
    return huey


def _register(huey, root: Path) -> None:
    from huey import crontab

    from . import notify

    retry = notify.retry_settings(Project.load(root))

    @huey.task(name="draft")
    def draft(job: str, slug: str) -> None:
        run_draft(Project.load(root), job, slug)

    @huey.task(name="announce")
    def announce(event: dict) -> None:
        notify.deliver(Project.load(root), event)

    @huey.task(name="mail", retries=retry["retries"], retry_delay=retry["delay"], retry_backoff=2)
    def mail(message: dict) -> None:
        notify.send_mail(Project.load(root), message)

    @huey.task(name="webhook", retries=retry["retries"], retry_delay=retry["delay"], retry_backoff=2)
    def webhook(url: str, body: str, message_id: str) -> None:
        notify.post_webhook(Project.load(root), url, body, message_id)

    @huey.periodic_task(crontab(minute="*"), name="every-minute")
    def every_minute() -> None:
        project = Project.load(root)
        notify.remind(project)
        notify.send_digests(project)

    huey.chorus = {"draft": draft, "announce": announce, "mail": mail, "webhook": webhook}


def enqueue(project: Project, task: str, *args) -> None:
    """Put a task in the queue (it runs when a consumer takes it)."""
    huey_for(project).chorus[task](*args)


def enqueue_draft(project: Project, slug: str) -> str:
    """Queue the pretranslation of ``slug``; the job's id (its progress: :mod:`chorus.jobs`)."""
    from .jobs import Jobs

    job = Jobs.for_project(project).create("draft", slug)
    enqueue(project, "draft", job, slug)
    return job


def run_draft(project: Project, job: str, slug: str) -> None:
    """Pretranslate ``slug``, reporting progress to its job (a failure is the job's error)."""
    from .jobs import Jobs
    from .pretranslate import pretranslate

    jobs = Jobs.for_project(project)
    if not jobs.start(job):
        return
    detail: dict[str, list[int]] = {}

    def report(lang: str, done: int, total: int) -> None:
        detail[lang] = [done, total]
        jobs.progress(job, sum(d for d, _ in detail.values()), sum(t for _, t in detail.values()), detail)

    try:
        results = pretranslate(project, [slug], progress=report)
    except ChorusError as error:
        jobs.finish(job, str(error))
        return
    except Exception as error:  # noqa: BLE001 — the job says it failed; the log has the details
        log.exception("drafting %s failed", slug)
        jobs.finish(job, f"drafting failed ({type(error).__name__}); the server's log has the details")
        return
    from .gitstore import note_command

    note_command(project, "pretranslate", [slug], machine_made=True)
    warnings = {result.lang: result.errors for result in results if result.errors}
    if warnings:
        jobs.progress(job, sum(d for d, _ in detail.values()), sum(t for _, t in detail.values()),
                      {**detail, "warnings": warnings})
    jobs.finish(job)


def requeue_interrupted(project: Project) -> int:
    """Queue again the jobs a killed process left running; how many."""
    from .jobs import Jobs

    found = Jobs.for_project(project).interrupted()
    for job in found:
        if job.kind == "draft":
            enqueue(project, "draft", job.id, job.slug)
    return len(found)


# --- consumers --------------------------------------------------------------------------------------


class _Expected(logging.Filter):
    """Failures the queue expects (a mail server or receiver that is down, storage that is full
    or read-only) are one line in the log, not a traceback: the task is tried again."""

    def filter(self, record: logging.LogRecord) -> bool:
        import sqlite3

        from .mail import MailFailed
        from .webhooks import WebhookFailed

        if record.exc_info and isinstance(record.exc_info[1], (MailFailed, WebhookFailed, OSError, sqlite3.Error)):
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_EXPECTED = _Expected()


def _quiet() -> None:
    for name in ("huey", "huey.consumer", "huey.consumer.Worker", "huey.consumer.Scheduler"):
        found = logging.getLogger(name)
        if _EXPECTED not in found.filters:
            found.addFilter(_EXPECTED)


def _consumer(project: Project, threads: int):
    from huey.consumer import Consumer

    _quiet()

    class QuietConsumer(Consumer):
        """A consumer in a thread of another program: no signal handlers of its own."""

        def _set_signal_handlers(self) -> None:
            if threading.current_thread() is threading.main_thread():
                super()._set_signal_handlers()

    return QuietConsumer(huey_for(project), workers=threads, worker_type="thread", periodic=True,
                         initial_delay=0.1, backoff=1.15, max_delay=1.0, check_worker_health=False)


def consumer_lock(project: Project):
    from filelock import FileLock

    project.private_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(project.private_dir / LOCK_FILE))


def _note_consumer(project: Project) -> None:
    """Say which process consumes (``.chorus/queue.pid``: its pid and host), for operators."""
    import socket

    try:
        (project.private_dir / PID_FILE).write_text(f"{os.getpid()} {socket.gethostname()}\n", encoding="utf-8")
    except OSError:
        pass


def consumer_pid(project: Project) -> int | None:
    """The process that consumes the queue of ``project`` now (on this host), if any."""
    from filelock import FileLock, Timeout

    try:
        pid = int((project.private_dir / PID_FILE).read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None
    probe = FileLock(str(project.private_dir / LOCK_FILE))
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return pid  # the lock is held: its holder wrote the file
    probe.release()
    return None


class Background:
    """The queue's consumer of a project in threads of this process, once its lock is ours."""

    def __init__(self, project: Project, threads: int = 2):
        self.project = project
        self.threads = threads
        self.stopping = threading.Event()
        self.consumer = None
        self.thread = threading.Thread(target=self._run, name="chorus-queue", daemon=True)

    def start(self) -> "Background":
        self.thread.start()
        return self

    def _run(self) -> None:
        from filelock import Timeout

        lock = consumer_lock(self.project)
        while not self.stopping.is_set():
            try:
                lock.acquire(timeout=2)
                break
            except Timeout:
                continue  # another process consumes; take over when it stops
            except OSError as error:
                log.warning("the queue's lock cannot be taken (%s); retrying", error)
                self.stopping.wait(30)
        else:
            return
        try:
            while not self.stopping.is_set() and self.consumer is None:
                try:
                    requeue_interrupted(self.project)
                    self.consumer = _consumer(self.project, self.threads)
                except (OSError, sqlite3.Error) as error:  # storage full or read-only: wait for it
                    log.warning("the queue cannot start yet (%s); trying again in a minute", error)
                    self.stopping.wait(60)
            if self.consumer is None:
                return
            self.consumer.start()
            _note_consumer(self.project)
            log.info("consuming the queue of %s in process %s", self.project.root, os.getpid())
            self.stopping.wait()
            self.consumer.stop(graceful=True)
        except Exception:  # noqa: BLE001 — the server keeps serving; tasks wait in the queue
            log.exception("the queue's consumer stopped")
        finally:
            lock.release()

    @property
    def consuming(self) -> bool:
        return self.consumer is not None and not self.stopping.is_set()

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.thread.join(timeout)
        with _guard:
            if _running.get(str(self.project.root)) is self:
                del _running[str(self.project.root)]


def start_background(project: Project) -> Background | None:
    """Consume the queue of ``project`` in this process (at most one per process), unless
    ``[queue] consumer = "separate"``."""
    if settings(project)["consumer"] != "app":
        return None
    with _guard:
        found = _running.get(str(project.root))
        if found is not None and found.thread.is_alive():
            return found
        background = _running[str(project.root)] = Background(project)
    return background.start()


def run_worker(project: Project, threads: int = 2, say=print) -> None:
    """Consume the queue in the foreground until interrupted (``chorus worker``)."""
    from filelock import Timeout

    lock = consumer_lock(project)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = consumer_pid(project)
        say(f"Another consumer runs for this project{f' (process {holder})' if holder else ''}: the web app or "
            f"another worker; waiting to take over when it stops…")
        lock.acquire()
    try:
        again = requeue_interrupted(project)
        if again:
            say(f"{again} job{'s' * (again != 1)} cut short before: queued again")
        where = f"Redis ({redis_url(project)})" if redis_url(project) else f"{project.relative(project.private_dir)}/{QUEUE_FILE}"
        _note_consumer(project)
        say(f"Consuming the queue of {project.root} ({where}); Ctrl+C stops.")
        _consumer(project, threads).run()
    finally:
        lock.release()
