"""One call for other notebooks: churn probability and top driver per customer (cached).

``score_churn(dataset)`` runs the churn notebook's model workflow with its defaults — choose the
label (purchases or the customers table's label), train on the earlier cutoff, evaluate on the
later one, pick the model, refit on the later cutoff and score every customer as of the analysis
date — and returns one row per customer. With ``fingerprint`` the result is cached
(:mod:`crmlib.cache`), so the overview's scorecard and the churn notebook agree without fitting
twice. Pass ``clv`` (e.g. ``crmlib.clv.score_customers(...)["clv"]``) to get ``value_at_risk``.

Example
-------
>>> from crmlib.io import load_dataset                                  # doctest: +SKIP
>>> ds = load_dataset("data/sample")                                    # doctest: +SKIP
>>> scores = score_churn(ds, window_days=90, fingerprint=ds.fingerprint)  # doctest: +SKIP
>>> scores[["churn_probability", "top_driver"]].head()                  # doctest: +SKIP
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from crmlib.cache import cached
from crmlib.churn.drivers import top_drivers
from crmlib.churn.groups import label_mode
from crmlib.churn.study import ChurnTables, evaluate_models, score_customers_now

SCORE_COLUMNS = ["churn_probability", "top_driver", "driver_effect"]


def _compute(dataset, window_days: int, mode: str, model: str, recent_days: int) -> dict:
    tables = ChurnTables.from_dataset(dataset)
    source = label_mode(mode, dataset.customers)
    evaluation = evaluate_models(tables, window_days=window_days, analysis_date=dataset.analysis_date,
                                 label_source=source, recent_days=recent_days)
    chosen = evaluation.best_model() if model == "auto" else model
    final, X_now = score_customers_now(tables, evaluation, dataset.analysis_date, chosen, recent_days=recent_days)
    features = [f for f in evaluation.importance["feature"].head(8) if f in X_now.columns]
    scores = top_drivers(final, X_now, features)
    scores.insert(0, "churn_probability", final.churn_probability(X_now))
    return {"scores": scores[SCORE_COLUMNS], "model": {**evaluation.to_dict(), "model_for_scores": chosen}}


def score_churn(dataset, *, window_days: int = 90, mode: str = "auto", model: str = "auto",
                recent_days: int = 90, clv: pd.Series | None = None, fingerprint: str | None = None) -> pd.DataFrame:
    """Churn probability (next ``window_days``), top driver and its effect per customer.

    Parameters
    ----------
    dataset : a :class:`crmlib.io.Dataset`.
    window_days, mode, model, recent_days : as the churn notebook's parameters.
    clv : optional Series customer_id -> CLV; adds ``clv`` and ``value_at_risk``.
    fingerprint : ``dataset.fingerprint`` to cache the fit and scores.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``SCORE_COLUMNS`` (plus ``clv``, ``value_at_risk``);
    ``attrs["churn_model"]`` holds the definition, cutoffs and test metrics as a plain dict.
    """
    params = {"window_days": window_days, "mode": mode, "model": model, "recent_days": recent_days,
              "analysis_date": f"{pd.Timestamp(dataset.analysis_date):%Y-%m-%d}"}
    compute = partial(_compute, dataset, window_days, mode, model, recent_days)
    result = cached("churn_scores", fingerprint, params, compute) if fingerprint else compute()
    scores = result["scores"].copy()
    if clv is not None:
        scores["clv"] = clv.reindex(scores.index).astype(float)
        scores["value_at_risk"] = scores["churn_probability"] * scores["clv"].fillna(0.0)
    scores.attrs["churn_model"] = result["model"]
    return scores
