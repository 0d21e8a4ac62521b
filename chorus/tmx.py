"""TMX read the way OmegaT and Okapi read it, and written as valid TMX 1.4b.

Reading:

- files plain, gzip-compressed (``.tmx.gz``) or in a zip archive (``.zip``, one or more
  ``.tmx`` inside); every limit holds for the uncompressed data too, and a compressed file
  that would unpack past it is refused after reading no more than the limit;
- TMX 1.1 to 1.4, with or without the TMX 1.4 namespace (``xmlns="http://www.lisa.org/tmx14"``);
- languages matched as BCP 47 tags (:func:`match_lang`): exactly (language, script and
  region), else to the one project language of the same language and script; never across
  scripts (``zh-TW`` is Traditional Chinese, ``zh-CN`` Simplified) nor across two regions
  (``fr-CA`` is not a ``fr_BE`` text);
- the source of a unit is the variant its ``srclang`` names, so an ``en`` → ``en-GB`` unit
  that lists ``en-GB`` first is read the right way round;
- the review state Chorus exports (``<prop type="x-chorus-state">approved</prop>``) is kept.

Writing: every text is one that XML 1.0 can hold (separators as spaces; a unit with another
control character is left out and counted), so any TMX reader, Chorus included, reads it back.

>>> match_lang("fr-CA", ["fr", "fr_CA"]), match_lang("fr-FR", ["fr", "fr_CA"])
('fr_CA', 'fr')
>>> match_lang("zh-TW", ["zh_Hans", "zh_Hant"]), match_lang("sr-Latn", ["sr"])
('zh_Hant', None)
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from babel import Locale, UnknownLocaleError
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as safe_iterparse

from .errors import ChorusError
from .files import read_regular
from .text import TextRefused, clean

MAX_TMX_BYTES = 200 * 1024 * 1024
MAX_TMX_DEPTH = 64  # tmx > body > tu > tuv > seg > a few inline elements
MAX_ZIP_MEMBERS = 100
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATE_PROP = "x-chorus-state"
STATEMENT_PROP = "x-chorus-statement"
KEPT_STATES = ("translated", "approved")
_CODE_ELEMENTS = {"bpt", "ept", "it", "ph", "ut"}  # native codes, not text


@dataclass(frozen=True)
class Pair:
    """One translation read from a TMX file."""

    source: str
    target: str
    lang: str  # the project language
    changed: float | None  # seconds since the epoch
    state: str = "translated"


# --- files -----------------------------------------------------------------------------------


def read_file(path: str | Path, max_bytes: int = MAX_TMX_BYTES) -> list[tuple[str, bytes]]:
    """(name, XML bytes) of each TMX document in ``path``: the file itself, the content of a
    gzip file, or each ``.tmx`` of a zip archive. Only a regular file is read (see
    :func:`chorus.files.read_regular`), and no more than ``max_bytes`` are unpacked."""
    path = Path(path)
    data = read_regular(path, max_bytes, "TMX file")
    return unpack(data, str(path), max_bytes)


def unpack(data: bytes, name: str, max_bytes: int = MAX_TMX_BYTES) -> list[tuple[str, bytes]]:
    """The TMX documents in ``data`` (see :func:`read_file`), recognised by their content."""
    if data[:2] == b"\x1f\x8b":
        return [(name, _gunzip(data, name, max_bytes))]
    if data[:4] == b"PK\x03\x04":
        return _unzip(data, name, max_bytes)
    return [(name, data)]


def _gunzip(data: bytes, name: str, max_bytes: int) -> bytes:
    """The content of a gzip file (several members too), refused once past ``max_bytes``: the
    size is counted first, holding a megabyte at a time, so a bomb costs no memory."""
    _gunzip_pass(data, name, max_bytes, keep=False)
    return b"".join(_gunzip_pass(data, name, max_bytes, keep=True))


def _gunzip_pass(data: bytes, name: str, max_bytes: int, keep: bool) -> list[bytes]:
    out, total, pending = [], 0, data
    try:
        while pending:
            unzip = zlib.decompressobj(zlib.MAX_WBITS | 16)
            chunk = unzip.decompress(pending, 1 << 20)
            while True:
                total += len(chunk)
                if total > max_bytes:
                    raise ChorusError(f"{name}: unpacks to more than {_mb(max_bytes)}; not a TMX file Chorus reads")
                if keep:
                    out.append(chunk)
                if unzip.eof or not unzip.unconsumed_tail:
                    break
                chunk = unzip.decompress(unzip.unconsumed_tail, 1 << 20)
            if not unzip.eof:
                raise ChorusError(f"{name}: a truncated gzip file")
            pending = unzip.unused_data.lstrip(b"\0")
    except zlib.error as error:
        raise ChorusError(f"{name}: not a readable gzip file ({error})") from None
    return out


def _unzip(data: bytes, name: str, max_bytes: int) -> list[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist()
                   if not info.is_dir() and info.filename.lower().endswith(".tmx")]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ChorusError(f"{name}: not a readable zip archive ({error})") from None
    if not members:
        raise ChorusError(f"{name}: a zip archive without a .tmx file")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ChorusError(f"{name}: more than {MAX_ZIP_MEMBERS} TMX files in one archive")
    found, total = [], 0
    for info in members:
        if info.flag_bits & 0x1:
            raise ChorusError(f"{name}: {info.filename} is encrypted")
        if total + info.file_size > max_bytes:  # what the archive says; counted while reading too
            raise ChorusError(f"{name}: unpacks to more than {_mb(max_bytes)}; not a TMX file Chorus reads")
        total += _read_member(archive, info, name, max_bytes - total, max_bytes)
    for info in members:
        chunks: list[bytes] = []
        _read_member(archive, info, name, max_bytes, max_bytes, into=chunks)
        found.append((f"{name}:{info.filename}", b"".join(chunks)))
    return found


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, room: int, limit: int,
                 into: list[bytes] | None = None) -> int:
    """Read one member a megabyte at a time (kept in ``into`` if given); its size, or an error
    once past ``room`` (what is left of the ``limit``)."""
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(1 << 20):
                size += len(chunk)
                if size > room:
                    raise ChorusError(f"{name}: unpacks to more than {_mb(limit)}; not a TMX file Chorus reads")
                if into is not None:
                    into.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
        raise ChorusError(f"{name}: cannot unpack {info.filename} ({error})") from None
    return size


def _mb(count: int) -> str:
    return f"{count // (1024 * 1024)} MB"


# --- XML -------------------------------------------------------------------------------------


def parse(data: bytes, name: str = "TMX file") -> ET.Element:
    """The root of a TMX document, parsed safely (no entity expansion, no external access,
    elements nested at most :data:`MAX_TMX_DEPTH` deep: parsing stops at the first deeper one).
    Element names lose their namespace (TMX 1.4 files may declare one)."""
    if len(data) > MAX_TMX_BYTES:
        raise ChorusError(f"{name}: larger than {_mb(MAX_TMX_BYTES)}")
    try:
        depth = 0
        events = safe_iterparse(io.BytesIO(data), events=("start", "end"))
        for event, element in events:
            if event == "start":
                depth += 1
                if depth > MAX_TMX_DEPTH:
                    raise ChorusError(f"{name}: elements nested more than {MAX_TMX_DEPTH} deep; "
                                      f"not a TMX file Chorus can read")
                if element.tag[:1] == "{":
                    element.tag = element.tag.rsplit("}", 1)[1]
            else:
                depth -= 1
        root = events.root
    except DefusedXmlException as error:
        raise ChorusError(f"{name}: refused, it declares entities or external resources ({type(error).__name__})") from None
    except ET.ParseError as error:
        raise ChorusError(f"{name}: not well-formed XML ({error})") from None
    if root.tag != "tmx":
        raise ChorusError(f"{name}: not a TMX file (root element is <{root.tag}>, expected <tmx>)")
    if root.find("body") is None:
        raise ChorusError(f"{name}: not a TMX file (no <body>)")
    return root


def _seg_text(seg: ET.Element) -> str:
    """The text of a ``<seg>``: inline codes (bpt, ept, ph, ...) dropped, ``<hi>`` kept."""
    parts = [seg.text or ""]
    for child in seg:
        if child.tag not in _CODE_ELEMENTS:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp()
    except ValueError:
        return None


def pairs(root: ET.Element, source_lang: str, langs: list[str], strict: bool = False,
          name: str = "TMX file") -> Iterator[Pair]:
    """Each translation of ``root`` from ``source_lang`` into one of ``langs``.

    Texts follow the text policy (:func:`chorus.text.clean`): separators become spaces; a unit
    with a control character is an error when ``strict`` (an import), else left out.
    """
    header = root.find("header")
    srclang = (header.get("srclang") if header is not None else None) or "*all*"
    for number, tu in enumerate(root.iter("tu"), start=1):
        unit_srclang = tu.get("srclang") or srclang
        variants: list[tuple[str, str]] = []  # (code, text)
        try:
            for tuv in tu.findall("tuv"):
                seg = tuv.find("seg")
                code = tuv.get(XML_LANG) or tuv.get("lang") or ""
                if seg is None or not code:
                    continue
                text = clean(_seg_text(seg), f"{name}: translation unit {number}", inline=True).strip()
                if text:
                    variants.append((code, text))
        except TextRefused:
            if strict:
                raise
            continue
        source = _source_variant(variants, unit_srclang, source_lang)
        if source is None:
            continue
        changed = _date(tu.get("changedate")) or _date(tu.get("creationdate"))
        state = _state(tu)
        chosen: dict[str, tuple[int, str]] = {}
        for index, (code, text) in enumerate(variants):
            if index == source:
                continue
            lang, rank = _best(code, langs)
            if lang is not None and (lang not in chosen or rank < chosen[lang][0]):
                chosen[lang] = (rank, text)
        for lang, (_, text) in chosen.items():
            yield Pair(variants[source][1], text, lang, changed, state)


def _state(tu: ET.Element) -> str:
    for prop in tu.findall("prop"):
        if prop.get("type") == STATE_PROP and (prop.text or "").strip() in KEPT_STATES:
            return prop.text.strip()
    return "translated"


def _source_variant(variants: list[tuple[str, str]], srclang: str, source_lang: str) -> int | None:
    """Which variant is the unit's source: the one ``srclang`` names, else the closest to the
    project's source language."""
    if srclang != "*all*":
        if match_lang(srclang, [source_lang]) is None:
            return None
        for index, (code, _) in enumerate(variants):
            if code.lower().replace("_", "-") == srclang.lower().replace("_", "-"):
                return index
    best, best_rank = None, None
    for index, (code, _) in enumerate(variants):
        lang, rank = _best(code, [source_lang])
        if lang is not None and (best_rank is None or rank < best_rank):
            best, best_rank = index, rank
    return best


