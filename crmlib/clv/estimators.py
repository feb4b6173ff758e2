"""The CLV models as scikit-learn estimators: :class:`PurchaseModel` and :class:`SpendModel`.

``PurchaseModel(model="bgnbd" | "mbgnbd" | "pareto")`` models how often customers buy and when
they drop out; ``SpendModel()`` (Gamma-Gamma) how much they spend per purchase. Both follow
scikit-learn: ``__init__`` stores the settings only, ``fit(summary)`` returns the estimator with
the learned attributes ending in ``_`` (``params_``, ``log_likelihood_``, …), and
``get_params``/``set_params``/``sklearn.base.clone`` work. ``fit`` is
:func:`crmlib.clv.models.fit_purchase_model` / :func:`~crmlib.clv.models.fit_spend_model`
(crmlib's own likelihoods, :mod:`crmlib.clv.likelihood`, with the penalizer fallback); the fitted
record is kept in ``fit_`` (a picklable :class:`~crmlib.clv.models.PurchaseFit` /
:class:`~crmlib.clv.models.SpendFit`), and ``PurchaseFit.estimator()`` /
``SpendFit.estimator()`` turn a cached record back into an estimator.

The predictions are closed forms, with lifetimes' method names and arguments and evaluated as
lifetimes 0.11 evaluates them (same expressions, same order, so the numbers agree to the last
bits; lifetimes is MIT-licensed and stays the reference the tests compare with):

- BG/NBD: Fader, Hardie & Lee (2005) "Counting your customers the easy way", Marketing Science
  24(2), eqs. 9 and 10 (the Gaussian hypergeometric term in log space, with the Euler transform
  where it overflows), and Hardie's note 021 for P(alive);
- MBG/NBD: Batislam, Denizel & Filiztekin (2007), and Wagner & Hoppe (2008) for the conditional
  expectation;
- Pareto/NBD: Hardie's note 009 (2005), eqs. 18–20, 27, 36–37 and 41. P(alive) and the
  conditional expectation do not depend on the time unit (alpha, beta and t scale with it), so
  they are evaluated in time scaled so the largest T of the call is 1: in the data's unit the
  A_0 term turns NaN for customers whose recency equals T once the parameters are large (regular
  subscription payments give r ≈ 150);
- Gamma-Gamma: Fader & Hardie's note 025 (2005), eq. 5.

:meth:`PurchaseModel.discounted_expected_purchases` is lifetimes' discounted-cash-flow step of its
CLV (months of 30 days or 4.345 weeks, each month's expected purchases discounted at the monthly
rate), and :meth:`SpendModel.customer_lifetime_value` multiplies it by the expected spend.

Example
-------
>>> model = PurchaseModel.from_params("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, time_unit="W")
>>> round(float(model.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)), 3)
1.226
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln, hyp2f1
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from crmlib.clv.likelihood import pareto_nbd_conditional_log_likelihood, pareto_nbd_log_A_0
from crmlib.clv.models import (
    PENALIZER_LADDER,
    PurchaseFit,
    SpendFit,
    fit_purchase_model,
    fit_spend_model,
    parameter_names,
)
from crmlib.errors import DataError

MONTH_IN_UNITS = {"D": 30.0, "W": 4.345}  # lifetimes' month in days / weeks


def _floats(*values):
    return tuple(np.asarray(v, dtype=float) for v in values)


# BG/NBD (Fader, Hardie & Lee 2005)

def _bgnbd_expected(params: dict, t):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)


def _bgnbd_conditional_expected(params: dict, t, x, recency, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    _a, _b, _c = r + x, b + x, a + b + x - 1
    _z = t / (alpha + T + t)
    ln_hyp_term = np.log(hyp2f1(_a, _b, _c, _z))
    # where the series overflows, its Euler transform: 2F1(a, b; c; z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z)
    ln_hyp_term_alt = np.log(hyp2f1(_c - _a, _c - _b, _c, _z)) + (_c - _a - _b) * np.log(1 - _z)
    ln_hyp_term = np.where(np.isinf(ln_hyp_term), ln_hyp_term_alt, ln_hyp_term)
    first_term = (a + b + x - 1) / (a - 1)
    second_term = 1 - np.exp(ln_hyp_term + (r + x) * np.log((alpha + T) / (alpha + t + T)))
    numerator = first_term * second_term
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + recency)) ** (r + x)
    return numerator / denominator


def _bgnbd_alive(params: dict, x, recency, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    log_div = (r + x) * np.log((alpha + T) / (alpha + recency)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_div))


# MBG/NBD (Batislam, Denizel & Filiztekin 2007; Wagner & Hoppe 2008)

def _mbgnbd_expected(params: dict, t):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    hyp = hyp2f1(r, b + 1, a + b, t / (alpha + t))
    return b / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)


def _mbgnbd_conditional_expected(params: dict, t, x, recency, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    hyp_term = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
    first_term = (a + b + x) / (a - 1)
    second_term = 1 - hyp_term * ((alpha + T) / (alpha + t + T)) ** (r + x)
    numerator = first_term * second_term
    denominator = 1 + (a / (b + x)) * ((alpha + T) / (alpha + recency)) ** (r + x)
    return numerator / denominator


def _mbgnbd_alive(params: dict, x, recency, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    return 1.0 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + recency)) ** (r + x))


# Pareto/NBD (Hardie, note 009), the conditional forms in scaled time

def _pareto_expected(params: dict, t):
    r, alpha, s, beta = (params[k] for k in ("r", "alpha", "s", "beta"))
    first_term = r * beta / alpha / (s - 1)
    second_term = 1 - (beta / (beta + t)) ** (s - 1)
    return first_term * second_term


def _in_scaled_time(params: dict, T) -> tuple[list, float]:
    """(r, alpha, s, beta) with alpha and beta in time scaled so the largest ``T`` is 1, and the scale."""
    longest = float(np.max(T))
    scale = 1.0 / longest if longest > 0 else 1.0
    return [params["r"] * 1.0, params["alpha"] * scale, params["s"] * 1.0, params["beta"] * scale], scale


def _pareto_conditional_expected(params: dict, t, x, recency, T):
    scaled, scale = _in_scaled_time(params, T)
    t, t_x, T = t * scale, recency * scale, T * scale
    r, alpha, s, beta = scaled
    likelihood = pareto_nbd_conditional_log_likelihood(scaled, x, t_x, T)
    first_term = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - (r + x) * np.log(alpha + T)
                  - s * np.log(beta + T))
    second_term = np.log(r + x) + np.log(beta + T) - np.log(alpha + T)
    third_term = np.log((1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1))
    return np.exp(first_term + second_term + third_term - likelihood)


def _pareto_alive(params: dict, x, recency, T):
    scaled, scale = _in_scaled_time(params, T)
    t_x, T = recency * scale, T * scale
    r, alpha, s, beta = scaled
    A_0 = pareto_nbd_log_A_0(scaled, x, t_x, T)
    return 1.0 / (1.0 + np.exp(np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                               + A_0))


_PREDICTIONS = {  # model -> (E[X(t)], E[X(t) | history], P(alive | history))
    "bgnbd": (_bgnbd_expected, _bgnbd_conditional_expected, _bgnbd_alive),
    "mbgnbd": (_mbgnbd_expected, _mbgnbd_conditional_expected, _mbgnbd_alive),
    "pareto": (_pareto_expected, _pareto_conditional_expected, _pareto_alive),
}


class PurchaseModel(BaseEstimator):
    """A purchase model (BG/NBD, MBG/NBD or Pareto/NBD) fitted by crmlib's likelihoods.

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pareto"}
        The model.
    penalizer : float
        L2 penalizer of the first attempt (0 = plain maximum likelihood).
    shrinkage : float
        BG/NBD and MBG/NBD only: ridge on the log-parameters (see :func:`crmlib.clv.likelihood.fit_bgnbd`).
    time_unit : {"D", "W"}
        The unit of recency and T; sets the month of :meth:`discounted_expected_purchases`.
    ladder : tuple of float
        Larger penalizers tried in turn when a fit does not converge (reported in ``fallback_``).

    Attributes
    ----------
    params_ : dict, the estimates (``r, alpha, a, b`` or ``r, alpha, s, beta``; alpha and beta in ``time_unit``)
    log_likelihood_ : float, total log-likelihood of the fit, without penalizer
    penalizer_ : float, the penalizer the fit needed
    fallback_ : str, why a penalizer was needed ("" if none)
    warning_ : str, a sentence when the estimates ran off towards 0 or infinity
    n_customers_ : int, customers fitted on
    fit_ : PurchaseFit, the fitted record (picklable, ``to_dict`` for JSON)

    Example
    -------
    >>> from crmlib.data.load import load_dataset
    >>> from crmlib.scans.summary import calibration_holdout_summary
    >>> cal = calibration_holdout_summary(load_dataset("data/cdnow").transactions, "1997-09-30", "1998-06-30", "W")
    >>> model = PurchaseModel("bgnbd", time_unit="W").fit(cal)
    >>> {name: round(value, 3) for name, value in model.params_.items()}, round(model.log_likelihood_, 1)
    ({'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}, -9582.4)
    >>> [round(float(p), 3) for p in model.conditional_probability_alive([0, 2, 2], [0.0, 30.43, 5.0], 38.86)]
    [1.0, 0.727, 0.124]
    """

    def __init__(self, model: str = "bgnbd", penalizer: float = 0.0, shrinkage: float = 0.0, time_unit: str = "D",
                 ladder: tuple[float, ...] = PENALIZER_LADDER):
        self.model = model
        self.penalizer = penalizer
        self.shrinkage = shrinkage
        self.time_unit = time_unit
        self.ladder = ladder

    def fit(self, summary: pd.DataFrame, y=None) -> PurchaseModel:
        """Fit on a per-customer summary with ``frequency``, ``recency`` and ``T`` (``y`` is ignored).

        Parameters
        ----------
        summary : frame
            One row per customer with ``frequency``, ``recency`` and ``T`` in ``time_unit``.
        y : None
            Ignored; there for scikit-learn's ``fit(X, y)`` convention.

        Returns
        -------
        PurchaseModel
            This estimator, fitted (``params_``, ``log_likelihood_``, ``fit_`` …).
        """
        fit = fit_purchase_model(summary, self.model, time_unit=self.time_unit, penalizer=self.penalizer,
                                 ladder=tuple(self.ladder), shrinkage=self.shrinkage)
        return self._learn(fit)

    def _learn(self, fit: PurchaseFit) -> PurchaseModel:
        self.fit_ = fit
        self.params_ = {name: float(fit.params[name]) for name in parameter_names(fit.model)}
        self.log_likelihood_ = fit.log_likelihood
        self.penalizer_ = fit.penalizer
        self.fallback_ = fit.fallback
        self.warning_ = fit.warning
        self.n_customers_ = fit.n_customers
        return self

    @classmethod
    def from_fit(cls, fit: PurchaseFit) -> PurchaseModel:
        """The fitted estimator of a :class:`~crmlib.clv.models.PurchaseFit` (e.g. one kept in the cache).

        Parameters
        ----------
        fit : PurchaseFit
            The fitted record; its model, penalizer, shrinkage and time unit become the settings.

        Returns
        -------
        PurchaseModel
            A fitted estimator with the record's parameters.
        """
        return cls(fit.model, penalizer=fit.penalizer, shrinkage=fit.shrinkage, time_unit=fit.time_unit)._learn(fit)

    @classmethod
    def from_params(cls, model: str, params: dict[str, float], *, time_unit: str = "D",
                    penalizer: float = 0.0) -> PurchaseModel:
        """An estimator with given parameters, ready for predictions (no fit; ``log_likelihood_`` is NaN).

        Parameters
        ----------
        model : {"bgnbd", "mbgnbd", "pareto"}
            Purchase model key.
        params : dict of str to float
            All of the model's parameters by name (a missing one raises a DataError).
        time_unit : {"D", "W"}, optional
            The unit the parameters are in; default ``"D"``.
        penalizer : float, optional
            Penalizer recorded with the estimator; default 0.

        Returns
        -------
        PurchaseModel
            A fitted estimator with these parameters.

        >>> PurchaseModel.from_params("pareto", {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}).model
        'pareto'
        """
        names = parameter_names(model)
        missing = [name for name in names if name not in params]
        if missing:
            raise DataError(f"the {model} parameters lack {missing}", hint=f"Give all of {', '.join(names)}.")
        fit = PurchaseFit(model, {name: float(params[name]) for name in names}, float("nan"), 0, 0, time_unit,
                          penalizer=penalizer)
        return cls.from_fit(fit)

    def _predictions(self):
        check_is_fitted(self, "params_")
        return _PREDICTIONS[self.fit_.model]

    def expected_number_of_purchases_up_to_time(self, t) -> np.ndarray:
        """Expected repeat purchases in ``t`` time units of a new customer (FHL 2005 eq. 9; Hardie 009 eq. 27).

        Parameters
        ----------
        t : float or array-like
            Length of the period, in ``time_unit``.

        Returns
        -------
        ndarray of float
            Expected repeat purchases per value of ``t``.

        >>> model = PurchaseModel.from_params("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> round(float(model.expected_number_of_purchases_up_to_time(39.0)), 4)
        1.1967
        """
        (t,) = _floats(t)
        return np.asarray(self._predictions()[0](self.params_, t), dtype=float)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T) -> np.ndarray:
        """Expected repeat purchases in the next ``t`` time units of customers with this history
        (FHL 2005 eq. 10; Wagner & Hoppe 2008; Hardie 009 eq. 41).

        Parameters
        ----------
        t : float or array-like
            Length of the future period, in ``time_unit``.
        frequency : float or array-like
            Repeat purchases per customer.
        recency : float or array-like
            Age at the last purchase, in ``time_unit``.
        T : float or array-like
            Age at the end of the observation period, in ``time_unit``.

        Returns
        -------
        ndarray of float
            Expected repeat purchases per customer (arguments broadcast).
        """
        t, x, recency, T = _floats(t, frequency, recency, T)
        return np.asarray(self._predictions()[1](self.params_, t, x, recency, T), dtype=float)

    def conditional_probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(the customer has not dropped out) given the history (Hardie notes 021 and 009 eqs. 36–37).

        Parameters
        ----------
        frequency : float or array-like
            Repeat purchases per customer.
        recency : float or array-like
            Age at the last purchase, in ``time_unit``.
        T : float or array-like
            Age at the end of the observation period, in ``time_unit``.

        Returns
        -------
        ndarray of float
            Probability alive per customer, between 0 and 1.
        """
        x, recency, T = _floats(frequency, recency, T)
        return np.asarray(self._predictions()[2](self.params_, x, recency, T), dtype=float)

    def discounted_expected_purchases(self, frequency, recency, T, months: int = 12,
                                      monthly_discount_rate: float = 0.01) -> np.ndarray:
        """Σ over ``months`` of each month's conditional expected purchases, discounted to today.

        lifetimes' discounted cash flow with a spend of 1: a month is 30 days or 4.345 weeks
        (``time_unit``), month k's purchases are E[X(k)] − E[X(k−1)], discounted by (1 + rate)^k.

        Parameters
        ----------
        frequency : float or array-like
            Repeat purchases per customer.
        recency : float or array-like
            Age at the last purchase, in ``time_unit``.
        T : float or array-like
            Age at the end of the observation period, in ``time_unit``.
        months : int, optional
            Horizon in months; default 12.
        monthly_discount_rate : float, optional
            Discount rate per month; default 0.01 (1 %).

        Returns
        -------
        ndarray of float
            Discounted expected purchases per customer over the horizon.

        >>> model = PurchaseModel.from_params("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        ...                                   time_unit="W")
        >>> round(float(model.discounted_expected_purchases(2, 30.43, 38.86, months=12, monthly_discount_rate=0.0)), 4)
        1.5622
        """
        if self.time_unit not in MONTH_IN_UNITS:
            raise DataError(f"unknown time unit {self.time_unit!r}", hint="Use 'D' or 'W'.")
        factor = MONTH_IN_UNITS[self.time_unit]
        total = 0.0
        for i in np.arange(1, int(months) + 1) * factor:  # one step per month (12 or so), each vectorised
            with np.errstate(divide="ignore"):  # Pareto/NBD at t = 0: exp(log 0) = 0 purchases, as it should be
                before = self.conditional_expected_number_of_purchases_up_to_time(i - factor, frequency, recency, T)
            expected = self.conditional_expected_number_of_purchases_up_to_time(i, frequency, recency, T) - before
            total = total + expected / (1 + monthly_discount_rate) ** (i / factor)
        return np.asarray(total, dtype=float)


class SpendModel(BaseEstimator):
    """The Gamma-Gamma spend model fitted by crmlib's likelihood, on repeat buyers with positive spend.

    Parameters
    ----------
    penalizer : float
        L2 penalizer of the first attempt (0 = plain maximum likelihood).
    ladder : tuple of float
        Larger penalizers tried in turn when the fit does not converge.

    Attributes
    ----------
    params_ : dict, the estimates ``p, q, v``
    log_likelihood_ : float, total log-likelihood on the repeat buyers fitted
    penalizer_ : float, the penalizer the fit needed
    n_fitted_, n_excluded_ : int, repeat buyers fitted / left out for zero or negative spend
    frequency_spend_corr_ : float, Pearson correlation of frequency and mean spend (assumed independent)
    notes_ : list of str, what to keep in mind when reading the fit
    fit_ : SpendFit, the fitted record

    Example
    -------
    >>> from crmlib.data.load import load_dataset
    >>> from crmlib.scans.summary import calibration_holdout_summary
    >>> cal = calibration_holdout_summary(load_dataset("data/cdnow").transactions, "1997-09-30", "1998-06-30", "W")
    >>> spend = SpendModel().fit(cal)
    >>> {name: round(value, 2) for name, value in spend.params_.items()}, spend.n_fitted_
    ({'p': 6.25, 'q': 3.74, 'v': 15.44}, 946)
    """

    def __init__(self, penalizer: float = 0.0, ladder: tuple[float, ...] = PENALIZER_LADDER):
        self.penalizer = penalizer
        self.ladder = ladder

    def fit(self, summary: pd.DataFrame, y=None) -> SpendModel:
        """Fit on a per-customer summary with ``frequency`` and ``monetary_value`` (``y`` is ignored).

        Parameters
        ----------
        summary : frame
            One row per customer with ``frequency`` and ``monetary_value`` (mean repeat spend).
        y : None
            Ignored; there for scikit-learn's ``fit(X, y)`` convention.

        Returns
        -------
        SpendModel
            This estimator, fitted (``params_``, ``n_fitted_``, ``notes_``, ``fit_`` …).
        """
        return self._learn(fit_spend_model(summary, penalizer=self.penalizer, ladder=tuple(self.ladder)))

    def _learn(self, fit: SpendFit) -> SpendModel:
        self.fit_ = fit
        self.params_ = {name: float(fit.params[name]) for name in ("p", "q", "v")}
        self.log_likelihood_ = fit.log_likelihood
        self.penalizer_ = fit.penalizer
        self.n_fitted_, self.n_excluded_ = fit.n_fitted, fit.n_excluded
        self.frequency_spend_corr_ = fit.frequency_spend_corr
        self.notes_ = list(fit.notes)
        return self

    @classmethod
    def from_fit(cls, fit: SpendFit) -> SpendModel:
        """The fitted estimator of a :class:`~crmlib.clv.models.SpendFit` (e.g. one kept in the cache).

        Parameters
        ----------
        fit : SpendFit
            The fitted record; its penalizer becomes the setting.

        Returns
        -------
        SpendModel
            A fitted estimator with the record's parameters.
        """
        return cls(penalizer=fit.penalizer)._learn(fit)

    @classmethod
    def from_params(cls, params: dict[str, float], *, penalizer: float = 0.0) -> SpendModel:
        """An estimator with given ``p, q, v``, ready for predictions (``log_likelihood_`` is NaN).

        Parameters
        ----------
        params : dict of str to float
            ``p``, ``q`` and ``v`` (a missing one raises a DataError); others are ignored.
        penalizer : float, optional
            Penalizer recorded with the estimator; default 0.

        Returns
        -------
        SpendModel
            A fitted estimator with these parameters.

        >>> spend = SpendModel.from_params({"p": 6.25, "q": 3.74, "v": 15.44})
        >>> [round(float(s), 2) for s in spend.conditional_expected_average_profit([1, 10], [20.0, 20.0])]
        [24.64, 20.64]
        """
        missing = [name for name in ("p", "q", "v") if name not in params]
        if missing:
            raise DataError(f"the Gamma-Gamma parameters lack {missing}", hint="Give all of p, q, v.")
        fit = SpendFit({name: float(params[name]) for name in ("p", "q", "v")}, float("nan"), 0, 0, float("nan"),
                       penalizer=penalizer)
        return cls.from_fit(fit)

    def conditional_expected_average_profit(self, frequency, monetary_value) -> np.ndarray:
        """Expected mean spend per purchase given ``frequency`` repeat purchases of mean ``monetary_value``
        (note 025, eq. 5): a weighted average of the customer's own mean and the population mean.

        Parameters
        ----------
        frequency : float or array-like
            Repeat purchases per customer.
        monetary_value : float or array-like
            Mean spend of the customer's repeat purchases.

        Returns
        -------
        ndarray of float
            Expected mean spend per purchase, per customer.
        """
        check_is_fitted(self, "params_")
        frequency, monetary_value = _floats(frequency, monetary_value)
        p, q, v = (self.params_[k] for k in ("p", "q", "v"))
        individual_weight = p * frequency / (p * frequency + q - 1)
        population_mean = v * p / (q - 1)
        return np.asarray((1 - individual_weight) * population_mean + individual_weight * monetary_value, dtype=float)

    def customer_lifetime_value(self, purchase_model: PurchaseModel, frequency, recency, T, monetary_value,
                                months: int = 12, monthly_discount_rate: float = 0.01) -> np.ndarray:
        """Discounted expected spend over ``months``: expected mean spend × discounted expected purchases.

        Parameters
        ----------
        purchase_model : PurchaseModel
            A fitted purchase model, for the discounted expected purchases.
        frequency : float or array-like
            Repeat purchases per customer.
        recency : float or array-like
            Age at the last purchase, in the purchase model's ``time_unit``.
        T : float or array-like
            Age at the end of the observation period, in the purchase model's ``time_unit``.
        monetary_value : float or array-like
            Mean spend of the customer's repeat purchases.
        months : int, optional
            Horizon in months; default 12.
        monthly_discount_rate : float, optional
            Discount rate per month; default 0.01 (1 %).

        Returns
        -------
        ndarray of float
            Discounted expected spend per customer over the horizon.

        >>> purchases = PurchaseModel.from_params("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        ...                                       time_unit="W")
        >>> spend = SpendModel.from_params({"p": 6.25, "q": 3.74, "v": 15.44})
        >>> round(float(spend.customer_lifetime_value(purchases, 2, 30.43, 38.86, 20.0, monthly_discount_rate=0.0)), 2)
        35.52
        """
        return (self.conditional_expected_average_profit(frequency, monetary_value)
                * purchase_model.discounted_expected_purchases(frequency, recency, T, months, monthly_discount_rate))


__all__ = ["MONTH_IN_UNITS", "PurchaseModel", "SpendModel"]
