"""The final exports built by the library, as the notebooks build them, on whichever engine is the default.

:func:`write_exports` opens a :class:`crmlib.notebook.Workbook` (which activates the engine that
``CRM_WORKBOOK_ENGINE`` names) and writes ``segments.csv`` (as ``02_segmentation``), ``clv.csv``
(``03_clv``), ``churn_risk.csv`` (``04_churn``) and ``kpis.json`` (``01_overview``) with the same
library calls and default parameters, through ``wb.export_csv``/``wb.export_json``. To stay cheap it
differs from the notebooks in three ways, none engine-dependent: the RFM clusters are fitted for k = 3
only (the notebook tries 3–8), the CLV purchase model is BG/NBD (the notebook picks it by a holdout
comparison of three models) and ``kpis.json`` holds the KPI blocks the scans feed (monthly KPIs and
headline, simple CLTV, CAC and CLTV/CAC, value at risk, profit) but not the definitions, the cross-sell
block or the journey-attributed CAC. No result cache is used: every scan runs on the engine.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib import churn, profit
from crmlib import segment as seg
from crmlib.clv import fit_clv, predict_customers
from crmlib.clv.report import export_frame
from crmlib.clv.simple_cltv import simple_cltv_summary
from crmlib.clv.uncertainty import clv_intervals
from crmlib.notebook import Workbook
from crmlib.overview import kpi
from crmlib.scans.summary import purchase_days
from crmlib.settings import DEFAULTS

EXPORTS = ("segments.csv", "clv.csv", "churn_risk.csv", "kpis.json")


def write_exports(data_dir: str, folder: Path) -> Workbook:
    """Write :data:`EXPORTS` for ``data_dir`` into ``folder``; returns the workbook."""
    wb = Workbook.open(data_dir, export_dir=str(folder))
    ds, summary, weekly = wb.dataset, wb.summary(), wb.summary("W")

    table = seg.segment_table(summary, scheme=DEFAULTS.scheme)
    clusterer = seg.RFMClusterer(k_range=(3, 3)).fit(table)
    known = ds.customers["customer_id"] if ds.has("customers") else None
    stages = seg.lifecycle_stages(ds.transactions, ds.analysis_date, customer_ids=known)
    wb.export_csv(seg.segments_export(table, DEFAULTS.scheme, clusterer.labels_, clusterer.predict_descriptions(),
                                      stages, "en"), "segments.csv")

    fit = fit_clv(weekly, "bgnbd", time_unit="W")
    scores = predict_customers(fit, weekly, horizon_months=DEFAULTS.horizon_months)
    intervals, _ = clv_intervals(fit, weekly, scores, horizon_months=DEFAULTS.horizon_months,
                                 annual_discount_rate=DEFAULTS.annual_discount_rate, margin=DEFAULTS.margin)
    wb.export_csv(export_frame(scores.join(intervals)), "clv.csv")

    days = purchase_days(ds.transactions, ds.analysis_date)
    window = DEFAULTS.churn_window_days
    study = churn.churn_study(ds, window_days=window)
    groups = churn.column_groups(ds.customers, "acquisition_channel")
    groups = groups if groups is not None else churn.first_purchase_cohorts(summary)
    table_profit = profit.customer_profit(ds) if profit.has_costs(ds) or profit.has_referrals(ds) else None
    clv = profit.customer_value(ds, fit, weekly, horizon_months=DEFAULTS.horizon_months,
                                table=table_profit if profit.value_basis(ds) == "profit" else None)
    importance = study.evaluation.importance
    top_features = [f for f in importance["feature"].head(8) if f in study.X_now.columns]
    drivers = churn.top_drivers(study.final_model, study.X_now, top_features)
    drivers["top_driver_text"] = churn.driver_texts(drivers, importance, "en", study.X_now)
    reasons = churn.exit_reasons(ds.feedback, groups) if churn.has_reasons(ds.feedback) else None
    likely = churn.likely_reasons(reasons, groups.reindex(study.X_now.index)) if reasons is not None else None
    wb.export_csv(churn.retention_priority(study.probability, clv["clv"], p_alive=clv["p_alive"],
                                           segment=churn.rfm_segments(summary, "en"), drivers=drivers,
                                           likely_reason=likely), "churn_risk.csv")

    monthly = kpi.monthly_kpis(ds, days, window)
    cac = kpi.cac_table(ds.transactions, ds.customers, ds.marketing_spend) if ds.has("marketing_spend") else None
    at_risk = churn.score_churn(study, clv=clv["clv"], p_alive=clv["p_alive"])["value_at_risk"].sum()
    basis = clv.attrs["value_basis"]
    wb.export_json({"analysis_date": ds.analysis_date, "currency": ds.currency, "churn_window_days": window,
                    "headline": kpi.headline(monthly), "monthly": monthly.reset_index(),
                    "simple_cltv": simple_cltv_summary(summary, churn_window_days=DEFAULTS.simple_cltv_lapse_days,
                                                       margin=1.0 if basis == "profit" else DEFAULTS.margin),
                    "cac_by_channel": cac,
                    "cltv_cac_by_channel": kpi.cltv_cac_by_channel(clv["clv"], ds.customers, cac)
                    if cac is not None and ds.has("customers") else None,
                    "value_at_risk": {"total": at_risk, "unit": ds.currency},
                    **({"profit": profit.profit_headline(table_profit, clv["clv"], cac)} if basis == "profit" else {})},
                   "kpis.json")
    return wb


def _close(x, y) -> bool:
    if isinstance(x, bool) or isinstance(y, bool) or not (isinstance(x, int | float) and isinstance(y, int | float)):
        return x == y
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y)) + 1e-12


def _json_differences(x, y, where: str, out: list[str]) -> None:
    if isinstance(x, dict) and isinstance(y, dict):
        for key in sorted(set(x) | set(y)):
            if key not in x or key not in y:
                out.append(f"{where}.{key}: only in one")
            else:
                _json_differences(x[key], y[key], f"{where}.{key}", out)
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (a, b) in enumerate(zip(x, y, strict=True)):
            _json_differences(a, b, f"{where}[{i}]", out)
    elif not _close(x, y):
        out.append(f"{where}: {x!r} vs {y!r}")


def differences(first: Path, second: Path, names=EXPORTS) -> list[str]:
    """Where the exports ``names`` of two folders differ: text exactly, numbers to 1e-9 (relative)."""
    out: list[str] = []
    for name in names:
        a, b = first / name, second / name
        if name.endswith(".json"):
            _json_differences(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")),
                              name, out)
            continue
        x = pd.read_csv(a, dtype=str, keep_default_na=False)
        y = pd.read_csv(b, dtype=str, keep_default_na=False)
        if list(x.columns) != list(y.columns) or len(x) != len(y):
            out.append(f"{name}: columns or rows differ ({x.shape} vs {y.shape})")
            continue
        for column in x.columns:
            for i in np.flatnonzero((x[column] != y[column]).to_numpy()):
                p, q = pd.to_numeric(x.at[i, column], errors="coerce"), pd.to_numeric(y.at[i, column], errors="coerce")
                if not (np.isfinite(p) and np.isfinite(q) and _close(float(p), float(q))):
                    out.append(f"{name} row {i + 2} {column}: {x.at[i, column]!r} vs {y.at[i, column]!r}")
    return out
