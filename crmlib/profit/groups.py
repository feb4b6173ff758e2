"""Profit by group (segment, value tier, acquisition channel, city) and what the unprofitable share.

Example
-------
>>> import pandas as pd
>>> t = pd.DataFrame({"revenue": [100.0, 50.0, 80.0], "profit": [30.0, -5.0, 10.0],
...                   "gross_margin": [40.0, 5.0, 20.0], "channel": ["a", "a", "b"]})
>>> profit_by(t, "channel")[["customers", "profit", "unprofitable_share", "margin_pct"]].to_dict("index")
{'a': {'customers': 2, 'profit': 25.0, 'unprofitable_share': 0.5, 'margin_pct': 0.3}, \
'b': {'customers': 1, 'profit': 10.0, 'unprofitable_share': 0.0, 'margin_pct': 0.25}}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.lang import N_, translator

PROFILE_MEASURES = ("revenue", "return_rate", "service_contacts", "orders", "gross_margin_pct", "cost_to_serve")
MEASURE_NAMES = {"revenue": N_("revenue"), "return_rate": N_("share of revenue returned"),
                 "service_contacts": N_("service contacts"), "orders": N_("orders"),
                 "gross_margin_pct": N_("gross margin % of revenue"), "cost_to_serve": N_("cost to serve")}
MEASURE_KINDS = {"revenue": "money", "return_rate": "percent", "service_contacts": "number", "orders": "number",
                 "gross_margin_pct": "percent", "cost_to_serve": "money"}  # how each measure's values read


def measure_labels(lang: str = "en") -> dict[str, str]:
    """Profile measure -> its name in the reader's language (for the profile table's rows).

    Parameters
    ----------
    lang : str, optional
        Language of the names, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    dict of str to str
        Each :data:`PROFILE_MEASURES` key -> its translated name.
    """
    _ = translator(lang)
    return {key: _(name) for key, name in MEASURE_NAMES.items()}


def profit_by(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per value of ``column``: customers, revenue, gross margin, profit, margin % of revenue,
    profit per customer and the share of unprofitable customers (sorted by profit, highest first).

    Parameters
    ----------
    table : DataFrame
        One row per customer with ``revenue``, ``gross_margin``, ``profit`` and ``column``.
    column : str
        The column to group by (missing values form the group ``"—"``).

    Returns
    -------
    DataFrame
        Index named ``column``: ``customers``, ``revenue``, ``gross_margin``, ``profit``,
        ``unprofitable_share``, ``margin_pct`` (0–1), ``profit_per_customer``.
    """
    keys = table[column].astype("string").fillna("—")
    grouped = table.assign(_losing=table["profit"] < 0).groupby(keys, sort=False)
    out = pd.DataFrame({
        "customers": grouped.size(),
        "revenue": grouped["revenue"].sum(),
        "gross_margin": grouped["gross_margin"].sum(),
        "profit": grouped["profit"].sum(),
        "unprofitable_share": grouped["_losing"].mean(),
    })
    out["margin_pct"] = out["gross_margin"] / out["revenue"].where(out["revenue"] > 0)
    out["profit_per_customer"] = out["profit"] / out["customers"]
    out.index.name = column
    return out.sort_values("profit", ascending=False, kind="stable")


