"""Journeys to the first purchase, built by the engine from the raw contacts (touchpoints).

A **journey** is one customer's (or anonymous visitor's) contacts in the ``lookback_days``
before their first purchase; for an id that never bought, the contacts in the ``lookback_days``
up to its last contact (a non-converted journey). Contacts after the first purchase belong to
no journey (they are engagement, see :func:`contacts_before`). Relations, each named by what
one row is:

- :func:`journey_touches` — one row per contact of a journey, with its step, the journey's
  length, outcome and the days from the contact to the journey's end;
- :func:`journey_table` — one row per journey: the path of channels (``"social > email"``), of
  touchpoint types, first/last channel, length, days to conversion, first-purchase revenue;
- :func:`path_table` — one row per distinct path with its journeys and conversions;
- :func:`rule_credits` — one row per channel: conversions and revenue credited by the first-,
  last-touch, linear and time-decay rules.

All are Ibis expressions over :class:`crmlib.engine.Engine` tables (DuckDB by default), so the
contacts never come back to Python row by row; only results of one row per journey or smaller
are brought back (``engine.to_pandas``). ``>`` in a channel name is shown as ``›`` (``>`` joins
a path).

Every sum of floats is exact: money as :func:`crmlib.scans.source.money`, credits as
:data:`CREDIT` decimals, brought back as correctly rounded floats. A float sum's last digits
depend on the order it adds the rows in, which a parallel engine does not fix (DuckDB's
threads hand each other partial sums in any order), so two runs on the same data would differ.

Example
-------
>>> import pandas as pd
>>> from crmlib.engine import Engine
>>> engine = Engine.duckdb()
>>> contacts = pd.DataFrame({"customer_id": ["a", "a", "v"], "channel": ["social", "email", "search"],
...                          "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"])})
>>> orders = pd.DataFrame({"customer_id": ["a"], "order_date": pd.to_datetime(["2024-01-04"]),
...                        "amount": [50.0]})
>>> touches = journey_touches(engine, contacts, orders, lookback_days=30)
>>> engine.to_pandas(journey_table(touches).order_by("customer_id"))[["customer_id", "path", "converted"]]
  customer_id            path  converted
0           a  social > email       True
1           v          search      False
"""

from __future__ import annotations

import ibis
import pandas as pd

from crmlib.engine import Engine
from crmlib.engine.functions import ordered_join
from crmlib.errors import DataError
from crmlib.scans.source import as_float, money
from crmlib.settings import DEFAULTS

SEPARATOR = " > "
CREDIT = ibis.dtype("decimal(38, 18)")  # credits (shares of one conversion) and credited revenue, summed exactly
TOUCH_COLUMNS = ("customer_id", "timestamp", "channel", "touchpoint_type", "cost")


def _contacts(engine: Engine, touchpoints: pd.DataFrame | ibis.Table) -> ibis.Table:
    if isinstance(touchpoints, pd.DataFrame):
        missing = [c for c in ("customer_id", "timestamp", "channel") if c not in touchpoints]
        if missing:
            raise DataError(f"the touchpoints frame lacks {missing}",
                            hint="Pass the canonical touchpoints table (Dataset.touchpoints).")
        columns = [c for c in TOUCH_COLUMNS if c in touchpoints]
        table = engine.parquet_view(touchpoints, columns)  # a loaded table is read in place, not copied
        table = engine.table(touchpoints[columns]) if table is None else table
    else:
        table = touchpoints
    columns = {
        "customer_id": table.customer_id.cast("string"),
        "timestamp": table.timestamp.cast("timestamp"),
        "channel": table.channel.cast("string").replace(">", "›"),
        "touchpoint_type": (table.touchpoint_type.cast("string").fill_null("(unknown)")
                            if "touchpoint_type" in table.columns else ibis.literal("(unknown)")),
        "cost": table.cost.cast("float64") if "cost" in table.columns else ibis.null("float64"),
    }
    return table.select(**columns)


def _end_of_day(date):
    """The start of the day after ``date``, as a datetime (rows before it are on or before ``date``)."""
    return (pd.Timestamp(date).normalize() + pd.Timedelta(days=1)).to_pydatetime()


