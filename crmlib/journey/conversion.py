"""Conversion by touchpoint: which channels and kinds of contact come before a first purchase.

Rates are over journeys (one per customer or visitor, see :mod:`crmlib.journey.paths`): a
journey *with* a channel is one that has at least one contact through it in the window. The
lift compares journeys with the channel to those without; it describes, it does not prove that
the channel caused the purchase (that is what the attribution models estimate).

Example
-------
>>> import pandas as pd
>>> from crmlib.journey.paths import collect_journeys
>>> contacts = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "channel": ["social", "email", "social", "email"],
...                          "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-01"])})
>>> orders = pd.DataFrame({"customer_id": ["a", "c"], "order_date": pd.to_datetime(["2024-01-03", "2024-01-03"]),
...                        "amount": [10.0, 20.0]})
>>> data = collect_journeys(contacts, orders)
>>> conversion_by_touch(data, "channel").set_index("channel")["conversion_rate"].to_dict()
{'email': 1.0, 'social': 0.5}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.journey.paths import JourneyData

OTHER_GROUP = "(no purchase)"


def conversion_by_touch(data: JourneyData, by: str = "channel") -> pd.DataFrame:
    """Conversion of the journeys with each channel or touchpoint type against those without it.

    Parameters
    ----------
    data : JourneyData
        The journeys (:func:`crmlib.journey.paths.collect_journeys`).
    by : {"channel", "touchpoint_type"}, optional
        What to group the contacts by (default ``"channel"``).

    Returns
    -------
    DataFrame
        One row per value of ``by``, sorted by it: ``journeys`` with it, ``conversions``,
        ``conversion_rate``, the rate of the journeys without it (``rate_without``), ``lift``
        (rate / rate without), ``contacts`` and ``share_of_first`` / ``share_of_last`` (of
        converted journeys whose first / last contact it is).
    """
    if by not in ("channel", "touchpoint_type"):
        raise ValueError(f"by must be 'channel' or 'touchpoint_type', not {by!r}")
    touches = data.touches
    pairs = touches.group_by(["customer_id", by]).aggregate(
        contacts=touches.count(), converted=touches.converted.any(),
        first=(touches.step == 1).any(), last=(touches.step == touches.n_steps).any())
    table = pairs.group_by(by).aggregate(
        journeys=pairs.count(), conversions=pairs.converted.cast("int64").sum(), contacts=pairs.contacts.sum(),
        first_of_converted=(pairs.first & pairs.converted).cast("int64").sum(),
        last_of_converted=(pairs.last & pairs.converted).cast("int64").sum())
    out = data.engine.to_pandas(table).sort_values(by).reset_index(drop=True)
    with_path = data.journeys.loc[data.journeys["n_touches"] > 0]
    total, converted = len(with_path), int(with_path["converted"].sum())
    out["conversion_rate"] = out["conversions"] / out["journeys"]
    without = total - out["journeys"]
    out["rate_without"] = (converted - out["conversions"]) / without.where(without > 0)
    out["lift"] = out["conversion_rate"] / out["rate_without"].where(out["rate_without"] > 0)
    out["share_of_first"] = out["first_of_converted"] / max(converted, 1)
    out["share_of_last"] = out["last_of_converted"] / max(converted, 1)
    return out[[by, "journeys", "conversions", "conversion_rate", "rate_without", "lift", "contacts",
                "share_of_first", "share_of_last"]]


def conversion_by_first_channel(journeys: pd.DataFrame) -> pd.DataFrame:
    """Journeys with at least one contact, by the channel of their first contact.

    Parameters
    ----------
    journeys : DataFrame
        One row per journey (:attr:`crmlib.journey.paths.JourneyData.journeys`).

    Returns
    -------
    DataFrame
        One row per first channel: ``first_channel``, ``journeys``, ``conversions``,
        ``conversion_rate``, ``mean_contacts``.
    """
    with_path = journeys.loc[journeys["n_touches"] > 0]
    grouped = with_path.groupby("first_channel")
    table = pd.DataFrame({"journeys": grouped.size(), "conversions": grouped["converted"].sum().astype(int),
                          "mean_contacts": grouped["n_touches"].mean()})
    table["conversion_rate"] = table["conversions"] / table["journeys"]
    return table.reset_index()[["first_channel", "journeys", "conversions", "conversion_rate", "mean_contacts"]]


def conversion_by_audience(journeys: pd.DataFrame) -> pd.DataFrame:
    """Known customers (buyers and the customers table, prospects included) vs anonymous visitors.

    Parameters
    ----------
    journeys : DataFrame
        One row per journey with ``audience`` (:attr:`crmlib.journey.paths.JourneyData.journeys`).

    Returns
    -------
    DataFrame
        One row per audience: ``audience``, ``journeys``, ``with_contacts``, ``conversions``,
        ``conversion_rate``, ``mean_contacts`` (over journeys with contacts).
    """
    grouped = journeys.groupby("audience")
    table = pd.DataFrame({
        "journeys": grouped.size(),
        "with_contacts": (journeys["n_touches"] > 0).groupby(journeys["audience"]).sum(),
        "conversions": grouped["converted"].sum().astype(int),
        "mean_contacts": journeys.loc[journeys["n_touches"] > 0].groupby("audience")["n_touches"].mean(),
    })
    table["conversion_rate"] = table["conversions"] / table["journeys"]
    return table.reset_index()[["audience", "journeys", "with_contacts", "conversions", "conversion_rate",
                                "mean_contacts"]]


def journeys_by_group(journeys: pd.DataFrame, groups: pd.Series, name: str = "group",
                      other: str = OTHER_GROUP) -> pd.DataFrame:
    """Journeys of each customer group (e.g. segment or value tier of buyers).

    Parameters
    ----------
    journeys : DataFrame
        One row per journey (:attr:`crmlib.journey.paths.JourneyData.journeys`).
    groups : Series
        customer_id -> group label.
    name : str, optional
        Name of the group column (default ``"group"``).
    other : str, optional
        Label of the ids without a group (default ``OTHER_GROUP``, "(no purchase)").

    Returns
    -------
    DataFrame
        One row per group (in order of first appearance): ``name``, ``journeys``,
        ``conversions``, ``mean_contacts``, ``median_days_to_conversion``, ``conversion_rate``,
        the most common ``first_channel`` and ``last_channel`` and their ``*_share``.
    """
    label = journeys["customer_id"].map(groups).astype(object).where(lambda s: s.notna(), other)
    used = ("converted", "n_touches", "days_to_conversion", "first_channel", "last_channel")
    frame = pd.DataFrame({c: journeys[c] for c in used} | {name: label})  # not a copy of every column
    grouped = frame.groupby(name, sort=False)
    table = pd.DataFrame({
        "journeys": grouped.size(),
        "conversions": grouped["converted"].sum().astype(int),
        "mean_contacts": grouped["n_touches"].mean(),
        "median_days_to_conversion": grouped["days_to_conversion"].median(),
    })
    table["conversion_rate"] = table["conversions"] / table["journeys"]
    for end in ("first_channel", "last_channel"):
        counts = frame.groupby([name, end]).size()  # journeys without a contact (no channel) are left out
        if counts.empty:
            table[end], table[f"{end}_share"] = None, np.nan
            continue
        top = counts.sort_values(ascending=False).groupby(level=0).head(1).reset_index(level=1)
        table[end] = top[end]
        table[f"{end}_share"] = top[0] / counts.groupby(level=0).sum()
    return table.reset_index()
