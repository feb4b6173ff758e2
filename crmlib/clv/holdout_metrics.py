"""Holdout metrics that do not flatter, and a model choice that knows when it is a tie.

Everything here is measured over the holdout period only (after the calibration end), on the
customers the models were fitted on (calibration only):

- :func:`customer_metrics`: total predicted vs actual holdout repeat purchases, per-customer
  MAE, RMSE and Spearman rank correlation;
- :func:`decile_calibration`: customers grouped by decile of predicted holdout purchases
  (1 = the highest predictions), mean predicted vs mean actual in each;
- :func:`paired_bootstrap`: the bootstrap interval of the RMSE difference of two models on
  the same resampled customers (paired, so the shared noise cancels);
- :func:`choose_model`: the simplest model (BG/NBD, then MBG/NBD, then Pareto/NBD) whose RMSE
  is not clearly worse than the best one — "clearly" meaning the 95 % interval of the
  difference lies above zero. Holdout RMSE differences of a few thousandths are ties.

The naive baselines: each customer's calibration repeat rate carried forward ("own rate"), and
every customer at the calibration customers' average rate ("average rate").

Example
-------
>>> actual = np.array([0.0, 1.0, 3.0, 0.0, 2.0])
>>> m = customer_metrics(actual, np.array([0.2, 0.9, 2.5, 0.1, 1.8]))
>>> round(m["mae"], 2), round(m["rmse"], 3), round(m["spearman"], 3), m["predicted_total"], m["actual_total"]
(0.22, 0.265, 0.975, 5.5, 6.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

SIMPLICITY = ("bgnbd", "mbgnbd", "pareto")  # simplest first: ties go to the earlier model
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 18
BOOTSTRAP_MAX_CUSTOMERS = 200_000  # beyond this a random subset of customers is resampled (stated)


def customer_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Totals, MAE, RMSE, Spearman and the total error in % of ``predicted`` against ``actual``.

    Parameters
    ----------
    actual : ndarray
        Holdout repeat purchases per customer.
    predicted : ndarray
        A model's predicted holdout repeat purchases, in the same customer order.

    Returns
    -------
    dict of str to float
        ``actual_total``, ``predicted_total``, ``total_error_pct``, ``mae``, ``rmse`` and
        ``spearman`` (NaN when either side is constant).
    """
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    diff = predicted - actual
    varies = np.ptp(actual) > 0 and np.ptp(predicted) > 0
    return {
        "actual_total": float(actual.sum()),
        "predicted_total": float(predicted.sum()),
        "total_error_pct": float(100 * (predicted.sum() - actual.sum()) / max(actual.sum(), 1e-9)),
        "mae": float(np.mean(np.abs(diff))),
        "rmse": float(np.sqrt(np.mean(diff**2))),
        "spearman": float(spearmanr(predicted, actual).statistic) if varies else float("nan"),
    }


def decile_calibration(actual: np.ndarray, predictions: dict[str, np.ndarray], deciles: int = 10) -> pd.DataFrame:
    """Mean predicted vs actual holdout purchases by decile of each model's prediction.

    Columns ``model``, ``decile`` (1 = the highest predictions), ``customers``, ``predicted``,
    ``actual`` (means per customer).

    Parameters
    ----------
    actual : ndarray
        Holdout repeat purchases per customer.
    predictions : dict of str to ndarray
        Predicted holdout purchases by model key, in the same customer order.
    deciles : int, optional
        Number of groups; default 10.

    Returns
    -------
    frame
        Range index, one row per model and decile, with the columns above.

    >>> t = decile_calibration(np.array([0.0, 0, 1, 2, 5]), {"m": np.array([0.1, 0.2, 0.9, 1.5, 4.0])}, deciles=5)
    >>> t[["predicted", "actual"]].values.tolist()[:2]
    [[4.0, 5.0], [1.5, 2.0]]
    """
    actual = np.asarray(actual, dtype=float)
    frames = []
    for key, predicted in predictions.items():
        rank = pd.Series(predicted).rank(method="first", ascending=False).to_numpy()
        decile = np.ceil(rank / len(rank) * deciles).astype(int)
        frame = pd.DataFrame({"decile": decile, "predicted": predicted, "actual": actual})
        table = frame.groupby("decile").agg(customers=("actual", "size"), predicted=("predicted", "mean"),
                                            actual=("actual", "mean")).reset_index()
        frames.append(table.assign(model=key))
    return pd.concat(frames, ignore_index=True)[["model", "decile", "customers", "predicted", "actual"]]


