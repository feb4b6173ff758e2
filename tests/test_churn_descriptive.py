"""Churn definition, monthly churn rate, cohort retention and survival on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import churn
from crmlib.errors import DataError
from crmlib.scans.summary import customer_summary, purchase_days


def _tx(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="mixed")
    return frame


def test_purchase_days_merges_same_day_orders_and_measures_gaps():
    tx = _tx([("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-01 18:00", 5.0), ("a", "2024-01-21", 1.0),
              ("b", "2024-01-05", 8.0), ("a", "2024-02-01", 2.0)])
    days = purchase_days(tx, "2024-01-31")
    assert days[["customer_id", "spend", "gap_days"]].fillna(-1).values.tolist() == [
        ["a", 15.0, -1], ["a", 1.0, 20.0], ["b", 8.0, -1]]


def test_suggested_window_is_the_gap_quantile():
    # gaps of a: 10, 20, 30, 40 days; b: 100 days
    tx = _tx([("a", d, 1.0) for d in ["2024-01-01", "2024-01-11", "2024-01-31", "2024-03-01", "2024-04-10"]]
             + [("b", "2024-01-01", 1.0), ("b", "2024-04-10", 1.0)])
    days = purchase_days(tx)
    assert sorted(days["gap_days"].dropna()) == [10, 20, 30, 40, 100]
    assert churn.suggest_window(days, 0.5) == 30
    assert churn.suggest_window(days, 0.9) == 76  # linear interpolation between 40 and 100: 40 + 0.6 * 60
    assert churn.window_coverage(days, 30) == pytest.approx(0.6)


def test_no_repeat_purchases_gives_a_clear_error():
    days = purchase_days(_tx([("a", "2024-01-01", 1.0), ("b", "2024-01-02", 1.0)]))
    with pytest.raises(DataError, match="two different days"):
        churn.suggest_window(days)


def test_churn_status_boundary_is_inclusive():
    tx = _tx([("a", "2024-01-01", 1.0), ("b", "2024-01-02", 1.0)])
    status = churn.churn_status(customer_summary(tx, "2024-01-31"), 30)  # a: 30 days, b: 29 days
    assert status.to_dict() == {"a": True, "b": False}


def test_monthly_churn_rate_hand_computed_with_groups():
    # window 30; first purchase 01-10 so the first reportable month starts on/after 02-09: March.
    # March: active on Feb 29 = {b (14 days)}; b churns by Mar 31 (45 days) -> 1/1.
    # April: active on Mar 31 = {c (28 days), d (11 days)}; on Apr 30 c is at 58 days (churned), d at 20 -> 1/2.
    days = purchase_days(_tx([("a", "2024-01-10", 1.0), ("b", "2024-02-15", 1.0), ("c", "2024-03-03", 1.0),
                              ("d", "2024-03-20", 1.0), ("d", "2024-04-10", 1.0)]))
    overall = churn.churn_rate_by_month(days, 30, "2024-05-15")  # May is incomplete: left out
    assert overall[["month", "customers_at_start", "churned"]].values.tolist() == [["2024-03", 1, 1], ["2024-04", 2, 1]]
    assert overall["churn_rate"].tolist() == [1.0, 0.5]
    groups = pd.Series({"a": "x", "b": "y", "c": "x", "d": "y"})
    by_group = churn.churn_rate_by_month(days, 30, "2024-04-30", groups=groups)
    assert by_group[["month", "group", "customers_at_start", "churned"]].values.tolist() == [
        ["2024-03", "y", 1, 1], ["2024-04", "x", 1, 1], ["2024-04", "y", 1, 0]]
    summary = churn.churn_rate_summary(by_group)
    assert summary.loc["y", "pooled_churn_rate"] == 0.5 and summary.loc["x", "pooled_churn_rate"] == 1.0


def test_a_customer_who_returns_within_the_month_has_not_churned():
    # b active at the start of March (bought 02-10), would lapse on 03-11, but buys again on 03-20.
    days = purchase_days(_tx([("a", "2024-01-01", 1.0), ("b", "2024-02-10", 1.0), ("b", "2024-03-20", 1.0)]))
    march = churn.churn_rate_by_month(days, 30, "2024-03-31").set_index("month").loc["2024-03"]
    assert (march["customers_at_start"], march["churned"]) == (1, 0)


def test_bad_window_is_a_data_error():
    days = purchase_days(_tx([("a", "2024-01-01", 1.0)]))
    with pytest.raises(DataError, match="at least one day"):
        churn.churn_rate_by_month(days, 0, "2024-03-31")


def test_cohort_retention_matrix_hand_computed():
    tx = _tx([("a", "2024-01-05", 1.0), ("a", "2024-02-01", 1.0), ("a", "2024-04-10", 1.0),
              ("b", "2024-01-20", 1.0),
              ("c", "2024-02-03", 1.0), ("c", "2024-02-20", 1.0), ("c", "2024-03-09", 1.0),
              ("d", "2024-03-15", 1.0), ("d", "2024-05-02", 1.0)])  # d's May purchase is after the analysis date
    matrix = churn.cohort_retention(purchase_days(tx), "2024-04-15")
    expected = pd.DataFrame([[1.0, 0.5, 0.0, 0.5], [1.0, 1.0, 0.0, np.nan], [1.0, 0.0, np.nan, np.nan]],
                            index=pd.Index(["2024-01", "2024-02", "2024-03"], name="cohort"),
                            columns=pd.Index(range(4), name="months_since"))
    pd.testing.assert_frame_equal(matrix, expected)
    assert churn.cohort_sizes(purchase_days(tx), "2024-04-15").to_dict() == {"2024-01": 2, "2024-02": 1, "2024-03": 1}


def test_kaplan_meier_matches_hand_computation():
    # durations 2,3,3+,5,7+,8 -> S(2)=5/6, S(3)=5/6*4/5, S(5)=*2/3, S(8)=0; median 5
    lives = pd.DataFrame({"duration_days": [2, 3, 3, 5, 7, 8], "churned": [1, 1, 0, 1, 0, 1], "group": "all"})
    result = churn.survival_by_group(lives, min_customers=1)
    curve = result.fitters["all"].survival_function_.iloc[:, 0]
    assert curve.loc[[2.0, 3.0, 5.0, 7.0, 8.0]].tolist() == pytest.approx([5 / 6, 4 / 6, 4 / 9, 4 / 9, 0.0])
    assert result.medians.to_dict(orient="records") == [
        {"group": "all", "customers": 6, "churned": 4, "median_lifetime_days": 5.0}]
    assert np.isnan(result.logrank_p_value)  # one group: no test


def test_log_rank_separates_different_groups_and_not_identical_ones():
    rng = np.random.default_rng(0)
    short, long_ = rng.exponential(30, 200), rng.exponential(120, 200)
    lives = pd.DataFrame({"duration_days": np.r_[short, long_], "churned": True, "group": ["a"] * 200 + ["b"] * 200})
    assert churn.survival_by_group(lives).logrank_p_value < 1e-6
    same = lives.assign(duration_days=np.r_[short, short])
    assert churn.survival_by_group(same).logrank_p_value > 0.9


def test_small_groups_are_pooled_and_reported():
    lives = pd.DataFrame({"duration_days": range(30), "churned": True, "group": ["a"] * 25 + ["b"] * 5})
    result = churn.survival_by_group(lives, min_customers=20)
    assert set(result.fitters) == {"a", "other"} and "pooled" in result.notes[0]


def test_purchase_lifetimes_from_the_summary():
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-01-21", 1.0), ("b", "2024-03-01", 1.0), ("b", "2024-03-05", 1.0)])
    lives = churn.purchase_lifetimes(customer_summary(tx, "2024-03-31"), 30)
    assert lives.loc["a"].tolist() == [20.0, True, "all"]   # 70 days since last purchase: churned at 20 days
    assert lives.loc["b"].tolist() == [4.0, False, "all"]   # still active: censored at 4 days


def test_contract_lifetimes_hand_computed():
    customers = pd.DataFrame({
        "customer_id": ["a", "b", "c"],
        "signup_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "churned": [True, False, True],
        "churn_date": pd.to_datetime(["2024-01-31", None, "2024-07-01"]),  # c churns after the analysis date
    })
    lives = churn.contract_lifetimes(customers, "2024-04-30")
    assert lives[["duration_days", "churned"]].values.tolist() == [[30.0, True], [89.0, False], [60.0, False]]
    tenure = pd.DataFrame({"customer_id": ["a", "b"], "churned": [True, False], "tenure_days": [12, 40]})
    assert churn.contract_lifetimes(tenure, "2024-04-30")["duration_days"].tolist() == [12.0, 40.0]
    with pytest.raises(DataError, match="tenure"):
        churn.contract_lifetimes(tenure.drop(columns="tenure_days"), "2024-04-30")
