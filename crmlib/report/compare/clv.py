"""CLV then vs now: totals, totals per value tier, and the fitted model parameters.

Totals are ``clv_model.json``'s ``summary.total_clv`` (03_clv); per-tier totals add up each
run's ``clv.csv`` by the value tier the same run's ``segments.csv`` gives the customer
(customers without a tier count as ``unassigned``). The fitted parameters are those of
``final_fit`` (purchase and spend model). A parameter is flagged when its new estimate lies
outside the earlier run's 95 % confidence interval for it, where that run's ``clv_model.json``
has one (``ci95``, or else ``standard_errors`` giving estimate ± 1.96·SE); runs made before the
fits recorded intervals, or fits without a covariance, flag nothing.

Example
-------
>>> fit = {"params": {"r": 0.9, "alpha": 4.6}, "standard_errors": {"r": 0.05}}
>>> [round(bound, 3) for bound in parameter_interval(fit, "r")], parameter_interval(fit, "alpha")
([0.802, 0.998], None)
"""

from __future__ import annotations

import math

import pandas as pd

from crmlib.report.compare.runs import RunFolder

Z_95 = 1.959963984540054
MODELS = ("purchase_model", "spend_model")
INTERVAL_KEYS = ("ci95",)  # {parameter: [lower, upper]}, as crmlib.clv's fits record them
SE_KEYS = ("standard_errors",)  # {parameter: se}, used when a fit has no interval
UNASSIGNED = "unassigned"


def clv_by_tier(run: RunFolder) -> dict[str, dict] | None:
    """Value tier -> ``customers`` and ``clv`` (sum), from the run's clv.csv and segments.csv.

    Parameters
    ----------
    run : RunFolder
        The run whose ``exports/clv.csv`` and ``exports/segments.csv`` are read.

    Returns
    -------
    dict of str to dict or None
        Tier (``"unassigned"`` without one) -> ``{"customers": int, "clv": float}``; None when
        either export is missing.
    """
    clv = run.csv("clv.csv", ["customer_id", "clv"])
    tiers = run.csv("segments.csv", ["customer_id", "value_tier"])
    if clv is None or tiers is None:
        return None
    position = pd.Index(tiers["customer_id"]).get_indexer(clv["customer_id"])
    tier = tiers["value_tier"].to_numpy(dtype=object)[position]
    tier[(position < 0) | pd.isna(tier)] = UNASSIGNED
    grouped = clv["clv"].groupby(pd.Categorical(tier), observed=True).agg(["size", "sum"])
    return {str(k): {"customers": int(row["size"]), "clv": float(row["sum"])} for k, row in grouped.iterrows()}


def fitted_models(run: RunFolder) -> dict[str, dict]:
    """``purchase_model``/``spend_model`` -> the fit's dict in ``clv_model.json`` (those present).

    Parameters
    ----------
    run : RunFolder
        The run whose ``exports/clv_model.json`` is read.

    Returns
    -------
    dict of str to dict
        The ``final_fit`` entries of the models present; empty without the export.
    """
    final = (run.json("clv_model.json") or {}).get("final_fit") or {}
    return {name: final[name] for name in MODELS if isinstance(final.get(name), dict)}


def parameter_interval(fit: dict, name: str, z: float = Z_95) -> tuple[float, float] | None:
    """The (lower, upper) confidence interval of parameter ``name`` recorded with ``fit``, or None.

    Reads ``{name: [lower, upper]}`` or ``{name: {"lower": …, "upper": …}}`` or
    ``{"lower": {name: …}, "upper": {name: …}}`` under one of :data:`INTERVAL_KEYS`, else a
    standard error ``{name: se}`` under one of :data:`SE_KEYS` (estimate ± ``z``·se).

    Parameters
    ----------
    fit : dict
        One fit of ``clv_model.json`` (``params`` and an interval or standard errors).
    name : str
        The parameter, e.g. ``"r"``.
    z : float, optional
        Normal quantile for an interval from a standard error; default :data:`Z_95` (95 %).

    Returns
    -------
    tuple of (float, float) or None
        (lower, upper), or None when the fit recorded neither an interval nor a standard error.
    """
    for key in INTERVAL_KEYS:
        found = _bounds(fit.get(key), name)
        if found is not None:
            return found
    estimate = (fit.get("params") or {}).get(name)
    for key in SE_KEYS:
        se = (fit.get(key) or {}).get(name) if isinstance(fit.get(key), dict) else None
        if _number(se) and _number(estimate) and se >= 0:
            return (float(estimate - z * se), float(estimate + z * se))
    return None


