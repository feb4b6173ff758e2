"""Reference implementations (pandas/NumPy) of the engine scans, kept as test oracles.

These were crmlib's scans before they moved to the engine (crmlib.scans); the tests check
that the engine gives the same numbers (to 1e-9) on data/sample and data/cdnow.

The per-customer summary:

Purchases are aggregated to calendar days first (several orders on one day are one
purchase occasion, as in lifetimes and Fader, Hardie & Lee 2005). Then, per customer:

- ``frequency``: repeat purchase days (purchase days − 1);
- ``recency``: time between first and last purchase day; ``T``: analysis date − first purchase;
- ``monetary_value``: mean spend of the repeat purchase days (0 when there is none), the
  Gamma-Gamma input;
- ``total_spend``, ``n_orders``, ``avg_order_value``, ``first_purchase``, ``last_purchase``,
  ``days_since_last``.

``time_unit`` ``"D"`` gives days, ``"W"`` weeks (days / 7). Kept in NumPy over integer codes so
that five million rows take seconds, and so it can be ported to another engine.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
...                    "amount": [10.0, 5.0, 30.0, 8.0]})
>>> s = customer_summary(tx, "2024-01-21")
>>> [float(v) for v in s.loc["a", ["frequency", "recency", "T", "monetary_value", "total_spend"]]]
[1.0, 10.0, 20.0, 30.0, 45.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError

UNIT_DAYS = {"D": 1.0, "W": 7.0}
SUMMARY_COLUMNS = [
    "first_purchase", "last_purchase", "n_orders", "n_purchase_periods", "frequency", "recency",
    "T", "monetary_value", "total_spend", "avg_order_value", "days_since_last",
]


def _unit_days(time_unit: str) -> float:
    try:
        return UNIT_DAYS[time_unit]
    except KeyError:
        raise DataError(f"unknown time unit {time_unit!r}", hint="Use 'D' (days) or 'W' (weeks).") from None


def _day_numbers(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def customer_summary(
    transactions: pd.DataFrame,
    analysis_date: str | pd.Timestamp,
    time_unit: str = "D",
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Per-customer purchase summary as of ``analysis_date`` (purchases after it are ignored).

    Returns a frame indexed by ``customer_id`` with the columns in ``SUMMARY_COLUMNS``.
    """
    missing = [c for c in (customer_col, date_col, amount_col) if c not in transactions]
    if missing:
        raise DataError(f"the transactions frame lacks {missing}",
                        hint="Pass the canonical transactions table from crmlib.data.load.load_dataset.")
    unit = _unit_days(time_unit)
    end_day = np.datetime64(pd.Timestamp(analysis_date).normalize(), "D").astype(np.int64)
    days = _day_numbers(transactions[date_col])
    keep = days <= end_day
    codes, customers = pd.factorize(transactions[customer_col].to_numpy()[keep], sort=False)
    days = days[keep]
    amounts = transactions[amount_col].to_numpy(dtype=np.float64)[keep]
    if codes.size == 0:
        return pd.DataFrame(columns=SUMMARY_COLUMNS, index=pd.Index([], name="customer_id"))
    n_customers = len(customers)
    n_orders = np.bincount(codes, minlength=n_customers)
    total = np.bincount(codes, weights=amounts, minlength=n_customers)

    # one row per (customer, day): sort by the combined key, then reduce runs
    day0 = days.min()
    span = np.int64(days.max() - day0 + 1)
    key = codes.astype(np.int64) * span + (days - day0)
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
    day_spend = np.add.reduceat(amounts[order], starts)
    day_customer = key_sorted[starts] // span
    day_number = key_sorted[starts] % span + day0

    n_days = np.bincount(day_customer, minlength=n_customers)
    first_index = np.r_[0, np.cumsum(n_days)[:-1]]  # rows are sorted by customer, then day
    last_index = first_index + n_days - 1
    first_day = day_number[first_index]
    last_day = day_number[last_index]
    frequency = n_days - 1
    repeat_spend = np.bincount(day_customer, weights=day_spend, minlength=n_customers) - day_spend[first_index]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)

    epoch = np.datetime64("1970-01-01", "D")
    summary = pd.DataFrame(
        {
            "first_purchase": pd.to_datetime(epoch + first_day.astype("timedelta64[D]")),
            "last_purchase": pd.to_datetime(epoch + last_day.astype("timedelta64[D]")),
            "n_orders": n_orders,
            "n_purchase_periods": n_days,
            "frequency": frequency.astype(np.float64),
            "recency": (last_day - first_day) / unit,
            "T": (end_day - first_day) / unit,
            "monetary_value": monetary,
            "total_spend": total,
            "avg_order_value": total / n_orders,
            "days_since_last": (end_day - last_day).astype(np.int64),
        },
        index=pd.Index(customers, name="customer_id"),
    )
    return summary