def first_purchases(engine: Engine, transactions: pd.DataFrame | ibis.Table,
                    analysis_date: str | pd.Timestamp | None = None) -> ibis.Table:
    """One row per buyer: the time of the first order and the revenue of that first purchase day.

    Parameters
    ----------
    engine : Engine
        The engine a frame is registered with.
    transactions : frame or ibis Table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    analysis_date : str or Timestamp, optional
        Orders after this day are ignored (a customer whose first order is later has not bought
        yet); None (default) keeps them all.

    Returns
    -------
    ibis Table
        Columns ``customer_id`` (string), ``first_order_at`` (timestamp), ``revenue`` (float).
    """
    tx = transactions
    if isinstance(transactions, pd.DataFrame):
        columns = ["customer_id", "order_date", "amount"]
        tx = engine.parquet_view(transactions, columns)
        tx = engine.table(transactions[columns]) if tx is None else tx
    tx = tx.select(customer_id=tx.customer_id.cast("string"), order_date=tx.order_date.cast("timestamp"),
                   amount=tx.amount.cast("float64"))
    if analysis_date is not None:
        tx = tx.filter(tx.order_date < _end_of_day(analysis_date))
    first = tx.group_by("customer_id").aggregate(first_order_at=tx.order_date.min())
    joined = tx.join(first, "customer_id")
    day = joined.filter(joined.order_date.date() == joined.first_order_at.date())
    return day.group_by("customer_id").aggregate(first_order_at=day.first_order_at.min(),
                                                 revenue=as_float(money(day.amount).sum()))


def journey_touches(engine: Engine, touchpoints: pd.DataFrame | ibis.Table,
                    transactions: pd.DataFrame | ibis.Table, *, lookback_days: int = DEFAULTS.lookback_days,
                    analysis_date: str | pd.Timestamp | None = None, buyers: ibis.Table | None = None) -> ibis.Table:
    """One row per contact of a journey (see the module docstring).

    Columns: ``customer_id``, ``timestamp``, ``channel``, ``touchpoint_type``, ``cost``,
    ``step`` (1 = first contact), ``n_steps``, ``converted``, ``end_at`` (first order, or last
    contact when not converted), ``days_before_end``, ``revenue`` (of the first purchase day, 0
    when not converted). Contacts and orders after ``analysis_date`` are ignored, so a purchase
    after it does not convert a journey.

    Parameters
    ----------
    engine : Engine
        The engine the frames are registered with.
    touchpoints : frame or ibis Table
        Contacts with ``customer_id``, ``timestamp``, ``channel`` (and optionally
        ``touchpoint_type``, ``cost``).
    transactions : frame or ibis Table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    lookback_days : int, optional
        Days before the journey's end whose contacts belong to it (at least 1); default from
        ``DEFAULTS``.
    analysis_date : str or Timestamp, optional
        Contacts and orders after this day are ignored; None (default) keeps them all.
    buyers : ibis Table, optional
        :func:`first_purchases` of ``transactions`` up to ``analysis_date`` when the caller already
        has it (e.g. materialised, so the orders are scanned once); None computes it.

    Returns
    -------
    ibis Table
        One row per contact of a journey, with the columns above.
    """
    if lookback_days < 1:
        raise DataError(f"lookback_days must be at least 1, not {lookback_days}",
                        hint="Use e.g. 30 (contacts up to 30 days before the first purchase).")
    contacts = _contacts(engine, touchpoints)
    if analysis_date is not None:
        contacts = contacts.filter(contacts.timestamp < _end_of_day(analysis_date))
    buyers = first_purchases(engine, transactions, analysis_date) if buyers is None else buyers
    joined = contacts.left_join(buyers, "customer_id").drop("customer_id_right")
    converted = joined.first_order_at.notnull()
    before_purchase = joined.filter(~converted | (joined.timestamp < joined.first_order_at))
    last_contact = before_purchase.timestamp.max().over(ibis.window(group_by="customer_id"))
    marked = before_purchase.mutate(
        converted=before_purchase.first_order_at.notnull(),
        end_at=before_purchase.first_order_at.fill_null(last_contact),
    )
    seconds = (marked.end_at.epoch_seconds() - marked.timestamp.epoch_seconds()).cast("float64")
    window = marked.filter(seconds <= lookback_days * 86400.0)
    window = window.mutate(days_before_end=(window.end_at.epoch_seconds()
                                            - window.timestamp.epoch_seconds()).cast("float64") / 86400.0)
    ordered = ibis.window(group_by="customer_id", order_by=["timestamp", "channel", "touchpoint_type"])
    journey = ibis.window(group_by="customer_id")
    return window.mutate(
        step=ibis.row_number().over(ordered) + 1,
        n_steps=window.channel.count().over(journey),
        revenue=window.revenue.fill_null(0.0),
    ).select("customer_id", "timestamp", "channel", "touchpoint_type", "cost", "step", "n_steps",
             "converted", "end_at", "days_before_end", "revenue")


