"""How promptly feedback that needs handling is resolved: time to resolve, SLA share, open items by age.

An item **needs handling** when it has a ``resolved_at`` time or is a complaint: a rating at or
below ``complaint_rating`` (default 2 on 1–5). It is **open** when it needs handling and has no
``resolved_at`` by the analysis date. The **SLA share** counts an item as met when it was
resolved within ``sla_hours`` of ``date``, and as missed when it was resolved later or is still
open past the SLA; items still open but younger than the SLA are not decided yet and left out.

Example
-------
>>> fb = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"] * 3),
...                    "resolved_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-03 00:00", None]),
...                    "rating": [1.0, 2.0, 1.0]})
>>> table = handling_times(fb, "2024-01-10")
>>> table["hours_to_resolve"].tolist()[:2], table["is_open"].tolist()
([10.0, 48.0], [False, False, True])
>>> sla_summary(table, sla_hours=24)["share_within_sla"]
0.3333333333333333
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError
from crmlib.settings import DEFAULTS

AGE_BANDS = ((0, 1, "< 1 day"), (1, 3, "1–3 days"), (3, 7, "3–7 days"), (7, 30, "7–30 days"),
             (30, np.inf, "30+ days"))


def handling_times(feedback: pd.DataFrame, analysis_date, complaint_rating: float = DEFAULTS.complaint_rating) -> pd.DataFrame:
    """Per item needing handling: ``hours_to_resolve``, ``is_open``, ``open_days`` (age if open).

    Keeps the input's other columns; rows that need no handling are left out.

    Parameters
    ----------
    feedback : DataFrame
        Feedback with datetime ``date`` and ``resolved_at`` columns (and optionally ``rating``).
    analysis_date : str or Timestamp
        The analysis date: items resolved after it (by more than a day) count as open.
    complaint_rating : float, optional
        Ratings at or below it are complaints (default from ``crmlib.settings.DEFAULTS``).

    Returns
    -------
    DataFrame
        The items needing handling (``feedback``'s index) plus ``hours_to_resolve`` (hours),
        ``is_open`` and ``open_days`` (days).

    Raises
    ------
    DataError
        When ``date`` or ``resolved_at`` is missing, or an item is resolved before it was submitted.
    """
    missing = [c for c in ("date", "resolved_at") if c not in feedback]
    if missing:
        raise DataError(f"feedback lacks {missing}, so handling time cannot be measured",
                        column=missing[0],
                        hint="Map the submission time to 'date' and the closing time to 'resolved_at' "
                             "in dataset.yaml (tables.feedback.columns).")
    analysis_date = pd.Timestamp(analysis_date)
    rating = pd.to_numeric(feedback["rating"], errors="coerce") if "rating" in feedback \
        else pd.Series(np.nan, index=feedback.index)
    needs = feedback["resolved_at"].notna() | (rating <= complaint_rating)
    items = feedback.loc[needs & feedback["date"].notna()].copy()
    resolved = items["resolved_at"].where(items["resolved_at"] <= analysis_date + pd.Timedelta(days=1))
    hours = (resolved - items["date"]).dt.total_seconds() / 3600
    if (hours < 0).any():
        bad = items.index[hours < 0][:5]
        raise DataError(f"{int((hours < 0).sum())} item(s) are resolved before they were submitted",
                        column="resolved_at", rows=[(i, items.at[i, "resolved_at"]) for i in bad],
                        hint="Check that 'date' and 'resolved_at' are mapped to the right columns.")
    items["hours_to_resolve"] = hours
    items["is_open"] = resolved.isna()
    age = (analysis_date - items["date"]).dt.total_seconds() / 86400
    items["open_days"] = age.where(items["is_open"])
    return items


def sla_summary(handling: pd.DataFrame, sla_hours: float = DEFAULTS.sla_hours) -> dict:
    """Items, resolved, open, median / 90th-percentile hours to resolve and the SLA share.

    Parameters
    ----------
    handling : DataFrame
        :func:`handling_times`'s items: ``hours_to_resolve``, ``is_open``, ``open_days``.
    sla_hours : float, optional
        The service level in hours (default from ``crmlib.settings.DEFAULTS``).

    Returns
    -------
    dict
        ``sla_hours``, ``items``, ``resolved``, ``open``, ``open_past_sla``, ``within_sla``,
        median / p90 hours to resolve, ``share_within_sla`` (0–1; None if nothing is decided).
    """
    hours = handling["hours_to_resolve"].dropna()
    met = int((hours <= sla_hours).sum())
    open_late = int((handling["open_days"] * 24 > sla_hours).sum())
    decided = len(hours) + open_late
    return {
        "sla_hours": float(sla_hours),
        "items": int(len(handling)),
        "resolved": int(len(hours)),
        "open": int(handling["is_open"].sum()),
        "open_past_sla": open_late,
        "median_hours_to_resolve": float(hours.median()) if len(hours) else None,
        "p90_hours_to_resolve": float(hours.quantile(0.9)) if len(hours) else None,
        "within_sla": met,
        "share_within_sla": met / decided if decided else None,
    }


def open_by_age(handling: pd.DataFrame) -> pd.DataFrame:
    """Open items counted by age band (``band``, ``open_items``), youngest first.

    Parameters
    ----------
    handling : DataFrame
        :func:`handling_times`'s items.

    Returns
    -------
    DataFrame
        One row per band of :data:`AGE_BANDS` (all bands, 0 when empty), plain 0… index.
    """
    age = handling.loc[handling["is_open"], "open_days"]
    labels = [label for _, _, label in AGE_BANDS]
    edges = [low for low, _, _ in AGE_BANDS] + [np.inf]
    bands = pd.cut(age, edges, right=False, labels=labels)
    counts = bands.value_counts().reindex(labels, fill_value=0)
    return pd.DataFrame({"band": labels, "open_items": counts.to_numpy().astype(int)})


def sla_by(handling: pd.DataFrame, by: str, sla_hours: float = DEFAULTS.sla_hours) -> pd.DataFrame:
    """:func:`sla_summary` per group of column ``by`` (e.g. ``channel``), one row per group.

    Parameters
    ----------
    handling : DataFrame
        :func:`handling_times`'s items, with the ``by`` column.
    by : str
        The column to group by.
    sla_hours : float, optional
        The service level in hours (default from ``crmlib.settings.DEFAULTS``).

    Returns
    -------
    DataFrame
        Index named ``by``; the keys of :func:`sla_summary` as columns.
    """
    rows = {key: sla_summary(group, sla_hours) for key, group in handling.groupby(by, observed=True)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)
