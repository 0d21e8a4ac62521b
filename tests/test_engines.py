"""The engine registry, language maps and the shared HTTP engine behaviour."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from chorus import engines
from chorus.engines import apertium, apertium_pairs
from chorus.engines.base import first_code
from chorus.cli import cli
from chorus.errors import ChorusError
from chorus.pretranslate import chain_for
from chorus.project import Project

REPO = Path(__file__).resolve().parent.parent


def test_registry_has_every_engine_and_each_is_an_engine():
    assert set(engines.ENGINES) == {"apertium", "apy", "google", "mymemory", "deepl", "libre", "microsoft", "openai"}
    for name in engines.ENGINES:
        engine = engines.create(name, {})
        assert engine.name == name
        assert isinstance(engine, engines.Engine)


def test_unknown_engine_is_a_readable_error():
    with pytest.raises(ChorusError, match="unknown engine: 'babel'"):
        engines.create("babel")


def test_language_codes_are_mapped_per_engine():
    assert engines.create("google").code("he") == "iw"
    assert engines.create("google").code("zh_TW") == "zh-TW"
    assert engines.create("mymemory").code("es") == "es-ES"
    assert engines.create("mymemory").code("pt_BR") == "pt-BR"
    assert engines.create("deepl").code("pt_BR") == "pt"
    assert engines.create("deepl").code("he") is None
    assert engines.create("microsoft").code("zh_TW") == "zh-hant"
    assert engines.create("apertium").code("es") == "spa"
    assert first_code("fr_CA", {"fr"}) == "fr"


def test_apertium_codes_try_three_letter_then_two_letter():
    assert apertium.candidates("en") == ["eng", "en"]
    assert apertium.candidates("gl") == ["glg", "gl"]
    assert apertium.candidates("pt_BR") == ["por_BR", "pt_BR", "por", "pt"]


def test_apertium_picks_the_installed_mode(tmp_path):
    modes = tmp_path / "share" / "modes"
    modes.mkdir(parents=True)
    for name in ("en-gl", "eng-spa", "spa-eng", "spa-eng_US"):
        (modes / f"{name}.mode").write_text("cat\n")
    engine = engines.create("apertium", {"modes": str(modes)})
    assert engine.mode("en", "gl") == "en-gl"
    assert engine.mode("en", "es") == "eng-spa"
    assert engine.mode("es", "en") == "spa-eng"
    assert engine.mode("es", "en_US") == "spa-eng_US"
    assert engine.mode("en", "fr") is None


def test_apertium_fix_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(apertium_pairs, "debian_packages", lambda: ("apertium-en-ca", "apertium-eng-cat",
                                                                    "apertium-en-gl", "apertium-fr-es"))
    assert apertium.package_for("en", "ca") == "apertium-eng-cat"
    assert apertium.package_for("en", "gl") == "apertium-en-gl"
    assert apertium.package_for("en", "fr") is None
    status = engines.create("apertium", {"modes": "/nonexistent/modes"}).pair_status("en", "ca")
    assert not status.served
    assert status.fix == "apt-get install apertium-eng-cat"


def test_shortest_chain_prefers_spanish_then_catalan_then_any_pivot():
    modes = apertium_pairs.Modes(["eng-spa", "eng-cat", "es-fr", "cat-fra", "cat-ita", "spa-ita", "fr-es",
                                  "es-pt", "es-pt_BR", "cat-por", "en-gl", "gl-es", "ro-es", "eo-en", "en-eo",
                                  "eo-fr", "oc-es", "es-oc", "oc_aran-es", "es-oc_aran", "eco-es-fr"])
    assert modes.chain("en", "es").hops == (apertium_pairs.Hop("en", "es", "eng-spa"),)
    assert [(c, modes.chain("en", c).label) for c in ("fr", "it", "pt", "pt_BR", "oc", "gl")] == [
        ("fr", "en>es>fr"), ("it", "en>es>it"), ("pt", "en>es>pt"), ("pt_BR", "en>es>pt_BR"),
        ("oc", "en>es>oc"), ("gl", "en>gl")]
    assert modes.chain("en", "fr").modes == ("eng-spa", "es-fr")
    assert modes.chain("fr", "it").label == "fr>es>it"  # the other way round too
    assert modes.chain("gl", "fr").label == "gl>es>fr"
    assert modes.chain("en", "ro") is None  # only ro→es is installed
    assert modes.modes_from("ro") == ["ro-es"]
    assert modes.chain("en", "de") is None
    catalan_first = apertium_pairs.Modes(modes.names, pivots=["ca", "es"])
    assert catalan_first.chain("en", "fr").label == "en>ca>fr"
    assert catalan_first.chain("en", "oc").label == "en>es>oc"  # no Catalan-Occitan pair here
    direct_only = apertium_pairs.Modes(modes.names, pivots=[])
    assert direct_only.chain("en", "fr") is None and direct_only.chain("en", "es") is not None
    assert apertium_pairs.Modes(modes.names, max_hops=1).chain("en", "fr") is None
    esperanto_only = apertium_pairs.Modes(["en-eo", "eo-fr"])  # any installed language can be the pivot
    assert esperanto_only.chain("en", "fr").label == "en>eo>fr"
    assert apertium_pairs.Modes(["en-eo", "eo-fr"], pivots=["es"]).chain("en", "fr") is None


def test_a_language_served_one_way_only_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(apertium_pairs, "debian_packages", lambda: ("apertium-eng-spa", "apertium-es-ro"))
    modes = tmp_path / "modes"
    modes.mkdir()
    for name in ("eng-spa", "ro-es"):
        (modes / f"{name}.mode").write_text("cat\n")
    status = engines.create("apertium", {"modes": str(modes)}).pair_status("en", "ro")
    assert not status.served
    assert status.detail == "no installed pair translates into ro (apertium-es-ro: only ro-es)"
    assert "online engine" in status.fix


def test_a_missing_pivot_pair_is_named_with_its_package(tmp_path, monkeypatch):
    monkeypatch.setattr(apertium_pairs, "debian_packages",
                        lambda: ("apertium-br-fr", "apertium-eng-spa", "apertium-eo-fr", "apertium-fr-es"))
    modes = tmp_path / "modes"
    modes.mkdir()
    (modes / "eng-spa.mode").write_text("cat\n")
    status = engines.create("apertium", {"modes": str(modes)}).pair_status("en", "fr")
    assert (status.served, status.detail, status.fix) == (False, "no installed pair reaches fr",
                                                           "apt-get install apertium-fr-es")


def test_apertium_pairs_follow_the_installed_modes(tmp_path):
    """Served or not is read from the modes folder, the fix from Debian's package list."""
    modes = tmp_path / "modes"
    modes.mkdir()
    (modes / "eng-spa.mode").symlink_to(apertium.MODES_DIR / "eng-spa.mode")
    engine = engines.create("apertium", {"modes": str(modes)})
    status = engine.pair_status("en", "ca")
    assert not status.served
    assert status.fix == "apt-get install apertium-eng-cat"
    assert engine.pair_status("en", "es").served


