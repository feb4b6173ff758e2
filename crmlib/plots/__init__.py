"""Charts for the notebooks. ``setup()`` registers a CJK font so Chinese labels render.

Topic modules (``crmlib.plots.segment``, ``crmlib.plots.clv`` …) hold the charts of one
analysis each; every chart gets a title and labelled axes via :func:`label`.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> setup()
'Noto Sans CJK SC'
>>> fig, ax = new_figure()
>>> _ = ax.bar(["上海", "北京"], [3, 2])
>>> label(ax, "客户数 by city", "city", "customers")
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.ticker import ScalarFormatter, StrMethodFormatter

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"  # shipped by the mplfonts package (SIL OFL)
PALETTE = "deep"


@lru_cache(maxsize=1)
def _register_cjk_font() -> str:
    path = files("mplfonts") / "fonts" / CJK_FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def setup() -> str:
    """Apply the workbook's chart style and a CJK-capable font; returns the font's name."""
    import seaborn as sns

    name = _register_cjk_font()
    sns.set_theme(style="whitegrid", palette=PALETTE)
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.bbox"] = "tight"
    return name


def new_figure(width: float = 8.0, height: float = 4.5, **kwargs):
    """A figure and axes in the workbook's default size."""
    return plt.subplots(figsize=(width, height), **kwargs)


def label(ax, title: str, xlabel: str, ylabel: str) -> None:
    """Set a chart's title and both axis labels (every chart has all three).

    Plain numeric axes reaching 10,000 get thousands separators instead of matplotlib's
    "1e6" offset, which readers misread; axes with their own formatter (e.g. %) are left alone.

    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1], [0, 2_500_000])
    >>> label(ax, "Revenue", "month", "CNY")
    >>> ax.yaxis.get_major_formatter()(2_000_000, 0)
    '2,000,000'
    """
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for axis, ticks in ((ax.yaxis, ax.get_yticks()), (ax.xaxis, ax.get_xticks())):
        if (type(axis.get_major_formatter()) is ScalarFormatter and axis.get_scale() == "linear"
                and len(ticks) and np.abs(ticks).max() >= 10_000):
            axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
