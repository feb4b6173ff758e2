"""The sample's touchpoints: journeys to the first purchase drawn from a planted Markov chain.

The planted truth (kept in ``ground_truth.json`` under ``journeys``):

- **Paths before the first purchase** follow a first-order Markov chain over channels
  (:data:`TRANSITIONS`): from each channel a contact leads to another channel, to the purchase
  (conversion) or nowhere (no conversion). ``social`` starts many journeys but rarely closes
  (3 % of its contacts lead straight to a purchase), ``email`` mostly closes (45 %), and a
  pre-sales ``customer_service`` contact lifts conversion (50 % buy right after it).
- Every buyer's journey starts with their acquisition channel (the customers table's source
  channel is the first touch) and ends with the first order; prospects in the customers table
  and anonymous visitors (ids ``V…``) have the non-converting journeys, as many as the chain
  implies for each starting channel, so the pooled paths are a sample of the chain. The exact
  removal effects (Anderl et al. 2016) and the expected first- and last-touch shares of the
  chain are written with the data.
- **After the first purchase** buyers visit the app or web site at a rate that rises with
  their purchase rate while they are alive and nearly stops once they drop out (engagement
  predicts churn), and every complaint in the feedback table is a customer-service contact.
- Export glitches: a few duplicated lines and contacts without an id.

Everything is drawn from its own random stream (``default_rng([seed, 19])``), so the other
sample tables do not change.

Example
-------
>>> truth = chain_truth(np.array([0.5, 0.5, 0, 0, 0, 0, 0]))
>>> round(sum(truth["markov_share"].values()), 6)
1.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

JOURNEY_CHANNELS = ("search", "social", "email", "referral", "store", "wechat", "customer_service")
# One row per channel: probability that the next step is each channel, then conversion, then no conversion.
TRANSITIONS = np.array([
    #  search social email  refer  store  wechat service  conv   null
    [0.08, 0.04, 0.12, 0.00, 0.02, 0.05, 0.04, 0.25, 0.40],  # search
    [0.25, 0.10, 0.10, 0.00, 0.02, 0.15, 0.03, 0.03, 0.32],  # social: starts, rarely closes
    [0.05, 0.00, 0.05, 0.00, 0.00, 0.03, 0.02, 0.45, 0.40],  # email: mostly closes
    [0.15, 0.00, 0.05, 0.00, 0.05, 0.00, 0.02, 0.35, 0.38],  # referral
    [0.00, 0.00, 0.10, 0.00, 0.05, 0.05, 0.02, 0.40, 0.38],  # store
    [0.05, 0.00, 0.10, 0.00, 0.00, 0.05, 0.03, 0.20, 0.57],  # wechat
    [0.05, 0.00, 0.05, 0.00, 0.00, 0.00, 0.00, 0.50, 0.40],  # customer_service: lifts conversion
])
TOUCH_TYPES = {  # channel -> (touchpoint types, probabilities)
    "search": (("ad_click", "site_visit"), (0.8, 0.2)),
    "social": (("ad_impression", "ad_click"), (0.6, 0.4)),
    "email": (("campaign_message",), (1.0,)),
    "referral": (("site_visit",), (1.0,)),
    "store": (("store_visit",), (1.0,)),
    "wechat": (("campaign_message", "app_visit"), (0.7, 0.3)),
    "customer_service": (("service_contact",), (1.0,)),
}
CAMPAIGN_CHANNELS = ("search", "social", "email", "wechat")
WECHAT_MESSAGE_COST = 0.08  # CNY per WeChat campaign message (the only channel costed per contact)
MAX_STEPS = 20
MEAN_GAP_DAYS = 2.0  # between two contacts of a journey
MEAN_LAST_GAP_DAYS = 0.5  # between the last contact and the first order
VISIT_RATE_PER_PURCHASE = 0.5  # app/web visits per day per unit of purchase rate, while alive
BASE_VISIT_RATE = 0.002  # visits per day of every alive buyer
DROPPED_VISIT_RATE = 0.0003  # visits per day after dropping out
STREAM = 19  # the touchpoints' own random stream: default_rng([seed, STREAM])


def _split(matrix: np.ndarray = TRANSITIONS) -> tuple[np.ndarray, np.ndarray]:
    k = len(JOURNEY_CHANNELS)
    return matrix[:, :k], matrix[:, k]


def conversion_from(Q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(conversion | in each channel) of an absorbing chain with transient block ``Q``.

    Parameters
    ----------
    Q : numpy.ndarray
        k × k probabilities of moving from one channel to another.
    r : numpy.ndarray
        k probabilities of converting straight from each channel.

    Returns
    -------
    numpy.ndarray
        k probabilities of eventually converting from each channel: ``(I - Q)⁻¹ r``.
    """
    return np.linalg.solve(np.eye(len(Q)) - Q, r)


