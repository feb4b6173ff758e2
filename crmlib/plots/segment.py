"""Charts of the segmentation notebook; every chart has a title and labelled axes, in en or zh.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> overview = pd.DataFrame({"label": ["冠军客户", "流失客户"], "customer_share": [0.2, 0.8],
...                          "revenue_share": [0.7, 0.3]})
>>> fig = plot_segment_sizes(overview, lang="zh")
>>> fig.axes[0].get_title()
'各细分客户数占比与收入占比'
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from crmlib.lang import N_, gettext, pgettext
from crmlib.plots import TIER_COLOURS, colour_for, currency_unit, label, legend_outside, new_figure

TEXT = {
    "segment_sizes": N_("Segment sizes vs revenue share"),
    "share": N_("share"),
    "segment": N_("segment"),
    "customers_share": N_("share of customers"),
    "revenue_share": N_("share of revenue"),
    "rfm_heatmap": N_("Mean {value} by recency and frequency score"),
    "r_score": N_("recency score (5 = most recent)"),
    "f_score": N_("frequency score (5 = most frequent)"),
    "cluster_profiles": N_("Cluster profiles (percentile of the cluster's median)"),
    "cluster": N_("cluster"),
    "feature": N_("feature"),
    "silhouette": N_("Choosing k: silhouette score by number of clusters"),
    "k": N_("number of clusters k"),
    "silhouette_axis": N_("mean silhouette coefficient"),
    "profile": N_("Customers and revenue by {by}"),
    "mix": N_("Value-tier mix by {by}"),
    "migration": N_("Segment migration {before} → {after} (share of each row)"),
    "before": N_("segment at {date}"),
    "after": N_("segment at {date}"),
    "funnel": N_("CRM funnel: identify → attract → retain → raise value"),
    "stage": N_("stage"),
    "customers": N_("customers"),
    "lifecycle": N_("Customers by lifecycle stage"),
    "lifecycle_axis": N_("lifecycle stage"),
    "tier": N_("value tier"),
    "features": {"recency": N_("recency (high = recent)"), "frequency": N_("frequency"), "monetary": N_("spend")},
}


HEATMAP_VALUES = {  # column of segment_table -> (its name in the title and colour bar, whether it is money)
    "monetary": (N_("spend"), True),
    "total_spend": (N_("total spend"), True),
    "frequency": (N_("frequency"), False),
    "recency": (N_("days since the last purchase"), False),
}


def _t(key: str, lang: str, **fields) -> str:
    text = gettext(lang, TEXT[key])
    return text.format(**fields) if fields else text


def plot_segment_sizes(overview: pd.DataFrame, lang: str = "en"):
    """Horizontal bars: share of customers vs share of revenue per segment.

    Parameters
    ----------
    overview : DataFrame
        ``label``, ``customer_share`` and ``revenue_share`` per segment in display order (see
        :func:`crmlib.segment.segment_overview`).
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    height = max(3.0, 0.45 * len(overview) + 1.5)
    fig, ax = new_figure(8, height)
    y = np.arange(len(overview))
    ax.barh(y - 0.2, overview["customer_share"], height=0.4, label=_t("customers_share", lang))
    ax.barh(y + 0.2, overview["revenue_share"], height=0.4, label=_t("revenue_share", lang))
    ax.set_yticks(y, overview["label"])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    legend_outside(ax)
    label(ax, _t("segment_sizes", lang), _t("share", lang), _t("segment", lang))
    return fig