def calibration_holdout_summary(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    time_unit: str = "D",
) -> pd.DataFrame:
    """Summary of the calibration period plus what each customer did in the holdout.

    Customers whose first purchase is after ``calibration_end`` are left out (they are not
    in the calibration sample). Adds ``frequency_holdout`` (purchase days in the holdout),
    ``monetary_value_holdout`` and ``duration_holdout`` (holdout length in ``time_unit``).
    """
    calibration_end = pd.Timestamp(calibration_end).normalize()
    observation_end = pd.Timestamp(observation_end).normalize()
    if observation_end <= calibration_end:
        raise DataError(
            f"the holdout is empty: calibration end {calibration_end:%Y-%m-%d} is not before "
            f"the observation end {observation_end:%Y-%m-%d}",
            hint="Choose a calibration end date inside the data's date range.",
        )
    calibration = customer_summary(transactions, calibration_end, time_unit)
    dates = transactions["order_date"]
    in_holdout = (dates > calibration_end + pd.Timedelta(hours=23, minutes=59, seconds=59)) & (
        dates < observation_end + pd.Timedelta(days=1))
    holdout = transactions.loc[in_holdout & transactions["customer_id"].isin(calibration.index)]
    per_day = holdout.groupby(["customer_id", holdout["order_date"].dt.normalize()])["amount"].sum()
    counts = per_day.groupby(level=0).size()
    spend = per_day.groupby(level=0).mean()
    result = calibration.copy()
    result["frequency_holdout"] = counts.reindex(result.index, fill_value=0).astype(np.float64)
    result["monetary_value_holdout"] = spend.reindex(result.index, fill_value=0.0)
    result["duration_holdout"] = (observation_end - calibration_end).days / _unit_days(time_unit)
    return result


