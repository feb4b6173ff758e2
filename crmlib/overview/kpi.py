"""CRM KPIs by calendar month, with their definitions, latest value and change.

Definitions (each month ``m``; only complete months are reported):

- **new customers**: buyers whose first purchase falls in ``m`` (attracted customers);
- **CAC** (customer acquisition cost): marketing spend in ``m`` / new customers in ``m``, per
  acquisition channel and overall (overall spend includes channels with no attributed
  customers, e.g. brand advertising). A channel with spend but no new customers has an
  *undefined* CAC (reported as missing with that reason, never infinity);
- **active customers**, **orders**, **revenue**: buyers, orders and purchase revenue in ``m``;
- **AOV** (average order value): revenue / orders;
- **purchase frequency**: orders / active customers;
- **repeat purchase rate**: share of ``m``'s active customers who had bought before ``m``;
- **churn rate**: churned during ``m`` / active at its start (:mod:`crmlib.churn.rates`);
- **CSAT** and **NPS**: see :mod:`crmlib.feedback.satisfaction`;
- **CLTV**: the simple formula (purchase frequency × AOV × lifespan,
  :mod:`crmlib.clv.simple_cltv`) and the model CLV (:func:`crmlib.clv.score_customers`);
  **CLTV/CAC** by channel divides a channel's mean model CLV by its CAC over the whole history.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [10.0, 20.0, 30.0],
...                    "order_date": pd.to_datetime(["2024-01-05", "2024-01-09", "2024-02-03"])})
>>> m = monthly_activity(tx, "2024-02-29")
>>> m.loc["2024-02", ["active_customers", "repeat_purchase_rate", "aov"]].tolist()
[1.0, 1.0, 30.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.display.cards import KPI_NAMES
from crmlib.errors import DataError
from crmlib.lang import N_, translator
from crmlib.readiness import COMPLETE_MONTH_ENABLES, NO_COMPLETE_MONTH, NotEnoughData
from crmlib.scans.activity import first_purchases, monthly_activity_counts
from crmlib.settings import DEFAULTS

DEFINITIONS = {
    "new_customers": N_("Buyers whose first purchase falls in the month."),
    "cac": N_("Marketing spend in the month / new customers in the month (undefined when there are none)."),
    "active_customers": N_("Customers who bought in the month."),
    "orders": N_("Orders in the month."),
    "revenue": N_("Purchase revenue in the month (returns kept apart)."),
    "aov": N_("Average order value: revenue / orders."),
    "purchase_frequency": N_("Orders per active customer in the month."),
    "repeat_purchase_rate": N_("Share of the month's active customers who had bought before the month."),
    "churn_rate": N_("Customers who churned during the month / customers active at its start "
                  "(churned = no purchase for the churn window)."),
    "csat": N_("Percentage of ratings of 4 or 5 on the 1–5 scale."),
    "nps": N_("Percentage of promoters (9–10) minus percentage of detractors (0–6) on the 0–10 scale."),
    "simple_cltv": N_("Purchase frequency per year × average order value × expected lifespan (1 / annual churn)."),
    "model_cltv": N_("Mean model CLV per customer (BG/NBD + Gamma-Gamma, discounted, over the horizon)."),
    "cltv_cac_ratio": N_("A channel's mean model CLV / its CAC; above 3 is the usual rule of thumb for healthy acquisition."),
}
# The KPIs' names on a page (the executive summary's cards and charts, the definitions table).
NAMES = {**KPI_NAMES, "simple_cltv": N_("Simple CLTV"), "model_cltv": N_("Model CLV"), "cltv_cac_ratio": "CLTV/CAC"}
UNITS = {"cac": "currency per customer", "revenue": "currency", "aov": "currency per order",
         "purchase_frequency": "orders per customer per month", "repeat_purchase_rate": "share (0–1)",
         "churn_rate": "share (0–1) per month", "csat": "% (0–100)", "nps": "points (−100 to 100)",
         "simple_cltv": "currency per customer", "model_cltv": "currency per customer",
         "cltv_cac_ratio": "ratio", "new_customers": "customers", "active_customers": "customers",
         "orders": "orders"}


def kpi_names(lang: str) -> dict[str, str]:
    """:data:`NAMES` in ``lang``.

    Parameters
    ----------
    lang : str
        Language code of the names, e.g. ``"en"`` or ``"zh"``.

    Returns
    -------
    dict of str to str
        KPI key (e.g. ``"aov"``) -> its display name in ``lang``.

    >>> kpi_names("zh")["simple_cltv"], kpi_names("en")["model_cltv"]
    ('简单公式 CLTV', 'Model CLV')
    """
    _ = translator(lang)
    return {key: _(name) for key, name in NAMES.items()}


def definitions_table(lang: str) -> pd.DataFrame:
    """One row per KPI: its name and definition in ``lang`` (columns ``kpi``, ``definition``).

    Parameters
    ----------
    lang : str
        Language code of the names and definitions, e.g. ``"en"`` or ``"zh"``.

    Returns
    -------
    frame
        One row per KPI of :data:`DEFINITIONS`, columns ``kpi`` (name) and ``definition``.
    """
    _ = translator(lang)
    names = kpi_names(lang)
    return pd.DataFrame({"kpi": [names[key] for key in DEFINITIONS],
                         "definition": [_(text) for text in DEFINITIONS.values()]})


def last_complete_month(analysis_date: str | pd.Timestamp) -> pd.Period:
    """The last calendar month that ends on or before ``analysis_date``.

    Parameters
    ----------
    analysis_date : str or Timestamp
        The analysis date; its month counts when the date is the month's last day.

    Returns
    -------
    Period
        The monthly period of the last complete month.
    """
    return (pd.Timestamp(analysis_date).normalize() + pd.Timedelta(days=1)).to_period("M") - 1


def monthly_activity(transactions, analysis_date: str | pd.Timestamp) -> pd.DataFrame:
    """New and active customers, orders, revenue, AOV, purchase frequency and repeat rate by month.

    Index: month as ``"YYYY-MM"`` strings, complete months only. The counting is one engine scan
    (:func:`crmlib.scans.activity.monthly_activity_counts`).

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    analysis_date : str or Timestamp
        The analysis date; months after the last complete one are left out.

    Returns
    -------
    frame
        Index ``month``; columns ``new_customers``, ``active_customers``, ``orders``, ``revenue``
        (0 in months without purchases), ``aov``, ``purchase_frequency``, ``repeat_purchase_rate``.
    """
    if isinstance(transactions, pd.DataFrame) and transactions.empty:
        raise DataError("there are no transactions to compute KPIs from", hint="Check the analysis date.")
    end = last_complete_month(analysis_date)
    out = monthly_activity_counts(transactions, analysis_date)
    if out.empty:
        raise NotEnoughData(NO_COMPLETE_MONTH, COMPLETE_MONTH_ENABLES, date=pd.Timestamp(analysis_date))
    out = out.reindex(pd.period_range(out.index.min(), end, freq="M")).fillna(0.0)
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["purchase_frequency"] = out["orders"] / out["active_customers"].where(out["active_customers"] > 0)
    out["repeat_purchase_rate"] = out["returning_customers"] / out["active_customers"].where(out["active_customers"] > 0)
    out.index = out.index.astype(str)
    out.index.name = "month"
    return out.drop(columns="returning_customers")


def new_customers_by_channel(transactions, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Count of new customers per (month, acquisition channel); channel ``"unknown"`` when not known.

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id`` and ``order_date``.
    customers : frame or None
        Customers table with ``customer_id`` and ``acquisition_channel``; None: all ``"unknown"``.

    Returns
    -------
    frame
        One row per (month, channel) with new customers: columns ``month`` ("YYYY-MM"), ``channel``,
        ``new_customers``.
    """
    first = first_purchases(transactions)["first_order"]
    channel = pd.Series("unknown", index=first.index, dtype=object)
    if customers is not None and "acquisition_channel" in customers:
        known = customers.set_index("customer_id")["acquisition_channel"].astype(object)
        channel = known.reindex(first.index).fillna("unknown")
    frame = pd.DataFrame({"month": first.dt.to_period("M").astype(str), "channel": channel.to_numpy()})
    return frame.groupby(["month", "channel"]).size().rename("new_customers").reset_index()


