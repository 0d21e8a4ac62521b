"""Commands of the later stages, one module per area, each with ``register(cli)``."""

import importlib
import pkgutil


def register(cli) -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}").register(cli)
