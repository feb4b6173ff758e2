"""The BG/NBD baselines, fitted on the cutoff's summary only (nothing after the cutoff).

The fit goes through :func:`crmlib.clv.fit_purchase_model` (BG/NBD by crmlib's likelihood, with the
CLV module's penalizer fallback; predictions by :class:`crmlib.clv.estimators.PurchaseModel`). Two
churn scores come from it:

- ``1 − P(alive)`` — the issue's baseline. Note that BG/NBD puts P(alive) = 1 for customers who
  bought only once (they cannot have dropped out after a repeat purchase), so on data full of
  one-time buyers this score ranks them as *safe* and does poorly;
- ``− expected purchases in the window`` (``bgnbd_expected``) — fewer expected purchases,
  higher churn risk; this uses the purchase rate as well as P(alive).

Example
-------
>>> from crmlib.data.sample import SampleParameters, generate_sample
>>> tables, _ = generate_sample(SampleParameters(n_customers=400, seed=5))
>>> tx = tables["transactions"].query("amount > 0 and customer_id != ''")
>>> p = p_alive_at(tx, "2024-06-30")
>>> bool(p.between(0, 1).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.scans.summary import customer_summary
from crmlib.settings import DEFAULTS


def bgnbd_at(transactions: pd.DataFrame, cutoff: str | pd.Timestamp, window_days: int = DEFAULTS.churn_window_days,
             model: str = "bgnbd") -> pd.DataFrame:
    """P(alive) and expected purchases at ``cutoff``, from a model fitted on the cutoff's summary.

    Parameters
    ----------
    transactions : DataFrame
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    cutoff : date-like
        Only purchases by this date are read.
    window_days : int, optional
        Days after ``cutoff`` the expected purchases are counted in (default
        ``DEFAULTS.churn_window_days``).
    model : {"bgnbd", "mbgnbd", "pareto"}, optional
        The purchase model (default ``"bgnbd"``).

    Returns
    -------
    DataFrame
        Index ``customer_id`` (every customer who bought by ``cutoff``): ``p_alive`` (clipped to
        [0, 1]) and ``expected_purchases``; ``attrs["fit"]`` holds the fit as a dict.
    """
    from crmlib.clv import fit_purchase_model

    summary = customer_summary(transactions, cutoff)
    fit = fit_purchase_model(summary, model, time_unit="D")
    fitter = fit.estimator()
    f, r, t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    with np.errstate(all="ignore"):
        p = np.asarray(fitter.conditional_probability_alive(f, r, t), dtype=float)
        expected = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(window_days, f, r, t),
                              dtype=float)
    out = pd.DataFrame({"p_alive": np.clip(p, 0.0, 1.0), "expected_purchases": expected}, index=summary.index)
    out.attrs["fit"] = fit.to_dict()
    return out


def p_alive_at(transactions: pd.DataFrame, cutoff: str | pd.Timestamp, model: str = "bgnbd") -> pd.Series:
    """P(alive) at ``cutoff`` for every customer who bought by then (index ``customer_id``).

    Parameters
    ----------
    transactions : DataFrame
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    cutoff : date-like
        Only purchases by this date are read.
    model : {"bgnbd", "mbgnbd", "pareto"}, optional
        The purchase model (default ``"bgnbd"``).

    Returns
    -------
    Series
        ``p_alive`` indexed by ``customer_id``; ``attrs["fit"]`` holds the fit as a dict.
    """
    scores = bgnbd_at(transactions, cutoff, model=model)
    out = scores["p_alive"]
    out.attrs["fit"] = scores.attrs["fit"]
    return out
