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
  removed, relative to the other channels' removal effects. Computed exactly from the chain's
  transition counts (linear systems, no simulation).

The rules are computed by the engine over the contacts (:func:`crmlib.scans.journeys.rule_credits`);
the Markov model reads only the distinct paths with their counts.

Example
-------
>>> import pandas as pd
>>> paths = pd.DataFrame({"path": ["A > B > C", "A > C", "B", "A > B", "C"],
...                       "conversions": [1, 1, 0, 0, 1], "non_conversions": [0, 0, 1, 1, 0],
...                       "revenue": [100.0, 60.0, 0.0, 0.0, 40.0]})
>>> markov = markov_attribution(paths)
>>> markov.set_index("channel")["attributed_conversions"].round(4).to_dict()  # 15/17, 9/17, 27/17
{'A': 0.8824, 'B': 0.5294, 'C': 1.5882}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError

RULES = ("first_touch", "last_touch", "linear", "time_decay")
MODELS = (*RULES, "markov")
SEPARATOR = " > "
ATTRIBUTION_COLUMNS = ["channel", "model", "attributed_conversions", "attributed_revenue", "share"]
# How :func:`share_matrix`'s columns read in a table (``wb.show(shares, columns=SHARE_KINDS)``): shares of
# first purchases as percentages, headed by the model's name (the same keys are money in a CAC table)
SHARE_KINDS = dict.fromkeys(MODELS, "percent")


def _chain(paths: pd.DataFrame, channels: pd.Index):
    """The first-order chain of ``paths`` as transition probabilities between channels.

    Returns ``(start, moves, to_conversion, value)``: the share of journeys starting in each
    channel, channel-to-channel probabilities (rows: from), each channel's probability of a
    conversion as the next step, and the mean first-purchase revenue of the conversions that
    follow each channel (0 where none do).
    """
    n = len(channels)
    steps = paths["path"].str.split(SEPARATOR, regex=False)
    journeys = (paths["conversions"] + paths["non_conversions"]).astype(float).to_numpy()
    code = pd.Series(range(n), index=channels)
    walk = steps.explode()
    state = code.reindex(walk.to_numpy()).to_numpy()
    row = walk.index.to_numpy()  # position of the path in ``paths`` (rows were renumbered)
    weight = journeys[row]
    nxt = np.roll(state, -1)
    same_path = np.roll(row, -1) == row
    same_path[-1] = False
    moves = np.zeros((n, n))
    np.add.at(moves, (state[same_path], nxt[same_path]), weight[same_path])
    first = np.r_[True, row[1:] != row[:-1]]
    start = np.bincount(state[first], weights=weight[first], minlength=n)
    last = ~same_path
    last_state = state[last]
    conversions = np.bincount(last_state, weights=paths["conversions"].to_numpy(float), minlength=n)
    failures = np.bincount(last_state, weights=paths["non_conversions"].to_numpy(float), minlength=n)
    revenue = np.bincount(last_state, weights=paths["revenue"].to_numpy(float), minlength=n)
    leaving = moves.sum(axis=1) + conversions + failures
    value = np.divide(revenue, conversions, out=np.zeros(n), where=conversions > 0)
    return start / start.sum(), moves / leaving[:, None], conversions / leaving, value


def _reach(start: np.ndarray, moves: np.ndarray, payoff: np.ndarray) -> float:
    """Expected payoff of the absorbing chain from ``start``: solves (I - moves) x = payoff."""
    return float(start @ np.linalg.solve(np.eye(len(start)) - moves, payoff))


