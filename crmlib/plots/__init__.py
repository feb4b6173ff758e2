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
from matplotlib.ticker import FuncFormatter, ScalarFormatter, StrMethodFormatter

from crmlib.display.format import Formats

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"  # shipped by the mplfonts package (SIL OFL)
PALETTE = "deep"


@lru_cache(maxsize=1)
def _register_cjk_font() -> str:
    path = files("mplfonts") / "fonts" / CJK_FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def setup() -> str:
    """Apply the workbook's chart style and a CJK-capable font; returns the font's name.

    Returns
    -------
    str
        Family name of the registered CJK font (``"Noto Sans CJK SC"``).
    """
    import seaborn as sns

    name = _register_cjk_font()
    sns.set_theme(style="whitegrid", palette=PALETTE)
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.bbox"] = "tight"
    _sharp_inline_charts()
    return name


def _sharp_inline_charts() -> None:
    """In a kernel, draw notebook charts as 2x PNGs shown at their 1x size (``retina``): sharp on
    high-density screens and in the printed PDFs (about 200 dpi on A4 instead of 96)."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # no IPython: scripts and doctests draw no inline charts
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def new_figure(width: float = 8.0, height: float = 4.5, **kwargs):
    """A figure and axes in the workbook's default size.

    Parameters
    ----------
    width : float, default 8.0
        Figure width in inches.
    height : float, default 4.5
        Figure height in inches.
    **kwargs
        Passed to :func:`matplotlib.pyplot.subplots` (e.g. ``ncols``).

    Returns
    -------
    (Figure, Axes)
        The figure and its axes (an array of axes with several subplots).
    """
    return plt.subplots(figsize=(width, height), **kwargs)


def label(ax, title: str, xlabel: str, ylabel: str) -> None:
    """Set a chart's title and both axis labels (every chart has all three).

    Plain numeric axes reaching 10,000 get thousands separators instead of matplotlib's
    "1e6" offset, which readers misread; axes with their own formatter (e.g. %) are left alone.

    Parameters
    ----------
    ax : Axes
        The chart's axes.
    title : str
        Chart title.
    xlabel : str
        X-axis label.
    ylabel : str
        Y-axis label.

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


def currency_unit(currency: str, lang: str = "en") -> str:
    """The currency as an axis label shows it: its symbol in the language (``¥``, ``CN¥``, ``$``).

    Parameters
    ----------
    currency : str
        ISO 4217 code (e.g. ``"CNY"``); empty gives ``""``.
    lang : {"en", "zh"}, default "en"
        Language whose symbol is used.

    Returns
    -------
    str
        The currency symbol, or ``currency`` itself when it has none.
    """
    if not currency:
        return ""
    try:
        return Formats(lang, currency).currency_symbol()
    except (ValueError, LookupError):
        return currency


def percent_axis(ax, axis: str = "y", decimals: int = 0) -> None:
    """Show a 0–1 share or rate axis as percentages (0.15 -> 15%).

    Parameters
    ----------
    ax : Axes
        The chart's axes.
    axis : {"y", "x"}, default "y"
        Which axis to format (anything but ``"y"`` formats the x axis).
    decimals : int, default 0
        Decimals of the percentages.

    >>> fig, ax = new_figure()
    >>> percent_axis(ax)
    >>> ax.yaxis.get_major_formatter()(0.154, 0)
    '15%'
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.{decimals}f}%"))


def legend_outside(ax, **kwargs) -> None:
    """Put the legend to the right of the plot, outside the data (every chart with a legend does).

    Nothing is drawn when the axes have no labelled artists.

    Parameters
    ----------
    ax : Axes
        The chart's axes.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.legend`, overriding the placement defaults.

    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1], [0, 1], label="actual")
    >>> legend_outside(ax, title="series")
    >>> bool(ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1)
    True
    """
    if ax.get_legend_handles_labels()[0]:
        options = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0, "frameon": False,
                   **kwargs}
        ax.legend(**options)


# One colour per segment key / value tier / lifecycle stage on every page (seaborn "deep" and "muted").
TIER_COLOURS = {"high": "#4c72b0", "medium": "#dd8452", "low": "#c44e52"}
SEGMENT_COLOURS = {
    "champions": "#4c72b0", "loyal_customers": "#55a868", "potential_loyalists": "#8172b3", "new_customers": "#64b5cd",
    "promising": "#937860", "need_attention": "#dd8452", "about_to_sleep": "#da8bc3", "cant_lose_them": "#c44e52",
    "at_risk": "#e17c05", "hibernating": "#8c8c8c", "lost": "#4d4d4d",
    "important_value": "#4c72b0", "important_development": "#8172b3", "important_retention": "#55a868",
    "important_winback": "#c44e52", "general_value": "#64b5cd", "general_development": "#ccb974",
    "general_retention": "#937860", "general_winback": "#8c8c8c",
}


@lru_cache(maxsize=1)
def _label_keys() -> dict[str, str]:
    """Shown name -> key of every segment (both schemes) and value tier, in every language."""
    from crmlib.lang import LANGUAGES, pgettext
    from crmlib.segment.schemes import load_rules

    names = {}
    for scheme in load_rules().values():
        for entry in scheme:
            names.update({entry[lang]: entry["key"] for lang in LANGUAGES if entry.get(lang)})
    for tier in TIER_COLOURS:
        names.update({pgettext(lang, "Value tier", tier): tier for lang in LANGUAGES})
    return names


def colour_for(key: str, palette: dict[str, str] | None = None) -> str:
    """The fixed colour of a segment or value tier — by key or by its shown name in any language —
    so that a segment has one colour on every page (a stable colour from a hash for others).

    Parameters
    ----------
    key : str
        Segment or tier key, or its shown name in any language.
    palette : dict of str to str, optional
        Key -> colour (default: ``SEGMENT_COLOURS`` and ``TIER_COLOURS``).

    Returns
    -------
    str
        Hex colour (e.g. ``"#4c72b0"``).

    >>> colour_for("champions") == colour_for("Champions") == colour_for("冠军客户") == SEGMENT_COLOURS["champions"]
    True
    """
    palette = palette if palette is not None else {**SEGMENT_COLOURS, **TIER_COLOURS}
    key = key if key in palette else _label_keys().get(key, key)
    if key in palette:
        return palette[key]
    spare = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
             "#ccb974", "#64b5cd"]
    return spare[sum(map(ord, str(key))) % len(spare)]


def group_colours(groups) -> list[str] | None:
    """The fixed colours of ``groups`` when every one is a segment or value tier (key or shown
    name), else None (the chart's own colour cycle: channels, cities …).

    Parameters
    ----------
    groups : iterable
        Group names in plotting order (converted to str).

    Returns
    -------
    list of str or None
        One hex colour per group, or None if any group is not a segment or tier.

    >>> group_colours(["high", "低"]), group_colours(["email", "search"])
    (['#4c72b0', '#c44e52'], None)
    """
    palette = {**SEGMENT_COLOURS, **TIER_COLOURS}
    names = _label_keys()
    groups = [str(g) for g in groups]
    if not groups or not all(g in palette or names.get(g) in palette for g in groups):
        return None
    return [colour_for(g) for g in groups]
