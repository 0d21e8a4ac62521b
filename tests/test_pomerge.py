"""The PO merge driver: entries merged by msgctxt + msgid, the later translation kept and the
other kept as a suggestion, flags gettext tools drop kept, never a conflict marker, always a
catalog msgfmt -c takes; and the driver as git runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polib
import pytest

from chorus import catalog, pomerge
from chorus.ingest import apply, plan_add
from chorus.pomerge import Alternative, merge_texts
from conftest import CHORUS, msgfmt_check
from git_helpers import MARKERS, STATEMENT, git, identity

TITLE, FIRST, SECOND, INJURY, SLOGAN = (
    "Stop the Attacks on the Harbour Workers", "We stand with the dockers of the northern harbour.",
    "For three weeks they have held the gates.", "An injury to one is an injury to all!",
    "Solidarity with the harbour workers!")


@pytest.fixture
def base_text(project) -> str:
    source = project.root.parent / "harbour.txt"
    source.write_text(STATEMENT, encoding="utf-8")
    apply(project, plan_add(project, [source]))
    return project.catalog_path("harbour", "es").read_text(encoding="utf-8")


def edit(text: str, changes: dict[str, tuple[str, str]], when: str | None = None, flags: dict | None = None) -> str:
    """The catalog with ``msgid → (msgstr, state)`` changed, and its PO-Revision-Date set."""
    po = pomerge.parse_bytes(text.encode("utf-8"), "test.po")
    for entry in po:
        if entry.msgid in changes:
            entry.msgstr, state = changes[entry.msgid]
            if state != "untranslated":
                catalog.set_state(entry, state)
        for flag in (flags or {}).get(entry.msgid, []):
            entry.flags.append(flag)
    if when:
        po.metadata["PO-Revision-Date"] = when
    return catalog.render(po)


def entries(text: str) -> dict[str, polib.POEntry]:
    return {entry.msgid: entry for entry in pomerge.parse_bytes(text.encode("utf-8"), "merged.po")}


def checked(text: str, tmp_path: Path) -> str:
    assert not MARKERS.search(text.encode("utf-8"))
    path = tmp_path / "merged.po"
    path.write_text(text, encoding="utf-8")
    msgfmt_check(path)
    return text


def test_different_entries_merge_cleanly(base_text, tmp_path):
    ours = edit(base_text, {TITLE: ("Paren los ataques", "translated")})
    theirs = edit(base_text, {FIRST: ("Estamos con los estibadores.", "approved")})
    merged, decisions = merge_texts(base_text, ours, theirs)
    found = entries(checked(merged, tmp_path))
    assert (found[TITLE].msgstr, catalog.state(found[TITLE])) == ("Paren los ataques", "translated")
    assert (found[FIRST].msgstr, catalog.state(found[FIRST])) == ("Estamos con los estibadores.", "approved")
    assert decisions == []
    assert [entry.msgid for entry in found.values()] == [TITLE, FIRST, SECOND, INJURY, SLOGAN]


@pytest.mark.parametrize("later", ["ours", "theirs"])
def test_an_entry_changed_on_both_sides_keeps_the_later_version_and_the_other_as_a_suggestion(base_text, tmp_path,
                                                                                             later):
    early, late = "2024-03-03 18:00+0000", "2024-03-03 18:07+0000"
    ours = edit(base_text, {TITLE: ("Paren los ataques", "translated")}, late if later == "ours" else early)
    theirs = edit(base_text, {TITLE: ("¡Detengan los ataques!", "approved")}, late if later == "theirs" else early)
    merged, decisions = merge_texts(base_text, ours, theirs)
    title = entries(checked(merged, tmp_path))[TITLE]
    kept, other = ("Paren los ataques", "¡Detengan los ataques!") if later == "ours" else \
        ("¡Detengan los ataques!", "Paren los ataques")
    assert title.msgstr == kept
    assert [alt.text for alt in pomerge.alternatives(title)] == [other]
    assert pomerge.alternatives(title)[0].state == ("approved" if later == "ours" else "translated")
    assert [(d.kept, d.other.text) for d in decisions] == [(later, other)]
    assert "# other version by " in merged


def test_a_volunteers_text_wins_over_a_later_machine_draft(base_text, tmp_path):
    ours = edit(base_text, {TITLE: ("Paren los ataques", "translated")}, "2024-03-03 18:00+0000")
    theirs = edit(base_text, {TITLE: ("Parón los Ataques", "fuzzy")}, "2024-03-03 19:00+0000")
    merged, _ = merge_texts(base_text, ours, theirs)
    title = entries(checked(merged, tmp_path))[TITLE]
    assert (title.msgstr, catalog.state(title)) == ("Paren los ataques", "translated")
    assert [alt.text for alt in pomerge.alternatives(title)] == ["Parón los Ataques"]


def test_the_same_text_on_both_sides_keeps_the_higher_state_and_no_suggestion(base_text, tmp_path):
    ours = edit(base_text, {TITLE: ("Paren los ataques", "approved")}, "2024-03-03 18:00+0000")
    theirs = edit(base_text, {TITLE: ("Paren los ataques", "translated")}, "2024-03-03 19:00+0000")
    merged, _ = merge_texts(base_text, ours, theirs)
    title = entries(checked(merged, tmp_path))[TITLE]
    assert catalog.state(title) == "approved"
    assert pomerge.alternatives(title) == []


def test_approvals_and_ignored_checks_that_gettext_tools_drop_are_kept(base_text, tmp_path):
    base = edit(base_text, {TITLE: ("Paren los ataques", "approved"), SLOGAN: ("Berlin", "translated")},
                flags={SLOGAN: ["chorus-ignore:unchanged"]})
    (tmp_path / "base.po").write_text(base, encoding="utf-8")
    subprocess.run(["msgcat", str(tmp_path / "base.po"), "-o", str(tmp_path / "theirs.po")], check=True)
    theirs = (tmp_path / "theirs.po").read_text(encoding="utf-8")
    # what gettext does: it keeps the approval (a translator comment), drops a flag it does not know
    assert "# chorus: approved" in theirs and "chorus-ignore" not in theirs
    theirs = edit(theirs, {FIRST: ("Estamos con los estibadores.", "translated")})  # and a translator's edit
    ours = edit(base, {SECOND: ("Llevan tres semanas en las puertas.", "translated")})
    merged, _ = merge_texts(base, ours, theirs)
    found = entries(checked(merged, tmp_path))
    assert catalog.state(found[TITLE]) == "approved"
    assert catalog.ignored(found[SLOGAN]) == {"unchanged"}  # kept (in the comment gettext tools keep)
    assert found[FIRST].msgstr == "Estamos con los estibadores."
    assert found[SECOND].msgstr == "Llevan tres semanas en las puertas."


def test_a_source_update_on_one_side_and_a_translation_on_the_other_lose_nothing(project, base_text, tmp_path):
    theirs = edit(base_text, {SECOND: ("Llevan tres semanas en las puertas.", "translated")})
    source = project.root / "source" / "harbour.txt"
    source.write_text(STATEMENT.replace("For three weeks", "For four weeks"), encoding="utf-8")
    from chorus.ingest import plan_update

    apply(project, plan_update(project, ["harbour"]))
    ours = project.catalog_path("harbour", "es").read_text(encoding="utf-8")
    merged, _ = merge_texts(base_text, ours, theirs)
    po = pomerge.parse_bytes(checked(merged, tmp_path).encode("utf-8"), "merged.po")
    live = {entry.msgid: entry for entry in po if not entry.obsolete}
    gone = {entry.msgid: entry for entry in po if entry.obsolete}
    assert "For four weeks they have held the gates." in live
    assert SECOND not in live
    assert gone[SECOND].msgstr == "Llevan tres semanas en las puertas."  # kept, as msgmerge keeps it


def test_a_translators_note_and_a_new_text_of_one_entry_are_both_kept(base_text, tmp_path):
    draft = edit(base_text, {TITLE: ("Parón los Ataques", "fuzzy")})
    po = pomerge.parse_bytes(draft.encode("utf-8"), "d.po")
    catalog.set_origin(next(e for e in po if e.msgid == TITLE), "mt apertium")
    draft = catalog.render(po)
    ours = edit(draft, {TITLE: ("Paren los ataques", "translated")})  # a volunteer saves: no origin any more
    po = pomerge.parse_bytes(ours.encode("utf-8"), "o.po")
    catalog.set_origin(next(e for e in po if e.msgid == TITLE), None)
    ours = catalog.render(po)
    theirs = draft.replace("# chorus: mt apertium", "# chorus: mt apertium\n# Harbour is the port of the city")
    merged, decisions = merge_texts(draft, ours, theirs)
    title = entries(checked(merged, tmp_path))[TITLE]
    assert (title.msgstr, catalog.state(title)) == ("Paren los ataques", "translated")
    assert title.tcomment == "Harbour is the port of the city"  # the note added there; no stale origin
    assert decisions == []


def test_headers_take_the_later_revision(base_text, tmp_path):
    ours = edit(base_text, {TITLE: ("Paren los ataques", "translated")}, "2024-03-03 18:00+0000")
    ours = ours.replace("Last-Translator: Chorus", "Last-Translator: ana")
    theirs = edit(base_text, {FIRST: ("Estamos con ellos.", "translated")}, "2024-03-04 09:00+0000")
    theirs = theirs.replace("Last-Translator: Chorus", "Last-Translator: bob")
    merged, _ = merge_texts(base_text, ours, theirs)
    headers = pomerge.parse_bytes(checked(merged, tmp_path).encode("utf-8"), "m.po").metadata
    assert headers["PO-Revision-Date"] == "2024-03-04 09:00+0000"
    assert headers["Last-Translator"] == "bob"


def test_alternatives_are_at_most_three_and_never_the_kept_text(base_text):
    po = pomerge.parse_bytes(base_text.encode("utf-8"), "x.po")
    title = next(entry for entry in po if entry.msgid == TITLE)
    versions = ["Uno", "Dos", "Tres", "Cuatro"]
    base = catalog.render(po)
    ours_text = base
    for number, version in enumerate(versions):
        theirs = edit(ours_text, {TITLE: (version, "translated")}, f"2024-03-0{number + 2} 10:00+0000")
        ours = edit(ours_text, {TITLE: (version + "!", "translated")}, f"2024-03-0{number + 2} 09:00+0000")
        ours_text, _ = merge_texts(ours_text, ours, theirs)
    title = entries(ours_text)[TITLE]
    assert title.msgstr == "Cuatro"
    texts = [alt.text for alt in pomerge.alternatives(title)]
    assert len(texts) == 3 and "Cuatro" not in texts
    assert texts[0] == "Cuatro!"  # the newest first


@pytest.mark.parametrize("text", ['Say "no" to \\ back\\slashes', "two\nlines\tand a tab", "¡Sí, señor!", ""])
def test_an_alternative_reads_back_as_written(text):
    alt = Alternative("Doe, Jane", 1709488800.0, "approved", text)
    assert Alternative.parse(alt.line()) == alt
    assert "\n" not in alt.line()


def test_no_base_both_added_and_unrelated_catalogs_still_merge(base_text, tmp_path):
    ours = edit(base_text, {TITLE: ("Paren los ataques", "translated")}, "2024-03-03 18:00+0000")
    theirs = edit(base_text, {TITLE: ("¡Basta!", "translated")}, "2024-03-03 19:00+0000")
    merged, decisions = merge_texts(None, ours, theirs)
    assert entries(checked(merged, tmp_path))[TITLE].msgstr == "¡Basta!"
    assert len(decisions) == 1


# --- the driver as git runs it ------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path, monkeypatch, base_text):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (tmp_path / "gitconfig").touch()
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".gitattributes").write_text("*.po merge=chorus\n", encoding="utf-8")
    git(root, "config", "merge.chorus.driver", f"{CHORUS} merge-driver %O %A %B %P")
    (root / "es.po").write_text(base_text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base", env=identity("Setup"))
    return root


def commit_as(root: Path, name: str, text: str, when: int) -> None:
    (root / "es.po").write_text(text, encoding="utf-8")
    git(root, "commit", "-q", "-am", f"by {name}", env={**identity(name), "GIT_AUTHOR_DATE": f"@{when} +0000",
                                                         "GIT_COMMITTER_DATE": f"@{when} +0000"})


def test_git_merge_runs_the_driver_and_the_later_commit_wins(repo, base_text, tmp_path):
    # The catalogs' headers say the opposite of the commits: the commits decide.
    git(repo, "switch", "-q", "-c", "theirs")
    commit_as(repo, "Bob", edit(base_text, {TITLE: ("¡Detengan los ataques!", "translated"),
                                            FIRST: ("Estamos con los estibadores.", "translated")},
                                "2024-03-03 18:00+0000"), 1_709_500_000)
    git(repo, "switch", "-q", "main")
    commit_as(repo, "Ana", edit(base_text, {TITLE: ("Paren los ataques", "translated")}, "2024-03-03 19:00+0000"),
              1_709_400_000)
    done = subprocess.run(["git", "merge", "--no-edit", "theirs"], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **identity("Merger")})
    assert done.returncode == 0, done.stderr
    assert "1 segment changed on both sides" in done.stderr
    merged = checked((repo / "es.po").read_text(encoding="utf-8"), tmp_path)
    found = entries(merged)
    assert found[TITLE].msgstr == "¡Detengan los ataques!"
    assert found[FIRST].msgstr == "Estamos con los estibadores."
    alt = pomerge.alternatives(found[TITLE])[0]
    assert (alt.author, alt.text, alt.at) == ("Ana", "Paren los ataques", 1_709_400_000 - 1_709_400_000 % 60)
    assert git(repo, "status", "--porcelain") == ""


def test_the_driver_refuses_a_broken_catalog_in_one_line_and_leaves_ours(repo, base_text, tmp_path):
    git(repo, "switch", "-q", "-c", "theirs")
    commit_as(repo, "Bob", base_text.replace('msgstr ""\n\n#. paragraph', 'msgstr\n\n#. paragraph', 1), 1_709_500_000)
    git(repo, "switch", "-q", "main")
    ours = edit(base_text, {TITLE: ("Paren los ataques", "translated")})
    commit_as(repo, "Ana", ours, 1_709_400_000)
    done = subprocess.run(["git", "merge", "--no-edit", "theirs"], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **identity("Merger")})
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if "chorus merge-driver" in line]
    assert len(lines) == 1 and "es.po (theirs): not a valid PO file (line" in lines[0]
    assert (repo / "es.po").read_text(encoding="utf-8") == ours  # no conflict markers: ours as it was
    git(repo, "merge", "--abort")


def test_the_command_line_driver_writes_ours_and_exits_zero(base_text, tmp_path):
    paths = {}
    for side, text in (("base", base_text), ("ours", edit(base_text, {TITLE: ("Paren", "translated")})),
                       ("theirs", edit(base_text, {SLOGAN: ("¡Solidaridad!", "approved")}))):
        paths[side] = tmp_path / f"{side}.po"
        paths[side].write_text(text, encoding="utf-8")
    done = subprocess.run([str(CHORUS), "merge-driver", str(paths["base"]), str(paths["ours"]), str(paths["theirs"]),
                           "translations/harbour/es.po"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = entries(paths["ours"].read_text(encoding="utf-8"))
    assert found[TITLE].msgstr == "Paren" and catalog.state(found[SLOGAN]) == "approved"
