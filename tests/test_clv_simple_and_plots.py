"""Simple formula CLTV by hand, and every CLV chart has a title and labelled axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlib.clv.matrices import alive_matrix, expected_purchases_matrix
from crmlib.clv.models import PurchaseFit
from crmlib.clv.simple_cltv import annual_churn_rate, simple_cltv, simple_cltv_summary
from crmlib.clv.value import lorenz_curve
from crmlib.errors import DataError
from crmlib.plots import clv as clv_plots
from crmlib.scans.summary import customer_summary

TX = pd.DataFrame({
    "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
    "order_date": pd.to_datetime(["2023-01-01", "2023-06-01", "2024-06-01", "2024-12-01",
                                  "2023-03-01", "2024-10-01", "2024-10-01"]),
    "amount": [100.0, 50.0, 150.0, 100.0, 40.0, 30.0, 30.0],
})


def test_simple_cltv_by_hand():
    summary = customer_summary(TX, "2024-12-31")
    # a: 730 days observed, bought 30 days ago; b: 671 days, silent for 671 > 365 -> churned;
    # c: 91 days old -> too new to judge. Churn = 1 of 2 = 0.5, lifespan 2 years.
    assert annual_churn_rate(summary) == pytest.approx(0.5)
    k = simple_cltv_summary(summary, margin=0.5)
    assert k["avg_order_value"] == pytest.approx(500.0 / 7)
    years = (730 + 671 + 365) / 365.25  # c counts as a full churn window, not 91 days
    assert k["purchase_frequency_per_year"] == pytest.approx(7 / years)
    assert k["expected_lifespan_years"] == pytest.approx(2.0)
    assert k["simple_cltv"] == pytest.approx(500.0 / 7 * 7 / years * 2.0 * 0.5)
    per_customer = simple_cltv(summary, margin=0.5)
    assert per_customer.loc["a", "simple_cltv"] == pytest.approx(4 / (730 / 365.25) * 100.0 * 2.0 * 0.5)
    assert per_customer.loc["c", "avg_order_value"] == pytest.approx(30.0)


def test_a_non_annual_lapse_window_gives_an_annual_churn_rate():
    summary = customer_summary(TX, "2024-12-31")
    # 180-day window: a (730 days observed, 30 silent) active, b (671 silent) lapsed, c (91 days) too new.
    # Half lapsed per 180 days is 1 - 0.5 ** (365 / 180) a year, not 0.5.
    annual = 1 - 0.5 ** (365 / 180)
    assert annual_churn_rate(summary, 180) == pytest.approx(annual)
    k = simple_cltv_summary(summary, churn_window_days=180)
    assert k["annual_churn_rate"] == pytest.approx(annual)
    assert k["expected_lifespan_years"] == pytest.approx(1 / annual)
    assert annual_churn_rate(summary, 365) == 0.5  # the default window's share is the annual rate as it is


def test_simple_cltv_caps_the_lifespan_and_rejects_short_histories():
    summary = customer_summary(TX[TX["customer_id"] == "a"], "2024-12-31")
    assert simple_cltv_summary(summary, max_lifespan_years=7)["expected_lifespan_years"] == 7  # nobody churned
    with pytest.raises(DataError, match="days or more before the analysis date"):
        annual_churn_rate(customer_summary(TX[TX["customer_id"] == "c"], "2024-12-31"))


FIT = PurchaseFit("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 0.0, 1, 1, "W")


def test_matrices_follow_the_model():
    alive = alive_matrix(FIT, T=39.0, max_frequency=5, n_recency=14)
    assert alive.loc[0].iloc[0] == 1.0 and np.isnan(alive.loc[0].iloc[-1])
    fitter = FIT.estimator()
    assert alive.loc[3, 39.0] == pytest.approx(float(fitter.conditional_probability_alive(3, 39.0, 39.0)))
    assert (np.diff(alive.loc[3].to_numpy()) > 0).all()  # more recent last purchase -> more likely alive
    expected = expected_purchases_matrix(FIT, T=38.86, t=39.0, max_frequency=2, n_recency=2)
    assert expected.loc[2, 38.9] == pytest.approx(
        float(fitter.conditional_expected_number_of_purchases_up_to_time(39.0, 2, 38.86, 38.86)))


def _assert_labelled(fig):
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_every_chart_has_title_and_axis_labels():
    periods = pd.DataFrame({"period": [1, 2, 3], "period_end": pd.date_range("2024-01-07", periods=3, freq="7D"),
                            "actual": [3.0, 4.0, 5.0], "in_holdout": [False, True, True],
                            "bgnbd": [3.1, 3.9, 4.8], "bgnbd_cumulative": [3.1, 7.0, 11.8]})
    labels = {"bgnbd": "BG/NBD"}
    by_frequency = pd.DataFrame({"calibration_frequency": [0, 1], "label": ["0", "1+"], "actual": [0.2, 1.0],
                                 "bgnbd": [0.25, 0.9]})
    scores = pd.DataFrame({"frequency": [0.0, 1.0, 4.0] * 4, "p_alive": np.linspace(0.05, 1, 12),
                           "clv": np.arange(1.0, 13.0), "clv_decile": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 1]})
    for lang in ("en", "zh"):
        _assert_labelled(clv_plots.plot_tracking(periods, labels, pd.Timestamp("2024-01-07"), lang=lang))
        _assert_labelled(clv_plots.plot_tracking(periods, labels, pd.Timestamp("2024-01-07"), cumulative=True, lang=lang))
        _assert_labelled(clv_plots.plot_conditional_expectation(by_frequency, labels, lang=lang))
        _assert_labelled(clv_plots.plot_matrix(alive_matrix(FIT, 39.0, 4, 5), "P(alive)", "P", lang=lang, unit_name="weeks"))
        _assert_labelled(clv_plots.plot_value_deciles(scores, lang=lang))
        _assert_labelled(clv_plots.plot_concentration(lorenz_curve(scores["clv"]), lang=lang))
        _assert_labelled(clv_plots.plot_p_alive(scores, lang=lang))
        _assert_labelled(clv_plots.plot_simple_vs_model(scores, scores["clv"] * 2, lang=lang))
