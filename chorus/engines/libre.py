"""LibreTranslate through deep-translator (online or self-hosted).

The server is ``[libre] url`` in chorus.toml (default: the public libretranslate.com, which
needs a key in LIBRE_API_KEY); a self-hosted server usually needs no key.
"""

from __future__ import annotations

from dataclasses import dataclass

import deep_translator.libre
from deep_translator import LibreTranslator
from deep_translator.constants import LIBRE_LANGUAGES_TO_CODES

from .base import DeepTranslatorEngine, install_http

install_http(deep_translator.libre)

PUBLIC_URL = "https://libretranslate.com/"


@dataclass
class LibreEngine(DeepTranslatorEngine):
    name = "libre"
    description = "LibreTranslate (online or self-hosted: [libre] url; key in LIBRE_API_KEY)"
    key_variable = "LIBRE_API_KEY"
    languages = frozenset(LIBRE_LANGUAGES_TO_CODES.values())
    aliases = {"zh-CN": "zh", "zh-TW": "zh", "zh-Hans": "zh"}

    @property
    def url(self) -> str:
        url = str(self.settings.get("url") or PUBLIC_URL)
        return url if url.endswith("/") else url + "/"

    def missing_configuration(self) -> tuple[str, str] | None:
        if self.url == PUBLIC_URL:
            return super().missing_configuration()
        return None  # a self-hosted server: the key is optional

    def translator(self, source: str, target: str):
        # deep-translator insists on a key even for servers that need none; send none then.
        translator = LibreTranslator(source=source, target=target, api_key=self.api_key() or "none",
                                     custom_url=self.url)
        translator.api_key = self.api_key()
        return translator
