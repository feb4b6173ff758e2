"""Calibration/holdout validation of the purchase models and the choice between them.

Split the history at ``calibration_end``: fit each model on the calibration summary of the
customers who had bought by then, predict their repeat purchases in the holdout
(``calibration_end`` .. ``observation_end``) and compare with what they did
(Fader, Hardie & Lee 2005, section 5):

- ``periods``: repeat transactions per period (default weekly) over the whole span, actual
  vs each model's unconditional expectation summed over first-purchase cohorts (the
  "tracking" chart), with cumulative sums;
- ``metrics``: over the holdout period only, total repeat transactions predicted vs actual
  (``holdout_error``, a share), per-customer MAE, RMSE and Spearman of the conditional
  expectation, the RMSE difference to the best model with its paired-bootstrap 95 % interval,
  and the errors of the naive baseline that carries each customer's calibration rate forward;
  ``baselines`` holds both naive baselines (own rate, average rate) and ``deciles`` the
  calibration by decile of predicted purchases (:mod:`crmlib.clv.holdout_metrics`);
- ``by_frequency``: mean holdout transactions by calibration frequency, actual vs each model
  (the conditional-expectation chart).

The chosen model is the simplest one (BG/NBD, MBG/NBD, Pareto/NBD) whose holdout RMSE is not
clearly worse than the lowest: when the bootstrap interval of the difference contains zero it is
a tie and the simpler model wins; ``reason`` says so in a sentence with the numbers. A model whose calibration fit is degenerate or cannot
predict every customer (:func:`crmlib.clv.usable.fit_problem`) is never compared or chosen: it
is listed in ``rejected`` with the reason; when every model is rejected, BG/NBD with a penalizer
is the last resort.

Example
-------
>>> result = holdout_validation(dataset.transactions, "1997-09-30", "1998-06-30", time_unit="W")  # doctest: +SKIP
>>> result.metrics[["model", "rmse", "cumulative_error_pct"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.clv.holdout_metrics import (
    BOOTSTRAP_SAMPLES,
    choose_model,
    customer_metrics,
    decile_calibration,
)
from crmlib.clv.models import PurchaseFit, fit_purchase_model, model_label, parse_models
from crmlib.clv.usable import Rejection, fit_problem, fit_usable_purchase_model
from crmlib.errors import DataError
from crmlib.lang import N_, gettext
from crmlib.readiness import MIN_REPEAT_BUYERS, NotEnoughData
from crmlib.scans.summary import (
    UNIT_DAYS,
    calibration_holdout_summary,
    calibration_purchases_per_day,
)

FREQUENCY_CAP = 7  # calibration frequencies of 7+ are pooled in the conditional-expectation table


def default_calibration_end(transactions: pd.DataFrame, observation_end=None) -> pd.Timestamp:
    """Halfway between the first purchase and ``observation_end`` (the last one by default).

    On CDNOW (1997-01-01 .. 1998-06-30) this is 1997-09-30: the 39-week calibration period of
    Fader, Hardie & Lee (2005).

    Parameters
    ----------
    transactions : frame
        The canonical transactions table (``order_date``).
    observation_end : date-like, optional
        End of the observation period; default None uses the last ``order_date``.

    Returns
    -------
    Timestamp
        The calibration end, a midnight date.
    """
    first = transactions["order_date"].min().normalize()
    last = pd.Timestamp(observation_end).normalize() if observation_end is not None else transactions["order_date"].max().normalize()
    return first + pd.Timedelta(days=(last - first).days // 2)


@dataclass
class HoldoutResult:
    """What :func:`holdout_validation` found; see the module docstring for the tables."""

    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    time_unit: str
    fits: dict[str, PurchaseFit]
    customers: pd.DataFrame
    periods: pd.DataFrame
    metrics: pd.DataFrame
    by_frequency: pd.DataFrame
    chosen: str
    reason: str
    period_days: int = 7
    notes: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    baselines: pd.DataFrame = field(default_factory=pd.DataFrame)
    deciles: pd.DataFrame = field(default_factory=pd.DataFrame)
    choice: dict = field(default_factory=dict)

    def reason_text(self, lang: str = "en") -> str:
        """Why the chosen model was chosen, with the bootstrap interval, in ``lang``.

        Parameters
        ----------
        lang : {"en", "zh"}, optional
            Language of the sentence; default ``"en"``.

        Returns
        -------
        str
            The explanation (see :func:`choice_text`).
        """
        return choice_text(self.metrics, self.choice, self.baselines, lang)

    def holdout_periods(self) -> pd.DataFrame:
        """The tracking table's periods that lie wholly inside the holdout.

        Returns
        -------
        frame
            The rows of ``periods`` that start after ``calibration_end``, same columns.
        """
        start = self.periods["period_end"] - pd.to_timedelta(self.periods["days"] - 1, unit="D")
        return self.periods.loc[start > self.calibration_end]

    @property
    def preference(self) -> str:
        """The usable models, chosen first then by holdout RMSE, comma-separated for :func:`crmlib.clv.fit_clv`
        (which refits on all data and uses the first whose refit is usable)."""
        ranked = self.metrics.sort_values(["rmse", "mae"])["model"].tolist()
        return ",".join([self.chosen, *[key for key in ranked if key != self.chosen]])

    def to_dict(self) -> dict:
        """Plain summary for clv_model.json (dates ISO, errors in transactions per customer).

        Returns
        -------
        dict
            Dates, ``metrics``, ``chosen_model``, ``reason``, ``choice``, ``baselines``, deciles,
            holdout period errors, ``rejected_models`` and each model's ``fits`` record.
        """
        return {
            "calibration_end": self.calibration_end.date().isoformat(),
            "observation_end": self.observation_end.date().isoformat(),
            "time_unit": self.time_unit,
            "n_calibration_customers": len(self.customers),
            "metrics": self.metrics.to_dict(orient="records"),
            "chosen_model": self.chosen,
            "reason": self.reason,
            "choice": self.choice,
            "baselines": self.baselines.to_dict(orient="records"),
            "calibration_by_decile": self.deciles.to_dict(orient="records"),
            "holdout_periods": _period_errors(self),
            "rejected_models": [r.to_dict() for r in self.rejected],
            "fits": {k: v.to_dict() for k, v in self.fits.items()},
        }


def _expected_tracking(fit: PurchaseFit, cohort_days: np.ndarray, cohort_sizes: np.ndarray,
                       period_ends: np.ndarray) -> np.ndarray:
    """Expected cumulative repeat transactions at each period end, summed over cohorts."""
    unit = UNIT_DAYS[fit.time_unit]
    fitter = fit.estimator()
    age = np.clip(period_ends[:, None] - cohort_days[None, :], 0, None) / unit  # periods × cohorts
    with np.errstate(all="ignore"):
        expected = np.asarray(fitter.expected_number_of_purchases_up_to_time(age.ravel()), dtype=float)
    expected = np.where(age.ravel() > 0, expected, 0.0).reshape(age.shape)
    return expected @ cohort_sizes


def tracking_table(transactions: pd.DataFrame, calibration: pd.DataFrame, fits: dict[str, PurchaseFit],
                   calibration_end: pd.Timestamp, observation_end: pd.Timestamp,
                   period_days: int = 7) -> pd.DataFrame:
    """Repeat transactions per period of the calibration customers: actual vs each model.

    Columns: ``period_end`` (date), ``period`` (1, 2, …), ``days`` (the last period may be
    shorter), ``in_holdout``, ``actual`` and one
    column per model key (incremental expected), plus ``*_cumulative`` for each. The actual repeat
    purchase days are counted per day in the engine (:func:`crmlib.scans.summary.calibration_purchases_per_day`).

    Parameters
    ----------
    transactions : frame
        The canonical transactions table.
    calibration : frame
        The calibration summary of ``transactions`` at ``calibration_end``
        (:func:`crmlib.scans.summary.calibration_holdout_summary`): every customer who bought by then,
        with ``first_purchase``; a ValueError when its first-purchase cohorts are not those customers'.
    fits : dict of str to PurchaseFit
        The fitted models by key, one expected column each.
    calibration_end : Timestamp
        End of the calibration period; later periods have ``in_holdout`` True.
    observation_end : Timestamp
        End of the observation period (the last period ends here).
    period_days : int, optional
        Length of a period in days; default 7 (weekly).

    Returns
    -------
    frame
        Range index, one row per period, with the columns above.
    """
    counts = calibration_purchases_per_day(transactions, calibration_end, observation_end)
    first = calibration["first_purchase"].dt.normalize()
    start = first.min()
    n_periods = int(np.ceil(((observation_end - start).days + 1) / period_days))
    period_end_days = np.minimum((np.arange(1, n_periods + 1) * period_days), (observation_end - start).days + 1)
    offset = (counts["day"] - start).dt.days.to_numpy()
    actual = np.bincount(offset // period_days, weights=counts["repeat_purchases"].to_numpy(),
                         minlength=n_periods)[:n_periods].astype(float)
    cohorts = (first - start).dt.days.value_counts()
    scanned = pd.Series(counts["first_purchases"].to_numpy(), index=offset)
    if not scanned[scanned > 0].sort_index().equals(cohorts.sort_index().rename(None).rename_axis(None)):
        raise ValueError("tracking_table: `calibration` is not the calibration summary of these transactions at "
                         f"{calibration_end:%Y-%m-%d} (its first-purchase cohorts differ); pass "
                         "calibration_holdout_summary(transactions, calibration_end, observation_end).")
    cohort_days = cohorts.index.to_numpy(dtype=float)
    cohort_sizes = cohorts.to_numpy(dtype=float)
    table = pd.DataFrame({
        "period": np.arange(1, n_periods + 1),
        "period_end": start + pd.to_timedelta(period_end_days - 1, unit="D"),
        "days": np.diff(np.r_[0, period_end_days]),
        "actual": actual,
    })
    table["in_holdout"] = table["period_end"] > calibration_end
    table["actual_cumulative"] = table["actual"].cumsum()
    # a purchase on day d is inside the model's (0, age] window when age = d - first + 1 … use end-of-day ages
    ends = period_end_days.astype(float)  # days since start at the end of each period (exclusive end)
    for key, fit in fits.items():
        cumulative = _expected_tracking(fit, cohort_days, cohort_sizes, ends - 1.0)
        table[f"{key}_cumulative"] = cumulative
        table[key] = np.diff(np.r_[0.0, cumulative])
    return table


def choice_text(metrics: pd.DataFrame, choice: dict, baselines: pd.DataFrame, lang: str = "en") -> str:
    """The model choice in a sentence: holdout RMSE, the bootstrap interval, tie or not, the baseline.

    Parameters
    ----------
    metrics : frame
        One row per model: ``model``, ``label``, ``rmse``, holdout totals and ``holdout_error``.
    choice : dict
        ``chosen``, ``best``, ``tie``, ``comparisons`` (``difference``, ``low``, ``high`` each).
    baselines : frame
        Naive baselines with a ``baseline`` column; the ``own_rate`` row's ``rmse`` is quoted.
    lang : {"en", "zh"}, optional
        Language of the sentences; default ``"en"``.

    Returns
    -------
    str
        The sentences joined by spaces.
    """
    by_key = metrics.set_index("model")
    chosen, best = choice["chosen"], choice["best"]
    row = by_key.loc[chosen]
    own = baselines.set_index("baseline").loc["own_rate"]
    if not choice["comparisons"]:
        parts = [gettext(lang, "{model} is the only usable model: holdout RMSE {rmse:.3f} purchases per customer.").format(
            model=row["label"], rmse=row["rmse"])]
    else:
        parts = [gettext(lang, "{model} has the lowest holdout RMSE, {rmse:.3f} purchases per customer; the other models' RMSE differences "
                               "(paired bootstrap over customers):").format(
            model=by_key.loc[best, "label"], rmse=by_key.loc[best, "rmse"])]
    for key, comparison in choice["comparisons"].items():
        if comparison["low"] <= 0:
            template = gettext(lang, "{model}: {diff:+.3f} (95 % interval {low:+.3f} to {high:+.3f}), a tie.")
        else:
            template = gettext(lang, "{model}: {diff:+.3f} (95 % interval {low:+.3f} to {high:+.3f}), worse.")
        parts.append(template.format(model=by_key.loc[key, "label"], diff=comparison["difference"],
                                     low=comparison["low"], high=comparison["high"]))
    if choice["tie"]:
        parts.append(gettext(lang, "The difference is within the noise, so the simpler {model} is used.").format(
            model=row["label"]))
    parts.append(gettext(lang, "{model} predicts {predicted:,.0f} repeat purchases in the holdout against "
                               "{actual:,.0f} made ({error:+.1%}); each customer's own calibration rate carried "
                               "forward has RMSE {naive:.3f}.").format(
        model=row["label"], predicted=row["predicted_holdout_total"], actual=row["actual_holdout_total"],
        error=row["holdout_error"], naive=own["rmse"]))
    return " ".join(parts)


def _period_errors(result: HoldoutResult) -> dict:
    """Per holdout period, actual vs each model's expected repeat purchases (totals and mean absolute error)."""
    periods = result.holdout_periods()
    out = {"periods": len(periods), "actual_total": float(periods["actual"].sum())}
    for key in result.fits:
        out[key] = {"expected_total": float(periods[key].sum()),
                    "mean_absolute_error": float((periods[key] - periods["actual"]).abs().mean()) if len(periods) else None}
    return out


