"""KPI cards for a page's first screen: the value, its change against the previous month coloured
by whether that is good or bad for the KPI, and a sparkline (inline SVG: no script, no network).

Every report page opens with a row of cards: :data:`PAGE_KPIS` names the monthly KPIs of each page
(``Workbook.page_cards``), :data:`KPI_NAMES` their shown names. A row displayed in a notebook
carries :data:`FIRST_SCREEN_KEY` in its output metadata, so the report page can put it right under
the title (:mod:`crmlib.report.firstscreen`).

Example
-------
>>> from crmlib.display.format import Formats
>>> card = kpi_card("churn_rate", "Churn rate", [0.12, 0.13, 0.15], "2024-12", Formats("en", "CNY"))
>>> card.value, card.change, card.tone
('15.0%', '+2.0 pp', 'bad')
>>> "<svg" in render_cards([card])._repr_html_()
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.display.format import MISSING, Formats
from crmlib.lang import N_, translator

FIRST_SCREEN_KEY = "crmlib_first_screen"  # output metadata of a row of cards: the page's first screen


@dataclass(frozen=True)
class KpiStyle:
    """How a KPI is shown: its kind (``money``, ``percent`` for 0–1 shares, ``percent100`` for
    0–100, ``count``, ``number``, ``score`` for points such as NPS), decimals, and whether a rise is good (None: neither)."""

    kind: str
    decimals: int = 0
    higher_is_better: bool | None = True


KPI_STYLES = {
    "revenue": KpiStyle("money", 0),
    "orders": KpiStyle("count"),
    "active_customers": KpiStyle("count"),
    "new_customers": KpiStyle("count"),
    "aov": KpiStyle("money", 2),
    "purchase_frequency": KpiStyle("number", 2),
    "repeat_purchase_rate": KpiStyle("percent", 1),
    "churn_rate": KpiStyle("percent", 1, higher_is_better=False),
    "cac": KpiStyle("money", 2, higher_is_better=False),
    "csat": KpiStyle("percent100", 1),
    "nps": KpiStyle("score", 1),
    "value_at_risk": KpiStyle("money", 0, higher_is_better=False),
    "customers": KpiStyle("count"),
    "clv": KpiStyle("money", 0),
    "share": KpiStyle("percent", 1),
}


KPI_NAMES = {
    "revenue": N_("Revenue"), "orders": N_("Orders"), "active_customers": N_("Buyers this month"),
    "new_customers": N_("First-time buyers this month"), "aov": N_("Average order value"),
    "purchase_frequency": N_("Orders per buyer this month"), "repeat_purchase_rate": N_("Repeat purchase rate"),
    "churn_rate": N_("Churn rate"), "cac": N_("CAC"), "csat": "CSAT", "nps": "NPS",
}
"""The shown name (message id) of each monthly KPI of :func:`crmlib.overview.kpi.monthly_kpis`."""

PAGE_KPIS = {
    "data_quality": ("orders", "revenue", "active_customers", "new_customers"),
    "overview": ("revenue", "active_customers", "churn_rate", "repeat_purchase_rate", "aov", "new_customers",
                 "cac", "nps"),
    "segmentation": ("active_customers", "new_customers", "repeat_purchase_rate", "purchase_frequency"),
    "clv": ("revenue", "aov", "purchase_frequency", "repeat_purchase_rate"),
    "churn": ("churn_rate", "active_customers", "repeat_purchase_rate", "new_customers"),
    "feedback": ("csat", "nps", "churn_rate", "active_customers"),
    "journey": ("new_customers", "cac", "active_customers", "revenue"),
    "profitability": ("revenue", "aov", "orders", "active_customers"),
}
"""The KPIs on each page's first screen, in order (a KPI the dataset cannot give is left out; an even
number fills the two columns of a phone)."""


@dataclass(frozen=True)
class Card:
    """One KPI card, all text already formatted and translated."""

    label: str
    value: str
    change: str = ""
    tone: str = "neutral"  # "good", "bad" or "neutral"
    series: tuple[float, ...] = ()
    note: str = ""


def _value(value, style: KpiStyle, formats: Formats) -> str:
    if style.kind == "money":
        return formats.money(value, style.decimals)
    if style.kind == "percent":
        return formats.percent(value, style.decimals)
    if style.kind == "percent100":
        return formats.percent(value / 100 if value is not None else None, style.decimals)
    if style.kind == "count":
        return formats.count(value)
    return formats.number(value, style.decimals)


def _change(value: float, previous: float, style: KpiStyle, formats: Formats) -> tuple[str, str]:
    """(text, tone) of the change from ``previous`` to ``value``."""
    if previous is None or value is None or not np.isfinite(previous) or not np.isfinite(value):
        return "", "neutral"
    difference = value - previous
    if style.kind == "percent":
        text = formats.points(difference, 1)
    elif style.kind == "percent100":
        text = formats.points(difference / 100, 1)
    elif style.kind == "score":
        text = ("+" if difference > 0 else "") + formats.number(difference, style.decimals)
    elif previous:
        text = formats.change(difference / abs(previous), 1)
    else:
        text = ""
    if difference == 0 or style.higher_is_better is None:
        return text, "neutral"
    return text, "good" if (difference > 0) == style.higher_is_better else "bad"


def kpi_card(kpi: str, label: str, series: Sequence[float], period, formats: Formats,
             note: str = "") -> Card:
    """The card of one KPI from its monthly ``series`` (last value = ``period``, the month shown).

    Parameters
    ----------
    kpi : str
        KPI key of ``KPI_STYLES`` (an unknown key is a plain number with 2 decimals, no tone).
    label : str
        The shown name, already translated.
    series : sequence of float
        One value per consecutive month, oldest first, the last one for ``period``. A missing
        value (None or NaN) is a month without the KPI: the change is only ever against the
        month right before ``period``, so none is shown when that month is missing (never
        against an older month), and missing months are left out of the sparkline.
    period : str or Period or None
        The month of the last value (``"2024-12"``), named in the note; None for no note.
    formats : Formats
        Language and currency of the card's text.
    note : str, optional
        Text under the card; default ``""`` uses "<month>, vs the month before".

    Returns
    -------
    Card
        Formatted value, change against the month before (empty without it), its tone and the
        values of the last 12 months; the value is shown as missing when the last month is.
    """
    months = [None if v is None or pd.isna(v) else float(v) for v in series]
    style = KPI_STYLES.get(kpi, KpiStyle("number", 2, None))
    if not months or months[-1] is None:
        return Card(label, MISSING, note=note)
    previous = months[-2] if len(months) > 1 else None  # the month really before, or None when missing
    change, tone = _change(months[-1], previous, style, formats)
    if not note and period is not None:
        _ = translator(formats.lang)
        note = _("{month}, vs the month before").format(month=formats.month(pd.Period(str(period), "M")))
    return Card(label, _value(months[-1], style, formats), change, tone,
                tuple(v for v in months[-12:] if v is not None), note)


def value_card(label: str, value: str, note: str = "") -> Card:
    """A card for a number without a monthly series (already formatted).

    Parameters
    ----------
    label : str
        The shown name, already translated.
    value : str
        The formatted value.
    note : str, optional
        Text under the card; default ``""`` (none).

    Returns
    -------
    Card
        A neutral card without change or sparkline.
    """
    return Card(label, value, note=note)


def sparkline_svg(values: Sequence[float], width: int = 120, height: int = 28) -> str:
    """A line of ``values`` as inline SVG (empty for fewer than two values).

    Parameters
    ----------
    values : sequence of float
        The points, oldest first; scaled to the height between their minimum and maximum.
    width : int, optional
        Width in pixels; default 120.
    height : int, optional
        Height in pixels; default 28.

    Returns
    -------
    str
        An ``<svg>`` element with the line and a dot on the last value, or ``""``.
    """
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                      for i, v in enumerate(values))
    last_x, last_y = points.split(" ")[-1].split(",")
    return (f'<svg class="crm-spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-hidden="true"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
            f'points="{points}"/><circle cx="{last_x}" cy="{last_y}" r="2.5" fill="currentColor"/></svg>')


@dataclass
class Cards:
    """A row of cards; Jupyter shows ``_repr_html_``."""

    cards: list[Card]

    def _repr_html_(self) -> str:
        esc = html.escape
        notes = {card.note for card in self.cards}
        shared = notes.pop() if len(notes) == 1 and len(self.cards) > 1 else ""  # said once, under the row
        parts = []
        for card in self.cards:
            change = (f'<div class="crm-card-change crm-{esc(card.tone)}">{esc(card.change)}</div>'
                      if card.change else "")
            note = f'<div class="crm-card-note">{esc(card.note)}</div>' if card.note and not shared else ""
            parts.append(f'<div class="crm-card"><div class="crm-card-label">{esc(card.label)}</div>'
                         f'<div class="crm-card-value">{esc(card.value)}</div>{change}'
                         f'{sparkline_svg(card.series)}{note}</div>')
        caption = f'<div class="crm-cards-note">{esc(shared)}</div>' if shared else ""
        return f'<div class="crm-cards">{"".join(parts)}</div>{caption}'

    def __repr__(self) -> str:
        return "\n".join(f"{c.label}: {c.value} {c.change}".rstrip() for c in self.cards)


def render_cards(cards: Sequence[Card]) -> Cards:
    """``cards`` as one displayable row.

    Parameters
    ----------
    cards : sequence of Card
        The cards, in display order.

    Returns
    -------
    Cards
        The row; Jupyter shows its HTML, a shared note once under the row.
    """
    return Cards(list(cards))
