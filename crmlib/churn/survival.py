"""Customer lifetimes and Kaplan–Meier survival curves by group (lifelines).

Two ways to get lifetimes:

- :func:`purchase_lifetimes` (no contracts): a customer's lifetime runs from the first to the
  last purchase; it has *ended* (an event) when ``window_days`` have passed since the last
  purchase, otherwise it is *censored* at the time seen so far (first to last purchase — the
  customer has lived at least that long).
- :func:`contract_lifetimes` (a labelled customers table): from ``signup_date`` (or the first
  purchase) to ``churn_date`` for churned customers, to the analysis date for the others; or a
  ready ``tenure_days`` column.

:func:`survival_by_group` fits one ``lifelines.KaplanMeierFitter`` per group, reads off the
median lifetime and runs a multivariate log-rank test (are the curves different?).

Example
-------
>>> import pandas as pd
>>> lives = pd.DataFrame({"duration_days": [5, 10, 10, 20], "churned": [True, True, False, True],
...                       "group": ["x", "x", "y", "y"]})
>>> result = survival_by_group(lives)
>>> result.medians["median_lifetime_days"].tolist()
[5.0, 20.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from crmlib.errors import DataError

LIFETIME_COLUMNS = ["duration_days", "churned", "group"]


def _attach_groups(frame: pd.DataFrame, groups: pd.Series | None) -> pd.DataFrame:
    if groups is None:
        frame["group"] = "all"
    else:
        frame["group"] = groups.reindex(frame.index).astype(object).fillna("unknown").to_numpy()
    return frame


def purchase_lifetimes(summary: pd.DataFrame, window_days: int, groups: pd.Series | None = None) -> pd.DataFrame:
    """Lifetimes from a purchase summary (:func:`crmlib.scans.summary.customer_summary`, any time unit).

    Parameters
    ----------
    summary : DataFrame
        Per customer ``first_purchase``, ``last_purchase`` and ``days_since_last``.
    window_days : int
        A customer with no purchase for this many days before the summary's date has churned.
    groups : Series, optional
        customer_id -> group label ("unknown" where missing); None puts everyone in "all".

    Returns
    -------
    DataFrame
        Indexed by customer_id: ``duration_days`` (first to last purchase), ``churned`` (no
        purchase for ``window_days`` before the summary's date) and ``group``.
    """
    needed = ["first_purchase", "last_purchase", "days_since_last"]
    missing = [c for c in needed if c not in summary]
    if missing:
        raise DataError(f"the summary lacks {missing}", hint="Pass crmlib.scans.summary.customer_summary(...).")
    frame = pd.DataFrame({
        "duration_days": (summary["last_purchase"] - summary["first_purchase"]).dt.days.astype(float),
        "churned": (summary["days_since_last"] >= window_days).to_numpy(),
    }, index=summary.index)
    return _attach_groups(frame, groups)


def contract_lifetimes(customers: pd.DataFrame, analysis_date: str | pd.Timestamp,
                       first_purchase: pd.Series | None = None, groups: pd.Series | None = None) -> pd.DataFrame:
    """Lifetimes from a customers table with a ``churned`` flag (contractual / labelled mode).

    The start is ``signup_date`` (else ``first_purchase``); the end is ``churn_date`` for churned
    customers and ``analysis_date`` for the others. Without dates, a ``tenure_days`` column is used
    as the duration. Customers without a usable duration are left out.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``churned`` and ``churn_date`` with ``signup_date``, or ``tenure_days``.
    analysis_date : date-like
        End of the lifetimes not yet ended; a churn after it counts as not churned.
    first_purchase : Series, optional
        customer_id -> first purchase date, the start where ``signup_date`` is missing.
    groups : Series, optional
        customer_id -> group label ("unknown" where missing); None puts everyone in "all".

    Returns
    -------
    DataFrame
        Indexed by customer_id: ``duration_days``, ``churned`` (bool) and ``group``.
    """
    if "churned" not in customers:
        raise DataError("the customers table has no 'churned' column, so there is no churn label",
                        column="churned", hint="Map your export's churn flag to 'churned' in dataset.yaml.")
    table = customers.set_index("customer_id")
    churned = table["churned"].astype("boolean").fillna(False).astype(bool)
    end = pd.Timestamp(analysis_date).normalize()
    if "churn_date" in table and ("signup_date" in table or first_purchase is not None):
        start = table["signup_date"] if "signup_date" in table else pd.Series(pd.NaT, index=table.index)
        if first_purchase is not None:
            start = start.fillna(first_purchase.reindex(table.index))
        ended = churned & (table["churn_date"] <= end)  # a churn after the analysis date is not seen yet
        stop = table["churn_date"].where(ended, end)
        stop = stop.where(~churned | table["churn_date"].notna())  # churned without a date: unusable
        duration = (stop - start).dt.days.astype(float)
        churned = ended
    elif "tenure_days" in table:
        duration = pd.to_numeric(table["tenure_days"], errors="coerce").astype(float)
    else:
        raise DataError("the customers table has 'churned' but no way to measure tenure",
                        hint="Add 'churn_date' and 'signup_date' (or a 'tenure_days' column) to the customers table.")
    frame = pd.DataFrame({"duration_days": duration, "churned": churned}, index=table.index)
    frame = frame.loc[frame["duration_days"].notna() & (frame["duration_days"] >= 0)]
    return _attach_groups(frame, groups)


@dataclass
class SurvivalResult:
    """Kaplan–Meier fits per group, the median lifetimes and the log-rank test."""

    fitters: dict[str, KaplanMeierFitter]
    medians: pd.DataFrame
    logrank_statistic: float = float("nan")
    logrank_p_value: float = float("nan")
    notes: list[str] = field(default_factory=list)

    def median_span(self, lang: str = "en") -> str:
        """The groups' median lifetimes as a clause in ``lang``: shortest to longest, the one value every
        group shares, or that more than half of every group is still alive.

        Parameters
        ----------
        lang : str, optional
            Language of the clause, ``"en"`` (default) or ``"zh"``.

        Returns
        -------
        str
            The clause.

        >>> result = survival_by_group(pd.DataFrame({"duration_days": [0, 0, 5] * 10, "churned": [True] * 30,
        ...                                          "group": ["a", "b"] * 15}))
        >>> result.median_span("en")
        'a median lifetime of 0 days in every group: more than half of each group never bought a second time'
        """
        from crmlib.lang import translator

        _ = translator(lang)
        medians = self.medians.dropna(subset=["median_lifetime_days"]).sort_values("median_lifetime_days")
        if not len(medians):
            return _("more than half of every group is still alive")
        low, high = medians["median_lifetime_days"].iloc[0], medians["median_lifetime_days"].iloc[-1]
        if len(medians) == len(self.medians) and low == high:  # one group too: not "from 0 days (a) to 0 days (a)"
            return (_("a median lifetime of 0 days in every group: more than half of each group never bought a "
                      "second time") if low == 0 else
                    _("a median lifetime of {days:.0f} days in every group").format(days=low))
        return _("median lifetime from {median_lifetime_days:.0f} days ({group}) to "
                 "{median_lifetime_days_2:.0f} days ({group_2})").format(
                   median_lifetime_days=low, group=medians["group"].iloc[0],
                   median_lifetime_days_2=high, group_2=medians["group"].iloc[-1])

    def survival_at(self, days: float) -> pd.Series:
        """Share of each group's customers still alive after ``days`` days.

        Parameters
        ----------
        days : float
            Time since the start of the lifetime, in days.

        Returns
        -------
        Series
            Survival probability per group, named ``survival_at_<days>_days``.
        """
        return pd.Series({g: float(f.survival_function_at_times(days).iloc[0]) for g, f in self.fitters.items()},
                         name=f"survival_at_{days:g}_days")


def survival_by_group(lifetimes: pd.DataFrame, min_customers: int = 20) -> SurvivalResult:
    """Kaplan–Meier per group plus a log-rank test across groups.

    Parameters
    ----------
    lifetimes : DataFrame
        ``duration_days``, ``churned`` and ``group`` (from :func:`purchase_lifetimes` or
        :func:`contract_lifetimes`).
    min_customers : int, optional
        Groups with fewer customers are pooled into ``"other"`` (unless every group is that
        small); default 20.

    Returns
    -------
    SurvivalResult
        A fitter per group, ``medians`` (``group``, ``customers``, ``churned``,
        ``median_lifetime_days``: NaN when more than half of a group is still alive at its longest
        observed time) and the log-rank statistic and p-value (NaN for a single group).
    """
    missing = [c for c in LIFETIME_COLUMNS if c not in lifetimes]
    if missing:
        raise DataError(f"the lifetimes frame lacks {missing}",
                        hint="Build it with purchase_lifetimes(...) or contract_lifetimes(...).")
    if lifetimes.empty:
        raise DataError("there are no customer lifetimes to analyse", hint="Check the analysis date and data.")
    group = lifetimes["group"].astype(str)
    sizes = group.value_counts()
    small = sizes.index[sizes < min_customers]
    notes = []
    if 0 < len(small) < len(sizes):
        group = group.where(~group.isin(small), "other")
        notes.append(f"groups with fewer than {min_customers} customers pooled as 'other': {sorted(small)}")
    fitters, rows = {}, []
    for name in sorted(group.unique()):
        mask = (group == name).to_numpy()
        fitter = KaplanMeierFitter(label=name).fit(lifetimes["duration_days"].to_numpy()[mask],
                                                   lifetimes["churned"].to_numpy()[mask])
        median = fitter.median_survival_time_
        fitters[name] = fitter
        rows.append({"group": name, "customers": int(mask.sum()),
                     "churned": int(lifetimes["churned"].to_numpy()[mask].sum()),
                     "median_lifetime_days": float(median) if np.isfinite(median) else float("nan")})
    result = SurvivalResult(fitters=fitters, medians=pd.DataFrame(rows), notes=notes)
    if len(fitters) > 1:
        test = multivariate_logrank_test(lifetimes["duration_days"], group, lifetimes["churned"])
        result.logrank_statistic, result.logrank_p_value = float(test.test_statistic), float(test.p_value)
    return result
