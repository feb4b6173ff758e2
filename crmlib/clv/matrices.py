"""Frequency × recency grids of P(alive) and expected purchases for a fitted purchase model.

lifetimes has ``conditional_probability_alive_matrix`` and matching plots, but its plotting
helpers are partly broken on current pandas/matplotlib and its grids use one column per
time unit (hundreds of columns in days). These functions return tidy matrices on a coarse
recency grid; :mod:`crmlib.plots.clv` draws them.

Example
-------
>>> from crmlib.clv.models import PurchaseFit
>>> fit = PurchaseFit("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, 0.0, 1, 1, "W")
>>> m = alive_matrix(fit, T=39.0, max_frequency=3, n_recency=4)
>>> m.shape, float(m.loc[0].iloc[0])
((4, 4), 1.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.clv.models import PurchaseFit


def _grid(T: float, max_frequency: int, n_recency: int):
    recency = np.linspace(0.0, T, n_recency)
    frequency = np.arange(max_frequency + 1, dtype=float)
    f, r = np.meshgrid(frequency, recency, indexing="ij")
    return frequency, recency, f, r


def alive_matrix(fit: PurchaseFit, T: float, max_frequency: int = 20, n_recency: int = 25) -> pd.DataFrame:
    """P(alive) for customers of age ``T``: rows = frequency 0..max, columns = recency (rounded).

    Parameters
    ----------
    fit : PurchaseFit
        A fitted purchase model.
    T : float
        Customers' age, in the fit's time unit; the recency grid runs from 0 to ``T``.
    max_frequency : int, optional
        Highest frequency row; default 20.
    n_recency : int, optional
        Number of evenly spaced recency columns; default 25.

    Returns
    -------
    frame
        Index ``frequency`` (0..max), columns ``recency`` (rounded to 0.1); NaN where impossible.
    """
    frequency, recency, f, r = _grid(T, max_frequency, n_recency)
    with np.errstate(all="ignore"):
        values = np.asarray(fit.estimator().conditional_probability_alive(f.ravel(), r.ravel(), np.full(f.size, T)), dtype=float)
    values = np.where((f.ravel() == 0) & (r.ravel() > 0), np.nan, values)  # impossible: no repeat but recency > 0
    return pd.DataFrame(values.reshape(f.shape), index=pd.Index(frequency.astype(int), name="frequency"),
                        columns=pd.Index(np.round(recency, 1), name="recency"))


def expected_purchases_matrix(fit: PurchaseFit, T: float, t: float, max_frequency: int = 20,
                              n_recency: int = 25) -> pd.DataFrame:
    """Expected purchases in the next ``t`` time units for customers of age ``T``.

    Parameters
    ----------
    fit : PurchaseFit
        A fitted purchase model.
    T : float
        Customers' age, in the fit's time unit; the recency grid runs from 0 to ``T``.
    t : float
        Length of the future period, in the fit's time unit.
    max_frequency : int, optional
        Highest frequency row; default 20.
    n_recency : int, optional
        Number of evenly spaced recency columns; default 25.

    Returns
    -------
    frame
        Index ``frequency`` (0..max), columns ``recency`` (rounded to 0.1); NaN where impossible.
    """
    frequency, recency, f, r = _grid(T, max_frequency, n_recency)
    with np.errstate(all="ignore"):
        values = np.asarray(fit.estimator().conditional_expected_number_of_purchases_up_to_time(
            t, f.ravel(), r.ravel(), np.full(f.size, T)), dtype=float)
    values = np.where((f.ravel() == 0) & (r.ravel() > 0), np.nan, values)
    return pd.DataFrame(values.reshape(f.shape), index=pd.Index(frequency.astype(int), name="frequency"),
                        columns=pd.Index(np.round(recency, 1), name="recency"))