def parameter_changes(then: RunFolder, now: RunFolder) -> list[dict]:
    """One row per fitted parameter of the models both runs chose: ``model`` (purchase_model |
    spend_model), ``model_name``, ``parameter``, ``then``, ``now``, ``interval_then`` ([lower,
    upper] or None) and ``outside_interval`` (True/False, or None without an interval). A model
    that changed (BG/NBD then, Pareto/NBD now) gives one row with ``parameter`` None.

    Parameters
    ----------
    then : RunFolder
        The earlier run.
    now : RunFolder
        The later run.

    Returns
    -------
    list of dict
        The rows above, purchase model first; empty when no model was fitted in both runs.
    """
    rows = []
    before, after = fitted_models(then), fitted_models(now)
    for model in MODELS:
        if model not in before or model not in after:
            continue
        a, b = before[model], after[model]
        if a.get("model") != b.get("model"):
            rows.append({"model": model, "model_name": f"{a.get('label') or a.get('model')} → "
                         f"{b.get('label') or b.get('model')}", "parameter": None, "then": None, "now": None,
                         "interval_then": None, "outside_interval": None})
            continue
        params_then, params_now = a.get("params") or {}, b.get("params") or {}
        for name in [p for p in params_then if p in params_now]:
            interval = parameter_interval(a, name)
            value = params_now[name]
            outside = None if interval is None or not _number(value) else not interval[0] <= value <= interval[1]
            rows.append({"model": model, "model_name": b.get("label") or b.get("model"), "parameter": name,
                         "then": params_then[name], "now": value,
                         "interval_then": list(interval) if interval else None, "outside_interval": outside})
    return rows


def tier_totals(then: dict, now: dict, order: list[str]) -> list[dict]:
    """Rows ``key``, ``then``, ``now`` (CLV sums) and ``customers_then``/``customers_now`` per tier.

    Parameters
    ----------
    then : dict
        The earlier run's :func:`clv_by_tier`.
    now : dict
        The later run's :func:`clv_by_tier`.
    order : list of str
        Tier keys in the order wanted; other tiers follow, sorted.

    Returns
    -------
    list of dict
        One row per tier in either run (0 where a run has none).
    """
    keys = [k for k in order if k in then or k in now]
    keys += sorted((set(then) | set(now)) - set(keys))
    empty = {"customers": 0, "clv": 0.0}
    return [{"key": k, "then": then.get(k, empty)["clv"], "now": now.get(k, empty)["clv"],
             "customers_then": then.get(k, empty)["customers"], "customers_now": now.get(k, empty)["customers"]}
            for k in keys]


def _bounds(table, name: str) -> tuple[float, float] | None:
    if not isinstance(table, dict):
        return None
    value = table.get(name)
    if isinstance(value, list | tuple) and len(value) == 2 and all(map(_number, value)):
        return (float(value[0]), float(value[1]))
    if isinstance(value, dict):
        low, high = value.get("lower", value.get("low")), value.get("upper", value.get("high"))
        if _number(low) and _number(high):
            return (float(low), float(high))
    low, high = (table.get("lower") or {}), (table.get("upper") or {})
    if isinstance(low, dict) and isinstance(high, dict) and _number(low.get(name)) and _number(high.get(name)):
        return (float(low[name]), float(high[name]))
    return None


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
