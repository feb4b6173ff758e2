"""Small hand-made run folders for the comparison's unit tests (every number known in advance)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from crmlib.exports import write_csv, write_json

NOTEBOOKS = ("01_overview", "02_segmentation", "03_clv", "04_churn", "05_feedback")


def kpis(period: str, revenue: float, churn_rate: float, csat: float, currency: str = "CNY",
         window: int = 90, active: float = 100.0) -> dict:
    row = lambda kpi, value, unit: {"kpi": kpi, "period": period, "value": value, "unit": unit,  # noqa: E731
                                    "available": True, "reason": ""}
    return {"currency": currency, "churn_window_days": window, "headline": [
        row("revenue", revenue, "currency"), row("active_customers", active, "customers"),
        row("churn_rate", churn_rate, "share (0–1) per month"), row("csat", csat, "% (0–100)"),
        {"kpi": "cac", "period": None, "value": None, "unit": "currency per customer", "available": False,
         "reason": "no marketing_spend table"}]}


def clv_model(total: float, params: dict, currency: str = "CNY", standard_errors: dict | None = None,
              model: str = "bgnbd") -> dict:
    purchase = {"model": model, "label": {"bgnbd": "BG/NBD", "pareto": "Pareto/NBD"}[model], "params": params}
    if standard_errors is not None:
        purchase["standard_errors"] = standard_errors
    return {"settings": {"currency": currency, "time_unit": "W", "horizon_months": 12,
                         "annual_discount_rate": 0.1, "margin": 1.0},
            "final_fit": {"purchase_model": purchase,
                          "spend_model": {"model": "gamma_gamma", "label": "Gamma-Gamma",
                                          "params": {"p": 5.0, "q": 4.0, "v": 100.0}}},
            "summary": {"customers": 4, "total_clv": total}}


def churn_model(total: float, retained: float, window: int = 90, currency: str = "CNY") -> dict:
    return {"definition": {"window_days": window, "label_source": "purchases"},
            "value_at_risk": {"total": total, "value_if_retained_total": retained, "currency": currency,
                              "clv_horizon_months": 12}}


def feedback_summary(csat: float, nps: float, shares: dict[str, float]) -> dict:
    return {"csat": {"value": csat}, "nps": {"value": nps},
            "categories": {"negative_texts": [{"category": k, "texts": 1, "share": v} for k, v in shares.items()]}}


def make_run(reports: Path, run_id: str, *, analysis_date: str, name: str = "monthly", status: str = "ok",
             exports: dict | None = None, overrides: dict | None = None, files: dict | None = None,
             notebook_status: dict | None = None, customers: int = 4, profile: dict | None = None,
             segment_params: dict | None = None) -> Path:
    """A run folder ``reports/run_id`` with a manifest and the given exports (dict -> JSON, frame -> CSV)."""
    folder = reports / run_id
    (folder / "exports").mkdir(parents=True)
    params = {"02_segmentation": {"scheme": "rfm11", "frequency_basis": "purchase_days",
                                  "tier_high_share": 0.8, "tier_medium_share": 0.95, **(segment_params or {})}}
    statuses = notebook_status or dict.fromkeys(NOTEBOOKS, "ok")
    manifest = {
        "run_id": run_id, "name": name, "status": status, "started": f"{run_id[:8]}T{run_id[9:15]}",
        "parameters": {"runner": {}, "overrides": overrides or {}},
        "dataset": {"name": "shop", "analysis_date": analysis_date, "customers": customers,
                    "transactions": 10 * customers, "fingerprint": run_id,
                    "files": files or {"orders.csv": "aaa", "dataset.yaml": "yyy"},
                    **({"profile": profile} if profile else {})},
        "notebooks": [{"notebook": nb, "status": s, "ipynb": f"{nb}.ipynb", "parameters": params.get(nb, {})}
                      for nb, s in statuses.items()],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for file_name, content in (exports or {}).items():
        if isinstance(content, pd.DataFrame):
            write_csv(content, folder / "exports" / file_name)
        else:
            write_json(content, folder / "exports" / file_name)
    return folder


def segments(rows: list[tuple[str, str, str, int]], scheme: str = "rfm11") -> pd.DataFrame:
    """segments.csv from (customer_id, segment, value_tier, recency in days)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "segment", "value_tier", "recency"])
    frame["segment_label"] = frame["segment"].str.replace("_", " ").str.title()
    frame["scheme"] = scheme
    return frame


def risk(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """churn_risk.csv from (customer_id, churn_probability, value_if_retained); priority by value at risk."""
    frame = pd.DataFrame(rows, columns=["customer_id", "churn_probability", "value_if_retained"])
    frame["value_at_risk"] = frame["churn_probability"] * frame["value_if_retained"]
    frame = frame.sort_values("value_at_risk", ascending=False, kind="stable").reset_index(drop=True)
    frame["priority"] = range(1, len(frame) + 1)
    frame["clv"] = frame["value_if_retained"] * (1 - frame["churn_probability"])
    frame["top_driver"] = "overdue_ratio"
    frame["top_driver_text"] = "days since last purchase / usual gap is high"
    frame["likely_reason"] = "price"
    frame["segment"] = "At Risk"
    return frame


def clv_csv(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(values), "clv": list(values.values())})
