"""Which fitted purchase models may be used: degenerate or unusable fits are rejected, with a reason.

On real retail order lines (many one-time buyers, a long tail of heavy buyers, little sign of
dropout) the optimiser can "converge" on a ridge where the dropout parameters run to 0 or
infinity (MBG/NBD with a = 6e-26, b = 2e-17); the predictions then turn NaN for
part of the customers. Such a fit is never chosen or used:

- :func:`fit_problem` checks a fit against the customers it will score: estimates inside
  ``DEGENERATE_BOUNDS``, P(alive) and expected purchases finite for every customer, and a
  plausible total (at most ``IMPLAUSIBLE_RATIO`` times what the customers' own past rates give);
- :func:`fit_usable_purchase_model` tries the preferred models in turn, then BG/NBD, then
  BG/NBD with the penalizers of ``SHRINKAGE_LADDER`` (the last resort), and returns the first
  usable fit with the :class:`Rejection` of every fit it passed over. That penalizer is a ridge
  on the log-parameters (it pulls each towards 1): lifetimes' L2 penalizer pulls towards 0,
  which is where degenerate fits already are.

Example
-------
>>> import pandas as pd
>>> fit = PurchaseFit("mbgnbd", {"r": 0.5, "alpha": 4.0, "a": 6e-26, "b": 2e-17}, -1.0, 3, 2, "W")
>>> s = pd.DataFrame({"frequency": [0.0, 2.0, 5.0], "recency": [0.0, 10.0, 30.0], "T": [40.0, 40.0, 50.0]})
>>> fit_problem(fit, s).kind
'degenerate'
>>> fit_problem(fit, s).text()
'MBG/NBD rejected: its estimates a = 6e-26, b = 2e-17 ran off towards 0 or infinity, so the data do not identify it.'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.clv.models import (
    DEGENERATE_BOUNDS,
    PurchaseFit,
    compress_rfm,
    fit_purchase_model,
    model_label,
    parse_models,
)
from crmlib.errors import DataError
from crmlib.lang import gettext
from crmlib.readiness import NotEnoughData

SHRINKAGE_LADDER = (0.001, 0.01, 0.1, 1.0)  # ridge on log-parameters, tried in turn as the last resort
IMPLAUSIBLE_RATIO = 10.0  # predicted total > 10 × the customers' own past rates carried forward = nonsense
YEAR_IN_UNITS = {"D": 365.0, "W": 52.14}  # the horizon the checks predict over


@dataclass
class Rejection:
    """Why a fitted (or failed) purchase model was not used; ``text(lang)`` says it in a sentence."""

    model: str
    kind: str  # "degenerate", "non_finite", "implausible" or "no_convergence"
    details: dict = field(default_factory=dict)
    penalizer: float = 0.0
    shrinkage: float = 0.0

    @property
    def label(self) -> str:
        return model_label(self.model)

    def text(self, lang: str = "en") -> str:
        """The reason in ``lang`` (English or Chinese).

        Parameters
        ----------
        lang : {"en", "zh"}, optional
            Language of the sentence; default ``"en"``.

        Returns
        -------
        str
            One sentence naming the model (and penalizer) and why it was rejected.
        """
        d = self.details
        label = self.label + (gettext(lang, " (penalizer {p:g})").format(p=self.penalizer) if self.penalizer else "")
        if self.shrinkage:
            label += gettext(lang, " (log-parameter penalizer {p:g})").format(p=self.shrinkage)
        if self.kind == "degenerate":
            message = gettext(lang, "{model} rejected: its estimates {estimates} ran off towards 0 or infinity, "
                                    "so the data do not identify it.")
            return message.format(model=label, estimates=d["estimates"])
        if self.kind == "non_finite":
            message = gettext(lang, "{model} rejected: it gives no finite prediction for {n:,} of {total:,} "
                                    "customers (e.g. frequency {f:g}, recency {r:g}, T {t:g}).")
            return message.format(model=label, **{k: d[k] for k in ("n", "total", "f", "r", "t")})
        if self.kind == "implausible":
            message = gettext(lang, "{model} rejected: it predicts {predicted:,.0f} purchases in the next year, "
                                    "{ratio:.0f} times what the customers' own past rates give ({naive:,.0f}).")
            return message.format(model=label, **{k: d[k] for k in ("predicted", "ratio", "naive")})
        return gettext(lang, "{model} rejected: the fit did not converge ({error}).").format(
            model=label, error=d.get("error", ""))

    def to_dict(self) -> dict:
        """The rejection as a JSON-ready dict.

        Returns
        -------
        dict
            ``model``, ``label``, ``kind``, ``penalizer``, ``shrinkage``, ``details`` and the
            English ``reason``.
        """
        return {"model": self.model, "label": self.label, "kind": self.kind, "penalizer": self.penalizer,
                "shrinkage": self.shrinkage, "details": _plain(self.details), "reason": self.text()}


def _plain(details: dict) -> dict:
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in details.items()}


def fit_problem(fit: PurchaseFit, summary: pd.DataFrame, horizon: float | None = None) -> Rejection | None:
    """``None`` when ``fit`` can score every customer of ``summary``, else why not.

    Parameters
    ----------
    fit : PurchaseFit
        The fitted purchase model to check.
    summary : frame
        The customers it will score (``frequency``, ``recency``, ``T`` in the fit's time unit).
    horizon : float, optional
        How far ahead the checks predict, in the fit's time unit; default None is a year.

    Returns
    -------
    Rejection or None
        None when the fit is usable, else a ``degenerate``, ``non_finite`` or ``implausible``
        rejection with its details.
    """
    low, high = DEGENERATE_BOUNDS
    bad = {k: v for k, v in fit.params.items() if not (np.isfinite(v) and low < v < high)}
    if bad:
        estimates = ", ".join(f"{k} = {v:.3g}" for k, v in bad.items())
        return Rejection(fit.model, "degenerate", {"estimates": estimates, "params": fit.params}, fit.penalizer,
                         fit.shrinkage)
    rows = compress_rfm(summary)
    f, r, t = (rows[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    w = rows["weight"].to_numpy(dtype=float)
    h = YEAR_IN_UNITS.get(fit.time_unit, 365.0) if horizon is None else float(horizon)
    fitter = fit.estimator()
    with np.errstate(all="ignore"):
        alive = np.asarray(fitter.conditional_probability_alive(f, r, t), dtype=float)
        expected = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(h, f, r, t), dtype=float)
    broken = ~(np.isfinite(alive) & np.isfinite(expected)) | (alive < -1e-9) | (alive > 1 + 1e-9) | (expected < -1e-9)
    if broken.any():
        i = int(np.flatnonzero(broken)[0])
        return Rejection(fit.model, "non_finite", {"n": int(w[broken].sum()), "total": int(w.sum()),
                                                   "f": f[i], "r": r[i], "t": t[i]}, fit.penalizer, fit.shrinkage)
    naive = float(w @ ((f + 1) / np.maximum(t, 1.0) * h))
    predicted = float(w @ expected)
    if predicted > IMPLAUSIBLE_RATIO * max(naive, 1e-9):
        return Rejection(fit.model, "implausible", {"predicted": predicted, "naive": naive,
                                                    "ratio": predicted / max(naive, 1e-9)}, fit.penalizer,
                         fit.shrinkage)
    return None


def fit_usable_purchase_model(summary: pd.DataFrame, models="bgnbd", *, time_unit: str = "D",
                              penalizer: float = 0.0, horizon: float | None = None,
                              ladder: tuple[float, ...] = SHRINKAGE_LADDER) -> tuple[PurchaseFit, list[Rejection]]:
    """The first usable fit of ``models`` (a key or comma-separated keys, in order of preference).

    After the preferred models come BG/NBD and then BG/NBD with each log-parameter penalizer
    (``shrinkage``) of ``ladder``.

    Parameters
    ----------
    summary : frame
        The per-customer summary (``frequency``, ``recency``, ``T`` in ``time_unit``).
    models : str or list of str, optional
        A model key or comma-separated keys, in order of preference; default ``"bgnbd"``.
    time_unit : {"D", "W"}, optional
        The unit of recency and T; default ``"D"``.
    penalizer : float, optional
        L2 penalizer of every attempt's first fit; default 0.
    horizon : float, optional
        Horizon of :func:`fit_problem`'s checks, in ``time_unit``; default None is a year.
    ladder : tuple of float, optional
        Log-parameter penalizers of the BG/NBD last resort; default ``SHRINKAGE_LADDER``.

    Returns
    -------
    tuple of (PurchaseFit, list of Rejection)
        The first usable fit and the rejections of the fits passed over; raises a DataError
        when none is usable.
    """
    keys = parse_models(models)
    attempts = [(key, 0.0) for key in keys]
    if "bgnbd" not in keys:
        attempts.append(("bgnbd", 0.0))
    attempts += [("bgnbd", coef) for coef in ladder]
    rejected: list[Rejection] = []
    for key, shrink in attempts:
        try:
            fit = fit_purchase_model(summary, key, time_unit=time_unit, penalizer=penalizer, shrinkage=shrink)
        except DataError as error:
            if isinstance(error, NotEnoughData):
                raise
            rejected.append(Rejection(key, "no_convergence", {"error": error.problem.splitlines()[0]},
                                      penalizer, shrink))
            continue
        problem = fit_problem(fit, summary, horizon)
        if problem is None:
            if shrink:
                fit.fallback = (f"{fit.label} fitted with a log-parameter penalizer of {shrink:g} (the last resort "
                                "after the plain fits were rejected): it keeps the estimates off 0 and infinity; "
                                "read this fit as approximate.")
            return fit, rejected
        rejected.append(problem)
    raise DataError("no purchase model gives usable predictions: " + " ".join(r.text() for r in rejected),
                    hint="Use a longer history or check the transactions for duplicated or test orders.")


__all__ = ["IMPLAUSIBLE_RATIO", "Rejection", "fit_problem", "fit_usable_purchase_model"]
