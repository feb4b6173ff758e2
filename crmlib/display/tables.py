"""Report tables: labelled, formatted per column, escaped, and sortable/searchable in the HTML page.

:func:`render_table` turns a frame into a :class:`Table` that Jupyter shows as HTML (and as
plain text elsewhere): one header row of human labels from the catalogue, every column
formatted by its :class:`~crmlib.display.columns.Column` (fixed decimals, money, percentages,
months), text left-aligned and numbers right-aligned, every cell and label HTML-escaped. A
meaningful index (named, or not just 0..n) becomes the first columns, so its labels are kept;
0, 1, 2 … row numbers are dropped. Numeric cells carry their raw value in ``data-order``, so
the report page (``crmlib.report.pages``) can make tables marked ``interactive`` sortable and
searchable offline; a wide table scrolls inside its own box.

Example
-------
>>> import pandas as pd
>>> from crmlib.display.format import Formats
>>> frame = pd.DataFrame({"segment": ["<b>a</b>", "b"], "customer_share": [0.114, 0.886]})
>>> table = render_table(frame, Formats("zh", "CNY"))
>>> html = table._repr_html_()
>>> "客户占比" in html, "11.4%" in html, "&lt;b&gt;a&lt;/b&gt;" in html
(True, True, True)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.checknames import translate_check
from crmlib.display.columns import Column, column_spec
from crmlib.display.format import MISSING, Formats
from crmlib.lang import translator

NUMERIC_KINDS = {"count", "number", "money", "percent", "percent100", "points", "days"}


def _cell_class(kind: str) -> str:
    return "crm-num" if kind in NUMERIC_KINDS else "crm-text crm-date" if kind in {"date", "month"} else "crm-text"


def _shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a meaningful index moved into columns and 0..n row numbers dropped."""
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and index.step == 1
    if plain:
        return frame.reset_index(drop=True)
    if index.nlevels == 1 and index.name is None:
        return frame.reset_index(names=[""])
    names = [name if name is not None else f"level_{i}" for i, name in enumerate(index.names)]
    return frame.reset_index(names=names)


def _column_key(column) -> str:
    return " · ".join(str(c) for c in column) if isinstance(column, tuple) else str(column)


def format_cell(value, spec: Column, formats: Formats) -> str:
    """One cell's text by its column's kind (missing values read "–").

    Parameters
    ----------
    value : object
        The cell's value; a non-number in a numeric column is shown as text.
    spec : Column
        The column's kind, decimals and context.
    formats : Formats
        Language and currency of the text.

    Returns
    -------
    str
        The formatted, translated cell text (not yet HTML-escaped).
    """
    if value is None or (not isinstance(value, (str, list, tuple, dict)) and pd.isna(value)):
        return MISSING
    kind = spec.kind
    _ = translator(formats.lang)
    numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if kind in NUMERIC_KINDS and not numeric:
        kind = "text"
    if kind == "count":
        return formats.count(value)
    if kind == "number":
        return formats.number(value, spec.decimals if spec.decimals is not None else 2)
    if kind == "money":
        return formats.money(value, spec.decimals if spec.decimals is not None else 2)
    if kind == "percent":
        return formats.percent(value, spec.decimals if spec.decimals is not None else 1)
    if kind == "percent100":  # already in % (CSAT 57.2, promoters 38.0): not a share to multiply by 100
        return formats.percent(value / 100, spec.decimals if spec.decimals is not None else 1)
    if kind == "points":
        return formats.points(value, spec.decimals if spec.decimals is not None else 1)
    if kind == "days":
        return formats.days(value)
    if kind == "date":
        return formats.date(value)
    if kind == "month":
        return formats.month(value)
    if kind == "bool" or isinstance(value, (bool, np.bool_)):
        return _("yes") if bool(value) else _("no")
    if kind == "code":
        return translate_term(str(value), spec.context or spec.label, _)
    if kind == "examples":
        return _ROW_EXAMPLE.sub(lambda m: _.ngettext("row {rows}", "rows {rows}", 2 if m.group(1) else 1).format(
            rows=m.group(2)), str(value))
    if isinstance(value, pd.Timestamp):
        return formats.date(value) if value == value.normalize() else str(value)
    if isinstance(value, (float, np.floating)):
        return formats.number(value, 2)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


_DETAIL = re.compile(r"^(?P<term>[^()]+?) \((?P<key>[\w ]+): (?P<value>[^()]*)\)$")
_ROW_EXAMPLE = re.compile(r"\brow(s?) (\d[\d, ]*\d|\d)")


def translate_term(text: str, context: str, _) -> str:
    """A value of a fixed vocabulary in the reader's language: by its context (msgctxt), else as a
    message marked anywhere with ``N_``; ``term (key: value)`` translates the term and the key.

    Parameters
    ----------
    text : str
        The value (an English message id).
    context : str
        Its msgctxt, e.g. ``"quality check"`` (which also tries the check-name templates).
    _ : translator
        The reader's translator (:func:`crmlib.lang.translator`).

    Returns
    -------
    str
        The translation, or ``text`` itself when there is none.

    >>> from crmlib.lang import translator
    >>> translate_term("rows read (encoding: gb18030)", "quality check", translator("zh"))
    '读取的行（编码：gb18030）'
    """
    translated = _.pgettext(context, text)
    if translated != text:
        return translated
    if _(text) != text:
        return _(text)
    templated = translate_check(text, _) if context == "quality check" else None
    if templated is not None:
        return templated
    detail = _DETAIL.match(text)
    if detail and _.pgettext(context, detail["term"]) != detail["term"]:
        return _("{term} ({key}: {value})").format(term=_.pgettext(context, detail["term"]),
                                                    key=_.pgettext(context, detail["key"]), value=detail["value"])
    return text


