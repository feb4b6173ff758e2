"""Every scan gives the same numbers on Spark (local mode) as on DuckDB, to 1e-9, on the bundled
sample and on CDNOW: the per-customer summary, calibration/holdout, purchase days (and counted per
day), churn rates
(overall and by group), cohorts, monthly activity, churn features and labels, profit per customer,
baskets and recommendations, and the journeys. One Spark session serves the whole module."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.data.load import load_dataset
from crmlib.engine import default_engine, use_engine
from crmlib.scans import summary


@pytest.fixture(scope="module")
def spark():
    from crmlib.engine.spark import spark_engine

    engine = spark_engine({"spark.master": "local[2]", "spark.sql.shuffle.partitions": "2"})
    yield engine
    engine.stop()


@pytest.fixture(scope="module", params=["data/sample", "data/cdnow"])
def dataset(request):
    return load_dataset(request.param)


def both(spark, function, *args, **kwargs):
    """``function(*args, **kwargs)`` with DuckDB, then with Spark as the default engine."""
    duck = function(*args, **kwargs)
    previous = use_engine(spark)
    try:
        assert default_engine() is spark
        on_spark = function(*args, **kwargs)
    finally:
        use_engine(previous)
    return duck, on_spark


def same(pair) -> None:
    duck, on_spark = pair
    if isinstance(duck, pd.Series):
        pd.testing.assert_series_equal(on_spark, duck, check_exact=False, rtol=1e-9, atol=1e-12)
    else:
        pd.testing.assert_frame_equal(on_spark, duck, check_exact=False, rtol=1e-9, atol=1e-12)


def test_the_scans_run_as_spark_jobs(spark):
    """Not a silent fallback: a frame's table lives in the Spark session and the result comes from it."""
    frame = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 5.0]})
    table = spark.from_frame(frame)
    assert table._find_backend().name == "pyspark"
    assert spark.session.catalog.tableExists(table.get_name())
    result = spark.to_pandas(table.group_by("customer_id").aggregate(total=table.amount.sum()).order_by("customer_id"))
    assert result["total"].tolist() == [3.0, 5.0]


@pytest.mark.parametrize("unit", ["D", "W"])
def test_customer_summary(spark, dataset, unit):
    date = dataset.analysis_date - pd.Timedelta(days=200)
    same(both(spark, summary.customer_summary, dataset.transactions, dataset.analysis_date, unit))
    same(both(spark, summary.customer_summary, dataset.transactions, date, unit))


def test_calibration_holdout_and_purchase_days(spark, dataset):
    end = dataset.analysis_date
    same(both(spark, summary.calibration_holdout_summary, dataset.transactions, end - pd.Timedelta(days=300), end, "W"))
    same(both(spark, summary.purchase_days, dataset.transactions, end))
    same(both(spark, summary.calibration_purchases_per_day, dataset.transactions, end - pd.Timedelta(days=300), end))