def read(data: bytes, source_lang: str, langs: list[str], name: str = "TMX file",
         strict: bool = False) -> list[Pair]:
    """The pairs of every TMX document in ``data`` (plain, gzip or zip)."""
    found: list[Pair] = []
    for member, xml in unpack(data, name):
        found.extend(pairs(parse(xml, member), source_lang, langs, strict, member))
    return found


# --- language tags -----------------------------------------------------------------------------


def match_lang(code: str, langs: Iterable[str]) -> str | None:
    """The project language a TMX language tag stands for, or None.

    Exact (language, script and region alike) first; else the one project language of the
    same language and script whose region does not differ (``es-ES`` → ``es``, ``pt`` →
    ``pt_BR`` when it is the only Portuguese); never across scripts.

    >>> match_lang("es-ES", ["es", "fr"]), match_lang("pt-BR", ["pt_BR"]), match_lang("de", ["fr"])
    ('es', 'pt_BR', None)
    """
    return _best(code, list(langs))[0]


def _best(code: str, langs: list[str]) -> tuple[str | None, int]:
    """(project language, rank): rank 0 for an exact match, higher for looser ones."""
    tag = subtags(code)
    if tag is None:
        return None, 9
    exact, close = [], []
    for lang in langs:
        other = subtags(lang)
        if other is None or other[:2] != tag[:2]:
            continue
        if other[2] == tag[2]:
            exact.append(lang)
        elif other[2] is None or tag[2] is None:
            close.append(lang)
    if exact:
        return exact[0], 0
    if len(close) == 1:
        return close[0], 1 if tag[2] is None or tag[2] == _likely_region(tag[0], tag[1]) else 2
    without_region = [lang for lang in close if subtags(lang)[2] is None]
    if len(without_region) == 1:
        return without_region[0], 2
    return None, 9


