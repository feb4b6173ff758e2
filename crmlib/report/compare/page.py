"""``compare.html``: the comparison with the previous run as one offline page a manager reads.

Every number on the page is an HTML ``<data>`` element whose ``value`` is the exact number and
whose ``data-source``/``data-key`` say where it comes from (a JSON pointer into
``changes.json``, or a row and column of ``new_at_risk.csv``), so a test — or a reader — can
check each one against the exports. Every text from a run (labels, ids, file names) is escaped;
customer ids are pseudonymised when the run was (``salt``); the page loads nothing.

Example
-------
>>> page = render_page({"status": "nothing_to_compare", "reason": "first_run",
...                     "run": {"run_id": "r1", "name": "monthly", "analysis_date": "2024-12-31"}})
>>> "nothing to compare" in page and "<script" not in page
True
"""

from __future__ import annotations

import html
import math

import pandas as pd

from crmlib.lang import babel_locale, translator
from crmlib.report.compare.feedback import category_label
from crmlib.report.compare.formatting import MISSING, show, show_change
from crmlib.report.compare.headline import BETTER, LABELS

CSS = """
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", sans-serif; margin: 0; color: #111827; }
main { margin: 0 16px 32px; max-width: 1100px; }
.crm-nav { padding: 8px 12px; margin-bottom: 12px; background: #f3f4f6; border-bottom: 1px solid #d1d5db; }
.crm-nav a { margin-right: 14px; color: #1d4ed8; text-decoration: none; }
.crm-nav a[aria-current="page"] { font-weight: bold; color: #111827; }
h1 { font-size: 22px; margin: 4px 0 8px; } h2 { font-size: 18px; margin: 24px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #4b5563; } .good { color: #166534; } .bad { color: #991b1b; }
.box { padding: 8px 12px; margin: 10px 0; border-radius: 4px; }
.alert { background: #fee2e2; color: #991b1b; border: 1px solid #f87171; }
.warn { background: #fef3c7; color: #92400e; border: 1px solid #fbbf24; }
.flag { color: #991b1b; font-weight: bold; }
"""
TIER_LABELS = {"high": "High value", "medium": "Medium value", "low": "Low value", "unassigned": "No tier"}
ENTERED_LABELS = {"new_customer": "new customer", "risk_rose": "churn risk rose", "value_rose": "value rose",
                  "others_fell": "others fell away"}
LEFT_LABELS = {"bought_again": "bought again", "churned": "churned (past the churn window)",
               "not_scored": "no longer scored", "value_fell": "value at risk fell",
               "overtaken": "others rose above"}
FEEDBACK_LABELS = {"csat": "CSAT (all ratings)", "nps": "NPS (all answers)"}
FILE_CHANGES = {"changed": "changed", "unchanged": "unchanged", "added": "added", "removed": "removed"}
AREA_LABELS = {"currency": "money amounts", "transactions": "everything computed from transactions",
               "customers": "what uses the customers table", "marketing": "CAC",
               "churn": "churn rate, value at risk and the retention list", "segments": "segments",
               "tiers": "value tiers", "clv": "CLV", "value": "value at risk and the retention list",
               "feedback": "feedback"}


