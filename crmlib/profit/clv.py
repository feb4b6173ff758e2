"""CLV on profit: the revenue CLV's discounted purchases valued at each customer's margin, less
their cost to serve per order (issue 20, item 4).

``profit_clv = discounted purchases × (expected spend × margin rate − cost to serve per order)``,
where the discounted purchases are the revenue CLV over the expected spend (``scores`` from
:func:`crmlib.clv.predict_customers` with ``margin=1``), the margin rate is the customer's gross
margin over revenue (the whole base's rate for customers without revenue) and the cost to serve
per order is their past one. With a flat margin rate and no cost to serve it is margin × CLV.

Example
-------
>>> import pandas as pd
>>> scores = pd.DataFrame({"clv": [300.0, 50.0], "expected_avg_spend": [100.0, 50.0]}, index=["a", "b"])
>>> table = pd.DataFrame({"revenue": [200.0, 100.0], "gross_margin": [80.0, 40.0],
...                       "cost_to_serve": [10.0, 30.0], "orders": [2.0, 1.0]}, index=["a", "b"])
>>> profit_clv(scores, table).round(2).tolist()
[105.0, -10.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def profit_clv(scores: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Per customer of ``scores`` (index ``customer_id``): CLV on profit (money, same horizon and discounting).

    Parameters
    ----------
    scores : DataFrame
        :func:`crmlib.clv.predict_customers` scores with ``margin=1`` (index ``customer_id``):
        ``clv`` and ``expected_avg_spend``.
    table : DataFrame
        :func:`crmlib.profit.customer_profit`: ``revenue``, ``gross_margin``, ``cost_to_serve``
        and ``orders`` per customer.

    Returns
    -------
    Series
        ``profit_clv`` per customer of ``scores`` (money, on ``scores``' index).
    """
    known = table.reindex(scores.index)
    revenue = known["revenue"].where(known["revenue"] > 0)
    overall = table["gross_margin"].sum() / table["revenue"].sum() if table["revenue"].sum() > 0 else np.nan
    rate = (known["gross_margin"] / revenue).fillna(overall)
    per_order = (known["cost_to_serve"] / known["orders"].where(known["orders"] > 0)).fillna(0.0)
    spend = scores["expected_avg_spend"].where(scores["expected_avg_spend"] > 0)
    discounted = (scores["clv"] / spend).fillna(0.0)
    return (discounted * (scores["expected_avg_spend"] * rate - per_order)).rename("profit_clv")


__all__ = ["profit_clv"]
