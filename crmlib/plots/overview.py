"""Charts of the overview notebook.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> monthly = pd.DataFrame({"aov": [10.0, 12.0], "orders": [5, 7]}, index=["2024-01", "2024-02"])
>>> fig = plot_kpi_trends(monthly, {"aov": "AOV", "orders": "Orders"})
>>> fig.axes[0].get_title()
'AOV'
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crmlib.display.cards import KPI_STYLES, KpiStyle
from crmlib.lang import N_, gettext
from crmlib.plots import currency_unit, label, new_figure, percent_axis

COUNT_UNITS = {"orders": N_("orders"), "active_customers": N_("customers"), "new_customers": N_("customers"),
               "purchase_frequency": N_("orders per buyer"), "nps": N_("NPS points")}


def kpi_unit(kpi: str, lang: str = "en", currency: str = "") -> str:
    """The y-axis label of a KPI's chart: its unit (currency symbol, %, customers …), never its name.

    Parameters
    ----------
    kpi : str
        KPI key (e.g. ``"revenue"``, ``"churn_rate"``).
    lang : {"en", "zh"}, default "en"
        Language of the unit.
    currency : str, default ""
        ISO currency code for money KPIs (without it they read "amount").

    Returns
    -------
    str
        The unit label.

    >>> kpi_unit("revenue", "zh", "CNY"), kpi_unit("churn_rate"), kpi_unit("orders", "en")
    ('¥', '%', 'orders')
    """
    style = KPI_STYLES.get(kpi, KpiStyle("number"))
    if style.kind == "money":
        return currency_unit(currency, lang) or gettext(lang, "amount")
    if style.kind in {"percent", "percent100"}:
        return "%"
    return gettext(lang, COUNT_UNITS.get(kpi, "value"))


def plot_kpi_trends(monthly: pd.DataFrame, titles: dict[str, str], xlabel: str = "month", columns: int = 3, *,
               lang: str = "en", currency: str = ""):
    """Small multiples: one line chart per KPI (title = the KPI's name, y = its unit; shares as %).

    Parameters
    ----------
    monthly : DataFrame
        KPIs by month (index month, one column per KPI key), e.g.
        :func:`crmlib.overview.kpi.monthly_kpis`.
    titles : dict of str to str
        KPI key -> panel title, in panel order; KPIs absent or all-NaN in ``monthly`` are skipped.
    xlabel : str, default "month"
        X-axis label of every panel.
    columns : int, default 3
        Panels per row.
    lang : {"en", "zh"}, default "en"
        Language of the units.
    currency : str, default ""
        ISO currency code for the money KPIs' unit.

    Returns
    -------
    Figure
        The chart.
    """
    names = [n for n in titles if n in monthly and monthly[n].notna().any()]
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        series = monthly[name]
        ax.plot(pd.to_datetime(series.index), series.to_numpy(), marker="o", markersize=2.5)
        kind = KPI_STYLES.get(name, KpiStyle("number")).kind
        if kind == "percent":
            percent_axis(ax)
        elif kind == "percent100":
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
        label(ax, titles[name], xlabel, kpi_unit(name, lang, currency))
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_cltv_cac(table: pd.DataFrame, title: str, xlabel: str, ylabel: str):
    """Horizontal bars of CLTV/CAC per channel with the 3:1 rule-of-thumb line.

    Bars are green from 3, orange from 1, red below 1; channels without a ratio are left out.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.overview.kpi.cltv_cac_by_channel` output (``channel``, ``cltv_cac_ratio``).
    title : str
        Chart title.
    xlabel : str
        X-axis label.
    ylabel : str
        Y-axis label.

    Returns
    -------
    Figure
        The chart.
    """
    shown = table.dropna(subset=["cltv_cac_ratio"]).sort_values("cltv_cac_ratio")
    fig, ax = new_figure(7, 0.5 * len(shown) + 1.8)
    colors = ["C2" if r >= 3 else "C1" if r >= 1 else "C3" for r in shown["cltv_cac_ratio"]]
    ax.barh(shown["channel"].astype(str), shown["cltv_cac_ratio"], color=colors)
    ax.axvline(3, color="grey", linestyle="--", linewidth=1)
    label(ax, title, xlabel, ylabel)
    return fig


RECOMMENDER_COLOUR = "C0"  # the recommender's bar; every comparison gets its own grey


def _comparison_greys(n: int) -> list[str]:
    """``n`` distinct neutral greys, dark to light, for the bars a result is compared with.

    Parameters
    ----------
    n : int
        Number of comparison bars.

    Returns
    -------
    list of str
        Matplotlib grey levels (``"0.35"`` … ``"0.75"``); one bar gets the middle grey.

    >>> _comparison_greys(3)
    ['0.35', '0.55', '0.75']
    """
    if n == 1:
        return ["0.55"]
    return [f"{level:.2f}" for level in np.linspace(0.35, 0.75, n)]


def plot_hit_rates(results: dict[str, float], title: str, xlabel: str, ylabel: str):
    """Bars of hit-rate@N: the recommender first, in the accent colour, then what it is compared
    with (another recommender, the popularity and random baselines …), each in its own grey.

    Parameters
    ----------
    results : dict of str to float
        Bar label -> hit rate (0-1), in bar order: the recommender first, then its comparisons.
    title : str
        Chart title.
    xlabel : str
        X-axis label.
    ylabel : str
        Y-axis label.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(6, 3.2)
    colours = [RECOMMENDER_COLOUR, *_comparison_greys(len(results) - 1)] if results else []
    bars = ax.bar(list(results), list(results.values()), color=colours)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in results.values()])
    ax.set_ylim(0, 1)
    percent_axis(ax)
    label(ax, title, xlabel, ylabel)
    return fig