def _order_value(value, kind: str):
    """The raw value a column is sorted by (numbers and dates), or None to sort by the text."""
    if kind in NUMERIC_KINDS and isinstance(value, (int, float, np.integer, np.floating)) \
            and not isinstance(value, (bool, np.bool_)) and np.isfinite(value):
        return repr(float(value))
    if kind in {"date", "month"} and value is not None and not pd.isna(value):
        stamp = value.to_timestamp() if isinstance(value, pd.Period) else pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d")
    return None


def _link_text(href: str, text: str) -> str:
    """The escaped text of a link to a file, the file's name in it shown as code.

    >>> _link_text("exports/churn_risk.csv", "下载完整表格（churn_risk.csv）")
    '下载完整表格（<code>churn_risk.csv</code>）'
    """
    name = html.escape(href.rsplit("/", 1)[-1])
    return html.escape(text).replace(name, f"<code>{name}</code>", 1) if name else html.escape(text)


@dataclass
class Table:
    """A formatted table: Jupyter shows ``_repr_html_``; plain text shows the same cells."""

    labels: list[str]
    kinds: list[str]
    cells: list[list[str]]
    orders: list[list[str | None]]
    interactive: bool = False
    note: str = ""
    link: tuple[str, str] | None = None  # (href, text) of the full CSV
    classes: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f'<th class="{_cell_class(k)}" scope="col">{esc(label)}</th>'
                       for label, k in zip(self.labels, self.kinds, strict=True))
        rows = []
        for cells, orders in zip(self.cells, self.orders, strict=True):
            tds = []
            for text, order, kind in zip(cells, orders, self.kinds, strict=True):
                attribute = f' data-order="{esc(order)}"' if order is not None else ""
                shown = f"<code>{esc(text)}</code>" if kind == "identifier" and text != MISSING else esc(text)
                tds.append(f'<td class="{_cell_class(kind)}"{attribute}>{shown}</td>')
            rows.append("<tr>" + "".join(tds) + "</tr>")
        marker = ' data-crm-interactive="1"' if self.interactive else ""
        caption = ""
        if self.note or self.link:
            link = (f' <a class="crm-csv" href="{esc(self.link[0])}" download>{_link_text(*self.link)}</a>'
                    if self.link else "")
            caption = f'<p class="crm-table-note">{esc(self.note)}{link}</p>'
        return (f'<div class="crm-table-wrap">{caption}<table class="crm-table"{marker}>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")

    def to_frame(self) -> pd.DataFrame:
        """The shown cells as a frame of text (headers are the shown labels).

        Returns
        -------
        frame
            Range index, one text column per shown label, one row per shown row.
        """
        return pd.DataFrame(self.cells, columns=self.labels)

    def __repr__(self) -> str:
        text = self.to_frame().to_string(index=False)
        return f"{text}\n{self.note}" if self.note else text


def render_table(frame: pd.DataFrame, formats: Formats, *, columns: dict | None = None,
                 labels: dict | None = None, rows: int | None = 20, interactive: bool = False,
                 link: tuple[str, str] | None = None) -> Table:
    """``frame`` (its first ``rows`` rows; all if None) as a :class:`Table`.

    ``columns`` overrides a column's :class:`Column` or kind by name; ``labels`` its label
    (an English message id, translated here); ``link`` is ``(href, text)`` of the full table.

    Parameters
    ----------
    frame : frame
        The table; a meaningful index becomes the first columns.
    formats : Formats
        Language and currency of labels and cells.
    columns : dict, optional
        Name -> :class:`Column` or kind, overriding the catalogue; default None.
    labels : dict, optional
        Name -> label (English message id); default None uses the column's label.
    rows : int or None, optional
        Rows shown; default 20, None for all (a note says when rows were cut).
    interactive : bool, optional
        Mark the table sortable and searchable on the report page; default False.
    link : tuple of (str, str), optional
        ``(href, text)`` of a download link to the full table; default None.

    Returns
    -------
    Table
        Translated labels, column kinds, formatted cells and their sort values.
    """
    _ = translator(formats.lang)
    shown = _shown_frame(frame)
    total = len(shown)
    if rows is not None:
        shown = shown.head(rows)
    keys = [_column_key(c) for c in shown.columns]
    specs = [column_spec(key, shown.iloc[:, i], columns) for i, key in enumerate(keys)]
    names = [(labels or {}).get(key, spec.label) for key, spec in zip(keys, specs, strict=True)]
    cells, orders = [], []
    for values in shown.itertuples(index=False, name=None):
        cells.append([format_cell(v, spec, formats) for v, spec in zip(values, specs, strict=True)])
        orders.append([_order_value(v, spec.kind) for v, spec in zip(values, specs, strict=True)])
    note = ""
    if total > len(shown):
        note = _("First {shown} of {total} rows.").format(shown=formats.count(len(shown)), total=formats.count(total))
    return Table(labels=[_(name) if name else "" for name in names], kinds=[s.kind for s in specs],
                 cells=cells, orders=orders, interactive=interactive, note=note,
                 link=link)
