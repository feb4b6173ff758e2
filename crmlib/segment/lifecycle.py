"""Lifecycle stage per customer, mapped onto the four CRM stages, and the CRM funnel.

Rule (first match wins; d = days since the last purchase at the analysis date). "Within N days"
means d < N, so ``active`` is exactly "not churned" under the churn notebook's rule
(:func:`crmlib.churn.churn_status`: churned when d >= the window):

1. ``prospect``: in the customers table, no purchase up to the analysis date;
2. ``new``: first purchase within the last ``new_days`` days (default ``active_days``);
3. ``won_back``: d < ``active_days``, and at the start of that window (analysis date −
   ``active_days``) the customer had bought before and was lapsed (``lapsed_days`` or more
   since their last purchase then);
4. ``active``: d < ``active_days``;
5. ``at_risk``: ``active_days`` <= d < ``lapsed_days``;
6. ``lapsed``: d >= ``lapsed_days``.

The mapping onto the CRM stages identify / attract / retain / raise value is editable data
(``crm_stage`` in ``crmlib/resources/actions.yaml``). The funnel (:func:`crm_funnel`) counts
identified → purchased → repeat purchase → high value customers (high tier among the repeat
buyers, so every stage is a subset of the one before) and, given the advocates, → advocate (the
high-value repeat buyers whose referrals bought: the stage after raising value).

Both summaries come from :func:`crmlib.scans.summary.customer_summary`; nothing here scans
transactions itself.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c", "c"],
...     "order_date": pd.to_datetime(["2024-12-20", "2024-01-01", "2024-12-01",
...                                   "2024-02-01", "2024-06-01"]), "amount": 10.0})
>>> lifecycle_stages(tx, "2024-12-31", customer_ids=["a", "b", "c", "d"]).tolist()
['new', 'won_back', 'lapsed', 'prospect']
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from crmlib.errors import DataError
from crmlib.scans.summary import customer_summary
from crmlib.segment.actions import load_actions
from crmlib.settings import DEFAULTS

STAGES = ("prospect", "new", "won_back", "active", "at_risk", "lapsed")
CRM_STAGES = ("identify", "attract", "retain", "raise_value")
ADVOCATE_STAGE = "advocate"
"""The funnel's stage after raising value (issue 20): high-value repeat buyers whose referrals bought."""


def lifecycle_stages(transactions: pd.DataFrame, analysis_date, *, active_days: int = DEFAULTS.active_days,
                     lapsed_days: int = DEFAULTS.lapsed_days, new_days: int | None = None,
                     customer_ids: Iterable[str] | None = None, summary: pd.DataFrame | None = None) -> pd.Series:
    """Lifecycle stage per customer (see the module docstring for the rule).

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``).
    analysis_date : str or Timestamp
    active_days, lapsed_days : int
        Bought less than ``active_days`` ago = active; ``lapsed_days`` or more ago = lapsed.
    new_days : int, optional
        First purchase within this many days = new (default: ``active_days``).
    customer_ids : iterable of str, optional
        All known customers (e.g. the customers table); those without purchases are prospects.
    summary : DataFrame, optional
        :func:`crmlib.scans.summary.customer_summary` of ``transactions`` as of ``analysis_date``
        (e.g. ``wb.summary()``), to save scanning the transactions for it; computed if None.

    Returns
    -------
    Series of stage keys indexed by ``customer_id`` (buyers first, then prospects).
    """
    if not 0 < active_days < lapsed_days:
        raise DataError(f"active_days={active_days} and lapsed_days={lapsed_days} must satisfy "
                        "0 < active_days < lapsed_days", hint="E.g. 90 and 180.")
    new_days = active_days if new_days is None else new_days
    analysis_date = pd.Timestamp(analysis_date).normalize()
    now = summary if summary is not None else customer_summary(transactions, analysis_date)
    window_start = analysis_date - pd.Timedelta(days=active_days)
    before = customer_summary(transactions, window_start)
    lapsed_then = (before["days_since_last"] >= lapsed_days).reindex(now.index, fill_value=False)
    d = now["days_since_last"]
    age = (analysis_date - now["first_purchase"]).dt.days
    stage = pd.Series("lapsed", index=now.index, name="lifecycle_stage")
    stage[d < lapsed_days] = "at_risk"
    stage[d < active_days] = "active"
    stage[(d < active_days) & lapsed_then] = "won_back"
    stage[age < new_days] = "new"
    if customer_ids is not None:
        known = pd.Index(pd.unique(pd.Series(list(customer_ids), dtype=object).astype(str)))
        prospects = known.difference(now.index, sort=False)
        stage = pd.concat([stage, pd.Series("prospect", index=prospects, name="lifecycle_stage")])
    stage.index.name = "customer_id"
    return stage


