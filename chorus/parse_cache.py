"""The parsed source of a statement, kept in ``.chorus/cache/documents/`` while the source and the
parser are unchanged (plain JSON, never code: a file that does not match is parsed again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from . import catalog
from .document import Block, Document, parse
from .project import Project


def parsed_document(project: Project, slug: str, text: str, fmt: str, text_hash: str | None = None) -> Document:
    """The parsed source, from the project's cache when the source and the parser are unchanged.

    The cache (``.chorus/cache/documents/<slug>.json``) is plain JSON, never code: a file
    that does not match is simply parsed again and rewritten. ``text_hash`` is
    :func:`catalog.source_hash` of ``text`` when the caller has it already.
    """
    lang = project.config.source_lang
    text_hash = text_hash or catalog.source_hash(text)
    fields = project.config.front_matter
    key = f"{_CACHE_FORMAT}:{_parser_fingerprint()}:{lang}:{fmt}:{','.join(fields)}:{text_hash}:{len(text)}"
    path = project.private_dir / "cache" / "documents" / f"{slug}.json"
    try:
        data = json.loads(catalog.read_file(path))
        if data.get("key") == key:
            return _document_from_json(data["document"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    document = parse(text, lang, fmt, fields)
    try:
        _write_cache(path, json.dumps({"key": key, "document": _document_to_json(document)},
                                      ensure_ascii=False, separators=(",", ":")))
    except OSError:
        pass  # a read-only project still exports; it only parses every time
    return document


# Every module whose change can change a parse (the sentence splitter's rules included).
_PARSER_MODULES = ("document.py", "blocks.py", "datelines.py", "parse_plain.py", "parse_markdown.py",
                   "front_matter.py", "markup.py", "segment.py", "segment_rules.py")


@lru_cache(maxsize=1)
def _parser_fingerprint() -> str:
    """Changes whenever the parser or the sentence splitter changes: the text of our modules
    that parse, and the files of the installed sentencex (found without importing it)."""
    import importlib.util

    here = Path(__file__).parent
    digest = hashlib.sha256()
    for module in _PARSER_MODULES:
        module = here / module
        digest.update(module.read_bytes())
    spec = importlib.util.find_spec("sentencex")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for item in sorted(Path(folder).iterdir()):
            if item.is_file():
                info = item.stat()
                digest.update(f"{item.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


_CACHE_FORMAT = 2  # raise when the layout below changes: older cache files are then re-parsed
_BLOCK_FIELDS = ("kind", "line", "text", "lead", "tail", "joints", "links", "date", "weekday", "pieces")


def _document_to_json(document: Document) -> dict:
    """Blocks as lists in the order of :class:`Block`'s fields (the date as ISO text)."""
    parts = []
    for part in document.parts:
        if isinstance(part, str):
            parts.append(part)
        else:
            values = [getattr(part, name) for name in _BLOCK_FIELDS]
            values[_BLOCK_FIELDS.index("date")] = part.date.isoformat() if part.date else None
            parts.append(values)
    return {"format": document.format, "lang": document.lang, "parts": parts}


def _document_from_json(data: dict) -> Document:
    parts: list[str | Block] = []
    for part in data["parts"]:
        if isinstance(part, str):
            parts.append(part)
            continue
        kind, line, text, lead, tail, joints, links, date, weekday, pieces = part
        parts.append(Block(kind, line, text, lead, tail, [(at, joint) for at, joint in joints], links,
                           dt.date.fromisoformat(date) if date else None, weekday, pieces))
    return Document(format=data["format"], lang=data["lang"], parts=parts)


def _write_cache(path: Path, text: str) -> None:
    """Staged and renamed like every write, without a sync: a cache lost in a crash is simply
    rebuilt, and an export of many statements should not wait on one sync each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.commit([(path, catalog.stage(path, text))])
