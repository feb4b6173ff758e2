"""Fit the purchase models (BG/NBD, MBG/NBD, Pareto/NBD) and the Gamma-Gamma spend model.

Fits run on the *unique* (frequency, recency, T) rows of the per-customer summary, each
weighted by how many customers share it (as lifetimes' ``weights`` argument and Fader & Hardie
do in their spreadsheets). The likelihood is the same, so the estimates are the same as a
fit on every customer, but a million customers collapse to far fewer rows.

The estimation itself is :mod:`crmlib.clv.likelihood`: lifetimes' likelihoods written out in
crmlib, with analytic gradients for BG/NBD, MBG/NBD and Gamma-Gamma and L-BFGS-B instead of
Nelder-Mead for Pareto/NBD — the same estimates as lifetimes' fitters, several times faster (see
``benchmarks/bench_clv_fit.py``). Predictions are made by the scikit-learn estimators of
:mod:`crmlib.clv.estimators` (``PurchaseFit.estimator()``, ``SpendFit.estimator()``).

Robustness, always reported and never silent:

- A failed optimisation raises :class:`crmlib.clv.likelihood.ConvergenceError` (non-finite or non-positive
  estimates count as a failure too). We then refit with the L2 penalizers in
  ``PENALIZER_LADDER`` in turn and record which one was needed in ``PurchaseFit.fallback``.
- Gamma-Gamma needs positive spend: repeat buyers with zero or negative mean spend are left
  out of its fit and counted in ``SpendFit.n_excluded``; the correlation of frequency and
  spend (the model assumes they are independent) is in ``SpendFit.frequency_spend_corr``.

Results are plain dataclasses (picklable, so :func:`crmlib.cache.cached` can keep them);
``.estimator()`` rebuilds the fitted :class:`~crmlib.clv.estimators.PurchaseModel` /
:class:`~crmlib.clv.estimators.SpendModel` for predictions.

References: Fader, Hardie & Lee (2005) "Counting your customers the easy way", Marketing
Science 24(2); Batislam, Denizel & Filiztekin (2007) MBG/NBD; Schmittlein, Morrison &
Colombo (1987) Pareto/NBD; Fader, Hardie & Lee (2005b) / Hardie note 025 Gamma-Gamma.

Example
-------
>>> from crmlib.data.cdnow import cdnow_transactions  # doctest: +SKIP
>>> fit = fit_purchase_model(calibration_summary, "bgnbd", time_unit="W")  # doctest: +SKIP
>>> {k: round(v, 3) for k, v in fit.params.items()}  # doctest: +SKIP
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.clv.likelihood import (
    ConvergenceError,
    bgnbd_negative_log_likelihood,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    gamma_gamma_negative_log_likelihood,
    mbgnbd_negative_log_likelihood,
    pareto_nbd_negative_log_likelihood,
)
from crmlib.errors import DataError
from crmlib.readiness import require_repeat_buyers

PURCHASE_MODELS = {  # key -> (readable name, parameter names)
    "bgnbd": ("BG/NBD", ("r", "alpha", "a", "b")),
    "mbgnbd": ("MBG/NBD", ("r", "alpha", "a", "b")),
    "pareto": ("Pareto/NBD", ("r", "alpha", "s", "beta")),
}
PENALIZER_LADDER = (0.001, 0.01, 0.1, 1.0)  # tried in turn after a ConvergenceError
RFM_COLUMNS = ("frequency", "recency", "T")


def model_label(model: str) -> str:
    """Readable name of a purchase model key (``"bgnbd"`` -> ``"BG/NBD"``).

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pareto"}
        Purchase model key; any other raises a DataError.

    Returns
    -------
    str
        The model's readable name, e.g. ``"Pareto/NBD"``.
    """
    return _spec(model)[0]


def parameter_names(model: str) -> tuple[str, ...]:
    """The parameters of a purchase model key, in the order of its likelihood.

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pareto"}
        Purchase model key; any other raises a DataError.

    Returns
    -------
    tuple of str
        The parameter names, e.g. ``('r', 'alpha', 'a', 'b')`` for BG/NBD.

    >>> parameter_names("pareto")
    ('r', 'alpha', 's', 'beta')
    """
    return _spec(model)[1]


def _spec(model: str):
    try:
        return PURCHASE_MODELS[model]
    except KeyError:
        raise DataError(f"unknown purchase model {model!r}",
                        hint=f"Use one of {', '.join(PURCHASE_MODELS)}.") from None


def parse_models(models: str | list[str] | tuple[str, ...]) -> list[str]:
    """Model keys from a comma-separated parameter such as ``"bgnbd,pareto"`` (validated).

    Parameters
    ----------
    models : str or list of str or tuple of str
        Comma-separated keys or a sequence of keys; case and surrounding spaces are ignored.

    Returns
    -------
    list of str
        Lower-cased keys without duplicates, in first-seen order (DataError if unknown or none).
    """
    keys = [m.strip().lower() for m in (models.split(",") if isinstance(models, str) else models)]
    keys = [k for k in keys if k]
    for key in keys:
        _spec(key)
    if not keys:
        raise DataError("no purchase model chosen", hint=f"Name at least one of {', '.join(PURCHASE_MODELS)}.")
    return list(dict.fromkeys(keys))


def check_summary(summary: pd.DataFrame, columns=RFM_COLUMNS) -> None:
    """Raise a DataError unless ``summary`` has ``columns`` and at least one customer.

    Parameters
    ----------
    summary : frame
        Per-customer summary (from ``customer_summary`` or ``wb.summary()``).
    columns : sequence of str, optional
        Columns it must have; default ``("frequency", "recency", "T")``.
    """
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise DataError(f"the customer summary lacks {missing}",
                        hint="Pass the frame from crmlib.scans.summary.customer_summary (or wb.summary()).")
    if len(summary) == 0:
        raise DataError("the customer summary is empty: no purchases up to the analysis date",
                        hint="Check analysis_date and the transactions file.")


def compress_rfm(summary: pd.DataFrame, columns=RFM_COLUMNS) -> pd.DataFrame:
    """Unique rows of ``columns`` with a ``weight`` column counting the customers on each.

    Parameters
    ----------
    summary : frame
        Per-customer summary, one row per customer.
    columns : sequence of str, optional
        Columns whose unique combinations are kept; default ``("frequency", "recency", "T")``.

    Returns
    -------
    frame
        Range index; ``columns`` (sorted ascending) and ``weight``, the number of customers per row.

    >>> s = pd.DataFrame({"frequency": [0.0, 0.0, 2.0], "recency": [0.0, 0.0, 5.0], "T": [9.0, 9.0, 9.0]})
    >>> compress_rfm(s).to_dict("records")
    [{'frequency': 0.0, 'recency': 0.0, 'T': 9.0, 'weight': 2}, {'frequency': 2.0, 'recency': 5.0, 'T': 9.0, 'weight': 1}]
    """
    check_summary(summary, columns)
    return summary.groupby(list(columns), sort=True).size().rename("weight").reset_index()


@dataclass
class PurchaseFit:
    """A fitted purchase model: parameters, total log-likelihood and how the fit went."""

    model: str
    params: dict[str, float]
    log_likelihood: float
    n_customers: int
    n_rows: int
    time_unit: str
    penalizer: float = 0.0
    fallback: str = ""
    seconds: float = 0.0
    warning: str = ""
    shrinkage: float = 0.0  # ridge on log-parameters (crmlib.clv.likelihood.fit_bgnbd), 0 = none
    uncertainty: dict | None = None  # crmlib.clv.uncertainty.purchase_uncertainty, when computed

    @property
    def label(self) -> str:
        return model_label(self.model)

    def estimator(self):
        """The fitted :class:`crmlib.clv.estimators.PurchaseModel` with these parameters, for predictions.

        Returns
        -------
        PurchaseModel
            A fitted estimator with this fit's model, parameters, time unit and penalizer.

        >>> fit = PurchaseFit("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4, 2357, 1, "W")
        >>> round(float(fit.estimator().conditional_probability_alive(2, 30.43, 38.86)), 3)
        0.727
        """
        from crmlib.clv.estimators import PurchaseModel  # the estimators build on this module

        return PurchaseModel.from_fit(self)

    def to_dict(self) -> dict:
        """The fit as a JSON-ready dict.

        Returns
        -------
        dict
            ``model``, ``label``, ``params``, ``log_likelihood``, counts, ``penalizer``,
            ``fallback``, ``warning``, ``fit_seconds`` (``shrinkage``, standard errors if any).
        """
        return {"model": self.model, "label": self.label, "params": self.params,
                "log_likelihood": self.log_likelihood, "n_customers": self.n_customers,
                "n_unique_rows": self.n_rows, "time_unit": self.time_unit,
                "penalizer": self.penalizer, "fallback": self.fallback or None,
                "warning": self.warning or None, "fit_seconds": round(self.seconds, 3),
                **({"shrinkage": self.shrinkage} if self.shrinkage else {}), **_uncertainty_dict(self.uncertainty)}


def _uncertainty_dict(uncertainty: dict | None) -> dict:
    """``standard_errors``, ``ci95`` (and a note when there are none) for a fit's ``to_dict``."""
    if uncertainty is None:
        return {}
    out = {"standard_errors": uncertainty["standard_errors"], "ci95": uncertainty["ci95"]}
    return out | ({"uncertainty_note": uncertainty["note"]} if uncertainty.get("note") else {})


def log_likelihood(model: str, params: dict, frequency, recency, T, weights=None) -> float:
    """Total (weighted) log-likelihood of ``params`` on the data, without any penalizer.

    Uses lifetimes' likelihoods (written out in :mod:`crmlib.clv.likelihood`), evaluated as
    lifetimes' fits do with time scaled so the largest T is 1 (unscaled, Pareto/NBD's
    hypergeometric term overflows for customers with a hundred purchases or more), then expressed
    in the data's time unit: rescaling time by c
    changes the density of x purchase times by c^-x. Values are comparable between models
    fitted on the same data (BG/NBD on CDNOW: about −9582.4).

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pareto"}
        Purchase model key.
    params : dict
        The model's parameters by name (see :func:`parameter_names`), in the data's time unit.
    frequency : array-like
        Repeat purchases per row.
    recency : array-like
        Age at the last purchase per row, in the data's time unit.
    T : array-like
        Age at the end of the period per row, in the data's time unit.
    weights : array-like, optional
        Customers per row; default None counts each row once.

    Returns
    -------
    float
        The total log-likelihood (sum over rows, weighted).

    >>> round(log_likelihood("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, [0, 2], [0.0, 30.43],
    ...                      [38.86, 38.86]), 3)
    -10.013
    """
    names = parameter_names(model)
    f = np.asarray(frequency, dtype=float)
    w = np.ones_like(f) if weights is None else np.asarray(weights, dtype=float)
    t = np.asarray(T, dtype=float)
    scale = 1.0 / t.max()
    r, t = np.asarray(recency, dtype=float) * scale, t * scale
    values = np.array([params[name] * (scale if name in ("alpha", "beta") else 1.0) for name in names])
    if model == "pareto":  # takes raw parameters and divides by the mean weight
        scaled = -pareto_nbd_negative_log_likelihood(values, f, r, t, w, 0.0) * w.mean()
    else:
        negative = mbgnbd_negative_log_likelihood if model == "mbgnbd" else bgnbd_negative_log_likelihood
        scaled = -negative(np.log(values), f, r, t, w, 0.0) * w.sum()
    return float(scaled + np.log(scale) * (w @ f))


DEGENERATE_BOUNDS = (1e-6, 1e5)  # estimates outside this range mean the data cannot pin the model down


def degenerate_warning(model: str, params: dict[str, float]) -> str:
    """A sentence when estimates ran off towards 0 or infinity (the optimiser "converged" on a ridge).

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pareto"}
        Purchase model key, named in the sentence.
    params : dict of str to float
        The fitted parameters; a value outside ``DEGENERATE_BOUNDS`` (1e-6, 1e5) counts as run off.

    Returns
    -------
    str
        The warning naming the parameters that ran off, or ``""`` when none did.

    >>> degenerate_warning("bgnbd", {"r": 2e7, "alpha": 1.6e8, "a": 2e-11, "b": 1.6e7})
    'BG/NBD estimates r, alpha, a, b ran off towards 0 or infinity: the data do not identify this model; prefer another model or more history.'
    """
    low, high = DEGENERATE_BOUNDS
    bad = [name for name, value in params.items() if not low < value < high]
    if not bad:
        return ""
    return (f"{model_label(model)} estimates {', '.join(bad)} ran off towards 0 or infinity: the data do not "
            "identify this model; prefer another model or more history.")


def _fit_once(model: str, rows: pd.DataFrame, penalizer: float, shrinkage: float = 0.0) -> dict[str, float]:
    data = (rows["frequency"], rows["recency"], rows["T"], rows["weight"], penalizer)
    if model == "pareto":
        params = fit_pareto_nbd(*data)
    else:
        params = fit_bgnbd(*data, modified=model == "mbgnbd", shrinkage=shrinkage)
    if not all(np.isfinite(v) and v > 0 for v in params.values()):
        raise ConvergenceError(f"non-finite or non-positive estimates {params}")
    return params


def fit_purchase_model(summary: pd.DataFrame, model: str = "bgnbd", *, time_unit: str = "D",
                       penalizer: float = 0.0, ladder: tuple[float, ...] = PENALIZER_LADDER,
                       shrinkage: float = 0.0) -> PurchaseFit:
    """Fit one purchase model on the weighted unique rows of ``summary``.

    Parameters
    ----------
    summary : frame
        ``frequency``, ``recency``, ``T`` (in ``time_unit``), one row per customer.
    model : {"bgnbd", "mbgnbd", "pareto"}, optional
        Purchase model key; default ``"bgnbd"``.
    time_unit : {"D", "W"}, optional
        The unit of recency and T, recorded with the fit; default ``"D"``.
    penalizer : float, optional
        L2 penalizer of the first attempt; default 0 (plain maximum likelihood).
    ladder : tuple of float, optional
        Larger penalizers tried in turn if the fit does not converge; the one used is
        reported in ``fallback``. Default ``PENALIZER_LADDER``.
    shrinkage : float, optional
        BG/NBD and MBG/NBD only: ridge on the log-parameters (see ``fit_bgnbd``); default 0.

    Returns
    -------
    PurchaseFit
        Parameters, log-likelihood, customer and row counts, penalizer used, fallback and warning.
    """
    rows = compress_rfm(summary)
    if (rows["frequency"] > 0).sum() == 0:
        require_repeat_buyers(summary, 1)
    attempts = [penalizer] + [p for p in ladder if p > penalizer]
    errors = []
    start = time.perf_counter()
    for coef in attempts:
        try:
            with np.errstate(all="ignore"):
                params = _fit_once(model, rows, coef, shrinkage)
        except (ConvergenceError, np.linalg.LinAlgError, FloatingPointError) as error:
            errors.append(f"penalizer {coef:g}: {str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}")
            continue
        except ValueError as error:  # check_inputs: recency > T and the like
            raise DataError(f"the customer summary is impossible: {error}",
                            hint="Build the summary with crmlib.scans.summary.customer_summary.") from error
        with np.errstate(all="ignore"):
            ll = log_likelihood(model, params, rows["frequency"], rows["recency"], rows["T"], rows["weight"])
        if not np.isfinite(ll):  # estimates on a ridge where the likelihood breaks down (e.g. b ≈ 0)
            errors.append(f"penalizer {coef:g}: the log-likelihood at the estimates {params} is not finite")
            continue
        fallback = ""
        if errors:
            fallback = (f"{model_label(model)} did not converge without help ({'; '.join(errors)}); "
                        f"refitted with L2 penalizer {coef:g}, which pulls the parameters towards zero: "
                        "read this fit as approximate.")
        return PurchaseFit(model=model, params=params, log_likelihood=ll, n_customers=int(rows["weight"].sum()),
                           n_rows=len(rows), time_unit=time_unit, penalizer=coef, fallback=fallback,
                           seconds=time.perf_counter() - start, warning=degenerate_warning(model, params),
                           shrinkage=shrinkage)
    raise DataError(f"{model_label(model)} did not converge even with penalizer {attempts[-1]:g}: {'; '.join(errors)}",
                    hint="Try another model (e.g. bgnbd), a longer calibration period or the weekly time unit.")


@dataclass
class SpendFit:
    """A fitted Gamma-Gamma spend model and the checks made on its input."""

    params: dict[str, float]
    log_likelihood: float
    n_fitted: int
    n_excluded: int
    frequency_spend_corr: float
    penalizer: float = 0.0
    fallback: str = ""
    notes: list[str] = field(default_factory=list)
    uncertainty: dict | None = None  # crmlib.clv.uncertainty.spend_uncertainty, when computed

    def estimator(self):
        """The fitted :class:`crmlib.clv.estimators.SpendModel` with these parameters, for predictions.

        Returns
        -------
        SpendModel
            A fitted Gamma-Gamma estimator with this fit's parameters and penalizer.

        >>> fit = SpendFit({"p": 6.25, "q": 3.74, "v": 15.44}, -4000.0, 946, 0, 0.1)
        >>> round(float(fit.estimator().conditional_expected_average_profit(1, 20.0)), 2)
        24.64
        """
        from crmlib.clv.estimators import SpendModel  # the estimators build on this module

        return SpendModel.from_fit(self)

    def to_dict(self) -> dict:
        """The fit as a JSON-ready dict.

        Returns
        -------
        dict
            ``model``, ``label``, ``params``, ``log_likelihood``, counts, the frequency-spend
            correlation, ``penalizer``, ``fallback``, ``notes`` (and standard errors when computed).
        """
        return {"model": "gamma_gamma", "label": "Gamma-Gamma", "params": self.params,
                "log_likelihood": self.log_likelihood, "n_fitted": self.n_fitted,
                "n_excluded_nonpositive_spend": self.n_excluded,
                "frequency_spend_correlation": self.frequency_spend_corr,
                "penalizer": self.penalizer, "fallback": self.fallback or None, "notes": self.notes,
                **_uncertainty_dict(self.uncertainty)}


CORRELATION_WARNING = 0.3  # |Pearson r| above this questions Gamma-Gamma's independence assumption


def fit_spend_model(summary: pd.DataFrame, *, penalizer: float = 0.0,
                    ladder: tuple[float, ...] = PENALIZER_LADDER) -> SpendFit:
    """Fit Gamma-Gamma on repeat buyers' ``frequency`` and ``monetary_value``.

    Repeat buyers with zero or negative mean spend are excluded (counted in ``n_excluded``);
    one-time buyers carry no repeat spend and are not part of the fit (lifetimes' convention).

    Parameters
    ----------
    summary : frame
        Per-customer summary with ``frequency`` and ``monetary_value`` (mean repeat spend).
    penalizer : float, optional
        L2 penalizer of the first attempt; default 0 (plain maximum likelihood).
    ladder : tuple of float, optional
        Larger penalizers tried in turn if the fit does not converge; default ``PENALIZER_LADDER``.

    Returns
    -------
    SpendFit
        Parameters ``p``, ``q``, ``v``, log-likelihood, fitted and excluded counts, notes.
    """
    check_summary(summary, ("frequency", "monetary_value"))
    repeat = summary.loc[summary["frequency"] > 0, ["frequency", "monetary_value"]]
    positive = repeat.loc[repeat["monetary_value"] > 0]
    n_excluded = len(repeat) - len(positive)
    if len(positive) < 10:
        raise DataError(f"only {len(positive)} repeat buyers with positive spend: too few for Gamma-Gamma",
                        hint="Use a longer period or check that amounts are positive.")
    frequency, spend = positive["frequency"].to_numpy(dtype=float), positive["monetary_value"].to_numpy(dtype=float)
    corr = float(np.corrcoef(frequency, spend)[0, 1]) if len(positive) > 2 else float("nan")
    notes = []
    if n_excluded:
        notes.append(f"{n_excluded} repeat buyers with zero or negative mean spend were left out of the Gamma-Gamma fit.")
    if abs(corr) > CORRELATION_WARNING:
        notes.append(f"Frequency and spend are correlated (r = {corr:.2f}); Gamma-Gamma assumes they are "
                     "independent, so treat spend predictions with care.")
    errors = []
    for coef in [penalizer] + [p for p in ladder if p > penalizer]:
        try:
            with np.errstate(all="ignore"):
                params = fit_gamma_gamma(frequency, spend, penalizer=coef)
        except (ConvergenceError, np.linalg.LinAlgError) as error:
            errors.append(f"penalizer {coef:g}: {str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}")
            continue
        w = np.ones_like(frequency)
        with np.errstate(all="ignore"):
            nll = gamma_gamma_negative_log_likelihood(
                np.log([params["p"], params["q"], params["v"]]), frequency, spend, w, 0.0)
        if not np.isfinite(nll):
            errors.append(f"penalizer {coef:g}: the log-likelihood at the estimates {params} is not finite")
            continue
        fallback = ""
        if errors:
            fallback = (f"Gamma-Gamma did not converge without help ({'; '.join(errors)}); "
                        f"refitted with L2 penalizer {coef:g}.")
        if params["q"] <= 1:
            notes.append(f"q = {params['q']:.2f} ≤ 1: the population mean spend is undefined, so expected "
                         "spend leans entirely on each customer's own average.")
        return SpendFit(params=params, log_likelihood=float(-nll * w.sum()), n_fitted=len(positive),
                        n_excluded=n_excluded, frequency_spend_corr=corr, penalizer=coef,
                        fallback=fallback, notes=notes)
    raise DataError(f"Gamma-Gamma did not converge: {'; '.join(errors)}",
                    hint="Check for extreme spend values (outliers) in the transactions.")