class Page:
    """Builds the page's HTML pieces in one language (numbers as ``<data>`` with their source).

    Parameters
    ----------
    changes : dict
        The comparison (``changes.json``'s content, :func:`crmlib.report.compare.compare_runs`).
    lang : str
        Language of the page's texts and numbers, e.g. ``"en"`` or ``"zh"``.
    salt : str, optional
        Salt that pseudonymises customer ids; None (default) shows them as they are.
    """

    def __init__(self, changes: dict, lang: str, salt: str | None = None):
        self.changes, self.lang, self.salt = changes, lang, salt
        self._ = translator(lang)

    def text(self, message: str, **values) -> str:
        """A catalogue message, filled with ``values`` and escaped.

        Parameters
        ----------
        message : str
            The catalogue message (English), with ``{name}`` placeholders.
        **values
            The placeholders' values, put in as text.

        Returns
        -------
        str
            The translated, filled message, HTML-escaped.
        """
        return html.escape(self._(message).format(**values))

    def html(self, message: str, **pieces: str) -> str:
        """A catalogue message, escaped, with ``pieces`` of ready HTML (e.g. numbers) put in.

        Parameters
        ----------
        message : str
            The catalogue message (English), with ``{name}`` placeholders.
        **pieces : str
            HTML put in for the placeholders as it is (not escaped).

        Returns
        -------
        str
            The translated message, escaped, with the pieces in.
        """
        return html.escape(self._(message)).format(**pieces)

    def number(self, value, kind: str, key: str, source: str = "changes.json") -> str:
        """A number as a ``<data>`` element naming its source.

        Parameters
        ----------
        value : int or float
            The exact number (the element's ``value``).
        kind : str
            How it is shown: count, money, share, percent, points or number (:func:`show`).
        key : str
            Where it comes from: a JSON pointer into ``changes.json``, or ``row/column`` of a CSV.
        source : str, optional
            The file it comes from; default ``"changes.json"``.

        Returns
        -------
        str
            The ``<data>`` element, or :data:`MISSING` when ``value`` is not a finite number.
        """
        if not _finite(value):
            return MISSING
        return (f'<data value="{_exact(value)}" data-source="{html.escape(source)}" data-key="{html.escape(key)}">'
                f"{html.escape(show(value, kind, self.lang))}</data>")

    def delta(self, value, change_kind: str, key: str, better: int = 0) -> str:
        """A change as a ``<data>`` element, green when it is good and red when it is bad.

        Parameters
        ----------
        value : int or float
            The change.
        change_kind : str
            ``"relative"``, ``"points"`` or ``"difference"`` (:func:`show_change`).
        key : str
            JSON pointer of the change in ``changes.json``.
        better : int, optional
            +1 (a rise is good, shown green), −1 (a rise is bad) or 0 (default: neutral).

        Returns
        -------
        str
            The ``<data>`` element (class ``good``/``bad``), or :data:`MISSING` when not finite.
        """
        if not _finite(value):
            return MISSING
        css = "" if not better or value == 0 else "good" if (value > 0) == (better > 0) else "bad"
        return (f'<data class="{css}" value="{_exact(value)}" data-source="changes.json" data-key="{html.escape(key)}">'
                f"{html.escape(show_change(value, change_kind, self.lang))}</data>")

    def table(self, head: list[str], rows: list[list[str]], numeric: tuple[int, ...] = (1, 2, 3)) -> str:
        """A table; the columns at positions ``numeric`` are right-aligned.

        Parameters
        ----------
        head : list of str
            The header cells (HTML).
        rows : list of list of str
            The body rows' cells (HTML).
        numeric : tuple of int, optional
            Positions of the right-aligned columns; default ``(1, 2, 3)``.

        Returns
        -------
        str
            The ``<table>`` element.
        """
        css = lambda i: ' class="n"' if i in numeric else ""  # noqa: E731
        cells = "".join(f"<th{css(i)}>{h}</th>" for i, h in enumerate(head))
        body = "".join("<tr>" + "".join(f"<td{css(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
                       for row in rows)
        return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"

    def customer(self, customer_id: str) -> str:
        """A customer id as shown: escaped, pseudonymised when the page has a salt.

        Parameters
        ----------
        customer_id : str
            The customer id in the run's exports.

        Returns
        -------
        str
            The id, or its pseudonym, HTML-escaped.
        """
        if self.salt is None:
            return html.escape(str(customer_id))
        from crmlib.notebook import pseudonym

        return html.escape(pseudonym(str(customer_id), self.salt))


def render_page(changes: dict, *, lang: str = "en", nav: list[tuple[str, str]] | None = None,
                index_href: str = "../index.html", new_at_risk: pd.DataFrame | None = None,
                salt: str | None = None, shown_rows: int = 10) -> str:
    """The whole ``compare.html`` for ``changes`` (see :func:`crmlib.report.compare.compare_runs`).

    Parameters
    ----------
    changes : dict
        The comparison (``changes.json``'s content); a ``status`` other than ``"compared"``
        gives the "nothing to compare" page.
    lang : str, optional
        Language of the page; default ``"en"``.
    nav : list of (str, str), optional
        Navigation links as (label, href); None (default) shows only the link to all runs.
    index_href : str, optional
        Link to the runs' index; default ``"../index.html"``.
    new_at_risk : frame, optional
        The rows of ``new_at_risk.csv`` (customers new on the retention list); None: no table.
    salt : str, optional
        Salt that pseudonymises customer ids; None (default) shows them as they are.
    shown_rows : int, optional
        How many of ``new_at_risk``'s rows the page lists; default 10.

    Returns
    -------
    str
        The HTML document.
    """
    page = Page(changes, lang, salt)
    run = changes.get("run") or {}
    parts = [_alerts(page)]
    if changes.get("status") != "compared":
        parts.append(f'<p class="box warn">{_nothing(page)}</p>')
    else:
        sections = changes["sections"]
        parts += [_intro(page), _not_comparable(page), _kpis(page, sections["kpis"]),
                  _groups(page, sections["segments"], "segments"), _groups(page, sections["tiers"], "tiers"),
                  _retention(page, sections["retention"], new_at_risk, shown_rows),
                  _clv(page, sections["clv"]), _feedback(page, sections["feedback"]), _drift(page, sections["drift"])]
    links = [f'<a href="{html.escape(index_href)}">&#8592; {page.text("All runs")}</a>']
    for label, href in nav or []:
        current = ' aria-current="page"' if href == "compare.html" else ""
        links.append(f'<a href="{html.escape(href)}"{current}>{html.escape(label)}</a>')
    title = page.text("What changed since the previous run")
    subtitle = page.text("Run {run_id} · {name} · analysis date {date}", run_id=run.get("run_id", ""),
                         name=run.get("name", ""), date=run.get("analysis_date", ""))
    html_lang = babel_locale(lang).replace("_", "-")
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>\n'
            f'<body><nav class="crm-nav">{"".join(links)}</nav><main><h1>{title}</h1><p class="note">{subtitle}</p>\n'
            + "\n".join(p for p in parts if p) + "\n</main></body></html>\n")


