"""A benchmark corpus of plain-text statements built from prose found on this machine.

The prose comes from the licence texts in /usr/share/common-licenses and the copyright files
and READMEs under /usr/share/doc. Paragraphs are separated by blank lines, as in a statement.
The same machine, count and seed always give the same files.

>>> paths = build_corpus(Path("corpus"), count=300)   # doctest: +SKIP
"""

from __future__ import annotations

import random
import re
from pathlib import Path

SOURCES = (Path("/usr/share/common-licenses"), Path("/usr/share/doc"))
MIN_BYTES, MAX_BYTES = 2048, 8192
_FIELD = re.compile(r"^[A-Z][\w-]*:\s")  # a DEP-5 field such as "Files: *"
_WRAP = 72


def build_corpus(folder: Path, count: int = 300, seed: int = 0) -> list[Path]:
    """Write ``count`` documents of 2–8 KB into ``folder``; return their paths in order."""
    paragraphs = prose_paragraphs()
    if not paragraphs:
        raise RuntimeError("no prose found under /usr/share to build a corpus from")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    order = list(range(len(paragraphs)))
    rng.shuffle(order)
    cursor, paths = 0, []
    for number in range(count):
        target = rng.randint(MIN_BYTES, MAX_BYTES)
        chosen: list[str] = []
        size = 0
        while size < target - 200:
            paragraph = paragraphs[order[cursor % len(order)]]
            cursor += 1
            length = len(paragraph.encode("utf-8")) + 2
            if size + length > MAX_BYTES:
                continue  # too long for this document; a shorter one comes soon
            chosen.append(paragraph)
            size += length
        path = folder / f"doc-{number:04d}.txt"
        path.write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def prose_paragraphs() -> list[str]:
    """Distinct prose paragraphs, re-wrapped at 72 columns, from the files of :data:`SOURCES`."""
    seen: dict[str, None] = {}
    for path in _source_files():
        try:
            text = path.read_text(encoding="utf-8", errors="strict")
        except (OSError, UnicodeDecodeError):
            continue
        for raw in re.split(r"\n[ \t.]*\n", text):
            paragraph = _clean(raw)
            if paragraph and paragraph not in seen:
                seen[paragraph] = None
    return list(seen)


def _source_files() -> list[Path]:
    licences = sorted(p for p in SOURCES[0].glob("*") if p.is_file() and not p.is_symlink())
    docs = sorted(SOURCES[1].glob("*/copyright")) + sorted(SOURCES[1].glob("*/README"))
    docs += sorted(SOURCES[1].glob("*/README.txt"))
    return licences + [p for p in docs if p.is_file()]


def _clean(raw: str) -> str | None:
    lines = [line.strip() for line in raw.strip("\n").split("\n")]
    lines = [line for line in lines if line and line != "."]
    if not lines or any(_FIELD.match(line) for line in lines):
        return None
    words = " ".join(lines).split()
    text = " ".join(words)
    if len(words) < 12 or len(text) > 1500 or ". " not in text + " ":
        return None
    letters = sum(ch.isalpha() or ch == " " for ch in text)
    if letters / len(text) < 0.88 or not text[0].isupper():
        return None
    return _wrap(words)


def _wrap(words: list[str]) -> str:
    lines, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > _WRAP:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    made = build_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))
    total = sum(path.stat().st_size for path in made)
    print(f"{len(made)} documents, {total / 1e6:.2f} MB")
