"""Feedback then vs now: CSAT, NPS and the complaint categories' shares (``feedback_summary.json``).

CSAT and NPS are the summary's values over all feedback up to each run's analysis date (exit
surveys excluded, as 05_feedback computes them); the category shares are those among negative
texts (``categories.negative_texts``). All three change in percentage points.

Example
-------
>>> then = {"csat": {"value": 68.0}, "categories": {"negative_texts": [{"category": "price", "share": 0.10}]}}
>>> now = {"csat": {"value": 65.5}, "categories": {"negative_texts": [{"category": "price", "share": 0.12}]}}
>>> [(r["key"], round(r["change_points"], 6)) for r in feedback_changes(then, now)]
[('csat', -2.5), ('category:price', 2.0)]
"""

from __future__ import annotations

import math


def category_label(category: str, lang: str = "en") -> str:
    """The complaint category's name in ``lang`` from the bundled taxonomy (the key when unknown).

    Parameters
    ----------
    category : str
        The category key, e.g. ``"price"``.
    lang : str, optional
        Language of the name; default ``"en"``.

    Returns
    -------
    str
        The category's name, or ``category`` itself.
    """
    from crmlib.feedback.categories import category_labels

    try:
        return category_labels(lang).get(category, category)
    except (OSError, ValueError):
        return category


def category_shares(summary: dict) -> dict[str, float]:
    """Complaint category -> share (0-1) of negative texts.

    Parameters
    ----------
    summary : dict
        A run's ``feedback_summary.json``.

    Returns
    -------
    dict of str to float
        One entry per category with a finite share; empty without categories.
    """
    rows = ((summary.get("categories") or {}).get("negative_texts")) or []
    return {str(r["category"]): float(r["share"]) for r in rows if _number(r.get("share"))}


def feedback_changes(then: dict, now: dict) -> list[dict]:
    """Rows ``key`` (csat, nps, ``category:<name>``), ``kind`` (percent | points | share), ``then``,
    ``now`` and ``change_points``; a value one run lacks is None (and so is its change).

    Parameters
    ----------
    then : dict
        The earlier run's ``feedback_summary.json``.
    now : dict
        The later run's ``feedback_summary.json``.

    Returns
    -------
    list of dict
        CSAT and NPS (when either run has them), then the categories, the later run's first.
    """
    rows = []
    for key, kind in (("csat", "percent"), ("nps", "points")):
        a, b = (then.get(key) or {}).get("value"), (now.get(key) or {}).get("value")
        if _number(a) or _number(b):
            rows.append(_row(key, kind, a, b, 1.0))
    shares_then, shares_now = category_shares(then), category_shares(now)
    names = list(shares_now) + [c for c in shares_then if c not in shares_now]
    rows.extend(_row(f"category:{name}", "share", shares_then.get(name), shares_now.get(name), 100.0)
                for name in names)
    return rows


def _row(key: str, kind: str, then, now, scale: float) -> dict:
    change = (now - then) * scale if _number(then) and _number(now) else None
    return {"key": key, "kind": kind, "then": then if _number(then) else None,
            "now": now if _number(now) else None, "change_points": change}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