def _usable_fits(summary: pd.DataFrame, keys: list[str], time_unit: str,
                 penalizer: float) -> tuple[dict[str, PurchaseFit], list[Rejection]]:
    """The usable calibration fits of ``keys`` and the rejections; BG/NBD penalized when none is usable."""
    fits, rejected = {}, []
    for key in keys:
        try:
            fit = fit_purchase_model(summary, key, time_unit=time_unit, penalizer=penalizer)
        except DataError as error:
            rejected.append(Rejection(key, "no_convergence", {"error": error.problem.splitlines()[0]}, penalizer))
            continue
        problem = fit_problem(fit, summary)
        if problem is None:
            fits[key] = fit
        else:
            rejected.append(problem)
    if not fits:
        fit, passed_over = fit_usable_purchase_model(summary, "bgnbd", time_unit=time_unit, penalizer=penalizer)
        fits[fit.model] = fit
        seen = {(r.model, r.penalizer) for r in rejected}
        rejected += [r for r in passed_over if (r.model, r.penalizer) not in seen]
    return fits, rejected


def holdout_validation(transactions: pd.DataFrame, calibration_end=None, observation_end=None, *,
                       time_unit: str = "W", models="bgnbd,mbgnbd,pareto", period_days: int = 7,
                       penalizer: float = 0.0) -> HoldoutResult:
    """Fit each model on the calibration period and compare predictions with the holdout.

    Parameters
    ----------
    transactions : frame
        The canonical transactions table.
    calibration_end : date-like, optional
        End of the calibration period; ``None``/empty (default) = halfway.
    observation_end : date-like, optional
        End of the holdout; ``None``/empty (default) = the last purchase.
    time_unit : {"D", "W"}, optional
        Time unit of the fits (parameters are reported in this unit); default ``"W"``.
    models : str or list of str, optional
        Model keys, comma-separated or a list; default ``"bgnbd,mbgnbd,pareto"``.
    period_days : int, optional
        Length of a period in the tracking table; default 7 (weekly).
    penalizer : float, optional
        L2 penalizer of the calibration fits; default 0 (maximum likelihood).

    Returns
    -------
    HoldoutResult
        Fits, per-customer predictions, tracking ``periods``, ``metrics``, ``by_frequency``, the
        chosen model and the reason; NotEnoughData without a holdout or with too few repeat buyers.
    """
    keys = parse_models(models)
    observation_end = (pd.Timestamp(observation_end) if observation_end not in (None, "")
                       else transactions["order_date"].max()).normalize()
    if calibration_end in (None, ""):
        calibration_end = default_calibration_end(transactions, observation_end).normalize()
        first = transactions["order_date"].min().normalize()
        if calibration_end >= observation_end:
            raise NotEnoughData(
                N_("All purchases fall between {first:%Y-%m-%d} and {last:%Y-%m-%d}, which leaves no holdout period "
                   "to check purchase models on."),
                N_("A history of at least a few months would enable this."), first=first, last=observation_end)
    calibration_end = pd.Timestamp(calibration_end).normalize()
    summary = calibration_holdout_summary(transactions, calibration_end, observation_end, time_unit)
    repeat = int((summary["frequency"] > 0).sum())
    if repeat < MIN_REPEAT_BUYERS:
        raise NotEnoughData(
            N_("Only {repeat:,} of {total:,} customers bought on two different days before the calibration end "
               "{calibration_end:%Y-%m-%d}, too few to check purchase models on a holdout."),
            N_("A longer history, with at least {minimum:,} customers who bought again before the calibration end "
               "(a later `calibration_end` moves it), would enable this."),
            repeat=repeat, total=len(summary), calibration_end=calibration_end, minimum=MIN_REPEAT_BUYERS)
    fits, rejected = _usable_fits(summary, keys, time_unit, penalizer)
    duration = float(summary["duration_holdout"].iloc[0])
    f, r, t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    actual = summary["frequency_holdout"].to_numpy(dtype=float)
    customers = summary.copy()
    customers["naive"] = f / np.maximum(t, 1e-9) * duration  # calibration repeat rate, extrapolated
    average_rate = float(f.sum() / max(t.sum(), 1e-9))
    baselines = pd.DataFrame([
        {"baseline": "own_rate", **customer_metrics(actual, customers["naive"].to_numpy())},
        {"baseline": "average_rate", **customer_metrics(actual, np.full_like(actual, average_rate * duration))},
    ])
    own = baselines.iloc[0]
    predictions, rows = {}, []
    for key, fit in fits.items():
        with np.errstate(all="ignore"):
            predicted = np.asarray(fit.estimator().conditional_expected_number_of_purchases_up_to_time(duration, f, r, t), dtype=float)
        customers[f"predicted_{key}"] = predictions[key] = predicted
        m = customer_metrics(actual, predicted)
        rows.append({"model": key, "label": fit.label, "log_likelihood": fit.log_likelihood,
                     "actual_holdout_total": m["actual_total"], "predicted_holdout_total": m["predicted_total"],
                     "holdout_error": m["total_error_pct"] / 100, "mae": m["mae"], "rmse": m["rmse"],
                     "spearman": m["spearman"], "naive_mae": own["mae"], "naive_rmse": own["rmse"],
                     "naive_spearman": own["spearman"], "fallback": fit.fallback or ""})
    chosen, best_key, comparisons = choose_model(actual, predictions)
    metrics = pd.DataFrame(rows)
    for column in ("difference", "low", "high"):
        metrics[f"rmse_vs_best_{column}"] = [comparisons[k][column] if k in comparisons else 0.0 for k in metrics["model"]]
    choice = {"best": best_key, "chosen": chosen, "tie": chosen != best_key,
              "bootstrap_samples": BOOTSTRAP_SAMPLES,
              "comparisons": {k: {"vs": best_key, **v} for k, v in comparisons.items()}}
    reason = choice_text(metrics, choice, baselines, "en")
    calibration = decile_calibration(actual, predictions)
    capped = np.minimum(f, FREQUENCY_CAP).astype(int)
    grouped = customers.assign(calibration_frequency=capped).groupby("calibration_frequency")
    by_frequency = grouped.agg(customers=("frequency_holdout", "size"), actual=("frequency_holdout", "mean"),
                               **{key: (f"predicted_{key}", "mean") for key in fits}).reset_index()
    by_frequency["label"] = by_frequency["calibration_frequency"].map(
        lambda v: f"{v}+" if v == FREQUENCY_CAP else str(v))
    periods = tracking_table(transactions, summary, fits, calibration_end, observation_end, period_days)
    notes = [fit.fallback for fit in fits.values() if fit.fallback] + [fit.warning for fit in fits.values() if fit.warning]
    return HoldoutResult(calibration_end=calibration_end, observation_end=observation_end, time_unit=time_unit,
                         fits=fits, customers=customers, periods=periods, metrics=metrics,
                         by_frequency=by_frequency, chosen=chosen, reason=reason, period_days=period_days,
                         notes=notes, rejected=rejected, baselines=baselines, deciles=calibration, choice=choice)


__all__ = ["HoldoutResult", "default_calibration_end", "holdout_validation", "model_label", "tracking_table"]


def chosen_purchase_model(transactions: pd.DataFrame, analysis_date, *, time_unit: str = "W",
                          models="bgnbd,mbgnbd,pareto") -> str:
    """The purchase models the CLV notebook prefers, chosen first (default split), e.g. ``"mbgnbd,pareto,bgnbd"``.

    Notebooks that score CLV (overview, churn) pass this to :func:`crmlib.clv.fit_clv`, which
    uses the first model whose refit on all data is usable, so that their CLV uses the same
    model as ``03_clv`` and ``exports/clv.csv``.

    Parameters
    ----------
    transactions : frame
        The canonical transactions table.
    analysis_date : date-like
        End of the observation (holdout) period; the calibration end is halfway.
    time_unit : {"D", "W"}, optional
        Time unit of the fits; default ``"W"``.
    models : str or list of str, optional
        Model keys compared; default ``"bgnbd,mbgnbd,pareto"``.

    Returns
    -------
    str
        Comma-separated model keys, the chosen one first, then the others by holdout RMSE.
    """
    return holdout_validation(transactions, None, analysis_date, time_unit=time_unit, models=models).preference