def plot_rfm_heatmap(table: pd.DataFrame, lang: str = "en", value: str = "monetary", currency: str = "",
                     value_label: str | None = None):
    """Heatmap of the mean ``value`` per (R score, F score) cell, annotated with it; the title and
    the colour bar name ``value`` (and ``currency``'s symbol for money).

    Parameters
    ----------
    table : DataFrame
        Per customer ``r_score``, ``f_score`` and ``value`` (e.g.
        :func:`crmlib.segment.segment_table`).
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.
    value : str, default "monetary"
        Column averaged in each cell: ``monetary`` (spend), ``total_spend``, ``frequency``,
        ``recency`` (days since the last purchase), or any column given a ``value_label``.
    currency : str, default ""
        ISO currency code for the colour bar label of a money value (``monetary``,
        ``total_spend`` or a column with a ``value_label``); empty shows no unit.
    value_label : str, optional
        The value's shown name, already translated; default: the name of a known ``value``.

    Returns
    -------
    Figure
        The chart.

    Raises
    ------
    ValueError
        When ``value`` is not a column of ``table``, or is not a known value and has no ``value_label``.
    """
    if value not in table:
        raise ValueError(f"plot_rfm_heatmap: value {value!r} is not a column of the table; "
                         f"pick one of {sorted(set(HEATMAP_VALUES) & set(table.columns)) or list(table.columns)}")
    if value_label is None and value not in HEATMAP_VALUES:
        raise ValueError(f"plot_rfm_heatmap: no shown name for value {value!r}; pass value_label=<its name in "
                         f"the report's language> or use one of {', '.join(HEATMAP_VALUES)}")
    message, money = HEATMAP_VALUES.get(value, (None, True))
    name = value_label if value_label is not None else gettext(lang, message)
    grid = table.pivot_table(index="r_score", columns="f_score", values=value, aggfunc="mean")
    grid = grid.reindex(index=range(5, 0, -1), columns=range(1, 6))
    fig, ax = new_figure(7, 5)
    unit = f" ({currency_unit(currency, lang)})" if currency and money else ""
    sns.heatmap(grid, annot=True, fmt=".0f" if money or value == "recency" else ".1f", cmap="YlGnBu", ax=ax,
                cbar_kws={"label": name + unit})
    label(ax, _t("rfm_heatmap", lang, value=name), _t("f_score", lang), _t("r_score", lang))
    return fig


def plot_cluster_profiles(positions: pd.DataFrame, descriptions: dict, lang: str = "en"):
    """Heatmap of each cluster's percentile position per feature, rows named by description.

    Recency is flipped (1 − percentile of days since the last purchase), so that in every
    column green means better.

    Parameters
    ----------
    positions : DataFrame
        Percentile (0-1) of each cluster's median per feature (``RFMClusterer.positions_``).
    descriptions : dict
        Cluster -> description (``RFMClusterer.descriptions_``), shown in the row names.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    frame = positions.copy()
    if "recency" in frame.columns:
        frame["recency"] = 1 - frame["recency"]
    frame.index = [f"{c}: {descriptions.get(c, '')}" for c in positions.index]
    names = {k: gettext(lang, v) for k, v in TEXT["features"].items()}
    frame.columns = [names.get(c, c) for c in frame.columns]
    fig, ax = new_figure(8, max(2.5, 0.6 * len(frame) + 1.5))
    sns.heatmap(frame, annot=True, fmt=".0%", vmin=0, vmax=1, cmap="RdYlGn", ax=ax,
                cbar_kws={"label": gettext(lang, "percentile"), "format": PercentFormatter(1.0)})
    label(ax, _t("cluster_profiles", lang), _t("feature", lang), _t("cluster", lang))
    return fig


def plot_silhouette_by_k(scores: pd.DataFrame, chosen_k: int, lang: str = "en"):
    """Line of the silhouette score per k with the chosen k marked.

    Parameters
    ----------
    scores : DataFrame
        ``k`` and ``silhouette`` per k tried (``RFMClusterer.scores_``).
    chosen_k : int
        The k kept, marked by a dashed line.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(6, 3.5)
    ax.plot(scores["k"], scores["silhouette"], marker="o")
    ax.axvline(chosen_k, color="grey", linestyle="--")
    ax.set_xticks(scores["k"])
    label(ax, _t("silhouette", lang), _t("k", lang), _t("silhouette_axis", lang))
    return fig


