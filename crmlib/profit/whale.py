"""The whale curve: cumulative profit against customers ranked from most to least profitable.

Its peak is where the unprofitable customers start: "the top 30 % earn 160 % of profit" means
the rest give 60 % of it back. Shares are of the total profit, so they are only meaningful
when the total is positive (``whale_summary`` says so).

Example
-------
>>> import pandas as pd
>>> profit = pd.Series([50.0, 30.0, 0.0, -20.0], index=list("abcd"))
>>> whale_curve(profit)[["customer_share", "profit_share"]].round(2).values.tolist()
[[0.0, 0.0], [0.25, 0.83], [0.5, 1.33], [0.75, 1.33], [1.0, 1.0]]
>>> s = whale_summary(profit)
>>> s["unprofitable_share"], s["peak_customer_share"], round(s["peak_profit_share"], 3)
(0.25, 0.5, 1.333)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def whale_curve(profit: pd.Series) -> pd.DataFrame:
    """One row per rank (0 = nobody): ``customer_share``, ``cumulative_profit``, ``profit_share``.

    Parameters
    ----------
    profit : Series
        Profit per customer (money).

    Returns
    -------
    DataFrame
        ``len(profit) + 1`` rows (plain 0… index); ``profit_share`` is NaN unless total profit
        is positive.
    """
    ranked = np.sort(profit.to_numpy(dtype=float))[::-1]
    cumulative = np.concatenate([[0.0], np.cumsum(ranked)])
    total = cumulative[-1]
    n = len(ranked)
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / max(n, 1),
        "cumulative_profit": cumulative,
        "profit_share": cumulative / total if total > 0 else np.full(n + 1, np.nan),
    })


def whale_summary(profit: pd.Series) -> dict:
    """Customers, total profit, unprofitable count and share, and the curve's peak (plain keys, for JSON).

    Parameters
    ----------
    profit : Series
        Profit per customer (money).

    Returns
    -------
    dict
        ``customers``, ``total_profit``, ``unprofitable_customers``, ``unprofitable_share``,
        ``loss_of_unprofitable``, ``peak_customer_share``, ``peak_profit``, ``peak_profit_share``,
        ``shares_meaningful``.
    """
    curve = whale_curve(profit)
    peak = int(np.argmax(curve["cumulative_profit"].to_numpy()))
    n = len(profit)
    losing = int((profit < 0).sum())
    return {
        "customers": n,
        "total_profit": float(profit.sum()),
        "unprofitable_customers": losing,
        "unprofitable_share": losing / n if n else 0.0,
        "loss_of_unprofitable": float(profit[profit < 0].sum()),
        "peak_customer_share": float(curve["customer_share"].iloc[peak]),
        "peak_profit": float(curve["cumulative_profit"].iloc[peak]),
        "peak_profit_share": float(curve["profit_share"].iloc[peak]),
        "shares_meaningful": bool(profit.sum() > 0),
    }


__all__ = ["whale_curve", "whale_summary"]