def _nothing(page: Page) -> str:
    reason = page.changes.get("reason")
    name = (page.changes.get("run") or {}).get("name", "")
    if reason == "skipped":
        return page.text("The comparison was switched off for this run (--no-compare).")
    if reason == "not_found":
        return page.text("The run asked for with --compare was not found, so there is nothing to compare.")
    return page.text("This is the first successful run named “{name}” in this reports folder: there is "
                     "nothing to compare yet. The next run will be compared with this one.", name=name)


def _alerts(page: Page) -> str:
    crossed = [a for a in page.changes.get("alerts", []) if a.get("crossed")]
    if not crossed:
        return ""
    items = "".join(f"<li>{html.escape(a.get('message', ''))}</li>" for a in crossed)
    return f'<div class="box alert"><b>{page.text("Alerts")}</b><ul>{items}</ul></div>'


def _intro(page: Page) -> str:
    then = page.changes["compared_with"]
    return "<p>" + page.text("Compared with run {run_id} (analysis date {then}); this run's analysis date is {now}.",
                             run_id=then["run_id"], then=then["analysis_date"],
                             now=page.changes["run"]["analysis_date"]) + "</p>"


def _not_comparable(page: Page) -> str:
    found = page.changes.get("not_comparable") or []
    if not found:
        return ""
    worded = {"revenue", "profit"}  # value bases (definitions.value_basis), said in the reader's language
    items = "".join("<li>" + page.text("{what}: {then} then, {now} now — {area} left out.",
                                       what=page._(d["what"]),
                                       then=page._(d["then"]) if d["then"] in worded else d["then"],
                                       now=page._(d["now"]) if d["now"] in worded else d["now"],
                                       area=page._(AREA_LABELS.get(d["area"], d["area"]))) + "</li>"
                    for d in found)
    return f'<div class="box warn"><b>{page.text("Not comparable")}</b><ul>{items}</ul></div>'


