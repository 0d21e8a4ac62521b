"""DeepL through deep-translator (online; key in DEEPL_API_KEY, free keys end in ``:fx``)."""

from __future__ import annotations

from dataclasses import dataclass

import deep_translator.deepl
from deep_translator import DeeplTranslator
from deep_translator.constants import DEEPL_LANGUAGE_TO_CODE

from .base import DeepTranslatorEngine, install_http

install_http(deep_translator.deepl)


@dataclass
class DeepLEngine(DeepTranslatorEngine):
    name = "deepl"
    description = "DeepL (online, key in DEEPL_API_KEY)"
    key_variable = "DEEPL_API_KEY"
    languages = frozenset(DEEPL_LANGUAGE_TO_CODE.values())
    aliases = {"nb": "no"}

    def translator(self, source: str, target: str):
        key = self.api_key()
        return DeeplTranslator(source=source, target=target, api_key=key, use_free_api=key.endswith(":fx"))
