"""Charts of the data-quality notebook; titles, axes and legends in English or Chinese by ``lang``.

Example
-------
>>> from crmlib.overview.dataquality import monthly_coverage                        # doctest: +SKIP
>>> plot_coverage(monthly_coverage(dataset), lang="zh").axes[0].get_title()  # doctest: +SKIP
'各表每月行数'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.lang import gettext
from crmlib.overview.dataquality import table_name
from crmlib.plots import currency_unit, label, legend_outside, new_figure


def plot_coverage(coverage: pd.DataFrame, title: str | None = None, xlabel: str | None = None,
                   ylabel: str | None = None, *, lang: str = "en"):
    """Lines of rows per month for each table (gaps and partial months stand out).

    Parameters
    ----------
    coverage : DataFrame
        :func:`crmlib.overview.dataquality.monthly_coverage` output (index month, one column per
        table).
    title : str, optional
        Chart title (default: "Rows per month by table").
    xlabel : str, optional
        X-axis label (default: "month").
    ylabel : str, optional
        Y-axis label (default: "rows").
    lang : {"en", "zh"}, default "en"
        Language of the default title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    for column in coverage.columns:
        ax.plot(coverage.index, coverage[column], marker="o", markersize=3, label=table_name(column, lang))
    legend_outside(ax, title=gettext(lang, "table"))
    label(ax, title or gettext(lang, "Rows per month by table"),
          xlabel or gettext(lang, "month"), ylabel or gettext(lang, "rows"))
    return fig


def plot_order_values(amounts: pd.Series, currency: str, title: str | None = None,
                          xlabel: str | None = None, ylabel: str | None = None, *, lang: str = "en"):
    """Histogram of order values on a log axis (order values are skewed).

    Parameters
    ----------
    amounts : Series
        Order values; those not above 0 are left out.
    currency : str
        ISO currency code shown in the x-axis label.
    title : str, optional
        Chart title (default: "Distribution of order value").
    xlabel : str, optional
        Name on the x axis, followed by the currency and "log scale" (default: "order value").
    ylabel : str, optional
        Y-axis label (default: "orders").
    lang : {"en", "zh"}, default "en"
        Language of the default title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    positive = amounts[amounts > 0]
    bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()), 40)
    ax.hist(positive, bins=bins, color="C0", edgecolor="white")
    ax.set_xscale("log")
    median = positive.median()
    ax.axvline(median, color="C3", linestyle="--", label=gettext(lang, "median {median:,.2f}").format(median=median))
    legend_outside(ax)
    label(ax, title or gettext(lang, "Distribution of order value"),
          gettext(lang, "{name} ({currency}, log scale)").format(name=xlabel or gettext(lang, "order value"),
                                                                currency=currency_unit(currency, lang)),
          ylabel or gettext(lang, "orders"))
    return fig


def plot_orders_per_customer(n_purchase_days: pd.Series, title: str | None = None, xlabel: str | None = None,
                              ylabel: str | None = None, *, lang: str = "en"):
    """Bar chart of how many customers bought on 1, 2, … 10+ days.

    Parameters
    ----------
    n_purchase_days : Series
        Purchase days per customer (e.g. ``n_purchase_periods`` of the customer summary).
    title : str, optional
        Chart title (default: "Purchase days per customer").
    xlabel : str, optional
        X-axis label (default: "purchase days").
    ylabel : str, optional
        Y-axis label (default: "customers").
    lang : {"en", "zh"}, default "en"
        Language of the default title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    capped = n_purchase_days.clip(upper=10)
    counts = capped.value_counts().sort_index()
    fig, ax = new_figure()
    ax.bar([str(int(k)) if k < 10 else "10+" for k in counts.index], counts.to_numpy(), color="C1")
    label(ax, title or gettext(lang, "Purchase days per customer"),
          xlabel or gettext(lang, "purchase days"), ylabel or gettext(lang, "customers"))
    return fig
