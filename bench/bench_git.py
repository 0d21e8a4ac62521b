"""Git sync: what it costs a save, how the PO merge driver compares with git's own merges, and
what a busy evening becomes in commits.

    .venv/bin/python bench/bench_git.py [--saves 300] [--entries 2000] [--runs 5]

1. Saves through the API (Flask's test client, in one process) in a project that syncs and in
   the same project without ``[git]``: the median of each, and the ratio (the cost of noting
   the change for a commit).
2. One catalog of ``--entries`` entries changed on two branches (10% each, a tenth of those the
   same entries), merged by ``chorus merge-driver`` inside ``git merge`` and, in the same run,
   by git's text merge (``git merge-file``) and by the usual gettext recipe (``msgcat
   --use-first``, which keeps one side of every conflict and drops the other): the time, the
   conflict markers left, and whether ``msgfmt -c`` takes the result.
3. ``--saves`` saves by five volunteers in three catalogs, then one commit round: how many
   commits, against one per save, and the time the round takes.

Writes the figures to bench/results/git.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

from chorus import catalog, gitstore  # noqa: E402
from chorus.ingest import apply, plan_add  # noqa: E402
from chorus.project import Project  # noqa: E402
from chorus.users import UserStore  # noqa: E402

RESULTS = HERE / "results" / "git.md"
CHORUS = Path(sys.executable).with_name("chorus")
PASSWORD = "a-long-enough-password"
MARKER = re.compile(rb"^<{7}", re.M)


def git(cwd: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check,
                          env={**os.environ, **(env or {})})


def statement(sentences: int, seed: int) -> str:
    rng = random.Random(seed)
    words = "harbour workers dockers gates strike union solidarity city port weeks night ships wages".split()
    lines = [f"Statement {seed} of the harbour workers", ""]
    for number in range(sentences):
        lines.append(" ".join(rng.choice(words) for _ in range(8)).capitalize() + f" {number}.")
        lines.append("")
    return "\n".join(lines)


def make_project(root: Path, git_table: bool, statements: int = 3, sentences: int = 60) -> Project:
    project = Project.create(root, "en", ["es"])
    files = []
    for number in range(statements):
        path = root.parent / f"{root.name}-statement-{number}.txt"
        path.write_text(statement(sentences, number), encoding="utf-8")
        files.append(path)
    apply(project, plan_add(project, files))
    if git_table:
        gitstore.check_init(root)
        gitstore.init(project)
        project = Project.load(root)
    return project


def api_clients(project: Project, names: list[str]):
    from webui import create_app

    app = create_app(project.root, config={"TESTING": True, "CHORUS_SYNC_THREAD": False})
    store = UserStore.for_project(project)
    clients = {}
    for name in names:
        store.add(name, PASSWORD, role="reviewer")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {store.new_token(name)}"
        clients[name] = client
    return clients


def timed_saves(project: Project, count: int, names: list[str], rng: random.Random) -> list[float]:
    clients = api_clients(project, names)
    slugs = project.statements()
    times = []
    for number in range(count):
        client = clients[rng.choice(names)]
        slug = rng.choice(slugs)
        segments = client.get(f"/api/statements/{slug}/es/segments").get_json()["segments"]
        segment = rng.choice(segments)
        start = time.perf_counter()
        response = client.put(f"/api/statements/{slug}/es/segments/{segment['id']}",
                              json={"target": f"Traducción {number}", "revision": segment["revision"]})
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_data(as_text=True)
    return times


def save_cost(folder: Path, saves: int) -> dict:
    rng = random.Random(7)
    plain = timed_saves(make_project(folder / "plain", False), saves, ["ana"], rng)
    rng = random.Random(7)
    synced_project = make_project(folder / "synced", True)
    synced = timed_saves(synced_project, saves, ["ana"], rng)
    return {"plain": statistics.median(plain), "synced": statistics.median(synced),
            "pending": len(gitstore.pending(synced_project))}


def catalog_text(entries: int) -> str:
    import polib

    po = polib.POFile(wrapwidth=catalog.WRAP)
    po.metadata = {"Project-Id-Version": "bench 1", "Language": "es", "MIME-Version": "1.0",
                   "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit",
                   "Plural-Forms": "nplurals=2; plural=(n != 1);", "PO-Revision-Date": "2024-03-03 10:00+0000"}
    for number in range(entries):
        po.append(polib.POEntry(msgid=f"Sentence {number} of the harbour workers.", msgstr="",
                                occurrences=[("source/bench.txt", str(number + 1))], comment="paragraph"))
    return catalog.render(po)


def changed(text: str, indexes: set[int], word: str) -> str:
    out = []
    for block in text.split("\n\n"):
        found = re.search(r'msgid "Sentence (\d+) of', block)
        if found and int(found.group(1)) in indexes:
            block = block.replace('msgstr ""', f'msgstr "Frase {found.group(1)} ({word})"')
        out.append(block)
    return "\n\n".join(out)


def merge_figures(folder: Path, entries: int, runs: int) -> dict:
    rng = random.Random(11)
    base = catalog_text(entries)
    share = max(1, entries // 10)
    ours_set = set(rng.sample(range(entries), share))
    both = set(rng.sample(sorted(ours_set), max(1, share // 10)))
    theirs_set = both | set(rng.sample(sorted(set(range(entries)) - ours_set), share - len(both)))
    ours, theirs = changed(base, ours_set, "ana"), changed(base, theirs_set, "dan")
    figures: dict[str, dict] = {}
    for name in ("chorus merge-driver in git merge", "git merge-file (text)", "msgcat --use-first"):
        times, markers, valid = [], False, True
        for run in range(runs):
            work = folder / f"merge-{len(figures)}-{run}"
            work.mkdir()
            if name.startswith("chorus"):
                git(work, "init", "-q", "-b", "main")
                (work / ".gitattributes").write_text("*.po merge=chorus\n")
                git(work, "config", "merge.chorus.driver", f"{CHORUS} merge-driver %O %A %B %P")
                who = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
                       "GIT_COMMITTER_EMAIL": "b@x"}
                (work / "es.po").write_text(base)
                git(work, "add", "-A")
                git(work, "commit", "-qm", "base", env=who)
                git(work, "switch", "-qc", "theirs")
                (work / "es.po").write_text(theirs)
                git(work, "commit", "-qam", "theirs", env=who)
                git(work, "switch", "-q", "main")
                (work / "es.po").write_text(ours)
                git(work, "commit", "-qam", "ours", env=who)
                start = time.perf_counter()
                done = git(work, "merge", "--no-edit", "theirs", env=who, check=False)
                times.append(time.perf_counter() - start)
                result = work / "es.po"
            else:
                for side, text in (("base", base), ("ours", ours), ("theirs", theirs)):
                    (work / f"{side}.po").write_text(text)
                start = time.perf_counter()
                if name.startswith("git"):
                    done = subprocess.run(["git", "merge-file", "ours.po", "base.po", "theirs.po"], cwd=work,
                                          capture_output=True)
                    result = work / "ours.po"
                else:
                    done = subprocess.run(["msgcat", "--use-first", "-o", "merged.po", "ours.po", "theirs.po"],
                                          cwd=work, capture_output=True)
                    result = work / "merged.po"
                times.append(time.perf_counter() - start)
            data = result.read_bytes()
            markers = markers or bool(MARKER.search(data))
            check = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(result)], capture_output=True)
            valid = valid and check.returncode == 0
            kept = sum(1 for index in ours_set if f"Frase {index} (ana)".encode() in data) + \
                sum(1 for index in theirs_set if f"Frase {index} (dan)".encode() in data)
        figures[name] = {"median": statistics.median(times), "markers": markers, "valid": valid, "kept": kept,
                         "exit": done.returncode}
    figures["_sizes"] = {"entries": entries, "ours": len(ours_set), "theirs": len(theirs_set), "both": len(both)}
    return figures


def coalescing(folder: Path, saves: int) -> dict:
    project = make_project(folder / "evening", True)
    names = ["ana", "bob", "carla", "dan", "eli"]
    timed_saves(project, saves, names, random.Random(3))
    noted = len(gitstore.pending(project))
    before = int(git(project.root, "rev-list", "--count", "HEAD").stdout)
    start = time.perf_counter()
    gitstore.commit_pending(project)
    took = time.perf_counter() - start
    after = int(git(project.root, "rev-list", "--count", "HEAD").stdout)
    authors = set(git(project.root, "log", "--format=%an", f"-{after - before}").stdout.split())
    return {"saves": noted, "commits": after - before, "seconds": took, "authors": len(authors & set(names))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="Do not write bench/results/git.md.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        config = folder / "gitconfig"
        config.touch()
        os.environ.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1")
        cost = save_cost(folder, options.saves)
        merges = merge_figures(folder, options.entries, options.runs)
        evening = coalescing(folder, options.saves)
    sizes = merges.pop("_sizes")
    lines = [
        "# Git sync benchmark", "",
        "`.venv/bin/python bench/bench_git.py` — saves through the API with and without `[git]`; one catalog "
        f"of {sizes['entries']:,} entries changed on two branches ({sizes['ours']} and {sizes['theirs']} entries, "
        f"{sizes['both']} of them on both) merged three ways; {options.saves} saves by five volunteers in three "
        "catalogs, then one commit round.", "",
        f"Machine: {describe()}", "",
        "## What a save costs", "",
        "| measure | value |", "|---|---|",
        f"| save, median of {options.saves}, project without `[git]` | {cost['plain'] * 1000:.1f} ms |",
        f"| save, median of {options.saves}, project that syncs (change noted for a commit) | "
        f"{cost['synced'] * 1000:.1f} ms |",
        f"| ratio | {cost['synced'] / cost['plain']:.2f}× |", "",
        "## Merging one catalog changed on two branches", "",
        f"Median of {options.runs} runs. \"Versions kept\" counts the translations written on either branch "
        "that are still in the merged file (an entry changed on both sides has two: chorus keeps the later "
        "as the translation and the other as a comment; msgcat keeps one).", "",
        "| merge | time | conflict markers | msgfmt -c | versions kept |", "|---|---|---|---|---|",
    ]
    total = sizes["ours"] + sizes["theirs"]
    for name, row in merges.items():
        lines.append(f"| {name} | {row['median'] * 1000:.0f} ms | {'yes' if row['markers'] else 'none'} | "
                     f"{'passes' if row['valid'] else 'fails'} | {row['kept']} of {total} |")
    lines += ["", "## A busy evening in commits", "",
              "| measure | value |", "|---|---|",
              f"| saves noted | {evening['saves']} |",
              f"| commits made (one per volunteer and catalog) | {evening['commits']} |",
              f"| commits one per save would make | {evening['saves']} |",
              f"| volunteers named as authors | {evening['authors']} of 5 |",
              f"| commit round | {evening['seconds']:.2f} s |", ""]
    text = "\n".join(lines)
    print(text)
    if not options.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
