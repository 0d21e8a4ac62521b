"""``chorus add`` of many files runs in worker processes: same catalogs, same refusals."""

import re

from chorus.ingest import add
from chorus.project import Project
from conftest import msgfmt_check, run_chorus

STATEMENT = """Thursday, May 7, 2026

The Bakers Stay Out

The bakers of the north district walked out at dawn. Their ovens stay cold until the
owners sign the agreement they promised in March.

We ask every neighbour to buy bread elsewhere this week. A strike fund is open at the
union hall.

Bread and dignity!
"""


def write_statements(folder, count: int) -> list:
    folder.mkdir()
    files = []
    for number in range(count):
        path = folder / f"bakers-{number:02d}.txt"
        path.write_text(STATEMENT.replace("north district", f"district number {number}"), encoding="utf-8")
        files.append(path)
    return files


def everything(root) -> dict[str, bytes | None]:
    """Every file and folder below ``root`` (hidden temp files included); dates blanked."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_dir():
            found[key] = None
        elif not path.name.endswith(".lock"):
            found[key] = re.sub(rb'"(POT-Creation-Date|PO-Revision-Date): [^"]*"', b"", path.read_bytes())
    return found


def test_workers_write_what_one_process_writes(tmp_path):
    files = write_statements(tmp_path / "inbox", 35)
    one = Project.create(tmp_path / "one", "en", ["es", "fr"])
    two = Project.create(tmp_path / "two", "en", ["es", "fr"])
    serial = add(one, files, workers=1)
    parallel = add(two, files, workers=2)
    assert serial == parallel and len(parallel) == 35
    assert everything(one.root) == everything(two.root)
    assert not [path for path in two.root.rglob(".*.tmp")]
    for lang in ("es", "fr"):
        msgfmt_check(two.catalog_path("bakers-34", lang))


def test_a_bad_file_at_the_end_of_a_large_add_leaves_no_trace(tmp_path):
    files = write_statements(tmp_path / "inbox", 34)
    (tmp_path / "inbox" / "zz-broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    project = Project.create(tmp_path / "proj", "en", ["es"])
    before = everything(project.root)
    result = run_chorus("add", *map(str, files), str(tmp_path / "inbox" / "zz-broken.txt"),
                        "--project", str(project.root))
    stderr = result.stderr.decode()
    assert result.returncode != 0 and "Traceback" not in stderr
    assert stderr.count("\n") == 1 and "zz-broken.txt" in stderr and "binary" in stderr
    assert everything(project.root) == before


def test_adding_again_keeps_existing_catalogs_and_makes_new_languages(tmp_path):
    files = write_statements(tmp_path / "inbox", 30)
    project = Project.create(tmp_path / "proj", "en", ["es"])
    add(project, files, workers=2)
    po = project.catalog_path("bakers-29", "es")
    text = po.read_text(encoding="utf-8").replace('msgid "Bread and dignity!"\nmsgstr ""',
                                                   'msgid "Bread and dignity!"\nmsgstr "¡Pan y dignidad!"')
    po.write_text(text, encoding="utf-8")
    config = project.root / "chorus.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('langs = ["es"]', 'langs = ["es", "de"]'),
                      encoding="utf-8")
    result = run_chorus("add", *map(str, files), "--project", str(project.root))
    assert result.returncode == 0, result.stderr.decode()
    assert 'msgstr "¡Pan y dignidad!"' in po.read_text(encoding="utf-8")
    assert all(project.catalog_path(f"bakers-{n:02d}", "de").is_file() for n in range(30))
    msgfmt_check(po)
    msgfmt_check(project.catalog_path("bakers-29", "de"))


def test_an_error_in_the_caller_stops_the_workers_and_leaves_no_trace(tmp_path):
    files = write_statements(tmp_path / "inbox", 40)
    project = Project.create(tmp_path / "proj", "en", ["es"])
    before = everything(project.root)

    def interrupted(done, total):
        if done >= 20:
            raise KeyboardInterrupt  # as Ctrl+C in the middle of a large add

    try:
        add(project, files, workers=2, progress=interrupted)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the interruption did not stop the add")
    assert everything(project.root) == before
