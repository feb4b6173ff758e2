"""Per-customer revenue, returns, gross margin, discounts and cost to serve: one engine scan per table.

The margin of an order line is, by the first source that knows it:

1. the line's own ``cost``: ``amount − cost`` (a return line gives its margin back);
2. the products table's ``unit_cost`` × |quantity| (quantity 1 when not mapped);
3. the products table's ``margin_rate`` × amount;
4. ``costs: margin_rates`` in dataset.yaml for the line's category, then its ``default``.

A line none of them prices has no margin (counted in ``revenue_without_cost``, never guessed).
Cost to serve is ``service_contact`` per service contact by channel (``default`` for other channels),
``return_handling`` per return and ``shipping_per_order`` per order. Returns and orders are
distinct order ids when ``order_id`` is mapped, else rows. A service contact is a feedback row or,
when touchpoints are given, a touchpoint whose ``touchpoint_type`` or ``channel`` is in ``costs:
service_touchpoints`` (without it: matches the journey page's service pattern); such a touchpoint on the calendar day of a feedback row of the same customer, or
within an hour of its time across midnight, is that row's contact, counted once (as the feedback row,
at its rate). Undated feedback rows match none.

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

With touchpoints: b's hotline call on the day of its feedback is that feedback's contact; a's call is
new (20), an ad click is no service contact.

>>> fb["date"] = pd.to_datetime(["2024-03-01 10:00", "2024-03-05 09:00"])
>>> tp = pd.DataFrame({"customer_id": ["b", "a", "a"], "channel": ["hotline", "hotline", "search"],
...                    "timestamp": pd.to_datetime(["2024-03-01 18:00", "2024-03-02 11:00", "2024-03-02 12:00"]),
...                    "touchpoint_type": ["service_contact", "service_contact", "ad_click"]})
>>> t = profit_scan(tx, back, costs, feedback=fb, touchpoints=tp)
>>> t.loc[["a", "b"], ["service_contacts", "service_cost"]].to_numpy().tolist()
[[1.0, 20.0], [2.0, 25.0]]
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine import ROW_COLUMN
from crmlib.scans.journeys import SERVICE_PATTERN
from crmlib.scans.source import Rows, as_float, day_number, has_row_order, money, rows_of, run

PROFIT_COLUMNS = ["revenue", "returns", "gross_margin", "revenue_without_cost", "discounts", "orders", "n_returns",
                  "service_contacts", "service_cost", "cost_to_serve"]
DEFAULT = "default"
MIRROR_SECONDS = 3_600  # also that row's contact when this close to it across midnight


def _rate_table(rates: dict[str, float], key: str) -> ibis.Table | None:
    named = {k: v for k, v in rates.items() if k != DEFAULT}
    if not named:
        return None
    frame = pd.DataFrame({key: list(named), "_rate": [float(v) for v in named.values()]})
    return ibis.memtable(frame)


def _priced_contacts(t: ibis.Table, contact: dict[str, float]) -> ibis.Table:
    """``t`` with ``_cost``: its channel's ``service_contact`` rate, else ``default`` (else 0)."""
    by_channel = _rate_table(contact, "channel")
    fallback = float(contact.get(DEFAULT, 0.0))
    if by_channel is None or "channel" not in t.columns:
        return t.mutate(_cost=ibis.literal(fallback))
    t = t.left_join(by_channel, t.channel == by_channel.channel).select(t, by_channel._rate)
    return t.mutate(_cost=t._rate.fill_null(fallback))


def _service_touchpoints(touchpoints: Rows, feedback: ibis.Table | None, kinds: list[str] | None) -> ibis.Table:
    """The touchpoints that are service contacts (type or channel in ``kinds``; for None, matching
    :data:`crmlib.scans.journeys.SERVICE_PATTERN`, as the journey page counts them) of an identified person,
    less those on the calendar day of a dated feedback row of the same customer, or within an hour of it
    across midnight (that row's contact)."""
    tp = rows_of(touchpoints, ["customer_id", "timestamp", "channel"], "touchpoints", optional=("touchpoint_type",))
    if kinds is None:
        kind = tp.channel.lower().fill_null("")
        if "touchpoint_type" in tp.columns:
            kind = tp.touchpoint_type.lower().fill_null("") + " " + kind
        service = kind.re_search(SERVICE_PATTERN)
    else:
        service = tp.channel.isin(kinds)
        if "touchpoint_type" in tp.columns:
            service = service | tp.touchpoint_type.isin(kinds).fill_null(False)
    tp = tp.filter(service & tp.customer_id.notnull())
    if feedback is None or "date" not in feedback.columns:
        return tp
    dated = feedback.filter(feedback.date.notnull())
    times = dated.select(_fb_customer=dated.customer_id, _fb_day=day_number(dated.date),
                         _fb_seconds=_epoch_seconds(dated.date)).distinct()
    tp = tp.mutate(_day=day_number(tp.timestamp), _seconds=_epoch_seconds(tp.timestamp))
    close = (tp._day == times._fb_day) | ((tp._seconds - times._fb_seconds).abs() < MIRROR_SECONDS)
    return tp.anti_join(times, [tp.customer_id == times._fb_customer, close]).drop("_day", "_seconds")


