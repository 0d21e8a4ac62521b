"""A project shared through git: chorus init --git, commits with their authors, chorus sync
between clones of a real bare repository, and every bad remote state as one clear line that
changes nothing here."""

from __future__ import annotations

import re
import subprocess
import threading

import pytest

from chorus import catalog, gitrepo, gitstore, gitsync, pomerge
from chorus.project import Project
from conftest import CHORUS
from git_helpers import (SLUG, GitHttpServer, assert_clean_catalogs, bare_remote, chorus, clone, first_host, git,
                         identity, state_of)


@pytest.fixture(autouse=True)
def private_git(tmp_path, monkeypatch):
    """git without the machine's identity or credential helpers, as on a fresh server."""
    config = tmp_path / "gitconfig"
    config.touch()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("USER", "coord")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def remote(tmp_path):
    return bare_remote(tmp_path)


@pytest.fixture
def host_a(tmp_path, remote) -> Project:
    return first_host(tmp_path, remote)


@pytest.fixture
def host_b(tmp_path, remote, host_a) -> Project:
    return clone(tmp_path, remote, "b")


def app_for(project: Project):
    from webui import create_app

    return create_app(project.root, config={"TESTING": True, "CHORUS_SYNC_THREAD": False})


def client_as(app, project: Project, name: str, role: str = "reviewer"):
    from chorus.users import UserStore

    store = UserStore.for_project(project)
    if store.get(name) is None:
        store.add(name, "a-long-enough-password", role=role)
    client = app.test_client()
    token = store.new_token(name)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def browser_as(app, project: Project, name: str, role: str = "reviewer"):
    """A logged-in browser session (pages need one; the API takes tokens)."""
    from chorus.users import UserStore

    if UserStore.for_project(project).get(name) is None:
        UserStore.for_project(project).add(name, "a-long-enough-password", role=role)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": name, "password": "a-long-enough-password",
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def segments(client, lang: str = "es") -> list[dict]:
    response = client.get(f"/api/statements/{SLUG}/{lang}/segments")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["segments"]


