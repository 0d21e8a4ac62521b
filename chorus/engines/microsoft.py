"""Microsoft Translator through deep-translator (online; key in MICROSOFT_API_KEY, region in
MICROSOFT_REGION when the key is regional)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import deep_translator.microsoft
from deep_translator import MicrosoftTranslator

from .base import DeepTranslatorEngine, install_http

install_http(deep_translator.microsoft)

# The service lists its languages only online; these are the codes it has long served.
_CODES = frozenset(
    "af ar bg bn bs ca cs cy da de el en es et fa fi fil fr ga gu he hi hr ht hu hy id is it ja "
    "kk km kn ko lt lv mi mk ml mr ms mt my nb ne nl or pa pl prs ps pt pt-pt ro ru sk sl sm sq "
    "sr-cyrl sr-latn sv sw ta te th tr uk ur vi zh-hans zh-hant".split()
)


@dataclass
class MicrosoftEngine(DeepTranslatorEngine):
    name = "microsoft"
    description = "Microsoft Translator (online, key in MICROSOFT_API_KEY)"
    key_variable = "MICROSOFT_API_KEY"
    languages = _CODES
    aliases = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-tw": "zh-hant", "pt-br": "pt", "sr": "sr-cyrl",
               "no": "nb", "tl": "fil"}

    def translator(self, source: str, target: str):
        return MicrosoftTranslator(source=source, target=target, api_key=self.api_key(),
                                   region=os.environ.get("MICROSOFT_REGION"))
