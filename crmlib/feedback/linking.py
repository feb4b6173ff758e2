"""Link feedback to customer outcomes: churned vs retained customers, and value tiers.

The churn flag is the churn notebook's (:func:`crmlib.churn.churn_status`): a customer is
**churned** when their last purchase is ``churn_window_days`` or more days before the analysis
date (``days_since_last`` of :func:`crmlib.scans.summary.customer_summary`). The value tier is
:func:`crmlib.segment.value_tiers` on total spend (customers making the top 80 % of revenue are
"high", the next 15 % "medium", the rest "low").

Exit-survey answers (rows with a ``churn_reason``) are left out of comparisons by the caller:
they are given after leaving and would make churned customers look unhappy by construction.

Example
-------
>>> summary = pd.DataFrame({"days_since_last": [10, 400], "total_spend": [90.0, 10.0]},
...                        index=pd.Index(["A", "B"], name="customer_id"))
>>> customer_groups(summary, churn_window_days=180)["churn_status"].tolist()
['retained', 'churned']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.churn.definition import churn_status
from crmlib.feedback.satisfaction import satisfaction_table
from crmlib.segment import value_tiers
from crmlib.settings import DEFAULTS


def customer_groups(summary: pd.DataFrame, churn_window_days: int = DEFAULTS.churn_window_days) -> pd.DataFrame:
    """Per customer: ``churn_status`` (churned/retained) and ``value_tier`` (high/medium/low).

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlib.scans.summary.customer_summary`: ``days_since_last`` and ``total_spend``.
    churn_window_days : int, optional
        Days without a purchase from which a customer is churned (default from the settings).

    Returns
    -------
    DataFrame
        ``summary``'s index: ``churn_status`` (categorical) and ``value_tier``.
    """
    status = np.where(churn_status(summary, churn_window_days), "churned", "retained")
    return pd.DataFrame({
        "churn_status": pd.Categorical(status, categories=["retained", "churned"]),
        "value_tier": value_tiers(summary["total_spend"]).to_numpy(),
    }, index=summary.index)


def compare_groups(scored: pd.DataFrame, groups: pd.Series, categories: pd.DataFrame | None = None) -> pd.DataFrame:
    """Feedback of each customer group side by side.

    Customers without a group are left out.

    Parameters
    ----------
    scored : DataFrame
        Feedback with ``customer_id``, ``sentiment_score``, ``sentiment_label`` (and ``rating``,
        ``nps``).
    groups : Series
        Customer id -> group (e.g. :func:`customer_groups`' ``churn_status``).
    categories : DataFrame, optional
        The boolean category matrix aligned with ``scored``; None adds no category shares.

    Returns
    -------
    DataFrame
        Indexed by the groups under the name of ``groups`` (``group`` when it has none):
        ``customers``, ``feedback``, ``mean_sentiment``, ``negative_share``, ``csat``, ``nps`` and
        ``share_<category>`` per category (share of that group's texts mentioning it).
    """
    group = scored["customer_id"].map(groups)
    keep = group.notna()
    name = groups.name or "group"  # churn_status, value_tier …: the page translates their values
    frame, group = scored.loc[keep], group.loc[keep].astype(str).rename(name)
    out = pd.DataFrame({
        "customers": frame.groupby(group)["customer_id"].nunique(),
        "feedback": group.value_counts(),
        "mean_sentiment": frame.groupby(group)["sentiment_score"].mean(),
        "negative_share": frame["sentiment_label"].astype(str).eq("negative").groupby(group).mean(),
    })
    sat = satisfaction_table(frame, group)
    out["csat"], out["nps"] = sat["csat"], sat["nps"]
    if categories is not None:
        shares = categories.loc[frame.index].groupby(group).mean().add_prefix("share_")
        out = out.join(shares)
    out.index.name = name
    return out


def category_share_gap(comparison: pd.DataFrame, group: str = "churned", baseline: str = "retained") -> pd.Series:
    """How much more often ``group``'s texts mention each category than ``baseline``'s.

    Parameters
    ----------
    comparison : DataFrame
        :func:`compare_groups` with categories: one row per group, ``share_<category>`` columns.
    group, baseline : str
        The two rows to compare (default: churned against retained customers).

    Returns
    -------
    Series
        Category key -> difference of the two shares (0.05 = 5 percentage points), largest first.

    Example
    -------
    >>> table = pd.DataFrame({"share_price": [0.30, 0.10], "share_delivery": [0.20, 0.25]},
    ...                      index=["churned", "retained"])
    >>> category_share_gap(table).round(2).to_dict()
    {'price': 0.2, 'delivery': -0.05}
    """
    shares = comparison.filter(like="share_")
    gap = (shares.loc[group] - shares.loc[baseline]).sort_values(ascending=False)
    gap.index = gap.index.str.removeprefix("share_")
    return gap.rename("share_gap")
