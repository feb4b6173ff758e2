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
    """The segment whose share of customers changed most between two dates.

    Parameters
    ----------
    before : Series
        Segment key per customer at the earlier date.
    after : Series
        Segment key per customer now.
    labels : dict of str to str
        Segment key -> the name shown (the key itself when missing).
    since : date-like
        The earlier date, shown in the sentence.
    lang : str, optional
        Language of the sentence; default ``"en"``.

    Returns
    -------
    str or None
        The sentence (that the mix did not change when no segment's share did); None when either
        series is missing or empty.

    >>> segment_shift_sentence(pd.Series(["lost", "champions"]), pd.Series(["champions", "lost"]), {}, "2024-09-30")
    'The segment mix has not changed since Sep 30, 2024: every segment holds the same share of customers.'
    """
    if before is None or after is None or before.empty or after.empty:
        return None
    fmt = Formats(lang)
    share_before = before.value_counts(normalize=True)
    share_after = after.value_counts(normalize=True)
    change = share_after.sub(share_before, fill_value=0)
    if not (change.abs() > 1e-12).any():  # equal shares: no segment grew or shrank
        return gettext(lang, "The segment mix has not changed since {since}: every segment holds the same "
                             "share of customers.").format(since=fmt.date(since))
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
    """The acquisition channel with the best CLTV/CAC, and the worst for contrast.

    Parameters
    ----------
    cltv_cac : frame or None
        :func:`crmlib.overview.kpi.cltv_cac_by_channel`'s frame (``channel``, ``cltv_cac_ratio``).
    lang : str, optional
        Language of the sentence; default ``"en"``.

    Returns
    -------
    str or None
        The sentence; None without the frame or without any defined ratio.
    """
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
    """Share of the value customers bring if they stay that is at risk of churn, and how concentrated it is.

    Parameters
    ----------
    value_at_risk : Series or None
        Value at risk per customer (missing counts as 0).
    value_if_retained : Series or None
        Value per customer if they stay.
    lang : str, optional
        Language of the sentence; default ``"en"``.
    top_share : float, optional
        Share of customers (0–1), largest value at risk first, whose part is given; default 0.1.

    Returns
    -------
    str or None
        The sentence; None when an input is missing or the retained value is not positive.
    """
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
    """The complaint category that catches most negative feedback.

    Parameters
    ----------
    category_shares : Series or None
        Complaint category -> share (0–1) of the negative texts, uncategorised excluded.
    lang : str, optional
        Language of the sentence; default ``"en"``.

    Returns
    -------
    str or None
        The sentence; None when the shares are missing or empty.
    """
    if category_shares is None or category_shares.empty:
        return None
    return gettext(lang, "The most frequent complaint topic is {name}, mentioned in {share} of negative "
                         "feedback texts.").format(name=category_shares.idxmax(),
                                                   share=Formats(lang).percent(category_shares.max(), 0))


def kpi_change_sentence(headline: pd.DataFrame, kpi: str, name: str, lang: str = "en",
                        percent: bool = False, currency: str = "") -> str | None:
    """'<name> was X in <month> (change vs the month before).' for one headline KPI; money in
    ``currency`` when given, shares (``percent``) as % with the change in percentage points.

    Parameters
    ----------
    headline : frame
        :func:`crmlib.overview.kpi.headline`'s frame.
    kpi : str
        The KPI's key, e.g. ``"revenue"``.
    name : str
        The KPI's name in the sentence.
    lang : str, optional
        Language of the sentence; default ``"en"``.
    percent : bool, optional
        True for a share (0–1), shown as % with the change in points; default False.
    currency : str, optional
        Currency code of a money KPI; "" (default) shows a plain number.

    Returns
    -------
    str or None
        The sentence; None when the KPI is not in ``headline`` or not available.

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
