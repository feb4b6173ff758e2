"""Charts of the profitability notebook: the whale curve and profit by group.

Every label comes from the message catalogue (``lang``: "en" or "zh").

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from crmlib.profit import whale_curve
>>> fig = plot_whale_curve(whale_curve(pd.Series([50.0, 30.0, -20.0])))
>>> fig.axes[0].get_title()
'The whale curve: cumulative profit by customers ranked by profit'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from crmlib.lang import translator
from crmlib.plots import currency_unit, label, legend_outside, new_figure


def plot_whale_curve(curve: pd.DataFrame, lang: str = "en"):
    """Cumulative profit share (or profit, when the total is not positive) against the share of
    customers ranked from most to least profitable; the peak marked.

    Parameters
    ----------
    curve : DataFrame
        :func:`crmlib.profit.whale_curve` output (``customer_share``, ``cumulative_profit``,
        ``profit_share``).
    lang : {"en", "zh"}, default "en"
        Language of the title, axis labels and legend.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    shares = curve["profit_share"].notna().all()
    y = curve["profit_share"] if shares else curve["cumulative_profit"]
    fig, ax = new_figure(8, 4.5)
    ax.plot(curve["customer_share"], y, color="C0")
    peak = int(np.argmax(curve["cumulative_profit"].to_numpy()))
    ax.scatter([curve["customer_share"].iloc[peak]], [y.iloc[peak]], color="C3", zorder=3, label=_("peak"))
    if shares:
        ax.axhline(1.0, color="C7", linestyle="--", linewidth=1, label=_("total profit"))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    legend_outside(ax)
    label(ax, _("The whale curve: cumulative profit by customers ranked by profit"),
          _("share of customers, most profitable first"),
          _("cumulative share of total profit") if shares else _("cumulative profit"))
    return fig


def plot_profit_by(table: pd.DataFrame, by: str, currency: str, lang: str = "en"):
    """Profit and gross margin per group as horizontal bars.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlib.profit.profit_by` output (index groups, ``profit``, ``gross_margin``).
    by : str
        The groups' name, shown in the title and on the y axis.
    currency : str
        ISO currency code; its symbol labels the x axis.
    lang : {"en", "zh"}, default "en"
        Language of the title and legend.

    Returns
    -------
    Figure
        The chart.
    """
    _ = translator(lang)
    shown = table.sort_values("profit")
    fig, ax = new_figure(8, 0.45 * len(shown) + 1.8)
    y = np.arange(len(shown))
    ax.barh(y + 0.2, shown["gross_margin"], height=0.4, label=_("gross margin"), color="C7")
    ax.barh(y - 0.2, shown["profit"], height=0.4, label=_("profit"), color="C0")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, shown.index.astype(str))
    legend_outside(ax)
    label(ax, _("Gross margin and profit by {group}").format(group=by), currency_unit(currency, lang), by)
    return fig


__all__ = ["plot_whale_curve", "plot_profit_by"]
