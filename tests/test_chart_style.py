"""Charts a manager reads the same way on every page (issue 16, item 6): legends beside the data,
never over it; rates and shares as percentages; units in the axis labels; a segment or value tier in
one colour on every chart, whether it is named by key, in English or in Chinese. Small hand-made
tables, no notebook run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from crmlib.plots import SEGMENT_COLOURS, TIER_COLOURS, setup  # noqa: E402
from crmlib.plots import churn as churn_plots  # noqa: E402
from crmlib.plots import clv as clv_plots  # noqa: E402
from crmlib.plots import feedback as feedback_plots  # noqa: E402
from crmlib.plots import overview as overview_plots  # noqa: E402
from crmlib.plots import profit as profit_plots  # noqa: E402
from crmlib.plots import quality as quality_plots  # noqa: E402
from crmlib.profit import whale_curve  # noqa: E402

MONTHS = ["2024-01", "2024-02", "2024-03"]


@pytest.fixture(autouse=True)
def _style():
    setup()
    yield
    plt.close("all")


def _rates(groups: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"month": m, "group": g, "customers_at_start": 10, "churned": 1 + i,
                          "churn_rate": 0.1 + 0.02 * i} for i, g in enumerate(groups) for m in MONTHS])


def _legend_outside(fig) -> bool:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(ax.get_window_extent(renderer), ax.get_legend()) for ax in fig.axes if ax.get_legend()]
    return bool(boxes) and all(legend.get_window_extent(renderer).x0 >= axes.x1 for axes, legend in boxes)


def _calibration():
    table = pd.DataFrame({"mean_predicted": [0.1, 0.5, 0.9], "observed_churn_rate": [0.12, 0.45, 0.92]})
    return churn_plots.plot_calibration({"gb": table}, {"gb": "Gradient boosting"})


def test_legends_sit_beside_the_data_not_over_it():
    periods = pd.DataFrame({"period": [1, 2], "period_end": pd.to_datetime(["2024-01-07", "2024-01-14"]),
                            "actual": [3.0, 4.0], "in_holdout": [False, True], "bgnbd": [3.2, 3.9]})
    coverage = pd.DataFrame({"transactions": [5, 7, 9], "feedback": [1, 2, 2]}, index=MONTHS)
    shares = pd.DataFrame({"positive": [0.7], "neutral": [0.1], "negative": [0.2]}, index=["zh"])
    figures = {
        "churn rates": churn_plots.plot_churn_rates(_rates(["email", "search"])),
        "calibration": _calibration(),
        "tracking": clv_plots.plot_tracking(periods, {"bgnbd": "BG/NBD"}, pd.Timestamp("2024-01-07")),
        "whale": profit_plots.plot_whale_curve(whale_curve(pd.Series([50.0, 30.0, -20.0]))),
        "coverage": quality_plots.plot_coverage(coverage),
        "sentiment": feedback_plots.plot_sentiment_shares(shares),
    }
    assert {name: _legend_outside(fig) for name, fig in figures.items()} == dict.fromkeys(figures, True)


def test_rates_and_shares_read_as_percentages_and_money_axes_name_the_currency():
    ax = _calibration().axes[0]
    assert ax.yaxis.get_major_formatter()(0.25, 0) == "25%" and ax.xaxis.get_major_formatter()(0.5, 0) == "50%"
    shares = pd.DataFrame({"positive": [0.7], "neutral": [0.1], "negative": [0.2]}, index=["zh"])
    assert feedback_plots.plot_sentiment_shares(shares).axes[0].yaxis.get_major_formatter()(0.4, 0) == "40%"
    scores = pd.DataFrame({"frequency": [0, 1, 2], "p_alive": [0.2, 0.8, 0.9]})
    assert clv_plots.plot_p_alive(scores).axes[0].xaxis.get_major_formatter()(0.8, 0) == "80%"
    alive = pd.DataFrame([[0.2, 0.9], [0.1, 0.7]], index=[0, 1], columns=[0, 10])
    assert clv_plots.plot_matrix(alive, "P(alive)", "P(alive)", share=True).axes[1].yaxis.get_major_formatter()(
        0.5, 0) == "50%"
    profit = pd.DataFrame({"gross_margin": [10.0, 20.0], "profit": [5.0, -2.0]}, index=["a", "b"])
    assert profit_plots.plot_profit_by(profit, "segment", "CNY", lang="zh").axes[0].get_xlabel() == "¥"


def test_a_segment_or_tier_has_one_colour_on_every_chart_whatever_language_names_it():
    lines = churn_plots.plot_churn_rates(_rates(["冠军客户", "高风险客户"])).axes[0].get_lines()
    assert [to_hex(line.get_color()) for line in lines] == [SEGMENT_COLOURS["champions"], SEGMENT_COLOURS["at_risk"]]
    priority = pd.DataFrame({"segment": ["Champions", "At Risk", "Champions"], "value_at_risk": [5.0, 9.0, 1.0]})
    bars = churn_plots.plot_value_at_risk(priority, "segment").axes[0].patches
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [SEGMENT_COLOURS["champions"], SEGMENT_COLOURS["at_risk"]]
    comparison = pd.DataFrame({"mean_sentiment": [0.5, 0.1, -0.2]}, index=["高", "中", "低"])
    bars = feedback_plots.plot_group_comparison(comparison, {"mean_sentiment": "mean sentiment"}).axes[0].patches
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [TIER_COLOURS[t] for t in ("high", "medium", "low")]
    # channels are not segments: the chart's own colour cycle, two channels never share a colour
    lines = churn_plots.plot_churn_rates(_rates(["email", "search", "social"])).axes[0].get_lines()
    assert len({to_hex(line.get_color()) for line in lines}) == 3


def test_the_recommender_has_its_own_colour_and_every_comparison_a_distinct_grey():
    """The overview's four bars: no baseline may wear the recommender's colour (as it did with two colours cycled)."""
    fig = overview_plots.plot_hit_rates({"co-occurrence": 0.3, "EASE": 0.35, "popularity baseline": 0.2,
                                         "random (expected)": 0.05}, "Hit-rate@3", "recommender", "hit-rate")
    colours = [to_hex(bar.get_facecolor()) for bar in fig.axes[0].patches]
    plt.close(fig)
    def grey(colour):  # red = green = blue
        return len({colour[1:3], colour[3:5], colour[5:7]}) == 1

    assert len(set(colours)) == 4, colours
    assert not grey(colours[0]) and all(grey(c) for c in colours[1:]), colours
