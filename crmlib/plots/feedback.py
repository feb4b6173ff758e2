"""Charts of the feedback notebook (titles and axis labels are passed in, so they can be Chinese).

Example
-------
>>> import matplotlib; matplotlib.use("Agg")
>>> shares = pd.DataFrame({"positive": [0.7], "neutral": [0.1], "negative": [0.2]}, index=["zh"])
>>> fig = plot_sentiment_shares(shares, title="情感分布", xlabel="语言", ylabel="占比")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.plots import group_colours, label, legend_outside, new_figure, percent_axis

SENTIMENT_COLOURS = {"positive": "C2", "neutral": "C7", "negative": "C3", "unknown": "C8"}


def plot_sentiment_shares(shares: pd.DataFrame, title: str = "Sentiment of feedback texts",
                           xlabel: str = "group", ylabel: str = "share of texts", legend: dict | None = None):
    """Stacked bars of positive / neutral / negative shares per row of ``shares`` (rows sum to 1).

    Parameters
    ----------
    shares : DataFrame
        :func:`crmlib.feedback.analysis.sentiment_shares` output: rows groups, columns
        ``positive``, ``neutral``, ``negative``, ``unknown`` (those present are drawn).
    title : str, default "Sentiment of feedback texts"
        Chart title.
    xlabel : str, default "group"
        X-axis label.
    ylabel : str, default "share of texts"
        Y-axis label.
    legend : dict, optional
        Sentiment label -> legend text (default: the labels).

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    bottom = np.zeros(len(shares))
    for column in [c for c in SENTIMENT_COLOURS if c in shares.columns]:
        values = shares[column].to_numpy()
        ax.bar(shares.index.astype(str), values, bottom=bottom, color=SENTIMENT_COLOURS[column],
               label=(legend or {}).get(column, column))
        bottom += values
    ax.set_ylim(0, 1)
    percent_axis(ax)
    legend_outside(ax)
    label(ax, title, xlabel, ylabel)
    return fig


def plot_satisfaction_trend(monthly: pd.DataFrame, title: str = "CSAT and NPS by month",
                             xlabel: str = "month", ylabel: str = "CSAT % / NPS",
                             names: tuple[str, str] = ("CSAT (%)", "NPS")):
    """CSAT (%) and NPS (−100 … 100) per month as two lines on one axis, with a zero line.

    Parameters
    ----------
    monthly : DataFrame
        :func:`crmlib.feedback.satisfaction.monthly_satisfaction` output (index month, ``csat``,
        ``nps``).
    title : str, default "CSAT and NPS by month"
        Chart title.
    xlabel : str, default "month"
        X-axis label.
    ylabel : str, default "CSAT % / NPS"
        Y-axis label.
    names : (str, str), default ("CSAT (%)", "NPS")
        Legend names of the CSAT and NPS lines.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    ax.plot(monthly.index, monthly["csat"], marker="o", markersize=3, color="C0", label=names[0])
    ax.plot(monthly.index, monthly["nps"], marker="s", markersize=3, color="C1", label=names[1])
    ax.axhline(0, color="grey", linewidth=0.8)
    legend_outside(ax)
    label(ax, title, xlabel, ylabel)
    return fig


def plot_category_shares(shares: pd.DataFrame, negative_shares: pd.DataFrame | None = None,
                          title: str = "Complaint categories", xlabel: str = "share of texts",
                          ylabel: str = "category", names: tuple[str, str] = ("all texts", "negative texts")):
    """Horizontal bars of each category's share of all texts (and of negative texts).

    Parameters
    ----------
    shares : DataFrame
        :func:`crmlib.feedback.categories.category_shares` output (``category``, ``label``,
        ``share``), in display order.
    negative_shares : DataFrame, optional
        The same for the negative texts only, drawn as a second bar per category.
    title : str, default "Complaint categories"
        Chart title.
    xlabel : str, default "share of texts"
        X-axis label.
    ylabel : str, default "category"
        Y-axis label.
    names : (str, str), default ("all texts", "negative texts")
        Legend names of the two bars.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(8, 0.5 * len(shares) + 1.5)
    y = np.arange(len(shares))
    height = 0.4 if negative_shares is not None else 0.8
    ax.barh(y - (height / 2 if negative_shares is not None else 0), shares["share"], height, color="C0",
            label=names[0])
    if negative_shares is not None:
        aligned = negative_shares.set_index("category")["share"].reindex(shares["category"]).to_numpy()
        ax.barh(y + height / 2, aligned, height, color="C3", label=names[1])
        legend_outside(ax)
    percent_axis(ax, "x")
    ax.set_yticks(y, shares["label"])
    ax.invert_yaxis()
    label(ax, title, xlabel, ylabel)
    return fig


