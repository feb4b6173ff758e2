"""Charts of the churn notebook: purchase gaps, monthly churn rate, cohort retention heatmap,
Kaplan–Meier curves, lift by decile, calibration, drivers, exit reasons and value at risk.

Each function draws from the tidy tables of :mod:`crmlib.churn` and returns the figure; every
chart has a title and labelled axes (English or Chinese by ``lang``).

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> rates = pd.DataFrame({"month": ["2024-01", "2024-02"], "group": ["all", "all"],
...                       "customers_at_start": [10, 12], "churned": [2, 3], "churn_rate": [0.2, 0.25]})
>>> plot_churn_rates(rates).axes[0].get_title()
'Monthly churn rate (churned / active at the start of the month)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmlib.lang import N_, gettext
from crmlib.plots import (
    colour_for,
    currency_unit,
    group_colours,
    label,
    legend_outside,
    new_figure,
    percent_axis,
)

GROUP_NAMES = {"segment": N_("segment"), "acquisition_channel": N_("acquisition channel"), "region": N_("region"),
               "city": N_("city"), "gender": N_("gender"), "channel": N_("channel"), "value_tier": N_("value tier")}


def group_label(by: str, lang: str) -> str:
    """A grouping column in words: "acquisition channel", or 获客渠道 in Chinese.

    Parameters
    ----------
    by : str
        Column name (e.g. ``"acquisition_channel"``); unknown names get ``_`` as spaces.
    lang : {"en", "zh"}
        Language of the words.

    Returns
    -------
    str
        The column in words.
    """
    return gettext(lang, GROUP_NAMES.get(by, by.replace("_", " ")))


def plot_gap_distribution(purchase_days: pd.DataFrame, window_days: int, suggested: int | None = None,
                          share: float = 0.9, *, lang: str = "en", clip_quantile: float = 0.99):
    """Histogram of days between consecutive purchase days, with the chosen (and suggested) window.

    Parameters
    ----------
    purchase_days : DataFrame
        :func:`crmlib.scans.summary.purchase_days` output (uses ``gap_days``).
    window_days : int
        The churn window in days, drawn as a red line.
    suggested : int, optional
        Suggested window in days, drawn dashed when it differs from ``window_days``.
    share : float, default 0.9
        Share of gaps within ``suggested``, for its legend entry.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    clip_quantile : float, default 0.99
        Gaps above this quantile are clipped into the last bin.

    Returns
    -------
    Figure
        The chart.
    """
    gaps = purchase_days["gap_days"].dropna()
    fig, ax = new_figure()
    upper = float(gaps.quantile(clip_quantile)) if len(gaps) else 1.0
    ax.hist(gaps.clip(upper=upper), bins=50, color="#4c72b0")
    ax.axvline(window_days, color="#c44e52", linewidth=2,
               label=gettext(lang, "churn window: {window_days} days").format(window_days=window_days))
    if suggested is not None and suggested != window_days:
        ax.axvline(suggested, color="black", linestyle="--",
                   label=gettext(lang, "{share:.0%} of gaps within {suggested} days").format(share=share, suggested=suggested))
    legend_outside(ax)
    label(ax, gettext(lang, "Days between a customer's consecutive purchases"),
          gettext(lang, "gap in days (clipped at the {clip_quantile:.0%} quantile)").format(clip_quantile=clip_quantile),
          gettext(lang, "repeat purchases"))
    return fig


def plot_churn_rates(rates: pd.DataFrame, *, lang: str = "en", title: str | None = None):
    """Monthly churn rate, one line per group.

    Parameters
    ----------
    rates : DataFrame
        :func:`crmlib.churn.rates.churn_rate_by_month` output (``month``, ``group``,
        ``churn_rate``).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    title : str, optional
        Chart title (default: the monthly churn rate title).

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    parts = list(rates.groupby("group", sort=True))
    colours = group_colours([group for group, _part in parts]) or [None] * len(parts)  # a segment's own colour
    for (group, part), colour in zip(parts, colours, strict=True):
        ax.plot(part["month"], part["churn_rate"], marker="o", markersize=3, label=str(group), color=colour)
    if rates["group"].nunique() > 1:
        legend_outside(ax, title=gettext(lang, "group"), fontsize="small")
    percent_axis(ax)
    ax.set_ylim(bottom=0)
    ticks = sorted(rates["month"].unique())
    ax.set_xticks(ticks[:: max(1, -(-len(ticks) // 12))])
    label(ax, title or gettext(lang, "Monthly churn rate (churned / active at the start of the month)"),
          gettext(lang, "month"), gettext(lang, "churn rate"))
    fig.autofmt_xdate()
    return fig


def plot_cohort_heatmap(matrix: pd.DataFrame, *, lang: str = "en", max_months: int = 18):
    """Retention by first-purchase month (rows) and months since (columns), as a heatmap.

    Parameters
    ----------
    matrix : DataFrame
        :func:`crmlib.churn.cohorts.cohort_retention` output (shares 0-1, NaN not observable).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    max_months : int, default 18
        Months since first purchase shown (columns 0..``max_months``).

    Returns
    -------
    Figure
        The chart.
    """
    import seaborn as sns

    shown = matrix.iloc[:, : max_months + 1]
    fig, ax = new_figure(10, max(4.0, 0.28 * len(shown) + 1.5))
    sns.heatmap(shown, ax=ax, cmap="Blues", vmin=0, vmax=max(0.5, float(np.nanmax(shown.to_numpy()[:, 1:]))
                                                               if shown.shape[1] > 1 else 1.0),
                annot=shown.shape[1] <= 13, fmt=".0%", cbar_kws={"label": gettext(lang, "share buying"), "format": PercentFormatter(1.0)},
                mask=shown.isna())
    label(ax, gettext(lang, "Cohort retention: share of each first-purchase month buying N months later"),
          gettext(lang, "months since first purchase"), gettext(lang, "first-purchase month "
                                                                                    "(cohort)"))
    return fig


def plot_survival(result, *, lang: str = "en", title: str | None = None):
    """Kaplan–Meier survival curves (with 95 % bands) of each group.

    Parameters
    ----------
    result : SurvivalResult
        :func:`crmlib.churn.survival.survival_by_group` output; bands shown for up to 6 groups.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    title : str, optional
        Chart title (default: "Customer survival (Kaplan–Meier)").

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    colours = group_colours(list(result.fitters)) or [None] * len(result.fitters)  # a segment's own colour
    for fitter, colour in zip(result.fitters.values(), colours, strict=True):
        fitter.plot_survival_function(ax=ax, ci_show=len(result.fitters) <= 6,
                                      **({"color": colour} if colour else {}))
    legend_outside(ax, fontsize="small")
    percent_axis(ax)
    if np.isfinite(result.logrank_p_value):
        ax.text(0.99, 0.97, gettext(lang, "log-rank p = {logrank_p_value:.3g}").format(logrank_p_value=result.logrank_p_value),
                transform=ax.transAxes, ha="right", va="top")
    ax.set_ylim(0, 1.02)
    label(ax, title or gettext(lang, "Customer survival (Kaplan–Meier)"),
          gettext(lang, "days since first purchase"), gettext(lang, "share not yet churned"))
    return fig


def plot_lift(lift: dict[str, pd.DataFrame], labels: dict[str, str], *, lang: str = "en"):
    """Lift by decile of predicted risk, one bar group per model.

    Parameters
    ----------
    lift : dict of str to DataFrame
        Model name -> :func:`crmlib.churn.metrics.lift_by_decile` output (``decile``, ``lift``).
    labels : dict of str to str
        Model name -> legend label (names not in it are shown as they are).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    width = 0.8 / max(len(lift), 1)
    for i, (name, table) in enumerate(lift.items()):
        ax.bar(table["decile"] + (i - (len(lift) - 1) / 2) * width, table["lift"], width=width,
               label=labels.get(name, name))
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.set_xticks(range(1, 11))
    legend_outside(ax, fontsize="small")
    label(ax, gettext(lang, "Lift by decile of predicted churn risk (test cutoff)"),
          gettext(lang, "decile (1 = highest predicted risk)"),
          gettext(lang, "churn rate / overall churn rate"))
    return fig


def plot_calibration(calibration: dict[str, pd.DataFrame], labels: dict[str, str], *, lang: str = "en"):
    """Predicted vs observed churn rate per bin of prediction (perfect calibration on the diagonal).

    Parameters
    ----------
    calibration : dict of str to DataFrame
        Model name -> :func:`crmlib.churn.metrics.calibration_table` output.
    labels : dict of str to str
        Model name -> legend label (names not in it are shown as they are).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(6, 5)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=gettext(lang, "perfect calibration"))
    for name, table in calibration.items():
        ax.plot(table["mean_predicted"], table["observed_churn_rate"], marker="o", label=labels.get(name, name))
    legend_outside(ax, fontsize="small")
    percent_axis(ax)
    percent_axis(ax, "x")
    label(ax, gettext(lang, "Calibration on the test cutoff"),
          gettext(lang, "mean predicted churn probability"),
          gettext(lang, "observed churn rate"))
    return fig


def plot_importance(importance: pd.DataFrame, *, lang: str = "en", top: int = 10):
    """Permutation importance (drop in ROC-AUC) of the ``top`` features, with labels in plain words.

    Parameters
    ----------
    importance : DataFrame
        :func:`crmlib.churn.drivers.driver_importance` output, most important first.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    top : int, default 10
        Number of features shown.

    Returns
    -------
    Figure
        The chart.
    """
    from crmlib.churn.features import feature_label

    shown = importance.head(top).iloc[::-1]
    fig, ax = new_figure(8, 0.35 * len(shown) + 1.5)
    names = [feature_label(f, lang) for f in shown["feature"]]
    ax.barh(names, shown["importance"], xerr=shown["importance_std"], color="#55a868")
    label(ax, gettext(lang, "What drives predicted churn (permutation importance)"),
          gettext(lang, "drop in ROC-AUC when the feature is shuffled"),
          gettext(lang, "feature"))
    return fig


def plot_reason_shares(shares: pd.DataFrame, by: str | None = None, *, lang: str = "en"):
    """Share of each exit reason; stacked bars per ``by`` group when given.

    Parameters
    ----------
    shares : DataFrame
        :func:`crmlib.churn.reasons.reason_shares` output (``reason``, ``share``[, ``by``]).
    by : str, optional
        Group column of ``shares``; one stacked bar per group.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    from crmlib.churn.reasons import reason_label

    if by is None:
        fig, ax = new_figure()
        ax.barh([reason_label(r, lang) for r in shares["reason"]][::-1], shares["share"].to_numpy()[::-1],
                color="#8172b2")
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        label(ax, gettext(lang, "Why customers say they left (exit survey)"),
              gettext(lang, "share of answers"), gettext(lang, "reason"))
        return fig
    table = shares.pivot(index=by, columns="reason", values="share").fillna(0.0)
    table.columns = [reason_label(c, lang) for c in table.columns]
    fig, ax = new_figure()
    table.plot(kind="barh", stacked=True, ax=ax)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    legend_outside(ax, fontsize="small")
    name = group_label(by, lang)
    label(ax, gettext(lang, "Exit reasons by {name}").format(name=name), gettext(lang, "share of "
                                                                                              "answers"), name)
    return fig


def plot_reason_trend(trend: pd.DataFrame, *, lang: str = "en"):
    """Share of each exit reason per period.

    Parameters
    ----------
    trend : DataFrame
        :func:`crmlib.churn.reasons.reason_trend` output (rows periods, columns reasons).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    from crmlib.churn.reasons import reason_label

    fig, ax = new_figure()
    for reason in trend.columns:
        ax.plot(trend.index, trend[reason], marker="o", label=reason_label(reason, lang))
    percent_axis(ax)
    legend_outside(ax, fontsize="small")
    label(ax, gettext(lang, "Exit reasons over time"),
          gettext(lang, "period"), gettext(lang, "share of answers"))
    return fig


def plot_value_at_risk(priority: pd.DataFrame, by: str = "segment", *, lang: str = "en", currency: str = ""):
    """Total value at risk per group (e.g. segment), largest first.

    Parameters
    ----------
    priority : DataFrame
        :func:`crmlib.churn.priority.retention_priority` output with ``value_at_risk`` and ``by``.
    by : str, default "segment"
        Group column (missing values count as "unknown").
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.
    currency : str, default ""
        ISO currency code for the axis label.

    Returns
    -------
    Figure
        The chart.
    """
    totals = priority.groupby(priority[by].fillna("unknown").astype(str))["value_at_risk"].sum()
    totals = totals.sort_values()
    fig, ax = new_figure(8, 0.35 * len(totals) + 1.5)
    colours = [colour_for(group) for group in totals.index] if by in ("segment", "value_tier") else "#c44e52"
    ax.barh(totals.index, totals.to_numpy(), color=colours)  # a segment has its colour on every page
    name = group_label(by, lang)
    label(ax, gettext(lang, "Value at risk by {name} (churn probability × value if retained)").format(name=name),
          gettext(lang, "value at risk ({currency})").format(currency=currency_unit(currency, lang)), name)
    return fig
