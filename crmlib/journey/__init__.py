"""Customer journeys and touchpoints: paths to the first purchase, conversion by touchpoint,
multi-touch attribution, return on acquisition per channel and engagement before churn.

Pure analyses: the contacts are scanned by the engine (:mod:`crmlib.scans.journeys`); nothing
here caches, plots or writes files. Typical use (notebook ``06_journey``)::

    data = collect_journeys(ds.touchpoints, ds.transactions, customers=ds.customers,
                            lookback_days=30, analysis_date=ds.analysis_date)
    attribution = attribute(data, half_life_days=7)
"""

from __future__ import annotations

import pandas as pd

from crmlib.journey.attribution import (
    MODELS,
    RULES,
    SHARE_KINDS,
    attribution_table,
    markov_attribution,
    share_matrix,
)
from crmlib.journey.conversion import (
    conversion_by_audience,
    conversion_by_first_channel,
    conversion_by_touch,
    journeys_by_group,
)
from crmlib.journey.paths import (
    JourneyData,
    collect_journeys,
    path_length_table,
    path_steps,
    time_to_conversion,
    top_converting_paths,
    top_paths,
)
from crmlib.journey.retention import (
    compare_churned_retained,
    contacts_before_churn,
    engagement_gain,
)
from crmlib.journey.roi import cac_by_model, channel_spend, credited_clv, roi_by_channel, with_cac
from crmlib.scans.journeys import rule_credits
from crmlib.settings import DEFAULTS


def attribute(data: JourneyData, *, half_life_days: float = DEFAULTS.half_life_days, markov: bool = True) -> pd.DataFrame:
    """The five attribution models side by side (:func:`attribution_table` of ``data``'s credits).

    Parameters
    ----------
    data : JourneyData
        The journeys (:func:`collect_journeys`).
    half_life_days : float, optional
        Half-life of the time-decay model in days (default ``DEFAULTS.half_life_days``).
    markov : bool, optional
        Add the Markov-chain model (default True); False gives the four rule-based models only.

    Returns
    -------
    DataFrame
        One row per channel and model: ``channel``, ``model``, ``attributed_conversions``,
        ``attributed_revenue``, ``share``; with ``markov``, the removal effects are kept in
        ``.attrs["removal_effects"]`` (channel -> effect).
    """
    credits = data.engine.to_pandas(rule_credits(data.touches, half_life_days))
    chain = markov_attribution(data.paths) if markov else None
    table = attribution_table(credits, chain)
    if chain is not None:
        table.attrs["removal_effects"] = chain.set_index("channel")["removal_effect"].to_dict()
    return table


__all__ = [
    "MODELS", "RULES", "SHARE_KINDS", "JourneyData", "attribute", "attribution_table", "cac_by_model", "channel_spend",
    "compare_churned_retained", "contacts_before_churn", "conversion_by_audience",
    "conversion_by_first_channel", "conversion_by_touch", "collect_journeys", "credited_clv",
    "engagement_gain", "journeys_by_group", "markov_attribution", "path_length_table", "path_steps",
    "roi_by_channel", "share_matrix", "time_to_conversion", "top_converting_paths", "top_paths", "with_cac",
]
