"""The run's digest: at most 15 lines a manager reads in a minute (``digest.md``, ``digest.txt``).

In the run's language: the status, crossed alerts, failed notebooks, what the run was
compared with (and what was not comparable), 3–5 headline numbers with their change, the
retention list's movement, the 3 largest other changes, and where the comparison and the index
are. ``crm-workbook run --digest`` prints the text version at the end, so cron mails it.

The largest changes are ranked by the size of the change relative to the earlier value, among
the numbers that are not headline numbers: other KPIs, customers per segment and per value
tier, CLV per tier and complaint-category shares (groups smaller than :data:`MIN_GROUP` customers
or shares below :data:`MIN_SHARE` are left out as too noisy to rank).

Example
-------
>>> lines = digest_lines({"status": "nothing_to_compare", "reason": "first_run", "alerts": [],
...     "run": {"run_id": "r1", "name": "monthly", "analysis_date": "2024-12-31", "currency": "CNY"}},
...     headline={"revenue": 349062.79}, kinds={"revenue": "money"},
...     notebooks={"01_overview": "ok"}, compare_html="reports/r1/compare.html", index_html="reports/index.html")
>>> lines[0]
'CRM workbook · monthly · analysis date 2024-12-31: all 1 notebooks succeeded'
>>> len(lines) <= MAX_LINES
True
"""

from __future__ import annotations

import math
from pathlib import Path

from crmlib.files import atomic_write
from crmlib.lang import translator
from crmlib.report.compare.feedback import category_label
from crmlib.report.compare.formatting import show, show_change
from crmlib.report.compare.headline import LABELS

MAX_LINES = 15
HEADLINE = ("revenue", "active_customers", "churn_rate", "clv_total", "csat", "value_at_risk", "customers",
            "orders")
"""Headline numbers in order of preference; the first five a run has are shown."""
MONEY = {"revenue", "aov", "cac", "clv_total", "value_at_risk"}
MIN_GROUP = 30
MIN_SHARE = 0.02
NOT_COMPARED = {"first_run": "Nothing to compare: this is the first successful run of this name.",
                "skipped": "Not compared with an earlier run (--no-compare).",
                "not_found": "Not compared: the run given with --compare was not found."}
TIER_LABELS = {"high": "High value", "medium": "Medium value", "low": "Low value", "unassigned": "No tier"}


def digest_lines(changes: dict, *, headline: dict[str, float], kinds: dict[str, str],
                 notebooks: dict[str, str], compare_html: str | None, index_html: str,
                 markdown: bool = False) -> list[str]:
    """The digest as lines (plain text, or Markdown with ``markdown``), at most :data:`MAX_LINES`.

    Parameters
    ----------
    changes : dict
        The comparison (``changes.json``'s content, with ``alerts``); ``run`` names the language.
    headline : dict of str to float
        The run's headline numbers (:func:`crmlib.report.compare.headline.headline_metrics`).
    kinds : dict of str to str
        Each headline number's kind (``"money"``, ``"share"`` …), for how it is written.
    notebooks : dict of str to str
        Each notebook's status by stem.
    compare_html : str or None
        The path of ``compare.html`` to point at (None: not named).
    index_html : str
        The path of the reports' ``index.html`` to point at.
    markdown : bool, optional
        Markdown (a heading, then list items) instead of plain text (default False).

    Returns
    -------
    list of str
        The lines, without newlines: title, alerts, comparison, numbers, retention, changes, links.
    """
    run = changes.get("run") or {}
    lang = run.get("lang") or "en"
    _ = translator(lang)
    bullet = "- " if markdown else "  "
    item = "- " if markdown else ""  # Markdown: every line a list item, so no two lines run together
    failed = [nb for nb, status in notebooks.items() if status != "ok"]
    if failed:
        status = _("{failed} of {total} notebooks failed").format(failed=len(failed), total=len(notebooks))
    else:
        status = _("all {total} notebooks succeeded").format(total=len(notebooks))
    title = _("CRM workbook · {name} · analysis date {date}: {status}").format(
        name=run.get("name", ""), date=run.get("analysis_date", ""), status=status)
    top = [("# " if markdown else "") + title]

    alerts = [a for a in changes.get("alerts", []) if a.get("crossed")]
    alert = f"**{_('ALERT')}**" if markdown else _("ALERT")
    alert_lines = [item + _("{label}: {text}").format(label=alert, text=a["message"]) for a in alerts]
    if failed:
        top.append(item + _("Failed: {notebooks}").format(notebooks=", ".join(failed)))
    top.append(item + _compared_line(changes, _))

    rows = {r["key"]: r for r in ((changes.get("sections") or {}).get("kpis") or {}).get("rows", [])}
    currency = run.get("currency") or ""
    numbers = []
    for key in [k for k in HEADLINE if k in headline][:5]:
        value = show(headline[key], kinds.get(key, "number"), lang) + (f" {currency}" if key in MONEY and currency else "")
        row = rows.get(key)
        if row and row.get("change") is not None:
            value = _("{value} ({change})").format(value=value, change=show_change(row["change"], row["change_kind"],
                                                                                   lang))
        numbers.append(bullet + _("{label}: {text}").format(label=_(LABELS.get(key, key)), text=value))
    retention = [item + line for line in _retention_line(changes, _, lang)]
    nested = "  - " if markdown else "  "
    largest = [nested + line for line in largest_changes(changes, exclude=set(HEADLINE), lang=lang)]
    where = [_("Comparison: {page}").format(page=compare_html) if compare_html else "",
             _("All runs: {index}").format(index=index_html)]
    bottom = [item + " · ".join(w for w in where if w)]

    # fit in MAX_LINES: fewer largest changes first, then headline numbers down to three, then alerts
    def total() -> int:
        return (len(top) + len(alert_lines) + len(numbers) + len(retention) + len(bottom)
                + (len(largest) + 1 if largest else 0))
    while total() > MAX_LINES and largest:
        largest.pop()
    while total() > MAX_LINES and len(numbers) > 3:
        numbers.pop()
    while total() > MAX_LINES and retention:
        retention.pop()
    if total() > MAX_LINES:
        keep = max(1, len(alert_lines) - (total() - MAX_LINES) - 1)
        alert_lines = alert_lines[:keep] + [item + _("… and {n} more alerts (see exports/changes.json)").format(
            n=len(alert_lines) - keep)]
    header = [item + _("Largest other changes:")] if largest else []
    lines = [top[0], *alert_lines, *top[1:], *numbers, *retention, *header, *largest, *bottom]
    return lines[:MAX_LINES]