def _in_step_order(touches: ibis.Table, column: str) -> ibis.Value:
    """``column`` of a journey's contacts joined by :data:`SEPARATOR` in step order (an aggregate)."""
    return ordered_join(touches[column], touches.step, SEPARATOR, touches)


def journey_table(touches: ibis.Table) -> ibis.Table:
    """One row per journey: ``customer_id``, ``path``, ``type_path``, ``first_channel``,
    ``last_channel``, ``n_touches``, ``first_touch_at``, ``end_at``, ``converted``, ``revenue``,
    ``days_to_conversion`` (first contact to first order; null when not converted).

    Parameters
    ----------
    touches : ibis Table
        The contacts of :func:`journey_touches`.

    Returns
    -------
    ibis Table
        One row per journey, with the columns above.
    """
    table = touches.group_by("customer_id").aggregate(
        path=_in_step_order(touches, "channel"),
        type_path=_in_step_order(touches, "touchpoint_type"),
        first_channel=touches.channel.argmin(touches.step),
        last_channel=touches.channel.argmax(touches.step),
        n_touches=touches.step.max(),
        first_touch_at=touches.timestamp.min(),
        end_at=touches.end_at.max(),
        converted=touches.converted.any(),
        revenue=touches.revenue.max(),
    )
    days = (table.end_at.epoch_seconds() - table.first_touch_at.epoch_seconds()).cast("float64") / 86400.0
    return table.mutate(days_to_conversion=ibis.ifelse(table.converted, days, ibis.null("float64")))


def path_table(journeys: ibis.Table) -> ibis.Table:
    """One row per distinct path: ``path``, ``journeys``, ``conversions``, ``non_conversions``,
    ``revenue``, ``conversion_rate``, ``mean_touches``.

    Parameters
    ----------
    journeys : ibis Table
        The journeys of :func:`journey_table`.

    Returns
    -------
    ibis Table
        One row per distinct path, with the columns above.
    """
    converted = journeys.converted.cast("int64")
    table = journeys.group_by("path").aggregate(
        journeys=journeys.count(), conversions=converted.sum(), revenue=as_float(money(journeys.revenue).sum()),
        mean_touches=journeys.n_touches.mean())
    return table.mutate(non_conversions=table.journeys - table.conversions,
                        conversion_rate=table.conversions / table.journeys)


def _exact_sum(value: ibis.Value) -> ibis.Value:
    """The sum of a float column computed exactly (as :data:`CREDIT`), the same in any row order, so
    on any engine and thread count (an aggregate; ``.over(...)`` makes it a window)."""
    return value.cast(CREDIT).sum()


def touch_credits(touches: ibis.Table, half_life_days: float = DEFAULTS.half_life_days,
                  channel_weights: dict[str, float] | None = None) -> ibis.Table:
    """The converted journeys' contacts with the share of the conversion each model gives them.

    ``first_touch``: 1 for the first contact; ``last_touch``: 1 for the last; ``linear``: 1/n;
    ``time_decay``: 2^(−days before the purchase / ``half_life_days``), normalised per journey;
    with ``channel_weights`` (channel -> weight, e.g. Markov removal effects) also ``weighted``:
    each contact's channel weight, normalised per journey. Each column sums to 1 per journey.

    Parameters
    ----------
    touches : ibis Table
        The contacts of :func:`journey_touches`.
    half_life_days : float, optional
        Days after which the time-decay weight halves (positive); default from ``DEFAULTS``.
    channel_weights : dict of str to float, optional
        Channel -> weight for the ``weighted`` model; None (default) leaves that model out.

    Returns
    -------
    ibis Table
        The converted journeys' contacts plus ``decay`` and one credit column per model.
    """
    if half_life_days <= 0:
        raise DataError(f"half_life_days must be positive, not {half_life_days}", hint="Use e.g. 7.")
    won = touches.filter(touches.converted)
    journey = ibis.window(group_by="customer_id")
    # decay relative to the journey's latest contact (weight 1): the same shares, and the exact
    # per-journey sum never rounds them all to 0
    closest = won.days_before_end.min().over(journey)
    won = won.mutate(decay=((won.days_before_end - closest) * (-0.6931471805599453 / float(half_life_days))).exp())
    credits = {
        "first_touch": (won.step == 1).cast("float64"),
        "last_touch": (won.step == won.n_steps).cast("float64"),
        "linear": 1.0 / won.n_steps.cast("float64"),
        "time_decay": won.decay / as_float(_exact_sum(won.decay).over(journey)),
    }
    if channel_weights:
        largest = max((float(v) for v in channel_weights.values()), default=0.0)
        scale = 1.0 / largest if largest > 0 else 1.0  # weights up to 1: shares unchanged, exact sums keep them
        weight = won.channel.substitute({str(k): float(v) * scale for k, v in channel_weights.items()}, else_=0.0)
        won = won.mutate(channel_weight=weight.cast("float64"))
        total = as_float(_exact_sum(won.channel_weight).over(journey))
        credits["weighted"] = ibis.ifelse(total > 0, won.channel_weight / total, 1.0 / won.n_steps.cast("float64"))
    return won.mutate(**credits)