def test_set_up_installs_the_pairs_it_lists():
    """Every Apertium package that set-up lists is installed and brings its modes."""
    script = (REPO / "scripts" / "system-packages.sh").read_text()
    listed = set(re.findall(r"\bapertium-[a-z_]+-[a-z_]+\b", script)) - {"apertium-apy"}
    assert {"apertium-eng-spa", "apertium-eng-cat", "apertium-fr-es"} <= listed
    engine = engines.create("apertium")
    assert engine.pair_status("en", "es").served and engine.pair_status("en", "ca").served
    modes = set(engine.installed_modes())
    for package in sorted(listed):
        files = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
        assert files.returncode == 0, f"{package} is not installed"
        provided = {Path(line).stem for line in files.stdout.splitlines() if line.endswith(".mode")}
        assert provided and provided <= modes, package


def test_online_engines_without_key_say_which_variable(monkeypatch):
    monkeypatch.delenv("DEEPL_API_KEY", raising=False)
    status = engines.create("deepl").pair_status("en", "es")
    assert not status.served
    assert "DEEPL_API_KEY" in status.detail and "export DEEPL_API_KEY" in status.fix
    monkeypatch.setenv("DEEPL_API_KEY", "abc:fx")
    assert engines.create("deepl").pair_status("en", "es").served
    with pytest.raises(engines.EngineUnavailable, match="deepl cannot translate en→he"):
        engines.create("deepl").translate(["Hello"], "en", "he")


