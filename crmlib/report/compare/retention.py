"""The retention list — the top N customers by value at risk — then vs now: who is new on it,
who left it and why.

The list of each run is its ``churn_risk.csv`` (04_churn) rows with ``priority`` ≤ N (priority 1
is the largest value at risk). A customer who **entered** the list is new to the data
(``new_customer``), or rose because the churn probability grew more than the value
(``risk_rose``), or because the value grew more (``value_rose``), or stayed where they were
while others fell away (``others_fell``). A customer who **left** it bought again after the
earlier analysis date (``bought_again``), or went past the churn window without buying
(``churned``), or is no longer scored (``not_scored``), or their value at risk fell
(``value_fell``), or others rose above them (``overtaken``) — the first that applies.

The last purchase comes from the later run's ``segments.csv`` (``recency`` in days), or from its
``clv.csv`` (``T − recency`` in the CLV time unit) when 02_segmentation did not run.

Example
-------
>>> import pandas as pd
>>> risk = lambda ids, vr: pd.DataFrame({"customer_id": ids, "priority": range(1, len(ids) + 1),
...     "value_at_risk": vr, "churn_probability": 0.5, "value_if_retained": [2 * v for v in vr]})
>>> then, now = risk(["a", "b", "c"], [30.0, 20.0, 10.0]), risk(["a", "c", "b"], [30.0, 25.0, 5.0])
>>> entered, left = list_changes(then, now, top_n=2)
>>> entered["customer_id"].tolist(), entered["why"].tolist()
(['c'], ['value_rose'])
>>> left["customer_id"].tolist(), left["reason"].tolist()
(['b'], ['value_fell'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.report.compare.runs import RunFolder

DEFAULT_TOP_N = 500
RISK_COLUMNS = ["customer_id", "priority", "value_at_risk", "churn_probability", "value_if_retained",
                "clv", "top_driver", "top_driver_text", "likely_reason", "segment"]
ENTERED_REASONS = ("new_customer", "risk_rose", "value_rose", "others_fell")
LEFT_REASONS = ("bought_again", "churned", "not_scored", "value_fell", "overtaken")
NEW_AT_RISK_COLUMNS = ["customer_id", "priority", "value_at_risk", "churn_probability", "value_if_retained",
                       "clv", "top_driver", "top_driver_text", "likely_reason", "segment", "why",
                       "previous_priority", "previous_value_at_risk"]
LEFT_COLUMNS = ["customer_id", "previous_priority", "previous_value_at_risk", "priority", "value_at_risk",
                "reason", "last_purchase"]
UNIT_DAYS = {"D": 1.0, "W": 7.0}


def risk_table(run: RunFolder) -> pd.DataFrame | None:
    """The run's ``churn_risk.csv`` (the columns the comparison uses), or None.

    Parameters
    ----------
    run : RunFolder
        The run whose ``exports/churn_risk.csv`` is read.

    Returns
    -------
    frame or None
        :data:`RISK_COLUMNS` (or only ``customer_id``, ``priority``, ``value_at_risk`` for an older
        export); None when the export is missing.
    """
    table = run.csv("churn_risk.csv", RISK_COLUMNS)
    if table is None:  # an older export without some optional column
        table = run.csv("churn_risk.csv", ["customer_id", "priority", "value_at_risk"])
    return table


def last_purchase(run: RunFolder, customer_ids: pd.Series) -> pd.Series | None:
    """Date of the last purchase up to the run's analysis date of each of ``customer_ids``
    (NaT for one the run does not know), or None when the run's exports do not say.

    Parameters
    ----------
    run : RunFolder
        The (later) run whose ``segments.csv`` or ``clv.csv`` gives the last purchases.
    customer_ids : Series
        The customers to look up.

    Returns
    -------
    Series or None
        ``last_purchase`` (midnight timestamps) indexed by ``customer_id``, or None.
    """
    analysis = pd.Timestamp(run.analysis_date) if run.analysis_date else None
    if analysis is None:
        return None
    segments = run.csv("segments.csv", ["customer_id", "recency"])
    if segments is not None:
        ids, days = segments["customer_id"], segments["recency"].astype(float)
    else:
        clv = run.csv("clv.csv", ["customer_id", "recency", "T"])
        unit = ((run.json("clv_model.json") or {}).get("settings") or {}).get("time_unit")
        if clv is None or unit not in UNIT_DAYS:
            return None
        ids, days = clv["customer_id"], ((clv["T"] - clv["recency"]) * UNIT_DAYS[unit]).round()
    position = pd.Index(ids).get_indexer(customer_ids)
    chosen = np.where(position >= 0, days.to_numpy()[position], np.nan)
    dates = analysis - pd.to_timedelta(chosen, unit="D")
    return pd.Series(dates, index=pd.Index(customer_ids, name="customer_id"), name="last_purchase").dt.normalize()


def list_changes(then: pd.DataFrame, now: pd.DataFrame, top_n: int = DEFAULT_TOP_N,
                 last_bought: pd.Series | None = None, then_date: str | None = None,
                 now_date: str | None = None, churn_window_days: int | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers who entered and who left the top ``top_n`` by value at risk.

    ``last_bought``, the analysis dates and the later run's churn window let the reasons
    ``bought_again`` and ``churned`` be told apart (without them those are not given).

    Parameters
    ----------
    then : frame
        The earlier run's :func:`risk_table`.
    now : frame
        The later run's :func:`risk_table`.
    top_n : int, optional
        Length of the list (priority ≤ ``top_n``); default :data:`DEFAULT_TOP_N`.
    last_bought : Series, optional
        The later run's last purchase per customer (:func:`last_purchase`); default None.
    then_date : str, optional
        The earlier run's analysis date; default None.
    now_date : str, optional
        The later run's analysis date; default None.
    churn_window_days : int, optional
        The later run's churn window in days; default None.

    Returns
    -------
    tuple of (frame, frame)
        ``(entered, left)`` with :data:`NEW_AT_RISK_COLUMNS` and :data:`LEFT_COLUMNS` (as far as
        the risk tables hold them), ordered by the priority in the run they are on.
    """
    top_then = then.loc[then["priority"] <= top_n]
    top_now = now.loc[now["priority"] <= top_n]
    before = then.set_index("customer_id")
    after = now.set_index("customer_id")

    entered = top_now.loc[~top_now["customer_id"].isin(top_then["customer_id"])].copy()
    previous = before.reindex(entered["customer_id"])
    entered["previous_priority"] = previous["priority"].to_numpy()
    entered["previous_value_at_risk"] = previous["value_at_risk"].to_numpy()
    entered["why"] = _why_entered(entered, previous)
    entered = entered[[c for c in NEW_AT_RISK_COLUMNS if c in entered]].sort_values("priority")

    left = top_then.loc[~top_then["customer_id"].isin(top_now["customer_id"])]
    current = after.reindex(left["customer_id"])
    out = pd.DataFrame({"customer_id": left["customer_id"].to_numpy(),
                        "previous_priority": left["priority"].to_numpy(),
                        "previous_value_at_risk": left["value_at_risk"].to_numpy(),
                        "priority": current["priority"].to_numpy(),
                        "value_at_risk": current["value_at_risk"].to_numpy()})
    bought = (last_bought.reindex(out["customer_id"]).to_numpy() if last_bought is not None
              else np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]"))
    out["last_purchase"] = pd.to_datetime(bought)
    out["reason"] = _why_left(out, then_date, now_date, churn_window_days)
    return entered.reset_index(drop=True), out[LEFT_COLUMNS].sort_values("previous_priority").reset_index(drop=True)


