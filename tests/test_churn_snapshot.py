"""Churn from a customer snapshot (issue 18, item 5): planted effects are recovered, the
cross-validated AUC comes close to the generator's own best possible AUC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from crmlib.churn.snapshot import snapshot_study, snapshot_table
from crmlib.errors import DataError


def telecom_snapshot(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A telecom-like snapshot with known effects on the odds of churn, and each customer's true P(churn).

    Month-to-month contracts double the odds of churn, every 24 months of tenure halve them,
    electronic-check payment raises them by half; gender and a noise number do nothing.
    """
    rng = np.random.default_rng(seed)
    contract = rng.choice(["month-to-month", "one year", "two year"], n, p=[0.5, 0.25, 0.25])
    payment = rng.choice(["electronic check", "credit card", "bank transfer"], n)
    tenure = rng.integers(1, 73, n)  # months
    charges = np.round(rng.uniform(20, 110, n), 2)
    logit = (-0.8 + np.log(2.0) * (contract == "month-to-month") - np.log(2.0) * tenure / 24
             + np.log(1.5) * (payment == "electronic check") + 0.004 * (charges - 65))
    truth = 1 / (1 + np.exp(-logit))
    churned = rng.random(n) < truth
    frame = pd.DataFrame({"customer_id": [f"T{i:05d}" for i in range(n)], "contract": contract,
                          "payment_method": payment, "tenure": tenure, "monthly_charges": charges.astype(str),
                          "gender": rng.choice(["female", "male"], n), "noise": rng.normal(0, 1, n),
                          "churned": np.where(churned, "Yes", "No")})
    return frame, truth


def test_snapshot_table_types_and_label_checks():
    snapshot, _ = telecom_snapshot(200)
    X, y = snapshot_table(snapshot, tenure_unit="months")
    assert X["tenure_days"].iloc[0] == pytest.approx(snapshot["tenure"].iloc[0] * 30.4375)
    assert X["monthly_charges"].dtype == float and X["contract"].dtype == object
    assert y.sum() == (snapshot["churned"] == "Yes").sum()
    X, _ = snapshot_table(snapshot, ["contract", "tenure"])
    assert list(X.columns) == ["contract", "tenure_days"]
    with pytest.raises(DataError, match="neither yes nor no"):
        snapshot_table(snapshot.assign(churned=["maybe"] + list(snapshot["churned"][1:])))
    blanks = snapshot.assign(churned=[None] * 3 + list(snapshot["churned"][3:]))
    X, y = snapshot_table(blanks)
    assert len(X) == len(y) == 197 and y.attrs["unlabelled"] == 3
    with pytest.raises(DataError, match="every customer"):
        snapshot_table(snapshot.assign(churned="No"))
    with pytest.raises(DataError, match="lacks the declared attributes"):
        snapshot_table(snapshot, ["contract", "plan"])


def test_planted_effects_are_recovered_and_the_auc_is_near_the_best_possible():
    snapshot, truth = telecom_snapshot(3000, seed=1)
    study = snapshot_study(snapshot)
    y = (snapshot["churned"] == "Yes").to_numpy()
    best_possible = roc_auc_score(y, truth)  # the generator's own probabilities
    auc = study.metrics.set_index("model").loc[study.chosen, "roc_auc"]
    assert auc >= best_possible - 0.03, (auc, best_possible)
    drivers = study.drivers.set_index("feature")
    top_two = list(study.drivers["feature"][:2])
    assert set(top_two) == {"contract", "tenure_days"}, study.drivers
    assert drivers.loc["contract", "name"] == "contract = month-to-month"
    assert drivers.loc["tenure_days", "direction"] == "lower"  # short tenure raises churn
    assert drivers.loc["payment_method", "direction"] == "=electronic check"
    assert drivers.loc["gender", "importance"] < 0.01 and drivers.loc["noise", "importance"] < 0.01
    # every customer was scored by a model that had not seen them: out-of-fold P(churn) is calibrated
    assert study.probabilities.mean() == pytest.approx(y.mean(), abs=0.03)
    assert study.to_dict()["evaluation"] == "stratified 5-fold cross-validation"

