"""Calibration/holdout validation: counted independently from the raw CDNOW transactions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.clv.validation import default_calibration_end, holdout_validation
from crmlib.data.load import load_dataset
from crmlib.errors import DataError


@pytest.fixture(scope="module")
def cdnow():
    dataset = load_dataset("data/cdnow")
    result = holdout_validation(dataset.transactions, None, None, time_unit="W", models="bgnbd,pareto")
    return dataset.transactions, result


def test_default_split_is_the_papers_39_weeks(cdnow):
    transactions, result = cdnow
    assert default_calibration_end(transactions) == pd.Timestamp("1997-09-30")
    assert result.calibration_end == pd.Timestamp("1997-09-30")
    assert result.observation_end == pd.Timestamp("1998-06-30")
    assert result.fits["bgnbd"].params["r"] == pytest.approx(0.243, abs=0.0015)


def test_holdout_actuals_match_an_independent_count(cdnow):
    transactions, result = cdnow
    days = transactions.assign(day=transactions["order_date"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    first = days.groupby("customer_id")["day"].min()
    cohort = first[first <= "1997-09-30"].index
    holdout = days[(days["day"] > "1997-09-30") & days["customer_id"].isin(cohort)]
    assert len(holdout) == 1882  # Fader, Hardie & Lee (2005): 1,882 repeat purchases in weeks 40-78
    metrics = result.metrics.set_index("model")
    assert (metrics["actual_holdout_total"] == 1882).all()
    periods = result.periods
    assert periods.loc[periods["in_holdout"], "actual"].sum() == 1882
    assert len(periods) == 78 and (periods["days"] == 7).all()  # 1997-01-01 .. 1998-06-30 is 78 weeks
    repeat = days[days["customer_id"].isin(cohort)]
    assert periods["actual"].sum() == len(repeat) - len(cohort)  # every purchase day but the first


def test_tracking_expectation_is_the_sum_of_unconditional_expectations(cdnow):
    _, result = cdnow
    at_split = result.periods.loc[result.periods["period_end"] == result.calibration_end].iloc[0]
    for key, fit in result.fits.items():
        expected = fit.estimator().expected_number_of_purchases_up_to_time(result.customers["T"].to_numpy())
        assert at_split[f"{key}_cumulative"] == pytest.approx(float(np.sum(expected)), rel=1e-9)
        assert result.periods[key].sum() == pytest.approx(result.periods[f"{key}_cumulative"].iloc[-1])


def test_conditional_expectation_table(cdnow):
    _, result = cdnow
    table = result.by_frequency
    customers = result.customers
    assert table["customers"].sum() == len(customers)
    zero = customers.loc[customers["frequency"] == 0]
    row = table.set_index("calibration_frequency").loc[0]
    assert row["actual"] == pytest.approx(zero["frequency_holdout"].mean())
    assert row["bgnbd"] == pytest.approx(zero["predicted_bgnbd"].mean())
    assert table["label"].iloc[-1] == "7+"


def test_cdnow_holdout_figures_and_a_tie_goes_to_the_simpler_model(cdnow):
    _, result = cdnow
    metrics = result.metrics.set_index("model")
    # over the holdout weeks alone (issue 18): 1,882 repeat purchases, every model under-predicts by 11.5-12.2 %
    assert (metrics["actual_holdout_total"] == 1882).all()
    assert metrics.loc["bgnbd", "predicted_holdout_total"] == pytest.approx(1653.4, abs=0.5)
    assert metrics.loc["pareto", "predicted_holdout_total"] == pytest.approx(1665.5, abs=0.5)
    assert metrics.loc["pareto", "holdout_error"] == pytest.approx(-0.115, abs=0.001)
    # Pareto/NBD has the lower RMSE by 0.005, well inside the bootstrap noise: a tie, BG/NBD is used
    assert result.choice["best"] == "pareto" == metrics["rmse"].idxmin()
    comparison = result.choice["comparisons"]["bgnbd"]
    assert comparison["difference"] == pytest.approx(0.0051, abs=0.0005)
    assert comparison["low"] < 0 < comparison["high"] and result.choice["tie"]
    assert result.chosen == "bgnbd" and result.preference == "bgnbd,pareto"
    assert "tie" in result.reason and "simpler BG/NBD" in result.reason and "1,882" in result.reason
    assert "更简单的 BG/NBD" in result.reason_text("zh")
    assert (metrics["rmse"] < metrics["naive_rmse"]).all()  # both models beat the naive baseline on CDNOW
    plain = result.to_dict()
    assert plain["chosen_model"] == result.chosen and plain["calibration_end"] == "1997-09-30"
    assert plain["holdout_periods"]["periods"] == 39 and plain["holdout_periods"]["actual_total"] <= 1882
    deciles = result.deciles.query("model == 'bgnbd'")
    assert deciles["customers"].sum() == len(result.customers) and deciles["predicted"].is_monotonic_decreasing


def test_a_clearly_better_model_wins_and_a_clearly_worse_one_is_not_a_tie():
    from crmlib.clv.holdout_metrics import choose_model, customer_metrics, decile_calibration

    rng = np.random.default_rng(5)
    rate = rng.gamma(0.5, 2.0, 4000)
    actual = rng.poisson(rate).astype(float)  # the truth: Poisson around a known rate
    good, poor = rate, rate.mean() + 0 * rate  # the true rate vs everyone at the mean
    chosen, best, comparisons = choose_model(actual, {"bgnbd": poor, "pareto": good})
    assert best == "pareto" and chosen == "pareto" and comparisons["bgnbd"]["low"] > 0
    same = good * (1 + rng.normal(0, 0.001, len(good)))
    chosen, best, comparisons = choose_model(actual, {"bgnbd": same, "pareto": good})
    assert chosen == "bgnbd"  # indistinguishable: the simpler model
    m = customer_metrics(actual, good)
    assert m["spearman"] > 0.5 and m["rmse"] == pytest.approx(np.sqrt(np.mean((good - actual) ** 2)))
    table = decile_calibration(actual, {"pareto": good})
    assert np.allclose(table["predicted"], table["actual"], atol=0.25)  # calibrated by construction


def test_naive_baseline_and_errors_by_hand():
    tx = pd.DataFrame({
        "customer_id": ["a"] * 5 + ["b"] * 2 + [f"c{i}" for i in range(12)] * 2,
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21", "2024-02-15", "2024-02-20",
                                      "2024-01-05", "2024-01-31"]
                                     + ["2024-01-02"] * 12 + ["2024-01-20"] * 12),
        "amount": 10.0,
    })
    result = holdout_validation(tx, "2024-01-31", "2024-03-01", time_unit="D", models="bgnbd")
    a = result.customers.loc["a"]
    assert (a["frequency"], a["T"], a["frequency_holdout"]) == (2.0, 30.0, 2.0)
    assert a["naive"] == pytest.approx(2 / 30 * 30)  # calibration rate × 30 holdout days
    customers = result.customers
    row = result.metrics.iloc[0]
    assert row["naive_mae"] == pytest.approx((customers["naive"] - customers["frequency_holdout"]).abs().mean())
    assert row["rmse"] == pytest.approx(
        np.sqrt(((customers["predicted_bgnbd"] - customers["frequency_holdout"]) ** 2).mean()))


def test_a_holdout_outside_the_data_is_a_clear_error(cdnow):
    transactions, _ = cdnow
    with pytest.raises(DataError, match="holdout is empty"):
        holdout_validation(transactions, "1998-07-01", "1998-06-30", models="bgnbd")
    with pytest.raises(DataError, match="too few"):
        holdout_validation(transactions, "1997-01-02", "1998-06-30", models="bgnbd")


def _bootstrap_one_pair(actual, first, second, samples, seed, most):
    """The paired bootstrap written out for one pair, resample by resample (as choose_model did before)."""
    sq_first, sq_second = (first - actual) ** 2, (second - actual) ** 2
    rng = np.random.default_rng(seed)
    n = len(actual)
    if n > most:
        keep = rng.choice(n, most, replace=False)
        sq_first, sq_second, n = sq_first[keep], sq_second[keep], most
    draws = [np.sqrt(sq_first[idx].mean()) - np.sqrt(sq_second[idx].mean())
             for idx in (rng.integers(0, n, n) for _ in range(samples))]
    return [float(v) for v in np.quantile(draws, [0.025, 0.975])]


@pytest.mark.parametrize("most", [200_000, 1_500])  # every customer resampled / a fixed subset of 1,500
def test_choose_model_scores_all_models_on_shared_resamples_as_pairwise_bootstraps(monkeypatch, most):
    """Drawing each resample once for every model gives each comparison's interval exactly (==) as a
    bootstrap of that pair alone with the same seed."""
    from crmlib.clv import holdout_metrics

    monkeypatch.setattr(holdout_metrics, "BOOTSTRAP_MAX_CUSTOMERS", most)
    rng = np.random.default_rng(3)
    rate = rng.gamma(0.5, 2.0, 3001)
    actual = rng.poisson(rate).astype(float)
    predictions = {"bgnbd": rate * 1.1, "mbgnbd": rate + rng.normal(0, 0.3, len(rate)), "pareto": rate}
    chosen, best, comparisons = holdout_metrics.choose_model(actual, predictions)
    assert best == "pareto" and set(comparisons) == {"bgnbd", "mbgnbd"}
    for key, comparison in comparisons.items():
        low, high = _bootstrap_one_pair(actual, predictions[key], predictions[best], holdout_metrics.BOOTSTRAP_SAMPLES,
                                        holdout_metrics.BOOTSTRAP_SEED, most)
        assert (comparison["low"], comparison["high"]) == (low, high)
        assert comparison["customers_resampled"] == min(most, len(actual))
        assert comparison == holdout_metrics.paired_bootstrap(actual, predictions[key], predictions[best])


def test_tracking_table_needs_the_calibration_summary_of_its_transactions(cdnow):
    """The actual repeat purchases are counted in the engine for every customer who bought by the
    calibration end; a calibration frame of other customers is an error, not a silently wrong chart."""
    from crmlib.clv.validation import tracking_table

    transactions, result = cdnow
    args = (result.fits, result.calibration_end, result.observation_end)
    pd.testing.assert_frame_equal(tracking_table(transactions, result.customers, *args), result.periods)
    with pytest.raises(ValueError, match="first-purchase cohorts differ"):
        tracking_table(transactions, result.customers.iloc[:-5], *args)