def _left_out(page: Page, section: dict) -> str:
    """The sentence for a section that is not compared (not comparable, or an export missing)."""
    if section.get("status") == "not_comparable":
        areas = ", ".join(page._(AREA_LABELS.get(a, a)) for a in section.get("blocked_by", []))
        return '<p class="note">' + page.text("Not compared: a definition behind it differs ({areas}).",
                                              areas=areas) + "</p>"
    missing = "; ".join(page._("{export} is missing in run {run} (written by {notebook})").format(**m)
                        for m in section.get("missing", []))
    return '<p class="note">' + page.text("Not compared: {missing}.", missing=missing) + "</p>"


def _kpis(page: Page, section: dict) -> str:
    out = [f"<h2>{page.text('Headline numbers')}</h2>"]
    rows = []
    for i, row in enumerate(section.get("rows", [])):
        key = f"/sections/kpis/rows/{i}"
        name = page.text(LABELS.get(row["key"], row["key"]))
        if row.get("period_now"):
            name += f' <span class="note">({html.escape(str(row["period_then"]))} → {html.escape(str(row["period_now"]))})</span>'
        rows.append([name, page.number(row["then"], row["kind"], f"{key}/then"),
                     page.number(row["now"], row["kind"], f"{key}/now"),
                     page.delta(row["change"], row["change_kind"], f"{key}/change", BETTER.get(row["key"], 0))])
    if rows:
        out.append(page.table([page.text("Number"), page.text("Then"), page.text("Now"), page.text("Change")], rows))
    else:
        out.append(_left_out(page, section))
    if section.get("not_compared"):
        names = ", ".join(page._(LABELS.get(i["key"], i["key"])) for i in section["not_compared"])
        out.append('<p class="note">' + page.text("Not compared, as a definition behind them differs: {names}.",
                                                  names=names) + "</p>")
    return "\n".join(out)


def _group_label(page: Page, kind: str, key: str, labels: dict) -> str:
    if kind == "tiers":
        return page.text(TIER_LABELS.get(key, key))
    return html.escape(str(labels.get(key, key)))


def _groups(page: Page, section: dict, kind: str) -> str:
    title = page.text("Customers per segment") if kind == "segments" else page.text("Customers per value tier")
    out = [f"<h2>{title}</h2>"]
    if section.get("status") != "compared":
        return "\n".join([*out, _left_out(page, section)])
    labels = section.get("labels", {})
    base = f"/sections/{kind}"
    rows = [[_group_label(page, kind, r["key"], labels),
             page.number(r["then"], "count", f"{base}/counts/{i}/then"),
             page.number(r["now"], "count", f"{base}/counts/{i}/now"),
             page.delta(r["change"], "difference", f"{base}/counts/{i}/change")]
            for i, r in enumerate(section["counts"])]
    out.append(page.table([page.text("Group"), page.text("Then"), page.text("Now"), page.text("Change")], rows))
    m = section["migration"]
    out.append("<p>" + page.html(
        "Customer by customer (ids matched): {both} customers are in both runs; {moved} of them moved to another "
        "group, {stayed} stayed. {entered} are new in this run, {left} are no longer in it.",
        **{name: page.number(m[key], "count", f"{base}/migration/{key}") for name, key in
           (("both", "customers_in_both"), ("moved", "moved"), ("stayed", "stayed"), ("entered", "entered"),
            ("left", "left"))}) + "</p>")
    out.append(_matrix(page, m, kind, labels, base))
    return "\n".join(out)


