"""TMX read as OmegaT and Okapi read it: variants, scripts, the 1.4 namespace, compressed files,
states, several memories of one name, and output that any XML reader accepts."""

from __future__ import annotations

import gzip
import io
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
import zlib

import polib
import pytest

from chorus import catalog, memory, tmx
from chorus.errors import ChorusError
from chorus.memory import Memory
from chorus.project import Project
from test_memory import write_catalog


@pytest.fixture(autouse=True)
def fresh_cache():
    memory._cache.clear()
    yield
    memory._cache.clear()


def tmx_file(units: str, header: str = 'srclang="en"', namespace: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"{namespace}>\n'
            f'<header creationtool="test" creationtoolversion="1" segtype="sentence" o-tmf="x" '
            f'adminlang="en" datatype="plaintext" {header}/>\n<body>\n{units}\n</body>\n</tmx>\n')


def tu(*variants: tuple[str, str], props: str = "", attributes: str = "") -> str:
    tuvs = "".join(f'<tuv xml:lang="{code}"><seg>{text}</seg></tuv>' for code, text in variants)
    return f"<tu{attributes}>{props}{tuvs}</tu>"


def lookup(project, lang: str, text: str) -> list[tuple[str, str]]:
    return [(unit.target, unit.state) for unit in Memory.load(project, lang).translations_of(text)]


def test_regional_variants_go_to_their_own_language(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["fr", "fr_CA", "pt_BR"])
    source = tmp_path / "shared.tmx"
    source.write_text(tmx_file("\n".join([
        tu(("en", "Rent strike!"), ("fr-CA", "Grève des loyers au Québec!"), ("fr-FR", "Grève des loyers!")),
        tu(("en", "Housing is a right."), ("fr-CA", "Le logement est un droit, icitte."), ("pt-PT", "A habitação é um direito.")),
    ])), encoding="utf-8")
    assert memory.import_tmx(project, source) == {"fr": 1, "fr_CA": 2}
    assert lookup(project, "fr", "Rent strike!") == [("Grève des loyers!", "translated")]
    assert lookup(project, "fr_CA", "Rent strike!") == [("Grève des loyers au Québec!", "translated")]
    assert lookup(project, "fr", "Housing is a right.") == []  # the Quebec text is not fr's
    assert lookup(project, "pt_BR", "Housing is a right.") == []  # nor is Portugal's Brazil's


def test_one_french_language_takes_the_closest_variant(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["fr"])
    source = tmp_path / "shared.tmx"
    source.write_text(tmx_file(tu(("en", "Rent strike!"), ("fr-CA", "Grève au Québec!"), ("fr-FR", "Grève!"))),
                      encoding="utf-8")
    memory.import_tmx(project, source)
    assert lookup(project, "fr", "Rent strike!") == [("Grève!", "translated")]


def test_scripts_are_never_crossed(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["zh_Hans", "zh_Hant", "sr"])
    source = tmp_path / "chinese.tmx"
    source.write_text(tmx_file("\n".join([
        tu(("en", "Solidarity!"), ("zh-CN", "团结！"), ("zh-TW", "團結！"), ("sr-Latn", "Solidarnost!")),
        tu(("en", "Strike!"), ("zh-HK", "罷工！"), ("sr-Cyrl-RS", "Штрајк!")),
    ])), encoding="utf-8")
    assert memory.import_tmx(project, source) == {"zh_Hans": 1, "zh_Hant": 2, "sr": 1}
    assert lookup(project, "zh_Hans", "Solidarity!") == [("团结！", "translated")]
    assert lookup(project, "zh_Hant", "Solidarity!") == [("團結！", "translated")]
    assert lookup(project, "zh_Hant", "Strike!") == [("罷工！", "translated")]
    assert lookup(project, "sr", "Solidarity!") == []  # Latin script is not Cyrillic Serbian
    assert lookup(project, "sr", "Strike!") == [("Штрајк!", "translated")]