def save(client, index: int, text: str, lang: str = "es") -> dict:
    segment = segments(client, lang)[index]
    response = client.put(f"/api/statements/{SLUG}/{lang}/segments/{segment['id']}",
                          json={"target": text, "revision": segment["revision"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    return segment


def approve(client, index: int, lang: str = "es") -> None:
    segment = segments(client, lang)[index]
    response = client.post(f"/api/statements/{SLUG}/{lang}/segments/{segment['id']}/approve")
    assert response.status_code == 200, response.get_data(as_text=True)


def sync(project: Project, *extra: str) -> subprocess.CompletedProcess:
    return chorus("sync", *extra, "--project", str(project.root))


def log(project: Project, *args: str) -> list[str]:
    return git(project.root, "log", "--format=%an|%ae|%s", *args).splitlines()


def targets(project: Project, lang: str = "es") -> dict[str, tuple[str, str]]:
    po = catalog.read(project.catalog_path(SLUG, lang))
    return {entry.msgid: (entry.msgstr, catalog.state(entry)) for entry in catalog.live_entries(po)}


# --- chorus init --git and commits --------------------------------------------------------------


def test_init_git_makes_a_work_tree_that_keeps_private_state_out(tmp_path, host_a):
    root = host_a.root
    assert git(root, "symbolic-ref", "--short", "HEAD") == "main"
    ignored = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".chorus/" in ignored and "localized/" in ignored
    assert "*.po merge=chorus" in (root / ".gitattributes").read_text(encoding="utf-8")
    assert git(root, "config", "merge.chorus.driver").endswith("merge-driver %O %A %B %P")
    assert gitrepo.settings(host_a).remote == "origin"
    done = chorus("export", "--draft", "--project", str(root))
    assert done.returncode == 0, done.stderr
    assert (root / "localized").is_dir() and (root / ".chorus").is_dir()
    tracked = git(root, "ls-files").splitlines()
    assert not any(name.startswith((".chorus/", "localized/")) for name in tracked)
    assert f"translations/{SLUG}/es.po" in tracked and f"source/{SLUG}.txt" in tracked
    assert git(root, "status", "--porcelain") == ""
    assert [line.split("|")[2] for line in log(host_a)] == ["chorus add: harbour", "Start the Chorus project"]


def test_init_git_inside_another_work_tree_is_refused(tmp_path):
    git(tmp_path, "init", "-q")
    done = chorus("init", str(tmp_path / "inner"), "--langs", "es", "--git")
    assert done.returncode == 1
    assert "inside the git work tree" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "inner").exists()  # nothing written


def test_saves_are_committed_per_volunteer_with_their_segments_and_coalesced(host_a):
    app = app_for(host_a)
    ana, bob = client_as(app, host_a, "ana"), client_as(app, host_a, "bob")
    save(ana, 0, "Paren los ataques contra los trabajadores del puerto")
    save(bob, 1, "Estamos con los estibadores del puerto del norte.")
    save(ana, 2, "Llevan tres semanas en las puertas.")
    approve(bob, 2)  # four eyes: another volunteer approves ana's text
    save(bob, 3, "¡Un daño a uno es un daño a todos!")
    assert git(host_a.root, "status", "--porcelain") != ""  # waiting for the commit window
    assert len(gitstore.pending(host_a)) == 5
    commits = gitstore.commit_pending(host_a)
    assert len(commits) == 2  # one per volunteer for the catalog, not one per save
    assert gitstore.pending(host_a) == []
    assert git(host_a.root, "status", "--porcelain") == ""
    (first, second) = log(host_a, "-2", "--reverse")
    assert first.startswith("ana|ana@volunteers.invalid|harbour, Spanish (es): 2 segments by ana")
    assert second.startswith("bob|bob@volunteers.invalid|harbour, Spanish (es): 3 segments by bob")
    body = git(host_a.root, "log", "-1", "--format=%b")
    assert 'approved "For three weeks they have held the gates."' in body
    # Ana's commit holds her segments only; Bob's adds his.
    shown = git(host_a.root, "show", f"{commits[0]}:translations/{SLUG}/es.po")
    assert "Paren los ataques" in shown and "Llevan tres semanas" in shown
    assert "estibadores" not in shown and "un daño" not in shown.lower()
    assert "Un daño a uno" in git(host_a.root, "show", f"{commits[1]}:translations/{SLUG}/es.po")


def test_a_translation_and_its_approval_by_another_are_two_commits(host_a):
    app = app_for(host_a)
    save(client_as(app, host_a, "ana"), 0, "Paren los ataques")
    approve(client_as(app, host_a, "rita"), 0)
    translated, approved = gitstore.commit_pending(host_a)
    assert git(host_a.root, "log", "-1", "--format=%an", translated) == "ana"
    assert git(host_a.root, "log", "-1", "--format=%an", approved) == "rita"
    for commit, state in ((translated, "translated"), (approved, "approved")):
        path = host_a.root / "at.po"
        path.write_text(git(host_a.root, "show", f"{commit}:translations/{SLUG}/es.po") + "\n", encoding="utf-8")
        entry = next(e for e in catalog.read(path) if e.msgid.startswith("Stop the Attacks"))
        assert (entry.msgstr, catalog.state(entry)) == ("Paren los ataques", state)
        path.unlink()


def test_the_commit_window_lets_recent_saves_wait(host_a):
    app = app_for(host_a)
    save(client_as(app, host_a, "ana"), 0, "Paren los ataques")
    assert gitstore.commit_pending(host_a, older_than=60) == []
    assert len(gitstore.pending(host_a)) == 1
    assert len(gitstore.commit_pending(host_a, older_than=0)) == 1


def test_commands_commit_as_their_user_and_drafts_as_machine_translation(host_a):
    done = chorus("pretranslate", "--project", str(host_a.root))
    assert done.returncode == 0, done.stderr
    author, email, subject = log(host_a, "-1")[0].split("|")
    assert (author, email) == ("Chorus machine translation", "machine-translation@volunteers.invalid")
    assert subject == "chorus pretranslate: harbour"
    source = host_a.source_path(SLUG)
    source.write_text(source.read_text(encoding="utf-8").replace("three weeks", "four weeks"), encoding="utf-8")
    done = chorus("update", SLUG, "--project", str(host_a.root))
    assert done.returncode == 0, done.stderr
    author, _, subject = log(host_a, "-1")[0].split("|")
    assert (author, subject) == ("coord", "chorus update: harbour")
    assert git(host_a.root, "status", "--porcelain") == ""
    changed = git(host_a.root, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert f"source/{SLUG}.txt" in changed and f"translations/{SLUG}/es.po" in changed


def test_a_project_without_git_settings_is_left_alone(project, tmp_path):
    """No [git] table: saves and commands never touch git, even inside a work tree."""
    git(project.root, "init", "-q")
    gitstore.note_change(project, [project.root / "chorus.toml"], "ana", "nothing")
    assert not (project.root / ".chorus" / "git").exists()
    assert git(project.root, "rev-parse", "--verify", "-q", "HEAD", check=False) == ""


# --- two hosts -----------------------------------------------------------------------------------


def test_two_hosts_merge_different_and_same_segments(host_a, host_b):
    a, b = app_for(host_a), app_for(host_b)
    save(client_as(a, host_a, "ana"), 0, "Paren los ataques")
    save(client_as(b, host_b, "dan"), 1, "Estamos con los estibadores.")
    save(client_as(b, host_b, "dan"), 2, "Llevan tres semanas en las puertas.")
    save(client_as(a, host_a, "bob"), 2, "Desde hace tres semanas sostienen las puertas.")  # later than dan's
    assert sync(host_b).returncode == 0
    done = sync(host_a)
    assert done.returncode == 0, done.stderr
    assert "(merged)" in done.stdout
    assert sync(host_b).returncode == 0
    assert git(host_a.root, "rev-parse", "HEAD") == git(host_b.root, "rev-parse", "HEAD")
    for host in (host_a, host_b):
        found = targets(host)
        kept = found["For three weeks they have held the gates."]
        assert found["Stop the Attacks on the Harbour Workers"][0] == "Paren los ataques"
        assert found["We stand with the dockers of the northern harbour."][0] == "Estamos con los estibadores."
        assert kept[0] == "Desde hace tres semanas sostienen las puertas."
        entry = next(e for e in catalog.read(host.catalog_path(SLUG, "es")) if e.msgid.startswith("For three"))
        assert [(alt.author, alt.text) for alt in pomerge.alternatives(entry)] == [
            ("dan", "Llevan tres semanas en las puertas.")]
        assert_clean_catalogs(host.root)
        assert git(host.root, "status", "--porcelain") == ""
    authors = {line.split("|")[0] for line in log(host_a)}
    assert {"ana", "bob", "dan"} <= authors


def test_history_suggestions_index_and_claims_follow_a_sync(host_a, host_b):
    """What the server shows after a sync: the history row by the remote author, the other
    version as a suggestion, the index's counts, the memory, and claims released."""
    from chorus.index import Index
    from chorus.memory import Memory
    from webui import sync as web_sync

    a, b = app_for(host_a), app_for(host_b)
    reviewer_a = client_as(a, host_a, "ana")
    Index(host_a).refresh(full=True)
    memory_before = Memory.load(host_a, "es")
    claimed = segments(reviewer_a)[3]
    assert reviewer_a.post(f"/api/statements/{SLUG}/es/segments/{claimed['id']}/open").status_code == 200
    save(reviewer_a, 0, "Paren los ataques")
    save(client_as(b, host_b, "dan"), 0, "¡Basta de ataques!")  # later
    save(client_as(b, host_b, "dan"), 3, "¡Un daño a uno es un daño a todos!")
    assert sync(host_b).returncode == 0
    result = gitsync.sync(host_a)
    web_sync.record(host_a, a.extensions["chorus_records"], result)
    page = browser_as(a, host_a, "ana").get(f"/review/{SLUG}/es").get_data(as_text=True)
    assert "¡Basta de ataques!" in page
    assert "other version by ana" in page and "Paren los ataques" in page
    history = a.extensions["chorus_records"].history(SLUG, "es")
    rows = history[segments(reviewer_a)[3]["id"]]
    assert rows[0].user == "dan" and rows[0].new_target == "¡Un daño a uno es un daño a todos!"
    assert "elsewhere" in rows[0].action
    assert any(row.user == "ana" and "suggestion" in row.action for row in history[segments(reviewer_a)[0]["id"]])
    counts = Index(host_a).catalog_rows([SLUG], ["es"])[0]
    assert counts["translated"] == 2
    assert Memory.load(host_a, "es").exact("An injury to one is an injury to all!").target == \
        "¡Un daño a uno es un daño a todos!"
    assert memory_before.exact("An injury to one is an injury to all!") is None
    assert a.extensions["chorus_records"].claimed_by_others(SLUG, "es", "someone else") == {}
    # A page opened before the sync gets the 409 with the synced text, not a silent overwrite.
    response = reviewer_a.put(f"/api/statements/{SLUG}/es/segments/{claimed['id']}",
                              json={"target": "Mi versión", "revision": claimed["revision"]})
    assert response.status_code == 409 and response.get_json()["target"] == "¡Un daño a uno es un daño a todos!"


def test_a_lost_race_is_fetched_merged_and_pushed_again(tmp_path, remote, host_a, host_b, monkeypatch):
    save(client_as(app_for(host_a), host_a, "ana"), 0, "Paren los ataques")
    real_push = gitsync._push
    raced = []

    def push_after_someone_else(root, found, branch, url, commit):
        if not raced:  # another host pushes between this host's fetch and its push
            raced.append(True)
            save(client_as(app_for(host_b), host_b, "dan"), 1, "Estamos con ellos.")
            assert sync(host_b).returncode == 0
        return real_push(root, found, branch, url, commit)

    monkeypatch.setattr(gitsync, "_push", push_after_someone_else)
    result = gitsync.sync(host_a)
    assert raced and result.sent >= 2 and result.merged
    assert git(remote, "rev-parse", "main") == git(host_a.root, "rev-parse", "HEAD")
    found = targets(host_a)
    assert found["Stop the Attacks on the Harbour Workers"][0] == "Paren los ataques"
    assert found["We stand with the dockers of the northern harbour."][0] == "Estamos con ellos."


def test_two_syncs_at_once_wait_for_each_other(host_a, host_b):
    save(client_as(app_for(host_a), host_a, "ana"), 0, "Paren los ataques")
    runs = [subprocess.Popen([str(CHORUS), "sync", "--project", str(host_a.root)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [run.communicate(timeout=300) + (run.returncode,) for run in runs]
    assert all(code == 0 for _, _, code in outcomes), outcomes
    assert git(host_a.root, "rev-parse", "HEAD") == git(host_a.root, "rev-parse", "origin/main")


def test_sync_status_says_when_and_what_waits(host_a):
    save(client_as(app_for(host_a), host_a, "ana"), 0, "Paren los ataques")
    done = chorus("sync", "--status", "--project", str(host_a.root))
    assert done.returncode == 0
    assert "Last synced: just now" in done.stdout and "Changes waiting for a commit: 1" in done.stdout


# --- bad remote states: one line, nothing changed here --------------------------------------------


def one_line_error(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chorus: error: "), done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    return lines[0]


def test_an_unreachable_remote_changes_nothing_and_the_state_says_when_it_last_synced(tmp_path, remote, host_a):
    remote.rename(tmp_path / "moved.git")
    before = state_of(host_a.root)
    line = one_line_error(sync(host_a), "cannot reach origin", "the next sync tries again")
    assert str(tmp_path) in line  # names the remote
    assert state_of(host_a.root) == before
    status = gitsync.status(host_a)
    assert status["error_kind"] == "unreachable"
    assert status["last_synced"] is not None and status["error"].startswith("cannot reach origin")
    (tmp_path / "moved.git").rename(remote)
    assert sync(host_a).returncode == 0
    assert gitsync.status(host_a)["error"] is None


def test_rejected_credentials_are_one_line_without_the_password(tmp_path, remote, host_a):
    with GitHttpServer(tmp_path, "sync", "right-secret") as server:
        git(host_a.root, "remote", "set-url", "origin", server.url("remote.git", "sync", "wrong-secret"))
        before = state_of(host_a.root)
        line = one_line_error(sync(host_a), "refused the credentials")
        assert "wrong-secret" not in line and "***@" in line
        assert state_of(host_a.root) == before
        git(host_a.root, "remote", "set-url", "origin", server.url("remote.git", "sync", "right-secret"))
        save(client_as(app_for(host_a), host_a, "ana"), 0, "Paren los ataques")
        done = sync(host_a)
        assert done.returncode == 0, done.stderr
        assert "sent 1 commit" in done.stdout
    assert git(remote, "log", "-1", "--format=%an", "main") == "ana"


def test_a_force_pushed_remote_is_refused_until_accepted(tmp_path, remote, host_a):
    other = clone(tmp_path, remote, "rewriter")
    git(other.root, "commit", "-q", "--amend", "-m", "Rewritten history", env=identity("Rewriter"))
    git(other.root, "push", "-q", "--force", "origin", "main")
    save(client_as(app_for(host_a), host_a, "ana"), 0, "Paren los ataques")
    gitstore.commit_pending(host_a)
    before = state_of(host_a.root)
    remote_before = git(remote, "rev-parse", "main")
    one_line_error(sync(host_a), "was rewritten (force-pushed)", "--accept-rewrite")
    assert state_of(host_a.root) == before
    assert git(remote, "rev-parse", "main") == remote_before  # nothing pushed
    done = sync(host_a, "--accept-rewrite")
    assert done.returncode == 0, done.stderr
    assert git(remote, "rev-parse", "main") == git(host_a.root, "rev-parse", "HEAD")


def test_sources_changed_in_the_same_lines_stop_the_sync(tmp_path, remote, host_a, host_b):
    for host, words in ((host_a, "four weeks"), (host_b, "five weeks")):
        source = host.source_path(SLUG)
        source.write_text(source.read_text(encoding="utf-8").replace("three weeks", words), encoding="utf-8")
        assert chorus("update", SLUG, "--project", str(host.root)).returncode == 0
    assert sync(host_b).returncode == 0
    remote_before = git(remote, "rev-parse", "main")
    before = state_of(host_a.root)
    line = one_line_error(sync(host_a), "cannot merge origin/main", f"source/{SLUG}.txt", "Nothing was merged")
    assert "changed on both sides" in line
    assert state_of(host_a.root) == before and not before["merging"]
    assert git(remote, "rev-parse", "main") == remote_before
    assert_clean_catalogs(host_a.root)


def test_a_source_edited_on_two_hosts_in_different_places_is_merged_and_updated(host_a, host_b):
    """Both hosts edit the statement and run chorus update; the sources merge as text, and the
    host that merges updates the catalogs to the merged source, so export works at once."""
    save(client_as(app_for(host_a), host_a, "ana"), 0, "Paren los ataques contra los trabajadores del puerto")
    for host, old, new in ((host_a, "three weeks", "four weeks"), (host_b, "An injury", "A wound")):
        source = host.source_path(SLUG)
        source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        assert chorus("update", SLUG, "--project", str(host.root)).returncode == 0
    assert sync(host_b).returncode == 0
    done = sync(host_a)
    assert done.returncode == 0, done.stderr
    assert log(host_a, "-1")[0] == "Chorus|chorus@volunteers.invalid|chorus update after a sync: harbour"
    text = host_a.source_path(SLUG).read_text(encoding="utf-8")
    assert "four weeks" in text and "A wound" in text
    found = targets(host_a)
    assert "For four weeks they have held the gates." in found and "A wound to one is an injury to all!" in found
    assert found["Stop the Attacks on the Harbour Workers"][0] == "Paren los ataques contra los trabajadores del puerto"
    done = chorus("export", SLUG, "--draft", "--lang", "es", "--project", str(host_a.root))
    assert done.returncode == 0, done.stderr
    assert sync(host_b).returncode == 0
    assert targets(host_b) == found
    assert_clean_catalogs(host_a.root)


def test_a_broken_catalog_pushed_by_someone_stops_the_sync_naming_it(tmp_path, remote, host_a, host_b):
    path = host_b.catalog_path(SLUG, "es")
    path.write_text(path.read_text(encoding="utf-8").replace('msgstr ""\n\n#. paragraph', "msgstr\n\n#. paragraph", 1),
                    encoding="utf-8")
    git(host_b.root, "commit", "-q", "-am", "A hand edit gone wrong", env=identity("Careless"))
    git(host_b.root, "push", "-q", "origin", "main")
    save(client_as(app_for(host_a), host_a, "ana"), 1, "Estamos con los estibadores.")
    gitstore.commit_pending(host_a)
    before = state_of(host_a.root)
    one_line_error(sync(host_a), f"translations/{SLUG}/es.po (theirs): not a valid PO file")
    assert state_of(host_a.root) == before
    assert_clean_catalogs(host_a.root)


def test_chorus_toml_changed_in_the_same_line_stops_the_sync(host_a, host_b):
    for host, value in ((host_a, "80"), (host_b, "90")):
        config = host.root / "chorus.toml"
        config.write_text(re.sub(r"publish_threshold = \d+", f"publish_threshold = {value}",
                                 config.read_text(encoding="utf-8")), encoding="utf-8")
    assert sync(host_b).returncode == 0  # committed as a change nobody noted, and pushed
    assert log(host_b, "-1")[0].split("|")[2].startswith("Changes made on this host outside Chorus: chorus.toml")
    before = state_of(host_a.root)
    line = one_line_error(sync(host_a), "chorus.toml changed on both sides")
    assert state_of(host_a.root)["files"] == before["files"]


def test_a_detached_head_is_one_line(host_a):
    git(host_a.root, "checkout", "-q", "--detach", "HEAD~1")
    before = state_of(host_a.root)
    one_line_error(sync(host_a), "HEAD is detached", "git switch")
    assert state_of(host_a.root) == before


def test_a_merge_in_progress_is_left_to_its_owner(host_a, host_b):
    (host_a.root / ".git" / "MERGE_HEAD").write_text(git(host_a.root, "rev-parse", "HEAD") + "\n")
    one_line_error(sync(host_a), "a merge is in progress", "git merge --abort")


@pytest.mark.parametrize("setting, says", [
    ('remote = "no such remote"', "remote must be the name of a git remote"),
    ("sync_interval = -5", "sync_interval must be a number of seconds"),
    ('email_domain = "bad domain"', "email_domain must be a domain name"),
    ('branch = "a..b"', "branch must be a branch name"),
    ("colour = 1", "unknown key 'colour'"),
])
def test_bad_git_settings_are_one_line(host_a, setting, says):
    config = host_a.root / "chorus.toml"
    key = setting.split(" =")[0]
    text = re.sub(rf"(?m)^{key} = .*\n", "", config.read_text(encoding="utf-8"))
    config.write_text(text.replace("[git]\n", f"[git]\n{setting}\n"), encoding="utf-8")
    one_line_error(sync(host_a), says)


def test_no_remote_is_one_line(host_a):
    git(host_a.root, "remote", "remove", "origin")
    one_line_error(sync(host_a), "no git remote named 'origin'", "git remote add origin URL")


def test_a_project_that_does_not_sync_says_how_to_start(project):
    done = chorus("sync", "--project", str(project.root))
    one_line_error(done, "does not sync with git", "chorus init --git")


def test_a_remote_that_lost_its_branch_is_refused(tmp_path, remote, host_a):
    git(remote, "update-ref", "-d", "refs/heads/main")
    before = state_of(host_a.root)
    one_line_error(sync(host_a), "has no branch main any more")
    assert state_of(host_a.root) == before


def test_a_sync_thread_in_the_server_commits_and_syncs_on_its_own(host_a, host_b):
    """The server's thread, run one tick at a time: it syncs when asked (the webhook) and
    when sync_interval has passed."""
    app = app_for(host_b)
    save(client_as(app, host_b, "dan"), 0, "Paren los ataques")
    syncer = app.extensions["chorus_sync"]
    syncer.request()
    result = syncer.tick()
    assert result is not None and result.sent == 1
    assert syncer.tick() is None  # sync_interval (60 s) has not passed: nothing to do
    assert git(host_b.root, "rev-parse", "HEAD") == git(host_b.root, "rev-parse", "origin/main")


def test_a_forge_webhook_or_a_coordinator_asks_for_a_sync(host_a, monkeypatch):
    import hashlib
    import hmac

    monkeypatch.setenv("CHORUS_WEBHOOK_SECRET", "shared-secret")
    app = app_for(host_a)
    syncer = app.extensions["chorus_sync"]
    body = b'{"ref": "refs/heads/main"}'
    signature = hmac.new(b"shared-secret", body, hashlib.sha256).hexdigest()
    forge = app.test_client()
    response = forge.post("/api/sync", data=body, content_type="application/json",
                          headers={"X-Hub-Signature-256": f"sha256={signature}"})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["status"] == "queued" and syncer.requested
    syncer.requested = False
    response = forge.post("/api/sync", json={}, headers={"X-Gitlab-Token": "shared-secret"})
    assert response.status_code == 202 and syncer.requested
    syncer.requested = False
    response = forge.post("/api/sync", data=body + b" ", content_type="application/json",
                          headers={"X-Hub-Signature-256": f"sha256={signature}"})  # a body it did not sign
    assert response.status_code == 401 and not syncer.requested
    coordinator = client_as(app, host_a, "maria", role="coordinator")
    assert coordinator.post("/api/sync").status_code == 202 and syncer.requested
    status = client_as(app, host_a, "ana").get("/api/sync").get_json()
    assert status["enabled"] and status["remote"] == "origin" and status["branch"] == "main"
    assert status["last_synced_ago"] == "just now" and status["error"] is None
    assert client_as(app, host_a, "ana").post("/api/sync").status_code == 403


def test_the_page_says_when_the_host_last_synced(host_a, tmp_path, remote):
    app = app_for(host_a)
    page = browser_as(app, host_a, "ana").get("/").get_data(as_text=True)
    assert "Synced just now" in page
    remote.rename(tmp_path / "away.git")
    assert sync(host_a).returncode == 1
    page = browser_as(app, host_a, "ana").get("/").get_data(as_text=True)
    assert "Last synced just now: the last try failed" in page
    assert "cannot reach origin" not in page  # the reason is for coordinators
    page = browser_as(app, host_a, "maria", role="coordinator").get("/").get_data(as_text=True)
    assert "the last try failed (cannot reach origin" in page


def test_concurrent_saves_during_a_sync_are_all_committed(host_a, host_b):
    """Volunteers keep saving while a sync merges: every save ends in a commit."""
    app = app_for(host_a)
    client = client_as(app, host_a, "ana")
    save(client_as(app_for(host_b), host_b, "dan"), 4, "¡Solidaridad con los portuarios!")
    assert sync(host_b).returncode == 0
    stop = threading.Event()
    texts = []

    def saving():
        number = 0
        while not stop.is_set() and number < 15:
            text = f"Paren los ataques {number}"
            save(client, 0, text)
            texts.append(text)
            number += 1

    worker = threading.Thread(target=saving)
    worker.start()
    try:
        for _ in range(3):
            gitsync.sync(host_a)
    finally:
        stop.set()
        worker.join()
    gitsync.sync(host_a)
    assert targets(host_a)["Stop the Attacks on the Harbour Workers"][0] == texts[-1]
    assert git(host_a.root, "status", "--porcelain") == ""
    assert git(host_a.root, "show", f"origin/main:translations/{SLUG}/es.po").count(texts[-1]) == 1
    assert targets(host_a)["Solidarity with the harbour workers!"][0] == "¡Solidaridad con los portuarios!"
