"""Chorus: translate short statements into many languages with volunteers."""

__version__ = "0.1.0"  # kept equal to pyproject.toml's version (a test checks)
