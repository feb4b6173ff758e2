"""Profit per customer over the analysis period: revenue, returns, gross margin, discounts, cost to serve.

``profit = gross_margin − cost_to_serve``, where the gross margin is net of returns and the
discounts are shown for information (they are already out of the paid amounts). Totals
reconcile: Σ revenue is the kept purchases' amount, Σ returns the refunds kept apart.

Example
-------
>>> import pandas as pd
>>> from crmlib.data.load import Dataset
>>> ds = Dataset("toy", None, "CNY", pd.Timestamp("2024-02-01"), costs={"margin_rates": {"default": 0.4},
...              "shipping_per_order": 5.0})
>>> ds = ds.with_tables(transactions=pd.DataFrame({"customer_id": ["a", "b"], "amount": [100.0, 10.0]}),
...                     returns=pd.DataFrame({"customer_id": pd.Series([], dtype=str), "amount": []}))
>>> customer_profit(ds)[["gross_margin", "profit", "profit_decile"]].to_dict("list")
{'gross_margin': [40.0, 4.0], 'profit': [35.0, -1.0], 'profit_decile': [1, 6]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.data.load import Dataset
from crmlib.lang import N_
from crmlib.scans.profit import profit_scan

EXPORT_COLUMNS = ["revenue", "returns", "gross_margin", "discounts", "cost_to_serve", "profit", "profit_decile"]


def has_costs(dataset: Dataset) -> bool:
    """Whether anything prices the goods: a products table, a line ``cost`` column or margin rates.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (its tables and its ``costs:`` section).

    Returns
    -------
    bool
        True when a products table, a non-empty line ``cost`` column or ``margin_rates`` exist.
    """
    tx = dataset.transactions
    return bool(dataset.has("products") or (tx is not None and "cost" in tx and tx["cost"].notna().any())
                or (dataset.costs or {}).get("margin_rates"))


def has_referrals(dataset: Dataset) -> bool:
    """Whether the customers table names each customer's referrer (``referred_by``).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset.

    Returns
    -------
    bool
        True when it has a customers table with a ``referred_by`` column.
    """
    return bool(dataset.has("customers") and "referred_by" in dataset.customers)


def missing_cost_sources(dataset: Dataset) -> list[str]:
    """What would make the profit view complete, as catalogue messages (empty when all is there).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (its tables and its ``costs:`` section).

    Returns
    -------
    list of str
        Untranslated catalogue messages (``N_``), one per missing source: product costs, cost to
        serve, referrals.
    """
    costs = dataset.costs or {}
    out = []
    if not has_costs(dataset):
        out.append(N_("product costs: a products table (`product` → `unit_cost` or `margin_rate`), a `cost` column "
                      "on the order lines, or `costs: margin_rates` in `dataset.yaml`"))
    if not costs.get("service_contact") and not costs.get("return_handling") and not costs.get("shipping_per_order"):
        out.append(N_("cost to serve: `costs: service_contact / return_handling / shipping_per_order` in "
                      "`dataset.yaml`"))
    customers = dataset.customers
    if customers is None or "referred_by" not in customers:
        out.append(N_("referrals: a `referred_by` column in the customers table (the referring customer's id)"))
    return out


def profit_deciles(profit: pd.Series) -> pd.Series:
    """1 = the tenth of customers with the highest profit … 10 = the lowest (ties by position).

    Parameters
    ----------
    profit : Series
        Profit per customer (money).

    Returns
    -------
    Series
        Decile 1 … 10 (``int64``) per customer, on ``profit``'s index.
    """
    n = len(profit)
    if n == 0:
        return pd.Series([], index=profit.index, dtype="int64")
    order = np.argsort(-profit.to_numpy(), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return pd.Series(rank * 10 // n + 1, index=profit.index, dtype="int64")


def _scan(dataset: Dataset) -> pd.DataFrame:
    """:func:`crmlib.scans.profit.profit_scan` of the dataset's tables (touchpoints when it has them and
    service contacts are priced: only then are they read)."""
    costs = dataset.costs or {}
    touchpoints = dataset.touchpoints if costs.get("service_contact") and dataset.has("touchpoints") else None
    return profit_scan(dataset.transactions, dataset.returns, costs, dataset.products, dataset.feedback, touchpoints)


def customer_profit(dataset: Dataset) -> pd.DataFrame:
    """One row per buyer (index ``customer_id``): :data:`EXPORT_COLUMNS` plus orders, returns and
    service contacts (feedback and service touchpoints) and ``revenue_without_cost`` (revenue no cost
    source priced). Without any product cost (:func:`has_costs`), gross margin, profit and decile are
    missing.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset: transactions, returns, and products, feedback, touchpoints and
        ``costs:`` when it has them.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (buyers only): :data:`EXPORT_COLUMNS`, ``orders``,
        ``revenue_without_cost`` and the other columns of the profit scan.
    """
    table = _scan(dataset)
    table = table.loc[table["orders"] > 0].copy()  # buyers; others' costs: non_buyer_cost_to_serve
    if not has_costs(dataset):  # nothing prices the goods: no margin, no profit (never a guess)
        table["gross_margin"] = np.nan
        table["profit"] = np.nan
        table["profit_decile"] = pd.array([pd.NA] * len(table), dtype="Int64")
        return table
    table["profit"] = table["gross_margin"] - table["cost_to_serve"]
    table["profit_decile"] = profit_deciles(table["profit"])
    return table


def non_buyer_cost_to_serve(dataset: Dataset) -> float:
    """Cost to serve of people without a kept purchase (feedback, returns or service touchpoints only,
    prospects and identified visitors too), kept out of the per-customer table so the whale curve is
    over buyers, but part of the total.

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (as for :func:`customer_profit`).

    Returns
    -------
    float
        Total cost to serve of the people without a kept order (money; 0.0 when there are none).
    """
    table = _scan(dataset)
    return float(table.loc[table["orders"] == 0, "cost_to_serve"].sum())


__all__ = ["customer_profit", "has_costs", "missing_cost_sources", "profit_deciles", "non_buyer_cost_to_serve",
           "EXPORT_COLUMNS"]
