"""TMX 1.4: export checked against the TMX 1.4b structure, import of other tools' files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from chorus import memory
from chorus.memory import Memory, match_lang
from chorus.project import Project
from test_memory import write_catalog

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DATE = re.compile(r"^\d{8}T\d{6}Z$")
HEADER_REQUIRED = ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype")
SEGTYPES = ("block", "paragraph", "sentence", "phrase")


@pytest.fixture(autouse=True)
def fresh_cache():
    memory._cache.clear()


def validate_tmx14(data: bytes) -> ET.Element:
    """Check ``data`` against the element structure of the TMX 1.4b DTD; return the root."""
    text = data.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)
    assert root.tag == "tmx" and root.get("version") == "1.4"
    assert [child.tag for child in root] == ["header", "body"]
    header, body = root
    for name in HEADER_REQUIRED:
        assert header.get(name), f"header lacks {name}"
    assert header.get("segtype") in SEGTYPES
    for name in ("creationdate", "changedate"):
        assert header.get(name) is None or DATE.match(header.get(name))
    assert all(child.tag in ("note", "prop", "ude") for child in header)
    for tu in body:
        assert tu.tag == "tu"
        tags = [child.tag for child in tu]
        first_tuv = tags.index("tuv")
        assert set(tags[:first_tuv]) <= {"note", "prop"} and set(tags[first_tuv:]) == {"tuv"}
        for name in ("creationdate", "changedate", "lastusagedate"):
            assert tu.get(name) is None or DATE.match(tu.get(name)), tu.get(name)
        for prop in tu.findall("prop"):
            assert prop.get("type") and len(prop) == 0
        for tuv in tu.findall("tuv"):
            assert tuv.get(XML_LANG), "tuv without xml:lang"
            inner = [child.tag for child in tuv]
            assert inner[-1] == "seg" and inner.count("seg") == 1
            assert set(inner[:-1]) <= {"note", "prop"}
            seg = tuv.find("seg")
            assert all(child.tag in ("bpt", "ept", "it", "ph", "hi", "ut") for child in seg)
    return root


def pairs(root: ET.Element, source: str, target: str) -> set[tuple[str, str]]:
    found = set()
    for tu in root.iter("tu"):
        texts = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in tu.findall("tuv")}
        found.add((texts[source], texts[target]))
    return found


@pytest.fixture
def filled(project):
    write_catalog(project, "one", "es", [
        ("Stop the attacks!", "¡Paren los ataques!", "approved"),
        ("Wages <up> & rents \"down\".", "Salarios <arriba> y alquileres «abajo».", "translated"),
        ("Only a draft.", "Solo un borrador.", "fuzzy"),
    ])
    write_catalog(project, "two", "es", [("Stop the attacks!", "¡Basta de ataques!", "translated")])
    return project


def test_export_follows_tmx14b_and_holds_the_memory(filled, invoke, tmp_path):
    out = tmp_path / "memory-es.tmx"
    result = invoke("tm", "export", "--lang", "es", str(out))
    assert result.exit_code == 0, result.output
    assert "3 translation units" in result.output
    root = validate_tmx14(out.read_bytes())
    assert root.find("header").get("srclang") == "en"
    assert pairs(root, "en", "es") == {
        ("Stop the attacks!", "¡Paren los ataques!"),
        ("Stop the attacks!", "¡Basta de ataques!"),
        ('Wages <up> & rents "down".', "Salarios <arriba> y alquileres «abajo»."),
    }
    states = {tu.find("prop[@type='x-chorus-state']").text for tu in root.iter("tu")}
    assert states == {"approved", "translated"}


def test_export_uses_rfc_language_codes(tmp_path, invoke):
    project = Project.create(tmp_path / "br", "en", ["pt_BR"])
    write_catalog(project, "one", "pt_BR", [("Strike!", "Greve!", "translated")])
    out = tmp_path / "pt.tmx"
    memory.export_tmx(project, "pt_BR", out)
    root = validate_tmx14(out.read_bytes())
    assert pairs(root, "en", "pt-BR") == {("Strike!", "Greve!")}


def test_export_of_unknown_language_is_refused(filled, invoke, tmp_path):
    result = invoke("tm", "export", "--lang", "it", str(tmp_path / "x.tmx"))
    assert result.exit_code == 1
    assert "not a target language" in result.output
    assert not (tmp_path / "x.tmx").exists()


# Written by us the way Trados Studio writes TMX: en-US/es-ES codes, props, dates, inline codes.
TRADOS_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<tmx version="1.4">
  <header creationtool="SDL Language Platform" creationtoolversion="8.1" o-tmf="SDL TM8 Format"
          datatype="xml" segtype="sentence" adminlang="en-US" srclang="en-US" creationdate="20230105T101500Z">
    <prop type="x-Recognizers">RecognizeAll</prop>
  </header>
  <body>
    <tu creationdate="20230105T101500Z" creationid="volunteer" changedate="20230210T080000Z">
      <prop type="x-Origin">TM</prop>
      <tuv xml:lang="en-US"><seg>An injury to one is an injury to <bpt i="1" type="bold" x="1"/>all<ept i="1"/>!</seg></tuv>
      <tuv xml:lang="es-ES"><seg>¡La agresión a uno es una agresión a <bpt i="1" type="bold" x="1"/>todos<ept i="1"/>!</seg></tuv>
    </tu>
    <tu changedate="20230211T080000Z">
      <tuv xml:lang="en-US"><seg>Housing is a right.</seg></tuv>
      <tuv xml:lang="de-DE"><seg>Wohnen ist ein Recht.</seg></tuv>
      <tuv xml:lang="es-ES"><seg>La vivienda es un derecho.</seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="en-US"><seg>Only Italian here.</seg></tuv>
      <tuv xml:lang="it-IT"><seg>Solo italiano qui.</seg></tuv>
    </tu>
  </body>
</tmx>
"""

