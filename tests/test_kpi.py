"""Every KPI on hand-computed data, including CAC for a channel with spend and no customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.errors import DataError
from crmlib.overview.kpi import (
    cac_table,
    cltv_cac_by_channel,
    headline,
    last_complete_month,
    monthly_activity,
    monthly_cac,
)


@pytest.fixture
def tx():
    # Jan: a (new, 2 orders 10+20), b (new, 30). Feb: a (returning, 40), c (new, 50). Mar: c (returning, 60)
    return pd.DataFrame({
        "customer_id": ["a", "a", "b", "a", "c", "c"],
        "order_date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-01-15", "2024-02-02", "2024-02-10",
                                      "2024-03-31"]),
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
    })


@pytest.fixture
def customers():
    return pd.DataFrame({"customer_id": ["a", "b", "c", "p"], "acquisition_channel": ["search", "social", "search", "tv"]})


@pytest.fixture
def spend():
    return pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01"]),
                         "acquisition_channel": ["search", "social", "search", "tv"],
                         "spend": [100.0, 60.0, 80.0, 500.0]})


def test_monthly_activity_by_hand(tx):
    m = monthly_activity(tx, "2024-03-31")
    assert m["new_customers"].tolist() == [2, 1, 0]
    assert m["active_customers"].tolist() == [2, 2, 1]
    assert m["orders"].tolist() == [3, 2, 1]
    assert m["revenue"].tolist() == [60.0, 90.0, 60.0]
    assert m["aov"].tolist() == [20.0, 45.0, 60.0]
    assert m["purchase_frequency"].tolist() == [1.5, 1.0, 1.0]
    assert m["repeat_purchase_rate"].tolist() == [0.0, 0.5, 1.0]


def test_incomplete_last_month_is_left_out(tx):
    assert last_complete_month("2024-03-30") == pd.Period("2024-02", "M")
    assert last_complete_month("2024-03-31") == pd.Period("2024-03", "M")
    assert monthly_activity(tx, "2024-03-30").index.tolist() == ["2024-01", "2024-02"]


def test_cac_by_channel_and_undefined_channel(tx, customers, spend):
    table = cac_table(tx, customers, spend).set_index("channel")
    assert table.loc["search", "cac"] == pytest.approx((100 + 80) / 2)  # a and c came via search
    assert table.loc["social", "cac"] == pytest.approx(60 / 1)
    assert np.isnan(table.loc["tv", "cac"]) and not np.isinf(table.loc["tv", "cac"])
    assert table.loc["tv", "note"].startswith("undefined: spend but no new customers")
    assert table.loc["all channels", "cac"] == pytest.approx(740 / 3)
    january = cac_table(tx, customers, spend, months=["2024-01"]).set_index("channel")
    assert january.loc["search", "cac"] == 100.0 and january.loc["all channels", "new_customers"] == 2


def test_monthly_cac_is_missing_not_infinite_without_new_customers(tx, customers, spend):
    extra = pd.concat([spend, pd.DataFrame({"month": [pd.Timestamp("2024-03-01")], "acquisition_channel": ["tv"],
                                            "spend": [10.0]})])
    cac = monthly_cac(tx, customers, extra)
    assert cac["2024-01"] == pytest.approx(160 / 2) and cac["2024-02"] == pytest.approx(580 / 1)
    assert np.isnan(cac["2024-03"])


def test_cltv_cac_ratio(tx, customers, spend):
    clv = pd.Series({"a": 300.0, "b": 60.0, "c": 100.0})
    ratio = cltv_cac_by_channel(clv, customers, cac_table(tx, customers, spend)).set_index("channel")
    assert ratio.loc["search", "mean_clv"] == 200.0
    assert ratio.loc["search", "cltv_cac_ratio"] == pytest.approx(200 / 90)
    assert ratio.loc["social", "cltv_cac_ratio"] == pytest.approx(60 / 60)
    assert np.isnan(ratio.loc["tv", "cltv_cac_ratio"])
    with pytest.raises(DataError, match="acquisition channel"):
        cltv_cac_by_channel(clv, None, cac_table(tx, customers, spend))


def test_headline_compares_with_the_previous_month(tx):
    m = monthly_activity(tx, "2024-03-31")
    m["nps"] = np.nan
    m.attrs["reasons"] = {"nps": "no feedback table"}
    h = headline(m, ["aov", "repeat_purchase_rate", "nps"]).set_index("kpi")
    assert h.loc["aov", "value"] == 60.0 and h.loc["aov", "previous"] == 45.0
    assert h.loc["aov", "change"] == pytest.approx(15 / 45)
    assert h.loc["repeat_purchase_rate", "change_points"] == pytest.approx(0.5)
    assert not h.loc["nps", "available"] and h.loc["nps", "reason"] == "no feedback table"
    assert h.loc["aov", "definition"].startswith("Average order value")


def test_headline_never_compares_with_an_older_month_than_the_one_before():
    months = pd.period_range("2024-01", periods=4, freq="M")
    m = pd.DataFrame({"aov": [40.0, 50.0, np.nan, 60.0], "nps": [10.0, np.nan, 20.0, np.nan]}, index=months)
    h = headline(m, ["aov", "nps"]).set_index("kpi")
    assert h.loc["aov", "period"] == months[3] and np.isnan(h.loc["aov", "previous"])  # March has no value
    assert np.isnan(h.loc["aov", "change"]) and np.isnan(h.loc["aov", "change_points"])
    assert h.loc["nps", "period"] == months[2] and np.isnan(h.loc["nps", "previous"])  # latest with a value: March
    full = headline(m.fillna({"aov": 55.0}), ["aov"]).set_index("kpi")
    assert full.loc["aov", "previous"] == 55.0 and full.loc["aov", "change"] == pytest.approx(5 / 55)


def test_funnel_by_channel_by_hand(customers):
    # buyers a (3 purchase days, high), b (1 day, low), c (2 days, medium); p is a prospect from tv
    days = pd.Series({"a": 3, "b": 1, "c": 2})
    tiers = pd.Series({"a": "high", "b": "low", "c": "medium"})
    from crmlib.overview.kpi import funnel_by_channel

    funnel = funnel_by_channel(days, tiers, customers).set_index(["channel", "stage"])["customers"]
    assert funnel["all channels"].tolist() == [4, 3, 2, 1]
    assert funnel["search"].tolist() == [2, 2, 2, 1]
    assert funnel["social"].tolist() == [1, 1, 0, 0]
    assert funnel["tv"].tolist() == [1, 0, 0, 0]
    overall = funnel_by_channel(days, tiers, None).set_index("stage")
    assert overall["customers"].tolist() == [3, 3, 2, 1]
    assert overall.loc["retain", "conversion_from_previous"] == pytest.approx(2 / 3)


def test_csat_and_nps_by_month_leave_out_exit_surveys(tx):
    from types import SimpleNamespace

    from crmlib.overview.kpi import monthly_kpis

    feedback = pd.DataFrame({
        "customer_id": ["a", "b", "c", "b"],
        "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-05", "2024-02-25"]),
        "rating": [5.0, 2.0, 4.0, None], "nps": [10.0, 3.0, 8.0, 0.0],
        "churn_reason": [None, None, None, "price"],
    })
    dataset = SimpleNamespace(transactions=tx, customers=None, marketing_spend=None, feedback=feedback,
                              analysis_date=pd.Timestamp("2024-03-31"),
                              has=lambda name: name == "feedback")
    from crmlib.scans.summary import purchase_days

    monthly = monthly_kpis(dataset, purchase_days(tx), 30)
    assert monthly.loc["2024-01", "csat"] == 50.0 and monthly.loc["2024-02", "csat"] == 100.0
    assert monthly.loc["2024-01", "nps"] == 0.0  # one promoter, one detractor
    assert monthly.loc["2024-02", "nps"] == 0.0  # the exit survey's 0 is left out: one passive
    assert "cac" in monthly.attrs["reasons"]
