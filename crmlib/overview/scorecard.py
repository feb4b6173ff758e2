"""The per-customer scorecard: one row per customer joining every analysis of the workbook.

Each input comes from the module that owns it — segments and tiers from
:mod:`crmlib.segment`, lifecycle stages from :func:`crmlib.segment.lifecycle_stages`, CLV and
P(alive) from :func:`crmlib.clv.score_customers`, churn probability and value at risk from
:mod:`crmlib.churn`, the latest sentiment and NPS from the feedback table, recommended
products from :mod:`crmlib.overview.recommend` — so the scorecard never recomputes anything differently.

Example
-------
>>> import pandas as pd
>>> segments = pd.DataFrame({"segment": ["champions"], "segment_label": ["Champions"],
...                          "value_tier": ["high"]}, index=pd.Index(["a"], name="customer_id"))
>>> card = build_scorecard(segments, actions=pd.Series({"a": "Reward them"}))
>>> card.loc[0, ["customer_id", "segment", "next_action"]].tolist()
['a', 'champions', 'Reward them']
"""

from __future__ import annotations

import pandas as pd

SCORECARD_COLUMNS = [
    "customer_id", "segment", "segment_label", "value_tier", "lifecycle_stage", "crm_stage", "clv", "p_alive",
    "churn_probability", "value_at_risk", "latest_sentiment", "latest_nps", "next_action", "recommended_products",
]


def latest_feedback(feedback: pd.DataFrame | None, sentiment: pd.Series | None = None) -> pd.DataFrame:
    """Per customer: the latest sentiment score and the latest NPS answer (by feedback date).

    Parameters
    ----------
    feedback : frame or None
        Feedback rows with ``customer_id`` (and ``date``, ``nps`` when known).
    sentiment : Series, optional
        A score per feedback row (same index as ``feedback``), e.g. from
        :func:`crmlib.feedback.sentiment.score_sentiment`; None (default): no sentiment.

    Returns
    -------
    frame
        Index ``customer_id``; columns ``latest_sentiment`` and ``latest_nps``.
    """
    columns = ["latest_sentiment", "latest_nps"]
    if feedback is None or feedback.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="customer_id"))
    frame = feedback.assign(_sentiment=sentiment if sentiment is not None else pd.NA)
    if "date" in frame:
        frame = frame.sort_values("date", kind="stable")
    with_sentiment = frame.dropna(subset=["_sentiment"])
    out = pd.DataFrame({"latest_sentiment": with_sentiment.groupby("customer_id")["_sentiment"].last()})
    if "nps" in frame:
        out = out.join(frame.dropna(subset=["nps"]).groupby("customer_id")["nps"].last().rename("latest_nps"),
                       how="outer")
    out = out.reindex(columns=columns)
    out.index.name = "customer_id"
    return out


def product_lists(recommendations: pd.DataFrame | None, separator: str = "; ") -> pd.Series:
    """Recommended items per customer joined in rank order ("a; b; c").

    Parameters
    ----------
    recommendations : frame or None
        Recommendations with ``customer_id``, ``rank`` and ``item`` (e.g. ``recommend()``'s).
    separator : str, optional
        Text between items; default ``"; "``.

    Returns
    -------
    Series
        ``recommended_products`` indexed by ``customer_id``; empty without recommendations.
    """
    if recommendations is None or recommendations.empty:
        return pd.Series(dtype=object, name="recommended_products")
    wide = recommendations.pivot(index="customer_id", columns="rank", values="item").sort_index(axis=1)
    text = None
    for rank in wide.columns:  # a handful of ranks, not customers
        item = wide[rank].astype(object)
        text = item if text is None else text.where(item.isna(), text + separator + item.where(item.notna(), ""))
        text = text.where(text.notna(), item)
    return text.rename("recommended_products")


def build_scorecard(segments: pd.DataFrame, *, lifecycle: pd.DataFrame | None = None,
                    clv: pd.DataFrame | None = None, churn: pd.DataFrame | None = None,
                    feedback: pd.DataFrame | None = None, actions: pd.Series | None = None,
                    products: pd.Series | None = None) -> pd.DataFrame:
    """Join the per-customer results (each indexed by ``customer_id``) into the scorecard.

    Every buyer in ``segments`` gets a row; a column whose source is missing stays empty. When ``clv``
    is on profit (:func:`crmlib.profit.customer_value`) its ``revenue_clv`` is added as the last column.

    Parameters
    ----------
    segments : frame
        ``segment``, ``segment_label``, ``value_tier`` per buyer: one row each in the scorecard.
    lifecycle : frame, optional
        ``lifecycle_stage`` and ``crm_stage`` per customer; default None.
    clv : frame, optional
        ``clv`` and ``p_alive`` (and ``revenue_clv`` when on profit) per customer; default None.
    churn : frame, optional
        ``churn_probability`` and ``value_at_risk`` per customer; default None.
    feedback : frame, optional
        ``latest_sentiment``, ``latest_nps`` per customer (:func:`latest_feedback`); default None.
    actions : Series, optional
        Next action per customer; default None.
    products : Series, optional
        Recommended products per customer (:func:`product_lists`); default None.

    Returns
    -------
    frame
        One row per buyer, columns :data:`SCORECARD_COLUMNS` (+ ``revenue_clv``); largest value at
        risk first when known.
    """
    parts = [segments.reindex(columns=["segment", "segment_label", "value_tier"])]
    if lifecycle is not None:
        parts.append(lifecycle.reindex(columns=["lifecycle_stage", "crm_stage"]))
    if clv is not None:
        parts.append(clv.reindex(columns=["clv", "p_alive", *[c for c in ("revenue_clv",) if c in clv]]))
    if churn is not None:
        parts.append(churn.reindex(columns=["churn_probability", "value_at_risk"]))
    if feedback is not None:
        parts.append(feedback.reindex(columns=["latest_sentiment", "latest_nps"]))
    if actions is not None:
        parts.append(actions.rename("next_action").to_frame())
    if products is not None:
        parts.append(products.rename("recommended_products").to_frame())
    card = pd.concat([p.reindex(segments.index) for p in parts], axis=1)
    card.index.name = "customer_id"
    card = card.reset_index().reindex(columns=SCORECARD_COLUMNS + [c for c in ("revenue_clv",) if c in card])
    if "value_at_risk" in card and card["value_at_risk"].notna().any():
        card = card.sort_values("value_at_risk", ascending=False, kind="stable")
    return card.reset_index(drop=True)