@lru_cache(maxsize=1024)
def subtags(code: str) -> tuple[str, str | None, str | None] | None:
    """(language, script, region) of a BCP 47 tag or gettext code, the script filled in from
    CLDR's likely subtags when the tag has none (``zh-TW`` → Hant, ``sr`` → Cyrl)."""
    cleaned = re.split(r"[-_]x[-_]", code.strip(), maxsplit=1, flags=re.I)[0]
    parts = [part for part in re.split(r"[-_@.]", cleaned) if part]
    if not parts or not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return None
    normal = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            normal.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            normal.append(part.upper())
        else:
            break  # a variant or extension: not used for matching
    try:
        locale = Locale.parse("_".join(normal))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    script = locale.script or _likely_script(locale.language, locale.territory)
    return locale.language, script, locale.territory


def _likely(key: str) -> list[str]:
    from babel.core import get_global

    found = get_global("likely_subtags").get(key)
    return found.split("_") if found else []


def _likely_script(language: str, region: str | None) -> str | None:
    return _likely_part(language, region, 1)


def _likely_region(language: str, script: str | None) -> str | None:
    return _likely_part(language, script, 2)


def _likely_part(language: str, known: str | None, index: int) -> str | None:
    """The script (``index`` 1) or region (2) CLDR deems likely for ``language`` with the
    region or script it is ``known`` to have."""
    for key in ((f"{language}_{known}", language) if known else (language,)):
        parts = _likely(key)
        if len(parts) >= 3:
            return parts[index]
    return None


