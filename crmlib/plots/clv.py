"""Charts of the CLV notebook: holdout tracking, conditional expectations, P(alive) and
expected-purchase matrices, CLV deciles, concentration and simple vs model CLV.

lifetimes' own plotting helpers are partly broken on current pandas/matplotlib, so these
draw from the tidy tables of :mod:`crmlib.clv` instead. Each returns the figure; every chart
has a title and labelled axes (English or Chinese by ``lang``).

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> table = pd.DataFrame({"period": [1, 2], "period_end": pd.to_datetime(["2024-01-07", "2024-01-14"]),
...                       "actual": [3.0, 4.0], "in_holdout": [False, True], "bgnbd": [3.2, 3.9]})
>>> fig = plot_tracking(table, {"bgnbd": "BG/NBD"}, pd.Timestamp("2024-01-07"))
>>> fig.axes[0].get_title()
'Repeat transactions per period: actual vs models'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmlib.lang import N_, gettext
from crmlib.plots import currency_unit, label, legend_outside, new_figure, percent_axis


def plot_tracking(periods: pd.DataFrame, labels: dict[str, str], calibration_end: pd.Timestamp, *,
                  cumulative: bool = False, lang: str = "en"):
    """Repeat transactions per period (or cumulative), actual vs each model, split at calibration end.

    Per-period lines leave out a shorter last period (it would look like a sudden drop).

    Parameters
    ----------
    periods : DataFrame
        :func:`crmlib.clv.validation.tracking_table` output (``period_end``, ``days``,
        ``actual``, one column per model key and its ``*_cumulative``).
    labels : dict of str to str
        Model key -> legend label; one dashed line per entry.
    calibration_end : Timestamp
        End of the calibration period, drawn as a dotted line.
    cumulative : bool, default False
        Plot cumulative repeat transactions instead of per period.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    if not cumulative and "days" in periods and len(periods) > 1:
        periods = periods.loc[periods["days"] == periods["days"].iloc[0]]
    suffix = "_cumulative" if cumulative else ""
    actual = periods["actual"].cumsum() if cumulative else periods["actual"]
    ax.plot(periods["period_end"], actual, color="black", linewidth=2, label=gettext(lang, "actual"))
    for key, name in labels.items():
        ax.plot(periods["period_end"], periods[f"{key}{suffix}"], linestyle="--", label=name)
    ax.axvline(calibration_end, color="grey", linestyle=":", label=gettext(lang, "calibration end"))
    legend_outside(ax)
    if cumulative:
        label(ax, gettext(lang, "Cumulative repeat transactions: actual vs models"),
              gettext(lang, "date"), gettext(lang, "cumulative repeat transactions"))
    else:
        label(ax, gettext(lang, "Repeat transactions per period: actual vs models"),
              gettext(lang, "end of period"), gettext(lang, "repeat transactions"))
    fig.autofmt_xdate()
    return fig


def plot_conditional_expectation(by_frequency: pd.DataFrame, labels: dict[str, str], *, lang: str = "en"):
    """Mean holdout transactions by calibration frequency: actual vs each model.

    Parameters
    ----------
    by_frequency : DataFrame
        One row per calibration-frequency group with ``label``, ``actual`` and one column per
        model key (``by_frequency`` of :func:`crmlib.clv.validation.holdout_validation`).
    labels : dict of str to str
        Model key -> legend label; one dashed line per entry.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    x = np.arange(len(by_frequency))
    ax.plot(x, by_frequency["actual"], color="black", marker="o", linewidth=2, label=gettext(lang, "actual"))
    for key, name in labels.items():
        ax.plot(x, by_frequency[key], marker="s", linestyle="--", label=name)
    ax.set_xticks(x, by_frequency["label"])
    legend_outside(ax)
    label(ax, gettext(lang, "Holdout purchases by calibration-period frequency"),
          gettext(lang, "repeat purchases in the calibration period"),
          gettext(lang, "mean purchases in the holdout"))
    return fig


def plot_matrix(matrix: pd.DataFrame, title: str, colorbar_label: str, *, lang: str = "en", unit_name: str = "",
                share: bool = False):
    """Heatmap of a frequency × recency matrix (P(alive) or expected purchases).

    Parameters
    ----------
    matrix : DataFrame
        Index frequency (repeat purchases), columns recency values (e.g.
        :func:`crmlib.clv.matrices.alive_matrix`).
    title : str
        Chart title.
    colorbar_label : str
        Label of the colour bar.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    unit_name : str, default ""
        Time unit of recency in words (e.g. "days"), for the x-axis label.
    share : bool, default False
        The values are probabilities, shown on the colour bar in %.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(7.5, 5.0)
    image = ax.imshow(matrix.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis",
                      extent=(float(matrix.columns.min()), float(matrix.columns.max()), -0.5, matrix.index.max() + 0.5))
    fig.colorbar(image, ax=ax, label=colorbar_label, format=PercentFormatter(1.0) if share else None)
    ax.grid(False)
    ax.yaxis.get_major_locator().set_params(integer=True)
    label(ax, title, gettext(lang, "recency (last purchase − first purchase, {unit_name})").format(unit_name=unit_name),
          gettext(lang, "frequency (repeat purchases)"))
    return fig


