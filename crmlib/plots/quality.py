"""Charts of the data-quality notebook.

Example
-------
>>> from crmlib.dataquality import monthly_coverage      # doctest: +SKIP
>>> coverage_chart(monthly_coverage(dataset))            # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.plots import label, new_figure


def coverage_chart(coverage: pd.DataFrame, title: str = "Rows per month by table",
                   xlabel: str = "month", ylabel: str = "rows"):
    """Lines of rows per month for each table (gaps and partial months stand out)."""
    fig, ax = new_figure()
    for column in coverage.columns:
        ax.plot(coverage.index, coverage[column], marker="o", markersize=3, label=column)
    ax.legend(title="table")
    label(ax, title, xlabel, ylabel)
    return fig


def order_value_histogram(amounts: pd.Series, currency: str, title: str = "Distribution of order value",
                          xlabel: str = "order value", ylabel: str = "orders"):
    """Histogram of order values on a log axis (order values are skewed)."""
    fig, ax = new_figure()
    positive = amounts[amounts > 0]
    bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()), 40)
    ax.hist(positive, bins=bins, color="C0", edgecolor="white")
    ax.set_xscale("log")
    ax.axvline(positive.median(), color="C3", linestyle="--", label=f"median {positive.median():,.2f}")
    ax.legend()
    label(ax, title, f"{xlabel} ({currency}, log)", ylabel)
    return fig


def orders_per_customer_chart(n_purchase_days: pd.Series, title: str = "Purchase days per customer",
                              xlabel: str = "purchase days", ylabel: str = "customers"):
    """Bar chart of how many customers bought on 1, 2, … 10+ days."""
    capped = n_purchase_days.clip(upper=10)
    counts = capped.value_counts().sort_index()
    fig, ax = new_figure()
    ax.bar([str(int(k)) if k < 10 else "10+" for k in counts.index], counts.to_numpy(), color="C1")
    label(ax, title, xlabel, ylabel)
    return fig
