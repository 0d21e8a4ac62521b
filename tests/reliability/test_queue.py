"""The background queue for real: statements added through the API are drafted by the queue's
consumer in gunicorn, what was queued survives a restart, a killed consumer is replaced by
another worker, a job cut short runs again, ``chorus worker`` consumes, and Redis works too."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from chorus import catalog
from chorus.jobs import Jobs
from chorus.project import Project
from chorus.queue import consumer_pid

from conftest import CHORUS
from reliability_server import REPO, Server, api_token, free_port, make_project

BIN = Path(sys.executable).parent
TEXT = "Nurses Strike\n\nWe stand with the nurses of the city hospital.\n\nFair pay now!\n"


def wait_for(check, timeout: float = 90, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout} s for {what}")


def drafts(project: Project, slug: str, lang: str = "es") -> int:
    po = catalog.read(project.catalog_path(slug, lang))
    return sum(1 for entry in catalog.live_entries(po) if catalog.state(entry) == "fuzzy")


def segments(project: Project, slug: str, lang: str = "es") -> int:
    return len(catalog.live_entries(catalog.read(project.catalog_path(slug, lang))))


def job_state(server: Server, slug: str) -> str | None:
    with server.session() as session:
        jobs = session.get(f"{server.url}/api/jobs", timeout=30).json()["jobs"]
    return next((job["state"] for job in jobs if job["statement"] == slug), None)


def add(server: Server, text: str = TEXT, slug: str | None = None) -> str:
    with server.session() as session:
        body = {"text": text, **({"slug": slug} if slug else {})}
        response = session.post(f"{server.url}/api/statements", json=body, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()["slug"]


@pytest.fixture
def project(tmp_path) -> Project:
    return make_project(tmp_path / "project", 1, 5)


def gunicorn(project: Project, token: str, consumer: bool, log: Path, workers: int = 3) -> Server:
    os.environ["CHORUS_QUEUE_CONSUMER"] = "1" if consumer else "0"
    try:
        return Server(project, token, workers=workers, log=log).start()
    finally:
        os.environ["CHORUS_QUEUE_CONSUMER"] = "0"


def test_drafts_queued_while_no_consumer_runs_are_made_after_a_restart(project, tmp_path):
    token = api_token(project)
    log = tmp_path / "server.log"
    server = gunicorn(project, token, consumer=False, log=log)
    try:
        slug = add(server)
        assert job_state(server, slug) == "queued"
        time.sleep(1)
        assert job_state(server, slug) == "queued" and drafts(project, slug) == 0  # nobody consumes yet
    finally:
        server.kill()  # as a crash would
    server = gunicorn(project, token, consumer=True, log=log)
    try:
        wait_for(lambda: job_state(server, slug) == "done", what="the drafts after the restart")
        assert drafts(project, slug) == segments(project, slug) == 3  # Apertium drafted every Spanish sentence
        with server.session() as session:
            page = session.get(f"{server.url}/api/statements?title={slug}", timeout=30).json()
        row = next(r for r in page["statements"][0]["languages"] if r["lang"] == "es")
        assert row["counts"]["fuzzy"] == 3
        # one of the three workers consumes, the others wait for the lock
        holder = consumer_pid(project)
        workers = [int(pid) for pid in subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                                                      text=True).stdout.split()]
        assert holder in workers
        # that worker dies: another takes over (and gunicorn starts a new worker)
        os.kill(holder, signal.SIGKILL)
        wait_for(lambda: consumer_pid(project) not in (None, holder), what="another worker to take over")
        second = add(server, "Teachers Strike\n\nWe stand with the teachers.\n")
        wait_for(lambda: job_state(server, second) == "done", what="the drafts by the new consumer")
        assert drafts(project, second) == segments(project, second) == 2
    finally:
        server.stop()
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def test_a_job_cut_short_runs_again_under_chorus_worker(project):
    from chorus.queue import enqueue

    slug = project.statements()[0]
    jobs = Jobs.for_project(project)
    job = jobs.create("draft", slug)
    # a process takes the job and is killed in the middle of it
    subprocess.run([sys.executable, "-c", "import os, sys; from pathlib import Path; from chorus.jobs import Jobs; "
                    "Jobs(Path(sys.argv[1])).start(sys.argv[2]); os._exit(9)",
                    str(project.private_dir / "jobs.sqlite3"), job], check=False, cwd=REPO)
    assert jobs.get(job).state == "running" and [j.id for j in jobs.interrupted()] == [job]
    # and one more is queued, as a web add would
    second = jobs.create("draft", slug)
    enqueue(project, "draft", second, slug)
    worker = subprocess.Popen([str(CHORUS), "worker", "--project", str(project.root)], stderr=subprocess.PIPE,
                              env={**os.environ, "CHORUS_QUEUE_CONSUMER": "0"}, start_new_session=True)
    try:
        wait_for(lambda: jobs.get(job).state == "done" and jobs.get(second).state == "done", what="both jobs")
        assert consumer_pid(project) == worker.pid
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        said = worker.communicate(timeout=30)[1].decode()
    assert worker.returncode == 0, said
    assert "1 job cut short before: queued again" in said and "Traceback" not in said
    assert drafts(project, slug) == segments(project, slug) == 6


def test_a_second_worker_waits_for_the_first(project):
    first = subprocess.Popen([str(CHORUS), "worker", "--project", str(project.root)], stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        wait_for(lambda: consumer_pid(project) == first.pid, what="the first worker")
        second = subprocess.Popen([str(CHORUS), "worker", "--project", str(project.root)], stderr=subprocess.PIPE,
                                  start_new_session=True)
        time.sleep(2)
        os.killpg(second.pid, signal.SIGINT)
        said = second.communicate(timeout=30)[1].decode()
        assert f"Another consumer runs for this project (process {first.pid})" in said
        assert consumer_pid(project) == first.pid
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=30)


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: scripts/system-packages.sh installs it")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _pings(client), timeout=30, what="redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def test_the_queue_on_redis(project, redis_url):
    import redis

    from chorus.queue import enqueue_draft, huey_for, start_background

    config = project.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8") + f'\n[queue]\nredis = "{redis_url}"\n', encoding="utf-8")
    project = Project.load(project.root)
    slug = project.statements()[0]
    job = enqueue_draft(project, slug)
    assert huey_for(project).pending_count() == 1
    assert any(redis.Redis.from_url(redis_url).keys("*chorus*"))  # the task waits in Redis
    assert not (project.private_dir / "queue.sqlite3").exists()
    background = start_background(project)
    try:
        wait_for(lambda: Jobs.for_project(project).get(job).state == "done", what="the job from Redis")
    finally:
        background.stop()
    assert drafts(project, slug) == segments(project, slug) == 6 and huey_for(project).pending_count() == 0


def test_bad_queue_settings_stop_the_server_with_one_line(project, tmp_path):
    config = project.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[queue]\nconsumer = "sometimes"\n', encoding="utf-8")
    result = subprocess.run([str(CHORUS), "worker", "--project", str(project.root)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == 'chorus: error: chorus.toml: [queue] consumer is "app" or "separate", not \'sometimes\''
