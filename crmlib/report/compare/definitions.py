"""Whether two runs measure the same things: the definitions behind each area of the comparison.

Two runs are compared area by area. An area is left out when a definition behind it differs
between the runs — a different currency, column mapping or cleaning policy, or a parameter that
changes what a number means (the churn window, the segment scheme, the CLV horizon …). The
definitions are read from what each run recorded (its exports first, then the effective
parameters of its executed notebooks and the dataset profile in its manifest); a definition one
run did not record is not held against the comparison.

Example
-------
>>> then = {("churn", "churn window (days)"): 90, ("currency", "currency"): "CNY"}
>>> now = {("churn", "churn window (days)"): 120, ("currency", "currency"): "CNY"}
>>> [(d.area, d.then, d.now) for d in differences(then, now)]
[('churn', 90, 120)]
>>> blocked_by(["transactions", "churn"], differences(then, now))
['churn']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crmlib.report.compare.runs import RunFolder

AREAS = ("currency", "transactions", "customers", "marketing", "churn", "segments", "tiers", "clv",
         "value", "feedback")
"""Areas of definitions; each number of the comparison depends on some of them."""
COMPLAINT_RATING_NOTEBOOKS = ("05_feedback", "04_churn", "01_overview", "06_journey")
"""The notebooks that take ``complaint_rating`` (a run gives them one value); the first that ran records it."""


@dataclass(frozen=True)
class Difference:
    """One definition that differs between the two runs."""

    area: str
    what: str  # English message id naming the definition, e.g. "churn window (days)"
    then: object
    now: object

    def to_dict(self) -> dict:
        """The difference as a JSON-ready dict.

        Returns
        -------
        dict
            ``area``, ``what``, ``then`` and ``now``.
        """
        return {"area": self.area, "what": self.what, "then": self.then, "now": self.now}


def run_definitions(run: RunFolder) -> dict[tuple[str, str], object]:
    """(area, definition) -> value, for every definition ``run`` recorded (None when it did not).

    Parameters
    ----------
    run : RunFolder
        The run whose exports, notebook parameters and manifest are read.

    Returns
    -------
    dict of (str, str) to object
        One entry per known definition, keyed by (area, English name).
    """
    kpis = run.json("kpis.json") or {}
    clv = run.json("clv_model.json") or {}
    churn = run.json("churn_model.json") or {}
    clv_settings = clv.get("settings") or {}
    profile = run.dataset.get("profile") or {}
    mapping = profile.get("columns_mapped") or {}
    scheme = run.parameter("02_segmentation", "scheme")
    found = {
        ("currency", "currency"): _first(kpis.get("currency"), clv_settings.get("currency"),
                                         (churn.get("value_at_risk") or {}).get("currency"),
                                         profile.get("currency")),
        ("transactions", "column mapping of transactions"): _mapping(mapping.get("transactions")),
        ("transactions", "returns policy"): profile.get("returns"),
        ("transactions", "zero-amount policy"): profile.get("zero_amounts"),
        ("customers", "column mapping of customers"): _mapping(mapping.get("customers")),
        ("marketing", "column mapping of marketing_spend"): _mapping(mapping.get("marketing_spend")),
        ("feedback", "column mapping of feedback"): _mapping(mapping.get("feedback")),
        ("feedback", "complaint rating (at or below)"): _first(*(run.parameter(notebook, "complaint_rating")
                                                               for notebook in COMPLAINT_RATING_NOTEBOOKS)),
        ("feedback", "complaint taxonomy file"): run.parameter("05_feedback", "taxonomy_file"),
        ("churn", "churn window (days)"): _first((churn.get("definition") or {}).get("window_days"),
                                                 kpis.get("churn_window_days")),
        ("churn", "churn window of the KPIs (days)"): kpis.get("churn_window_days"),
        ("churn", "churn label source"): (churn.get("definition") or {}).get("label_source"),
        ("churn", "CLV horizon of value at risk (months)"): (churn.get("value_at_risk") or {}).get(
            "clv_horizon_months"),
        ("segments", "segment scheme"): scheme,
        ("segments", "frequency basis of F"): run.parameter("02_segmentation", "frequency_basis"),
        ("segments", "cn8 reference"): (run.parameter("02_segmentation", "cn8_reference")
                                        if scheme == "cn8" else None),
        ("tiers", "high tier: share of revenue"): run.parameter("02_segmentation", "tier_high_share"),
        ("tiers", "medium tier: share of revenue"): run.parameter("02_segmentation", "tier_medium_share"),
        ("clv", "CLV time unit"): clv_settings.get("time_unit"),
        ("clv", "CLV horizon (months)"): clv_settings.get("horizon_months"),
        ("clv", "annual discount rate"): clv_settings.get("annual_discount_rate"),
        ("clv", "margin"): clv_settings.get("margin"),
        ("value", "value at risk measured on"): value_basis(kpis, churn),
    }
    return found


def value_basis(kpis: dict, churn: dict) -> str | None:
    """``profit`` when the run's value at risk and retention list were on profit (product costs
    known), else ``revenue``; None when the run wrote neither kpis.json nor churn_model.json.

    Both notebooks record ``value_basis`` only when it is profit, so a run of either without it
    (and every run before profitability existed) was on revenue.

    Parameters
    ----------
    kpis : dict
        The run's ``kpis.json`` (empty when missing).
    churn : dict
        The run's ``churn_model.json`` (empty when missing).

    Returns
    -------
    str or None
        ``"profit"``, ``"revenue"`` or None.

    >>> value_basis({}, {"value_at_risk": {"value_basis": "profit"}}), value_basis({"headline": []}, {})
    ('profit', 'revenue')
    """
    recorded = _first(kpis.get("value_basis"), (churn.get("value_at_risk") or {}).get("value_basis"))
    return recorded or ("revenue" if kpis or churn else None)


def differences(then: dict, now: dict) -> list[Difference]:
    """Definitions both runs recorded with different values, in a stable order.

    Parameters
    ----------
    then : dict
        The earlier run's :func:`run_definitions`.
    now : dict
        The later run's :func:`run_definitions`.

    Returns
    -------
    list of Difference
        Sorted by area (the order of :data:`AREAS`), then definition.
    """
    out = []
    for key in then.keys() & now.keys():
        a, b = then[key], now[key]
        if a is not None and b is not None and a != b:
            out.append(Difference(key[0], key[1], a, b))
    return sorted(out, key=lambda d: (AREAS.index(d.area) if d.area in AREAS else len(AREAS), d.what))


def blocked_by(areas: Iterable[str], found: list[Difference]) -> list[str]:
    """The areas among ``areas`` that a difference makes incomparable.

    Parameters
    ----------
    areas : iterable of str
        The areas a number depends on.
    found : list of Difference
        The differences between the runs (:func:`differences`).

    Returns
    -------
    list of str
        The blocked areas, in the order of ``areas``.
    """
    different = {d.area for d in found}
    return [a for a in areas if a in different]


def _first(*values):
    return next((v for v in values if v not in (None, "")), None)


def _mapping(columns: dict | None) -> str | None:
    """A column mapping as one comparable text, ``field=source`` sorted by field."""
    if not columns:
        return None
    return ", ".join(f"{field}={source}" for field, source in sorted(columns.items()))
