"""One policy for text that comes in: statements, translations, TMX units, glossary cells.

Every way text enters Chorus (``chorus add``, the web upload and paste, a save in the review
page or the API, a TMX import, a glossary term) goes through :func:`clean`:

- ``\\r\\n`` and ``\\r`` become ``\\n``;
- line and page separators (``\\v \\f \\x1c \\x1d \\x1e \\x85 U+2028 U+2029``, what a word
  processor's Shift+Enter or a page break pastes) become ``\\n`` in a document, and one space
  in a sentence (``inline=True``);
- any other control character, and any lone surrogate, is refused with :class:`TextRefused`
  naming it and where it is.

So every text that reaches a catalog is one that the catalog writer, ``check_syntax``, the fast
reader, polib and ``msgfmt`` read the same way.

>>> clean("We stand\\u2028with you.", inline=True)
'We stand with you.'
>>> clean("Title\\r\\n\\x0cBody")
'Title\\n\\nBody'
>>> clean("Bell\\x07", "the translation")
Traceback (most recent call last):
...
chorus.text.TextRefused: the translation contains a control character (U+0007 BEL) at line 1, column 5: remove it

The same module says which raw HTML and images a translation adds to its source
(:func:`new_markup`), and checks names for invisible characters and look-alike scripts
(:func:`name_problem`).
"""

from __future__ import annotations

import re
import unicodedata

from .errors import ChorusError

SEPARATORS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""What ``str.splitlines()`` splits on besides ``\\n`` and ``\\r``."""

# Everything the policy changes or refuses; text without any of it is returned as it is.
_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SEPARATOR = re.compile(f"[{SEPARATORS}]")
_INLINE_SEPARATOR = re.compile(f"[ \t]*[{SEPARATORS}][{SEPARATORS} \t]*")
_REFUSED = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_C0_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN "
             "ETB CAN EM SUB ESC FS GS RS US").split()


class TextRefused(ChorusError, ValueError):
    """Text with a character Chorus does not store (a control character, a lone surrogate).

    A :class:`ChorusError` for the command line and a ``ValueError`` for the web UI, which
    answers both with a 400.
    """


def clean(text: str, what: str = "the text", *, inline: bool = False) -> str:
    """``text`` under the policy (see the module documentation); ``what`` names it in errors."""
    if not _UNUSUAL.search(text):
        return text
    refused = _REFUSED.search(text)
    if refused:
        raise TextRefused(f"{what} contains {describe(refused.group())} at {_where(text, refused.start())}: remove it")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if inline:
        return _INLINE_SEPARATOR.sub(" ", text)
    return _SEPARATOR.sub("\n", text)


def clean_translation(source: str, target: str, max_length: int = 20_000) -> str:
    """A volunteer's translation of ``source`` under the policy, as a catalog stores it.

    Separators become spaces (a translation is a sentence), other control characters and texts
    over ``max_length`` characters are refused; leading and trailing newlines follow the source
    (``msgfmt -c`` wants them alike); a blank translation is ``""``.

    >>> clean_translation("Stop the attacks!", "¡Paren\\u2028los ataques!\\r\\n")
    '¡Paren los ataques!'
    """
    if len(target) > max_length:
        raise TextRefused(f"the translation is longer than {max_length} characters")
    text = clean(target, "the translation", inline=True)
    core = text.strip("\n")
    if not core.strip():
        return ""
    lead = "\n" if source.startswith("\n") else ""
    tail = "\n" if source.endswith("\n") else ""
    return lead + core + tail


def describe(char: str) -> str:
    """``a control character (U+0007 BEL)``, ``a lone surrogate (U+D800)``."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X}), which is not valid Unicode"
    name = _C0_NAMES[code] if code < 32 else "DEL" if code == 0x7F else ""
    return f"a control character (U+{code:04X}{' ' + name if name else ''})"


def _where(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


# --- raw HTML and images a translation adds ------------------------------------------------

# Raw HTML as CommonMark sees it (tags, closing tags, comments, declarations) and images.
_RAW_MARKUP = re.compile(
    r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,500})?/?|!--.{0,500}?--|![A-Za-z][^<>]{0,500}|\?[^<>]{0,500}\?)>"
    r"|!\[", re.S)


def raw_markup(text: str) -> list[str]:
    """Raw HTML tags and image openings (``![``) in ``text``, whitespace in each tag collapsed.

    >>> raw_markup('Hi <b class="x">there</b> ![logo][1]')
    ['<b class="x">', '</b>', '![']
    """
    if "<" not in text and "![" not in text:
        return []
    return [" ".join(found.split()) for found in _RAW_MARKUP.findall(text)]


def new_markup(source: str, target: str) -> list[str]:
    """Raw HTML and images of ``target`` that ``source`` does not have (as many times).

    >>> new_markup("Read <em>this</em>.", "Lee <em>esto</em> <img src=//t.example/p.gif>")
    ['<img src=//t.example/p.gif>']
    """
    found = raw_markup(target)
    if not found:
        return []
    allowed = raw_markup(source)
    extra = []
    for item in found:
        if item in allowed:
            allowed.remove(item)
        else:
            extra.append(item)
    return extra


def escape_new_markup(source: str, target: str) -> str:
    """``target`` with the raw HTML and images that ``source`` lacks made literal for Markdown
    (a backslash before ``<`` and before ``![``), so a site shows them as text.

    >>> escape_new_markup("Hi.", "Hola <script>x()</script>.")
    'Hola \\\\<script>x()\\\\</script>.'
    """
    extra = new_markup(source, target)
    if not extra:
        return target
    allowed = raw_markup(source)

    def literal(match: re.Match) -> str:
        item = " ".join(match.group().split())
        if item in allowed:
            allowed.remove(item)
            return match.group()
        return "\\!\\[" if item == "![" else "\\" + match.group()

    return _RAW_MARKUP.sub(literal, target)


# --- names ---------------------------------------------------------------------------------

_INVISIBLE_CATEGORIES = ("Cf", "Cc", "Zl", "Zp")


def name_problem(name: str) -> str | None:
    """Why ``name`` (a statement name, a user name) cannot be one, or None.

    Refused: line breaks, invisible characters (zero-width spaces and joiners, direction marks,
    soft hyphens, control characters) and letters of several scripts that look alike
    (``pаypal`` with a Cyrillic ``а``, found with Unicode's confusables data through
    confusable-homoglyphs). Check the NFKC form of a name (:func:`unicodedata.normalize`).

    >>> name_problem("ana"), name_problem("an\\u200ba"), name_problem("\\u0430na")
    (None, 'contains an invisible character (U+200B)', 'mixes letters of different scripts that look alike')
    """
    for char in name:
        if char in SEPARATORS or char in "\n\r":
            return f"contains a line break (U+{ord(char):04X})"
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            return f"contains an invisible character (U+{ord(char):04X})"
    if not name.isascii():
        from confusable_homoglyphs import confusables  # its data loads on first use

        if confusables.is_dangerous(name):
            return "mixes letters of different scripts that look alike"
    return None
