"""Multi-touch attribution: who gets the credit for a first purchase.

Five models side by side, each handing out every converted journey's one conversion (and its
first-purchase revenue) to the channels on its path:

- ``first_touch``: all to the first contact; ``last_touch``: all to the last;
- ``linear``: equal parts to every contact;
- ``time_decay``: in proportion to 2^(−days before the purchase / half-life);
- ``markov``: the removal effect of a first-order Markov chain fitted to all journeys,
  converted or not (Anderl, Becker, von Wangenheim & Schumann 2016, "Mapping the customer
  journey: lessons learned from graph-based online attribution modeling", IJRM 33(3)): a
  channel's share is how much the chain's conversion probability falls when the channel is
  removed, relative to the other channels' removal effects. Estimated by the
  ``ChannelAttribution`` package (Altomare & Loris; simulation with a fixed seed).

The rules are computed by the engine over the contacts (:func:`crmlib.scans.journeys.rule_credits`);
the Markov model reads only the distinct paths with their counts.

Example
-------
>>> import pandas as pd
>>> paths = pd.DataFrame({"path": ["A > B > C", "A > C", "B", "A > B", "C"],
...                       "conversions": [1, 1, 0, 0, 1], "non_conversions": [0, 0, 1, 1, 0],
...                       "revenue": [100.0, 60.0, 0.0, 0.0, 40.0]})
>>> markov = markov_attribution(paths)
>>> markov.set_index("channel")["attributed_conversions"].round(1).to_dict()  # exact: 15/17, 9/17, 27/17
{'A': 0.9, 'B': 0.5, 'C': 1.6}
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd

from crmlib.errors import DataError

RULES = ("first_touch", "last_touch", "linear", "time_decay")
MODELS = (*RULES, "markov")
SEPARATOR = " > "
ATTRIBUTION_COLUMNS = ["channel", "model", "attributed_conversions", "attributed_revenue", "share"]


def _channel_attribution():
    """The ChannelAttribution package (it prints an advertisement on import: kept out of reports)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import ChannelAttribution
    return ChannelAttribution


def markov_attribution(paths: pd.DataFrame, *, n_simulations: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """Removal-effect attribution of a first-order Markov chain fitted to ``paths``.

    ``paths``: one row per distinct path (``path`` with channels joined by ``" > "``,
    ``conversions``, ``non_conversions``, optionally ``revenue``), as
    :func:`crmlib.scans.journeys.path_table` gives. Returns one row per channel: ``channel``,
    ``removal_effect`` (share of conversions lost without the channel), ``attributed_conversions``,
    ``attributed_revenue`` (both sum to the totals of ``paths``).
    """
    missing = [c for c in ("path", "conversions", "non_conversions") if c not in paths]
    if missing:
        raise DataError(f"the paths table lacks {missing}",
                        hint="Pass crmlib.scans.journeys.path_table(...) brought back as pandas.")
    paths = paths.loc[paths["path"].fillna("").str.len() > 0]
    if paths["conversions"].sum() <= 0:
        raise DataError("no journey converted, so there is nothing to attribute",
                        hint="Check the lookback window and that the touchpoints' ids match the orders' customer ids.")
    steps = paths["path"].str.split(SEPARATOR, regex=False)
    channels = pd.Index(sorted(set(steps.explode())))
    # the package splits on one character: give it codes, whatever the channel names hold
    codes = pd.Series([f"c{i}" for i in range(len(channels))], index=channels)
    coded = steps.explode().map(codes).groupby(level=0).agg(">".join)
    data = pd.DataFrame({"path": coded, "conversions": paths["conversions"].astype(float),
                         "non_conversions": paths["non_conversions"].astype(float),
                         "revenue": paths["revenue"].astype(float) if "revenue" in paths else 0.0})
    with contextlib.redirect_stdout(io.StringIO()):
        result = _channel_attribution().markov_model(
            data, "path", "conversions", var_value="revenue", var_null="non_conversions", out_more=True,
            nsim_start=n_simulations, seed=seed, verbose=False, flg_pro=False)
    by_code = pd.Index(codes.index, name="channel").to_series().set_axis(codes.to_numpy())
    effects = result["removal_effects"].set_index("channel_name")
    credit = result["result"].set_index("channel_name")
    out = pd.DataFrame({
        "channel": by_code.reindex(credit.index).to_numpy(),
        "removal_effect": effects["removal_effects_conversion"].reindex(credit.index).to_numpy(),
        "attributed_conversions": credit["total_conversions"].to_numpy(),
        "attributed_revenue": credit["total_conversion_value"].to_numpy(),
    })
    return out.sort_values("channel").reset_index(drop=True)


def attribution_table(rule_credits: pd.DataFrame, markov: pd.DataFrame | None = None) -> pd.DataFrame:
    """The models side by side in one tidy frame: one row per channel and model.

    ``rule_credits``: :func:`crmlib.scans.journeys.rule_credits` as pandas; ``markov``:
    :func:`markov_attribution` (left out when None). Columns: ``channel``, ``model``,
    ``attributed_conversions``, ``attributed_revenue``, ``share`` (of the model's conversions;
    sums to 1 per model). Channels a model credits nothing get 0.
    """
    parts = [pd.DataFrame({"channel": rule_credits["channel"], "model": rule,
                           "attributed_conversions": rule_credits[f"{rule}_conversions"].astype(float),
                           "attributed_revenue": rule_credits[f"{rule}_revenue"].astype(float)})
             for rule in RULES]
    if markov is not None:
        parts.append(markov[["channel", "attributed_conversions", "attributed_revenue"]].assign(model="markov"))
    table = pd.concat(parts, ignore_index=True)
    channels = sorted(set(table["channel"]))
    models = [m for m in MODELS if m in set(table["model"])]
    full = pd.MultiIndex.from_product([channels, models], names=["channel", "model"])
    table = table.set_index(["channel", "model"]).reindex(full, fill_value=0.0).reset_index()
    totals = table.groupby("model")["attributed_conversions"].transform("sum")
    table["share"] = table["attributed_conversions"] / totals.where(totals > 0)
    order = pd.Categorical(table["model"], categories=models, ordered=True)
    return table.assign(model=order).sort_values(["model", "channel"]).assign(
        model=lambda t: t["model"].astype(str)).reset_index(drop=True)[ATTRIBUTION_COLUMNS]


def share_matrix(attribution: pd.DataFrame, value: str = "share") -> pd.DataFrame:
    """Channels × models of ``value`` (``share``, ``attributed_conversions`` or ``attributed_revenue``),
    channels ordered by their Markov (or else linear) share."""
    wide = attribution.pivot(index="channel", columns="model", values=value)
    wide = wide[[m for m in MODELS if m in wide.columns]]
    key = "markov" if "markov" in wide.columns else wide.columns[-1]
    order = attribution.pivot(index="channel", columns="model", values="share")[key]
    return wide.loc[order.sort_values(ascending=False).index]