def chain_truth(start: np.ndarray, matrix: np.ndarray = TRANSITIONS) -> dict:
    """Exact conversion probability, removal effects, Markov shares and the expected first- and
    last-touch shares of the chain started with probabilities ``start`` (one per channel).

    Parameters
    ----------
    start : numpy.ndarray
        Weights of the starting channels, in :data:`JOURNEY_CHANNELS` order (normalised here).
    matrix : numpy.ndarray, optional
        Transition rows as :data:`TRANSITIONS` (channels, then conversion, then no conversion).

    Returns
    -------
    dict
        ``conversion_probability`` (float) and, by channel, ``conversion_from_channel``,
        ``removal_effect``, ``markov_share``, ``first_touch_share``, ``last_touch_share``.
    """
    Q, r = _split(matrix)
    start = np.asarray(start, float) / np.sum(start)
    h = conversion_from(Q, r)
    p = float(start @ h)
    effects = {}
    for i, channel in enumerate(JOURNEY_CHANNELS):
        keep = np.ones(len(Q), bool)
        keep[i] = False  # contacts that would go to the removed channel go nowhere
        p_without = float(start[keep] @ conversion_from(Q[np.ix_(keep, keep)], r[keep]))
        effects[channel] = 1.0 - p_without / p
    total = sum(effects.values())
    visits = start @ np.linalg.inv(np.eye(len(Q)) - Q)
    return {
        "conversion_probability": p,
        "conversion_from_channel": dict(zip(JOURNEY_CHANNELS, h.tolist(), strict=True)),
        "removal_effect": effects,
        "markov_share": {c: e / total for c, e in effects.items()},
        "first_touch_share": dict(zip(JOURNEY_CHANNELS, (start * h / p).tolist(), strict=True)),
        "last_touch_share": dict(zip(JOURNEY_CHANNELS, (visits * r / p).tolist(), strict=True)),
    }