def cac_table(transactions: pd.DataFrame, customers: pd.DataFrame | None, spend: pd.DataFrame,
              months: list[str] | None = None, *, new_customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """CAC per acquisition channel (plus an ``"all channels"`` row) over ``months`` (default: all).

    Columns: ``channel``, ``spend``, ``new_customers``, ``cac``, ``note`` (why CAC is undefined).

    Parameters
    ----------
    transactions : frame
        Purchases with ``customer_id`` and ``order_date``.
    customers : frame or None
        Customers table with ``customer_id`` and ``acquisition_channel``; None: all ``"unknown"``.
    spend : frame
        Marketing spend with ``month`` (timestamps), ``acquisition_channel`` and ``spend``.
    months : list of str, optional
        Months ("YYYY-MM") to sum over; None (default) takes every month.
    new_customers : frame, optional
        :func:`new_customers_by_channel` of the same transactions and customers, to save scanning
        the transactions again; computed if None.

    Returns
    -------
    frame
        One row per channel plus ``"all channels"``; columns as above, ``cac`` NaN when undefined.
    """
    new = new_customers if new_customers is not None else new_customers_by_channel(transactions, customers)
    spend = spend.assign(month=spend["month"].dt.to_period("M").astype(str))
    if months is not None:
        new = new.loc[new["month"].isin(months)]
        spend = spend.loc[spend["month"].isin(months)]
    by_channel = pd.DataFrame({
        "spend": spend.groupby("acquisition_channel")["spend"].sum(),
        "new_customers": new.groupby("channel")["new_customers"].sum(),
    }).fillna(0.0)
    by_channel.loc[N_("all channels")] = [by_channel["spend"].sum(), by_channel["new_customers"].sum()]
    by_channel.index.name = "channel"
    table = by_channel.reset_index()
    defined = table["new_customers"] > 0
    table["cac"] = np.where(defined, table["spend"] / table["new_customers"].where(defined, 1), np.nan)
    table["note"] = np.select(
        [~defined & (table["spend"] > 0), table["spend"] == 0],
        [N_("undefined: spend but no new customers attributed to this channel"),
         N_("no spend recorded for this channel")], default="")
    table["new_customers"] = table["new_customers"].astype(int)
    return table


def monthly_cac(transactions: pd.DataFrame, customers: pd.DataFrame | None, spend: pd.DataFrame, *,
                new_customers: pd.DataFrame | None = None) -> pd.Series:
    """Overall CAC by month (all spend / all new customers; NaN where there were none).

    Parameters
    ----------
    transactions : frame
        Purchases with ``customer_id`` and ``order_date``.
    customers : frame or None
        Customers table with ``customer_id`` and ``acquisition_channel``, or None.
    spend : frame
        Marketing spend with ``month`` (timestamps) and ``spend``.
    new_customers : frame, optional
        :func:`new_customers_by_channel` of the same transactions and customers, to save scanning
        the transactions again; computed if None.

    Returns
    -------
    Series
        ``cac`` (currency per new customer) indexed by month ("YYYY-MM").
    """
    new = new_customers if new_customers is not None else new_customers_by_channel(transactions, customers)
    new = new.groupby("month")["new_customers"].sum()
    total = spend.groupby(spend["month"].dt.to_period("M").astype(str))["spend"].sum()
    joined = pd.DataFrame({"spend": total, "new": new}).fillna(0.0)
    return (joined["spend"] / joined["new"].where(joined["new"] > 0)).rename("cac")


def cltv_cac_by_channel(clv: pd.Series, customers: pd.DataFrame | None, cac: pd.DataFrame) -> pd.DataFrame:
    """Mean model CLV per acquisition channel next to its CAC, and their ratio.

    Parameters
    ----------
    clv : Series
        Model CLV per customer (index ``customer_id``).
    customers : frame or None
        Customers table with ``customer_id`` and ``acquisition_channel``; required (else DataError).
    cac : frame
        The frame of :func:`cac_table` (columns ``channel``, ``cac``, ``note``).

    Returns
    -------
    frame
        One row per channel: ``channel``, ``customers``, ``mean_clv``, ``cac``, ``note``,
        ``cltv_cac_ratio``; highest ratio first.
    """
    if customers is None or "acquisition_channel" not in customers:
        raise DataError("CLTV/CAC by channel needs the customers table's acquisition channel",
                        hint="Map `acquisition_channel` in the customers table of dataset.yaml.")
    channel = customers.set_index("customer_id")["acquisition_channel"].astype(object)
    frame = pd.DataFrame({"clv": clv, "channel": channel.reindex(clv.index).fillna("unknown")})
    stats = frame.groupby("channel")["clv"].agg(customers="size", mean_clv="mean")
    out = stats.join(cac.set_index("channel")[["cac", "note"]], how="outer")
    out["cltv_cac_ratio"] = out["mean_clv"] / out["cac"]
    out = out.drop(index="all channels", errors="ignore")
    out["customers"] = out["customers"].fillna(0).astype(int)
    return out.sort_values("cltv_cac_ratio", ascending=False).reset_index()


def headline(monthly: pd.DataFrame, names: list[str] | None = None) -> pd.DataFrame:
    """Latest complete month vs the month before, for each KPI column of ``monthly``.

    The latest month is the last with a value; ``previous`` is the month right before it (NaN, and
    no change, when that month has no value — never an older month).

    Columns: ``kpi``, ``period``, ``value``, ``previous``, ``change`` (relative; for rates the
    difference in points is in ``change_points``), ``unit``, ``definition``, ``available``,
    ``reason``.

    Parameters
    ----------
    monthly : frame
        KPIs by month (:func:`monthly_kpis`); ``attrs["reasons"]`` explains missing KPIs.
    names : list of str, optional
        KPI columns to report; None (default): those of :data:`DEFINITIONS` present or explained.

    Returns
    -------
    frame
        One row per KPI, with the columns above (``available`` False and ``reason`` without data).
    """
    reasons = monthly.attrs.get("reasons", {})
    names = names or [n for n in DEFINITIONS if n in monthly.columns or n in reasons]
    rows = []
    for name in names:
        series = monthly[name].dropna() if name in monthly else pd.Series(dtype=float)
        if series.empty:
            rows.append({"kpi": name, "period": None, "value": np.nan, "previous": np.nan, "change": np.nan,
                         "change_points": np.nan, "unit": UNITS.get(name, ""),
                         "definition": DEFINITIONS.get(name, ""), "available": False,
                         "reason": reasons.get(name, N_("no data for this KPI"))})
            continue
        value = float(series.iloc[-1])
        position = monthly.index.get_loc(series.index[-1])  # the month really before, even if it has no value
        previous = float(monthly[name].iloc[position - 1]) if position > 0 else np.nan
        rows.append({"kpi": name, "period": series.index[-1], "value": value, "previous": previous,
                     "change": (value - previous) / abs(previous) if previous and np.isfinite(previous) else np.nan,
                     "change_points": value - previous, "unit": UNITS.get(name, ""),
                     "definition": DEFINITIONS.get(name, ""), "available": True, "reason": ""})
    return pd.DataFrame(rows, columns=["kpi", "period", "value", "previous", "change", "change_points", "unit",
                                       "definition", "available", "reason"])  # the columns even without a month


def funnel_by_channel(purchase_days: pd.Series, tiers: pd.Series, customers: pd.DataFrame | None,
                      advocates: pd.Index | None = None) -> pd.DataFrame:
    """The CRM funnel (identified → first purchase → repeat → high value, → advocate when
    ``advocates`` are given) overall and per channel.

    ``purchase_days`` and ``tiers`` are per buyer (index ``customer_id``); the identified
    customers are the customers table plus buyers missing from it. Each group's funnel comes
    from :func:`crmlib.segment.lifecycle.crm_funnel`.

    Parameters
    ----------
    purchase_days : Series
        Per buyer (index ``customer_id``), passed to :func:`crmlib.segment.lifecycle.crm_funnel`.
    tiers : Series
        Value tier per buyer (index ``customer_id``).
    customers : frame or None
        Customers table with ``customer_id`` (and ``acquisition_channel`` to split by channel).
    advocates : Index, optional
        Customer ids of advocates; None (default) leaves out the advocate stage.

    Returns
    -------
    frame
        Long frame: ``channel`` (``"all channels"`` first), ``stage``, ``customers``,
        ``share_of_identified``, ``conversion_from_previous``.
    """
    from crmlib.segment.lifecycle import crm_funnel

    identified = purchase_days.index
    channel = pd.Series("all", index=identified, dtype=object)
    if customers is not None:
        identified = identified.union(pd.Index(customers["customer_id"]))
        if "acquisition_channel" in customers:
            channel = customers.set_index("customer_id")["acquisition_channel"].astype(object)
            channel = channel.reindex(identified).fillna("unknown")
    frames = [crm_funnel(purchase_days, tiers, len(identified), advocates).assign(channel=N_("all channels"))]
    if channel.nunique() > 1 or channel.iloc[0] != "all":
        for name, members in channel.groupby(channel).groups.items():
            buyers = purchase_days.index.intersection(members)
            frames.append(crm_funnel(purchase_days.reindex(buyers), tiers.reindex(buyers), len(members), advocates)
                          .assign(channel=name))
    out = pd.concat(frames, ignore_index=True)
    return out[["channel", "stage", "customers", "share_of_identified", "conversion_from_previous"]]


def monthly_kpis(dataset, purchase_days: pd.DataFrame, churn_window_days: int, *,
                 new_customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every KPI by month for a :class:`crmlib.data.load.Dataset`, from the modules that own each one.

    KPIs whose table is missing are left out of the frame and their reason is kept in
    ``attrs["reasons"]`` (shown as "not available" by :func:`headline`).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (transactions, and optionally customers, marketing_spend, feedback).
    purchase_days : frame
        Purchase days per customer (:func:`crmlib.scans.summary.purchase_days`).
    churn_window_days : int
        Days without a purchase after which a customer counts as churned.
    new_customers : frame, optional
        :func:`new_customers_by_channel` of the dataset (for the CAC), to save scanning the
        transactions again; computed if None.

    Returns
    -------
    frame
        :func:`monthly_activity`'s frame plus ``cac``, ``churn_rate``, ``csat``, ``nps`` where
        available; index ``month`` ("YYYY-MM").
    """
    from crmlib.churn.rates import churn_rate_by_month

    monthly = monthly_activity(dataset.transactions, dataset.analysis_date)
    reasons = {}
    if dataset.has("marketing_spend"):
        monthly["cac"] = monthly_cac(dataset.transactions, dataset.customers, dataset.marketing_spend,
                                     new_customers=new_customers)
    else:
        reasons["cac"] = N_("no marketing_spend table: CAC needs spend per month and acquisition channel")
    try:
        rates = churn_rate_by_month(purchase_days, churn_window_days, dataset.analysis_date)
    except NotEnoughData:  # a history shorter than the churn window and a month: no churn rate
        rates = pd.DataFrame({"month": [], "churn_rate": []})
    monthly["churn_rate"] = rates.set_index("month")["churn_rate"].reindex(monthly.index)
    for name, value in _satisfaction_by_month(dataset, reasons).items():
        monthly[name] = value.reindex(monthly.index)
    monthly.attrs["reasons"] = reasons
    return monthly


def dataset_monthly_kpis(dataset, churn_window_days: int = DEFAULTS.churn_window_days,
                         gap_share: float = DEFAULTS.gap_share) -> pd.DataFrame:
    """:func:`monthly_kpis` of a dataset from its transactions alone (the purchase days are scanned
    here); a ``churn_window_days`` of 0 picks the gap within which ``gap_share`` of repeat purchases
    fall, as 04_churn does. What every page's KPI cards show (``Workbook.page_cards``).

    Parameters
    ----------
    dataset : Dataset
        The loaded dataset (:func:`crmlib.data.load.load_dataset`).
    churn_window_days : int, optional
        Churn window in days; 0 picks it from ``gap_share``. Default from ``DEFAULTS``.
    gap_share : float, optional
        Share of repeat-purchase gaps the picked window covers (0–1). Default from ``DEFAULTS``.

    Returns
    -------
    frame
        The KPIs by month of :func:`monthly_kpis`, index ``month`` ("YYYY-MM").

    >>> from crmlib.data.load import load_dataset
    >>> monthly = dataset_monthly_kpis(load_dataset("data/sample"))
    >>> monthly.index[-1], round(float(monthly["churn_rate"].iloc[-1]), 3)
    ('2024-12', 0.154)
    """
    from crmlib.churn import suggest_window
    from crmlib.scans.summary import purchase_days

    days = purchase_days(dataset.transactions, dataset.analysis_date)
    return monthly_kpis(dataset, days, churn_window_days or suggest_window(days, gap_share))


def _satisfaction_by_month(dataset, reasons: dict) -> dict[str, pd.Series]:
    """CSAT and NPS by month from :mod:`crmlib.feedback.satisfaction`, or the reason they are missing.

    Exit-survey answers are left out, as in the feedback notebook (they come after the customer left).
    """
    from crmlib.feedback.analysis import is_exit_survey
    from crmlib.feedback.satisfaction import monthly_satisfaction

    if not dataset.has("feedback"):
        reasons["csat"] = reasons["nps"] = N_("no feedback table: CSAT and NPS need ratings (1–5) or NPS answers (0–10)")
        return {}
    feedback = dataset.feedback.loc[~is_exit_survey(dataset.feedback)]
    if "date" not in feedback:
        reasons["csat"] = reasons["nps"] = N_("the feedback table has no date, so there is no monthly trend")
        return {}
    table = monthly_satisfaction(feedback)
    table.index = table.index.to_period("M").astype(str)
    out = {}
    for name, column, needed in (("csat", "rating", "ratings"), ("nps", "nps", "nps_answers")):
        if column in feedback and table[needed].sum() > 0:
            out[name] = table[name]
        else:
            reasons[name] = f"the feedback table has no {column} answers"
    return out


def _shown_unit(unit: str, currency: str) -> str:
    """The unit of a value as :func:`format_headline` shows it (shares as %, money in ``currency``)."""
    shown = unit.replace("share (0–1)", "%").replace("% (0–100)", "%")
    return shown.replace("currency", currency) if currency else shown


def format_headline(headline_table: pd.DataFrame, names: dict[str, str] | None = None,
                    currency: str = "") -> pd.DataFrame:
    """The headline as readable text: shares as percentages, changes in % or percentage points, n/a
    with the reason; the unit column describes the value as shown (``currency`` names the money).

    Parameters
    ----------
    headline_table : frame
        The frame of :func:`headline`.
    names : dict of str to str, optional
        KPI key -> name shown (e.g. :func:`kpi_names`); None (default) shows the keys.
    currency : str, optional
        Currency that replaces "currency" in the units; "" (default) leaves them as they are.

    Returns
    -------
    frame
        One row per KPI, text columns ``KPI``, ``period``, ``value``, ``vs previous month``,
        ``unit``, ``note``.

    >>> h = pd.DataFrame({"kpi": ["aov", "churn_rate"], "period": ["2024-02"] * 2, "value": [45.5, 0.154],
    ...                   "previous": [40.0, 0.147], "change": [0.1375, 0.048], "change_points": [5.5, 0.007],
    ...                   "unit": [UNITS["aov"], UNITS["churn_rate"]], "available": [True, True], "reason": ["", ""]})
    >>> format_headline(h, currency="CNY")[["value", "vs previous month", "unit"]].values.tolist()
    [['45.50', '+13.8%', 'CNY per order'], ['15.4%', '+0.7 points', '% per month']]
    """
    names = names or {}
    rows = []
    for row in headline_table.to_dict(orient="records"):
        unit, value, text_change = row["unit"], row["value"], ""
        if not row["available"]:
            text_value = "n/a"
        elif unit.startswith("share"):
            text_value = f"{value:.1%}"
            text_change = f"{row['change_points'] * 100:+.1f} points" if pd.notna(row["previous"]) else ""
        elif unit.startswith(("%", "points")):
            text_value = f"{value:.1f}%" if unit.startswith("%") else f"{value:.1f}"
            text_change = f"{row['change_points']:+.1f} points" if pd.notna(row["previous"]) else ""
        else:
            text_value = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
            text_change = f"{row['change']:+.1%}" if pd.notna(row["change"]) else ""
        rows.append({"KPI": names.get(row["kpi"], row["kpi"]), "period": row["period"] or "", "value": text_value,
                     "vs previous month": text_change, "unit": _shown_unit(unit, currency), "note": row["reason"]})
    return pd.DataFrame(rows)
