"""Compare two run folders: everything ``changes.json`` and ``compare.html`` show.

:func:`compare_runs` reads both runs' manifests and exports and returns a :class:`Comparison`:
a JSON-ready ``changes`` dict (one section per part of the comparison) and the retention-list
frames behind ``new_at_risk.csv`` and ``left_at_risk.csv``. Each section says whether it was
``compared``, is ``not_comparable`` (a definition behind it differs, see
:mod:`crmlib.report.compare.definitions`) or ``missing`` (an export is absent in one run, with
the notebook that writes it). Without an earlier run the comparison says there is nothing to
compare and why.

Example
-------
>>> import json, tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp()) / "20241231-060000-monthly"
>>> folder.mkdir()
>>> _ = (folder / "manifest.json").write_text(json.dumps({"run_id": folder.name, "name": "monthly"}))
>>> c = compare_runs(None, RunFolder(folder))
>>> c.changes["status"], c.changes["reason"]
('nothing_to_compare', 'first_run')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from crmlib.report.compare import clv as clv_part
from crmlib.report.compare import customers as customer_part
from crmlib.report.compare import retention as retention_part
from crmlib.report.compare.definitions import blocked_by, differences, run_definitions
from crmlib.report.compare.drift import data_drift
from crmlib.report.compare.feedback import feedback_changes
from crmlib.report.compare.headline import change, headline_metrics
from crmlib.report.compare.runs import RunFolder

SCHEMA_VERSION = 1
WRITTEN_BY = {"kpis.json": "01_overview", "segments.csv": "02_segmentation", "clv.csv": "03_clv",
              "clv_model.json": "03_clv", "churn_risk.csv": "04_churn", "churn_model.json": "04_churn",
              "feedback_summary.json": "05_feedback"}
"""Which notebook writes each export the comparison reads."""

NEEDS = {"segments": ("transactions", "segments"), "tiers": ("transactions", "tiers"),
         "retention": ("transactions", "churn", "clv", "value", "currency"),
         "clv_totals": ("transactions", "clv", "currency"),
         "clv_by_tier": ("transactions", "clv", "currency", "tiers"),
         "clv_parameters": ("transactions", "clv", "currency"), "feedback": ("feedback",)}
"""Definition areas each section depends on."""

UNITS = {
    "change (relative)": "share of the earlier value (0.05 = +5 %)",
    "change (points)": "percentage points",
    "share": "0-1", "percent": "0-100", "money": "the dataset's currency",
    "migration.matrix": "customers; rows = group in the earlier run, columns = group in this run",
}


@dataclass
class Comparison:
    """What :func:`compare_runs` found: the ``changes`` dict and the retention-list frames."""

    changes: dict
    new_at_risk: pd.DataFrame | None = None
    left_at_risk: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)

    @property
    def compared(self) -> bool:
        return self.changes.get("status") == "compared"


def run_summary(run: RunFolder) -> dict:
    """The run's identity as the comparison records it.

    Parameters
    ----------
    run : RunFolder
        The run.

    Returns
    -------
    dict
        ``run_id``, ``name``, ``started``, ``analysis_date``, ``status``, ``currency``, ``lang``.
    """
    return {"run_id": run.run_id, "name": run.name, "started": run.started,
            "analysis_date": run.analysis_date, "status": run.status, "currency": run.currency,
            "lang": run.lang}


def nothing_to_compare(now: RunFolder, reason: str) -> Comparison:
    """The comparison of a run that has no earlier run to compare with.

    Parameters
    ----------
    now : RunFolder
        The run.
    reason : str
        Why: ``"first_run"``, ``"skipped"`` (``--no-compare``) or ``"not_found"``.

    Returns
    -------
    Comparison
        ``changes`` with status ``"nothing_to_compare"`` and no sections; no frames.
    """
    return Comparison({"schema_version": SCHEMA_VERSION, "run": run_summary(now), "compared_with": None,
                       "status": "nothing_to_compare", "reason": reason, "alerts": [],
                       "not_comparable": [], "sections": {}, "units": UNITS})


def compare_runs(then: RunFolder | None, now: RunFolder, *, top_n: int = retention_part.DEFAULT_TOP_N,
                 reason: str = "first_run") -> Comparison:
    """Compare run ``now`` with the earlier run ``then``.

    Parameters
    ----------
    then : RunFolder or None
        The earlier run; None gives :func:`nothing_to_compare`.
    now : RunFolder
        The later run.
    top_n : int, optional
        Length of the retention list; default ``DEFAULT_TOP_N`` of :mod:`.retention`.
    reason : str, optional
        Why there is nothing to compare when ``then`` is None; default ``"first_run"``.

    Returns
    -------
    Comparison
        The ``changes`` dict (sections ``kpis``, ``segments``, ``tiers``, ``retention``, ``clv``,
        ``feedback``, ``drift``) and the entered/left retention frames.
    """
    if then is None:
        return nothing_to_compare(now, reason)
    found = differences(run_definitions(then), run_definitions(now))
    sections = {"kpis": _kpis(then, now, found)}
    segments, tiers = _customers(then, now, found)
    sections["segments"], sections["tiers"] = segments, tiers
    sections["retention"], entered, left = _retention(then, now, found, top_n)
    sections["clv"] = _clv(then, now, found)
    sections["feedback"] = _feedback(then, now, found)
    sections["drift"] = {"status": "compared", **data_drift(then, now)}
    changes = {"schema_version": SCHEMA_VERSION, "run": run_summary(now), "compared_with": run_summary(then),
               "status": "compared", "reason": "", "alerts": [],
               "not_comparable": [d.to_dict() for d in found], "sections": sections, "units": UNITS}
    return Comparison(changes, entered, left)


def _missing(then: RunFolder, now: RunFolder, *exports: str) -> dict | None:
    """A ``missing`` section naming the exports absent from either run, or None when all are there."""
    absent = [{"export": name, "run": run.run_id, "notebook": WRITTEN_BY.get(name, "")}
              for name in exports for run in (then, now) if not (run.exports / name).is_file()]
    return {"status": "missing", "missing": absent} if absent else None


def _blocked(section: str, found) -> dict | None:
    areas = blocked_by(NEEDS[section], found)
    return {"status": "not_comparable", "blocked_by": areas} if areas else None


def _kpis(then: RunFolder, now: RunFolder, found) -> dict:
    before, after = headline_metrics(then), headline_metrics(now)
    rows, not_compared, missing = [], [], []
    for key in list(after) + [k for k in before if k not in after]:
        if key not in before or key not in after:
            missing.append({"key": key, "run": (then if key not in before else now).run_id})
            continue
        a, b = before[key], after[key]
        areas = blocked_by(b.areas, found)
        if areas:
            not_compared.append({"key": key, "blocked_by": areas})
            continue
        value, kind = change(a.value, b.value, b.kind)
        rows.append({"key": key, "kind": b.kind, "source": b.source, "period_then": a.period,
                     "period_now": b.period, "then": a.value, "now": b.value, "change": value,
                     "change_kind": kind})
    status = "compared" if rows else ("not_comparable" if not_compared else "missing")
    return {"status": status, "rows": rows, "not_compared": not_compared, "missing": missing}


def _customers(then: RunFolder, now: RunFolder, found) -> tuple[dict, dict]:
    gap = _missing(then, now, "segments.csv")
    if gap:
        return gap, gap
    a, b = customer_part.assignments(then), customer_part.assignments(now)
    if a is None or b is None:
        gap = {"status": "missing", "missing": [{"export": "segments.csv", "run": r.run_id,
                                                 "notebook": WRITTEN_BY["segments.csv"]}
                                                for r, t in ((then, a), (now, b)) if t is None]}
        return gap, gap
    segments = _blocked("segments", found)
    if segments is None:
        order = customer_part.segment_order(a, b)
        segments = {"status": "compared", "scheme": str(b["scheme"].iloc[0]) if len(b) else "",
                    "labels": customer_part.labels(a, b),
                    "counts": customer_part.counts(a, b, "segment", order),
                    "migration": customer_part.migration(a, b, "segment", order)}
    tiers = _blocked("tiers", found)
    if tiers is None:
        order = customer_part.tier_order(a, b)
        tiers = {"status": "compared", "counts": customer_part.counts(a, b, "value_tier", order),
                 "migration": customer_part.migration(a.dropna(subset=["value_tier"]),
                                                      b.dropna(subset=["value_tier"]), "value_tier", order)}
    return segments, tiers


def _retention(then: RunFolder, now: RunFolder, found, top_n: int):
    section = _missing(then, now, "churn_risk.csv") or _blocked("retention", found)
    if section:
        return section, None, None
    a, b = retention_part.risk_table(then), retention_part.risk_table(now)
    if a is None or b is None:
        return {"status": "missing", "missing": [{"export": "churn_risk.csv", "run": r.run_id,
                                                  "notebook": WRITTEN_BY["churn_risk.csv"]}
                                                 for r, t in ((then, a), (now, b)) if t is None]}, None, None
    window = ((now.json("churn_model.json") or {}).get("definition") or {}).get("window_days")
    listed_then = a.loc[a["priority"] <= top_n, "customer_id"]  # everyone who can leave the list
    entered, left = retention_part.list_changes(
        a, b, top_n, last_bought=retention_part.last_purchase(now, listed_then), then_date=then.analysis_date,
        now_date=now.analysis_date, churn_window_days=window)
    summary = retention_part.retention_summary(entered, left, top_n, a, b)
    return {"status": "compared", **summary, "churn_window_days": window,
            "exports": ["new_at_risk.csv", "left_at_risk.csv"]}, entered, left


def _clv(then: RunFolder, now: RunFolder, found) -> dict:
    section = _missing(then, now, "clv_model.json") or _blocked("clv_totals", found)
    if section:
        return section
    totals = []
    for key, source in (("total_clv", "summary"), ("customers", "summary")):
        a = ((then.json("clv_model.json") or {}).get(source) or {}).get(key)
        b = ((now.json("clv_model.json") or {}).get(source) or {}).get(key)
        if a is not None and b is not None:
            value, kind = change(a, b, "money" if key == "total_clv" else "count")
            totals.append({"key": key, "then": a, "now": b, "change": value, "change_kind": kind})
    out = {"status": "compared", "totals": totals}
    by_tier_blocked = _blocked("clv_by_tier", found)
    if by_tier_blocked:
        out["by_tier"] = by_tier_blocked
    else:
        a, b = clv_part.clv_by_tier(then), clv_part.clv_by_tier(now)
        if a is None or b is None:
            out["by_tier"] = _missing(then, now, "clv.csv", "segments.csv") or {"status": "missing", "missing": []}
        else:
            rows = clv_part.tier_totals(a, b, list(customer_part.TIERS))
            for row in rows:
                row["change"], row["change_kind"] = change(row["then"], row["now"], "money")
            out["by_tier"] = {"status": "compared", "rows": rows}
    blocked = _blocked("clv_parameters", found)
    out["parameters"] = blocked or {"status": "compared", "rows": clv_part.parameter_changes(then, now)}
    return out


def _feedback(then: RunFolder, now: RunFolder, found) -> dict:
    section = _missing(then, now, "feedback_summary.json") or _blocked("feedback", found)
    if section:
        return section
    return {"status": "compared",
            "rows": feedback_changes(then.json("feedback_summary.json") or {}, now.json("feedback_summary.json") or {})}

