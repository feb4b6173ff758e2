"""A customer snapshot without transactions (issue 18, item 5): it loads, says where its analysis date
comes from, keeps clear errors for bad input, and runs every notebook — 04_churn's snapshot model
evaluated by cross-validation with drivers named by attribute, the others saying what they need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from notebook_runs import SUITE, run_suite
from page_text import visible_text
from test_churn_snapshot import telecom_snapshot

from crmlib import PROJECT_ROOT
from crmlib.churn.snapshot import snapshot_study
from crmlib.data.load import load_dataset
from crmlib.data.store import open_or_build
from crmlib.errors import ConfigError, DataError

EXPORTED = pd.Timestamp("2025-03-31 18:00")  # the customers file's modification time


def write_snapshot(folder: Path, n: int = 2000, seed: int = 3, customers: dict | None = None, **settings) -> Path:
    """A telecom snapshot (month-to-month contracts raise churn, long tenure lowers it) with telecom column names."""
    frame, _ = telecom_snapshot(n, seed)
    frame = frame.rename(columns={"customer_id": "customerID", "churned": "Churn", "tenure": "TenureMonths"})
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "customers.csv", index=False)
    os.utime(folder / "customers.csv", (EXPORTED.timestamp(), EXPORTED.timestamp()))
    spec = {"file": "customers.csv",
            "columns": {"customer_id": "customerID", "churned": "Churn", "tenure": "TenureMonths"}, **(customers or {})}
    config = {"name": "Telecom snapshot", "currency": "USD", "tables": {"customers": spec}, **settings}
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


def test_a_snapshot_loads_without_transactions(tmp_path):
    folder = write_snapshot(tmp_path / "snap", n=300)
    ds = load_dataset(folder)
    frame = pd.read_csv(folder / "customers.csv")
    assert not ds.has("transactions") and ds.transactions is None and ds.returns is None
    assert len(ds.customers) == 300 and int(ds.customers["churned"].sum()) == int((frame["Churn"] == "Yes").sum())
    assert ds.customers["tenure"].tolist() == frame["TenureMonths"].tolist()
    assert "Contract" not in ds.customers and "contract" in ds.customers  # unmapped attributes keep their names
    assert ds.analysis_date == EXPORTED.normalize()  # no date in the table: the file's date, and the page says so
    assert [n.template for n in ds.page_notes] and "customers.csv was last changed" in ds.page_notes[0]
    assert ds.reconciliation["customers"]["rows_read"] == ds.reconciliation["customers"]["rows_kept"] == 300
    assert "customers without purchases (prospects, kept)" not in set(ds.quality_log["check"])
    assert ds.snapshot == {"attributes": None, "tenure_unit": "months"}
    with pytest.raises(DataError, match="no transactions table"):
        from crmlib.scans.summary import customer_summary

        customer_summary(ds.transactions, ds.analysis_date)


def test_the_analysis_date_comes_from_the_setting_else_the_latest_customer_date(tmp_path):
    ds = load_dataset(write_snapshot(tmp_path / "set", n=200, analysis_date="2025-01-15"))
    assert ds.analysis_date == pd.Timestamp("2025-01-15") and "`analysis_date` setting" in ds.page_notes[0]
    assert load_dataset(tmp_path / "set", analysis_date="2025-02-01").analysis_date == pd.Timestamp("2025-02-01")
    folder = write_snapshot(tmp_path / "dates", n=200)
    frame = pd.read_csv(folder / "customers.csv")
    frame["left_on"] = [f"2024-11-0{1 + i % 9}" if flag == "Yes" else "" for i, flag in enumerate(frame["Churn"])]
    frame.to_csv(folder / "customers.csv", index=False)
    config = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    config["tables"]["customers"]["columns"]["churn_date"] = "left_on"
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    ds = load_dataset(folder)
    assert ds.analysis_date == pd.Timestamp("2024-11-09") and "latest `churn_date`" in ds.page_notes[0]


def test_declared_attributes_and_tenure_unit_reach_the_model(tmp_path):
    folder = write_snapshot(tmp_path / "snap", n=400, customers={"attributes": ["contract", "TenureMonths"],
                                                                 "tenure_unit": "days"})
    ds = load_dataset(folder)
    assert ds.snapshot == {"attributes": ["contract", "tenure"], "tenure_unit": "days"}  # mapped: by the field's name
    study = snapshot_study(ds.customers, **ds.snapshot)
    assert study.features == ["contract", "tenure_days"]
    stored = open_or_build(folder, None, load_dataset, folder=tmp_path / "cache")  # materialised and opened again
    assert stored.snapshot == ds.snapshot and stored.page_notes == ds.page_notes and not stored.has("transactions")


def test_validate_reports_the_snapshot(tmp_path):
    folder = write_snapshot(tmp_path / "snap", n=200)
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "validate", str(folder)], capture_output=True,
                          text=True, cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "a customer snapshot of 200 customers without transactions" in done.stdout
    assert "customers: 200 rows read = 200 kept + 0 dropped" in done.stdout


def test_without_churned_a_missing_transactions_table_is_still_an_error(tmp_path):
    folder = write_snapshot(tmp_path / "snap", n=50)
    config = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    del config["tables"]["customers"]["columns"]["churned"]
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_dataset(folder)
    assert raised.value.problem == "does not name the required table(s) ['transactions']"
    assert "map `churned` under `customers: columns:`" in str(raised.value)


@pytest.mark.parametrize(("change", "error", "match"), [
    ({"customers": {"attributes": "contract"}}, ConfigError, "is not a list of column names"),
    ({"customers": {"tenure_unit": "weeks"}}, ConfigError, "is not a unit"),
    ({"tables": {"marketing_spend": {"file": "spend.csv", "attributes": ["x"]}}}, ConfigError,
     "only the customers table takes"),
    ({"tables": {"products": {"file": "products.csv"}}}, ConfigError, "product costs apply to orders"),
])
def test_bad_snapshot_settings_are_clear_errors(tmp_path, change, error, match):
    folder = write_snapshot(tmp_path / "snap", n=50, customers=change.get("customers"))
    if "tables" in change:
        config = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
        config["tables"].update(change["tables"])
        (folder / "dataset.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(error, match=match):
        load_dataset(folder)


def test_churn_flags_that_are_neither_yes_nor_no_are_named(tmp_path):
    folder = write_snapshot(tmp_path / "snap", n=50)
    frame = pd.read_csv(folder / "customers.csv")
    frame.loc[[4, 9], "Churn"] = "maybe"
    frame.to_csv(folder / "customers.csv", index=False)
    with pytest.raises(DataError) as raised:
        load_dataset(folder)
    text = str(raised.value)
    assert "Churn" in text and "maybe" in text and "customers.csv" in text
    assert "accept blanking them with `max_unparsed_share" in text  # they are blanked, not dropped
    config = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    config["tables"]["customers"]["max_unparsed_share"] = 0.05  # accepted: blanked, logged, left out and counted
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    ds = load_dataset(folder)
    logged = ds.quality_log.set_index("check").loc["unreadable churned (Churn)"]
    assert logged["rows"] == 2 and logged["action"] == "changed to blank"
    assert ds.customers["churned"].isna().sum() == 2 and snapshot_study(ds.customers).unlabelled == 2


def test_a_declared_attribute_the_file_lacks_is_named(tmp_path):
    ds = load_dataset(write_snapshot(tmp_path / "snap", n=100, customers={"attributes": ["contract", "plan"]}))
    with pytest.raises(DataError, match=r"lacks the declared attributes \['plan'\]"):
        snapshot_study(ds.customers, **ds.snapshot)


@pytest.mark.slow
def test_every_notebook_runs_on_a_snapshot_and_04_learns_its_churn(tmp_path):
    data = write_snapshot(tmp_path / "telecom", n=2000, analysis_date="2025-03-31")
    suite = run_suite(data, tmp_path / "reports", "--jobs", "2")
    assert suite.done.returncode == 0, suite.failure
    assert suite.statuses == dict.fromkeys(SUITE, "ok")
    folder, manifest = suite.folder, suite.manifest
    assert manifest["dataset"]["transactions"] == 0 and manifest["dataset"]["customers"] == 2000
    snapshot = json.loads((folder / "exports" / "churn_snapshot.json").read_text(encoding="utf-8"))
    assert snapshot["evaluation"] == "stratified 5-fold cross-validation" and snapshot["customers"] == 2000
    auc = {m["model"]: m["roc_auc"] for m in snapshot["metrics"]}[snapshot["chosen_model"]]
    assert 0.62 < auc < 0.8  # the planted effects are moderate: well above chance, far from perfect
    top = [d["name"] for d in snapshot["drivers"][:3]]
    assert "contract = month-to-month" in top and "tenure_days (lower raises churn)" in top, top
    exports = {p.name for p in (folder / "exports").iterdir()}
    assert {"churn_snapshot.json", "data_quality.json"} <= exports
    assert not exports & {"segments.csv", "clv.csv", "churn_risk.csv", "scorecard.csv", "kpis.json"}
    pages = {n: visible_text((folder / f"{n}.html").read_text(encoding="utf-8")) for n in SUITE}
    for name, page in pages.items():
        assert "No transactions table in this dataset." in page, name
        assert "needs a transactions file" in page or "need a transactions file" in page, name
        assert "Its analysis date 2025-03-31 is the setting." in page, name  # <code> names are not visible text
    churn_page = pages["04_churn"]
    assert "Stratified 5-fold cross-validation: ROC-AUC" in churn_page and "contract = month-to-month" in churn_page
    assert "Monthly churn rate" not in churn_page and "Cohort retention" not in churn_page  # left out, no headings
    assert "The customer snapshot marks" in pages["01_overview"] and "The customer snapshot marks" in pages["00_data_quality"]
    assert "customers.csv" in pages["00_data_quality"]  # the data-quality page still reports the customers table
