"""Customer profitability and referral value (issue 20): profit per customer, the whale curve,
profit by group, what the unprofitable customers share, and referrals with their reach.

The raw rows are scanned once in the engine (:mod:`crmlib.scans.profit`); everything here works
on one row per customer, vectorised. See docs/profitability.md.

Example
-------
>>> from crmlib.profit import whale_summary
>>> import pandas as pd
>>> whale_summary(pd.Series([3.0, -1.0]))["unprofitable_share"]
0.5
"""

from crmlib.profit.clv import profit_clv
from crmlib.profit.customers import (
    EXPORT_COLUMNS,
    customer_profit,
    has_costs,
    has_referrals,
    missing_cost_sources,
    non_buyer_cost_to_serve,
    profit_deciles,
)
from crmlib.profit.groups import (
    measure_labels,
    over_represented,
    profile_table,
    profit_by,
    unprofitable_profile,
    with_rates,
)
from crmlib.profit.headline import DEFINITIONS as HEADLINE_DEFINITIONS
from crmlib.profit.headline import UNITS as HEADLINE_UNITS
from crmlib.profit.headline import profit_headline
from crmlib.profit.losses import loss_actions, loss_reasons
from crmlib.profit.referrals import (
    advocates,
    last_nps,
    promoters_and_referrers,
    referral_network,
    referral_trees,
    referral_value,
)
from crmlib.profit.value import basis_note, customer_value, profit_against_revenue, value_basis
from crmlib.profit.whale import whale_curve, whale_summary

__all__ = ["EXPORT_COLUMNS", "customer_profit", "has_costs", "has_referrals", "missing_cost_sources", "non_buyer_cost_to_serve",
           "profit_deciles", "measure_labels", "over_represented", "profile_table", "profit_by", "unprofitable_profile", "with_rates", "advocates", "last_nps",
           "promoters_and_referrers", "referral_network", "referral_trees", "referral_value", "whale_curve",
           "whale_summary", "profit_clv", "value_basis", "customer_value", "basis_note",
           "profit_headline", "HEADLINE_UNITS", "HEADLINE_DEFINITIONS",
           "loss_reasons", "loss_actions", "profit_against_revenue"]