def tmx_lang(lang: str) -> str:
    """``pt_BR`` → ``pt-BR`` (TMX uses BCP 47 tags)."""
    return lang.replace("_", "-")


# --- writing ---------------------------------------------------------------------------------

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str | None:
    """``text`` as XML 1.0 can hold it: separators as spaces (the text policy of a sentence),
    a carriage return as a line end; None when it has another control character."""
    if not _XML_FORBIDDEN.search(text) and "\r" not in text and "\x85" not in text \
            and "\u2028" not in text and "\u2029" not in text:
        return text
    try:
        text = clean(text, inline=True)
    except TextRefused:
        return None
    return None if _XML_FORBIDDEN.search(text) else text


def stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def document(units, source_lang: str, lang: str, tool_version: str) -> tuple[bytes, int, int]:
    """A TMX 1.4b document of ``units`` (objects with ``source``, ``target``, ``slug``,
    ``state``, ``changed``): (its bytes, units written, units left out for characters XML
    cannot hold). One unit per distinct source and translation, approved ones first."""
    source_code = tmx_lang(source_lang)
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(root, "header", {
        "creationtool": "Chorus", "creationtoolversion": tool_version, "segtype": "sentence",
        "o-tmf": "Chorus", "adminlang": "en", "srclang": source_code, "datatype": "plaintext",
        "creationdate": stamp(dt.datetime.now(dt.timezone.utc).timestamp()),
    })
    body = ET.SubElement(root, "body")
    ordered = sorted(units, key=lambda u: (u.source, u.state != "approved", u.target))
    seen: set[tuple[str, str]] = set()
    left_out = 0
    for unit in ordered:
        if (unit.source, unit.target) in seen:
            continue
        seen.add((unit.source, unit.target))
        source, target, slug = xml_text(unit.source), xml_text(unit.target), xml_text(unit.slug)
        if source is None or target is None or slug is None:
            left_out += 1
            continue
        tu = ET.SubElement(body, "tu", {"tuid": str(len(body) + 1), "changedate": stamp(unit.changed)})
        ET.SubElement(tu, "prop", type=STATEMENT_PROP).text = slug
        ET.SubElement(tu, "prop", type=STATE_PROP).text = unit.state
        for code, text in ((source_code, source), (tmx_lang(lang), target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: code})
            ET.SubElement(tuv, "seg").text = text
    ET.indent(root)
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            + ET.tostring(root, encoding="unicode") + "\n")
    return text.encode("utf-8"), len(body), left_out