def _epoch_seconds(value: ibis.Value) -> ibis.Value:
    """Seconds since 1970 of a timestamp, or of a date's midnight."""
    return value.epoch_seconds() if value.type().is_timestamp() else value.epoch_days() * 86_400


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
                feedback: Rows | None = None, touchpoints: Rows | None = None) -> pd.DataFrame:
    """One row per customer with a purchase, return, feedback row or service touchpoint (the last two
    only when ``costs`` prices service contacts): :data:`PROFIT_COLUMNS` (floats), whose
    ``service_contacts`` and ``service_cost`` include the touchpoints not mirrored by feedback.

    ``profit`` is ``gross_margin − cost_to_serve`` and is added by
    :func:`crmlib.profit.customer_profit`.

    Parameters
    ----------
    purchases : frame or engine table
        Purchase lines with ``customer_id``, ``amount`` and optionally ``order_id``, ``product``,
        ``category``, ``quantity``, ``cost``, ``discount``.
    returns : frame or engine table or None
        Return lines (negative amounts), same columns; None or empty: no returns.
    costs : dict
        ``Dataset.costs`` (the dataset.yaml section): ``margin_rates``, ``service_contact``,
        ``return_handling``, ``shipping_per_order``, ``service_touchpoints``.
    products : frame or engine table, optional
        Products with ``product`` and ``unit_cost`` or ``margin_rate``; default None.
    feedback : frame or engine table, optional
        Feedback rows (``customer_id``, optionally ``channel``, ``date``); default None.
    touchpoints : frame or engine table, optional
        Contacts (``customer_id``, ``timestamp``, ``channel``, ``touchpoint_type``); default None.

    Returns
    -------
    frame
        Index ``customer_id``; :data:`PROFIT_COLUMNS` as floats (money in the dataset's currency).
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
    given = contact and feedback is not None and len(feedback)
    fb = rows_of(feedback, ["customer_id"], "feedback", optional=("channel", "date")) if given else None
    if fb is not None:
        priced = _priced_contacts(fb, contact)
        frames.append(_per_customer(priced.group_by("customer_id").aggregate(
            service_contacts=priced.count(), service_cost=as_float(money(priced._cost).sum()),
            **_first_seen(priced)), "service cost per customer", feedback, "feedback"))
    kinds = costs.get("service_touchpoints")  # None: the service pattern; [] none
    if touchpoints is not None and len(touchpoints) and contact and kinds != []:
        tp = _priced_contacts(_service_touchpoints(touchpoints, fb, kinds), contact)
        frames.append(_per_customer(tp.group_by("customer_id").aggregate(
            _tp_contacts=tp.count(), _tp_cost=as_float(money(tp._cost).sum()), **_first_seen(tp)),
            "service touchpoints per customer", touchpoints, "touchpoints"))
    table = pd.concat(frames, axis=1).fillna({c: 0.0 for c in [*PROFIT_COLUMNS, "_tp_contacts", "_tp_cost"]})
    for column in PROFIT_COLUMNS:
        if column not in table:
            table[column] = 0.0
    margin_in = table["_margin_in"].fillna(0.0) if "_margin_in" in table else 0.0
    margin_back = table["_margin_back"].fillna(0.0) if "_margin_back" in table else 0.0
    table["gross_margin"] = margin_in + margin_back
    if "_tp_contacts" in table:  # service touchpoints not mirrored by feedback: further contacts
        table["service_contacts"] += table["_tp_contacts"]
        table["service_cost"] += table["_tp_cost"]
    table["cost_to_serve"] = (table["service_cost"] + table["n_returns"] * float(costs.get("return_handling", 0.0))
                              + table["orders"] * float(costs.get("shipping_per_order", 0.0)))
    table.index.name = "customer_id"
    return table[PROFIT_COLUMNS].astype("float64")


__all__ = ["profit_scan", "PROFIT_COLUMNS"]
