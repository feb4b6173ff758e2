"""Charts of the journey notebook: the most common paths (a Sankey-style flow), conversion by
touchpoint, the attribution models side by side and the cost of a first purchase per channel.

Every label comes from the message catalogue (``lang``: "en" or "zh").

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> steps = pd.DataFrame({"path": ["a > b", "a > b", "b"], "step": [0, 1, 0], "channel": ["a", "b", "b"],
...                       "journeys": [30, 30, 20], "conversion_rate": [0.5, 0.5, 0.1]})
>>> fig = plot_paths(steps)
>>> fig.axes[0].get_title()
'The most common paths to the first purchase'
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from crmlib.lang import translator
from crmlib.plots import currency_unit, label, legend_outside, new_figure

MODEL_NAMES = {  # catalogue ids of the attribution models
    "first_touch": "first touch", "last_touch": "last touch", "linear": "linear",
    "time_decay": "time decay", "markov": "Markov removal effect",
}
NODE_WIDTH = 0.12
GAP_SHARE = 0.04  # vertical gap between two nodes of a column, as a share of the column's height


def model_label(model: str, lang: str = "en") -> str:
    """The reader's name of an attribution model.

    Parameters
    ----------
    model : str
        Catalogue id (e.g. ``"markov"``); unknown ids are translated as they are.
    lang : {"en", "zh"}, default "en"
        Language of the name.

    Returns
    -------
    str
        E.g. "Markov removal effect".
    """
    return translator(lang)(MODEL_NAMES.get(model, model))


def model_labels(lang: str = "en") -> dict[str, str]:
    """Model key -> the reader's name, for table headers.

    Parameters
    ----------
    lang : {"en", "zh"}, default "en"
        Language of the names.

    Returns
    -------
    dict of str to str
        Every model of ``MODEL_NAMES`` -> :func:`model_label`.
    """
    return {model: model_label(model, lang) for model in MODEL_NAMES}


def _colors(channels) -> dict[str, tuple]:
    palette = plt.get_cmap("tab10")
    return {c: palette(i % 10) for i, c in enumerate(sorted(channels))}


def _band(ax, x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float], color) -> None:
    """A flow band from the slot ``y0`` (bottom, top) at ``x0`` to ``y1`` at ``x1``."""
    t = np.linspace(0, 1, 30)
    s = 3 * t**2 - 2 * t**3  # smooth step
    x = x0 + (x1 - x0) * t
    bottom = y0[0] + (y1[0] - y0[0]) * s
    top = y0[1] + (y1[1] - y0[1]) * s
    ax.fill_between(x, bottom, top, color=color, alpha=0.35, linewidth=0)


def plot_paths(steps: pd.DataFrame, lang: str = "en"):
    """A Sankey-style flow of the most common paths: one column per step, one node per channel
    (height = journeys), bands from step to step, and a last column with the outcome
    (first purchase or none).

    Parameters
    ----------
    steps : DataFrame
        :func:`crmlib.journey.paths.path_steps` output (``path``, ``step``, ``channel``,
        ``journeys``, ``conversion_rate``).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    bought, lost = _("first purchase"), _("no purchase")
    paths = steps.drop_duplicates("path").set_index("path")
    last = steps.sort_values("step").groupby("path").tail(1).set_index("path")
    outcome_step = int(steps["step"].max()) + 1
    ends = pd.concat([
        pd.DataFrame({"path": paths.index, "step": outcome_step, "channel": bought,
                      "journeys": paths["journeys"] * paths["conversion_rate"]}),
        pd.DataFrame({"path": paths.index, "step": outcome_step, "channel": lost,
                      "journeys": paths["journeys"] * (1 - paths["conversion_rate"])}),
    ])
    nodes = pd.concat([steps[["path", "step", "channel", "journeys"]], ends]).groupby(
        ["step", "channel"])["journeys"].sum()
    total = float(paths["journeys"].sum())
    colors = _colors(steps["channel"].unique()) | {bought: (0.2, 0.6, 0.3, 1.0), lost: (0.6, 0.6, 0.6, 1.0)}
    fig, ax = new_figure(10, 5.5)
    slots: dict[tuple[int, str], list[float]] = {}  # node -> [bottom, top, next free in, next free out]
    for step, column in nodes.groupby(level=0):
        column = column.droplevel(0).sort_values(ascending=False)
        gap = GAP_SHARE * total
        y = total + gap * (len(column) - 1)
        for channel, size in column.items():
            slots[(step, channel)] = [y - size, y, y - size, y - size]
            ax.add_patch(Rectangle((step - NODE_WIDTH / 2, y - size), NODE_WIDTH, size, color=colors[channel]))
            ax.text(step + NODE_WIDTH / 2 + 0.03, y - size / 2, f"{channel} ({size:,.0f})", va="center", fontsize=8)
            y -= size + gap
    flows = pd.concat([steps[["path", "step", "channel", "journeys"]], ends]).sort_values(["path", "step"])
    for path, group in flows.groupby("path", sort=False):
        rows = group.to_dict("records")
        for here, there in zip(rows[:-1], rows[1:], strict=False):
            if there["step"] == outcome_step:
                continue
            _link(ax, slots, here, there, there["journeys"], colors[here["channel"]])
        final = last.loc[path]
        for end in group.loc[group["step"] == outcome_step].to_dict("records"):
            _link(ax, slots, {"step": int(final["step"]), "channel": final["channel"]}, end, end["journeys"],
                  colors[end["channel"]])
    ax.set_xlim(-0.5, outcome_step + 1.0)
    ax.set_ylim(0, max(v[1] for v in slots.values()) * 1.02)
    ax.set_yticks([])
    ax.set_xticks(range(outcome_step + 1),
                  [_("contact {n}").format(n=i + 1) for i in range(outcome_step)] + [_("outcome")])
    ax.grid(False)
    label(ax, _("The most common paths to the first purchase"), _("step of the journey"), _("journeys"))
    return fig


