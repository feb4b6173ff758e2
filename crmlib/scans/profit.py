"""Per-customer revenue, returns, gross margin, discounts and cost to serve: one engine scan per table.

The margin of an order line is, by the first source that knows it:

1. the line's own ``cost``: ``amount − cost`` (a return line gives its margin back);
2. the products table's ``unit_cost`` × |quantity| (quantity 1 when not mapped);
3. the products table's ``margin_rate`` × amount;
4. ``costs: margin_rates`` in dataset.yaml for the line's category, then its ``default``.

A line none of them prices has no margin (counted in ``revenue_without_cost``, never guessed).
Cost to serve is ``service_contact`` per feedback row by channel (``default`` for other channels),
``return_handling`` per return and ``shipping_per_order`` per order. Returns and orders are
distinct order ids when ``order_id`` is mapped, else rows.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [100.0, 50.0, 80.0],
...                    "category": ["x", "y", "x"]})
>>> back = pd.DataFrame({"customer_id": ["a"], "amount": [-50.0], "category": ["y"]})
>>> fb = pd.DataFrame({"customer_id": ["b", "b"], "channel": ["hotline", "app"]})
>>> costs = {"margin_rates": {"x": 0.5, "y": 0.2}, "service_contact": {"hotline": 20.0, "default": 5.0},
...          "return_handling": 10.0, "shipping_per_order": 2.0}
>>> t = profit_scan(tx, back, costs, feedback=fb)
>>> t.loc["a", ["revenue", "returns", "gross_margin", "cost_to_serve"]].tolist()
[150.0, 50.0, 50.0, 14.0]
>>> t.loc["b", ["gross_margin", "service_cost", "cost_to_serve"]].tolist()
[40.0, 25.0, 27.0]
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine import ROW_COLUMN
from crmlib.scans.source import Rows, as_float, has_row_order, money, rows_of, run

PROFIT_COLUMNS = ["revenue", "returns", "gross_margin", "revenue_without_cost", "discounts", "orders", "n_returns",
                  "service_contacts", "service_cost", "cost_to_serve"]
DEFAULT = "default"


def _rate_table(rates: dict[str, float], key: str) -> ibis.Table | None:
    named = {k: v for k, v in rates.items() if k != DEFAULT}
    if not named:
        return None
    frame = pd.DataFrame({key: list(named), "_rate": [float(v) for v in named.values()]})
    return ibis.memtable(frame)


def _line_margin(t: ibis.Table, products: ibis.Table | None, margin_rates: dict[str, float]) -> ibis.Table:
    """``t`` with ``_margin`` per line (NULL when nothing prices it)."""
    if products is not None and "product" in t.columns:
        t = t.left_join(products, t["product"] == products["product"]).select(t, *[
            products[c] for c in ("unit_cost", "margin_rate") if c in products.columns])
    by_category = _rate_table(margin_rates, "category")
    if by_category is not None and "category" in t.columns:
        t = t.left_join(by_category, t.category == by_category.category).select(t, by_category._rate)
    sign = ibis.cases((t.amount < 0, -1.0), else_=1.0)
    options = []
    if "cost" in t.columns:
        options.append(ibis.cases((t.cost.notnull(), t.amount - sign * t.cost.abs()), else_=ibis.null("float64")))
    if "unit_cost" in t.columns:
        quantity = t.quantity.abs() if "quantity" in t.columns else ibis.literal(1.0)
        options.append(t.amount - sign * t.unit_cost * quantity)
    if "margin_rate" in t.columns:
        options.append(t.amount * t.margin_rate)
    if "_rate" in t.columns:
        options.append(t.amount * t._rate)
    if DEFAULT in margin_rates:
        options.append(t.amount * float(margin_rates[DEFAULT]))
    margin = ibis.coalesce(*options) if len(options) > 1 else (options[0] if options else ibis.null("float64"))
    return t.mutate(_margin=margin.cast("float64"))


def _count_orders(t: ibis.Table) -> ibis.Value:
    return t.order_id.nunique() if "order_id" in t.columns else t.count()


def _first_seen(t: ibis.Table) -> dict:
    """``_first``: the customer's first row in the input, when known (the engine's output order is arbitrary)."""
    return {"_first": t[ROW_COLUMN].min()} if has_row_order(t) else {}


def _per_customer(expr: ibis.Table, label: str, source: Rows, table: str = "transactions") -> pd.DataFrame:
    """Run a per-customer aggregate; customers in the order they first appear in ``source``."""
    frame = run(expr, label, source, table)
    if "_first" in frame:
        frame = frame.sort_values("_first", kind="stable").drop(columns="_first")
    return frame.set_index("customer_id")


def profit_scan(purchases: Rows, returns: Rows | None, costs: dict, products: Rows | None = None,
                feedback: Rows | None = None) -> pd.DataFrame:
    """One row per customer with a purchase, return or feedback row: :data:`PROFIT_COLUMNS` (floats).

    ``costs`` is ``Dataset.costs`` (the dataset.yaml section); ``profit`` is ``gross_margin −
    cost_to_serve`` and is added by :func:`crmlib.profit.customer_profit`.
    """
    optional = ("order_id", "product", "category", "quantity", "cost", "discount")
    rates = costs.get("margin_rates") or {}
    items = None if products is None or not len(products) else rows_of(
        products, ["product"], "products", optional=("unit_cost", "margin_rate"))
    frames = []
    bought = _line_margin(rows_of(purchases, ["customer_id", "amount"], optional=optional), items, rates)
    frames.append(_per_customer(bought.group_by("customer_id").aggregate(
        revenue=as_float(money(bought.amount).sum()), _margin_in=as_float(money(bought._margin).sum()),
        revenue_without_cost=as_float(money(bought.amount).sum(where=bought._margin.isnull())),
        discounts=as_float(money(bought.discount).sum()) if "discount" in bought.columns else ibis.literal(0.0),
        orders=_count_orders(bought), **_first_seen(bought)), "profit per customer", purchases))
    if returns is not None and len(returns):
        back = _line_margin(rows_of(returns, ["customer_id", "amount"], optional=optional), items, rates)
        frames.append(_per_customer(back.group_by("customer_id").aggregate(
            returns=-as_float(money(back.amount).sum()), _margin_back=as_float(money(back._margin).sum()),
            n_returns=_count_orders(back), **_first_seen(back)), "returns per customer", returns))
    contact = costs.get("service_contact") or {}
    if feedback is not None and len(feedback) and contact:
        fb = rows_of(feedback, ["customer_id"], "feedback", optional=("channel",))
        by_channel = _rate_table(contact, "channel")
        fallback = float(contact.get(DEFAULT, 0.0))
        if by_channel is not None and "channel" in fb.columns:
            fb = fb.left_join(by_channel, fb.channel == by_channel.channel).select(fb, by_channel._rate)
            cost = fb._rate.fill_null(fallback)
        else:
            cost = ibis.literal(fallback)
        fb = fb.mutate(_cost=cost)
        frames.append(_per_customer(fb.group_by("customer_id").aggregate(
            service_contacts=fb.count(), service_cost=as_float(money(fb._cost).sum()), **_first_seen(fb)),
            "service cost per customer", feedback, "feedback"))
    table = pd.concat(frames, axis=1).fillna({c: 0.0 for c in PROFIT_COLUMNS})
    for column in PROFIT_COLUMNS:
        if column not in table:
            table[column] = 0.0
    margin_in = table["_margin_in"].fillna(0.0) if "_margin_in" in table else 0.0
    margin_back = table["_margin_back"].fillna(0.0) if "_margin_back" in table else 0.0
    table["gross_margin"] = margin_in + margin_back
    table["cost_to_serve"] = (table["service_cost"] + table["n_returns"] * float(costs.get("return_handling", 0.0))
                              + table["orders"] * float(costs.get("shipping_per_order", 0.0)))
    table.index.name = "customer_id"
    return table[PROFIT_COLUMNS].astype("float64")


__all__ = ["profit_scan", "PROFIT_COLUMNS"]
