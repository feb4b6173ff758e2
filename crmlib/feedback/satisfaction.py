"""CSAT and NPS, overall and by month, channel or segment.

- **CSAT** (customer satisfaction score): the percentage of 1–5 ratings that are 4 or 5
  ("satisfied" or "very satisfied"), of all valid ratings.
- **NPS** (Net Promoter Score, Reichheld 2003): on the 0–10 "how likely are you to recommend
  us" scale, % promoters (9–10) minus % detractors (0–6), of all valid answers; −100 … +100.

Missing answers are left out. Values outside the scale raise :class:`~crmlib.errors.DataError`.

Example
-------
>>> csat(pd.Series([5, 4, 3, 1, None]))
50.0
>>> nps(pd.Series([10, 9, 8, 7, 6, 0]))
0.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError


def _valid(values: pd.Series, low: float, high: float, column: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.notna() & ~numbers.between(low, high)
    bad |= values.notna() & numbers.isna()
    if bad.any():
        rows = [(i, values[i]) for i in values.index[bad][:5]]
        raise DataError(f"{int(bad.sum())} value(s) are not numbers on the {low:g}–{high:g} scale",
                        column=column, rows=rows,
                        hint=f"Map '{column}' to a {low:g}–{high:g} score in dataset.yaml, or clean "
                             "the values (blank = no answer).")
    return numbers.dropna()


def csat(ratings: pd.Series) -> float:
    """% of valid 1–5 ratings that are 4 or 5 (NaN if there are none).

    Parameters
    ----------
    ratings : Series
        Ratings on 1–5; missing values are left out.

    Returns
    -------
    float
        CSAT in % (0–100).

    Raises
    ------
    DataError
        When a rating is not a number on 1–5.
    """
    valid = _valid(ratings, 1, 5, "rating")
    return float((valid >= 4).mean() * 100) if len(valid) else np.nan


def nps(scores: pd.Series) -> float:
    """% promoters (9–10) minus % detractors (0–6) of valid 0–10 answers (NaN if none).

    Parameters
    ----------
    scores : Series
        Answers on 0–10; missing values are left out.

    Returns
    -------
    float
        NPS, −100 … +100.

    Raises
    ------
    DataError
        When an answer is not a number on 0–10.
    """
    valid = _valid(scores, 0, 10, "nps")
    if not len(valid):
        return np.nan
    return float(((valid >= 9).mean() - (valid <= 6).mean()) * 100)


def satisfaction_table(feedback: pd.DataFrame, by: str | pd.Series | None = None) -> pd.DataFrame:
    """CSAT and NPS with their bases, per group of ``by``.

    Missing ``rating`` / ``nps`` columns give zero answers.

    Parameters
    ----------
    feedback : DataFrame
        Feedback rows with ``rating`` (1–5) and / or ``nps`` (0–10).
    by : str or Series, optional
        A column name or a Series aligned with ``feedback``; None gives one row, ``all``.

    Returns
    -------
    DataFrame
        One row per group: ``ratings`` (answers on 1–5), ``csat`` (%), ``nps_answers`` (answers on
        0–10), ``promoters``, ``passives``, ``detractors`` (% of answers), ``nps``.

    Raises
    ------
    DataError
        When a rating or NPS answer is off its scale.
    """
    rating = feedback["rating"] if "rating" in feedback else pd.Series(np.nan, index=feedback.index)
    score = feedback["nps"] if "nps" in feedback else pd.Series(np.nan, index=feedback.index)
    rating = _valid(rating, 1, 5, "rating").reindex(feedback.index)
    score = _valid(score, 0, 10, "nps").reindex(feedback.index)
    frame = pd.DataFrame({
        "rating_answered": rating.notna(), "satisfied": rating >= 4,
        "nps_answered": score.notna(), "promoter": score >= 9, "passive": score.between(7, 8),
        "detractor": score <= 6,
    }, index=feedback.index)
    if by is None:
        keys = pd.Series("all", index=feedback.index, name="group")
    else:
        keys = feedback[by] if isinstance(by, str) else by.reindex(feedback.index)
    grouped = frame.groupby(keys, observed=True, dropna=True).sum()
    out = pd.DataFrame(index=grouped.index)
    out["ratings"] = grouped["rating_answered"].astype(int)
    out["csat"] = grouped["satisfied"] / out["ratings"].where(out["ratings"] > 0) * 100
    answers = grouped["nps_answered"].where(grouped["nps_answered"] > 0)
    out["nps_answers"] = grouped["nps_answered"].astype(int)
    for name, column in (("promoters", "promoter"), ("passives", "passive"), ("detractors", "detractor")):
        out[name] = grouped[column] / answers * 100
    out["nps"] = out["promoters"] - out["detractors"]
    return out


def monthly_satisfaction(feedback: pd.DataFrame, date_column: str = "date") -> pd.DataFrame:
    """:func:`satisfaction_table` by calendar month of ``date_column`` (index: month start).

    Parameters
    ----------
    feedback : DataFrame
        Feedback rows with a datetime ``date_column`` and ``rating`` / ``nps``.
    date_column : str, optional
        The date column (default ``"date"``).

    Returns
    -------
    DataFrame
        Index ``month`` (month start), :func:`satisfaction_table`'s columns.

    Raises
    ------
    DataError
        When ``feedback`` has no ``date_column``.
    """
    if date_column not in feedback:
        raise DataError(f"feedback has no '{date_column}' column, so there is no trend by month",
                        column=date_column, hint="Map the feedback date in dataset.yaml (tables.feedback.columns.date).")
    month = feedback[date_column].dt.to_period("M").dt.to_timestamp().rename("month")
    return satisfaction_table(feedback, month)
