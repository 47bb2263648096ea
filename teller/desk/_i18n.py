"""The Desk's two languages: Simplified Chinese by default, English by choice.

Messages are English in the templates and code, translated from the message catalogues
``locale/<language>/*.po`` (one per page or part, read with Babel and compiled in memory
at start); money and times are formatted for the language's locale by Babel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

__all__ = ["LANGUAGES", "Language", "language"]

LOCALE = Path(__file__).with_name("locale")
LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}
ZONE = ZoneInfo("Asia/Shanghai")  # the bank's day, whatever the server's clock says


@dataclass(frozen=True)
class Language:
    """One language: its messages, and how it writes money and times."""

    code: str
    translations: NullTranslations

    @property
    def html(self) -> str:
        """The page's ``lang`` attribute (BCP 47)."""
        return "zh-Hans" if self.code.startswith("zh") else "en"

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def money(self, amount: Decimal | None) -> str:
        return "" if amount is None else format_decimal(amount, "#,##0.00", locale=self.code)

    def when(self, moment: datetime | None) -> str:
        """A store time (UTC, naive or not) in the bank's zone, as the locale writes it."""
        if moment is None:
            return ""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return format_datetime(aware.astimezone(ZONE), "yyyy-MM-dd HH:mm", locale=self.code)


@cache
def language(code: str) -> Language:
    """The language ``code`` (one of :data:`LANGUAGES`)."""
    Locale.parse(code)  # a code Babel does not know fails here, at start
    translations: NullTranslations = NullTranslations()  # English: the messages as written
    for catalogue in sorted((LOCALE / code).glob("*.po")):
        with catalogue.open("rb") as source:
            read = read_po(source, locale=code)
        compiled = io.BytesIO()
        write_mo(compiled, read)
        compiled.seek(0)
        part = Translations(compiled)
        if isinstance(translations, Translations):
            translations.merge(part)
        else:
            translations = part
    return Language(code, translations)