def _compared_line(changes: dict, _) -> str:
    if changes.get("status") != "compared":
        return _(NOT_COMPARED.get(changes.get("reason"), NOT_COMPARED["first_run"]))
    then = changes["compared_with"]
    line = _("Compared with {run_id} (analysis date {date}).").format(run_id=then["run_id"],
                                                                       date=then["analysis_date"])
    found = changes.get("not_comparable") or []
    if found:
        line += " " + _("Not comparable: {what}.").format(
            what="; ".join(f"{_(d['what'])} {d['then']} → {d['now']}" for d in found[:2]))
    return line


def _retention_line(changes: dict, _, lang: str) -> list[str]:
    section = (changes.get("sections") or {}).get("retention") or {}
    if section.get("status") != "compared":
        return []
    return [_("Retention list (top {n} by value at risk): {entered} new, {left} left.").format(
        n=show(section["top_n"], "count", lang), entered=show(section["entered"], "count", lang),
        left=show(section["left"], "count", lang))]


def largest_changes(changes: dict, exclude: set[str], lang: str = "en", n: int = 3) -> list[str]:
    """The ``n`` largest relative changes among the non-headline numbers, as sentences.

    Parameters
    ----------
    changes : dict
        The comparison (``changes.json``'s content).
    exclude : set of str
        KPI keys left out (the headline numbers).
    lang : str, optional
        The language of the sentences (default ``"en"``).
    n : int, optional
        How many (default 3).

    Returns
    -------
    list of str
        Up to ``n`` sentences ``"label: then → now (change)"``, the largest change first.
    """
    _ = translator(lang)
    sections = changes.get("sections") or {}
    candidates: list[tuple[float, str]] = []

    def add(name: str, then, now, text: str, minimum: float = 0.0) -> None:
        if _finite(then) and _finite(now) and abs(then) > minimum and then != 0:
            candidates.append((abs(now - then) / abs(then), _("{label}: {text}").format(label=name, text=text)))

    for row in (sections.get("kpis") or {}).get("rows", []):
        if row["key"] not in exclude and row.get("change") is not None:
            add(_(LABELS.get(row["key"], row["key"])), row["then"], row["now"], _("{value} ({change})").format(
                value=f"{show(row['then'], row['kind'], lang)} → {show(row['now'], row['kind'], lang)}",
                change=show_change(row["change"], row["change_kind"], lang)))
    for kind in ("segments", "tiers"):
        section = sections.get(kind) or {}
        if section.get("status") != "compared":
            continue
        labels = section.get("labels", {})
        for row in section["counts"]:
            name = labels.get(row["key"], row["key"]) if kind == "segments" else _(TIER_LABELS.get(row["key"], row["key"]))
            add(name, row["then"], row["now"],
                _("{then} → {now} customers").format(then=show(row["then"], "count", lang),
                                                      now=show(row["now"], "count", lang)), MIN_GROUP)
    for row in (((sections.get("clv") or {}).get("by_tier") or {}).get("rows") or []):
        add(_("CLV of the tier: {tier}").format(tier=_(TIER_LABELS.get(row["key"], row["key"]))), row["then"],
            row["now"], _("{value} ({change})").format(
                value=f"{show(row['then'], 'money', lang)} → {show(row['now'], 'money', lang)}",
                change=show_change(row["change"], "relative", lang)))
    for row in (sections.get("feedback") or {}).get("rows", []):
        if row["key"].startswith("category:"):
            name = category_label(row["key"].split(":", 1)[1], lang)
            add(_("Share of complaints: {category}").format(category=name), row["then"],
                row["now"], f"{show(row['then'], 'share', lang)} → {show(row['now'], 'share', lang)}", MIN_SHARE)
    candidates.sort(key=lambda c: -c[0])
    return [text for _score, text in candidates[:n]]


def write_digest(folder: Path, lines_md: list[str], lines_txt: list[str]) -> tuple[Path, Path]:
    """Write ``digest.md`` and ``digest.txt`` into the run folder (atomically).

    Parameters
    ----------
    folder : Path
        The run folder.
    lines_md : list of str
        The Markdown digest's lines (:func:`digest_lines` with ``markdown=True``).
    lines_txt : list of str
        The plain-text digest's lines.

    Returns
    -------
    tuple of (Path, Path)
        The written ``digest.md`` and ``digest.txt``.
    """
    md = atomic_write(Path(folder) / "digest.md", ("\n".join(lines_md) + "\n").encode("utf-8"))
    txt = atomic_write(Path(folder) / "digest.txt", ("\n".join(lines_txt) + "\n").encode("utf-8"))
    return md, txt


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
