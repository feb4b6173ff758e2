"""Sentences for the executive summary, each computed from one analysis' result.

Every function returns a sentence in English or Chinese, or ``None`` when its input is not
available (the overview then says why elsewhere).

Example
-------
>>> import pandas as pd
>>> before = pd.Series({"a": "champions", "b": "lost", "c": "lost"})
>>> after = pd.Series({"a": "champions", "b": "champions", "c": "lost", "d": "lost"})
>>> segment_shift_sentence(before, after, {"champions": "Champions", "lost": "Lost"}, "2024-09-30")
'Largest segment shift since 2024-09-30: Champions grew from 1 to 2 customers (33% → 50% of customers).'
"""

from __future__ import annotations

import math

import pandas as pd

from crmlib.lang import in_language as _t


def segment_shift_sentence(before: pd.Series, after: pd.Series, labels: dict[str, str], since: str,
                           lang: str = "en") -> str | None:
    """The segment whose share of customers changed most between two dates."""
    if before is None or after is None or before.empty or after.empty:
        return None
    share_before = before.value_counts(normalize=True)
    share_after = after.value_counts(normalize=True)
    change = share_after.sub(share_before, fill_value=0)
    key = change.abs().idxmax()
    n_before, n_after = int((before == key).sum()), int((after == key).sum())
    name = labels.get(key, key)
    grew = change[key] > 0
    return _t(
        lang,
        f"Largest segment shift since {since}: {name} {'grew' if grew else 'shrank'} from {n_before:,} to "
        f"{n_after:,} customers ({share_before.get(key, 0):.0%} → {share_after.get(key, 0):.0%} of customers).",
        f"自 {since} 以来变化最大的细分：{name} 从 {n_before:,} 人{'增至' if grew else '降至'} {n_after:,} 人"
        f"（占客户 {share_before.get(key, 0):.0%} → {share_after.get(key, 0):.0%}）。",
    )


def best_channel_sentence(cltv_cac: pd.DataFrame | None, lang: str = "en") -> str | None:
    """The acquisition channel with the best CLTV/CAC, and the worst for contrast."""
    if cltv_cac is None:
        return None
    ranked = cltv_cac.dropna(subset=["cltv_cac_ratio"]).sort_values("cltv_cac_ratio", ascending=False)
    if ranked.empty:
        return None
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    return _t(
        lang,
        f"{best['channel']} brings the best return on acquisition: each customer is expected to be worth "
        f"{best['cltv_cac_ratio']:.1f}× what it cost to acquire; {worst['channel']} is lowest at "
        f"{worst['cltv_cac_ratio']:.1f}×.",
        f"获客回报最高的渠道是 {best['channel']}：客户预期价值是获客成本的 {best['cltv_cac_ratio']:.1f} 倍；"
        f"最低的是 {worst['channel']}（{worst['cltv_cac_ratio']:.1f} 倍）。",
    )


def value_at_risk_sentence(value_at_risk: pd.Series | None, value_if_retained: pd.Series | None, lang: str = "en",
                           top_share: float = 0.1) -> str | None:
    """Share of the value customers bring if they stay that is at risk of churn, and how concentrated it is."""
    if value_at_risk is None or value_if_retained is None or value_if_retained.sum() <= 0:
        return None
    at_risk = value_at_risk.fillna(0)
    share = at_risk.sum() / value_if_retained.sum()
    top = at_risk.sort_values(ascending=False)
    n_top = max(1, math.ceil(len(top) * top_share))
    top_part = top.head(n_top).sum() / at_risk.sum() if at_risk.sum() > 0 else 0.0
    return _t(
        lang,
        f"{share:.0%} of the value customers would bring if they stayed is at risk of churn; the top "
        f"{top_share:.0%} of customers by value at risk ({n_top:,}) hold {top_part:.0%} of it — start retention there.",
        f"客户若留存可带来的价值中，{share:.0%} 面临流失风险；按风险价值排名前 {top_share:.0%} 的客户（{n_top:,} 人）"
        f"占其中 {top_part:.0%}——挽留工作应从他们开始。",
    )


def top_complaint_sentence(category_shares: pd.Series | None, lang: str = "en") -> str | None:
    """The complaint category that catches most negative feedback (``category_shares``: shares of the
    negative texts, uncategorised excluded)."""
    if category_shares is None or category_shares.empty:
        return None
    name, share = category_shares.idxmax(), category_shares.max()
    return _t(lang, f"The most frequent complaint topic is {name}, mentioned in {share:.0%} of negative feedback texts.",
              f"最常见的投诉类别是 {name}，出现在 {share:.0%} 的负面反馈文本中。")


def kpi_change_sentence(headline: pd.DataFrame, kpi: str, name: str, lang: str = "en",
                        percent: bool = False) -> str | None:
    """'<name> was X in <period>, up/down Y vs the month before.' for one headline KPI."""
    rows = headline.loc[headline["kpi"] == kpi]
    if rows.empty or not bool(rows["available"].iloc[0]):
        return None
    row = rows.iloc[0]
    value = f"{row['value']:.1%}" if percent else f"{row['value']:,.2f}"
    if pd.isna(row["previous"]):
        change = ""
    elif percent:
        change = f"{row['change_points'] * 100:+.1f} points"
    else:
        change = f"{row['change']:+.1%}"
    if not change:
        return _t(lang, f"{name} was {value} in {row['period']}.", f"{row['period']} 的{name}为 {value}。")
    return _t(lang, f"{name} was {value} in {row['period']} ({change} vs the month before).",
              f"{row['period']} 的{name}为 {value}（环比 {change.replace('points', '个百分点')}）。")
