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

from crmlib.lang import in_language as _t
from crmlib.plots import label, new_figure

GROUP_NAMES_ZH = {"segment": "客户细分", "acquisition_channel": "获客渠道", "region": "地区", "city": "城市",
                  "gender": "性别", "channel": "渠道"}


def group_label(by: str, lang: str) -> str:
    """A grouping column in words: "acquisition channel", or 获客渠道 in Chinese."""
    return _t(lang, by.replace("_", " "), GROUP_NAMES_ZH.get(by, by))


def plot_gap_distribution(purchase_days: pd.DataFrame, window_days: int, suggested: int | None = None,
                          share: float = 0.9, *, lang: str = "en", clip_quantile: float = 0.99):
    """Histogram of days between consecutive purchase days, with the chosen (and suggested) window."""
    gaps = purchase_days["gap_days"].dropna()
    fig, ax = new_figure()
    upper = float(gaps.quantile(clip_quantile)) if len(gaps) else 1.0
    ax.hist(gaps.clip(upper=upper), bins=50, color="#4c72b0")
    ax.axvline(window_days, color="#c44e52", linewidth=2,
               label=_t(lang, f"churn window: {window_days} days", f"流失窗口：{window_days} 天"))
    if suggested is not None and suggested != window_days:
        ax.axvline(suggested, color="black", linestyle="--",
                   label=_t(lang, f"{share:.0%} of gaps within {suggested} days", f"{share:.0%} 的间隔不超过 {suggested} 天"))
    ax.legend()
    label(ax, _t(lang, "Days between a customer's consecutive purchases", "客户相邻两次购买的间隔天数"),
          _t(lang, f"gap in days (clipped at the {clip_quantile:.0%} quantile)", f"间隔天数（截断于 {clip_quantile:.0%} 分位）"),
          _t(lang, "repeat purchases", "复购次数"))
    return fig


