"""Return on acquisition by channel with multi-touch credit: attributed CAC and CLTV/CAC.

Spend per channel comes from ``marketing_spend`` (per acquisition channel, the same figures the
single-channel CAC uses) and, for channels absent there, from the touchpoints' ``cost``.
``attributed CAC = spend / first purchases the model credits to the channel``; it sits next to
the single-channel CAC (spend / new customers whose acquisition channel it is). Attributed
CLTV/CAC divides the mean CLV of the customers a channel is credited with (each weighted by its
credit for them) by the attributed CAC. For the Markov model a customer's credit is split over
their contacts in proportion to the channels' removal effects.

Example
-------
>>> import pandas as pd
>>> attribution = pd.DataFrame({"channel": ["a", "b"], "model": ["linear", "linear"],
...                             "attributed_conversions": [4.0, 0.0], "attributed_revenue": [400.0, 0.0],
...                             "share": [1.0, 0.0]})
>>> spend = pd.DataFrame({"channel": ["a", "b"], "spend": [200.0, 50.0], "spend_source": "marketing_spend"})
>>> with_cac(attribution, spend)["attributed_cac"].tolist()
[50.0, nan]
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from crmlib.engine import Engine, default_engine
from crmlib.errors import DataError
from crmlib.scans.journeys import CREDIT, cost_by_channel, customer_credits
from crmlib.scans.source import as_float
from crmlib.settings import DEFAULTS

SPEND_FROM_TABLE, SPEND_FROM_COST = "marketing_spend", "touchpoint cost"
RULE_MODELS = ("first_touch", "last_touch", "linear", "time_decay")


def channel_spend(marketing_spend: pd.DataFrame | None = None, touchpoints: pd.DataFrame | None = None,
                  engine: Engine | None = None) -> pd.DataFrame:
    """Spend per channel, from the marketing spend table or else from the contacts' costs.

    A channel with rows in ``marketing_spend`` takes its spend from there (its contacts' costs are
    then not added, to avoid counting them twice).

    Parameters
    ----------
    marketing_spend : DataFrame, optional
        Spend rows with ``acquisition_channel`` and ``spend``.
    touchpoints : DataFrame, optional
        Contacts; their ``cost`` (if the column exists) is summed per channel.
    engine : Engine, optional
        The engine that sums the costs; None uses :func:`crmlib.engine.default_engine`.

    Returns
    -------
    DataFrame
        ``channel``, ``spend``, ``spend_source`` (``"marketing_spend"`` or ``"touchpoint cost"``),
        sorted by channel; empty (with these columns) without either source.
    """
    parts = []
    if marketing_spend is not None and len(marketing_spend):
        table = marketing_spend.groupby("acquisition_channel")["spend"].sum()
        parts.append(pd.DataFrame({"channel": table.index.astype(str), "spend": table.to_numpy(),
                                   "spend_source": SPEND_FROM_TABLE}))
    if touchpoints is not None and "cost" in touchpoints:
        costs = cost_by_channel(engine or default_engine(), touchpoints)
        known = set(parts[0]["channel"]) if parts else set()
        costs = costs.loc[~costs["channel"].isin(known)]
        parts.append(pd.DataFrame({"channel": costs["channel"], "spend": costs["cost"],
                                   "spend_source": SPEND_FROM_COST}))
    if not parts:
        return pd.DataFrame(columns=["channel", "spend", "spend_source"])
    return pd.concat(parts, ignore_index=True).sort_values("channel").reset_index(drop=True)


def with_cac(attribution: pd.DataFrame, spend: pd.DataFrame) -> pd.DataFrame:
    """The attribution table with each channel's spend and attributed CAC.

    Parameters
    ----------
    attribution : DataFrame
        One row per channel and model (:func:`crmlib.journey.attribution.attribution_table`).
    spend : DataFrame
        ``channel`` and ``spend`` (:func:`channel_spend`).

    Returns
    -------
    DataFrame
        ``attribution`` with ``spend`` and ``attributed_cac`` = spend / attributed conversions
        (NaN without spend or credit).
    """
    out = attribution.merge(spend[["channel", "spend"]], on="channel", how="left")
    credited = out["attributed_conversions"] > 0
    out["attributed_cac"] = np.where(credited & out["spend"].notna(),
                                     out["spend"] / out["attributed_conversions"].where(credited), np.nan)
    return out


def credited_clv(data, clv: pd.Series, removal_effects: dict[str, float] | pd.Series | None = None,
                 half_life_days: float = DEFAULTS.half_life_days) -> pd.DataFrame:
    """Mean CLV of the customers each model credits to each channel, weighted by the credit.

    Parameters
    ----------
    data : JourneyData
        The journeys (:func:`crmlib.journey.paths.collect_journeys`).
    clv : Series
        customer_id -> CLV (e.g. from :func:`crmlib.clv.score_customers`).
    removal_effects : dict or Series, optional
        channel -> Markov removal effect; adds the ``markov`` model.
    half_life_days : float, optional
        Half-life of the time-decay model in days (default ``DEFAULTS.half_life_days``).

    Returns
    -------
    DataFrame
        ``channel``, ``model``, ``mean_clv`` (NaN without credit), ``credited_customers`` (sum of
        credit over customers with a CLV). The sums are exact (the same bytes on any engine and
        thread count), and only one row per channel comes back from the engine.

    Raises
    ------
    DataError
        When ``clv`` holds more than one value for a customer, or no credited customer has a CLV.
    """
    weights = None if removal_effects is None else {str(k): float(v) for k, v in dict(removal_effects).items()}
    engine = data.engine
    credits = customer_credits(data.touches, half_life_days, weights)
    models = [*RULE_MODELS, "weighted"] if weights else list(RULE_MODELS)
    value = clv.astype(float).dropna()
    if not value.index.is_unique:
        repeated = value.index[value.index.duplicated()].unique()[:5].tolist()
        raise DataError(f"the CLV series has more than one value for customer ids {repeated}",
                        hint="Pass one CLV per customer (index customer_id), e.g. score_customers(...)['clv'].")
    values = engine.table(pd.DataFrame({"customer_id": value.index.astype(str), "clv": value.to_numpy()}))
    # the credits stay in the engine (one row per customer and channel); only one row per channel comes back,
    # summed exactly (the same bytes in any row order, on any thread count)
    joined = credits.left_join(values, "customer_id")
    known = joined.clv.notnull()
    sums = {"known": known.cast("int64").sum()}
    for model in models:
        credit = ibis.ifelse(known, joined[model], 0.0)
        sums[f"{model}_credit"] = as_float(credit.cast(CREDIT).sum())
        sums[f"{model}_weighted"] = as_float((credit * joined.clv.fill_null(0.0)).cast(CREDIT).sum())
    try:
        table = engine.to_pandas(joined.group_by("channel").aggregate(**sums))
    finally:
        engine.release(values)
    table = table.sort_values("channel", ignore_index=True)
    if not table["known"].sum():
        raise DataError("no credited customer has a CLV", hint="Pass the CLV of the buyers (index customer_id).")
    rows = []
    for model in models:
        credit, weighted = table[f"{model}_credit"], table[f"{model}_weighted"]
        rows.append(pd.DataFrame({"channel": table["channel"], "model": "markov" if model == "weighted" else model,
                                  "mean_clv": weighted / credit.where(credit > 0), "credited_customers": credit}))
    return pd.concat(rows, ignore_index=True)


def roi_by_channel(attribution: pd.DataFrame, single_channel_cac: pd.DataFrame | None = None,
                   clv: pd.DataFrame | None = None, model: str = "markov") -> pd.DataFrame:
    """One row per channel for ``model``: attributed CAC beside the single-channel CAC and CLTV/CAC.

    Parameters
    ----------
    attribution : DataFrame
        The attribution table with ``spend`` and ``attributed_cac`` (:func:`with_cac`).
    single_channel_cac : DataFrame, optional
        :func:`crmlib.overview.kpi.cac_table`; adds ``new_customers`` and ``cac``.
    clv : DataFrame, optional
        :func:`credited_clv`; adds ``mean_clv`` and ``attributed_cltv_cac``.
    model : str, optional
        The attribution model to report (default ``"markov"``).

    Returns
    -------
    DataFrame
        ``channel``, ``spend``, ``attributed_conversions``, ``attributed_revenue``,
        ``attributed_cac`` (plus the columns above), most attributed conversions first.
    """
    if "attributed_cac" not in attribution:
        raise DataError("the attribution table has no attributed_cac", hint="Pass it through with_cac(...) first.")
    chosen = attribution.loc[attribution["model"] == model, ["channel", "spend", "attributed_conversions",
                                                             "attributed_revenue", "attributed_cac"]]
    if single_channel_cac is not None:
        single = single_channel_cac.loc[single_channel_cac["channel"] != "all channels",
                                        ["channel", "spend", "new_customers", "cac"]]
        chosen = chosen.merge(single.rename(columns={"spend": "spend_single"}), on="channel", how="outer")
        chosen["spend"] = chosen["spend"].fillna(chosen.pop("spend_single"))
    if clv is not None:
        chosen = chosen.merge(clv.loc[clv["model"] == model, ["channel", "mean_clv"]], on="channel", how="left")
        chosen["attributed_cltv_cac"] = chosen["mean_clv"] / chosen["attributed_cac"]
    return chosen.sort_values("attributed_conversions", ascending=False, na_position="last").reset_index(drop=True)


def cac_by_model(attribution: pd.DataFrame, single_channel_cac: pd.DataFrame | None = None) -> pd.DataFrame:
    """Channels × CAC: the single-channel CAC (when given) and the attributed CAC of each model.

    Parameters
    ----------
    attribution : DataFrame
        The attribution table with ``spend`` and ``attributed_cac`` (:func:`with_cac`).
    single_channel_cac : DataFrame, optional
        :func:`crmlib.overview.kpi.cac_table`; adds ``single_channel_cac``.

    Returns
    -------
    DataFrame
        One row per channel with spend, most spend first: ``channel``, ``spend``,
        [``single_channel_cac``,] and one attributed-CAC column per model (named by model).
    """
    wide = attribution.pivot(index="channel", columns="model", values="attributed_cac")
    wide = wide[[m for m in ("first_touch", "last_touch", "linear", "time_decay", "markov") if m in wide.columns]]
    spend = attribution.drop_duplicates("channel").set_index("channel")["spend"]
    out = pd.DataFrame({"spend": spend}).join(wide)
    if single_channel_cac is not None:
        single = single_channel_cac.set_index("channel")["cac"].drop(index="all channels", errors="ignore")
        out.insert(1, "single_channel_cac", single.reindex(out.index))
    out = out.loc[out["spend"].notna()].sort_values("spend", ascending=False)
    return out.rename_axis("channel").reset_index()
