"""Sentences for the executive summary, each computed from one analysis' result.

Every function returns a sentence in the report's language (from the message catalogue, numbers
formatted by :class:`crmlib.display.format.Formats`), or ``None`` when its input is not
available (the overview then says why elsewhere).

Example
-------
>>> import pandas as pd
>>> before = pd.Series({"a": "champions", "b": "lost", "c": "lost"})
>>> after = pd.Series({"a": "champions", "b": "champions", "c": "lost", "d": "lost"})
>>> segment_shift_sentence(before, after, {"champions": "Champions", "lost": "Lost"}, "2024-09-30")
'Largest segment shift since Sep 30, 2024: Champions grew from 1 to 2 customers (33% → 50% of customers).'
>>> segment_shift_sentence(before, after, {"champions": "冠军客户", "lost": "流失客户"}, "2024-09-30", "zh")
'自 2024年9月30日 以来变化最大的细分：冠军客户 从 1 人增至 2 人（占客户 33% → 50%）。'
"""

from __future__ import annotations

import math

import pandas as pd

from crmlib.display.format import Formats
from crmlib.lang import N_, gettext


def segment_shift_sentence(before: pd.Series, after: pd.Series, labels: dict[str, str], since,
                           lang: str = "en") -> str | None:
    """The segment whose share of customers changed most between two dates (``since``: the first)."""
    if before is None or after is None or before.empty or after.empty:
        return None
    fmt = Formats(lang)
    share_before = before.value_counts(normalize=True)
    share_after = after.value_counts(normalize=True)
    change = share_after.sub(share_before, fill_value=0)
    key = change.abs().idxmax()
    n_before, n_after = int((before == key).sum()), int((after == key).sum())
    message = (N_("Largest segment shift since {since}: {name} grew from {before} to {after} customers "
                  "({share_before} → {share_after} of customers).") if change[key] > 0 else
               N_("Largest segment shift since {since}: {name} shrank from {before} to {after} customers "
                  "({share_before} → {share_after} of customers)."))
    return gettext(lang, message).format(
        since=fmt.date(since), name=labels.get(key, key), before=fmt.count(n_before), after=fmt.count(n_after),
        share_before=fmt.percent(share_before.get(key, 0), 0), share_after=fmt.percent(share_after.get(key, 0), 0))


def best_channel_sentence(cltv_cac: pd.DataFrame | None, lang: str = "en") -> str | None:
    """The acquisition channel with the best CLTV/CAC, and the worst for contrast."""
    if cltv_cac is None:
        return None
    ranked = cltv_cac.dropna(subset=["cltv_cac_ratio"]).sort_values("cltv_cac_ratio", ascending=False)
    if ranked.empty:
        return None
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    fmt = Formats(lang)
    return gettext(lang, "{best} brings the best return on acquisition: each customer is expected to be "
                         "worth {best_ratio}× what it cost to acquire; {worst} is lowest at {worst_ratio}×.").format(
        best=best["channel"], best_ratio=fmt.number(best["cltv_cac_ratio"], 1),
        worst=worst["channel"], worst_ratio=fmt.number(worst["cltv_cac_ratio"], 1))


def value_at_risk_sentence(value_at_risk: pd.Series | None, value_if_retained: pd.Series | None, lang: str = "en",
                           top_share: float = 0.1) -> str | None:
    """Share of the value customers bring if they stay that is at risk of churn, and how concentrated it is."""
    if value_at_risk is None or value_if_retained is None or value_if_retained.sum() <= 0:
        return None
    fmt = Formats(lang)
    at_risk = value_at_risk.fillna(0)
    share = at_risk.sum() / value_if_retained.sum()
    top = at_risk.sort_values(ascending=False)
    n_top = max(1, math.ceil(len(top) * top_share))
    top_part = top.head(n_top).sum() / at_risk.sum() if at_risk.sum() > 0 else 0.0
    return gettext(lang, "{share} of the value customers would bring if they stayed is at risk of churn; "
                         "the top {top_share} of customers by value at risk ({n_top}) hold {top_part} of it — "
                         "start retention there.").format(
        share=fmt.percent(share, 0), top_share=fmt.percent(top_share, 0), n_top=fmt.count(n_top),
        top_part=fmt.percent(top_part, 0))


def top_complaint_sentence(category_shares: pd.Series | None, lang: str = "en") -> str | None:
    """The complaint category that catches most negative feedback (``category_shares``: shares of the
    negative texts, uncategorised excluded)."""
    if category_shares is None or category_shares.empty:
        return None
    return gettext(lang, "The most frequent complaint topic is {name}, mentioned in {share} of negative "
                         "feedback texts.").format(name=category_shares.idxmax(),
                                                   share=Formats(lang).percent(category_shares.max(), 0))


def kpi_change_sentence(headline: pd.DataFrame, kpi: str, name: str, lang: str = "en",
                        percent: bool = False, currency: str = "") -> str | None:
    """'<name> was X in <month> (change vs the month before).' for one headline KPI; money in
    ``currency`` when given, shares (``percent``) as % with the change in percentage points.

    >>> h = pd.DataFrame({"kpi": ["revenue"], "period": ["2024-12"], "value": [1234.5], "previous": [1000.0],
    ...                   "change": [0.2346], "change_points": [234.6], "available": [True]})
    >>> kpi_change_sentence(h, "revenue", "收入", "zh", currency="CNY")
    '2024年12月的收入为 ¥1,234.50（环比 +23.5%）。'
    """
    rows = headline.loc[headline["kpi"] == kpi]
    if rows.empty or not bool(rows["available"].iloc[0]):
        return None
    row = rows.iloc[0]
    fmt = Formats(lang, currency or "CNY")
    if percent:
        value = fmt.percent(row["value"])
    else:
        value = fmt.money(row["value"]) if currency else fmt.number(row["value"], 2)
    month = fmt.month(pd.Period(str(row["period"]), "M"))
    if pd.isna(row["previous"]):
        return gettext(lang, "{name} was {value} in {period}.").format(name=name, value=value, period=month)
    change = fmt.points(row["change_points"]) if percent else fmt.change(row["change"])
    return gettext(lang, "{name} was {value} in {period} ({change} vs the month before).").format(
        name=name, value=value, period=month, change=change)
