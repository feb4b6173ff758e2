"""The report languages: English and Simplified Chinese, from gettext message catalogues.

Every word a reader sees is written once, in English, as a message id, and looked up in the
catalogue of the report's language: ``crmlib/locale/<locale>/LC_MESSAGES/*.po`` (every ``.po``
file of the locale is read, so each area of the library keeps its own: ``crmlib.po``,
``journey.po`` …). A message without a translation falls back to the English text.
Placeholders are ``str.format`` fields, filled after the lookup so the translator may move
them: ``_("{n:,} customers bought").format(n=n)``.

Words that are not written inside a ``_()`` call — column labels in a table of labels, the
names of KPIs in a dict — are marked with :func:`N_` (which returns its argument) so that
extraction (:mod:`crmlib.messages`) finds them, and translated where they are shown.

Adding a language means adding a locale folder with its ``.po`` files and naming it in
``LOCALES`` (see ``docs/translating.md``). ``in_language(lang, en, zh)`` is the older
pair-of-strings form, kept only until the last caller moves to the catalogue.

Example
-------
>>> _ = translator("zh")
>>> _("Revenue")
'收入'
>>> gettext("xx", "Revenue")  # an unknown language reads English
'Revenue'
>>> ngettext("en", "{n} customer", "{n} customers", 2).format(n=2)
'2 customers'
>>> pgettext("zh", "Value tier", "high"), gettext("en", N_("Revenue"))
('高', 'Revenue')
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

LANGUAGES = ("en", "zh")
LOCALES = {"en": "en", "zh": "zh_CN"}  # report language -> catalogue folder (and Babel locale)


def locale_folder() -> Path:
    """``crmlib/locale``: one folder per locale holding ``LC_MESSAGES/*.po``.

    Returns
    -------
    Path
        The installed package's ``locale`` folder.
    """
    return Path(str(files("crmlib") / "locale"))


def babel_locale(lang: str) -> str:
    """The Babel/CLDR locale of a report language (``"zh"`` -> ``"zh_CN"``; English otherwise).

    Parameters
    ----------
    lang : str
        A report language (``"en"``, ``"zh"``).

    Returns
    -------
    str
        Its locale from ``LOCALES``; ``"en"`` for an unknown language.
    """
    return LOCALES.get(lang, "en")


def catalogue_files(lang: str) -> list[Path]:
    """Every ``.po`` file of ``lang``'s locale, sorted by name (none for English).

    Parameters
    ----------
    lang : str
        A report language.

    Returns
    -------
    list of Path
        The ``LC_MESSAGES/*.po`` files; empty for English and unknown languages.
    """
    locale = LOCALES.get(lang)
    if locale is None or lang == "en":
        return []
    return sorted((locale_folder() / locale / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=8)
def catalogue(lang: str) -> dict:
    """Message id -> translation for ``lang`` from every ``.po`` file of its locale (empty for
    English and unknown languages). Plural entries map the singular id to a tuple of forms;
    entries with a context (``msgctxt``) are keyed ``(context, id)``. Fuzzy and empty
    translations are left out, so they read English.

    Parameters
    ----------
    lang : str
        A report language (read once per language, cached).

    Returns
    -------
    dict
        Message id (or ``(context, id)``) -> translation (or tuple of plural forms).
    """
    from babel.messages.pofile import read_po

    messages: dict = {}
    for path in catalogue_files(lang):
        with open(path, "rb") as handle:
            for message in read_po(handle, locale=LOCALES[lang]):
                if not message.id or message.fuzzy:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if message.context:
                    key = (message.context, key)
                if isinstance(message.string, tuple):
                    if any(message.string):
                        messages[key] = message.string
                elif message.string:
                    messages[key] = message.string
    return messages


def gettext(lang: str, message: str) -> str:
    """``message`` (English) in ``lang``; English when the catalogue has no translation.

    Parameters
    ----------
    lang : str
        A report language.
    message : str
        The English message id.

    Returns
    -------
    str
        The translation, or ``message`` itself.
    """
    translated = catalogue(lang).get(message)
    return translated if isinstance(translated, str) else message


def pgettext(lang: str, context: str, message: str) -> str:
    """``message`` in ``lang`` as meant in ``context`` (for short words with several meanings).

    Parameters
    ----------
    lang : str
        A report language.
    context : str
        The message's ``msgctxt`` (e.g. ``"Value tier"``).
    message : str
        The English message id.

    Returns
    -------
    str
        The translation in that context, or ``message`` itself.
    """
    translated = catalogue(lang).get((context, message))
    return translated if isinstance(translated, str) else message


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in ``lang`` (Chinese has one form).

    Parameters
    ----------
    lang : str
        A report language.
    singular : str
        The English singular (also the message id).
    plural : str
        The English plural.
    n : int
        The count deciding the form.

    Returns
    -------
    str
        The translated form, or ``singular`` when ``n == 1`` else ``plural`` without a translation.
    """
    forms = catalogue(lang).get(singular)
    if isinstance(forms, tuple) and forms[0]:
        return forms[0] if len(forms) == 1 or n == 1 or lang == "zh" else (forms[1] or forms[0])
    return singular if n == 1 else plural


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark, translate later"
    """Mark ``message`` for extraction without translating it now; returns it unchanged.

    Parameters
    ----------
    message : str
        The English message id.

    Returns
    -------
    str
        ``message``.
    """
    return message


def NC_(context: str, message: str) -> str:  # noqa: N802
    """Mark ``message`` with its ``context`` for extraction; returns the message (translate with pgettext).

    Parameters
    ----------
    context : str
        The message's ``msgctxt``.
    message : str
        The English message id.

    Returns
    -------
    str
        ``message``.
    """
    return message


class Translator:
    """The ``_`` of one language: ``_ = translator("zh")``, then ``_("Revenue")``.

    Also ``_.ngettext(singular, plural, n)``, ``_.pgettext(context, message)`` and ``_.lang``.

    Parameters
    ----------
    lang : str
        The report language (an unknown one reads English).
    """

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, message: str) -> str:
        return gettext(self.lang, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` for ``n``.

        Parameters
        ----------
        singular : str
            The English singular (also the message id).
        plural : str
            The English plural.
        n : int
            The count deciding the form.

        Returns
        -------
        str
            As :func:`ngettext` in this translator's language.
        """
        return ngettext(self.lang, singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` as meant in ``context``.

        Parameters
        ----------
        context : str
            The message's ``msgctxt``.
        message : str
            The English message id.

        Returns
        -------
        str
            As :func:`pgettext` in this translator's language.
        """
        return pgettext(self.lang, context, message)

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"


def translator(lang: str) -> Callable[[str], str]:
    """A ``_`` for ``lang``: ``_ = translator(lang)``, then ``_("Revenue")``.

    Parameters
    ----------
    lang : str
        A report language.

    Returns
    -------
    Translator
        Callable on an English message id, giving its translation.
    """
    return Translator(lang)


def in_language(lang: str, en: str, zh: str) -> str:
    """``zh`` when ``lang`` is "zh", else ``en`` (the older form; use the catalogue instead).

    Parameters
    ----------
    lang : str
        A report language.
    en : str
        The English text.
    zh : str
        The Chinese text.

    Returns
    -------
    str
        ``zh`` or ``en``.
    """
    return zh if lang == "zh" else en