def test_the_source_is_the_variant_srclang_names(tmp_path):
    """An en → en-GB memory whose units list en-GB before en-US is read the right way round."""
    project = Project.create(tmp_path / "p", "en", ["en_GB"])
    source = tmp_path / "british.tmx"
    source.write_text(tmx_file(tu(("en-GB", "Organise the neighbourhood!"), ("en-US", "Organize the neighborhood!")),
                               header='srclang="en-US"'), encoding="utf-8")
    assert memory.import_tmx(project, source) == {"en_GB": 1}
    assert lookup(project, "en_GB", "Organize the neighborhood!") == [("Organise the neighbourhood!", "translated")]


def test_the_tmx_14_namespace_is_read(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["es"])
    source = tmp_path / "okapi.tmx"
    source.write_text(tmx_file(tu(("en-US", "Strike!"), ("es-ES", "¡Huelga!")),
                               namespace=' xmlns="http://www.lisa.org/tmx14"'), encoding="utf-8")
    assert memory.import_tmx(project, source) == {"es": 1}
    assert lookup(project, "es", "Strike!") == [("¡Huelga!", "translated")]


def test_compressed_memories_are_read(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["es", "de"])
    text = tmx_file(tu(("en", "Strike!"), ("es", "¡Huelga!"), ("de", "Streik!")))
    gz = tmp_path / "shared.tmx.gz"
    gz.write_bytes(gzip.compress(text.encode("utf-8")))
    assert memory.import_tmx(project, gz) == {"es": 1, "de": 1}
    kept = memory.tm_dir(project) / "shared.tmx"
    assert kept.read_bytes() == text.encode("utf-8")  # kept uncompressed
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("omegat/first.tmx", tmx_file(tu(("en", "Solidarity!"), ("es", "¡Solidaridad!"))))
        bundle.writestr("omegat/second.tmx", tmx_file(tu(("en", "Unity!"), ("de", "Einheit!"))))
        bundle.writestr("readme.txt", "not a memory")
    assert memory.import_tmx(project, archive) == {"es": 1, "de": 1}
    assert sorted(path.name for path in memory.tm_dir(project).iterdir() if path.suffix == ".tmx") == [
        "bundle-1.tmx", "bundle-2.tmx", "shared.tmx"]
    assert lookup(project, "de", "Unity!") == [("Einheit!", "translated")]


