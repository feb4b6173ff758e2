"""The retention priority list: whom to try to keep first.

Value at risk = predicted churn probability × the value the customer brings **if they stay**.
The model CLV already weighs expected purchases by P(alive) (for BG/NBD, MBG/NBD and Pareto/NBD,
CLV = P(alive) × value if still active), so multiplying it by a churn probability would count
the risk of leaving twice and hide the customers who are slipping away; the value if retained
is CLV / P(alive). A customer likely to leave but worth little ranks below a valuable customer
with a moderate risk.

Example
-------
>>> import pandas as pd
>>> p = pd.Series({"a": 0.9, "b": 0.2, "c": 0.5})
>>> clv = pd.Series({"a": 10.0, "b": 500.0, "c": 100.0})
>>> retention_priority(p, clv)["customer_id"].tolist()
['b', 'c', 'a']
"""

from __future__ import annotations

import pandas as pd

RISK_COLUMNS = ["customer_id", "churn_probability", "p_alive", "clv", "value_at_risk", "segment", "top_driver"]
MIN_P_ALIVE = 1e-3  # below this, CLV / P(alive) only amplifies rounding: customers that far gone are win-back cases


def value_if_retained(clv: pd.Series, p_alive: pd.Series | None = None) -> pd.Series:
    """Expected value of each customer if still active: CLV / P(alive) (CLV itself without ``p_alive``).

    Parameters
    ----------
    clv : Series
        CLV per customer; missing CLV counts as 0.
    p_alive : Series, optional
        P(alive) per customer (missing = 1, clipped to at least ``MIN_P_ALIVE``).

    Returns
    -------
    Series
        ``value_if_retained`` indexed like ``clv``.

    >>> value_if_retained(pd.Series({"a": 30.0, "b": 90.0}), pd.Series({"a": 0.25, "b": 0.9})).tolist()
    [120.0, 100.0]
    """
    value = clv.astype(float).fillna(0.0)
    if p_alive is None:
        return value.rename("value_if_retained")
    alive = p_alive.reindex(value.index).astype(float).fillna(1.0).clip(lower=MIN_P_ALIVE, upper=1.0)
    return (value / alive).rename("value_if_retained")


def retention_priority(churn_probability: pd.Series, clv: pd.Series, *, p_alive: pd.Series | None = None,
                       segment: pd.Series | None = None, drivers: pd.DataFrame | None = None,
                       likely_reason: pd.Series | None = None) -> pd.DataFrame:
    """Customers ranked by ``value_at_risk`` (highest first), with a ``priority`` rank from 1.

    ``value_at_risk`` = churn probability × :func:`value_if_retained` (CLV / P(alive) when
    ``p_alive`` is given). Missing CLV counts as 0 value at risk.

    Parameters
    ----------
    churn_probability : Series
        P(churn) indexed by customer_id; its customers are the ones ranked.
    clv : Series
        CLV indexed by customer_id.
    p_alive : Series, optional
        P(alive) indexed by customer_id; without it the value if retained is the CLV itself.
    segment : Series, optional
        Segment label indexed by customer_id.
    drivers : DataFrame, optional
        Indexed by customer_id: ``top_driver`` and e.g. ``driver_effect``, ``top_driver_text``
        (:func:`crmlib.churn.drivers.top_drivers`); without it ``top_driver`` is "".
    likely_reason : Series, optional
        Likely exit reason indexed by customer_id (:func:`crmlib.churn.reasons.likely_reasons`).

    Returns
    -------
    DataFrame
        One row per customer, ties by customer_id: ``RISK_COLUMNS``, ``priority``, then the other
        columns of ``drivers``, ``likely_reason`` when given, and ``value_if_retained``.
    """
    index = churn_probability.index
    out = pd.DataFrame({"churn_probability": churn_probability.astype(float)}, index=index)
    out["p_alive"] = p_alive.reindex(index).astype(float) if p_alive is not None else float("nan")
    out["clv"] = clv.reindex(index).astype(float)
    retained = value_if_retained(out["clv"], out["p_alive"] if p_alive is not None else None)
    out["value_at_risk"] = out["churn_probability"] * retained
    out["segment"] = segment.reindex(index).astype(object) if segment is not None else None
    if drivers is not None:
        for column in drivers.columns:  # top_driver plus e.g. driver_effect, top_driver_text
            out[column] = drivers[column].reindex(index)
    else:
        out["top_driver"] = ""
    if likely_reason is not None:
        out["likely_reason"] = likely_reason.reindex(index)
    out["value_if_retained"] = retained
    out.index.name = "customer_id"
    out = out.reset_index().sort_values(["value_at_risk", "customer_id"], ascending=[False, True],
                                        ignore_index=True)
    out["priority"] = range(1, len(out) + 1)
    extra = [c for c in out.columns if c not in RISK_COLUMNS and c != "priority"]
    return out[[*RISK_COLUMNS, "priority", *extra]]


def one_time_buyers_shown_alive(priority: pd.DataFrame, frequency: pd.Series, top_n: int) -> int:
    """How many of the first ``top_n`` of the list bought only once yet show P(alive) ≈ 1.

    BG/NBD cannot see a one-time buyer drop out, so their P(alive) is 1 by construction; the
    churn notebook says so when such customers are near the top.

    Parameters
    ----------
    priority : DataFrame
        The ranked list (:func:`retention_priority`) with ``customer_id`` and ``p_alive``.
    frequency : Series
        The repeat purchase count per customer (``customer_summary``).
    top_n : int
        How many of the first rows to check.

    Returns
    -------
    int
        Customers among them with no repeat purchase and P(alive) >= 0.999.

    >>> ranked = pd.DataFrame({"customer_id": ["a", "b", "c"], "p_alive": [1.0, 0.4, 1.0]})
    >>> one_time_buyers_shown_alive(ranked, pd.Series({"a": 0, "b": 0, "c": 3}), top_n=3)
    1
    """
    top = priority.head(top_n)
    once = frequency.reindex(top["customer_id"]).eq(0).to_numpy()
    return int((once & (top["p_alive"] >= 0.999).to_numpy()).sum())
