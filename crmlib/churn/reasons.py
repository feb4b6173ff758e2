"""Why customers say they left: the exit-survey field ``churn_reason`` of the feedback table.

Example
-------
>>> import pandas as pd
>>> fb = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
...                    "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-04-01", "2024-04-02"]),
...                    "churn_reason": ["price", " Price", "competitor", None]})
>>> reason_shares(exit_reasons(fb))["share"].round(3).tolist()
[0.667, 0.333]
"""

from __future__ import annotations

import pandas as pd

from crmlib.errors import DataError
from crmlib.lang import NC_, pgettext

REASON_LABELS = {"price": NC_("Exit reason", "price too high"), "competitor": NC_("Exit reason", "went to a competitor"),
                 "service_quality": NC_("Exit reason", "service quality"),
                 "product_quality": NC_("Exit reason", "product quality"), "other": NC_("Exit reason", "other")}


def has_reasons(feedback: pd.DataFrame | None) -> bool:
    """Whether ``feedback`` carries at least one non-empty ``churn_reason``.

    Parameters
    ----------
    feedback : DataFrame or None
        The feedback table; None or one without ``churn_reason`` has no reasons.

    Returns
    -------
    bool
        True when some ``churn_reason`` is non-empty after trimming.
    """
    if feedback is None or "churn_reason" not in feedback:
        return False
    text = feedback["churn_reason"].astype("string").str.strip()
    return bool((text.notna() & (text != "")).any())


def reason_label(reason: str, lang: str = "en") -> str:
    """A stated exit reason in plain words (a reason outside REASON_LABELS as written, ``_`` as spaces).

    Parameters
    ----------
    reason : str
        A stated reason, e.g. ``"price"``.
    lang : str, optional
        Language of the label, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The translated label, or ``reason`` with ``_`` as spaces.
    """
    if reason not in REASON_LABELS:
        return reason.replace("_", " ")
    return pgettext(lang, "Exit reason", REASON_LABELS[reason])


def reason_labels(reasons: pd.Series, lang: str = "en") -> pd.Series:
    """:func:`reason_label` for every value of a Series (missing values stay missing).

    Parameters
    ----------
    reasons : Series
        Stated reasons (strings; other values are kept as they are).
    lang : str, optional
        Language of the labels, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    Series
        The labels, indexed like ``reasons``.

    >>> reason_labels(pd.Series(["price", None]), "en").tolist()
    ['price too high', None]
    """
    return reasons.map(lambda reason: reason_label(reason, lang) if isinstance(reason, str) else reason)