def purchase_days(
    transactions: pd.DataFrame,
    analysis_date: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per (customer, purchase day) up to ``analysis_date`` (all days when None).

    Columns: ``customer_id``, ``day`` (datetime64, midnight), ``spend`` (that day's total),
    ``gap_days`` (days since the customer's previous purchase day; NaN on the first). Sorted by
    customer, then day. The tidy input for purchase-gap distributions, activity-based churn
    rates and cohort retention (``crmlib.churn``).

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    ...                    "amount": [10.0, 5.0, 30.0, 8.0]})
    >>> purchase_days(tx)["gap_days"].tolist()
    [nan, 10.0, nan]
    """
    missing = [c for c in ("customer_id", "order_date", "amount") if c not in transactions]
    if missing:
        raise DataError(f"the transactions frame lacks {missing}",
                        hint="Pass the canonical transactions table from crmlib.data.load.load_dataset.")
    day = transactions["order_date"].dt.normalize()
    frame = pd.DataFrame({"customer_id": transactions["customer_id"].to_numpy(),
                          "day": day.to_numpy(), "spend": transactions["amount"].to_numpy()})
    if analysis_date is not None:
        frame = frame.loc[frame["day"] <= pd.Timestamp(analysis_date).normalize()]
    days = frame.groupby(["customer_id", "day"], sort=True, observed=True)["spend"].sum().reset_index()
    previous = days.groupby("customer_id", sort=False)["day"].shift()
    days["gap_days"] = (days["day"] - previous).dt.days.astype("float64")
    return days


# --- per-customer loops replaced by vectorised code (kept as oracles) --------------------------

def driver_texts(drivers: pd.DataFrame, importance: pd.DataFrame, lang: str = "en",
                 X: pd.DataFrame | None = None) -> pd.Series:
    """The per-customer loop crmlib.churn.driver_texts replaced (quadratic: a median per customer)."""
    from crmlib.churn.drivers import _typical, driver_text

    direction = importance.set_index("feature")["direction"]
    typical = {}
    texts = []
    for customer, feature in zip(drivers.index, drivers["top_driver"], strict=True):
        how = direction.get(feature, "") if feature else ""
        if feature and X is not None:
            value = X.at[customer, feature]
            if not pd.api.types.is_numeric_dtype(X[feature]):
                how = f"={value}"
            else:
                middle = typical.setdefault(feature, _typical(X[feature]))
                how = "higher" if value > middle else "lower" if value < middle else how
        texts.append(driver_text(feature, how, lang))
    return pd.Series(texts, index=drivers.index, name="top_driver_text")


# --- monthly scans that moved to crmlib.scans.activity ---------------------------------------

def _last_purchase_by(purchase_days: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    seen = purchase_days.loc[purchase_days["day"] <= date]
    return seen.groupby("customer_id", sort=False)["day"].max()


def churn_rate_by_month(
    purchase_days: pd.DataFrame,
    window_days: int,
    analysis_date: str | pd.Timestamp,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Churn rate per complete calendar month (and per group when ``groups`` is given).

    Parameters
    ----------
    purchase_days : frame with ``customer_id`` and ``day`` (:func:`crmlib.scans.summary.purchase_days`).
    window_days : days without a purchase after which a customer counts as churned.
    analysis_date : months ending after it are left out.
    groups : optional Series customer_id -> group label (channel, segment); customers
        without a label go to ``"unknown"``.

    Returns
    -------
    Long frame with ``month`` ("YYYY-MM"), ``group`` ("all" without groups),
    ``customers_at_start``, ``churned`` and ``churn_rate`` (NaN when nobody was active).
    """
    missing = [c for c in ("customer_id", "day") if c not in purchase_days]
    if missing:
        raise DataError(f"the purchase-days frame lacks {missing}",
                        hint="Build it with crmlib.scans.summary.purchase_days(transactions, analysis_date).")
    if window_days < 1:
        raise DataError(f"the churn window must be at least one day, not {window_days}",
                        hint="Choose churn_window_days from the purchase-gap distribution.")
    end = pd.Timestamp(analysis_date).normalize()
    if purchase_days.empty:
        return pd.DataFrame(columns=["month", "group", "customers_at_start", "churned", "churn_rate"])
    earliest = purchase_days["day"].min() + pd.Timedelta(days=window_days)
    first_month = earliest.to_period("M") + (0 if earliest.day == 1 else 1)
    last_month = (end + pd.Timedelta(days=1)).to_period("M") - 1  # last complete month
    window = pd.Timedelta(days=window_days)
    rows = []
    for month in pd.period_range(first_month, last_month, freq="M") if first_month <= last_month else []:
        before = month.start_time - pd.Timedelta(days=1)
        month_end = month.end_time.normalize()
        at_start = _last_purchase_by(purchase_days, before)
        at_start = at_start.loc[before - at_start < window]
        at_end = _last_purchase_by(purchase_days, month_end).reindex(at_start.index)
        churned = month_end - at_end >= window
        frame = pd.DataFrame({"churned": churned.to_numpy()}, index=at_start.index)
        if groups is None:
            frame["group"] = "all"
        else:
            frame["group"] = groups.reindex(frame.index).astype(object).fillna("unknown").to_numpy()
        counts = frame.groupby("group")["churned"].agg(customers_at_start="size", churned="sum")
        rows.append(counts.reset_index().assign(month=str(month)))
    if not rows:
        return pd.DataFrame(columns=["month", "group", "customers_at_start", "churned", "churn_rate"])
    out = pd.concat(rows, ignore_index=True)
    out["churned"] = out["churned"].astype(int)
    out["churn_rate"] = out["churned"] / out["customers_at_start"].where(out["customers_at_start"] > 0)
    return out[["month", "group", "customers_at_start", "churned", "churn_rate"]]


def cohort_table(purchase_days: pd.DataFrame, analysis_date: str | pd.Timestamp) -> pd.DataFrame:
    """Long cohort table: ``cohort``, ``months_since``, ``customers`` (buying that month),
    ``cohort_size`` and ``retention`` (= customers / cohort_size).

    ``cohort`` is the customer's first-purchase month ("YYYY-MM"); ``months_since`` counts
    calendar months after it (0 = the first month). Months after ``analysis_date`` are left out;
    the analysis date's month is included even when incomplete.
    """
    missing = [c for c in ("customer_id", "day") if c not in purchase_days]
    if missing:
        raise DataError(f"the purchase-days frame lacks {missing}",
                        hint="Build it with crmlib.scans.summary.purchase_days(transactions, analysis_date).")
    end = pd.Timestamp(analysis_date).normalize()
    seen = purchase_days.loc[purchase_days["day"] <= end, ["customer_id", "day"]]
    month = seen["day"].dt.to_period("M")
    cohort = month.groupby(seen["customer_id"]).transform("min")
    since = (month.dt.year - cohort.dt.year) * 12 + (month.dt.month - cohort.dt.month)
    active = pd.DataFrame({"customer_id": seen["customer_id"].to_numpy(), "cohort": cohort.astype(str).to_numpy(),
                           "months_since": since.to_numpy()}).drop_duplicates()
    counts = active.groupby(["cohort", "months_since"]).size().rename("customers").reset_index()
    sizes = counts.loc[counts["months_since"] == 0].set_index("cohort")["customers"]
    counts["cohort_size"] = counts["cohort"].map(sizes)
    counts["retention"] = counts["customers"] / counts["cohort_size"]
    return counts


def _months(dates):
    return dates.dt.to_period("M")


def monthly_activity(transactions: pd.DataFrame, analysis_date: str | pd.Timestamp) -> pd.DataFrame:
    """New and active customers, orders, revenue, AOV, purchase frequency and repeat rate by month.

    Index: month as ``"YYYY-MM"`` strings, complete months only.
    """
    if transactions.empty:
        raise DataError("there are no transactions to compute KPIs from", hint="Check the analysis date.")
    end = (pd.Timestamp(analysis_date).normalize() + pd.Timedelta(days=1)).to_period("M") - 1
    tx = transactions.loc[_months(transactions["order_date"]) <= end]
    month = _months(tx["order_date"])
    first_month = month.groupby(tx["customer_id"]).transform("min")
    frame = pd.DataFrame({"customer_id": tx["customer_id"].to_numpy(), "month": month.to_numpy(),
                          "amount": tx["amount"].to_numpy(), "returning": (month > first_month).to_numpy()})
    grouped = frame.groupby("month")
    active = frame.drop_duplicates(["customer_id", "month"])
    out = pd.DataFrame({
        "new_customers": active.loc[~active["returning"]].groupby("month").size(),
        "active_customers": active.groupby("month").size(),
        "orders": grouped.size(),
        "revenue": grouped["amount"].sum(),
        "returning_customers": active.loc[active["returning"]].groupby("month").size(),
    })
    full = pd.period_range(frame["month"].min(), end, freq="M")
    out = out.reindex(full).fillna(0.0)
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["purchase_frequency"] = out["orders"] / out["active_customers"].where(out["active_customers"] > 0)
    out["repeat_purchase_rate"] = out["returning_customers"] / out["active_customers"].where(out["active_customers"] > 0)
    out.index = out.index.astype(str)
    out.index.name = "month"
    return out.drop(columns="returning_customers")


def new_customers_by_channel(transactions: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Count of new customers per (month, acquisition channel); channel ``"unknown"`` when not known."""
    first = transactions.groupby("customer_id")["order_date"].min()
    channel = pd.Series("unknown", index=first.index, dtype=object)
    if customers is not None and "acquisition_channel" in customers:
        known = customers.set_index("customer_id")["acquisition_channel"].astype(object)
        channel = known.reindex(first.index).fillna("unknown")
    frame = pd.DataFrame({"month": first.dt.to_period("M").astype(str), "channel": channel.to_numpy()})
    return frame.groupby(["month", "channel"]).size().rename("new_customers").reset_index()


# --- churn features and labels before crmlib.scans.features --------------------------------

def _purchase_features(transactions: pd.DataFrame, cutoff: pd.Timestamp, recent_days: int) -> pd.DataFrame:
    now = customer_summary(transactions, cutoff)
    earlier = customer_summary(transactions, cutoff - pd.Timedelta(days=recent_days))
    out = now[["frequency", "recency", "T", "days_since_last", "monetary_value", "total_spend",
               "avg_order_value", "n_orders"]].astype(float)
    out["purchase_rate"] = 30.0 * out["frequency"] / out["T"].where(out["T"] > 0)
    usual_gap = out["recency"] / out["frequency"].where(out["frequency"] > 0)
    out["overdue_ratio"] = out["days_since_last"] / usual_gap.where(usual_gap > 0)
    before = earlier["n_purchase_periods"].reindex(out.index, fill_value=0)
    out["recent_purchases"] = (now["n_purchase_periods"] - before).astype(float)
    out["recent_spend"] = now["total_spend"] - earlier["total_spend"].reindex(out.index, fill_value=0.0)
    return out


def _return_features(returns: pd.DataFrame, cutoff: pd.Timestamp, index: pd.Index, spend: pd.Series) -> pd.DataFrame:
    if returns is None or returns.empty:
        return pd.DataFrame(index=index)
    summary = customer_summary(returns.assign(amount=returns["amount"].abs()), cutoff)
    n_returns = summary["n_orders"].reindex(index, fill_value=0).astype(float)
    returned = summary["total_spend"].reindex(index, fill_value=0.0)
    return pd.DataFrame({"n_returns": n_returns, "returned_share": returned / spend.where(spend > 0)}, index=index)


def _feedback_features(feedback: pd.DataFrame, cutoff: pd.Timestamp, index: pd.Index,
                       complaint_rating: int = 2) -> pd.DataFrame:
    if feedback is None or feedback.empty or "date" not in feedback:
        return pd.DataFrame(index=index)
    seen = feedback.loc[feedback["date"].dt.normalize() <= cutoff]
    grouped = seen.groupby("customer_id", sort=False)
    out = pd.DataFrame({"n_feedback": grouped.size()})
    if "rating" in seen:
        out["mean_rating"] = grouped["rating"].mean()
        out["n_complaints"] = (seen["rating"] <= complaint_rating).groupby(seen["customer_id"], sort=False).sum()
    if "nps" in seen:
        out["mean_nps"] = grouped["nps"].mean()
    out = out.reindex(index).astype(float)
    for column in ("n_feedback", "n_complaints"):
        if column in out:
            out[column] = out[column].fillna(0.0)
    return out


def purchase_labels(transactions: pd.DataFrame, cutoff: str | pd.Timestamp, window_days: int,
                    analysis_date: str | pd.Timestamp) -> pd.Series:
    """``True`` (churned) for customers who bought by ``cutoff`` and not in the next ``window_days``.

    Index: customers with a purchase on or before the cutoff. Uses
    :func:`crmlib.scans.summary.customer_summary` at the cutoff and at the window's end.
    """
    cutoff = pd.Timestamp(cutoff).normalize()
    before = customer_summary(transactions, cutoff)
    after = customer_summary(transactions, cutoff + pd.Timedelta(days=window_days))
    bought = after["n_purchase_periods"].reindex(before.index) > before["n_purchase_periods"]
    return (~bought).rename("churned")



def top_drivers(model, X: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The what-if attribution before it transformed the features once (one pipeline run per feature)."""
    from crmlib.churn.drivers import _typical

    base = model.predict_proba(X)[:, 1]
    effects = {}
    for name in features:
        what_if = X.assign(**{name: _typical(X[name])})
        effects[name] = base - model.predict_proba(what_if)[:, 1]
    table = pd.DataFrame(effects, index=X.index)
    best = table.idxmax(axis=1)
    effect = table.max(axis=1)
    return pd.DataFrame({"top_driver": best.where(effect > 0, ""), "driver_effect": effect.clip(lower=0)})
