"""Google Translate through deep-translator (the free web endpoint: no key, 5,000 characters)."""

from __future__ import annotations

from dataclasses import dataclass

import deep_translator.google
from deep_translator import GoogleTranslator
from deep_translator.constants import GOOGLE_LANGUAGES_TO_CODES

from .base import DeepTranslatorEngine, install_http

install_http(deep_translator.google)


@dataclass
class GoogleEngine(DeepTranslatorEngine):
    name = "google"
    description = "Google Translate (online, no key)"
    languages = frozenset(GOOGLE_LANGUAGES_TO_CODES.values())
    aliases = {"he": "iw", "jv": "jw", "zh": "zh-CN", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "nb": "no"}

    def translator(self, source: str, target: str):
        return GoogleTranslator(source=source, target=target)
