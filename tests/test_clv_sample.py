"""On the bundled synthetic sample the CLV models recover the generator's known truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlib.clv import fit_purchase_model, fit_spend_model, score_customers
from crmlib.clv.validation import holdout_validation
from crmlib.data.load import load_dataset
from crmlib.scans.summary import customer_summary

SAMPLE = Path("data/sample")


@pytest.fixture(scope="module")
def sample():
    dataset = load_dataset(SAMPLE)
    truth = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))
    customers = pd.read_csv(SAMPLE / "ground_truth_customers.csv", dtype={"customer_id": str})
    summary = customer_summary(dataset.transactions, dataset.analysis_date, "D")
    return dataset, truth, customers.set_index("customer_id"), summary


def test_bgnbd_recovers_the_generators_parameters(sample):
    _, truth, _, summary = sample
    fit = fit_purchase_model(summary, "bgnbd", time_unit="D")
    expected = truth["bgnbd_days"]  # r=0.9, alpha=30, a=0.8, b=4 (days)
    # about 5,000 customers: standard errors are ~3 % of r and alpha, ~7-9 % of a and b;
    # the tolerances allow for that and for same-day orders merged into one purchase occasion
    assert fit.params["r"] == pytest.approx(expected["r"], rel=0.15)
    assert fit.params["alpha"] == pytest.approx(expected["alpha"], rel=0.15)
    assert fit.params["a"] == pytest.approx(expected["a"], rel=0.25)
    assert fit.params["b"] == pytest.approx(expected["b"], rel=0.25)
    # the mean purchase rate r/alpha is pinned down much better than either parameter
    assert fit.params["r"] / fit.params["alpha"] == pytest.approx(expected["r"] / expected["alpha"], rel=0.08)


def test_weeks_give_the_same_model_in_other_units(sample):
    dataset, _, _, summary = sample
    days = fit_purchase_model(summary, "bgnbd", time_unit="D")
    weeks = fit_purchase_model(customer_summary(dataset.transactions, dataset.analysis_date, "W"), "bgnbd", time_unit="W")
    for name in ("r", "a", "b"):
        assert weeks.params[name] == pytest.approx(days.params[name], rel=1e-3)
    assert weeks.params["alpha"] * 7 == pytest.approx(days.params["alpha"], rel=1e-3)


def test_gamma_gamma_recovers_the_spend_process(sample):
    _, truth, _, summary = sample
    fit = fit_spend_model(summary)
    expected = truth["gamma_gamma"]  # p=6, q=4, v=90
    # p and v trade off against each other (standard errors ~8 % and ~11 % here): tolerances
    # of about two standard errors; the population mean spend p·v/(q−1) is well identified
    assert fit.params["p"] == pytest.approx(expected["p"], rel=0.2)
    assert fit.params["q"] == pytest.approx(expected["q"], rel=0.1)
    assert fit.params["v"] == pytest.approx(expected["v"], rel=0.25)
    mean_spend = fit.params["p"] * fit.params["v"] / (fit.params["q"] - 1)
    assert mean_spend == pytest.approx(expected["p"] * expected["v"] / (expected["q"] - 1), rel=0.05)
    assert abs(fit.frequency_spend_corr) < 0.1  # the generator draws spend independently of frequency


def test_p_alive_agrees_with_who_is_really_alive(sample):
    dataset, _, customers, summary = sample
    scores = score_customers(summary, model="bgnbd", time_unit="D")
    alive = customers.loc[scores.index, "alive_at_end"].astype(bool)
    # calibrated on average: mean P(alive) is close to the share actually alive
    assert scores["p_alive"].mean() == pytest.approx(alive.mean(), abs=0.05)
    # and it ranks: customers the model calls alive are far more often alive (AUC by ranks)
    ranks = scores["p_alive"].rank()
    n_alive, n_dead = alive.sum(), (~alive).sum()
    auc = (ranks[alive].sum() - n_alive * (n_alive + 1) / 2) / (n_alive * n_dead)
    assert auc > 0.8
    # expected spend tracks each customer's true mean spend
    assert np.corrcoef(scores["expected_avg_spend"], customers.loc[scores.index, "mean_spend"])[0, 1] > 0.7


def test_holdout_on_the_sample_prefers_a_well_calibrated_model(sample):
    dataset, _, _, _ = sample
    result = holdout_validation(dataset.transactions, "2024-01-01", dataset.analysis_date, time_unit="D",
                                models="bgnbd,mbgnbd")
    metrics = result.metrics.set_index("model")
    # the data are BG/NBD by construction: its holdout total is within a few percent
    assert abs(metrics.loc["bgnbd", "holdout_error"]) < 0.05
    assert (metrics["rmse"] < metrics["naive_rmse"]).all()
    assert result.chosen == "bgnbd" and result.choice["best"] == metrics["rmse"].idxmin()
