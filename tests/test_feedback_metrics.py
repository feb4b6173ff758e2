"""CSAT, NPS, handling timeliness and customer groups: hand-computed cases and the sample's known process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from crmlib.data.sample import SampleParameters, generate_sample
from crmlib.errors import DataError
from crmlib.feedback import (
    csat,
    customer_groups,
    handling_times,
    monthly_satisfaction,
    nps,
    open_by_age,
    satisfaction_table,
    sla_summary,
)


def test_csat_is_share_of_4_and_5_among_answered():
    # 7 answers: 4, 5, 5 are satisfied -> 3/7; missing answers do not count
    assert csat(pd.Series([1, 2, 3, 4, 5, 5, 3, None, np.nan])) == pytest.approx(300 / 7)
    assert np.isnan(csat(pd.Series([None, None], dtype=float)))


def test_nps_is_promoters_minus_detractors():
    # 10 answers: promoters 9, 10, 10 (30 %), passives 7, 8 (20 %), detractors 0, 3, 6, 6, 5 (50 %)
    scores = pd.Series([9, 10, 10, 7, 8, 0, 3, 6, 6, 5, None])
    assert nps(scores) == pytest.approx(30 - 50)
    assert nps(pd.Series([10, 9])) == 100 and nps(pd.Series([0, 6])) == -100


@pytest.mark.parametrize(("function", "values", "column"), [
    (csat, pd.Series([5, 6]), "rating"), (csat, pd.Series([0, 4]), "rating"),
    (nps, pd.Series([11, 3]), "nps"), (nps, pd.Series(["ten", 3]), "nps"),
])
def test_values_off_the_scale_are_a_clear_error(function, values, column):
    with pytest.raises(DataError, match=column) as error:
        function(values)
    assert "How to fix" in str(error.value)


def test_satisfaction_table_by_group_by_hand():
    feedback = pd.DataFrame({
        "channel": ["app", "app", "app", "web", "web"],
        "rating": [5, 2, None, 4, 4],
        "nps": [10, 6, 8, None, 9],
    })
    table = satisfaction_table(feedback, "channel")
    assert table.loc["app", "ratings"] == 2 and table.loc["app", "csat"] == pytest.approx(50)
    assert table.loc["app", "nps_answers"] == 3
    assert table.loc["app", "promoters"] == pytest.approx(100 / 3)
    assert table.loc["app", "passives"] == pytest.approx(100 / 3)
    assert table.loc["app", "nps"] == pytest.approx(0)
    assert table.loc["web", "csat"] == 100 and table.loc["web", "nps"] == 100
    overall = satisfaction_table(feedback).loc["all"]
    assert overall["csat"] == pytest.approx(75) and overall["nps"] == pytest.approx(25)


def test_monthly_satisfaction_groups_by_calendar_month():
    feedback = pd.DataFrame({"date": pd.to_datetime(["2024-01-31", "2024-01-01", "2024-02-15"]),
                             "rating": [5, 1, 4], "nps": [9, 2, None]})
    monthly = monthly_satisfaction(feedback)
    assert list(monthly.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert monthly["csat"].tolist() == [50, 100] and monthly.loc["2024-01-01", "nps"] == 0
    with pytest.raises(DataError, match="no 'date' column"):
        monthly_satisfaction(feedback.drop(columns="date"))


def test_handling_times_sla_and_open_ages_by_hand():
    feedback = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-01 08:00", "2024-03-01 08:00", "2024-03-09 12:00",
                                "2024-02-01 00:00", "2024-03-01 00:00", "2024-03-05 00:00"]),
        "resolved_at": pd.to_datetime(["2024-03-01 20:00", "2024-03-03 08:00", None, None, None,
                                       "2024-03-05 01:00"]),
        "rating": [1, 2, 1, 2, 5, 5],  # row 4 is a happy review: no handling; row 5 has a resolution
    })
    handling = handling_times(feedback, "2024-03-10")
    assert list(handling.index) == [0, 1, 2, 3, 5]
    assert handling["hours_to_resolve"].tolist()[:2] == [12.0, 48.0]
    assert handling.loc[5, "hours_to_resolve"] == 1.0
    assert handling["is_open"].tolist() == [False, False, True, True, False]
    assert handling.loc[2, "open_days"] == pytest.approx(0.5) and handling.loc[3, "open_days"] == 38
    summary = sla_summary(handling, sla_hours=24)
    # met: 12 h and 1 h; missed: 48 h and the 38-day-old open item; the 12-hour-old open item is undecided
    assert summary["within_sla"] == 2 and summary["open_past_sla"] == 1
    assert summary["share_within_sla"] == pytest.approx(2 / 4)
    assert summary["median_hours_to_resolve"] == 12.0
    assert open_by_age(handling)["open_items"].tolist() == [1, 0, 0, 0, 1]


def test_resolution_before_submission_is_a_clear_error():
    feedback = pd.DataFrame({"date": pd.to_datetime(["2024-03-02"]), "resolved_at": pd.to_datetime(["2024-03-01"]),
                             "rating": [1]})
    with pytest.raises(DataError, match="resolved before"):
        handling_times(feedback, "2024-03-10")
    with pytest.raises(DataError, match="resolved_at"):
        handling_times(feedback.drop(columns="resolved_at"), "2024-03-10")


def test_handling_times_recover_the_samples_known_process():
    """The generator resolves complaints after lognormal(log 20 h, 0.9) hours and leaves 8 % open."""
    tables, _ = generate_sample(SampleParameters(n_customers=4000, seed=11))
    feedback = tables["feedback"].rename(columns={"submitted_at": "date"})
    end = pd.Timestamp(SampleParameters().end)
    early = feedback.loc[feedback["date"] < end - pd.Timedelta(days=30)]  # resolutions fall before the end
    handling = handling_times(early, end)
    n = len(handling)
    assert n > 250
    summary = sla_summary(handling, sla_hours=24)
    se_median = 1.2533 * 0.9 * 20 / np.sqrt(n)
    assert summary["median_hours_to_resolve"] == pytest.approx(20, abs=3.5 * se_median)
    resolved = handling["hours_to_resolve"].dropna()
    expected = norm.cdf(np.log(24 / 20) / 0.9)  # 0.580
    assert (resolved <= 24).mean() == pytest.approx(expected, abs=3.5 * np.sqrt(expected * (1 - expected) / n))
    assert handling["is_open"].mean() == pytest.approx(0.08, abs=3.5 * np.sqrt(0.08 * 0.92 / n))


def test_customer_groups_churn_flag_and_value_tiers():
    summary = pd.DataFrame({"days_since_last": [0, 180, 179, 30, 400],
                            "total_spend": [500.0, 300.0, 100.0, 80.0, 20.0]},
                           index=pd.Index(list("abcde"), name="customer_id"))
    groups = customer_groups(summary, churn_window_days=180)
    # the churn notebook's rule: no purchase in the last 180 days, so 180 days ago is churned
    assert groups["churn_status"].astype(str).tolist() == ["retained", "churned", "retained", "retained", "churned"]
    # total 1000: a (0 % above) and b (50 % above) are high, c (80 %) medium, d (90 %) medium, e (98 %) low
    assert groups["value_tier"].astype(str).tolist() == ["high", "high", "medium", "medium", "low"]
