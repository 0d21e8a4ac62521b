"""Read a statement file as text, refusing what is not one with a clear reason.

Statements arrive by e-mail in whatever encoding the sender's program chose. We try UTF-8
(with or without a byte-order mark), then an encoding the file declares, then the most likely
one; line ends become ``\\n``, and the text policy of :mod:`chorus.text` applies.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .errors import ChorusError
from .files import read_regular
from .text import clean

MAX_BYTES = 2 * 1024 * 1024  # a statement is a few KB; a 2 MB one is a mistake
_DECLARED = re.compile(rb"(?:coding|charset|encoding)[=:]\s*[\"']?([-\w.]+)", re.I)


def read_statement(path: str | Path) -> str:
    """The decoded text of a statement file, with ``\\n`` line ends.

    Only a regular file is read: a symbolic link, a folder, a FIFO or a device is refused, and
    so is a file over 2 MB, before it is read.
    """
    data = read_regular(path, MAX_BYTES, "statement file")
    return decode_statement(data, str(path))


def decode_statement(data: bytes, name: str = "input") -> str:
    """Statement text from bytes, under the text policy (:func:`chorus.text.clean`): line and
    page separators become line ends, other control characters are refused."""
    if not data.strip():
        raise ChorusError(f"{name}: is empty")
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ChorusError(f"{name}: looks like a binary file, not text")
    text = clean(_decode(data, name), name)
    if not text.strip():
        raise ChorusError(f"{name}: is empty")
    return text


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff")
            except UnicodeDecodeError:
                raise ChorusError(f"{name}: starts with a {encoding.upper()} mark but is not {encoding.upper()}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED.search(data[:1024])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes  # only for text that is neither UTF-8 nor declared

    guess = from_bytes(data).best()
    if guess is not None and guess.encoding and guess.chaos < 0.2:
        return str(guess)
    raise ChorusError(f"{name}: cannot decode the text (not UTF-8, and no likely encoding found)")
