"""The churn notebook: committed clean, documented parameters, runs on the sample, CDNOW and a labelled dataset."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from datasets import write_dataset
from notebook_runs import run_notebook

from crmlib import PROJECT_ROOT
from crmlib.churn import RISK_COLUMNS


def _run(tmp_path, cwd, **parameters):
    run = run_notebook("04_churn", tmp_path, cwd, **parameters)
    exports, text, images = run.exports, run.markdown, run.images
    assert not run.errors
    risk_path = exports / "churn_risk.csv"
    assert risk_path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    risk = pd.read_csv(risk_path, encoding="utf-8-sig", dtype={"customer_id": str})
    model = json.loads((exports / "churn_model.json").read_text(encoding="utf-8"))
    return risk, model, text, images


def _check_risk(risk, customers):
    assert list(risk.columns[:len(RISK_COLUMNS) + 1]) == [*RISK_COLUMNS, "priority"]
    assert len(risk) == customers and risk["customer_id"].is_unique
    assert risk["churn_probability"].between(0, 1).all() and risk["p_alive"].between(0, 1).all()
    assert risk["value_at_risk"].is_monotonic_decreasing
    # value at risk = churn probability × the value if retained, CLV / P(alive)
    retained = risk["clv"].fillna(0) / risk["p_alive"].clip(lower=1e-3)
    assert (risk["value_at_risk"] - risk["churn_probability"] * retained).abs().max() < 1e-6
    assert (risk["value_if_retained"] - retained).abs().max() < 1e-6


@pytest.mark.slow
def test_runs_on_the_sample_from_the_notebooks_folder(tmp_path):
    risk, model, text, images = _run(tmp_path, PROJECT_ROOT / "notebooks")
    _check_risk(risk, customers=5120)
    assert risk["segment"].notna().all() and risk["likely_reason"].notna().all()
    metrics = model["metrics_on_test_cutoff"]
    assert metrics["gradient_boosting"]["roc_auc"] > metrics["p_alive"]["roc_auc"]
    assert model["definition"]["window_days"] == 90 and model["test_cutoff"] == "2024-10-02"
    assert "exit survey" in text and "No feedback table" not in text and "acquisition_channel" not in text
    assert "with the engagement features (recent visits, service contacts, days since the last contact)" in text
    assert images >= 12  # gaps, 2 rates, cohorts, survival, lift, calibration, drivers, 3 reasons, value at risk


@pytest.mark.slow
def test_runs_on_cdnow_in_chinese_from_the_project_root(tmp_path):
    risk, model, text, images = _run(tmp_path, PROJECT_ROOT, data_dir="data/cdnow", lang="zh")
    _check_risk(risk, customers=2357)
    assert "数据集中没有反馈表" in text and "首购同期群" in text
    assert "每组的中位生命周期都是 0 天" in text and "到 0 天" not in text  # every cohort's median is 0 on CDNOW
    assert model["label_source"] == "purchases" and images >= 9


@pytest.mark.slow
def test_labelled_mode_runs_on_a_subscription_export(tmp_path):
    from test_churn_model import _subscriptions  # tests/ is on sys.path (conftest.py)

    tx, customers = _subscriptions()
    customers = customers.assign(churn_date=customers["churn_date"].dt.strftime("%Y-%m-%d").fillna(""),
                                 churned=customers["churned"].map({True: "yes", False: "no"}))
    config = {"name": "Subscriptions", "currency": "EUR", "tables": {
        "transactions": {"file": "payments.csv",
                         "columns": {"customer_id": "customer_id", "order_date": "order_date", "amount": "amount"}},
        "customers": {"file": "customers.csv", "columns": {c: c for c in customers.columns}}}}
    folder = write_dataset(tmp_path / "subs", {"payments.csv": tx, "customers.csv": customers}, config)
    risk, model, text, _ = _run(tmp_path, PROJECT_ROOT, data_dir=str(folder))
    assert model["label_source"] == "contract" and "customers table's churn label" in text
    still_customers = int((customers["churned"] == "no").sum())
    _check_risk(risk, customers=still_customers)  # churned subscribers are not on the list
    assert "acquisition channel is b" in text