def plot_profile_shares(profile: pd.DataFrame, by: str, by_label: str | None = None, lang: str = "en"):
    """Grouped bars: share of customers vs share of revenue per group (channel, city …).

    Parameters
    ----------
    profile : DataFrame
        :func:`crmlib.segment.attribute_profile` output (``by``, ``customer_share``,
        ``revenue_share``).
    by : str
        Group column of ``profile``.
    by_label : str, optional
        The groups' name in the title and x axis (default: ``by``).
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    name = by_label or by
    fig, ax = new_figure(8, 4)
    x = np.arange(len(profile))
    ax.bar(x - 0.2, profile["customer_share"], width=0.4, label=_t("customers_share", lang))
    ax.bar(x + 0.2, profile["revenue_share"], width=0.4, label=_t("revenue_share", lang))
    ax.set_xticks(x, profile[by].astype(str), rotation=30 if len(profile) > 6 else 0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    legend_outside(ax)
    label(ax, _t("profile", lang, by=name), name, _t("share", lang))
    return fig


def plot_tier_mix(mix: pd.DataFrame, by_label: str, lang: str = "en", tier_labels: dict | None = None):
    """Stacked horizontal bars: share of each value tier within each group.

    Parameters
    ----------
    mix : DataFrame
        :func:`crmlib.segment.mix` output (rows groups, columns tier keys, rows sum to 1).
    by_label : str
        The groups' name in the title and y axis.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.
    tier_labels : dict, optional
        Tier key -> legend label (default: the keys).

    Returns
    -------
    Figure
        The chart.
    """
    colours = [colour_for(str(tier), TIER_COLOURS) for tier in mix.columns]  # the same tier colour on every page
    frame = mix.rename(columns=tier_labels or {})
    fig, ax = new_figure(8, max(3.0, 0.4 * len(frame) + 1.5))
    frame.plot.barh(stacked=True, ax=ax, color=colours, width=0.7)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    legend_outside(ax, title=_t("tier", lang))
    label(ax, _t("mix", lang, by=by_label), _t("customers_share", lang), by_label)
    return fig


def plot_migration_matrix(matrix: pd.DataFrame, before: str, after: str, lang: str = "en"):
    """Heatmap of the row-normalised transition matrix (rows: before, columns: after).

    Parameters
    ----------
    matrix : DataFrame
        :func:`crmlib.segment.transition_matrix` output (counts or shares).
    before : str
        The earlier date as shown in the title and y axis.
    after : str
        The later date as shown in the title and x axis.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    shares = matrix.div(matrix.sum(axis=1).replace(0, np.nan), axis=0)
    fig, ax = new_figure(max(7, 0.75 * len(matrix.columns) + 3), max(4.5, 0.5 * len(matrix) + 2))
    sns.heatmap(shares, annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, ax=ax,
                cbar_kws={"label": _t("share", lang), "format": PercentFormatter(1.0)}, annot_kws={"fontsize": 8})
    label(ax, _t("migration", lang, before=before, after=after),
          _t("after", lang, date=after), _t("before", lang, date=before))
    return fig


def plot_crm_funnel(funnel: pd.DataFrame, lang: str = "en"):
    """Horizontal funnel bars of customers per CRM stage, each annotated with its count and its
    share of the identified customers (``share_of_identified``), not the step-to-step conversion.

    Parameters
    ----------
    funnel : DataFrame
        :func:`crmlib.segment.crm_funnel` output (``stage``, ``customers``,
        ``share_of_identified``), optionally with a ``label`` column for the bar names.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(8, 3.5)
    y = np.arange(len(funnel))
    ax.barh(y, funnel["customers"], color=sns.color_palette("Blues_r", len(funnel)))
    names = funnel["label"] if "label" in funnel else [pgettext(lang, "CRM stage", s) for s in funnel["stage"]]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    for position, (count, share) in enumerate(zip(funnel["customers"], funnel["share_of_identified"],
                                                  strict=True)):
        ax.text(count, position, f" {count:,} ({share:.0%})", va="center")
    ax.set_xlim(0, funnel["customers"].max() * 1.25)
    label(ax, _t("funnel", lang), _t("customers", lang), _t("stage", lang))
    return fig


def plot_lifecycle_counts(counts: pd.Series, lang: str = "en"):
    """Bars of customers per lifecycle stage.

    Parameters
    ----------
    counts : Series
        Customers per stage, indexed by the stage's display label, in display order.
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    fig, ax = new_figure(7, 3.5)
    ax.bar(counts.index.astype(str), counts.to_numpy(), color=sns.color_palette("deep", len(counts)))
    label(ax, _t("lifecycle", lang), _t("lifecycle_axis", lang), _t("customers", lang))
    return fig


def close(fig) -> None:
    """Release a figure after it has been shown or saved.

    Parameters
    ----------
    fig : Figure
        The figure to close.
    """
    plt.close(fig)
