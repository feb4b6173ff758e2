"""The sample's product costs, cost to serve and referral links, with planted truth (issue 20).

Drawn from their own random stream (``default_rng([seed, 20])``) from the tables the sample
already has, so adding them leaves every other table of the sample byte-identical:

- **Products**: a margin rate per product: the category's rate (``CATEGORY_MARGIN``) plus
  noise; ``数码-01`` is a planted loss leader (margin −5 %), so heavy buyers of it earn little.
- **Cost to serve** (``COSTS`` in ``dataset.yaml``): a cost per service contact by channel (the
  hotline is dear; ``customer_service`` is the touchpoints' service channel), per return and per
  order shipped. Low-satisfaction customers complain and return more, so some high-revenue
  customers end up unprofitable.
- **Heavy returners**: a planted 1 % of buyers (at least 3) among those with four or more orders
  and revenue in the top quarter send back most of their orders (:data:`HEAVY_RETURN_SHARE`, in
  full, 2–14 days later). Their return lines are appended at the end of the transactions file, so
  every other line keeps its place; return handling and shipping make them unprofitable despite
  their revenue.
- **Referrals**: every customer who came through ``referral`` names a referrer who signed up
  earlier; a handful of **prolific referrers** (satisfied early customers) bring a planted share
  of them, the rest are spread over earlier customers weighted by satisfaction (promoters refer).

Example
-------
>>> from crmlib.data.sample import SampleParameters, generate_sample
>>> tables, truth = generate_sample(SampleParameters(n_customers=300, seed=1, costs=False))
>>> costs = generate_costs(truth["customers"], tables["transactions"], 1, "2024-12-31")
>>> products, referred_by, extra_returns, planted = costs
>>> float(products.set_index("商品").loc["数码-01", "毛利率"])
-0.05
>>> bool(referred_by.notna().any()), len(planted["prolific_referrers"]), len(planted["heavy_returners"])
(True, 5, 3)
>>> set(extra_returns["customer_id"]) == set(planted["heavy_returners"]), bool((extra_returns["amount"] < 0).all())
(True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STREAM = 20
CATEGORY_MARGIN = {"服装": 0.50, "鞋靴": 0.45, "美妆": 0.60, "食品": 0.25, "家居": 0.40, "数码": 0.15,
                   "母婴": 0.35, "运动": 0.45}
LOSS_LEADER = ("数码-01", -0.05)
COSTS = {"service_contact": {"hotline": 40.0, "wechat": 10.0, "app": 6.0, "web": 6.0, "exit_survey": 0.0,
                             "customer_service": 15.0},  # the touchpoints' service channel
         "return_handling": 45.0, "shipping_per_order": 18.0}
N_PROLIFIC = 5
PROLIFIC_SHARE = 0.35  # of the referrals made after the prolific referrers signed up
HEAVY_RETURNERS = (0.01, 3)  # share of buyers planted as heavy returners, and the least number
HEAVY_RETURN_SHARE = 0.85  # of a heavy returner's orders sent back (those that can be, by the end date)


def _products(transactions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    sold = transactions.loc[transactions["product"].notna(), ["product", "category"]].drop_duplicates("product")
    sold = sold.sort_values("product", kind="stable").reset_index(drop=True)
    base = sold["category"].map(CATEGORY_MARGIN).to_numpy(dtype=float)
    rate = np.round(np.clip(base + rng.normal(0, 0.03, len(sold)), 0.02, 0.9), 3)
    rate[(sold["product"] == LOSS_LEADER[0]).to_numpy()] = LOSS_LEADER[1]
    return pd.DataFrame({"商品": sold["product"], "品类": sold["category"], "毛利率": rate})


def _referrals(customers: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.Series, list[str]]:
    order = customers.sort_values(["signup_date", "customer_id"], kind="stable")
    ids, signup = order["customer_id"].to_numpy(), order["signup_date"].to_numpy()
    weight = np.exp(order["satisfaction"].to_numpy())
    early = np.flatnonzero((np.arange(len(order)) < len(order) // 10) & ~order["is_prospect"].to_numpy())
    prolific = early[np.argsort(-order["satisfaction"].to_numpy()[early], kind="stable")[:N_PROLIFIC]]
    referee = np.flatnonzero(order["acquisition_channel"].to_numpy() == "referral")
    before = np.searchsorted(signup, signup[referee], side="left")  # customers who signed up earlier
    referee, before = referee[before > 0], before[before > 0]
    cumulative = np.cumsum(weight)
    pick = np.searchsorted(cumulative, rng.random(len(referee)) * cumulative[before - 1], side="right")
    pick = np.minimum(pick, before - 1)
    to_prolific = (rng.random(len(referee)) < PROLIFIC_SHARE) & (before > prolific.max(initial=0))
    pick = np.where(to_prolific, prolific[rng.integers(0, max(len(prolific), 1), len(referee))], pick)
    links = pd.Series(ids[pick], index=ids[referee])
    referred_by = pd.Series(customers["customer_id"].map(links).to_numpy(), index=customers.index, dtype=object)
    return referred_by, sorted(ids[prolific].tolist())


def _heavy_returns(transactions: pd.DataFrame, end: str, rng: np.random.Generator) -> tuple[pd.DataFrame, list[str]]:
    """Return lines of the planted heavy returners (same columns as ``transactions``) and their ids."""
    ids = transactions["order_id"].astype(str)
    returned = set("O" + ids[ids.str.startswith("R")].str[1:])
    orders = transactions.loc[ids.str.startswith("O") & (transactions["amount"] > 0)].drop_duplicates("order_id")
    per_customer = orders.groupby("customer_id", sort=True)["amount"].agg(["sum", "size"])
    candidates = per_customer.index[(per_customer["size"] >= 4) & (per_customer["sum"] >= per_customer["sum"].quantile(0.75))]
    share, least = HEAVY_RETURNERS
    n = min(len(candidates), max(least, round(share * len(per_customer))))
    chosen = sorted(rng.choice(np.asarray(candidates), n, replace=False).tolist()) if n else []
    theirs = orders.loc[orders["customer_id"].isin(chosen) & ~orders["order_id"].isin(returned)]
    theirs = theirs.sort_values(["customer_id", "order_date", "order_id"], kind="stable")
    lag = pd.to_timedelta(rng.integers(2, 15, len(theirs)), unit="D")
    back = theirs.assign(order_id="R" + theirs["order_id"].str[1:], amount=-theirs["amount"],
                         order_date=theirs["order_date"] + lag)
    keep = (rng.random(len(theirs)) < HEAVY_RETURN_SHARE) & (back["order_date"] <= pd.Timestamp(end) + pd.Timedelta(hours=23))
    return back.loc[keep].reset_index(drop=True), chosen


def generate_costs(customers: pd.DataFrame, transactions: pd.DataFrame, seed: int,
                   end: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]:
    """``(products, referred_by, extra_returns, truth)``: the products export (商品, 品类, 毛利率), each
    customer's referrer (aligned with ``customers``; missing when not referred), the heavy
    returners' return lines (to append to ``transactions``) and the planted truth.

    Parameters
    ----------
    customers : frame
        The ground-truth customers (with ``satisfaction`` and ``is_prospect``).
    transactions : frame
        The sample's transactions (canonical names), whose products and orders are costed.
    seed : int
        The sample's seed; the draws use ``default_rng([seed, STREAM])``.
    end : str
        The sample's last day (no return after it).

    Returns
    -------
    products : frame
        The products export: ``商品``, ``品类``, ``毛利率``.
    referred_by : Series
        Each customer's referrer, aligned with ``customers``; missing when not referred.
    extra_returns : frame
        The heavy returners' return lines, with the columns of ``transactions``.
    truth : dict
        The planted margins, costs, prolific referrers and heavy returners.
    """
    rng = np.random.default_rng([seed, STREAM])
    products = _products(transactions, rng)
    referred_by, prolific = _referrals(customers, rng)
    extra_returns, heavy = _heavy_returns(transactions, end, rng)
    truth = {"category_margin": CATEGORY_MARGIN, "loss_leader": {"product": LOSS_LEADER[0], "margin_rate": LOSS_LEADER[1]},
             "costs": COSTS, "prolific_referrers": prolific, "prolific_share": PROLIFIC_SHARE,
             "referrals": int(referred_by.notna().sum()), "heavy_returners": heavy,
             "heavy_return_share": HEAVY_RETURN_SHARE, "heavy_return_lines": len(extra_returns)}
    return products, referred_by, extra_returns, truth


COSTS_YAML = """\
costs:                     # cost to serve (see docs/profitability.md)
  service_contact: {{hotline: {hotline:g}, wechat: {wechat:g}, app: {app:g}, web: {web:g}, exit_survey: {exit_survey:g}, customer_service: {customer_service:g}}}
  return_handling: {return_handling:g}
  shipping_per_order: {shipping_per_order:g}
""".format(**COSTS["service_contact"], return_handling=COSTS["return_handling"],
           shipping_per_order=COSTS["shipping_per_order"])

PRODUCTS_YAML = """\
  products:
    file: products.csv
    columns:
      product: 商品
      category: 品类
      margin_rate: 毛利率
"""

__all__ = ["generate_costs", "COSTS", "CATEGORY_MARGIN", "LOSS_LEADER", "HEAVY_RETURNERS", "HEAVY_RETURN_SHARE"]
