"""The per-customer summary: hand-computed cases and agreement with lifetimes on CDNOW."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes.utils import summary_data_from_transaction_data

from crmlib.data.cdnow import read_cdnow_sample
from crmlib.errors import DataError
from crmlib.scans.summary import calibration_holdout_summary, customer_summary


@pytest.fixture
def small():
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
        "order_date": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-08", "2024-01-15",
                                      "2024-01-10", "2024-01-02", "2024-01-30"], format="ISO8601"),
        "amount": [10.0, 5.0, 30.0, 20.0, 8.0, 4.0, 99.0],
    })


def test_hand_computed_days(small):
    s = customer_summary(small, "2024-01-22")
    a, b, c = s.loc["a"], s.loc["b"], s.loc["c"]
    # a: purchase days 1st (10+5), 8th (30), 15th (20)
    assert (a["n_orders"], a["n_purchase_periods"], a["frequency"]) == (4, 3, 2.0)
    assert (a["recency"], a["T"], a["days_since_last"]) == (14.0, 21.0, 7)
    assert a["monetary_value"] == pytest.approx(25.0)  # mean of repeat days 30 and 20
    assert a["total_spend"] == 65.0 and a["avg_order_value"] == pytest.approx(16.25)
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0.0, 0.0, 12.0, 0.0)
    # c's purchase on the 30th is after the analysis date and ignored
    assert (c["n_orders"], c["total_spend"], c["T"]) == (1, 4.0, 20.0)
    assert a["first_purchase"] == pd.Timestamp("2024-01-01") and a["last_purchase"] == pd.Timestamp("2024-01-15")


def test_weeks_are_days_over_seven(small):
    days, weeks = customer_summary(small, "2024-01-22"), customer_summary(small, "2024-01-22", "W")
    assert np.allclose(weeks["recency"], days["recency"] / 7)
    assert np.allclose(weeks["T"], days["T"] / 7)
    assert weeks.loc["a", "frequency"] == days.loc["a", "frequency"]


def test_input_frame_is_not_modified(small):
    copy = small.copy()
    customer_summary(small, "2024-01-22")
    pd.testing.assert_frame_equal(small, copy)


def test_unknown_time_unit_and_missing_columns(small):
    with pytest.raises(DataError, match="unknown time unit 'M'"):
        customer_summary(small, "2024-01-22", "M")
    with pytest.raises(DataError, match="lacks \\['amount'\\]"):
        customer_summary(small.drop(columns="amount"), "2024-01-22")


def test_nothing_before_the_analysis_date(small):
    assert customer_summary(small, "2023-12-31").empty


def test_calibration_holdout_hand_computed(small):
    s = calibration_holdout_summary(small, "2024-01-08", "2024-01-31")
    assert set(s.index) == {"a", "c"}  # b's first purchase is after the calibration end
    assert s.loc["a", "frequency"] == 1.0 and s.loc["a", "T"] == 7.0
    assert s.loc["a", "frequency_holdout"] == 1.0 and s.loc["a", "monetary_value_holdout"] == 20.0
    assert s.loc["c", "frequency_holdout"] == 1.0 and s.loc["c", "monetary_value_holdout"] == 99.0
    assert s["duration_holdout"].unique().tolist() == [23.0]
    with pytest.raises(DataError, match="holdout is empty"):
        calibration_holdout_summary(small, "2024-01-31", "2024-01-08")


@pytest.fixture(scope="module")
def cdnow():
    tx = read_cdnow_sample()
    return tx.assign(order_date=pd.to_datetime(tx["date"].astype(str), format="%Y%m%d"),
                     amount=tx["dollar_value"])


@pytest.mark.parametrize("unit, multiplier", [("D", 1), ("W", 7)])
def test_agrees_with_lifetimes_on_cdnow(cdnow, unit, multiplier):
    reference = summary_data_from_transaction_data(
        cdnow, "customer_id", "order_date", monetary_value_col="amount",
        observation_period_end="1998-06-30", freq="D", freq_multiplier=multiplier)
    ours = customer_summary(cdnow, "1998-06-30", unit).reindex(reference.index)
    assert len(reference) == 2357
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column].to_numpy(), reference[column].to_numpy(), rtol=1e-9, atol=1e-9,
                                   err_msg=column)


def test_calibration_agrees_with_lifetimes_on_cdnow(cdnow):
    from lifetimes.utils import calibration_and_holdout_data

    reference = calibration_and_holdout_data(
        cdnow, "customer_id", "order_date", calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", freq="D", freq_multiplier=7)
    ours = calibration_holdout_summary(cdnow, "1997-09-30", "1998-06-30", "W").reindex(reference.index)
    for ours_col, ref_col in (("frequency", "frequency_cal"), ("recency", "recency_cal"), ("T", "T_cal"),
                              ("frequency_holdout", "frequency_holdout"), ("duration_holdout", "duration_holdout")):
        np.testing.assert_allclose(ours[ours_col].to_numpy(), reference[ref_col].to_numpy(), err_msg=ours_col)