def _walk(first: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` paths from channel ``first``: (n × MAX_STEPS channel codes, -1 after the end; converted)."""
    cumulative = np.cumsum(TRANSITIONS, axis=1)
    k = len(JOURNEY_CHANNELS)
    paths = np.full((n, MAX_STEPS), -1, dtype=np.int16)
    paths[:, 0] = first
    state = np.full(n, first)
    open_ = np.ones(n, bool)
    converted = np.zeros(n, bool)
    for step in range(1, MAX_STEPS + 1):
        nxt = (rng.random(n)[:, None] > cumulative[state]).sum(axis=1)
        converted |= open_ & (nxt == k)
        open_ &= nxt < k
        if step < MAX_STEPS:
            paths[open_, step] = nxt[open_]
        state = np.where(open_, nxt, 0)
        if not open_.any():
            break
    return paths, converted


def _paths(buyers_by_channel: pd.Series, prospects_by_channel: pd.Series, rng: np.random.Generator):
    """Converting paths per acquisition channel (as many as buyers) and the non-converting paths
    the chain implies for the same starts (at least one per prospect)."""
    Q, r = _split()
    h = conversion_from(Q, r)
    converting, lost, starts = [], [], {}
    for i, channel in enumerate(JOURNEY_CHANNELS):
        n_conv = int(buyers_by_channel.get(channel, 0))
        n_null = max(int(round(n_conv * (1 - h[i]) / h[i])), int(prospects_by_channel.get(channel, 0)))
        if n_conv + n_null == 0:
            continue
        got_conv, got_null = [], []
        have_conv = have_null = 0
        while have_conv < n_conv or have_null < n_null:
            paths, converted = _walk(i, int((n_conv + n_null) * 1.2) + 50, rng)
            got_conv.append(paths[converted])
            got_null.append(paths[~converted])
            have_conv += int(converted.sum())
            have_null += int((~converted).sum())
        converting.append(np.concatenate(got_conv)[:n_conv])
        lost.append(np.concatenate(got_null)[:n_null])
        starts[channel] = n_conv + n_null
    return np.concatenate(converting), np.concatenate(lost), starts


def _contacts(paths: np.ndarray, owners: np.ndarray, ends: np.ndarray, last_gap: np.ndarray,
              rng: np.random.Generator) -> pd.DataFrame:
    """One row per contact of each path; the last contact is ``last_gap`` days before ``ends``."""
    lengths = (paths >= 0).sum(axis=1)
    row, step = np.nonzero(paths >= 0)
    elapsed = np.cumsum(rng.exponential(MEAN_GAP_DAYS, paths.shape), axis=1)
    steps_back = lengths[row] - 1 - step  # contacts after this one in its path
    before = last_gap[row] + np.where(steps_back > 0, elapsed[row, np.maximum(steps_back - 1, 0)], 0.0)
    return pd.DataFrame({
        "owner": owners[row],
        "when": ends[row] - pd.to_timedelta(before, unit="D"),
        "channel": np.array(JOURNEY_CHANNELS)[paths[row, step]],
    })


def _touch_types(channels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(len(channels), dtype=object)
    u = rng.random(len(channels))
    for channel, (types, probabilities) in TOUCH_TYPES.items():
        mask = channels == channel
        index = np.minimum(np.searchsorted(np.cumsum(probabilities), u[mask]), len(types) - 1)
        out[mask] = np.array(types)[index]
    return out


def _visits(buyers: pd.DataFrame, end: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """App/web visits after the first purchase: frequent while alive, rare after dropping out."""
    start = buyers["acquired_at"]
    stop = buyers["dropout_at"].fillna(end).clip(upper=end)
    alive_days = ((stop - start).dt.total_seconds() / 86400).clip(lower=0).to_numpy()
    gone_days = ((end - stop).dt.total_seconds() / 86400).clip(lower=0).to_numpy()
    rate = VISIT_RATE_PER_PURCHASE * buyers["lambda"].to_numpy() + BASE_VISIT_RATE
    n_alive = rng.poisson(rate * alive_days)
    n_gone = rng.poisson(DROPPED_VISIT_RATE * gone_days)
    owner = np.r_[np.repeat(np.arange(len(buyers)), n_alive), np.repeat(np.arange(len(buyers)), n_gone)]
    begin = np.r_[np.repeat(start.to_numpy(), n_alive), np.repeat(stop.to_numpy(), n_gone)]
    span = np.r_[np.repeat(alive_days, n_alive), np.repeat(gone_days, n_gone)]
    when = begin + pd.to_timedelta(rng.random(owner.size) * span, unit="D")
    web = rng.random(owner.size) < 0.35
    return pd.DataFrame({
        "customer_id": buyers["customer_id"].to_numpy()[owner], "when": when,
        "channel": np.where(web, "web", "app"), "type": np.where(web, "site_visit", "app_visit"),
    })


def generate_touchpoints(customers: pd.DataFrame, buyers: pd.DataFrame, feedback: pd.DataFrame,
                         seed: int, end: str, glitches: bool = True) -> tuple[pd.DataFrame, dict]:
    """The touchpoints table (export column names) and its planted truth.

    Parameters
    ----------
    customers : frame
        The generator's customers (``is_prospect``, ``acquisition_channel``, ``acquired_at``,
        ``signup_date``).
    buyers : frame
        The generator's buyers, with ``lambda`` and ``dropout_at``.
    feedback : frame
        The generated feedback (complaints become service contacts).
    seed : int
        The sample's seed; the draws use ``default_rng([seed, STREAM])``.
    end : str
        Last day of the data; later contacts are left out.
    glitches : bool, optional
        Whether to add a few duplicated lines and contacts without an id. Default True.

    Returns
    -------
    table : frame
        RangeIndex, one row per contact in time order: ``touchpoint_id``, ``visitor_id``,
        ``contact_time``, ``channel``, ``type``, ``campaign``, ``cost``.
    truth : dict
        The chain, journey counts and :func:`chain_truth`'s values, for ``ground_truth.json``.
    """
    rng = np.random.default_rng([seed, STREAM])
    end_at = pd.Timestamp(end) + pd.Timedelta(hours=23, minutes=59)
    prospects = customers.loc[customers["is_prospect"]]
    converting, lost, starts = _paths(buyers["acquisition_channel"].value_counts(),
                                      prospects["acquisition_channel"].value_counts(), rng)
    # converting paths, in the order of their first channel, go to that channel's buyers
    rank = pd.Categorical(buyers["acquisition_channel"], categories=JOURNEY_CHANNELS).codes
    ordered_buyers = buyers.iloc[np.argsort(rank, kind="stable")]
    won = _contacts(converting, ordered_buyers["customer_id"].to_numpy(),
                    ordered_buyers["acquired_at"].to_numpy(),
                    rng.exponential(MEAN_LAST_GAP_DAYS, len(converting)), rng)
    # non-converting paths: the first ones of each start channel go to that channel's prospects
    first_channel = np.array(JOURNEY_CHANNELS)[lost[:, 0]]
    owners = np.empty(len(lost), dtype=object)
    ends = np.empty(len(lost), dtype="datetime64[ns]")
    n_visitors = 0
    span_start = pd.Timestamp(customers["signup_date"].min())
    for channel in JOURNEY_CHANNELS:
        slots = np.flatnonzero(first_channel == channel)
        mine = prospects.loc[prospects["acquisition_channel"] == channel]
        take = min(len(mine), len(slots))
        owners[slots[:take]] = mine["customer_id"].to_numpy()[:take]
        ends[slots[:take]] = (mine["signup_date"] + pd.to_timedelta(rng.integers(9 * 60, 22 * 60, len(mine)),
                                                                    unit="min")).to_numpy()[:take]
        rest = slots[take:]
        owners[rest] = ("V" + pd.Series(np.arange(n_visitors + 1, n_visitors + len(rest) + 1)).astype(str)
                        .str.zfill(6)).to_numpy()
        n_visitors += len(rest)
        offsets = rng.random(len(rest)) * (end_at - span_start).total_seconds()
        ends[rest] = (span_start + pd.to_timedelta(offsets, unit="s")).to_numpy()
    lost_contacts = _contacts(lost, owners, pd.DatetimeIndex(ends).to_numpy(), np.zeros(len(lost)), rng)
    journeys = pd.concat([won, lost_contacts], ignore_index=True).rename(columns={"owner": "customer_id"})
    journeys["type"] = _touch_types(journeys["channel"].to_numpy(), rng)
    journeys = journeys.loc[journeys["when"] <= end_at]
    complaints = feedback.loc[feedback["type"] == "complaint"]
    service = pd.DataFrame({
        "customer_id": complaints["customer_id"].to_numpy(),
        "when": complaints["submitted_at"].to_numpy() + pd.to_timedelta(rng.integers(0, 30, len(complaints)), unit="min"),
        "channel": "customer_service", "type": "service_contact",
    })
    contacts = pd.concat([journeys, _visits(buyers, end_at, rng), service], ignore_index=True)
    contacts = contacts.loc[contacts["when"] <= end_at].sort_values("when", kind="stable").reset_index(drop=True)
    when = contacts["when"].dt.floor("min")
    quarter = when.dt.year.astype(str) + "Q" + when.dt.quarter.astype(str)
    campaign = np.where(contacts["channel"].isin(CAMPAIGN_CHANNELS), contacts["channel"] + "_" + quarter, "")
    cost = np.where((contacts["channel"] == "wechat") & (contacts["type"] == "campaign_message"),
                    WECHAT_MESSAGE_COST, np.nan)
    table = pd.DataFrame({
        "touchpoint_id": [f"T{i:07d}" for i in range(1, len(contacts) + 1)],
        "visitor_id": contacts["customer_id"].to_numpy(),
        "contact_time": when.dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
        "channel": contacts["channel"].to_numpy(),
        "type": contacts["type"].to_numpy(),
        "campaign": campaign,
        "cost": cost,
    })
    if glitches and len(table) > 100:
        duplicated = table.sample(n=max(2, len(table) // 5000), random_state=rng.integers(1 << 31))
        blank = table.sample(n=2, random_state=rng.integers(1 << 31)).assign(visitor_id="")
        blank["touchpoint_id"] = "X" + blank["touchpoint_id"].str[1:]
        table = pd.concat([table, duplicated, blank], ignore_index=True).sort_values(
            ["contact_time", "touchpoint_id"], kind="stable").reset_index(drop=True)
    start_weights = np.array([starts.get(c, 0) for c in JOURNEY_CHANNELS], float)
    truth = {
        "channels": list(JOURNEY_CHANNELS),
        "transitions": {c: dict(zip([*JOURNEY_CHANNELS, "(conversion)", "(null)"], row.tolist(), strict=True))
                        for c, row in zip(JOURNEY_CHANNELS, TRANSITIONS, strict=True)},
        "journeys_by_first_channel": {c: int(starts.get(c, 0)) for c in JOURNEY_CHANNELS},
        "converting_journeys": int(len(converting)),
        "non_converting_journeys": int(len(lost)),
        "anonymous_visitors": int(n_visitors),
        **chain_truth(start_weights),
        "closing_channel": "email",
        "introducing_channel": "social",
        "converting_service_channel": "customer_service",
        "visits": {"rate_per_day_while_alive": f"{VISIT_RATE_PER_PURCHASE} * lambda + {BASE_VISIT_RATE}",
                   "rate_per_day_after_dropout": DROPPED_VISIT_RATE},
        "notes": "First touch = the customer's acquisition channel; the last contact comes "
                 f"Exp(mean {MEAN_LAST_GAP_DAYS} d) before the first order, earlier ones Exp(mean "
                 f"{MEAN_GAP_DAYS} d) apart. Shares are of conversions; removal effects as in Anderl et al. (2016).",
    }
    return table, truth
