"""RFM per customer from the per-customer summary, and 1-5 scores that respect ties.

Recency is days since the last purchase (lower is better), frequency the number of purchase
days (or orders), monetary the total (or average) spend. Nothing here scans transactions:
the inputs are the columns of :func:`crmlib.scans.summary.customer_summary`.

Scores (:func:`quantile_scores`) are 1 + floor(5 * share of customers with a strictly worse
value). So tied customers always share a score, a tied block takes the score of its lowest
member (everyone who bought once gets F = 1 however many they are), equal-sized distinct
values fall into exact quintiles, and a column with no spread at all (e.g. a single
customer) gets the neutral score 3.

Example
-------
>>> import pandas as pd
>>> s = pd.DataFrame({"days_since_last": [1, 10, 100], "n_purchase_periods": [3, 1, 1],
...                   "n_orders": [4, 1, 1], "total_spend": [90.0, 20.0, 10.0]},
...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
>>> rfm_scores(rfm_table(s))[["r_score", "f_score", "m_score"]].to_numpy().tolist()
[[4, 4, 4], [2, 1, 2], [1, 1, 1]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError

RFM_COLUMNS = ["recency", "frequency", "monetary"]
SCORE_COLUMNS = ["r_score", "f_score", "m_score"]
FREQUENCY_SOURCES = {"purchase_days": "n_purchase_periods", "orders": "n_orders"}
MONETARY_KINDS = ("total", "average")


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"the {what} lacks the columns {missing}",
                        hint="Pass the frame returned by crmlib.scans.summary.customer_summary "
                             "(or wb.summary()).")


def rfm_table(summary: pd.DataFrame, *, frequency: str = "purchase_days",
              monetary: str = "total") -> pd.DataFrame:
    """Recency, frequency and monetary per customer from a customer summary.

    Parameters
    ----------
    summary : DataFrame
        The output of :func:`crmlib.scans.summary.customer_summary` (index ``customer_id``).
    frequency : {"purchase_days", "orders"}
        Count purchase days (several orders on one day are one occasion) or orders.
    monetary : {"total", "average"}
        Total spend, or average spend per purchase day / order (matching ``frequency``).

    Returns
    -------
    DataFrame indexed like ``summary`` with ``recency`` (days since the last purchase),
    ``frequency`` and ``monetary``.
    """
    if frequency not in FREQUENCY_SOURCES:
        raise DataError(f"unknown frequency basis {frequency!r}",
                        hint=f"Use one of {sorted(FREQUENCY_SOURCES)}.")
    if monetary not in MONETARY_KINDS:
        raise DataError(f"unknown monetary basis {monetary!r}", hint=f"Use one of {list(MONETARY_KINDS)}.")
    source = FREQUENCY_SOURCES[frequency]
    _require(summary, ["days_since_last", source, "total_spend"], "customer summary")
    count = summary[source].astype(float)
    total = summary["total_spend"].astype(float)
    return pd.DataFrame(
        {
            "recency": summary["days_since_last"].astype(float),
            "frequency": count,
            "monetary": total if monetary == "total" else total / count,
        },
        index=summary.index,
    )


def quantile_scores(values: pd.Series, bins: int = 5, *, higher_is_better: bool = True) -> pd.Series:
    """Scores 1..``bins`` by quantile; ties share the score of the tied block's lowest member.

    score = 1 + floor(bins * (customers strictly worse) / n). A series with a single distinct
    value (including a single customer) gets the middle score, ``(bins + 1) // 2``.

    Parameters
    ----------
    values : Series
        Value per customer; missing values raise :class:`~crmlib.errors.DataError`.
    bins : int, default 5
        Number of scores (at least 2).
    higher_is_better : bool, default True
        False scores lower values higher (e.g. recency in days).

    Returns
    -------
    Series
        Integer scores 1..``bins``, indexed and named like ``values``.

    >>> quantile_scores(pd.Series([1, 1, 1, 2, 5])).tolist()
    [1, 1, 1, 4, 5]
    >>> quantile_scores(pd.Series([30, 2]), higher_is_better=False).tolist()
    [1, 3]
    """
    if bins < 2:
        raise ValueError("bins must be at least 2")
    x = values.astype(float).to_numpy()
    if np.isnan(x).any():
        raise DataError(f"{values.name or 'the values'} contain missing values",
                        hint="Score only customers with at least one purchase.")
    if not higher_is_better:
        x = -x
    n = x.size
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64", name=values.name)
    if np.unique(x).size == 1:
        return pd.Series((bins + 1) // 2, index=values.index, dtype="int64", name=values.name)
    below = np.searchsorted(np.sort(x), x, side="left")  # customers with a strictly lower value
    scores = 1 + np.floor(bins * below / n).astype(np.int64)
    return pd.Series(np.minimum(scores, bins), index=values.index, name=values.name)


def rfm_scores(rfm: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """Add ``r_score``, ``f_score``, ``m_score`` (1..bins, higher is better), ``fm_score``
    (the F and M scores' mean rounded half up) and ``rfm_code`` (e.g. ``"545"``) to ``rfm``.

    Returns a new frame; ``rfm`` is not changed.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table` (``recency``, ``frequency``, ``monetary``).
    bins : int, default 5
        Number of scores per dimension.

    Returns
    -------
    DataFrame
        A copy of ``rfm`` (same index) with the score columns and ``rfm_code`` added.
    """
    _require(rfm, RFM_COLUMNS, "RFM table")
    out = rfm.copy()
    out["r_score"] = quantile_scores(rfm["recency"], bins, higher_is_better=False)
    out["f_score"] = quantile_scores(rfm["frequency"], bins)
    out["m_score"] = quantile_scores(rfm["monetary"], bins)
    out["fm_score"] = (out["f_score"] + out["m_score"] + 1) // 2
    out["rfm_code"] = (out["r_score"].astype(str) + out["f_score"].astype(str)
                       + out["m_score"].astype(str))
    return out