def _link(ax, slots, here: dict, there: dict, size: float, color) -> None:
    if size <= 0:
        return
    source, target = slots[(here["step"], here["channel"])], slots[(there["step"], there["channel"])]
    out0, in0 = source[3], target[2]
    _band(ax, here["step"] + NODE_WIDTH / 2, (out0, out0 + size), there["step"] - NODE_WIDTH / 2,
          (in0, in0 + size), color)
    source[3] += size
    target[2] += size


def plot_conversion_by_touch(table: pd.DataFrame, by: str = "channel", lang: str = "en"):
    """Conversion rate of journeys with each channel (or touchpoint type) next to those without it.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.journey.conversion.conversion_by_touch` output (``by``,
        ``conversion_rate``, ``rate_without``).
    by : {"channel", "touchpoint_type"}, default "channel"
        The column ``table`` was built by; any value but ``"channel"`` is titled as touchpoint type.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    shown = table.sort_values("conversion_rate")
    fig, ax = new_figure(8, 0.45 * len(shown) + 1.8)
    y = np.arange(len(shown))
    ax.barh(y + 0.2, shown["conversion_rate"], height=0.4, label=_("journeys with it"), color="C0")
    ax.barh(y - 0.2, shown["rate_without"], height=0.4, label=_("journeys without it"), color="C7")
    ax.set_yticks(y, shown[by].astype(str))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    legend_outside(ax)
    title = _("Conversion of journeys by channel") if by == "channel" else _("Conversion of journeys by touchpoint type")
    label(ax, title, _("share of journeys ending in a first purchase"),
          _("channel") if by == "channel" else _("touchpoint type"))
    return fig


def plot_attribution(shares: pd.DataFrame, lang: str = "en"):
    """Grouped bars: each channel's share of first purchases under each attribution model.

    Parameters
    ----------
    shares : DataFrame
        :func:`crmlib.journey.attribution.share_matrix` output (index channels, columns models).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    shown = shares.iloc[::-1]
    models = list(shown.columns)
    height = 0.8 / len(models)
    fig, ax = new_figure(8.5, 0.6 * len(shown) + 2.0)
    y = np.arange(len(shown))
    for i, model in enumerate(models):
        ax.barh(y + (i - (len(models) - 1) / 2) * height, shown[model], height=height,
                label=model_label(model, lang), color=f"C{i}")
    ax.set_yticks(y, shown.index.astype(str))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    legend_outside(ax, fontsize=8)
    label(ax, _("Share of first purchases credited to each channel"), _("share of first purchases"), _("channel"))
    return fig


def plot_path_lengths(table: pd.DataFrame, lang: str = "en"):
    """Journeys by number of contacts (bars) and their conversion rate (line).

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.journey.paths.path_length_table` output (``contacts``, ``journeys``,
        ``conversion_rate``).
    lang : {"en", "zh"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    fig, ax = new_figure(7, 3.8)
    ax.bar(table["contacts"].astype(str), table["journeys"], color="C0")
    label(ax, _("Journeys by number of contacts"), _("contacts in the journey"), _("journeys"))
    rate = ax.twinx()
    rate.plot(table["contacts"].astype(str), table["conversion_rate"], color="C3", marker="o")
    rate.set_ylabel(_("conversion rate"))
    rate.yaxis.set_major_formatter(PercentFormatter(1.0))
    rate.set_ylim(0, 1)
    rate.grid(False)
    return fig


def plot_acquisition_cost(roi: pd.DataFrame, currency: str, lang: str = "en"):
    """Attributed CAC (Markov) next to the single-channel CAC per channel.

    Parameters
    ----------
    roi : DataFrame
        :func:`crmlib.journey.roi.roi_by_channel` output (``channel``, ``attributed_cac``,
        optionally ``cac``); channels without an attributed CAC are left out.
    currency : str
        ISO currency code for the axis label.
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    shown = roi.dropna(subset=["attributed_cac"]).sort_values("attributed_cac")
    fig, ax = new_figure(8, 0.5 * len(shown) + 1.8)
    y = np.arange(len(shown))
    ax.barh(y + 0.2, shown["attributed_cac"], height=0.4, label=_("attributed CAC"), color="C0")
    if "cac" in shown:
        ax.barh(y - 0.2, shown["cac"], height=0.4, label=_("single-channel CAC"), color="C7")
    ax.set_yticks(y, shown["channel"].astype(str))
    legend_outside(ax)
    label(ax, _("Cost of a first purchase by channel"),
          _("{currency} per first purchase").format(currency=currency_unit(currency, lang)),
          _("channel"))
    return fig
