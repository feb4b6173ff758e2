"""A run's headline numbers, read from its exports, and how a number's change is measured.

One :class:`Metric` per headline number: the month's KPIs of ``kpis.json`` (01_overview), the
customers who bought (the manifest), total CLV (``clv_model.json``, 03_clv), value at risk and
its share of the value if retained (``churn_model.json``, 04_churn). Shares change in
percentage points, amounts and counts in per cent of the earlier value.

Example
-------
>>> value, kind = change(0.147, 0.154, "share")     # churn rate 14.7 % -> 15.4 %
>>> round(value, 6), kind
(0.7, 'points')
>>> change(200.0, 210.0, "count")
(0.05, 'relative')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from crmlib.report.compare.runs import RunFolder

KPI_AREAS = {
    "revenue": ("transactions", "currency"), "orders": ("transactions",),
    "aov": ("transactions", "currency"), "active_customers": ("transactions",),
    "new_customers": ("transactions",), "purchase_frequency": ("transactions",),
    "repeat_purchase_rate": ("transactions",), "churn_rate": ("transactions", "churn"),
    "cac": ("transactions", "customers", "marketing", "currency"), "csat": ("feedback",),
    "nps": ("feedback",),
}
EXTRA_AREAS = {
    "customers": ("transactions",), "clv_total": ("transactions", "clv", "currency"),
    "value_at_risk": ("transactions", "churn", "clv", "value", "currency"),
    "value_at_risk_share": ("transactions", "churn", "clv", "value"),
}
ORDER = ("revenue", "orders", "aov", "active_customers", "new_customers", "purchase_frequency",
         "repeat_purchase_rate", "churn_rate", "cac", "csat", "nps", "customers", "clv_total",
         "value_at_risk", "value_at_risk_share")
"""Headline numbers in the order the comparison lists them."""

LABELS = {
    "revenue": "Revenue this month", "orders": "Orders this month", "aov": "Average order value",
    "active_customers": "Buyers this month", "new_customers": "First-time buyers this month",
    "purchase_frequency": "Orders per buyer this month", "repeat_purchase_rate": "Repeat purchase rate",
    "churn_rate": "Churn rate this month", "cac": "CAC", "csat": "CSAT this month",
    "nps": "NPS this month", "customers": "Customers who bought", "clv_total": "Total CLV",
    "value_at_risk": "Value at risk", "value_at_risk_share": "Share of value at risk",
}
"""English message ids of the metrics' names (translated through the catalogue)."""

BETTER = {"revenue": 1, "orders": 1, "aov": 1, "active_customers": 1, "new_customers": 1,
          "purchase_frequency": 1, "repeat_purchase_rate": 1, "churn_rate": -1, "cac": -1, "csat": 1, "nps": 1,
          "customers": 1, "clv_total": 1, "value_at_risk": -1, "value_at_risk_share": -1}
"""Whether a rise of the number is good (+1) or bad (−1) for the business."""

SOURCES = {"customers": "manifest.json", "clv_total": "clv_model.json", "value_at_risk": "churn_model.json",
           "value_at_risk_share": "churn_model.json"}


@dataclass(frozen=True)
class Metric:
    """One headline number of one run."""

    key: str
    value: float
    kind: str  # count | money | share (0-1) | percent (0-100) | points | number
    period: str | None = None  # the month of a monthly KPI, e.g. "2024-12"
    source: str = "kpis.json"

    @property
    def areas(self) -> tuple[str, ...]:
        return KPI_AREAS.get(self.key) or EXTRA_AREAS.get(self.key, ())


def kind_of_unit(unit: str) -> str:
    """The kind of a ``kpis.json`` unit text.

    Parameters
    ----------
    unit : str
        The ``unit`` of a headline row, e.g. ``"currency per order"`` (empty or None: a number).

    Returns
    -------
    str
        ``"share"``, ``"percent"``, ``"points"``, ``"money"``, ``"count"`` or ``"number"``.

    >>> [kind_of_unit(u) for u in ("customers", "currency per order", "share (0–1)", "% (0–100)")]
    ['count', 'money', 'share', 'percent']
    """
    unit = unit or ""
    if unit.startswith("share"):
        return "share"
    if unit.startswith("%"):
        return "percent"
    if unit.startswith("points"):
        return "points"
    if unit.startswith("currency"):
        return "money"
    if unit in ("customers", "orders"):
        return "count"
    return "number"


def headline_metrics(run: RunFolder) -> dict[str, Metric]:
    """Every headline number ``run``'s exports hold, keyed as in :data:`ORDER`.

    Parameters
    ----------
    run : RunFolder
        The run whose ``kpis.json``, ``clv_model.json``, ``churn_model.json`` and manifest are read.

    Returns
    -------
    dict of str to Metric
        Only the numbers the run has (finite values), in the order of :data:`ORDER`.
    """
    found: dict[str, Metric] = {}
    for row in (run.json("kpis.json") or {}).get("headline", []):
        if row.get("available") and _finite(row.get("value")) and row.get("kpi") in KPI_AREAS:
            found[row["kpi"]] = Metric(row["kpi"], float(row["value"]), kind_of_unit(row.get("unit", "")),
                                       row.get("period"))
    customers = run.dataset.get("customers")
    if _finite(customers):
        found["customers"] = Metric("customers", float(customers), "count", source=SOURCES["customers"])
    total_clv = ((run.json("clv_model.json") or {}).get("summary") or {}).get("total_clv")
    if _finite(total_clv):
        found["clv_total"] = Metric("clv_total", float(total_clv), "money", source=SOURCES["clv_total"])
    risk = (run.json("churn_model.json") or {}).get("value_at_risk") or {}
    if _finite(risk.get("total")):
        found["value_at_risk"] = Metric("value_at_risk", float(risk["total"]), "money",
                                        source=SOURCES["value_at_risk"])
        retained = risk.get("value_if_retained_total")
        if _finite(retained) and retained > 0:
            found["value_at_risk_share"] = Metric("value_at_risk_share", float(risk["total"]) / float(retained),
                                                  "share", source=SOURCES["value_at_risk_share"])
    return {key: found[key] for key in ORDER if key in found}


def change(then: float | None, now: float | None, kind: str) -> tuple[float | None, str]:
    """The change from ``then`` to ``now`` in the number's own terms: percentage points for
    shares and percentages (``"points"``), else relative to ``then`` (``"relative"``, 0.05 = +5 %;
    None when ``then`` is 0).

    Parameters
    ----------
    then : float or None
        The earlier value.
    now : float or None
        The later value.
    kind : str
        The number's kind (:attr:`Metric.kind`): share, percent, points, money, count or number.

    Returns
    -------
    tuple of (float or None, str)
        The change (None when either value is missing) and ``"points"`` or ``"relative"``.
    """
    points = kind in ("share", "percent", "points")
    if not (_finite(then) and _finite(now)):
        return None, "points" if points else "relative"
    if points:
        return (now - then) * (100.0 if kind == "share" else 1.0), "points"
    return ((now - then) / abs(then) if then else None), "relative"


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