def plot_topic_keywords(model, title: str = "Topics and their top keywords", xlabel: str = "weight",
                         ylabel: str = "keyword", n_words: int = 6, prefix: str = ""):
    """One small bar chart per topic of a fitted :class:`~crmlib.feedback.topics.TopicModel`.

    Parameters
    ----------
    model : TopicModel
        The fitted topic model (``n_topics_``, ``vectorizer_``, ``nmf_``, ``labels_``).
    title : str, default "Topics and their top keywords"
        Chart title.
    xlabel : str, default "weight"
        X-axis label.
    ylabel : str, default "keyword"
        Y-axis label.
    n_words : int, default 6
        Keywords shown per topic.
    prefix : str, default ""
        Text before the topic number in each panel's title (e.g. "topic ").

    Returns
    -------
    Figure
        The chart.
    """
    k = model.n_topics_
    columns = min(k, 3)
    rows = int(np.ceil(k / columns))
    fig, axes = new_figure(4 * columns, 2.6 * rows, nrows=rows, ncols=columns, squeeze=False)
    words = model.vectorizer_.get_feature_names_out()
    for topic, ax in enumerate(axes.ravel()):
        if topic >= k:
            ax.set_visible(False)
            continue
        weights = model.nmf_.components_[topic]
        top = np.argsort(weights)[::-1][:n_words]
        ax.barh([str(words[i]) for i in top][::-1], weights[top][::-1], color=f"C{topic % 10}")
        label(ax, f"{prefix}{topic}: {model.labels_[topic]}", xlabel, ylabel)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_handling_times(handling: pd.DataFrame, sla_hours: float, title: str = "Time to resolve",
                        xlabel: str = "hours to resolve (log)", ylabel: str = "items", sla_name: str = "SLA"):
    """Histogram of hours to resolve on a log axis, with the SLA as a vertical line.

    Parameters
    ----------
    handling : DataFrame
        :func:`crmlib.feedback.timeliness.handling_times` output (``hours_to_resolve``; open
        and zero-hour items are left out).
    sla_hours : float
        The SLA in hours, drawn as a dashed line.
    title : str, default "Time to resolve"
        Chart title.
    xlabel : str, default "hours to resolve (log)"
        X-axis label.
    ylabel : str, default "items"
        Y-axis label.
    sla_name : str, default "SLA"
        Legend name of the SLA line (followed by its hours).

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure()
    hours = handling["hours_to_resolve"].dropna()
    hours = hours[hours > 0]
    if len(hours):
        bins = np.logspace(np.log10(max(hours.min(), 0.1)), np.log10(hours.max() * 1.01), 30)
        ax.hist(hours, bins=bins, color="C0", edgecolor="white")
        ax.set_xscale("log")
    ax.axvline(sla_hours, color="C3", linestyle="--", label=f"{sla_name} {sla_hours:g} h")
    legend_outside(ax)
    label(ax, title, xlabel, ylabel)
    return fig


def plot_open_items(by_age: pd.DataFrame, title: str = "Open items by age", xlabel: str = "age",
                     ylabel: str = "open items"):
    """Bars of open items per age band.

    Parameters
    ----------
    by_age : DataFrame
        :func:`crmlib.feedback.timeliness.open_by_age` output (``band``, ``open_items``).
    title : str, default "Open items by age"
        Chart title.
    xlabel : str, default "age"
        X-axis label.
    ylabel : str, default "open items"
        Y-axis label.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(7, 3.5)
    ax.bar(by_age["band"], by_age["open_items"], color="C1")
    label(ax, title, xlabel, ylabel)
    return fig


def plot_group_comparison(comparison: pd.DataFrame, metrics: dict[str, str],
                           title: str = "Feedback by customer group", xlabel: str = "group"):
    """One bar panel per metric comparing the groups of ``comparison``.

    Parameters
    ----------
    comparison : DataFrame
        :func:`crmlib.feedback.linking.compare_groups` output (index groups).
    metrics : dict of str to str
        Column of ``comparison`` -> panel title and y-axis label, one panel each.
    title : str, default "Feedback by customer group"
        Chart title.
    xlabel : str, default "group"
        X-axis label.

    Returns
    -------
    Figure
        The chart.
    """
    fig, axes = new_figure(4 * len(metrics), 3.5, ncols=len(metrics), squeeze=False)
    for (column, name), ax in zip(metrics.items(), axes.ravel(), strict=True):
        values = comparison[column]
        colours = group_colours(comparison.index) or [f"C{i}" for i in range(len(values))]  # a tier's own colour
        ax.bar(comparison.index.astype(str), values, color=colours)
        ax.axhline(0, color="grey", linewidth=0.8)
        label(ax, name, xlabel, name)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