def bootstrap_rmse(actual: np.ndarray, predictions: list[np.ndarray], *, samples: int = BOOTSTRAP_SAMPLES,
                   seed: int = BOOTSTRAP_SEED) -> tuple[np.ndarray, int]:
    """Every model's holdout RMSE on the same ``samples`` bootstrap resamples of the customers.

    Customers are resampled with replacement; each resample is drawn once and scores every model,
    so the comparisons of several models with the best one share their resamples (and their cost).
    Above ``BOOTSTRAP_MAX_CUSTOMERS`` customers a fixed random subset of that size is resampled.

    Parameters
    ----------
    actual : ndarray
        Holdout repeat purchases per customer.
    predictions : list of ndarray
        The models' predictions, each in the same customer order as ``actual``.
    samples : int, optional
        Number of bootstrap resamples; default ``BOOTSTRAP_SAMPLES`` (1000).
    seed : int, optional
        Seed of the random generator; default ``BOOTSTRAP_SEED`` (18).

    Returns
    -------
    tuple of (ndarray, int)
        The RMSEs, one row per resample and one column per model, and the number of customers resampled.

    >>> y = np.array([0.0, 1.0, 2.0, 4.0])
    >>> draws, n = bootstrap_rmse(y, [y + 1.0, y], samples=3)
    >>> draws.shape, n, bool((draws[:, 0] == 1.0).all() and (draws[:, 1] == 0.0).all())
    ((3, 2), 4, True)
    """
    actual = np.asarray(actual, dtype=float)
    squares = [(np.asarray(p, dtype=float) - actual) ** 2 for p in predictions]
    rng = np.random.default_rng(seed)
    n = len(actual)
    if n > BOOTSTRAP_MAX_CUSTOMERS:
        keep = rng.choice(n, BOOTSTRAP_MAX_CUSTOMERS, replace=False)
        squares, n = [row[keep] for row in squares], BOOTSTRAP_MAX_CUSTOMERS
    draws = np.empty((samples, len(predictions)))
    for i in range(samples):  # one resample per draw of the generator, each vectorised over customers and models
        idx = rng.integers(0, n, n)
        draws[i] = [np.sqrt(row[idx].mean()) for row in squares]
    return draws, n


def _difference(draws: np.ndarray, estimate: float, first: int, second: int, n: int) -> dict[str, float]:
    low, high = np.quantile(draws[:, first] - draws[:, second], [0.025, 0.975])
    return {"difference": estimate, "low": float(low), "high": float(high), "samples": len(draws),
            "customers_resampled": n}


def paired_bootstrap(actual: np.ndarray, first: np.ndarray, second: np.ndarray, *,
                     samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> dict[str, float]:
    """RMSE(first) − RMSE(second) on the holdout and its 95 % paired bootstrap interval.

    Customers are resampled with replacement ``samples`` times; both models are scored on the
    same resample (:func:`bootstrap_rmse`). Above ``BOOTSTRAP_MAX_CUSTOMERS`` customers a fixed
    random subset of that size is resampled (the point estimate still uses everyone).

    Parameters
    ----------
    actual : ndarray
        Holdout repeat purchases per customer.
    first : ndarray
        The first model's predictions, in the same customer order.
    second : ndarray
        The second model's predictions, in the same customer order.
    samples : int, optional
        Number of bootstrap resamples; default ``BOOTSTRAP_SAMPLES`` (1000).
    seed : int, optional
        Seed of the random generator; default ``BOOTSTRAP_SEED`` (18).

    Returns
    -------
    dict of str to float
        ``difference``, its 2.5 % / 97.5 % quantiles ``low`` / ``high``, ``samples`` and
        ``customers_resampled``.

    >>> rng = np.random.default_rng(0)
    >>> y = rng.poisson(1.0, 500).astype(float)
    >>> d = paired_bootstrap(y, y + rng.normal(0, 1.0, 500), y + rng.normal(0, 1.01, 500))
    >>> d["low"] < 0 < d["high"]  # nearly the same errors: a tie
    True
    """
    actual = np.asarray(actual, dtype=float)
    draws, n = bootstrap_rmse(actual, [first, second], samples=samples, seed=seed)
    return _difference(draws, _rmse(first, actual) - _rmse(second, actual), 0, 1, n)


def _rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(((np.asarray(predicted, dtype=float) - actual) ** 2).mean()))


def choose_model(actual: np.ndarray, predictions: dict[str, np.ndarray]) -> tuple[str, str, dict[str, dict]]:
    """The simplest model not clearly worse than the lowest-RMSE one.

    Parameters
    ----------
    actual : ndarray
        Holdout repeat purchases per customer.
    predictions : dict of str to ndarray
        Predicted holdout purchases by model key, in the same customer order.

    Returns
    -------
    tuple of (str, str, dict)
        ``(chosen, best, comparisons)``: ``best`` is the lowest-RMSE model and
        ``comparisons[key]`` the :func:`paired_bootstrap` of RMSE(key) − RMSE(best) for every other
        model (all scored on the same resamples). ``chosen`` differs from ``best`` only on a tie
        (the interval contains 0).
    """
    actual = np.asarray(actual, dtype=float)
    rmse = {k: float(np.sqrt(np.mean((np.asarray(p, dtype=float) - actual) ** 2))) for k, p in predictions.items()}
    best = min(rmse, key=lambda k: (rmse[k], SIMPLICITY.index(k) if k in SIMPLICITY else 99))
    keys = list(predictions)
    others = [k for k in keys if k != best]
    comparisons = {}
    if others:
        draws, n = bootstrap_rmse(actual, [predictions[k] for k in keys])
        best_rmse = _rmse(predictions[best], actual)
        comparisons = {k: _difference(draws, _rmse(predictions[k], actual) - best_rmse, keys.index(k),
                                      keys.index(best), n) for k in others}
    order = sorted(predictions, key=lambda k: SIMPLICITY.index(k) if k in SIMPLICITY else 99)
    chosen = next(k for k in order if k == best or comparisons[k]["low"] <= 0)
    return chosen, best, comparisons


__all__ = ["SIMPLICITY", "bootstrap_rmse", "choose_model", "customer_metrics", "decile_calibration", "paired_bootstrap"]
