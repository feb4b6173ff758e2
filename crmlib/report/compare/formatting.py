"""Numbers as the comparison page and the digest show them, in the report's language (Babel).

Example
-------
>>> show(349062.79, "money", "en"), show(0.1545, "share", "en"), show(69.16, "percent", "zh")
('349,063', '15.4%', '69.2%')
>>> show_change(0.0662, "relative", "en"), show_change(-0.78, "points", "en"), show_change(0.7, "points", "zh")
('+6.6%', '−0.8 points', '+0.7 个百分点')
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal, format_percent

from crmlib.lang import LOCALES, translator

MISSING = "–"
MINUS = "\u2212"


def _locale(lang: str) -> str:
    return LOCALES.get(lang, "en")


def show(value, kind: str, lang: str = "en") -> str:
    """``value`` of ``kind`` (count | money | share | percent | points | number) as text.

    Parameters
    ----------
    value : int or float
        The number; anything not finite is shown as :data:`MISSING`.
    kind : str
        ``"count"``, ``"money"``, ``"share"`` (0–1), ``"percent"`` (0–100), ``"points"`` or
        ``"number"``.
    lang : str, optional
        Language whose number format is used; default ``"en"``.

    Returns
    -------
    str
        The formatted number.
    """
    if not _finite(value):
        return MISSING
    locale = _locale(lang)
    if kind == "share":
        return format_percent(value, format="#,##0.0%", locale=locale)
    if kind == "percent":
        return format_percent(value / 100.0, format="#,##0.0%", locale=locale)
    if kind == "count" or (kind == "money" and abs(value) >= 100):
        return format_decimal(value, format="#,##0", locale=locale)
    if kind == "points":
        return format_decimal(value, format="#,##0.0", locale=locale)
    if abs(value) < 1 and value != 0:
        return format_decimal(value, format="0.###", locale=locale)
    return format_decimal(value, format="#,##0.00", locale=locale)


def show_change(value, change_kind: str, lang: str = "en") -> str:
    """A change as text: ``relative`` in per cent (+6.6%), ``points`` in percentage points, and
    ``difference`` as a signed count.

    Parameters
    ----------
    value : int or float
        The change; anything not finite is shown as :data:`MISSING`.
    change_kind : str
        ``"relative"`` (a ratio, 0.066 = +6.6%), ``"points"`` or ``"difference"``.
    lang : str, optional
        Language of the text and number format; default ``"en"``.

    Returns
    -------
    str
        The signed change (``±`` when it rounds to zero).
    """
    if not _finite(value):
        return MISSING
    _ = translator(lang)
    locale = _locale(lang)
    if change_kind == "relative":
        text = format_percent(abs(value), format="#,##0.0%", locale=locale)
    elif change_kind == "points":
        text = _("{value} points").format(value=format_decimal(abs(value), format="#,##0.0", locale=locale))
    else:
        text = format_decimal(abs(value), format="#,##0", locale=locale)
    shown = round(abs(value) * (100 if change_kind == "relative" else 1), 0 if change_kind == "difference" else 1)
    sign = "±" if shown == 0 else ("+" if value > 0 else MINUS)
    return sign + text


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