def plot_value_deciles(scores: pd.DataFrame, *, lang: str = "en", on_profit: bool = False):
    """Share of the total predicted CLV held by each decile (1 = most valuable 10 %).

    Parameters
    ----------
    scores : DataFrame
        :func:`crmlib.clv.value.score_customers` output (``clv``, ``clv_decile``).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    on_profit : bool, default False
        Title it as CLV on profit (a decile of loss-making customers shows below zero).

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    share = scores.groupby("clv_decile")["clv"].sum() / max(scores["clv"].sum(), 1e-12) * 100
    ax.bar(share.index.astype(str), share.to_numpy())
    label(ax, gettext(lang, N_("Share of predicted CLV on profit by decile") if on_profit else N_("Share of predicted CLV by decile")),
          gettext(lang, "CLV decile (1 = top 10 %)"),
          gettext(lang, N_("share of total CLV on profit (%)") if on_profit else N_("share of total CLV (%)")))
    return fig


def plot_concentration(lorenz: pd.DataFrame, *, lang: str = "en", on_profit: bool = False):
    """Cumulative share of CLV held by the top x % of customers, against the equal-share line.

    Parameters
    ----------
    lorenz : DataFrame
        :func:`crmlib.clv.value.lorenz_curve` output (``customer_share``, ``value_share``).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    on_profit : bool, default False
        Label it as CLV on profit, whose curve can rise above 100 % when some customers lose money.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(6.0, 5.0)
    ax.plot(lorenz["customer_share"] * 100, lorenz["value_share"] * 100, linewidth=2,
            label=gettext(lang, N_("customers ranked by CLV on profit") if on_profit else N_("customers ranked by CLV")))
    ax.plot([0, 100], [0, 100], color="grey", linestyle=":", label=gettext(lang, "equal shares"))
    legend_outside(ax)
    label(ax, gettext(lang, N_("Concentration of predicted CLV on profit") if on_profit else N_("Concentration of predicted CLV")),
          gettext(lang, "top customers (% of all)"),
          gettext(lang, N_("share of total CLV on profit (%)") if on_profit else N_("share of total CLV (%)")))
    return fig


def plot_p_alive(scores: pd.DataFrame, *, lang: str = "en"):
    """Histogram of P(alive), one-time buyers and repeat buyers stacked.

    Parameters
    ----------
    scores : DataFrame
        :func:`crmlib.clv.value.score_customers` output (``frequency``: repeat purchases,
        ``p_alive``).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    once = scores.loc[scores["frequency"] == 0, "p_alive"]
    repeat = scores.loc[scores["frequency"] > 0, "p_alive"]
    ax.hist([repeat, once], bins=np.linspace(0, 1, 21), stacked=True,
            label=[gettext(lang, "repeat buyers"), gettext(lang, "one-time buyers")])
    legend_outside(ax)
    percent_axis(ax, "x")
    label(ax, gettext(lang, "Probability that a customer is still active"),
          gettext(lang, "P(alive)"), gettext(lang, "customers"))
    return fig


def plot_simple_vs_model(scores: pd.DataFrame, simple: pd.Series, *, lang: str = "en", currency: str = ""):
    """Scatter of the simple formula CLTV against the model CLV per customer (log scales).

    Parameters
    ----------
    scores : DataFrame
        :func:`crmlib.clv.value.score_customers` output (``clv``).
    simple : Series
        Simple CLTV per customer (``simple_cltv`` of :func:`crmlib.clv.simple_cltv.simple_cltv`).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    currency : str, default ""
        ISO currency code for the axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(6.5, 5.0)
    joined = pd.DataFrame({"model": scores["clv"], "simple": simple}).dropna()
    joined = joined.loc[(joined["model"] > 0) & (joined["simple"] > 0)]
    if len(joined):  # keep near-zero model values (customers almost surely gone) from stretching the axes
        floor = float(joined.quantile(0.01).min())
        joined = joined.clip(lower=floor)
    ax.scatter(joined["simple"], joined["model"], s=6, alpha=0.35)
    if len(joined):
        low = float(min(joined.min()))
        high = float(max(joined.max()))
        ax.plot([low, high], [low, high], color="grey", linestyle=":", label=gettext(lang, "equal"))
        legend_outside(ax)
    ax.set_xscale("log")
    ax.set_yscale("log")
    label(ax, gettext(lang, "Simple formula CLTV vs model CLV per customer"),
          gettext(lang, "simple CLTV ({currency})").format(currency=currency_unit(currency, lang)),
          gettext(lang, "model CLV ({currency})").format(currency=currency_unit(currency, lang)))
    return fig


__all__ = ["plot_concentration", "plot_conditional_expectation", "plot_matrix", "plot_p_alive",
           "plot_simple_vs_model", "plot_tracking", "plot_value_deciles"]