def with_rates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` plus ``return_rate`` (returned / bought) and ``gross_margin_pct`` per customer.

    Parameters
    ----------
    table : DataFrame
        One row per customer with ``revenue``, ``returns`` and ``gross_margin``.

    Returns
    -------
    DataFrame
        A copy of ``table`` with ``return_rate`` and ``gross_margin_pct`` (0–1; 0 without revenue).
    """
    revenue = table["revenue"].where(table["revenue"] > 0)
    return table.assign(return_rate=(table["returns"] / revenue).fillna(0.0),
                        gross_margin_pct=(table["gross_margin"] / revenue).fillna(0.0))


def unprofitable_profile(table: pd.DataFrame) -> pd.DataFrame:
    """Mean of each :data:`PROFILE_MEASURES` for unprofitable and profitable customers, and the ratio.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.profit.customer_profit`: per customer ``profit`` and the measures' columns.

    Returns
    -------
    DataFrame
        Index ``measure``: ``unprofitable``, ``profitable`` (means) and ``ratio`` (NaN when the
        profitable mean is 0).
    """
    rated = with_rates(table)
    losing = rated["profit"] < 0
    means = pd.DataFrame({
        "unprofitable": rated.loc[losing, list(PROFILE_MEASURES)].mean(),
        "profitable": rated.loc[~losing, list(PROFILE_MEASURES)].mean(),
    })
    means["ratio"] = means["unprofitable"] / means["profitable"].replace(0, np.nan)
    means.index.name = "measure"
    return means


def profile_table(profile: pd.DataFrame, formats) -> pd.DataFrame:
    """:func:`unprofitable_profile` as the reader sees it: measures named in ``formats.lang``, each
    row's means in its own format (:data:`MEASURE_KINDS`: money with the currency, shares as %),
    the ratio kept as a number.

    Parameters
    ----------
    profile : DataFrame
        :func:`unprofitable_profile`'s table (index ``measure``).
    formats : Formats
        :class:`crmlib.display.format.Formats` of the reader: language and currency.

    Returns
    -------
    DataFrame
        Index ``measure`` (translated names): ``unprofitable``, ``profitable`` as formatted strings,
        ``ratio`` as a number.

    >>> from crmlib.display.format import Formats
    >>> p = pd.DataFrame({"unprofitable": [573.95, 0.19], "profitable": [1109.68, 0.01], "ratio": [0.52, 19.0]},
    ...                  index=pd.Index(["revenue", "return_rate"], name="measure"))
    >>> profile_table(p, Formats("en", "CNY"))[["unprofitable", "profitable"]].to_dict("list")
    {'unprofitable': ['CN¥573.95', '19.0%'], 'profitable': ['CN¥1,109.68', '1.0%']}
    """
    show = {"money": formats.money, "percent": formats.percent, "number": formats.number}
    kinds = [MEASURE_KINDS.get(m, "number") for m in profile.index]
    out = pd.DataFrame({column: [show[k](v) for k, v in zip(kinds, profile[column], strict=True)]
                        for column in ("unprofitable", "profitable")},
                       index=pd.Index([measure_labels(formats.lang).get(m, m) for m in profile.index], name="measure"))
    return out.assign(ratio=profile["ratio"].to_numpy())


def over_represented(table: pd.DataFrame, column: str, top: int = 3) -> pd.DataFrame:
    """Values of ``column`` most over-represented among unprofitable customers: their share of the
    unprofitable vs of everyone (lift), at least 2 unprofitable customers each: ``unprofitable_customers``,
    ``customers`` (all of them), ``share_of_unprofitable``, ``share_of_all``, ``lift``.

    Parameters
    ----------
    table : DataFrame
        One row per customer with ``profit`` and ``column``.
    column : str
        The column whose values are compared (missing values form the group ``"—"``).
    top : int, optional
        How many values to keep, highest lift first (default 3).

    Returns
    -------
    DataFrame
        Index named ``column``, at most ``top`` rows, with the columns named above.
    """
    keys = table[column].astype("string").fillna("—")
    losing = table["profit"] < 0
    counts = pd.DataFrame({"unprofitable_customers": keys[losing].value_counts(), "customers": keys.value_counts()})
    counts = counts.fillna(0).astype("int64")
    counts["share_of_unprofitable"] = counts["unprofitable_customers"] / max(int(losing.sum()), 1)
    counts["share_of_all"] = counts["customers"] / max(len(table), 1)
    counts["lift"] = counts["share_of_unprofitable"] / counts["share_of_all"]
    counts = counts.loc[counts["unprofitable_customers"] >= 2].sort_values("lift", ascending=False, kind="stable")
    counts.index.name = column
    return counts.head(top)


__all__ = ["MEASURE_KINDS", "measure_labels", "profile_table", "profit_by", "unprofitable_profile", "over_represented", "with_rates"]
