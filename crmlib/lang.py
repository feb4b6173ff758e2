"""The report languages: English and Simplified Chinese, from gettext message catalogues.

Every word a reader sees is written once, in English, as a message id, and looked up in the
catalogue of the report's language: ``crmlib/locale/<locale>/LC_MESSAGES/*.po`` (every ``.po``
file of the locale is read, so each area of the library may keep its own). A message without a
translation falls back to the English text. Placeholders are ``str.format`` fields, filled after
the lookup so the translator may move them: ``_("{n:,} customers bought").format(n=n)``.

Adding a language means adding a locale folder with its ``.po`` files and naming it in
``LOCALES``. ``in_language(lang, en, zh)`` is the older pair-of-strings form, kept until every
caller uses the catalogue.

Example
-------
>>> _ = translator("en")
>>> _("Revenue")
'Revenue'
>>> gettext("xx", "Revenue")  # an unknown language reads English
'Revenue'
>>> ngettext("en", "{n} customer", "{n} customers", 2).format(n=2)
'2 customers'
>>> in_language("zh", "Revenue", "收入"), in_language("en", "Revenue", "收入")
('收入', 'Revenue')
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from importlib.resources import files
from pathlib import Path

LANGUAGES = ("en", "zh")
LOCALES = {"en": "en", "zh": "zh_CN"}  # report language -> catalogue folder (and Babel locale)


def locale_folder() -> Path:
    """``crmlib/locale``: one folder per locale holding ``LC_MESSAGES/*.po``."""
    return Path(str(files("crmlib") / "locale"))


@lru_cache(maxsize=8)
def catalogue(lang: str) -> dict:
    """Message id -> translation for ``lang`` from every ``.po`` file of its locale (empty for
    English and unknown languages). Plural entries map the singular id to a tuple of forms."""
    locale = LOCALES.get(lang)
    if locale is None or lang == "en":
        return {}
    from babel.messages.pofile import read_po

    messages: dict = {}
    for path in sorted((locale_folder() / locale / "LC_MESSAGES").glob("*.po")):
        with open(path, "rb") as handle:
            for message in read_po(handle, locale=locale):
                if not message.id or message.fuzzy:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if isinstance(message.string, tuple):
                    if any(message.string):
                        messages[key] = message.string
                elif message.string:
                    messages[key] = message.string
    return messages


def gettext(lang: str, message: str) -> str:
    """``message`` (English) in ``lang``; English when the catalogue has no translation."""
    translated = catalogue(lang).get(message)
    return translated if isinstance(translated, str) else message


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in ``lang`` (Chinese has one form)."""
    forms = catalogue(lang).get(singular)
    if isinstance(forms, tuple) and forms[0]:
        return forms[0] if len(forms) == 1 or n == 1 or lang == "zh" else (forms[1] or forms[0])
    return singular if n == 1 else plural


def translator(lang: str) -> Callable[[str], str]:
    """A ``_`` for ``lang``: ``_ = translator(lang)``, then ``_("Revenue")``."""
    return partial(gettext, lang)


def in_language(lang: str, en: str, zh: str) -> str:
    """``zh`` when ``lang`` is "zh", else ``en`` (English is the default for any other value)."""
    return zh if lang == "zh" else en
