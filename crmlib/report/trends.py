"""Trends across runs for ``reports/index.html``: per run name, the headline KPIs of all its runs.

Each run name gets a row of small inline SVG charts (no script, no network), one per headline
number, with one point per run (by analysis date; reruns of one date keep their start order).
The values are each run's own exports (:func:`crmlib.report.compare.headline.headline_metrics`);
runs that were interrupted or are still running are left out. Every text in the SVG is escaped.

Example
-------
>>> series = {"revenue": [("2024-11-30", "r1", 327403.0), ("2024-12-31", "r2", 349062.8)]}
>>> svg = sparkline(series["revenue"], "money", "en", "Revenue this month")
>>> svg.startswith("<svg") and "<script" not in svg and "349,063" in svg
True
>>> "¥349,063" in sparkline(series["revenue"], "money", "zh", "本月收入", currency="CNY")
True
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from crmlib.display.format import Formats
from crmlib.lang import translator
from crmlib.report.compare.formatting import show
from crmlib.report.compare.headline import LABELS, headline_metrics
from crmlib.report.compare.runs import RunFolder

TREND_KPIS = ("revenue", "active_customers", "churn_rate", "csat", "clv_total", "value_at_risk_share")
"""The headline numbers charted per run name."""
SHOWN_STATUS = ("ok", "failed")
WIDTH, HEIGHT, PAD, TOP = 168, 58, 5, 22  # TOP: the KPI's name and its last value, on two lines


def trend_series(reports: Path, runs: list[dict]) -> dict[str, dict[str, list[tuple[str, str, float]]]]:
    """Run name -> KPI -> [(analysis date, run folder, value)] in analysis-date order.

    Parameters
    ----------
    reports : Path
        The reports folder.
    runs : list of dict
        The manifests as :func:`crmlib.report.index.list_runs` gives them (with ``folder``); only
        ``ok`` and ``failed`` runs count.

    Returns
    -------
    dict of str to dict of str to list of tuple of (str, str, float)
        The points of each KPI of :data:`TREND_KPIS` a run name has; reruns of a date by start.
    """
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    chosen = [r for r in runs if r.get("status") in SHOWN_STATUS]
    chosen.sort(key=lambda r: (str((r.get("dataset") or {}).get("analysis_date") or ""), str(r.get("started", ""))))
    for manifest in chosen:
        run = RunFolder(Path(reports) / manifest["folder"], manifest=manifest)
        metrics = headline_metrics(run)
        for key in TREND_KPIS:
            if key in metrics:
                out[run.name][key].append((run.analysis_date, manifest["folder"], metrics[key].value))
    return {name: dict(series) for name, series in out.items()}


def _shown(value: float, kind: str, lang: str, currency: str) -> str:
    """A value as the chart writes it: money with the currency's symbol when the run states one."""
    if kind == "money" and currency:
        return Formats(lang, currency).money(value, 0)
    return show(value, kind, lang)


def sparkline(points: list[tuple[str, str, float]], kind: str, lang: str, title: str, currency: str = "") -> str:
    """One KPI across runs as a small SVG line chart with the last value written beside it
    (money with ``currency``'s symbol: ``¥349,063``).

    Parameters
    ----------
    points : list of tuple of (str, str, float)
        (analysis date, run folder, value), in order; at least one.
    kind : str
        How values are written: ``"money"``, ``"count"``, ``"share"``, ``"percent"`` …
    lang : str
        The language the values are written in.
    title : str
        The KPI's name, shown above the chart.
    currency : str, optional
        The currency code for money (default "": no symbol).

    Returns
    -------
    str
        The ``<svg>`` element; each point's date, run and value in its tooltip.
    """
    esc = html.escape
    values = [p[2] for p in points]
    low, high = min(values), max(values)
    span = (high - low) or (abs(high) or 1.0)
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD - TOP
    step = plot_w / max(1, len(points) - 1)
    coords = [(PAD + (i * step if len(points) > 1 else plot_w / 2),
               PAD + TOP + plot_h - (v - low) / span * plot_h if high != low else PAD + TOP + plot_h / 2)
              for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2"><title>{esc(date)} · {esc(folder)}: '
                   f"{esc(_shown(value, kind, lang, currency))}</title></circle>"
                   for (x, y), (date, folder, value) in zip(coords, points, strict=True))
    last = esc(_shown(values[-1], kind, lang, currency))
    return (f'<svg class="trend" role="img" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>'
            f'<text x="{PAD}" y="10" font-size="10" fill="#4b5563">{esc(title)}</text>'
            f'<text x="{PAD}" y="23" font-size="11" fill="#111827" font-weight="bold">{last}</text>'
            f'<polyline points="{line}" fill="none" stroke="#1d4ed8" stroke-width="1.5"/>'
            f'<g fill="#1d4ed8">{dots}</g></svg>')


def render_trends(reports: Path, runs: list[dict], lang: str = "en") -> str:
    """The index's trends section as HTML ("" when no run has headline numbers); the charts of a
    run name speak the language of its newest run, the heading ``lang``.

    Parameters
    ----------
    reports : Path
        The reports folder.
    runs : list of dict
        The manifests as :func:`crmlib.report.index.list_runs` gives them.
    lang : str, optional
        The language of the heading (default ``"en"``).

    Returns
    -------
    str
        A ``<style>`` and a ``<section>`` with one row of charts per run name, or "".
    """
    _ = translator(lang)
    series = trend_series(reports, runs)
    languages = {str(r.get("name") or ""): str(((r.get("parameters") or {}).get("overrides") or {}).get("lang") or "en")
                 for r in sorted(runs, key=lambda r: str(r.get("started", "")))}
    if not series:
        return ""
    currencies = {str(r.get("name") or ""): RunFolder(Path(reports) / r["folder"], manifest=r).currency
                  for r in sorted(runs, key=lambda r: str(r.get("started", ""))) if r.get("status") in SHOWN_STATUS}
    kinds = {"revenue": "money", "active_customers": "count", "churn_rate": "share", "csat": "percent",
             "clv_total": "money", "value_at_risk_share": "share"}
    heading = _("Trends by run name")
    rows = []
    for name in sorted(series):
        own = languages.get(name, lang)
        _ = translator(own)
        currency = currencies.get(name, "")
        charts = "".join(sparkline(series[name][key], kinds[key], own, _(LABELS[key]), currency)
                         for key in TREND_KPIS if key in series[name])
        dates = sorted({d for points in series[name].values() for d, _f, _v in points})
        span = f"{dates[0]} – {dates[-1]}" if len(dates) > 1 else dates[0]
        runs_count = max(len(points) for points in series[name].values())
        count = _.ngettext("{n} run, {span}", "{n} runs, {span}", runs_count).format(n=runs_count, span=span)
        rows.append(f'<div class="trend-row"><div class="trend-name"><b>{html.escape(name)}</b><br>'
                    f'<small>{html.escape(count)}</small></div>'
                    f"{charts}</div>")
    style = ("<style>.trend-row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 6px 0; }"
             ".trend-name { width: 150px; } svg.trend { background: #f9fafb; border-radius: 4px; }</style>")
    return f'{style}<section class="trends"><h2>{html.escape(heading)}</h2>{"".join(rows)}</section>'