def exit_reasons(feedback: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """One row per stated exit reason (non-empty ``churn_reason``) of the feedback table.

    Parameters
    ----------
    feedback : DataFrame
        Feedback rows with ``customer_id``, ``churn_reason`` and optionally ``date``.
    groups : Series, optional
        customer_id -> group label; customers missing from it get "unknown". None: all "all".

    Returns
    -------
    DataFrame
        ``customer_id``, ``reason`` (trimmed, lower-case), ``date`` (NaT if unknown), ``group``.
    """
    if feedback is None or "churn_reason" not in feedback:
        raise DataError("the feedback table has no churn_reason column",
                        column="churn_reason", hint="Map the exit-survey answer to 'churn_reason' in dataset.yaml.")
    text = feedback["churn_reason"].astype("string").str.strip().str.lower()
    keep = text.notna() & (text != "")
    out = pd.DataFrame({"customer_id": feedback.loc[keep, "customer_id"].to_numpy(),
                        "reason": text[keep].astype(str).to_numpy()})
    out["date"] = feedback.loc[keep, "date"].to_numpy() if "date" in feedback else pd.NaT
    out["group"] = "all" if groups is None else (
        groups.reindex(out["customer_id"]).astype(object).fillna("unknown").to_numpy())
    return out


def reason_shares(reasons: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Share of each reason (within each value of ``by`` when given), most common first.

    Parameters
    ----------
    reasons : DataFrame
        Stated reasons, as :func:`exit_reasons` gives (column ``reason``, and ``by`` if given).
    by : str, optional
        Column to compute the shares within (e.g. ``"group"``); None for one overall table.

    Returns
    -------
    DataFrame
        Columns [``by``,] ``reason``, ``answers`` (count), ``share`` (of the answers in its
        ``by`` value); sorted by ``by`` then most answers first, on a fresh RangeIndex.
    """
    keys = [by, "reason"] if by else ["reason"]
    counts = reasons.groupby(keys).size().rename("answers").reset_index()
    totals = counts.groupby(by)["answers"].transform("sum") if by else counts["answers"].sum()
    counts["share"] = counts["answers"] / totals
    return counts.sort_values(([by] if by else []) + ["answers"], ascending=([True] if by else []) + [False],
                              ignore_index=True)


def reason_trend(reasons: pd.DataFrame, freq: str = "Q", min_answers: int = 20) -> pd.DataFrame:
    """Share of each reason per period (rows periods like "2024Q1", columns reasons).

    Periods with fewer than ``min_answers`` dated answers are left out (their shares are noise).

    Parameters
    ----------
    reasons : DataFrame
        Stated reasons with ``date`` and ``reason``, as :func:`exit_reasons` gives.
    freq : str, optional
        pandas period frequency (default ``"Q"``, quarters).
    min_answers : int, optional
        Fewest dated answers a period needs to be kept (default 20).

    Returns
    -------
    DataFrame
        Index ``period`` (e.g. "2024Q1"), one column per reason, rows summing to 1; empty when
        no period has enough dated answers.
    """
    dated = reasons.loc[reasons["date"].notna()]
    if dated.empty:
        return pd.DataFrame()
    period = pd.to_datetime(dated["date"]).dt.to_period(freq).astype(str)
    counts = period.value_counts()
    keep = period.isin(counts.index[counts >= min_answers])
    if not keep.any():
        return pd.DataFrame()
    table = pd.crosstab(period[keep], dated.loc[keep, "reason"], normalize="index")
    table.index.name, table.columns.name = "period", "reason"
    return table


def top_reason_per_group(by_group: pd.DataFrame, group: str = "group") -> pd.DataFrame:
    """The most common reason in each group, from :func:`reason_shares` ``(reasons, by=group)``.

    Parameters
    ----------
    by_group : DataFrame
        Reason shares per group: columns ``group``, ``reason``, ``answers``, ``share``, most common first
        within each group.
    group : str
        The name of the group column.

    Returns
    -------
    DataFrame
        One row per group (in the order of ``by_group``): ``group``, ``reason``, ``share``.

    Example
    -------
    >>> reasons = pd.DataFrame({"group": ["web", "web", "app"], "reason": ["price", "price", "competitor"]})
    >>> top_reason_per_group(reason_shares(reasons, by="group")).to_dict("records")
    [{'group': 'app', 'reason': 'competitor', 'share': 1.0}, {'group': 'web', 'reason': 'price', 'share': 1.0}]
    """
    return by_group.groupby(group).head(1)[[group, "reason", "share"]].reset_index(drop=True)


def reason_share_change(trend: pd.DataFrame) -> dict:
    """Which reason gained and which lost the most share from the first to the last period of a trend.

    Parameters
    ----------
    trend : DataFrame
        Shares per period (rows) and reason (columns), as :func:`reason_trend` gives; at least two rows.

    Returns
    -------
    dict
        ``first`` and ``last`` (period labels), ``gained`` / ``lost`` (reasons) and
        ``gained_points`` / ``lost_points`` (their change in percentage points).

    Example
    -------
    >>> trend = pd.DataFrame({"price": [0.5, 0.25], "competitor": [0.5, 0.75]}, index=["2024Q1", "2024Q2"])
    >>> reason_share_change(trend)
    {'first': '2024Q1', 'last': '2024Q2', 'gained': 'competitor', 'gained_points': 25.0, 'lost': 'price', 'lost_points': -25.0}
    """
    change = (trend.iloc[-1] - trend.iloc[0]).sort_values()
    return {"first": trend.index[0], "last": trend.index[-1],
            "gained": change.index[-1], "gained_points": float(100 * change.iloc[-1]),
            "lost": change.index[0], "lost_points": float(100 * change.iloc[0])}


def likely_reasons(reasons: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """Per customer: the most common stated reason in their group (customer_id -> reason).

    Customers in groups without answers get the overall most common reason.

    Parameters
    ----------
    reasons : DataFrame
        Stated reasons with their ``group``, as :func:`exit_reasons` gives.
    groups : Series
        customer_id -> group label (channel or segment), the same labels used to build ``reasons``.

    Returns
    -------
    Series
        ``likely_reason`` indexed like ``groups``; all "" when ``reasons`` is empty.
    """
    if reasons.empty:
        return pd.Series("", index=groups.index, name="likely_reason")
    overall = reasons["reason"].value_counts().index[0]
    modal = reasons.groupby("group")["reason"].agg(lambda s: s.value_counts().index[0])
    out = groups.astype(object).fillna("unknown").map(modal).fillna(overall)
    return out.rename("likely_reason")
