"""Bad input gets one clear line on stderr and a non-zero exit, and changes nothing."""

import random

import pytest

from conftest import SAMPLES, run_chorus, snapshot


def _random_high_bytes() -> bytes:
    generator = random.Random(1)
    return bytes(generator.randrange(128, 256) for _ in range(300))


def make_file(tmp_path, name: str, content: bytes | None) -> str:
    path = tmp_path / name
    if content is None:
        return str(path)
    path.write_bytes(content)
    return str(path)


def big_file(tmp_path) -> str:
    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    with path.open("r+b") as stream:  # a sparse file of text, not NUL bytes
        line = b"A long statement line that goes on and on.\n"
        stream.write(line * (50 * 1024 * 1024 // len(line)))
    return str(path)


CASES = {
    "missing file": (lambda t: ["add", make_file(t, "missing.txt", None)], "no such file"),
    "a directory": (lambda t: ["add", str(t)], "is a directory"),
    "empty file": (lambda t: ["add", make_file(t, "empty.txt", b"")], "is empty"),
    "blank file": (lambda t: ["add", make_file(t, "blank.txt", b" \n\n\t\n")], "is empty"),
    "binary file": (lambda t: ["add", make_file(t, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)], "binary"),
    "undecodable text": (lambda t: ["add", make_file(t, "noise.txt", _random_high_bytes())], "cannot decode"),
    "a 50 MB file": (lambda t: ["add", big_file(t)], "too large"),
    "slug escaping the project": (lambda t: ["add", str(SAMPLES / "stop-the-attacks.txt"), "--slug", "../x"], "not a valid statement name"),
    "slug with a slash": (lambda t: ["add", str(SAMPLES / "stop-the-attacks.txt"), "--slug", "a/b"], "not a valid statement name"),
    "name without letters": (lambda t: ["add", make_file(t, "日本.txt", b"Title\n\nText here.\n")], "--slug"),
    "language escaping the project": (lambda t: ["status", "--lang", "../x"], "not a language code"),
    "unknown language": (lambda t: ["status", "--lang", "xx"], "unknown language code"),
    "language not a target": (lambda t: ["status", "--lang", "it"], "not a target language"),
    "unknown statement": (lambda t: ["update", "no-such-statement"], "unknown statement"),
    "unknown statement in status": (lambda t: ["status", "nope"], "unknown statement"),
    "hostile statement name": (lambda t: ["update", "../../etc"], "not a valid statement name"),
    "statement without text": (lambda t: ["add", make_file(t, "date-only.txt", b"3 March 2024\n")], "no text to translate"),
}


@pytest.fixture
def ingested(sample_project):
    return sample_project


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_refused_cleanly(case, ingested, tmp_path):
    build, message = CASES[case]
    args = build(tmp_path)
    before = snapshot(ingested.root)
    result = run_chorus(*args, "--project", str(ingested.root))
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("chorus: error:"), stderr
    assert message in stderr
    assert snapshot(ingested.root) == before


def test_malformed_existing_catalog_stops_update_before_any_write(ingested):
    broken = ingested.catalog_path("stop-the-attacks", "fr")
    broken.write_text('msgid "a"\nmsgstr "b"\nmsgid garbage\n', encoding="utf-8")
    source = ingested.source_path("stop-the-attacks")
    source.write_text(source.read_text().replace("Eleven workers", "Twelve workers"), encoding="utf-8")
    before = snapshot(ingested.translations_dir)
    result = run_chorus("update", "--project", str(ingested.root))
    stderr = result.stderr.decode()
    assert result.returncode != 0 and "Traceback" not in stderr
    assert "fr.po: not a valid PO file (line 3" in stderr and stderr.count("\n") == 1
    assert snapshot(ingested.translations_dir) == before


def test_one_bad_file_among_good_ones_writes_nothing(ingested, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("A title\n\nA fine sentence.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    before = snapshot(ingested.root)
    result = run_chorus("add", str(good), str(bad), "--project", str(ingested.root))
    assert result.returncode != 0
    assert snapshot(ingested.root) == before


def test_unknown_language_in_init(tmp_path):
    result = run_chorus("init", str(tmp_path / "p"), "--langs", "es,klingon")
    assert result.returncode != 0 and "language code" in result.stderr.decode()
    assert not (tmp_path / "p").exists()


def test_no_project_here(tmp_path):
    result = run_chorus("status", cwd=tmp_path)
    assert result.returncode != 0
    assert "no chorus.toml" in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_existing_source_with_other_content_is_not_overwritten(ingested, tmp_path):
    other = tmp_path / "stop-the-attacks.txt"
    other.write_text("Another title\n\nOther text.\n", encoding="utf-8")
    before = snapshot(ingested.root)
    result = run_chorus("add", str(other), "--project", str(ingested.root))
    assert result.returncode != 0 and "already exists" in result.stderr.decode()
    assert snapshot(ingested.root) == before
