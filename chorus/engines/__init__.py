"""Machine translation engines, one small module each, behind :class:`~.base.Engine`.

>>> sorted(ENGINES)
['apertium', 'apy', 'deepl', 'google', 'libre', 'microsoft', 'mymemory', 'openai']
>>> engine = create("apertium", {})
>>> engine.name
'apertium'
"""

from __future__ import annotations

import importlib

from ..errors import ChorusError
from .base import Engine, EngineError, EngineUnavailable, EngineUnreachable, PairStatus, RateLimited

# name → (module, class); modules are imported only when the engine is used.
ENGINES = {
    "apertium": ("apertium", "ApertiumEngine"),
    "apy": ("apy", "ApyEngine"),
    "google": ("google", "GoogleEngine"),
    "mymemory": ("mymemory", "MyMemoryEngine"),
    "deepl": ("deepl", "DeepLEngine"),
    "libre": ("libre", "LibreEngine"),
    "microsoft": ("microsoft", "MicrosoftEngine"),
    "openai": ("openai", "OpenAIEngine"),
}
MEMORY = "memory"  # not an engine: the translation memory step of a chain


def engine_class(name: str) -> type[Engine]:
    if name not in ENGINES:
        raise ChorusError(f"unknown engine: {name!r} (engines: {', '.join(ENGINES)})")
    module, cls = ENGINES[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def create(name: str, settings: dict | None = None, cache_dir=None) -> Engine:
    """An engine with its settings (its table in chorus.toml) and the project's cache folder.

    Settings of the wrong type or out of range are a :class:`ChorusError` naming the setting.
    """
    cls = engine_class(name)
    settings = dict(settings or {})
    cls.check_settings(settings)
    return cls(settings=settings, cache_dir=cache_dir)


def for_project(name: str, project) -> Engine:
    """The engine ``name`` configured for ``project`` (``[<name>]`` in chorus.toml)."""
    settings = project.config.settings.get(name, {})
    if not isinstance(settings, dict):
        raise ChorusError(f"chorus.toml: [{name}] must be a table of settings")
    return create(name, settings, project.private_dir / "cache")


__all__ = ["ENGINES", "MEMORY", "Engine", "EngineError", "EngineUnavailable", "EngineUnreachable",
           "PairStatus", "RateLimited", "create", "engine_class", "for_project"]
