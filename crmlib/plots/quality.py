"""Charts of the data-quality notebook; titles, axes and legends in English or Chinese by ``lang``.

Example
-------
>>> from crmlib.overview.dataquality import monthly_coverage                        # doctest: +SKIP
>>> coverage_chart(monthly_coverage(dataset), lang="zh").axes[0].get_title()  # doctest: +SKIP
'各表每月行数'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.lang import in_language as _t
from crmlib.overview.dataquality import table_name
from crmlib.plots import label, new_figure


def coverage_chart(coverage: pd.DataFrame, title: str | None = None, xlabel: str | None = None,
                   ylabel: str | None = None, *, lang: str = "en"):
    """Lines of rows per month for each table (gaps and partial months stand out)."""
    fig, ax = new_figure()
    for column in coverage.columns:
        ax.plot(coverage.index, coverage[column], marker="o", markersize=3, label=table_name(column, lang))
    ax.legend(title=_t(lang, "table", "表"))
    label(ax, title or _t(lang, "Rows per month by table", "各表每月行数"),
          xlabel or _t(lang, "month", "月份"), ylabel or _t(lang, "rows", "行数"))
    return fig


def order_value_histogram(amounts: pd.Series, currency: str, title: str | None = None,
                          xlabel: str | None = None, ylabel: str | None = None, *, lang: str = "en"):
    """Histogram of order values on a log axis (order values are skewed)."""
    fig, ax = new_figure()
    positive = amounts[amounts > 0]
    bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()), 40)
    ax.hist(positive, bins=bins, color="C0", edgecolor="white")
    ax.set_xscale("log")
    median = positive.median()
    ax.axvline(median, color="C3", linestyle="--", label=_t(lang, f"median {median:,.2f}", f"中位数 {median:,.2f}"))
    ax.legend()
    label(ax, title or _t(lang, "Distribution of order value", "订单金额分布"),
          _t(lang, f"{xlabel or 'order value'} ({currency}, log)", f"{xlabel or '订单金额'}（{currency}，对数刻度）"),
          ylabel or _t(lang, "orders", "订单数"))
    return fig


def orders_per_customer_chart(n_purchase_days: pd.Series, title: str | None = None, xlabel: str | None = None,
                              ylabel: str | None = None, *, lang: str = "en"):
    """Bar chart of how many customers bought on 1, 2, … 10+ days."""
    capped = n_purchase_days.clip(upper=10)
    counts = capped.value_counts().sort_index()
    fig, ax = new_figure()
    ax.bar([str(int(k)) if k < 10 else "10+" for k in counts.index], counts.to_numpy(), color="C1")
    label(ax, title or _t(lang, "Purchase days per customer", "客户购买天数分布"),
          xlabel or _t(lang, "purchase days", "购买天数"), ylabel or _t(lang, "customers", "客户数"))
    return fig
