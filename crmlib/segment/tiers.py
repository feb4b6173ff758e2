"""Value tiers by share of revenue: the customers that bring the top 80 % are "high" …

A customer's tier depends on the revenue share of the customers with strictly more value
than them: below the first cut point (default 0.80) "high", below the second (0.95)
"medium", else "low". Tied customers therefore share a tier, and the high tier is the
smallest set of customers whose revenue reaches the first cut point.

Example
-------
>>> import pandas as pd
>>> value_tiers(pd.Series([50.0, 30.0, 15.0, 4.0, 1.0])).tolist()
['high', 'high', 'medium', 'low', 'low']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.errors import DataError

TIERS = ("high", "medium", "low")


def value_tiers(value: pd.Series, cuts: Sequence[float] = (0.8, 0.95)) -> pd.Series:
    """Tier per customer (``high``/``medium``/``low``) by cumulative share of ``value``.

    Parameters
    ----------
    value : Series
        Value per customer (e.g. total spend, or a CLV); negative values count as 0.
    cuts : (float, float), default (0.8, 0.95)
        Revenue-share cut points, 0 < high < medium <= 1.

    Returns
    -------
    Series
        Categorical ``value_tier`` (``high``, ``medium``, ``low``), indexed like ``value``.
    """
    cuts = tuple(float(c) for c in cuts)
    if len(cuts) != 2 or not 0 < cuts[0] < cuts[1] <= 1:
        raise DataError(f"tier cut points {cuts} are not two shares 0 < high < medium <= 1",
                        hint="E.g. 0.8 and 0.95: the customers making the top 80 % of revenue are "
                             "high value, the next 15 % medium, the rest low.")
    x = value.astype(float).clip(lower=0).to_numpy()
    if np.isnan(x).any():
        raise DataError("customer values contain missing values", hint="Fill or drop them first.")
    total = x.sum()
    if x.size and total <= 0:
        raise DataError("customer values sum to zero: revenue shares are undefined",
                        hint="Tier on a value that is positive for some customers (e.g. total spend).")
    order = np.sort(x)[::-1]
    cumulative = np.r_[0.0, np.cumsum(order)]
    # value of the customers strictly above each one = cumulative sum before its tied block
    first_of_block = np.searchsorted(-order, -x, side="left")
    share_above = cumulative[first_of_block] / total if x.size else np.array([])
    tiers = np.where(share_above < cuts[0], "high", np.where(share_above < cuts[1], "medium", "low"))
    return pd.Series(pd.Categorical(tiers, categories=list(TIERS)), index=value.index, name="value_tier")


def tier_summary(value: pd.Series, tiers: pd.Series) -> pd.DataFrame:
    """Customers, share of customers and share of value per tier, in the order high, medium, low.

    Parameters
    ----------
    value : Series
        Value per customer (e.g. total spend).
    tiers : Series
        Tier per customer, aligned with ``value`` (e.g. :func:`value_tiers`).

    Returns
    -------
    DataFrame
        One row per tier (default index) with ``tier``, ``customers``, ``value``,
        ``customer_share`` and ``value_share``.

    >>> tier_summary(pd.Series([90.0, 5.0, 5.0]), pd.Series(["high", "low", "medium"]))["tier"].tolist()
    ['high', 'medium', 'low']
    """
    frame = pd.DataFrame({"value": value.astype(float), "tier": tiers})
    table = frame.groupby("tier", observed=False)["value"].agg(customers="size", value="sum")
    table["customer_share"] = table["customers"] / max(len(frame), 1)
    table["value_share"] = table["value"] / table["value"].sum()
    order = [t for t in TIERS if t in table.index] + [t for t in table.index if t not in TIERS]
    return table.loc[order].reset_index()
