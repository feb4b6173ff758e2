"""Journeys to the first purchase: which paths customers take, how long, how many contacts.

:func:`collect_journeys` runs the engine scans of :mod:`crmlib.scans.journeys` once and keeps
what the analyses need: the contacts of the journeys (computed once into a table of the engine,
which every later analysis reads instead of the raw contacts), one row per journey (every
contacted id, plus buyers and known customers without any contact in the window) and one row
per distinct path.

Example
-------
>>> import pandas as pd
>>> contacts = pd.DataFrame({"customer_id": ["a", "a", "b", "v"],
...                          "channel": ["social", "email", "search", "social"],
...                          "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-05"])})
>>> orders = pd.DataFrame({"customer_id": ["a", "c"], "order_date": pd.to_datetime(["2024-01-04", "2024-01-06"]),
...                        "amount": [50.0, 20.0]})
>>> data = collect_journeys(contacts, orders, customers=pd.DataFrame({"customer_id": ["a", "b", "c", "p"]}))
>>> data.journeys[["customer_id", "path", "converted", "audience"]].to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'customer_id': ['a', 'b', 'c', 'p', 'v'], 'path': ['social > email', 'search', '', '', 'social'],
 'converted': [True, False, True, False, False],
 'audience': ['customer', 'customer', 'customer', 'customer', 'anonymous visitor']}
>>> top_paths(data.paths, 2)["path"].tolist()
['search', 'social']
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import ibis
import pandas as pd

from crmlib.engine import Engine, default_engine
from crmlib.scans.journeys import (
    SEPARATOR,
    first_purchases,
    journey_table,
    journey_touches,
    path_table,
)
from crmlib.settings import DEFAULTS

CUSTOMER, VISITOR = "customer", "anonymous visitor"
NO_CONTACT = ""  # the path of a journey without any recorded contact in the window


@dataclass
class JourneyData:
    """The journeys of one dataset (see the module docstring)."""

    engine: Engine
    touches: ibis.Table  # one row per contact of a journey (a table of the engine, dropped with the journeys)
    journeys: pd.DataFrame  # one row per journey / id
    paths: pd.DataFrame  # one row per distinct non-empty path
    lookback_days: int

    @property
    def converted_with_path(self) -> pd.DataFrame:
        """The converted journeys that have at least one contact (the ones attribution shares out)."""
        return self.journeys.loc[self.journeys["converted"] & (self.journeys["n_touches"] > 0)]


def collect_journeys(touchpoints: pd.DataFrame | ibis.Table, transactions: pd.DataFrame, *,
                     customers: pd.DataFrame | None = None, lookback_days: int = DEFAULTS.lookback_days,
                     analysis_date: str | pd.Timestamp | None = None, engine: Engine | None = None) -> JourneyData:
    """Build the journeys (contacts in the ``lookback_days`` before each first purchase).

    Buyers without a contact in the window are converted journeys with an empty path; customers
    of the customers table who neither bought nor were contacted are non-converted journeys with
    an empty path.

    Parameters
    ----------
    touchpoints : DataFrame or ibis Table
        Contacts: ``customer_id``, ``channel``, ``timestamp``, optionally ``touchpoint_type``
        and ``cost``.
    transactions : DataFrame
        Orders: ``customer_id``, ``order_date``, ``amount``; the first one ends a journey.
    customers : DataFrame, optional
        Known customers (``customer_id``): they count as ``"customer"`` even without a purchase.
    lookback_days : int, optional
        Days before the first purchase (or the last contact) that a journey's contacts fall in
        (default ``DEFAULTS.lookback_days``).
    analysis_date : date-like, optional
        Contacts and orders after that day are ignored (a first purchase after it converts no
        journey); None keeps them all.
    engine : Engine, optional
        The engine that runs the scans; None uses :func:`crmlib.engine.default_engine`.

    Returns
    -------
    JourneyData
        ``touches`` (a table of the engine, computed once, dropped with the JourneyData), ``paths``
        (one row per distinct path, most journeys first) and ``journeys``: one row per id, sorted
        by id, with the journey columns of :func:`crmlib.scans.journeys.journey_table` plus
        ``audience`` (``"customer"`` for buyers and ids of the customers table, ``"anonymous
        visitor"`` otherwise).
    """
    engine = engine or default_engine()
    # every later scan reads the contacts of the journeys: computed once (the windows over all contacts
    # are the costly part), as are the buyers the journeys end with
    buyers = engine.materialize(first_purchases(engine, transactions, analysis_date))
    touches = engine.materialize(journey_touches(engine, touchpoints, transactions, lookback_days=lookback_days,
                                                 analysis_date=analysis_date, buyers=buyers))
    rows = engine.to_arrow(_every_journey(engine, journey_table(touches), buyers, customers).order_by("customer_id"))
    contacted = engine.table(rows.select(["path", "converted", "revenue", "n_touches"]))
    paths = engine.to_pandas(path_table(contacted.filter(contacted.n_touches > 0)))  # the journeys with a path
    engine.release(contacted)
    journeys = rows.to_pandas()
    del rows
    paths = paths.sort_values(["journeys", "path"], ascending=[False, True]).reset_index(drop=True)
    data = JourneyData(engine, touches, journeys, paths, lookback_days)
    # the engine's copy of the contacts goes with the journeys (and then the buyers: on Spark a materialised
    # step is a cached view that reads the steps it was made from)
    weakref.finalize(data, engine.release, touches, buyers)
    return data


def _every_journey(engine: Engine, journeys: ibis.Table, buyers: ibis.Table,
                   customers: pd.DataFrame | None) -> ibis.Table:
    """``journeys`` plus a journey without a path for each buyer and known customer without a
    contact in the window, with ``audience`` (see :func:`collect_journeys`)."""
    known = buyers
    if customers is not None and "customer_id" in customers:
        listed = engine.from_frame(customers, ["customer_id"])  # registered once per frame, read in place
        listed = listed.select(customer_id=listed.customer_id.cast("string"))
        ids = buyers.select("customer_id").union(listed.filter(listed.customer_id.notnull()), distinct=True)
        known = ids.left_join(buyers, "customer_id").select("customer_id", "first_order_at", "revenue")
    full = journeys.outer_join(known.mutate(known=ibis.literal(True)), "customer_id", rname="{name}_buyer")
    silent = full.n_touches.isnull()  # a buyer or customer without a contact in the window
    columns = {c: full[c] for c in journeys.columns}
    columns.update(
        customer_id=full.customer_id.fill_null(full.customer_id_buyer),
        path=ibis.ifelse(silent, NO_CONTACT, full.path), type_path=ibis.ifelse(silent, NO_CONTACT, full.type_path),
        n_touches=full.n_touches.fill_null(0).cast("int64"),
        end_at=ibis.ifelse(silent, full.first_order_at, full.end_at),
        converted=ibis.ifelse(silent, full.first_order_at.notnull(), full.converted),
        revenue=ibis.ifelse(silent, full.revenue_buyer.fill_null(0.0), full.revenue),
        audience=ibis.ifelse(full.known.fill_null(False), CUSTOMER, VISITOR))
    return full.select(**columns)


def top_paths(paths: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` most common paths (ties by path name).

    Parameters
    ----------
    paths : DataFrame
        One row per distinct path (:attr:`JourneyData.paths`).
    n : int, optional
        How many paths to keep (default 10).

    Returns
    -------
    DataFrame
        ``path``, ``journeys``, ``share`` (of journeys with a path), ``conversions``,
        ``conversion_rate``, ``revenue``; most journeys first, on a fresh RangeIndex.
    """
    table = paths.sort_values(["journeys", "path"], ascending=[False, True]).head(n)
    share = table["journeys"] / paths["journeys"].sum()
    return table.assign(share=share)[["path", "journeys", "share", "conversions", "conversion_rate", "revenue"]] \
        .reset_index(drop=True)


def top_converting_paths(paths: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` paths that lead to the most first purchases (columns as :func:`top_paths`).

    Parameters
    ----------
    paths : DataFrame
        One row per distinct path (:attr:`JourneyData.paths`).
    n : int, optional
        How many paths to keep (default 10).

    Returns
    -------
    DataFrame
        The columns of :func:`top_paths`, most conversions first (ties by path name).
    """
    table = top_paths(paths, len(paths))
    return table.sort_values(["conversions", "path"], ascending=[False, True]).head(n).reset_index(drop=True)


def path_length_table(journeys: pd.DataFrame, longest: int = 6) -> pd.DataFrame:
    """Journeys with at least one contact, by number of contacts.

    Parameters
    ----------
    journeys : DataFrame
        One row per journey (:attr:`JourneyData.journeys`).
    longest : int, optional
        Journeys with this many contacts or more are pooled as ``"<longest>+"`` (default 6: "6+").

    Returns
    -------
    DataFrame
        One row per length, shortest first: ``contacts`` (label), ``journeys``, ``conversions``,
        ``conversion_rate``, ``median_days_to_conversion``.
    """
    with_path = journeys.loc[journeys["n_touches"] > 0]
    length = with_path["n_touches"].clip(upper=longest)
    label = length.astype(str).where(length < longest, f"{longest}+")
    grouped = with_path.groupby(length)
    table = pd.DataFrame({
        "contacts": label.groupby(length).first(),
        "journeys": grouped.size(),
        "conversions": grouped["converted"].sum().astype(int),
        "median_days_to_conversion": grouped["days_to_conversion"].median(),
    })
    table["conversion_rate"] = table["conversions"] / table["journeys"]
    return table.reset_index(drop=True)[["contacts", "journeys", "conversions", "conversion_rate",
                                         "median_days_to_conversion"]]


def time_to_conversion(journeys: pd.DataFrame) -> dict:
    """Days from the first contact to the first purchase over converted journeys with a path.

    Parameters
    ----------
    journeys : DataFrame
        One row per journey (:attr:`JourneyData.journeys`).

    Returns
    -------
    dict
        ``journeys``, ``mean``, ``median``, ``p25``, ``p75``, ``p90`` (days) and
        ``mean_contacts``; only ``{"journeys": 0}`` when no converted journey has a contact.
    """
    won = journeys.loc[journeys["converted"] & (journeys["n_touches"] > 0)]
    days = won["days_to_conversion"].astype(float)
    if days.empty:
        return {"journeys": 0}
    return {"journeys": int(len(days)), "mean": float(days.mean()), "median": float(days.median()),
            "p25": float(days.quantile(0.25)), "p75": float(days.quantile(0.75)),
            "p90": float(days.quantile(0.9)), "mean_contacts": float(won["n_touches"].mean())}


def path_steps(paths: pd.DataFrame, n: int = 10, steps: int = 4) -> pd.DataFrame:
    """The ``n`` most common paths cut to their first ``steps`` contacts, as links for a path
    (Sankey) chart.

    Parameters
    ----------
    paths : DataFrame
        One row per distinct path (:attr:`JourneyData.paths`).
    n : int, optional
        How many of the most common paths (default 10).
    steps : int, optional
        Contacts kept from the start of each path (default 4).

    Returns
    -------
    DataFrame
        One row per path and step: ``path``, ``step`` (0-based), ``channel``, ``journeys``,
        ``conversion_rate``.
    """
    top = top_paths(paths, n)
    parts = top["path"].str.split(SEPARATOR, regex=False).str[:steps]
    exploded = parts.explode().rename("channel").to_frame()
    exploded["step"] = exploded.groupby(level=0).cumcount()
    return exploded.join(top[["path", "journeys", "conversion_rate"]]).reset_index(drop=True)[
        ["path", "step", "channel", "journeys", "conversion_rate"]]