def markov_attribution(paths: pd.DataFrame) -> pd.DataFrame:
    """Removal-effect attribution of a first-order Markov chain fitted to ``paths``, computed exactly.

    The chain's transition probabilities are the observed step counts; a conversion or a journey's
    end are its two absorbing states. The probability of conversion from the start, and with each
    channel removed (its incoming steps lead to no conversion), are solved as linear systems — no
    simulation. A channel's removal effect is the share of conversions lost without it;
    ``attributed_conversions`` hands out the conversions in proportion to the removal effects.
    Revenue follows the same rule with each conversion worth the mean revenue of the conversions
    that follow its last channel.

    Parameters
    ----------
    paths : DataFrame
        One row per distinct path (``path`` with channels joined by ``" > "``, ``conversions``,
        ``non_conversions``, optionally ``revenue``), as :func:`crmlib.scans.journeys.path_table`
        gives; empty paths are ignored.

    Returns
    -------
    DataFrame
        One row per channel, sorted by name: ``channel``, ``removal_effect``,
        ``attributed_conversions``, ``attributed_revenue`` (both sum to the totals of ``paths``).
    """
    missing = [c for c in ("path", "conversions", "non_conversions") if c not in paths]
    if missing:
        raise DataError(f"the paths table lacks {missing}",
                        hint="Pass crmlib.scans.journeys.path_table(...) brought back as pandas.")
    paths = paths.loc[paths["path"].fillna("").str.len() > 0].reset_index(drop=True)
    if paths["conversions"].sum() <= 0:
        raise DataError("no journey converted, so there is nothing to attribute",
                        hint="Check the lookback window and that the touchpoints' ids match the orders' customer ids.")
    if "revenue" not in paths:
        paths = paths.assign(revenue=0.0)
    channels = pd.Index(sorted(set(paths["path"].str.split(SEPARATOR, regex=False).explode())), name="channel")
    start, moves, to_conversion, value = _chain(paths, channels)
    base = _reach(start, moves, to_conversion)
    base_value = _reach(start, moves, to_conversion * value)
    effects, value_effects = [], []
    for i in range(len(channels)):  # one small linear system per channel (channels, not customers)
        kept = np.ones(len(channels))
        kept[i] = 0.0
        without = (start * kept, moves * kept[None, :])
        effects.append(1.0 - _reach(*without, to_conversion) / base)
        value_effects.append(1.0 - _reach(*without, to_conversion * value) / base_value if base_value > 0 else 0.0)
    effects, value_effects = np.clip(effects, 0.0, 1.0), np.clip(value_effects, 0.0, 1.0)
    revenue_total = paths["revenue"].sum()
    out = pd.DataFrame({
        "channel": channels,
        "removal_effect": effects,
        "attributed_conversions": effects / effects.sum() * paths["conversions"].sum(),
        "attributed_revenue": (value_effects / value_effects.sum() * revenue_total
                               if value_effects.sum() > 0 else np.zeros(len(channels))),
    })
    return out.reset_index(drop=True)


def attribution_table(rule_credits: pd.DataFrame, markov: pd.DataFrame | None = None) -> pd.DataFrame:
    """The models side by side in one tidy frame: one row per channel and model.

    Parameters
    ----------
    rule_credits : DataFrame
        :func:`crmlib.scans.journeys.rule_credits` as pandas.
    markov : DataFrame, optional
        :func:`markov_attribution`; the ``markov`` model is left out when None.

    Returns
    -------
    DataFrame
        ``channel``, ``model``, ``attributed_conversions``, ``attributed_revenue``, ``share`` (of
        the model's conversions; sums to 1 per model), sorted by model (``MODELS`` order) then
        channel. Channels a model credits nothing get 0.
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
    """Channels × models of ``value``, channels ordered by their Markov share.

    Parameters
    ----------
    attribution : DataFrame
        One row per channel and model (:func:`attribution_table`).
    value : str, optional
        The column to spread: ``"share"`` (default), ``"attributed_conversions"`` or
        ``"attributed_revenue"``.

    Returns
    -------
    DataFrame
        Index ``channel``, one column per model in ``MODELS`` order; rows by descending Markov
        share, or without Markov that of the last model present (``time_decay`` with all rules).
    """
    wide = attribution.pivot(index="channel", columns="model", values=value)
    wide = wide[[m for m in MODELS if m in wide.columns]]
    key = "markov" if "markov" in wide.columns else wide.columns[-1]
    order = attribution.pivot(index="channel", columns="model", values="share")[key]
    return wide.loc[order.sort_values(ascending=False).index]

