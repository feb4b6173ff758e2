"""The sample's product costs, cost to serve and referral links, with planted truth (issue 20).

Drawn from their own random stream (``default_rng([seed, 20])``) from the tables the sample
already has, so adding them leaves every other table of the sample byte-identical:

- **Products**: a margin rate per product: the category's rate (``CATEGORY_MARGIN``) plus
  noise; ``数码-01`` is a planted loss leader (margin −5 %), so heavy buyers of it earn little.
- **Cost to serve** (``COSTS`` in ``dataset.yaml``): a cost per feedback contact by channel (the
  hotline is dear), per return and per order shipped. Low-satisfaction customers complain and
  return more, so some high-revenue customers end up unprofitable.
- **Referrals**: every customer who came through ``referral`` names a referrer who signed up
  earlier; a handful of **prolific referrers** (satisfied early customers) bring a planted share
  of them, the rest are spread over earlier customers weighted by satisfaction (promoters refer).

Example
-------
>>> from crmlib.data.sample import SampleParameters, generate_sample
>>> tables, truth = generate_sample(SampleParameters(n_customers=300, seed=1))
>>> products, referred_by, planted = generate_costs(truth["customers"], tables["transactions"], 1)
>>> float(products.set_index("商品").loc["数码-01", "毛利率"])
-0.05
>>> bool(referred_by.notna().any()), len(planted["prolific_referrers"])
(True, 5)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STREAM = 20
CATEGORY_MARGIN = {"服装": 0.50, "鞋靴": 0.45, "美妆": 0.60, "食品": 0.25, "家居": 0.40, "数码": 0.15,
                   "母婴": 0.35, "运动": 0.45}
LOSS_LEADER = ("数码-01", -0.05)
COSTS = {"service_contact": {"hotline": 40.0, "wechat": 10.0, "app": 6.0, "web": 6.0, "exit_survey": 0.0},
         "return_handling": 45.0, "shipping_per_order": 18.0}
N_PROLIFIC = 5
PROLIFIC_SHARE = 0.35  # of the referrals made after the prolific referrers signed up


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


def generate_costs(customers: pd.DataFrame, transactions: pd.DataFrame,
                   seed: int) -> tuple[pd.DataFrame, pd.Series, dict]:
    """``(products, referred_by, truth)``: the products export (商品, 品类, 毛利率), each customer's
    referrer (aligned with ``customers``; missing when not referred) and the planted truth.

    ``customers`` is the ground-truth frame (with ``satisfaction`` and ``is_prospect``).
    """
    rng = np.random.default_rng([seed, STREAM])
    products = _products(transactions, rng)
    referred_by, prolific = _referrals(customers, rng)
    truth = {"category_margin": CATEGORY_MARGIN, "loss_leader": {"product": LOSS_LEADER[0], "margin_rate": LOSS_LEADER[1]},
             "costs": COSTS, "prolific_referrers": prolific, "prolific_share": PROLIFIC_SHARE,
             "referrals": int(referred_by.notna().sum())}
    return products, referred_by, truth


COSTS_YAML = """\
costs:                     # cost to serve (see docs/profitability.md)
  service_contact: {{hotline: {hotline:g}, wechat: {wechat:g}, app: {app:g}, web: {web:g}, exit_survey: {exit_survey:g}}}
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

__all__ = ["generate_costs", "COSTS", "CATEGORY_MARGIN", "LOSS_LEADER"]