def plot_churn_rates(rates: pd.DataFrame, *, lang: str = "en", title: str | None = None):
    """Monthly churn rate, one line per group."""
    fig, ax = new_figure()
    for group, part in rates.groupby("group", sort=True):
        ax.plot(part["month"], part["churn_rate"], marker="o", markersize=3, label=str(group))
    if rates["group"].nunique() > 1:
        ax.legend(title=_t(lang, "group", "分组"), fontsize="small")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylim(bottom=0)
    ticks = sorted(rates["month"].unique())
    ax.set_xticks(ticks[:: max(1, -(-len(ticks) // 12))])
    label(ax, title or _t(lang, "Monthly churn rate (churned / active at the start of the month)",
                          "月流失率（当月流失 / 月初活跃客户）"),
          _t(lang, "month", "月份"), _t(lang, "churn rate", "流失率"))
    fig.autofmt_xdate()
    return fig


def plot_cohort_heatmap(matrix: pd.DataFrame, *, lang: str = "en", max_months: int = 18):
    """Retention by first-purchase month (rows) and months since (columns), as a heatmap."""
    import seaborn as sns

    shown = matrix.iloc[:, : max_months + 1]
    fig, ax = new_figure(10, max(4.0, 0.28 * len(shown) + 1.5))
    sns.heatmap(shown, ax=ax, cmap="Blues", vmin=0, vmax=max(0.5, float(np.nanmax(shown.to_numpy()[:, 1:]))
                                                               if shown.shape[1] > 1 else 1.0),
                annot=shown.shape[1] <= 13, fmt=".0%", cbar_kws={"label": _t(lang, "share buying", "购买占比")},
                mask=shown.isna())
    label(ax, _t(lang, "Cohort retention: share of each first-purchase month buying N months later",
                 "同期群留存：各首购月份客户在 N 个月后仍购买的比例"),
          _t(lang, "months since first purchase", "首购后月数"), _t(lang, "first-purchase month (cohort)", "首购月份（同期群）"))
    return fig


def plot_survival(result, *, lang: str = "en", title: str | None = None):
    """Kaplan–Meier survival curves (with 95 % bands) of each group."""
    fig, ax = new_figure()
    for fitter in result.fitters.values():
        fitter.plot_survival_function(ax=ax, ci_show=len(result.fitters) <= 6)
    if np.isfinite(result.logrank_p_value):
        ax.text(0.99, 0.97, _t(lang, f"log-rank p = {result.logrank_p_value:.3g}",
                               f"对数秩检验 p = {result.logrank_p_value:.3g}"),
                transform=ax.transAxes, ha="right", va="top")
    ax.set_ylim(0, 1.02)
    label(ax, title or _t(lang, "Customer survival (Kaplan–Meier)", "客户生存曲线（Kaplan–Meier）"),
          _t(lang, "days since first purchase", "首购后天数"), _t(lang, "share not yet churned", "尚未流失的比例"))
    return fig


def plot_lift(lift: dict[str, pd.DataFrame], labels: dict[str, str], *, lang: str = "en"):
    """Lift by decile of predicted risk, one bar group per model."""
    fig, ax = new_figure()
    width = 0.8 / max(len(lift), 1)
    for i, (name, table) in enumerate(lift.items()):
        ax.bar(table["decile"] + (i - (len(lift) - 1) / 2) * width, table["lift"], width=width,
               label=labels.get(name, name))
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.set_xticks(range(1, 11))
    ax.legend(fontsize="small")
    label(ax, _t(lang, "Lift by decile of predicted churn risk (test cutoff)", "按预测流失风险十分位的提升度（测试截点）"),
          _t(lang, "decile (1 = highest predicted risk)", "十分位（1 = 预测风险最高）"),
          _t(lang, "churn rate / overall churn rate", "流失率 / 总体流失率"))
    return fig


def plot_calibration(calibration: dict[str, pd.DataFrame], labels: dict[str, str], *, lang: str = "en"):
    """Predicted vs observed churn rate per bin of prediction (perfect calibration on the diagonal)."""
    fig, ax = new_figure(6, 5)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=_t(lang, "perfect calibration", "完美校准"))
    for name, table in calibration.items():
        ax.plot(table["mean_predicted"], table["observed_churn_rate"], marker="o", label=labels.get(name, name))
    ax.legend(fontsize="small")
    label(ax, _t(lang, "Calibration on the test cutoff", "测试截点上的校准曲线"),
          _t(lang, "mean predicted churn probability", "平均预测流失概率"),
          _t(lang, "observed churn rate", "实际流失率"))
    return fig


def plot_importance(importance: pd.DataFrame, *, lang: str = "en", top: int = 10):
    """Permutation importance (drop in ROC-AUC) of the ``top`` features, with labels in plain words."""
    from crmlib.churn.features import feature_label

    shown = importance.head(top).iloc[::-1]
    fig, ax = new_figure(8, 0.35 * len(shown) + 1.5)
    names = [feature_label(f, lang) for f in shown["feature"]]
    ax.barh(names, shown["importance"], xerr=shown["importance_std"], color="#55a868")
    label(ax, _t(lang, "What drives predicted churn (permutation importance)", "预测流失的驱动因素（置换重要性）"),
          _t(lang, "drop in ROC-AUC when the feature is shuffled", "打乱该特征后 ROC-AUC 的下降"),
          _t(lang, "feature", "特征"))
    return fig


def plot_reason_shares(shares: pd.DataFrame, by: str | None = None, *, lang: str = "en"):
    """Share of each exit reason; stacked bars per ``by`` group when given."""
    from crmlib.churn.reasons import reason_label

    if by is None:
        fig, ax = new_figure()
        ax.barh([reason_label(r, lang) for r in shares["reason"]][::-1], shares["share"].to_numpy()[::-1],
                color="#8172b2")
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        label(ax, _t(lang, "Why customers say they left (exit survey)", "客户自述的流失原因（离开调查）"),
              _t(lang, "share of answers", "回答占比"), _t(lang, "reason", "原因"))
        return fig
    table = shares.pivot(index=by, columns="reason", values="share").fillna(0.0)
    table.columns = [reason_label(c, lang) for c in table.columns]
    fig, ax = new_figure()
    table.plot(kind="barh", stacked=True, ax=ax)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize="small", bbox_to_anchor=(1.0, 1.0), loc="upper left")
    name = group_label(by, lang)
    label(ax, _t(lang, f"Exit reasons by {name}", f"按{name}的流失原因"), _t(lang, "share of answers", "回答占比"), name)
    return fig


def plot_reason_trend(trend: pd.DataFrame, *, lang: str = "en"):
    """Share of each exit reason per period."""
    from crmlib.churn.reasons import reason_label

    fig, ax = new_figure()
    for reason in trend.columns:
        ax.plot(trend.index, trend[reason], marker="o", label=reason_label(reason, lang))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize="small")
    label(ax, _t(lang, "Exit reasons over time", "流失原因的变化趋势"),
          _t(lang, "period", "期间"), _t(lang, "share of answers", "回答占比"))
    return fig


def plot_value_at_risk(priority: pd.DataFrame, by: str = "segment", *, lang: str = "en", currency: str = ""):
    """Total value at risk per group (e.g. segment), largest first."""
    totals = priority.groupby(priority[by].fillna("unknown").astype(str))["value_at_risk"].sum()
    totals = totals.sort_values()
    fig, ax = new_figure(8, 0.35 * len(totals) + 1.5)
    ax.barh(totals.index, totals.to_numpy(), color="#c44e52")
    name = group_label(by, lang)
    label(ax, _t(lang, f"Value at risk by {name} (churn probability × value if retained)",
                 f"按{name}的风险价值（流失概率 × 留存价值）"),
          _t(lang, f"value at risk {currency}".strip(), f"风险价值 {currency}".strip()), name)
    return fig
