"""Why each unprofitable customer loses money, and what to do about it (issue 20, item 3).

The main loss reason of a customer with profit below 0, from :func:`crmlib.profit.customer_profit`:

- ``low_margin`` when their gross margin is 0 or less and returns are under half their revenue
  (loss leaders, deep discounts, negative-margin products);
- ``returns`` when their gross margin is 0 or less and returns are at least half their revenue;
- otherwise the largest part of their cost to serve: ``service`` (service contacts), ``returns``
  (return handling) or ``shipping`` (shipping per order).

The actions per reason are the ``profit`` section of the editable action table
(``crmlib/resources/actions.yaml``, :func:`crmlib.segment.action_table`).

Example
-------
>>> import pandas as pd
>>> table = pd.DataFrame({"revenue": [100.0, 200.0, 50.0], "returns": [80.0, 0.0, 0.0],
...     "gross_margin": [-5.0, 30.0, 10.0], "orders": [1, 2, 5], "n_returns": [1, 0, 0],
...     "service_cost": [0.0, 40.0, 0.0], "cost_to_serve": [45.0, 76.0, 90.0], "profit": [-50.0, -46.0, -80.0]},
...     index=["a", "b", "c"])
>>> loss_reasons(table, {"return_handling": 45.0, "shipping_per_order": 18.0}).tolist()
['returns', 'service', 'shipping']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.segment.actions import action_table

REASONS = ("returns", "service", "shipping", "low_margin")
HEAVY_RETURNS = 0.5
"""Share of revenue returned from which a customer without margin loses money through returns."""


def loss_reasons(table: pd.DataFrame, costs: dict | None = None) -> pd.Series:
    """The main loss reason (one of :data:`REASONS`) of every customer of ``table`` with profit below 0.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.profit.customer_profit`: per customer ``profit``, ``revenue``, ``returns``,
        ``gross_margin``, ``orders``, ``n_returns`` and ``service_cost``.
    costs : dict, optional
        The dataset's ``costs:`` section (``return_handling``, ``shipping_per_order``); None
        prices neither.

    Returns
    -------
    Series
        ``loss_reason`` per customer with profit below 0 (index a subset of ``table``'s).
    """
    costs = costs or {}
    losing = table.loc[table["profit"] < 0]
    handling = losing["n_returns"].to_numpy(dtype=float) * float(costs.get("return_handling", 0.0) or 0.0)
    shipping = losing["orders"].to_numpy(dtype=float) * float(costs.get("shipping_per_order", 0.0) or 0.0)
    parts = np.column_stack([handling, losing["service_cost"].to_numpy(dtype=float), shipping])
    largest = np.array(["returns", "service", "shipping"], dtype=object)[parts.argmax(axis=1)]
    revenue = losing["revenue"].to_numpy(dtype=float)
    returned = np.divide(losing["returns"].to_numpy(dtype=float), revenue, out=np.zeros(len(losing)), where=revenue > 0)
    no_margin = losing["gross_margin"].to_numpy(dtype=float) <= 0
    reason = np.where(no_margin, np.where(returned >= HEAVY_RETURNS, "returns", "low_margin"), largest)
    return pd.Series(reason, index=losing.index, name="loss_reason", dtype=object)


def loss_actions(table: pd.DataFrame, costs: dict | None = None, lang: str = "en",
                 path=None) -> pd.DataFrame:
    """Unprofitable customers by main loss reason: ``loss_reason`` (label), ``customers``, ``loss`` (their
    profit, a negative sum), ``share_of_loss`` and the ``next_action`` from the action table; largest loss first.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.profit.customer_profit` (the columns :func:`loss_reasons` reads).
    costs : dict, optional
        The dataset's ``costs:`` section, as for :func:`loss_reasons`.
    lang : str, optional
        Language of the labels and actions, ``"en"`` (default) or ``"zh"``.
    path : str or Path, optional
        An edited action table (``actions.yaml``); None uses the bundled one.

    Returns
    -------
    DataFrame
        One row per loss reason (plain 0… index), the columns named above, largest loss first.

    >>> t = pd.DataFrame({"revenue": [10.0], "returns": [0.0], "gross_margin": [-1.0], "orders": [1],
    ...                   "n_returns": [0], "service_cost": [0.0], "profit": [-1.0]}, index=["a"])
    >>> loss_actions(t)[["loss_reason", "customers", "loss"]].values.tolist()
    [['Low-margin purchases', 1, -1.0]]
    """
    reasons = loss_reasons(table, costs)
    loss = table["profit"].reindex(reasons.index)
    grouped = pd.DataFrame({"reason": reasons, "loss": loss}).groupby("reason")["loss"].agg(["size", "sum"])
    actions = action_table("profit", lang, path).set_index("key")
    out = pd.DataFrame({"loss_reason": actions["label"].reindex(grouped.index).fillna(pd.Series(grouped.index, index=grouped.index)),
                        "customers": grouped["size"].astype(int), "loss": grouped["sum"].astype(float)})
    total = out["loss"].sum()
    out["share_of_loss"] = out["loss"] / total if total < 0 else np.nan
    out["next_action"] = actions["action"].reindex(grouped.index).fillna("")
    out.index.name = "key"
    return out.sort_values("loss", kind="stable").reset_index(drop=True)


__all__ = ["REASONS", "HEAVY_RETURNS", "loss_reasons", "loss_actions"]
