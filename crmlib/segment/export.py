"""The ``exports/segments.csv`` contract: one row per customer who bought.

Columns (stable; add, never rename): ``customer_id``, ``recency`` (days since the last
purchase), ``frequency`` (purchase days or orders), ``monetary`` (total or average spend),
``total_spend``, ``r_score``, ``f_score``, ``m_score`` (1-5, 5 best), ``fm_score``,
``rfm_code``, ``scheme``, ``segment`` (stable key), ``segment_label`` (en/zh), ``value_tier``
(high/medium/low), ``cluster`` (0 = highest spend), ``cluster_description``,
``lifecycle_stage`` (key), ``crm_stage`` (identify/attract/retain/raise_value),
``segment_action``, ``tier_action`` (from the editable action table, in the notebook language).

Example
-------
>>> import pandas as pd
>>> table = pd.DataFrame({"recency": [3.0], "frequency": [2.0], "monetary": [50.0],
...     "total_spend": [50.0], "r_score": [3], "f_score": [3], "m_score": [3], "fm_score": [3],
...     "rfm_code": ["333"], "segment": ["need_attention"], "segment_label": ["Need Attention"],
...     "value_tier": ["high"]}, index=pd.Index(["a"], name="customer_id"))
>>> out = segments_export(table, "rfm11", pd.Series({"a": 0}), pd.Series({"a": "recent"}),
...                       pd.Series({"a": "active"}))
>>> list(out.columns[:4]), out.loc[0, "crm_stage"]
(['customer_id', 'recency', 'frequency', 'monetary'], 'raise_value')
"""

from __future__ import annotations

import pandas as pd

from crmlib.segment.actions import recommended_actions
from crmlib.segment.lifecycle import crm_stages

EXPORT_COLUMNS = [
    "customer_id", "recency", "frequency", "monetary", "total_spend", "r_score", "f_score",
    "m_score", "fm_score", "rfm_code", "scheme", "segment", "segment_label", "value_tier", "cluster",
    "cluster_description", "lifecycle_stage", "crm_stage", "segment_action", "tier_action",
]


def segments_export(table: pd.DataFrame, scheme: str, clusters: pd.Series | None,
                    cluster_descriptions: pd.Series | None, lifecycle: pd.Series, lang: str = "en",
                    actions_path=None) -> pd.DataFrame:
    """Assemble the segments.csv frame from the segment table, clusters and lifecycle stages.

    All inputs are indexed by customer_id; customers of ``table`` define the rows.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlib.segment.table.segment_table`.
    scheme : {"rfm11", "cn8"}
        Segment scheme of ``table``; written to ``scheme`` and picks the segment actions.
    clusters : Series or None
        Cluster number per customer; ``None`` (too few distinct customers to cluster) leaves the
        cluster columns empty.
    cluster_descriptions : Series or None
        Cluster description per customer; ``None`` leaves ``cluster_description`` empty.
    lifecycle : Series
        Lifecycle stage key per customer (:func:`crmlib.segment.lifecycle.lifecycle_stages`).
    lang : {"en", "zh"}, default "en"
        Language of the actions.
    actions_path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).

    Returns
    -------
    DataFrame
        One row per customer of ``table`` (default index) with the columns ``EXPORT_COLUMNS``.
    """
    clusters = pd.Series(dtype="Int64") if clusters is None else clusters
    cluster_descriptions = pd.Series(dtype=object) if cluster_descriptions is None else cluster_descriptions
    out = table.copy()
    out["scheme"] = scheme
    out["cluster"] = clusters.reindex(out.index).astype("Int64")
    out["cluster_description"] = cluster_descriptions.reindex(out.index)
    out["lifecycle_stage"] = lifecycle.reindex(out.index)
    out["crm_stage"] = crm_stages(out["lifecycle_stage"], actions_path)
    out["segment_action"] = recommended_actions(out["segment"], scheme, lang, actions_path)
    out["tier_action"] = recommended_actions(out["value_tier"], "tiers", lang, actions_path)
    out = out.reset_index()
    return out[EXPORT_COLUMNS]