def test_chain_from_config_and_engine_override(project):
    assert chain_for(project, "es") == ["memory", "apertium"]
    assert chain_for(project, "es", "libre") == ["memory", "libre"]
    assert chain_for(project, "es", "memory") == ["memory"]
    with pytest.raises(ChorusError, match="unknown engine 'babel'"):
        chain_for(project, "es", "babel")


def test_engines_command_lists_pairs_and_fixes(invoke):
    result = invoke("engines")
    assert result.exit_code == 0, result.output
    assert "en→es: mode eng-spa" in result.output
    assert "en>es>fr" in result.output
    assert "DEEPL_API_KEY" in result.output
    assert "[apy] url" in result.output


def test_engines_command_shows_chains_and_why_a_language_is_not_served(tmp_path):
    project = Project.create(tmp_path / "p", "en", ["es", "fr", "pt", "it", "ca", "gl", "ro", "oc", "de", "ar"])
    result = CliRunner().invoke(cli, ["engines", "--json", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    [apertium_row] = [row for row in json.loads(result.output) if row["engine"] == "apertium"]
    assert apertium_row["in_chains"] == ["es", "fr", "pt", "it", "ca", "gl", "ro", "oc", "de", "ar"]
    details = {pair["target"]: (pair["served"], pair["detail"]) for pair in apertium_row["pairs"]}
    assert details == {
        "es": (True, "mode eng-spa"),
        "fr": (True, "en>es>fr (modes eng-spa, es-fr)"),
        "pt": (True, "en>es>pt (modes eng-spa, es-pt)"),
        "it": (True, "en>es>it (modes eng-spa, spa-ita)"),
        "ca": (True, "mode eng-cat"),
        "gl": (True, "mode en-gl"),
        "ro": (False, "no installed pair translates into ro (apertium-es-ro: only ro-es)"),
        "oc": (True, "en>es>oc (modes eng-spa, es-oc)"),
        "de": (False, "no Apertium pair packaged for Debian translates into de"),
        "ar": (False, "no Apertium pair packaged for Debian translates into ar"),
    }
    assert "DEEPL_API_KEY" in result.output
    assert "[apy] url" in result.output


@pytest.mark.parametrize("module", ["chorus.engines", "chorus.engines.base", "chorus.engines.apertium",
                                    "chorus.engines.apertium_pairs", "chorus.engines.openai"])
def test_docstring_examples(module):
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failures == 0


@pytest.mark.parametrize("name, settings, says", [
    ("libre", {"timeout": "fast"}, r"\[libre\] timeout must be a number of at least 0.001"),
    ("libre", {"retries": -1}, r"\[libre\] retries must be a whole number of at least 0"),
    ("deepl", {"retries": 1.5}, r"\[deepl\] retries must be a whole number"),
    ("apertium", {"batch_size": 0}, r"\[apertium\] batch_size must be a whole number of at least 1"),
    ("apertium", {"pivots": "es"}, r"\[apertium\] pivots must be a list of language codes"),
    ("apertium", {"pivots": ["es", "xx"]}, r"unknown language code: 'xx'"),
    ("apertium", {"max_hops": 0}, r"\[apertium\] max_hops must be a whole number of at least 1"),
    ("openai", {"segments_per_request": 0}, r"\[openai\] segments_per_request must be a whole number"),
    ("openai", {"model": 7}, r"\[openai\] model must be a string"),
])
def test_settings_of_the_wrong_type_are_one_line(name, settings, says):
    with pytest.raises(ChorusError, match=says):
        engines.create(name, settings)


def test_a_bad_setting_of_a_later_engine_stops_the_run_before_anything_is_written(sample_project):
    from chorus.pretranslate import pretranslate
    from tests.conftest import snapshot

    config = sample_project.root / "chorus.toml"
    config.write_text(config.read_text().replace('# de = ["memory", "libre"]', 'de = ["memory", "libre"]')
                      + '\n[libre]\ntimeout = "fast"\n')
    before = snapshot(sample_project.translations_dir)
    with pytest.raises(ChorusError, match=r"\[libre\] timeout"):
        pretranslate(Project.load(sample_project.root))  # es and fr come first and use apertium
    assert snapshot(sample_project.translations_dir) == before