def rule_credits(touches: ibis.Table, half_life_days: float = DEFAULTS.half_life_days) -> ibis.Table:
    """One row per channel: conversions and revenue credited by the four rule-based models.

    Each converted journey hands out one conversion (and its revenue) as :func:`touch_credits`
    says. The columns are ``channel`` and ``<model>_conversions``, ``<model>_revenue`` for
    ``first_touch``, ``last_touch``, ``linear`` and ``time_decay``.

    Parameters
    ----------
    touches : ibis Table
        The contacts of :func:`journey_touches`.
    half_life_days : float, optional
        Half-life of the time-decay model, in days; default from ``DEFAULTS``.

    Returns
    -------
    ibis Table
        One row per channel, with the columns above.
    """
    won = touch_credits(touches, half_life_days)
    metrics = {}
    for model in ("first_touch", "last_touch", "linear", "time_decay"):
        metrics[f"{model}_conversions"] = as_float(_exact_sum(won[model]))
        metrics[f"{model}_revenue"] = as_float(_exact_sum(won[model] * won.revenue))
    return won.group_by("channel").aggregate(**metrics)


def customer_credits(touches: ibis.Table, half_life_days: float = DEFAULTS.half_life_days,
                     channel_weights: dict[str, float] | None = None) -> ibis.Table:
    """One row per converted customer and channel on their path: the credit each model gives
    the channel for that customer's conversion (columns of :func:`touch_credits`).

    Parameters
    ----------
    touches : ibis Table
        The contacts of :func:`journey_touches`.
    half_life_days : float, optional
        Half-life of the time-decay model, in days; default from ``DEFAULTS``.
    channel_weights : dict of str to float, optional
        Channel -> weight for the ``weighted`` model; None (default) leaves that model out.

    Returns
    -------
    ibis Table
        ``customer_id``, ``channel`` and the summed credit of each model of :func:`touch_credits`.
    """
    won = touch_credits(touches, half_life_days, channel_weights)
    models = ["first_touch", "last_touch", "linear", "time_decay"] + (["weighted"] if channel_weights else [])
    return won.group_by(["customer_id", "channel"]).aggregate(**{m: as_float(_exact_sum(won[m])) for m in models})


def contacts_before(engine: Engine, touchpoints: pd.DataFrame | ibis.Table, references: pd.DataFrame,
                    *, days: int, visit_pattern: str, service_pattern: str) -> pd.DataFrame:
    """Per customer: contacts in the ``days`` before their own reference time (``references``:
    ``customer_id``, ``reference_at``; contacts at or after it are not counted).

    Columns: ``customer_id``, ``contacts``, ``visits`` (touchpoint type or channel matches the
    regular expression ``visit_pattern``), ``service_contacts`` (matches ``service_pattern``),
    ``days_since_last_contact`` (null without any contact before the reference).

    Parameters
    ----------
    engine : Engine
        The engine the frames are registered with and that runs the scan.
    touchpoints : frame or ibis Table
        Contacts with ``customer_id``, ``timestamp``, ``channel`` (optionally ``touchpoint_type``).
    references : frame
        ``customer_id`` and ``reference_at`` (timestamp) of each customer to count for.
    days : int
        Length of the counting window before the reference time, in days.
    visit_pattern : str
        Regular expression (on lower-cased type and channel) that marks a visit.
    service_pattern : str
        Regular expression (on lower-cased type and channel) that marks a service contact.

    Returns
    -------
    frame
        One row per customer with a contact before the reference, with the columns above.
    """
    contacts = _contacts(engine, touchpoints)
    refs = engine.table(references[["customer_id", "reference_at"]].astype(
        {"customer_id": "string", "reference_at": "datetime64[ns]"}))
    joined = contacts.join(refs, "customer_id")
    joined = joined.filter(joined.timestamp < joined.reference_at)
    age = (joined.reference_at.epoch_seconds() - joined.timestamp.epoch_seconds()).cast("float64") / 86400.0
    joined = joined.mutate(age=age)
    recent = joined.age <= float(days)
    kind = joined.touchpoint_type.lower() + " " + joined.channel.lower()
    is_visit = kind.re_search(visit_pattern)
    is_service = kind.re_search(service_pattern)
    table = joined.group_by("customer_id").aggregate(
        contacts=recent.cast("int64").sum(),
        visits=(recent & is_visit).cast("int64").sum(),
        service_contacts=(recent & is_service).cast("int64").sum(),
        days_since_last_contact=joined.age.min(),
    )
    return engine.to_pandas(table)


