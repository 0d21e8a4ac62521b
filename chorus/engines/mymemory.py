"""MyMemory through deep-translator (online, free; MYMEMORY_EMAIL raises the daily quota)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import deep_translator.mymemory
from deep_translator import MyMemoryTranslator
from deep_translator.constants import MY_MEMORY_LANGUAGES_TO_CODES

from .base import DeepTranslatorEngine, install_http

install_http(deep_translator.mymemory)

# MyMemory wants a region (en-GB, es-ES): the main one for each bare code.
_MAIN = {"en": "en-GB", "es": "es-ES", "pt": "pt-PT", "fr": "fr-FR", "de": "de-DE", "zh": "zh-CN",
         "ar": "ar-SA", "it": "it-IT", "nl": "nl-NL", "sr": "sr-Latn-RS", "bs": "bs-BA", "sw": "sw-KE",
         "ta": "ta-IN", "ms": "ms-MY", "oc": "oc-FR", "tn": "tn-ZA"}
_BARE = {code.split("-")[0]: code for code in sorted(MY_MEMORY_LANGUAGES_TO_CODES.values(), reverse=True)}


@dataclass
class MyMemoryEngine(DeepTranslatorEngine):
    name = "mymemory"
    description = "MyMemory (online, no key; set MYMEMORY_EMAIL for a larger quota)"
    languages = frozenset(MY_MEMORY_LANGUAGES_TO_CODES.values())
    aliases = {**_BARE, **_MAIN}

    def translator(self, source: str, target: str):
        return MyMemoryTranslator(source=source, target=target, email=os.environ.get("MYMEMORY_EMAIL"))
