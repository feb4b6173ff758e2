"""One row per customer: RFM, scores, named segment and value tier (the core of segments.csv).

Example
-------
>>> import pandas as pd
>>> from crmlib.scans.summary import customer_summary
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
...                    "order_date": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-02-01", "2023-06-01"]),
...                    "amount": [50.0, 40.0, 20.0, 5.0]})
>>> table = segment_table(customer_summary(tx, "2024-03-31"))
>>> table.loc["a", ["r_score", "f_score", "m_score", "segment", "value_tier"]].astype(str).tolist()
['4', '4', '4', 'loyal_customers', 'high']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from crmlib.segment.rfm import rfm_scores, rfm_table
from crmlib.segment.schemes import SCHEMES, assign_cn8, assign_rfm11, segment_labels
from crmlib.segment.tiers import value_tiers


def segment_table(summary: pd.DataFrame, *, scheme: str = "rfm11", lang: str = "en",
                  reference: str = "mean", tier_cuts: Sequence[float] = (0.8, 0.95),
                  frequency: str = "purchase_days", monetary: str = "total",
                  rules_path=None) -> pd.DataFrame:
    """RFM, 1-5 scores, segment (key and label) and value tier per customer.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlib.scans.summary.customer_summary` output (index ``customer_id``).
    scheme : {"rfm11", "cn8"}
        The 11-segment scheme or the Chinese 8-class scheme.
    lang : {"en", "zh"}
        Language of ``segment_label``.
    reference : {"mean", "median"}
        The cn8 scheme's high/low reference.
    tier_cuts : (float, float)
        Revenue-share cut points of the high and medium tiers (tiers use total spend).
    frequency, monetary :
        See :func:`crmlib.segment.rfm.rfm_table`.
    rules_path : str or Path, optional
        Edited segment rule file (default: the bundled ``segment_rules.yaml``).

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``recency``, ``frequency``, ``monetary``,
    ``total_spend``, ``r_score``, ``f_score``, ``m_score``, ``fm_score``, ``rfm_code``,
    ``segment``, ``segment_label``, ``value_tier``.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    table = rfm_scores(rfm_table(summary, frequency=frequency, monetary=monetary))
    table.insert(3, "total_spend", summary["total_spend"].astype(float))
    if scheme == "rfm11":
        table["segment"] = assign_rfm11(table, rules_path)["segment"]
    else:
        table["segment"] = assign_cn8(table, reference, rules_path)["segment"]
    table["segment_label"] = segment_labels(table["segment"], scheme, lang, rules_path)
    table["value_tier"] = value_tiers(table["total_spend"], tier_cuts).astype(str)
    return table


def segment_overview(table: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Per segment: customers, share of customers, revenue share and mean RFM values.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`segment_table`.
    order : sequence of str, optional
        Segment keys in display order; segments not listed are left out (default: sorted keys).

    Returns
    -------
    DataFrame
        One row per segment (default index): ``segment``, ``label``, ``customers``,
        ``customer_share``, ``revenue``, ``revenue_share`` and mean ``recency``, ``frequency``,
        ``monetary``.
    """
    grouped = table.groupby("segment", observed=True)
    overview = grouped.agg(label=("segment_label", "first"), customers=("total_spend", "size"),
                           revenue=("total_spend", "sum"), recency=("recency", "mean"),
                           frequency=("frequency", "mean"), monetary=("monetary", "mean"))
    overview.insert(2, "customer_share", overview["customers"] / overview["customers"].sum())
    overview.insert(4, "revenue_share", overview["revenue"] / overview["revenue"].sum())
    if order is not None:
        overview = overview.reindex([k for k in order if k in overview.index])
    return overview.reset_index()