VISIT_PATTERN = r"visit|view|browse|session|浏览|访问|到店"
SERVICE_PATTERN = r"service|support|complain|ticket|客服|投诉|售后"


def engagement_features(engine: Engine, touchpoints: pd.DataFrame | ibis.Table, cutoff: str | pd.Timestamp,
                        customer_ids: pd.Index, *, recent_days: int = DEFAULTS.recent_days, visit_pattern: str = VISIT_PATTERN,
                        service_pattern: str = SERVICE_PATTERN) -> pd.DataFrame:
    """Engagement of each customer up to ``cutoff`` (contacts after the cutoff day are not read).

    Index ``customer_id`` (= ``customer_ids``); float columns ``recent_visits`` and
    ``recent_service_contacts`` (in the ``recent_days`` up to the cutoff; a visit or service
    contact is a contact whose type or channel matches ``visit_pattern`` / ``service_pattern``,
    case-insensitive), ``recent_contacts`` (all kinds) and ``days_since_last_contact`` (NaN without
    any contact). Customers without contacts get 0 counts.

    Parameters
    ----------
    engine : Engine
        The engine the frames are registered with and that runs the scan.
    touchpoints : frame or ibis Table
        Contacts with ``customer_id``, ``timestamp``, ``channel`` (optionally ``touchpoint_type``).
    cutoff : str or Timestamp
        Last day whose contacts are read.
    customer_ids : Index
        The customers to describe (the result's index).
    recent_days : int, optional
        Length of the recent window, in days up to the cutoff; default from ``DEFAULTS``.
    visit_pattern : str, optional
        Regular expression marking a visit; default :data:`VISIT_PATTERN`.
    service_pattern : str, optional
        Regular expression marking a service contact; default :data:`SERVICE_PATTERN`.

    Returns
    -------
    frame
        Index ``customer_id``; the four float columns above.
    """
    reference = pd.Timestamp(cutoff).normalize() + pd.Timedelta(days=1)
    references = pd.DataFrame({"customer_id": customer_ids.astype(str), "reference_at": reference})
    counts = contacts_before(engine, touchpoints, references, days=recent_days,
                             visit_pattern=visit_pattern, service_pattern=service_pattern)
    counts = counts.set_index("customer_id").reindex(customer_ids)
    out = pd.DataFrame({
        "recent_visits": counts["visits"].fillna(0).astype(float),
        "recent_service_contacts": counts["service_contacts"].fillna(0).astype(float),
        "recent_contacts": counts["contacts"].fillna(0).astype(float),
        "days_since_last_contact": counts["days_since_last_contact"].astype(float),
    }, index=customer_ids)
    out.index.name = "customer_id"
    return out


def cost_by_channel(engine: Engine, touchpoints: pd.DataFrame | ibis.Table) -> pd.DataFrame:
    """Total contact cost per channel over all contacts (``channel``, ``cost``, ``contacts``);
    empty when the table has no ``cost`` column or no cost is given.

    Parameters
    ----------
    engine : Engine
        The engine the frame is registered with and that runs the scan.
    touchpoints : frame or ibis Table
        Contacts with ``customer_id``, ``timestamp``, ``channel`` and optionally ``cost``.

    Returns
    -------
    frame
        One row per channel with a cost, sorted: ``channel``, ``cost`` (summed), ``contacts``.
    """
    contacts = _contacts(engine, touchpoints)
    costed = contacts.filter(contacts.cost.notnull())
    table = costed.group_by("channel").aggregate(cost=as_float(money(costed.cost).sum()), contacts=costed.count())
    return engine.to_pandas(table.order_by("channel"))
