"""The engine's scans give the numbers of the pandas/NumPy code they replaced (to 1e-9), on the
bundled sample and on CDNOW, from a pandas frame and from an engine table alike."""

from __future__ import annotations

import pandas as pd
import pytest
import reference_scans as reference

from crmlib.data.load import load_dataset
from crmlib.engine import Engine
from crmlib.scans import summary


@pytest.fixture(scope="module", params=["data/sample", "data/cdnow"])
def dataset(request):
    return load_dataset(request.param)


def same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(new, old, check_exact=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("unit", ["D", "W"])
@pytest.mark.parametrize("days_before_end", [0, 200])
def test_customer_summary_equals_reference(dataset, unit, days_before_end):
    date = dataset.analysis_date - pd.Timedelta(days=days_before_end)
    same(summary.customer_summary(dataset.transactions, date, unit),
         reference.customer_summary(dataset.transactions, date, unit))


def test_calibration_holdout_equals_reference(dataset):
    end = dataset.analysis_date
    calibration = end - pd.Timedelta(days=300)
    same(summary.calibration_holdout_summary(dataset.transactions, calibration, end, "W"),
         reference.calibration_holdout_summary(dataset.transactions, calibration, end, "W"))


def test_purchase_days_equals_reference(dataset):
    same(summary.purchase_days(dataset.transactions, dataset.analysis_date),
         reference.purchase_days(dataset.transactions, dataset.analysis_date))


def test_engine_table_gives_the_frame_result(dataset):
    """A scan over an engine table (as the loader's materialised tables will be) equals the frame's."""
    engine = Engine.duckdb()
    table = engine.from_frame(dataset.transactions, ["customer_id", "order_date", "amount"])
    same(summary.customer_summary(table, dataset.analysis_date),
         summary.customer_summary(dataset.transactions, dataset.analysis_date))


@pytest.fixture(scope="module")
def days(dataset):
    return summary.purchase_days(dataset.transactions, dataset.analysis_date)


@pytest.mark.parametrize("window", [7, 90, 180])
def test_monthly_churn_rates_equal_reference(dataset, days, window):
    from crmlib.churn.rates import churn_rate_by_month

    same(churn_rate_by_month(days, window, dataset.analysis_date),
         reference.churn_rate_by_month(days, window, dataset.analysis_date))


def test_monthly_churn_rates_by_group_equal_reference(dataset, days):
    from crmlib.churn.groups import first_purchase_cohorts
    from crmlib.churn.rates import churn_rate_by_month

    groups = first_purchase_cohorts(summary.customer_summary(dataset.transactions, dataset.analysis_date))
    groups = groups.iloc[: len(groups) * 9 // 10]  # some customers without a group: "unknown"
    same(churn_rate_by_month(days, 90, dataset.analysis_date, groups=groups),
         reference.churn_rate_by_month(days, 90, dataset.analysis_date, groups=groups))


def test_cohort_table_equals_reference(dataset, days):
    from crmlib.churn.cohorts import cohort_table

    same(cohort_table(days, dataset.analysis_date), reference.cohort_table(days, dataset.analysis_date))


def test_monthly_activity_and_new_customers_equal_reference(dataset):
    from crmlib.overview import kpi

    same(kpi.monthly_activity(dataset.transactions, dataset.analysis_date),
         reference.monthly_activity(dataset.transactions, dataset.analysis_date))
    same(kpi.new_customers_by_channel(dataset.transactions, dataset.customers),
         reference.new_customers_by_channel(dataset.transactions, dataset.customers))


@pytest.mark.parametrize("cutoff_days", [90, 300])
def test_churn_features_and_labels_equal_reference(dataset, cutoff_days):
    from crmlib.churn import features
    from crmlib.churn.labels import purchase_labels

    cutoff = dataset.analysis_date - pd.Timedelta(days=cutoff_days)
    purchases = features._purchase_features(dataset.transactions, cutoff, 90)
    same(purchases, reference._purchase_features(dataset.transactions, cutoff, 90))
    same(features._return_features(dataset.returns, cutoff, purchases.index, purchases["total_spend"]),
         reference._return_features(dataset.returns, cutoff, purchases.index, purchases["total_spend"]))
    same(features._feedback_features(dataset.feedback, cutoff, purchases.index),
         reference._feedback_features(dataset.feedback, cutoff, purchases.index))
    same(features._feedback_features(dataset.feedback, cutoff, purchases.index, 3),
         reference._feedback_features(dataset.feedback, cutoff, purchases.index, 3))
    pd.testing.assert_series_equal(purchase_labels(dataset.transactions, cutoff, 60, dataset.analysis_date),
                                   reference.purchase_labels(dataset.transactions, cutoff, 60, dataset.analysis_date))


def test_baskets_rules_recommendations_and_hit_rate_equal_reference():
    import reference_recommend as old

    from crmlib.overview import recommend as new

    tx = load_dataset("data/sample").transactions
    same(new.association_rules(tx, "category"), old.association_rules(tx, "category"))
    for kind in ("PopularityRecommender", "CooccurrenceRecommender"):
        for item in ("category", "product"):
            ours, theirs = getattr(new, kind)(item, 3), getattr(old, kind)(item, 3)
            same(ours.fit(tx).recommend(tx), theirs.fit(tx).recommend(tx))
            split = tx["order_date"].max() - pd.DateOffset(months=6)
            assert new.hit_rate_at_n(tx, split, ours) == old.hit_rate_at_n(tx, split, theirs)


@pytest.mark.parametrize("days_before_end", [300, 0])
def test_calibration_purchases_per_day_are_the_purchase_days_counted(dataset, days_before_end):
    """The engine's per-day counts equal purchase_days' rows counted in pandas (first purchase day vs
    later ones) for the customers who first bought by the calibration end, up to a later end."""
    end = dataset.analysis_date
    calibration_end = end - pd.Timedelta(days=days_before_end)
    days = summary.purchase_days(dataset.transactions, end)
    first = days.groupby("customer_id")["day"].transform("min")
    days = days.loc[first <= calibration_end.normalize()]
    expected = pd.DataFrame({"first_purchases": days["gap_days"].isna(), "repeat_purchases": days["gap_days"].notna()})
    expected = expected.groupby(days["day"].to_numpy()).sum().astype("int64").rename_axis("day").reset_index()
    counts = summary.calibration_purchases_per_day(dataset.transactions, calibration_end, end)
    pd.testing.assert_frame_equal(counts, expected, check_exact=True)
    calibration = summary.calibration_holdout_summary(dataset.transactions, calibration_end, end + pd.Timedelta(days=1))
    assert counts["first_purchases"].sum() == len(calibration) and counts["repeat_purchases"].sum() > 0
    table = Engine.duckdb().from_frame(dataset.transactions, ["customer_id", "order_date", "amount"])
    pd.testing.assert_frame_equal(summary.calibration_purchases_per_day(table, calibration_end, end), counts)
