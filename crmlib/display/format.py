"""Numbers, money, percentages and dates as a reader of the report's language expects them.

One :class:`Formats` per report (language + the dataset's currency) formats every value that
tables, sentences, KPI cards and charts show, with Babel's CLDR data: ``¥1,234.50`` in
Chinese and ``CN¥1,234.50`` in English for CNY, ``15.4%`` for a share of 0.154, ``2024年12月`` /
``Dec 2024`` for a month. Missing values read ``–``.

Example
-------
>>> zh, en = Formats("zh", "CNY"), Formats("en", "USD")
>>> zh.money(1234.5), en.money(1234.5), zh.money(1234.5, decimals=0)
('¥1,234.50', '$1,234.50', '¥1,235')
>>> zh.percent(0.154), en.number(1234567.891, 2), en.count(6000), en.points(0.031)
('15.4%', '1,234,567.89', '6,000', '+3.1 pp')
>>> import pandas as pd
>>> zh.month(pd.Timestamp("2024-12-01")), en.month(pd.Period("2024-12", "M")), zh.date("2024-12-31")
('2024年12月', 'Dec 2024', '2024年12月31日')
>>> en.number(float("nan")), zh.days(12)
('–', '12 天')
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass

import pandas as pd

from crmlib.lang import babel_locale, translator

MISSING = "–"


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _half_up():
    """Round halves up (1234.5 -> 1,235), as readers do; Babel rounds with the decimal context."""
    return decimal.localcontext(rounding=decimal.ROUND_HALF_UP)


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


@dataclass(frozen=True)
class Formats:
    """Formatting in ``lang`` (``"en"``/``"zh"``) for a dataset whose money is in ``currency``."""

    lang: str = "en"
    currency: str = "CNY"

    @property
    def locale(self) -> str:
        return babel_locale(self.lang)

    def number(self, value, decimals: int = 2) -> str:
        """``1,234.57``: separators, exactly ``decimals`` decimals.

        Parameters
        ----------
        value : float or None
            The number; missing values give ``–``, infinite ones ``∞`` / ``-∞``.
        decimals : int, optional
            Decimals shown, halves rounded up; default 2.

        Returns
        -------
        str
            The formatted number in this language.
        """
        from babel.numbers import format_decimal

        if _missing(value):
            return MISSING
        if not math.isfinite(float(value)):
            return "∞" if value > 0 else "-∞"
        with _half_up():
            return format_decimal(float(value), format=_pattern(decimals), locale=self.locale)

    def count(self, value) -> str:
        """A whole number with separators: ``6,000``.

        Parameters
        ----------
        value : int or float or None
            The count; missing values give ``–``.

        Returns
        -------
        str
            The number with no decimals.
        """
        return self.number(value, 0)

    def money(self, value, decimals: int = 2) -> str:
        """An amount in the dataset's currency: ``¥1,234.50`` (``CN¥`` in English, as CLDR has it).

        Parameters
        ----------
        value : float or None
            The amount in ``currency``; missing values give ``–``.
        decimals : int, optional
            Decimals shown, halves rounded up; default 2.

        Returns
        -------
        str
            The amount with the currency symbol.
        """
        from babel.numbers import format_currency

        if _missing(value):
            return MISSING
        with _half_up():
            return format_currency(float(value), self.currency, format="¤" + _pattern(decimals),
                                   locale=self.locale, currency_digits=False)

    def currency_symbol(self) -> str:
        """The currency's symbol in this language: ``¥``, ``CN¥``, ``$``.

        Returns
        -------
        str
            CLDR's symbol of ``currency`` in this locale.
        """
        from babel.numbers import get_currency_symbol

        return get_currency_symbol(self.currency, self.locale)

    def percent(self, value, decimals: int = 1) -> str:
        """A share or rate (0.154) as ``15.4%``.

        Parameters
        ----------
        value : float or None
            The share as a fraction; missing values give ``–``.
        decimals : int, optional
            Decimals of the percentage, halves rounded up; default 1.

        Returns
        -------
        str
            The percentage.
        """
        from babel.numbers import format_percent

        if _missing(value):
            return MISSING
        with _half_up():
            return format_percent(float(value), format=_pattern(decimals) + "%", locale=self.locale)

    def points(self, value, decimals: int = 1) -> str:
        """A difference of two rates (0.031) in signed percentage points: ``+3.1 pp`` / ``+3.1 个百分点``.

        Parameters
        ----------
        value : float or None
            The difference as a fraction; missing values give ``–``.
        decimals : int, optional
            Decimals of the points; default 1.

        Returns
        -------
        str
            The points with a ``+`` for a rise, in this language.
        """
        if _missing(value):
            return MISSING
        _ = translator(self.lang)
        sign = "+" if value > 0 else ""
        return _("{value} pp").format(value=sign + self.number(100 * value, decimals))

    def change(self, value, decimals: int = 1) -> str:
        """A relative change (0.052) as ``+5.2%``.

        Parameters
        ----------
        value : float or None
            The change as a fraction; missing values give ``–``.
        decimals : int, optional
            Decimals of the percentage; default 1.

        Returns
        -------
        str
            The percentage with a ``+`` for a rise.
        """
        if _missing(value):
            return MISSING
        return ("+" if value > 0 else "") + self.percent(value, decimals)

    def days(self, value) -> str:
        """A number of days: ``12 days`` / ``12 天``.

        Parameters
        ----------
        value : int or float or None
            The number of days, shown without decimals; missing values give ``–``.

        Returns
        -------
        str
            The days in this language.
        """
        _ = translator(self.lang)
        return _("{n} days").format(n=self.count(value)) if not _missing(value) else MISSING

    def date(self, value) -> str:
        """A day: ``Dec 31, 2024`` / ``2024年12月31日``.

        Parameters
        ----------
        value : date-like or None
            Anything ``pd.Timestamp`` reads; missing values give ``–``.

        Returns
        -------
        str
            The date in this language.
        """
        from babel.dates import format_skeleton

        if _missing(value):
            return MISSING
        return format_skeleton("yMMMd", pd.Timestamp(value).to_pydatetime(), locale=self.locale)

    def month(self, value) -> str:
        """A calendar month: ``Dec 2024`` / ``2024年12月``.

        Parameters
        ----------
        value : Period or date-like or None
            A month period or any date in the month; missing values give ``–``.

        Returns
        -------
        str
            The month and year in this language.
        """
        from babel.dates import format_skeleton

        if _missing(value):
            return MISSING
        stamp = value.to_timestamp() if isinstance(value, pd.Period) else pd.Timestamp(value)
        return format_skeleton("yMMM", stamp.to_pydatetime(), locale=self.locale)