def test_churn_rates_cohorts_and_monthly_kpis(spark, dataset):
    from crmlib.churn.cohorts import cohort_table
    from crmlib.churn.groups import first_purchase_cohorts
    from crmlib.churn.rates import churn_rate_by_month
    from crmlib.overview import kpi

    end = dataset.analysis_date
    days = summary.purchase_days(dataset.transactions, end)
    groups = first_purchase_cohorts(summary.customer_summary(dataset.transactions, end))
    groups = groups.iloc[: len(groups) * 9 // 10]  # some customers without a group: "unknown"
    same(both(spark, churn_rate_by_month, days, 90, end))
    same(both(spark, churn_rate_by_month, days, 90, end, groups=groups))
    same(both(spark, cohort_table, days, end))
    same(both(spark, kpi.monthly_activity, dataset.transactions, end))
    same(both(spark, kpi.new_customers_by_channel, dataset.transactions, dataset.customers))


def test_churn_features_and_labels(spark, dataset):
    from crmlib.churn import features
    from crmlib.churn.labels import purchase_labels

    cutoff = dataset.analysis_date - pd.Timedelta(days=120)
    purchases = features._purchase_features(dataset.transactions, cutoff, 90)
    same(both(spark, features._purchase_features, dataset.transactions, cutoff, 90))
    same(both(spark, features._return_features, dataset.returns, cutoff, purchases.index, purchases["total_spend"]))
    same(both(spark, features._feedback_features, dataset.feedback, cutoff, purchases.index))
    same(both(spark, features._feedback_features, dataset.feedback, cutoff, purchases.index, 3))
    same(both(spark, purchase_labels, dataset.transactions, cutoff, 60, dataset.analysis_date))


def test_profit_per_customer(spark, dataset):
    """Margins, returns and cost to serve (with the sample's service touchpoints); customers in first-seen
    order on both engines (the profit deciles break ties by that order)."""
    from crmlib.profit.customers import customer_profit
    from crmlib.scans.profit import profit_scan

    costs = {**(dataset.costs or {}), "margin_rates": {"default": 0.3}}  # CDNOW has no costs: price it
    if costs.get("service_contact"):  # the sample's service touchpoints (channel customer_service) priced too
        costs["service_contact"] = {**costs["service_contact"], "customer_service": 3.0}
    same(both(spark, profit_scan, dataset.transactions, dataset.returns, costs, dataset.products, dataset.feedback,
              dataset.touchpoints))
    duck, on_spark = both(spark, customer_profit, dataset)
    first_seen = pd.unique(dataset.transactions["customer_id"])
    assert list(duck.index) == list(first_seen)
    same((duck, on_spark))


def test_baskets_and_recommendations(spark):
    from crmlib.overview import recommend

    tx = load_dataset("data/sample").transactions
    same(both(spark, recommend.association_rules, tx, "category"))
    model = recommend.CooccurrenceRecommender("product", 3)
    same(both(spark, lambda: model.fit(tx).recommend(tx)))


def test_journeys(spark):
    from crmlib.journey import attribute, collect_journeys

    ds = load_dataset("data/sample")
    if not ds.has("touchpoints"):
        pytest.fail("data/sample should ship touchpoints")

    def journeys():
        data = collect_journeys(ds.touchpoints, ds.transactions, lookback_days=30, analysis_date=ds.analysis_date)
        return data.journeys.reset_index(drop=True), attribute(data).sort_values("channel", ignore_index=True)

    (duck_j, duck_a), (spark_j, spark_a) = both(spark, journeys)
    same((duck_j, spark_j))
    same((duck_a, spark_a))


def test_final_exports_are_equal(spark, tmp_path, monkeypatch):
    """segments.csv, clv.csv, churn_risk.csv and kpis.json written from a Workbook on Spark equal DuckDB's
    (to 1e-9) on CDNOW. Built at the library level (tests/engine_exports.py: the notebooks' calls with
    cheaper model settings, no result cache): the notebooks themselves under Spark take minutes. The
    same comparison on data/sample was run by hand, not here: it costs about 50 s of CPU on Spark."""
    from engine_exports import EXPORTS, differences, write_exports

    from crmlib.engine.select import ENGINE_VARIABLE

    monkeypatch.setenv("CRM_WORKBOOK_CACHE", "off")
    monkeypatch.setenv(ENGINE_VARIABLE, "duckdb")
    write_exports("data/cdnow", tmp_path / "duckdb")
    assert default_engine().name == "duckdb"
    monkeypatch.setenv(ENGINE_VARIABLE, "spark")
    previous = use_engine(spark)
    try:
        write_exports("data/cdnow", tmp_path / "spark")
        assert default_engine() is spark  # the Workbook kept the Spark engine the variable names
    finally:
        use_engine(previous)
    assert all((tmp_path / "spark" / name).stat().st_size > 100 for name in EXPORTS)
    assert differences(tmp_path / "duckdb", tmp_path / "spark") == []


def test_validate_runs_its_scan_on_spark(spark, monkeypatch, capsys):
    from crmlib.cli import main
    from crmlib.engine.select import ENGINE_VARIABLE

    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    try:
        assert main(["validate", "data/cdnow", "--engine", "spark"]) == 0
        assert default_engine().name == "spark"
        assert __import__("os").environ[ENGINE_VARIABLE] == "spark"  # the kernels of a run inherit it
    finally:
        use_engine(None)
        monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    assert "Engine: spark (2,357 customers summarised there)" in capsys.readouterr().out


def test_without_pyspark_engine_spark_says_how_to_install(monkeypatch, capsys):
    import importlib.util

    from crmlib.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a))
    assert main(["validate", "data/sample", "--engine", "spark"]) == 2
    assert main(["run", "--data", "data/sample", "--engine", "spark", "--reports", "/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert "pip install -e '.[spark]'" in err and "PySpark" in err


def test_engine_and_spark_settings_come_from_dataset_yaml(tmp_path, monkeypatch):
    from crmlib.data.config import DatasetConfig
    from crmlib.engine.select import ENGINE_VARIABLE, chosen_engine
    from crmlib.engine.spark import CONF_VARIABLE, MASTER_VARIABLE, spark_settings
    from crmlib.errors import ConfigError

    raw = {"engine": "spark", "spark": {"spark.driver.memory": "2g", "spark.master": "local[2]"},
           "tables": {"transactions": {"file": "t.csv"}}}
    config = DatasetConfig.from_mapping(raw, root=tmp_path)
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    monkeypatch.delenv(MASTER_VARIABLE, raising=False)
    monkeypatch.delenv(CONF_VARIABLE, raising=False)
    assert chosen_engine(config.engine) == "spark"
    assert spark_settings(config.spark)["spark.driver.memory"] == "2g"
    assert spark_settings(config.spark)["spark.master"] == "local[2]"
    monkeypatch.setenv(MASTER_VARIABLE, "spark://head:7077")
    monkeypatch.setenv(CONF_VARIABLE, "spark.executor.memory=8g; spark.driver.memory=4g")
    settings = spark_settings(config.spark)
    assert (settings["spark.master"], settings["spark.executor.memory"], settings["spark.driver.memory"]) == (
        "spark://head:7077", "8g", "4g")
    assert DatasetConfig.from_mapping({"tables": raw["tables"]}, root=tmp_path).engine == "duckdb"
    with pytest.raises(ConfigError, match="engine"):
        DatasetConfig.from_mapping({**raw, "engine": "sparkk"}, root=tmp_path)
    with pytest.raises(ConfigError, match="spark"):
        DatasetConfig.from_mapping({**raw, "spark": "local"}, root=tmp_path)
    monkeypatch.setenv(ENGINE_VARIABLE, "duckdb")
    assert chosen_engine(config.engine) == "duckdb"  # --engine wins over the yaml


def test_engine_spark_in_dataset_yaml_without_java_is_a_usage_error_before_any_work(tmp_path, monkeypatch, capsys):
    import shutil

    from crmlib.cli import main
    from crmlib.engine.select import ENGINE_VARIABLE

    data = tmp_path / "shop"
    shutil.copytree("data/cdnow", data)
    config = data / "dataset.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\nengine: spark\n", encoding="utf-8")
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "java" else real(name, *a, **k))
    assert main(["validate", str(data)]) == 2
    reports = tmp_path / "reports"
    assert main(["run", "--data", str(data), "--reports", str(reports)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"engine: spark in {config} needs Java") == 2 and "openjdk" in err
    assert not reports.exists() or not [p for p in reports.iterdir() if p.is_dir()]  # no run was started


def test_a_released_step_is_uncached_and_its_view_dropped(spark):
    import ibis

    step = spark.materialize(spark.table(pd.DataFrame({"x": [1, 2, 3]})).mutate(y=ibis._.x * 2))
    name = step.get_name()
    assert int(step.y.sum().execute()) == 12 and spark.session.catalog.isCached(name)
    spark.release(step)
    assert name not in {t.name for t in spark.session.catalog.listTables()}


def test_validate_with_a_spark_that_cannot_start_is_a_usage_error_not_a_traceback():
    import os
    import subprocess
    import sys

    from crmlib.engine.select import ENGINE_VARIABLE
    from crmlib.engine.spark import CONF_VARIABLE, MASTER_VARIABLE

    # in a fresh process: this module's running session would otherwise be reused whatever the master
    env = {k: v for k, v in os.environ.items() if k not in (ENGINE_VARIABLE, CONF_VARIABLE)}
    env[MASTER_VARIABLE] = "bogus://nowhere:1"
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "validate", "data/cdnow", "--engine", "spark"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "Error: Spark could not start" in done.stderr
    assert f"spark.master is 'bogus://nowhere:1': check {MASTER_VARIABLE}" in done.stderr