def crm_stage_map(path=None) -> dict[str, str]:
    """Lifecycle stage -> CRM stage, from the editable action table.

    Parameters
    ----------
    path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).

    Returns
    -------
    dict of str to str
        Lifecycle stage key -> CRM stage (identify, attract, retain, raise_value).
    """
    mapping = {key: entry.get("crm_stage") for key, entry in load_actions(path)["lifecycle"].items()}
    bad = {k: v for k, v in mapping.items() if v not in CRM_STAGES}
    if bad:
        raise DataError(f"lifecycle entries map to unknown CRM stages: {bad}",
                        hint=f"Use one of {list(CRM_STAGES)} as crm_stage in actions.yaml.")
    return mapping


def crm_stages(stages: pd.Series, path=None) -> pd.Series:
    """The CRM stage (identify, attract, retain, raise_value) of each lifecycle stage.

    Parameters
    ----------
    stages : Series
        Lifecycle stage keys (e.g. :func:`lifecycle_stages`).
    path : str or Path, optional
        Edited action table (default: the bundled ``actions.yaml``).

    Returns
    -------
    Series
        ``crm_stage`` indexed like ``stages`` (NaN for keys the table does not map).
    """
    return stages.map(crm_stage_map(path)).rename("crm_stage")


def crm_funnel(frequency: pd.Series, tiers: pd.Series, n_identified: int,
               advocates: pd.Index | None = None) -> pd.DataFrame:
    """Funnel over the four CRM stages: identified → purchased → repeat → high value (→ advocate).

    Parameters
    ----------
    frequency : Series
        Purchase days (or orders) per buyer.
    tiers : Series
        Value tier per buyer (a repeat buyer in the ``high`` tier counts as raised value).
    n_identified : int
        All known customers (customers table plus buyers not in it).
    advocates : Index, optional
        Customer ids of the advocates (:func:`crmlib.profit.advocates`); adds the stage
        ``advocate``: the high-value repeat buyers among them.

    Returns
    -------
    DataFrame with ``stage``, ``customers``, ``share_of_identified`` and
    ``conversion_from_previous``.
    """
    repeat = frequency >= 2
    high = (tiers.reindex(frequency.index) == "high") & repeat
    counts = [n_identified, len(frequency), int(repeat.sum()), int(high.sum())]
    if n_identified < len(frequency):
        raise DataError(f"{n_identified} identified customers but {len(frequency)} buyers",
                        hint="Count every buyer as identified (customers table ∪ buyers).")
    stages = list(CRM_STAGES)
    if advocates is not None:
        stages.append(ADVOCATE_STAGE)
        counts.append(int((high & frequency.index.isin(advocates)).sum()))
    funnel = pd.DataFrame({"stage": stages, "customers": counts})
    funnel["share_of_identified"] = funnel["customers"] / max(n_identified, 1)
    previous = funnel["customers"].shift(1)
    funnel["conversion_from_previous"] = funnel["customers"] / previous.where(previous > 0)
    return funnel