def _bomb(size: int) -> bytes:
    """A gzip stream of ``size`` bytes of a TMX-looking start and zeros, made in pieces."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as handle:
        handle.write(b'<?xml version="1.0"?><tmx version="1.4"><body>')
        block = b" " * (1 << 20)
        for _ in range(size >> 20):
            handle.write(block)
    return out.getvalue()


def test_a_compression_bomb_is_refused_cheaply(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["es"])
    bomb = tmp_path / "huge.tmx.gz"
    bomb.write_bytes(_bomb(tmx.MAX_TMX_BYTES + (16 << 20)))
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ChorusError, match="unpacks to more than 200 MB"):
            memory.import_tmx(project, bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < tmx.MAX_TMX_BYTES + (8 << 20)  # never more than the limit held at once
    archive = tmp_path / "huge.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("huge.tmx", "w", force_zip64=True) as handle:
            block = b" " * (1 << 20)
            for _ in range((tmx.MAX_TMX_BYTES >> 20) + 2):
                handle.write(block)
    with pytest.raises(ChorusError, match="unpacks to more than 200 MB"):
        memory.import_tmx(project, archive)
    assert not memory.tm_dir(project).exists() or not any(memory.tm_dir(project).iterdir())


def test_a_zip_that_lies_about_its_size_is_stopped_while_reading(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("x.tmx", b" " * (3 << 20))
    raw = bytearray(data.getvalue())
    # Declare 10 bytes in the central directory: the reader must still stop at the limit.
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ChorusError):
        tmx.unpack(bytes(raw), "liar.zip", max_bytes=1 << 20)


def test_a_truncated_or_broken_archive_is_one_clear_line(tmp_path):
    with pytest.raises(ChorusError, match="truncated gzip"):
        tmx.unpack(gzip.compress(b"<tmx>" * 1000)[:-20], "cut.tmx.gz")
    with pytest.raises(ChorusError, match="not a readable zip"):
        tmx.unpack(b"PK\x03\x04" + b"\0" * 40, "broken.zip")
    with pytest.raises(ChorusError, match="without a .tmx"):
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w") as bundle:
            bundle.writestr("notes.txt", "hi")
        tmx.unpack(data.getvalue(), "notes.zip")


def test_states_travel_from_export_to_import(tmp_path):
    first = Project.create(tmp_path / "a", "en", ["es"])
    write_catalog(first, "one", "es", [("Strike!", "¡Huelga!", "approved"), ("Unity!", "¡Unidad!", "translated")])
    out = tmp_path / "memory-es.tmx"
    memory.export_tmx(first, "es", out)
    second = Project.create(tmp_path / "b", "en", ["es"])
    memory.import_tmx(second, out)
    assert lookup(second, "es", "Strike!") == [("¡Huelga!", "approved")]
    assert lookup(second, "es", "Unity!") == [("¡Unidad!", "translated")]
    assert Memory.load(second, "es").exact("Strike!").state == "approved"


def test_omegat_project_memories_of_one_name_are_kept_apart(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["es"])
    files = []
    for folder, text in (("harbour-es", "¡Huelga en el puerto!"), ("rent-strike-es", "¡Huelga de alquileres!")):
        path = tmp_path / folder / "omegat" / "project_save.tmx"
        path.parent.mkdir(parents=True)
        path.write_text(tmx_file(tu(("en", "Strike!"), ("es", text))), encoding="utf-8")
        files.append(path)
        memory.import_tmx(project, path)
    kept = sorted(path.name for path in memory.tm_dir(project).iterdir() if path.suffix == ".tmx")
    assert kept == ["harbour-es-project-save.tmx", "rent-strike-es-project-save.tmx"]
    assert sorted(target for target, _ in lookup(project, "es", "Strike!")) == [
        "¡Huelga de alquileres!", "¡Huelga en el puerto!"]
    memory.import_tmx(project, files[0])  # the same project again: replaced, not added
    assert len(list(memory.tm_dir(project).glob("*.tmx"))) == 2


def test_the_command_says_where_the_memory_is_kept(tmp_path, invoke, project):
    path = tmp_path / "harbour-es" / "omegat" / "project_save.tmx"
    path.parent.mkdir(parents=True)
    path.write_text(tmx_file(tu(("en", "Strike!"), ("es", "¡Huelga!"))), encoding="utf-8")
    result = invoke("tm", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "kept as translations/.tm/harbour-es-project-save.tmx" in result.output


def test_exported_memory_is_always_valid_xml(tmp_path, invoke, project):
    """PO strings may hold characters XML 1.0 cannot (a catalog edited in another tool)."""
    folder = project.translations_dir / "one"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    for msgid, msgstr in (("Form\ffeed", "Salto\fde página"), ("Escape \x1b here", "Escape \x1b aquí"),
                          ("Line\u2028separator", "Separador\u2028de línea"), ("Plain.", "Llano.")):
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    (folder / "one.pot").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    (folder / "es.po").write_text(po.__unicode__(), encoding="utf-8")
    out = tmp_path / "out.tmx"
    result = invoke("tm", "export", "--lang", "es", str(out))
    assert result.exit_code == 0, result.output
    assert "3 translation units" in result.output and "Left out 1 unit" in result.output
    root = ET.fromstring(out.read_bytes())  # well-formed
    texts = {seg.text for seg in root.iter("seg")}
    assert {"Form feed", "Salto de página", "Line separator", "Separador de línea"} <= texts
    other = Project.create(tmp_path / "other", "en", ["es"])
    assert memory.import_tmx(other, out) == {"es": 3}  # and Chorus reads its own file back


def test_language_tags_match_as_bcp47():
    assert tmx.match_lang("EN-gb", ["en", "en_GB"]) == "en_GB"
    assert tmx.match_lang("en-US", ["en", "en_GB"]) == "en"
    assert tmx.match_lang("en-AU", ["en_GB", "en_US"]) is None  # two other regions: neither
    assert tmx.match_lang("zh-Hant-TW", ["zh_Hant"]) == "zh_Hant"
    assert tmx.match_lang("zh-SG", ["zh_Hans", "zh_Hant"]) == "zh_Hans"
    assert tmx.match_lang("zh", ["zh_Hant"]) is None  # plain zh is Simplified
    assert tmx.match_lang("x-klingon", ["en"]) is None
    assert tmx.match_lang("de-CH-1996", ["de_CH"]) == "de_CH"
