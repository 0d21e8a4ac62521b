"""chorus.live: what changed in a catalog since a feed id, from what is stored (any process)."""

from __future__ import annotations

from chorus import catalog
from chorus.editing import Editor
from chorus.live import Watch
from chorus.records import Records
from chorus.users import UserStore

SLUG = "stop-the-attacks"


def test_a_watch_sees_saves_comments_claims_outside_writes_and_new_shapes(sample_project):
    project = sample_project
    accounts = UserStore.for_project(project)
    ana = accounts.add("ana", "a long password", role="translator", langs=["es"])
    editor = Editor(project)  # one process writes, another watches: each has its own connections
    watch = Watch(project, Records.for_project(project), SLUG, "es")
    assert not watch.poll()

    first, second = editor.segments(SLUG, "es")[:2]
    editor.save(SLUG, "es", first.id, "Paren los ataques", first.revision, ana)
    news = watch.poll()
    assert news.segments == {first.id} and not news.reshaped
    assert not watch.poll()  # told once

    editor.comment(SLUG, "es", second.id, "¿«Paren» o «Detengan»?", ana)
    comment = watch.poll()
    assert comment.segments == {second.id} and comment.cursor > news.cursor

    editor.records.claim(SLUG, "es", second.id, "ana")
    claimed = watch.poll()
    assert claimed.claims_changed and not claimed.segments
    editor.records.release(SLUG, "es", second.id, "ana")
    assert watch.poll().claims_changed

    # a catalog written by something that keeps no records (a PO editor, a merge)
    path = project.catalog_path(SLUG, "es")
    po = catalog.read(path)
    entry = catalog.live_entries(po)[3]
    entry.msgstr = "Un borrador"
    catalog.set_state(entry, "fuzzy")
    catalog.write(po, path)
    outside = watch.poll()
    assert len(outside.segments) == 1 and not outside.reshaped

    # a sentence removed: the page must be made anew
    po = catalog.read(path)
    catalog.live_entries(po)[5].obsolete = True
    catalog.write(po, path)
    assert watch.poll().reshaped


def test_a_watch_resumes_from_a_feed_id(sample_project):
    project = sample_project
    ana = UserStore.for_project(project).add("ana", "a long password", role="translator", langs=["es"])
    editor = Editor(project)
    records = Records.for_project(project)
    seen = records.last_change()
    segment = editor.segments(SLUG, "es")[0]
    editor.save(SLUG, "es", segment.id, "Paren los ataques", segment.revision, ana)
    editor.comment(SLUG, "es", segment.id, "Una nota", ana)
    assert Watch(project, records, SLUG, "es", since=seen).poll().segments == {segment.id}  # what it missed
    assert not Watch(project, records, SLUG, "es", since=records.last_change()).poll()
    assert not Watch(project, records, SLUG, "es", since=10 ** 12).poll()  # an id from elsewhere: from now on
    assert not Watch(project, records, SLUG, "fr", since=seen).poll()  # another language saw nothing