def _matrix(page: Page, m: dict, kind: str, labels: dict, base: str) -> str:
    keys, matrix = m["keys"], m["matrix"]
    largest = max((v for row in matrix for v in row), default=0) or 1
    head = "".join(f'<th class="n">{_group_label(page, kind, k, labels)}</th>' for k in keys)
    body = []
    for i, key in enumerate(keys):
        cells = []
        for j, value in enumerate(matrix[i]):
            shade = 0.08 + 0.6 * value / largest if value else 0
            style = f' style="background:rgba(29,78,216,{shade:.2f})"' if value else ""
            bold = " font-weight:bold" if i == j else ""
            style = style[:-1] + ";" + bold + '"' if bold and style else style
            cells.append(f'<td class="n"{style}>{page.number(value, "count", f"{base}/migration/matrix/{i}/{j}")}</td>')
        body.append(f"<tr><th>{_group_label(page, kind, key, labels)}</th>{''.join(cells)}</tr>")
    caption = page.text("Rows: group in the previous run; columns: group in this run.")
    return (f'<table><caption class="note">{caption}</caption><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _retention(page: Page, section: dict, entered: pd.DataFrame | None, shown_rows: int) -> str:
    out = [f"<h2>{page.text('The retention list')}</h2>"]
    if section.get("status") != "compared":
        return "\n".join([*out, _left_out(page, section)])
    base = "/sections/retention"
    out.append("<p>" + page.html(
        "The top {n} customers by value at risk. New on the list: {entered}; left it: {left}; still on it: {stayed}.",
        **{name: page.number(section[name if name != "n" else "top_n"], "count",
                             f"{base}/{name if name != 'n' else 'top_n'}")
           for name in ("n", "entered", "left", "stayed")}) + "</p>")
    reasons = [[page.text("New on the list") + ": " + page.text(ENTERED_LABELS[r]),
                page.number(n, "count", f"{base}/entered_by_reason/{r}")]
               for r, n in section["entered_by_reason"].items() if n]
    reasons += [[page.text("Left the list") + ": " + page.text(LEFT_LABELS[r]),
                 page.number(n, "count", f"{base}/left_by_reason/{r}")]
                for r, n in section["left_by_reason"].items() if n]
    if reasons:
        out.append(page.table([page.text("Why"), page.text("Customers")], reasons, numeric=(1,)))
    if entered is not None and len(entered):
        out.append("<p>" + page.text("New on the list, largest value at risk first (all of them in "
                                     "exports/new_at_risk.csv; those who left in exports/left_at_risk.csv):") + "</p>")
        rows = []
        for i, row in enumerate(entered.head(shown_rows).to_dict(orient="records")):
            source = "new_at_risk.csv"
            rows.append([page.customer(row["customer_id"]),
                         page.number(row["priority"], "count", f"{i}/priority", source),
                         page.number(row["value_at_risk"], "money", f"{i}/value_at_risk", source),
                         html.escape(str(row.get("top_driver_text") or row.get("top_driver") or "")),
                         page.text(ENTERED_LABELS.get(row["why"], row["why"]))])
        out.append(page.table([page.text("Customer"), page.text("Rank"), page.text("Value at risk"),
                               page.text("Main driver"), page.text("Why new")], rows, numeric=(1, 2)))
    return "\n".join(out)


def _clv(page: Page, section: dict) -> str:
    out = [f"<h2>{page.text('Customer lifetime value')}</h2>"]
    if section.get("status") != "compared":
        return "\n".join([*out, _left_out(page, section)])
    names = {"total_clv": page.text("Total CLV"), "customers": page.text("Customers scored")}
    rows = [[names[r["key"]],
             page.number(r["then"], "money" if r["key"] == "total_clv" else "count", f"/sections/clv/totals/{i}/then"),
             page.number(r["now"], "money" if r["key"] == "total_clv" else "count", f"/sections/clv/totals/{i}/now"),
             page.delta(r["change"], r["change_kind"], f"/sections/clv/totals/{i}/change", 1)]
            for i, r in enumerate(section["totals"])]
    by_tier = section.get("by_tier") or {}
    if by_tier.get("status") == "compared":
        rows += [[page.text("CLV of the tier: {tier}", tier=page._(TIER_LABELS.get(r["key"], r["key"]))),
                  page.number(r["then"], "money", f"/sections/clv/by_tier/rows/{i}/then"),
                  page.number(r["now"], "money", f"/sections/clv/by_tier/rows/{i}/now"),
                  page.delta(r["change"], r["change_kind"], f"/sections/clv/by_tier/rows/{i}/change", 1)]
                 for i, r in enumerate(by_tier["rows"])]
    out.append(page.table([page.text("Number"), page.text("Then"), page.text("Now"), page.text("Change")], rows))
    if by_tier.get("status") != "compared":
        out.append(_left_out(page, by_tier))
    params = section.get("parameters") or {}
    if params.get("status") != "compared":
        return "\n".join([*out, _left_out(page, params)])
    rows = []
    for i, r in enumerate(params["rows"]):
        if r["parameter"] is None:
            rows.append([html.escape(str(r["model_name"])), MISSING, MISSING, MISSING,
                         page.text("the model changed: parameters not comparable")])
            continue
        key = f"/sections/clv/parameters/rows/{i}"
        interval = r.get("interval_then")
        shown = (f"{page.number(interval[0], 'number', f'{key}/interval_then/0')} – "
                 f"{page.number(interval[1], 'number', f'{key}/interval_then/1')}" if interval else MISSING)
        flag = (f'<span class="flag">{page.text("outside the previous interval")}</span>' if r["outside_interval"]
                else page.text("within the previous interval") if r["outside_interval"] is False
                else page.text("no interval recorded"))
        rows.append([f"{html.escape(str(r['model_name']))} {html.escape(str(r['parameter']))}",
                     page.number(r["then"], "number", f"{key}/then"), page.number(r["now"], "number", f"{key}/now"),
                     shown, flag])
    if rows:
        out.append(f"<p>{page.text('Fitted model parameters:')}</p>")
        out.append(page.table([page.text("Parameter"), page.text("Then"), page.text("Now"),
                               page.text("Previous 95% interval"), page.text("Check")], rows, numeric=(1, 2, 3)))
    return "\n".join(out)


def _feedback(page: Page, section: dict) -> str:
    out = [f"<h2>{page.text('Feedback')}</h2>"]
    if section.get("status") != "compared":
        return "\n".join([*out, _left_out(page, section)])
    rows = []
    for i, r in enumerate(section["rows"]):
        key = f"/sections/feedback/rows/{i}"
        if r["key"].startswith("category:"):
            category = r["key"].split(":", 1)[1]
            name = page.text("Share of complaints: {category}", category=category_label(category, page.lang))
        else:
            name = page.text(FEEDBACK_LABELS[r["key"]])
        better = {"csat": 1, "nps": 1}.get(r["key"], 0)
        rows.append([name, page.number(r["then"], r["kind"], f"{key}/then"),
                     page.number(r["now"], r["kind"], f"{key}/now"),
                     page.delta(r["change_points"], "points", f"{key}/change_points", better)])
    out.append(page.table([page.text("Number"), page.text("Then"), page.text("Now"), page.text("Change")], rows))
    return "\n".join(out)


def _drift(page: Page, section: dict) -> str:
    out = [f"<h2>{page.text('The data')}</h2>"]
    dates = section["analysis_date"]
    out.append("<p>" + page.text("Analysis date: {then} then, {now} now.", then=dates["then"], now=dates["now"]) + "</p>")
    rows = []
    for i, t in enumerate(section["tables"]):
        key = f"/sections/drift/tables/{i}"
        span = lambda a, b: f"{html.escape(a)} – {html.escape(b)}" if a and b else MISSING  # noqa: E731
        columns = []
        if t.get("columns_added"):
            columns.append(page.text("added: {columns}", columns=", ".join(t["columns_added"])))
        if t.get("columns_missing"):
            columns.append(page.text("missing: {columns}", columns=", ".join(t["columns_missing"])))
        rows.append([html.escape(t["table"]), page.number(t["rows_then"], "count", f"{key}/rows_then"),
                     page.number(t["rows_now"], "count", f"{key}/rows_now"),
                     page.delta(t["rows_change"], "difference", f"{key}/rows_change"),
                     span(t.get("date_min_then"), t.get("date_max_then")),
                     span(t.get("date_min_now"), t.get("date_max_now")),
                     "; ".join(columns) or (page.text("same") if t.get("columns_added") is not None else MISSING)])
    out.append(page.table([page.text("Table"), page.text("Rows then"), page.text("Rows now"), page.text("Change"),
                           page.text("Dates then"), page.text("Dates now"), page.text("Columns")], rows))
    files = [[html.escape(f["file"]), page.text(FILE_CHANGES[f["change"]])] for f in section["files"]]
    if files:
        out.append(page.table([page.text("Input file"), page.text("Since the previous run")], files, numeric=()))
    if section.get("inputs_unchanged"):
        out.append('<p class="box warn">' + page.text("No input file changed since the previous run: check that "
                                                     "the export was refreshed.") + "</p>")
    return "\n".join(out)


def _exact(value) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
