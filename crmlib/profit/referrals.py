"""Referrals: who brought in whom (customers' ``referred_by``), what it is worth, how far it reaches.

- :func:`referral_value`: per referrer, referrals made, referees who bought, the referees'
  revenue and the referral value (the sum of the referees' ``value``: profit, or CLV);
- :func:`referral_network`: per customer, the root of their referral tree and their depth in it
  (pointer jumping over the ``referred_by`` links, vectorised; links that loop are reported);
- :func:`advocates`: customers whose referees bought and who are promoters (NPS 9–10) or of high value;
- :func:`promoters_and_referrers`: NPS promoters compared with customers who actually refer.

Example
-------
>>> import pandas as pd
>>> c = pd.DataFrame({"customer_id": list("abcde"), "referred_by": [None, "a", "a", "b", None]})
>>> revenue = pd.Series({"a": 10.0, "b": 20.0, "d": 5.0})
>>> referral_value(c, revenue)[["referrals", "referees_who_bought", "referees_revenue"]].to_dict("index")
{'a': {'referrals': 2, 'referees_who_bought': 1, 'referees_revenue': 20.0}, \
'b': {'referrals': 1, 'referees_who_bought': 1, 'referees_revenue': 5.0}}
>>> referral_network(c)[["root", "depth"]].to_dict("list")
{'root': ['a', 'a', 'a', 'a', 'e'], 'depth': [0, 1, 1, 2, 0]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROMOTER_NPS = 9
MAX_JUMPS = 64  # pointer jumping halves the distance each step: enough for 2**64 generations


def _links(customers: pd.DataFrame) -> pd.DataFrame:
    links = customers.loc[customers["referred_by"].notna(), ["customer_id", "referred_by"]]
    return links.astype({"customer_id": "string", "referred_by": "string"})


def referral_value(customers: pd.DataFrame, revenue: pd.Series, value: pd.Series | None = None) -> pd.DataFrame:
    """One row per referrer (index ``customer_id``): referrals, referees_who_bought, referees_revenue,
    referral_value (Σ ``value`` of the referees; ``revenue`` when no value is given), most first.

    Parameters
    ----------
    customers : DataFrame
        The customers table: ``customer_id`` and ``referred_by`` (the referrer's id, or missing).
    revenue : Series
        Revenue per customer id (customers not in it bought nothing).
    value : Series, optional
        Value per customer id (profit or CLV); None counts ``revenue``.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (referrers): ``referrals``, ``referees_who_bought``,
        ``referees_revenue``, ``referral_value``; most referrals first.
    """
    links = _links(customers)
    spent = revenue.reindex(links["customer_id"].to_numpy()).to_numpy(dtype=float)
    worth = spent if value is None else value.reindex(links["customer_id"].to_numpy()).to_numpy(dtype=float)
    frame = pd.DataFrame({"referrer": links["referred_by"].to_numpy(), "bought": np.nan_to_num(spent) > 0,
                          "revenue": np.nan_to_num(spent), "value": np.nan_to_num(worth)})
    grouped = frame.groupby("referrer", sort=False)
    out = pd.DataFrame({"referrals": grouped.size(), "referees_who_bought": grouped["bought"].sum().astype("int64"),
                        "referees_revenue": grouped["revenue"].sum(), "referral_value": grouped["value"].sum()})
    out.index.name = "customer_id"
    return out.sort_values(["referrals", "referees_revenue"], ascending=False, kind="stable")


def referral_network(customers: pd.DataFrame) -> pd.DataFrame:
    """Per customer (in ``customers``' order): ``root`` (the first referrer up the chain), ``depth``
    (links to the root) and ``in_loop`` (the links never reach a root: bad data, kept out of trees).
    A customer whose referrer is missing from ``customers`` is a root.

    Parameters
    ----------
    customers : DataFrame
        The customers table: ``customer_id`` and ``referred_by``.

    Returns
    -------
    DataFrame
        Plain 0… index: ``customer_id``, ``root``, ``depth`` (-1 in a loop), ``in_loop``.
    """
    ids = customers["customer_id"].astype("string").to_numpy()
    position = pd.Index(ids)
    parent = position.get_indexer(customers["referred_by"].astype("string").to_numpy())
    n = len(ids)
    own = np.arange(n)
    up = np.where(parent >= 0, parent, own)
    depth = (up != own).astype(np.int64)
    for _ in range(MAX_JUMPS):
        further = up[up]
        if np.array_equal(further, up):
            break
        depth = depth + depth[up]
        up = further
    in_loop = parent[up] >= 0  # the chain never reached a customer without a referrer
    return pd.DataFrame({"customer_id": ids, "root": ids[up], "depth": np.where(in_loop, -1, depth),
                         "in_loop": in_loop})


def referral_trees(network: pd.DataFrame) -> pd.DataFrame:
    """One row per tree with at least one referral (index ``root``): customers and depth, largest first.

    Parameters
    ----------
    network : DataFrame
        :func:`referral_network`'s table.

    Returns
    -------
    DataFrame
        Index ``root``: ``customers`` (in the tree, root included) and ``depth`` (its deepest link).
    """
    trees = network.loc[~network["in_loop"]].groupby("root").agg(customers=("customer_id", "size"),
                                                                 depth=("depth", "max"))
    return trees.loc[trees["customers"] > 1].sort_values(["customers", "depth"], ascending=False, kind="stable")


def advocates(referrals: pd.DataFrame, nps: pd.Series | None = None, high_value: pd.Series | None = None) -> pd.Index:
    """Referrers with at least one referee who bought and who are promoters (last NPS ≥ 9) or of high
    value (``high_value`` True); the customer ids.

    Parameters
    ----------
    referrals : DataFrame
        :func:`referral_value`'s table (index ``customer_id``, ``referees_who_bought``).
    nps : Series, optional
        Last NPS answer per customer id (:func:`last_nps`); None: promoters are not counted.
    high_value : Series, optional
        True per customer id of high value; None: value is not counted.

    Returns
    -------
    Index
        The advocates' customer ids, in ``referrals``' order.
    """
    bought = referrals.loc[referrals["referees_who_bought"] > 0].index
    good = pd.Series(False, index=bought)
    if nps is not None:
        good |= nps.reindex(bought).ge(PROMOTER_NPS).to_numpy()
    if high_value is not None:
        good |= high_value.reindex(bought, fill_value=False).astype(bool).to_numpy()
    return bought[good.to_numpy()]


def last_nps(feedback: pd.DataFrame | None) -> pd.Series:
    """Each customer's latest NPS answer (by ``date`` when there is one; empty without answers).

    Parameters
    ----------
    feedback : DataFrame or None
        The feedback table: ``customer_id``, ``nps`` and optionally ``date``; None gives no answers.

    Returns
    -------
    Series
        Last NPS answer (float, 0–10) per ``customer_id``.
    """
    if feedback is None or "nps" not in feedback:
        return pd.Series(dtype="float64")
    answered = feedback.loc[feedback["nps"].notna()]
    if "date" in answered:
        answered = answered.sort_values("date", kind="stable")
    return answered.groupby("customer_id")["nps"].last().astype("float64")


def promoters_and_referrers(nps: pd.Series, referrals: pd.DataFrame) -> pd.DataFrame:
    """Customers with an NPS answer by NPS group (promoter 9–10, passive 7–8, detractor 0–6): how many,
    how many refer, and the share who refer.

    Parameters
    ----------
    nps : Series
        NPS answer (0–10) per customer id (:func:`last_nps`).
    referrals : DataFrame
        :func:`referral_value`'s table: its index are the customers who refer.

    Returns
    -------
    DataFrame
        Index ``nps_group`` (detractor, passive, promoter): ``customers``, ``referrers``,
        ``share_referring`` (0–1, NaN for an empty group).
    """
    group = pd.cut(nps, [-0.5, 6.5, 8.5, 10.5], labels=["detractor", "passive", "promoter"])
    refers = pd.Series(nps.index.isin(referrals.index), index=nps.index)
    out = pd.DataFrame({"customers": group.value_counts(sort=False),
                        "referrers": refers.groupby(group, observed=False).sum()})
    out["share_referring"] = out["referrers"] / out["customers"].replace(0, np.nan)
    out.index.name = "nps_group"
    return out


__all__ = ["last_nps", "referral_value", "referral_network", "referral_trees", "advocates", "promoters_and_referrers"]
