"""The engine registry, language maps and the shared HTTP engine behaviour."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from chorus import engines
from chorus.engines import apertium
from chorus.engines.base import first_code
from chorus.errors import ChorusError
from chorus.pretranslate import chain_for

REPO = Path(__file__).resolve().parent.parent


def test_registry_has_every_engine_and_each_is_an_engine():
    assert set(engines.ENGINES) == {"apertium", "apy", "google", "mymemory", "deepl", "libre", "microsoft"}
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
    monkeypatch.setattr(apertium, "debian_packages", lambda: ("apertium-en-ca", "apertium-eng-cat", "apertium-en-gl"))
    assert apertium.package_for("en", "ca") == "apertium-eng-cat"
    assert apertium.package_for("en", "gl") == "apertium-en-gl"
    assert apertium.package_for("en", "fr") is None
    status = engines.create("apertium", {"modes": "/nonexistent/modes"}).pair_status("en", "ca")
    assert not status.served
    assert status.fix == "apt-get install apertium-eng-cat"


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
    assert "DEEPL_API_KEY" in result.output
    assert "[apy] url" in result.output