# Written by us the way OmegaT writes its project memory: a DOCTYPE, uppercase codes, plain segs.
OMEGAT_STYLE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx11.dtd">
<tmx version="1.1">
  <header creationtool="OmegaT" o-tmf="OmegaT TMX" adminlang="EN-US" datatype="plaintext"
          creationtoolversion="6.0.0_0_0" segtype="sentence" srclang="EN-GB"/>
  <body>
    <tu>
      <tuv lang="EN-GB" changeid="ana" changedate="20240101T120000Z"><seg>Freeze the rents, not the wages.</seg></tuv>
      <tuv lang="FR-FR" changeid="ana" changedate="20240101T120000Z"><seg>Gelez les loyers, pas les salaires.</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def test_import_trados_style_maps_language_codes(project, invoke, tmp_path):
    source = tmp_path / "Shared Memory.tmx"
    source.write_text(TRADOS_STYLE, encoding="utf-8")
    result = invoke("tm", "import", str(source))
    assert result.exit_code == 0, result.output
    assert "3 translation pairs" in result.output and "es: 2" in result.output and "de: 1" in result.output
    assert (project.translations_dir / ".tm" / "shared-memory.tmx").read_bytes() == source.read_bytes()
    es = Memory.load(project, "es")
    found = es.exact("An injury to one is an injury to all!")
    assert (found.target, found.slug) == ("¡La agresión a uno es una agresión a todos!", "tmx:shared-memory")
    assert Memory.load(project, "de").exact("Housing is a right.").target == "Wohnen ist ein Recht."
    assert es.exact("Only Italian here.") is None
    assert es.fuzzy("Housing is a human right.")[0].target == "La vivienda es un derecho."


def test_import_omegat_style(project, invoke, tmp_path):
    source = tmp_path / "omegat-project-save.tmx"
    source.write_text(OMEGAT_STYLE, encoding="utf-8")
    result = invoke("tm", "import", str(source))
    assert result.exit_code == 0, result.output
    assert Memory.load(project, "fr").exact("Freeze the rents, not the wages.").target == \
        "Gelez les loyers, pas les salaires."


def test_round_trip_through_tmx(filled, tmp_path):
    out = tmp_path / "es.tmx"
    memory.export_tmx(filled, "es", out)
    other = Project.create(tmp_path / "other", "en", ["es"])
    assert memory.import_tmx(other, out) == {"es": 3}
    before = {(u.source, u.target) for u in Memory.load(filled, "es").units()}
    after = {(u.source, u.target) for u in Memory.load(other, "es").units()}
    assert after == before


def test_reimport_replaces_the_units_of_that_file(project, tmp_path):
    source = tmp_path / "team.tmx"
    source.write_text(TRADOS_STYLE, encoding="utf-8")
    memory.import_tmx(project, source)
    source.write_text(TRADOS_STYLE.replace("La vivienda es un derecho.", "Vivienda digna."), encoding="utf-8")
    memory.import_tmx(project, source)
    assert [s.target for s in Memory.load(project, "es").fuzzy("Housing is a right.")] == ["Vivienda digna."]


def test_explicit_catalog_translation_wins_when_approved(project, tmp_path):
    source = tmp_path / "team.tmx"
    source.write_text(TRADOS_STYLE, encoding="utf-8")
    memory.import_tmx(project, source)
    write_catalog(project, "ours", "es", [("Housing is a right.", "La vivienda es un derecho humano.", "approved")])
    assert Memory.load(project, "es").exact("Housing is a right.").slug == "ours"


BAD_FILES = {
    "broken.tmx": (b"<tmx version='1.4'><header/><body><tu>", "not well-formed XML"),
    "other.tmx": (b"<xliff version='1.2'><file/></xliff>", "not a TMX file"),
    "bomb.tmx": (b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>&b;</seg></tuv>
<tuv xml:lang="es"><seg>x</seg></tuv></tu></body></tmx>""", "refused"),
    "external.tmx": (b"""<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>&x;</seg></tuv>
<tuv xml:lang="es"><seg>x</seg></tuv></tu></body></tmx>""", "refused"),
    "italian.tmx": (TRADOS_STYLE.replace("es-ES", "it-IT").replace("de-DE", "it-IT").encode(), "no translation unit"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_tmx_is_one_line_and_changes_nothing(project, invoke, tmp_path, name):
    data, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    result = invoke("tm", "import", str(path))
    assert result.exit_code == 1
    assert reason in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (project.translations_dir / ".tm").exists()


def test_missing_file_is_one_line(project, invoke, tmp_path):
    result = invoke("tm", "import", str(tmp_path / "nope.tmx"))
    assert result.exit_code == 1 and "no such file" in result.output


def test_language_code_matching():
    assert match_lang("en-US", ["en"]) == "en"
    assert match_lang("ES-es", ["es", "fr"]) == "es"
    assert match_lang("pt-BR", ["pt_BR", "es"]) == "pt_BR"
    assert match_lang("pt", ["pt_BR"]) == "pt_BR"
    assert match_lang("pt-PT", ["pt_BR", "pt_PT"]) == "pt_PT"
    assert match_lang("pt", ["pt_BR", "pt_PT"]) is None
    assert match_lang("de", ["es"]) is None
    assert match_lang("not a code", ["es"]) is None
