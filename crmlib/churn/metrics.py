"""How good is a churn score: ROC-AUC, PR-AUC, lift by decile and calibration.

Example
-------
>>> import numpy as np
>>> y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
>>> score = np.array([.9, .8, .7, .6, .5, .4, .3, .2, .1, 0.])
>>> round(score_metrics(y, score)["roc_auc"], 4)
0.9048
>>> lift_by_decile(y, score, n_bins=5)["lift"].tolist()
[3.3333333333333335, 0.0, 1.6666666666666667, 0.0, 0.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def score_metrics(y_true, score, is_probability: bool = False) -> dict:
    """ROC-AUC, PR-AUC (average precision), churn base rate, top-decile lift (and Brier score
    when ``score`` is a probability).

    Parameters
    ----------
    y_true : array-like of bool
        The churn labels.
    score : array-like of float
        The churn score, higher = more likely to churn.
    is_probability : bool, optional
        Whether ``score`` is a probability, so the Brier score is computed (default False).

    Returns
    -------
    dict
        ``customers``, ``churn_rate``, ``roc_auc``, ``pr_auc``, ``top_decile_lift`` and
        ``brier`` (None unless ``is_probability``).
    """
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(score, dtype=float)
    out = {"customers": int(y.size), "churn_rate": float(y.mean()),
           "roc_auc": float(roc_auc_score(y, s)), "pr_auc": float(average_precision_score(y, s)),
           "top_decile_lift": float(lift_by_decile(y, s)["lift"].iloc[0])}
    out["brier"] = float(brier_score_loss(y, s)) if is_probability else None
    return out


def lift_by_decile(y_true, score, n_bins: int = 10) -> pd.DataFrame:
    """Customers ranked by score (highest first) cut into ``n_bins`` equal groups.

    Ties are broken by the original order (stable sort).

    Parameters
    ----------
    y_true : array-like of bool
        The churn labels.
    score : array-like of float
        The churn score, higher = more likely to churn.
    n_bins : int, optional
        Number of groups (default 10, deciles).

    Returns
    -------
    DataFrame
        One row per group: ``decile`` (1 = highest risk), ``customers``, ``churners``,
        ``churn_rate``, ``lift`` (churn rate / overall churn rate) and ``cumulative_capture``
        (share of all churners found so far).
    """
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(score, dtype=float)
    order = np.argsort(-s, kind="stable")
    bins = np.arange(y.size) * n_bins // max(y.size, 1) + 1
    frame = pd.DataFrame({"decile": bins, "churned": y[order]})
    table = frame.groupby("decile")["churned"].agg(customers="size", churners="sum").reset_index()
    table["churn_rate"] = table["churners"] / table["customers"]
    table["lift"] = table["churn_rate"] / y.mean() if y.any() else np.nan
    table["cumulative_capture"] = table["churners"].cumsum() / max(int(y.sum()), 1)
    return table


def calibration_table(y_true, probability, n_bins: int = 10) -> pd.DataFrame:
    """Mean predicted vs observed churn rate in ``n_bins`` quantile bins of the prediction.

    Parameters
    ----------
    y_true : array-like of bool
        The churn labels.
    probability : array-like of float
        Predicted churn probabilities.
    n_bins : int, optional
        Number of quantile bins (default 10; bins without customers are dropped).

    Returns
    -------
    DataFrame
        One row per bin: ``mean_predicted`` and ``observed_churn_rate``.
    """
    observed, predicted = calibration_curve(np.asarray(y_true, dtype=bool), np.asarray(probability, dtype=float),
                                            n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"mean_predicted": predicted, "observed_churn_rate": observed})
