"""The overview's profit headline (issue 20, item 6): gross margin %, the share of unprofitable
buyers and the profit-based CLTV/CAC, as plain keys for ``kpis.json``.

Example
-------
>>> import pandas as pd
>>> table = pd.DataFrame({"revenue": [100.0, 50.0], "gross_margin": [40.0, 5.0], "profit": [30.0, -2.0],
...                       "revenue_without_cost": [0.0, 0.0]}, index=["a", "b"])
>>> cac = pd.DataFrame({"channel": ["all channels"], "cac": [8.0]})
>>> h = profit_headline(table, pd.Series([20.0, 4.0], index=["a", "b"]), cac)
>>> h["gross_margin_pct"], h["unprofitable_share"], h["cltv_cac_ratio"]
(0.3, 0.5, 1.5)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.profit.whale import whale_summary

ALL_CHANNELS = "all channels"
UNITS = {"revenue": "currency", "gross_margin": "currency", "profit": "currency", "gross_margin_pct": "share 0-1",
         "unprofitable_share": "share 0-1", "revenue_without_cost_share": "share 0-1",
         "mean_profit_clv": "currency per buyer", "cac": "currency per new customer",
         "cltv_cac_ratio": "mean CLV on profit / CAC (all channels)"}

DEFINITIONS = {
    "gross_margin_pct": "gross margin (net of returns) / revenue of the kept purchases",
    "profit": "gross margin - cost to serve (service contacts, return handling, shipping)",
    "unprofitable_share": "share of buyers whose profit over the analysis period is below 0",
    "revenue_without_cost_share": "share of revenue no cost source priced (no margin counted for it)",
    "mean_profit_clv": "mean CLV on profit per buyer over the CLV horizon (crmlib.profit.customer_value)",
    "cltv_cac_ratio": "mean CLV on profit / CAC of all channels (marketing spend / new customers)",
}


def profit_headline(table: pd.DataFrame, clv: pd.Series | None = None, cac: pd.DataFrame | None = None) -> dict:
    """Profit headline from :func:`crmlib.profit.customer_profit` (``table``), the CLV on profit per buyer
    (``clv``, :func:`crmlib.profit.customer_value`) and the CAC table (:func:`crmlib.overview.kpi.cac_table`,
    its ``all channels`` row). The CLTV/CAC keys are left out without ``clv`` and ``cac``; the ratio is
    None when CAC is undefined.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.profit.customer_profit`: ``revenue``, ``gross_margin``, ``profit``,
        ``revenue_without_cost`` per buyer.
    clv : Series, optional
        CLV on profit per buyer; None leaves the CLTV/CAC keys out.
    cac : DataFrame, optional
        CAC table (``channel``, ``cac``), its ``all channels`` row used; None leaves those keys out.

    Returns
    -------
    dict
        Plain keys for ``kpis.json`` (units in :data:`UNITS`): ``buyers``, ``revenue``, ``profit``,
        ``gross_margin_pct`` …; ``mean_profit_clv``, ``cac``, ``cltv_cac_ratio`` with both.
    """
    revenue = float(table["revenue"].sum())
    margin = float(table["gross_margin"].sum())
    whale = whale_summary(table["profit"])
    out = {
        "buyers": whale["customers"], "revenue": revenue, "gross_margin": margin,
        "gross_margin_pct": margin / revenue if revenue > 0 else None,
        "profit": whale["total_profit"], "unprofitable_customers": whale["unprofitable_customers"],
        "unprofitable_share": whale["unprofitable_share"],
        "revenue_without_cost_share": float(table["revenue_without_cost"].sum()) / revenue if revenue > 0 else None,
    }
    if clv is not None and cac is not None:
        overall = cac.set_index("channel")["cac"].get(ALL_CHANNELS, np.nan)
        mean = float(clv.mean())
        out["mean_profit_clv"] = mean
        out["cac"] = float(overall) if np.isfinite(overall) else None
        out["cltv_cac_ratio"] = mean / float(overall) if np.isfinite(overall) and overall > 0 else None
    return out


__all__ = ["UNITS", "DEFINITIONS", "profit_headline"]
