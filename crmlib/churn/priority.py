"""The retention priority list: whom to try to keep first.

Value at risk = predicted churn probability × expected customer value (CLV over the CLV
module's horizon). A customer likely to leave but worth little ranks below a valuable customer
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


def retention_priority(churn_probability: pd.Series, clv: pd.Series, *, p_alive: pd.Series | None = None,
                       segment: pd.Series | None = None, drivers: pd.DataFrame | None = None,
                       likely_reason: pd.Series | None = None) -> pd.DataFrame:
    """Customers ranked by ``value_at_risk`` (highest first), with a ``priority`` rank from 1.

    All inputs are indexed by customer_id; the customers of ``churn_probability`` are ranked.
    Missing CLV counts as 0 value at risk. Columns: ``RISK_COLUMNS``, ``priority``, then the
    other columns of ``drivers`` (e.g. ``driver_effect``, ``top_driver_text``) and ``likely_reason``
    when given.
    """
    index = churn_probability.index
    out = pd.DataFrame({"churn_probability": churn_probability.astype(float)}, index=index)
    out["p_alive"] = p_alive.reindex(index).astype(float) if p_alive is not None else float("nan")
    out["clv"] = clv.reindex(index).astype(float)
    out["value_at_risk"] = out["churn_probability"] * out["clv"].fillna(0.0)
    out["segment"] = segment.reindex(index).astype(object) if segment is not None else None
    if drivers is not None:
        for column in drivers.columns:  # top_driver plus e.g. driver_effect, top_driver_text
            out[column] = drivers[column].reindex(index)
    else:
        out["top_driver"] = ""
    if likely_reason is not None:
        out["likely_reason"] = likely_reason.reindex(index)
    out.index.name = "customer_id"
    out = out.reset_index().sort_values(["value_at_risk", "customer_id"], ascending=[False, True],
                                        ignore_index=True)
    out["priority"] = range(1, len(out) + 1)
    extra = [c for c in out.columns if c not in RISK_COLUMNS and c != "priority"]
    return out[[*RISK_COLUMNS, "priority", *extra]]
