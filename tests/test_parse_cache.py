"""Export's cache of parsed sources (.chorus/cache/documents/): same documents as parsing,
and a cache file that does not fit is parsed again, never trusted."""

import json

import pytest

from chorus import assemble
from chorus.document import format_for, parse
from conftest import SAMPLES


def cache_file(project, slug):
    return project.private_dir / "cache" / "documents" / f"{slug}.json"


@pytest.mark.parametrize("sample", sorted(path.stem for path in SAMPLES.iterdir()))
def test_a_cached_document_equals_a_fresh_parse(sample_project, sample):
    project = sample_project
    text = project.source_path(sample).read_text(encoding="utf-8")
    fmt = format_for(project.source_path(sample).name)
    first = assemble.parsed_document(project, sample, text, fmt)
    assert cache_file(project, sample).is_file()
    cached = assemble.parsed_document(project, sample, text, fmt)
    assert cached == first == parse(text, project.config.source_lang, fmt)
    assert cached.source() == text


@pytest.mark.parametrize("content", [
    b"", b"not json", b"[]", b'{"key": 1}', b'{"key": "x", "document": {"parts": [[1, 2]]}}',
    "\u00ff".encode("latin-1"),
])
def test_a_broken_or_foreign_cache_file_is_parsed_again(sample_project, content):
    project = sample_project
    slug = "stop-the-attacks"
    text = project.source_path(slug).read_text(encoding="utf-8")
    path = cache_file(project, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    document = assemble.parsed_document(project, slug, text, "text")
    assert document == parse(text, project.config.source_lang, "text")
    assert json.loads(path.read_bytes())["document"]["parts"]  # rewritten


def test_a_cache_entry_of_another_text_is_not_used(sample_project):
    project = sample_project
    slug = "stop-the-attacks"
    text = project.source_path(slug).read_text(encoding="utf-8")
    assemble.parsed_document(project, slug, text, "text")
    edited = text.replace("Solidarity", "Unity", 1)
    assert edited != text
    assert assemble.parsed_document(project, slug, edited, "text") == parse(edited, project.config.source_lang, "text")