def _why_entered(entered: pd.DataFrame, previous: pd.DataFrame) -> np.ndarray:
    """new_customer / risk_rose / value_rose / others_fell for each entrant (vectorised)."""
    scored = previous["priority"].notna().to_numpy()
    factors = {"churn_probability", "value_if_retained"}
    if factors <= set(entered) and factors <= set(previous):
        with np.errstate(divide="ignore", invalid="ignore"):
            risk = np.log(entered["churn_probability"].to_numpy() / previous["churn_probability"].to_numpy())
            value = np.log(entered["value_if_retained"].to_numpy() / previous["value_if_retained"].to_numpy())
        rose = np.nan_to_num(np.maximum(risk, value), nan=0.0) > 0
        reason = np.where(~rose, "others_fell", np.where(risk >= value, "risk_rose", "value_rose"))
    else:
        grew = entered["value_at_risk"].to_numpy() > previous["value_at_risk"].to_numpy()
        reason = np.where(grew, "value_rose", "others_fell")
    return np.where(scored, reason, "new_customer")


def _why_left(left: pd.DataFrame, then_date, now_date, window) -> np.ndarray:
    """bought_again / churned / not_scored / value_fell / overtaken for each leaver (first that applies)."""
    last = left["last_purchase"]
    bought = (last > pd.Timestamp(then_date)).to_numpy() if then_date else np.zeros(len(left), bool)
    churned = np.zeros(len(left), bool)
    if then_date and now_date and window:
        days_now = (pd.Timestamp(now_date) - last).dt.days.to_numpy(dtype=float)
        gap = (pd.Timestamp(now_date) - pd.Timestamp(then_date)).days
        churned = (days_now >= window) & (days_now - gap < window)
    scored = left["priority"].notna().to_numpy()
    fell = (left["value_at_risk"] < left["previous_value_at_risk"]).to_numpy()
    return np.select([bought, churned, ~scored, fell], ["bought_again", "churned", "not_scored", "value_fell"],
                     default="overtaken")


def retention_summary(entered: pd.DataFrame, left: pd.DataFrame, top_n: int,
                      then: pd.DataFrame, now: pd.DataFrame) -> dict:
    """Counts of the list change: ``top_n``, ``on_list_then``/``now``, ``stayed``, ``entered``,
    ``left``, ``entered_by_reason``, ``left_by_reason``, and the value at risk of the list then/now.

    Parameters
    ----------
    entered : frame
        The entrants of :func:`list_changes` (column ``why``).
    left : frame
        The leavers of :func:`list_changes` (column ``reason``).
    top_n : int
        Length of the list.
    then : frame
        The earlier run's :func:`risk_table`.
    now : frame
        The later run's :func:`risk_table`.

    Returns
    -------
    dict
        The counts above, ints, and ``value_at_risk_on_list_then``/``_now`` (floats, money).
    """
    on_then = int((then["priority"] <= top_n).sum())
    on_now = int((now["priority"] <= top_n).sum())
    return {
        "top_n": int(top_n), "on_list_then": on_then, "on_list_now": on_now,
        "stayed": on_now - len(entered), "entered": int(len(entered)), "left": int(len(left)),
        "entered_by_reason": {r: int((entered["why"] == r).sum()) for r in ENTERED_REASONS},
        "left_by_reason": {r: int((left["reason"] == r).sum()) for r in LEFT_REASONS},
        "value_at_risk_on_list_then": float(then.loc[then["priority"] <= top_n, "value_at_risk"].sum()),
        "value_at_risk_on_list_now": float(now.loc[now["priority"] <= top_n, "value_at_risk"].sum()),
    }
