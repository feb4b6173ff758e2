"""Shareable, offline HTML for an executed notebook: header, navigation, code hidden.

The page is nbconvert's ``lab`` template with everything that would be fetched from a CDN
removed (require.js, MathJax, mermaid, widget manager): CSS is inlined and charts are
embedded as data URIs, so the file reads the same offline and attached to an e-mail. Text
in the header and navigation is HTML-escaped here; notebook outputs are escaped where they
are made (``Workbook.show`` / ``Workbook.say``), and ``<script>`` in an output is defused.

Example
-------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Churn")])
>>> page = render_html(nb, header=PageHeader(title="04_churn", run_id="r1"))
>>> "<script src=" in page
False
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from jinja2 import DictLoader

from crmlib.lang import LANGUAGES, N_, translator
from crmlib.narrative import MISSING_TABLE_KEY
from crmlib.report.firstscreen import lift_first_screen

TEMPLATE_NAME = "crm_report.html.j2"
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}<meta name="viewport" content="width=device-width, initial-scale=1">
<style type="text/css">{{ resources.crm_css }}</style>{{ resources.crm_head }}{%- endblock extra_css -%}
{%- block body_header -%}{{ super() }}
{{ resources.crm_header }}
{%- endblock body_header -%}
"""

CJK_FONTS = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
             '"WenQuanYi Micro Hei"')
CSS = """
body, .jp-Notebook, .jp-RenderedHTMLCommon { font-family: system-ui, -apple-system, "Segoe UI", Roboto, """ + CJK_FONTS + """,
  sans-serif; }
html, body { max-width: 100%; overflow-x: hidden; }
body { margin: 0; }
.jp-Notebook { max-width: 1100px; margin: 0 auto; padding: 8px 16px 32px; box-sizing: border-box; }
.jp-Cell.jp-mod-noOutputs.jp-mod-noInput { display: none; }
.jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { max-width: 100%; min-width: 0; box-sizing: border-box; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon pre, .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.crm-nav { font: 14px/1.6 system-ui, sans-serif; padding: 6px 12px; background: #f3f4f6;
  border-bottom: 1px solid #d1d5db; display: flex; flex-wrap: wrap; gap: 2px 14px; }
.crm-nav a { color: #1d4ed8; text-decoration: none; white-space: nowrap; }
.crm-nav a[aria-current="page"] { font-weight: bold; color: #111827; }
.crm-header { font: 13px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 6px auto 0; padding: 0 16px;
  box-sizing: border-box; color: #4b5563; }
.crm-header h1 { font-size: 22px; margin: 4px 0 8px; color: #111827; }
.crm-details summary { cursor: pointer; }
.crm-details table { border-collapse: collapse; margin: 4px 0 8px; }
.crm-details th { text-align: left; padding: 1px 12px 1px 0; font-weight: normal; vertical-align: top; }
.crm-details td { padding: 1px 12px 1px 0; overflow-wrap: anywhere; color: #111827; }
.crm-status { padding: 10px 14px; margin: 10px 0; border-radius: 4px; font-weight: bold; }
.crm-status-failed, .crm-status-timed_out { background: #fee2e2; color: #991b1b; border: 1px solid #f87171; }
.crm-status-ok { color: #166534; }
.crm-status pre { white-space: pre-wrap; font-weight: normal; margin: 6px 0 0; }
.crm-table-wrap { max-width: 100%; overflow-x: auto; margin: 4px 0 12px; }
.jp-RenderedHTMLCommon table.crm-table, table.crm-table { border-collapse: collapse; font-size: 13px;
  font-variant-numeric: tabular-nums; table-layout: auto; margin: 0; }
table.crm-table th, table.crm-table td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb;
  vertical-align: top; max-width: 28em; }
table.crm-table th { background: #f9fafb; font-weight: 600; border-bottom: 1px solid #9ca3af; }
.jp-RenderedHTMLCommon table.crm-table .crm-text, table.crm-table .crm-text { text-align: left; }
.jp-RenderedHTMLCommon table.crm-table .crm-num, table.crm-table .crm-num { text-align: right; white-space: nowrap; }
table.crm-table .crm-date { white-space: nowrap; }
.crm-table-note { font-size: 12px; color: #4b5563; margin: 2px 0 4px; }
.crm-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: 10px; margin: 6px 0 14px; }
.crm-card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; background: #fff; color: #374151; min-width: 0; }
.crm-card-label { font-size: 13px; color: #4b5563; }
.crm-card-value { font-size: 22px; font-weight: 600; color: #111827; font-variant-numeric: tabular-nums;
  overflow-wrap: anywhere; }
.crm-card-change { font-size: 13px; font-weight: 600; }
.crm-card-note { font-size: 11px; color: #6b7280; }
.crm-cards-note { font-size: 12px; color: #6b7280; margin: -8px 0 12px; }
.crm-good { color: #15803d; } .crm-bad { color: #b91c1c; } .crm-neutral { color: #4b5563; }
.crm-spark { display: block; margin-top: 4px; color: #2563eb; max-width: 100%; }
div.dt-container { max-width: 100%; font-size: 13px; }
div.dt-container .dt-layout-table { overflow-x: auto; }
@media (max-width: 600px) {
  .jp-Notebook { padding: 4px 8px 24px; }
  .jp-RenderedHTMLCommon h1 { font-size: 22px; }
  .crm-cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .crm-card { padding: 8px 10px; }
  .crm-card-value { font-size: 18px; }
}
@media print {
  .crm-nav, .crm-details, div.dt-container .dt-layout-row:not(.dt-layout-table) { display: none !important; }
  .jp-Notebook { max-width: none; padding: 0; }
  .crm-table-wrap { overflow: visible; }
  .jp-Cell, .crm-card, figure, img { break-inside: avoid; }
  @page { size: A4; margin: 12mm 10mm; }
}
"""

# Chinese pages name CJK fonts first (they carry Latin glyphs too), so that no Latin system font
# is asked for Chinese characters it draws as boxes.
ZH_FONTS = ("\nbody, .jp-Notebook, .jp-RenderedHTMLCommon, .crm-nav, .crm-header { font-family: " + CJK_FONTS
            + ", system-ui, sans-serif; }\n")
STATUS_TEXT = {"ok": N_("Completed"), "failed": N_("FAILED"), "timed_out": N_("TIMED OUT")}
_SCRIPT = re.compile(r"<(/?)(script|iframe|object|embed)\b", re.IGNORECASE)
TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex")


@dataclass
class PageHeader:
    """What the top of every report page shows (all plain text; escaped when rendered)."""

    title: str
    current: str = ""  # this page's label in ``nav``
    run_id: str = ""
    dataset: str = ""
    analysis_date: str = ""
    started: str = ""
    parameters: dict = field(default_factory=dict)
    status: str = "ok"
    error: str = ""
    nav: list[tuple[str, str]] = field(default_factory=list)  # (label, href) of the run's pages
    index_href: str = "../index.html"
    seconds: float | None = None  # how long the notebook ran
    show_title: bool = True  # False when the notebook's own first heading is the page title

    @property
    def lang(self) -> str:
        lang = self.parameters.get("lang")
        return lang if lang in LANGUAGES else "en"


def header_html(header: PageHeader) -> str:
    """The navigation bar, the status (only when something went wrong) and the folded run details.

    Parameters
    ----------
    header : PageHeader
        What the header shows; its ``parameters["lang"]`` picks the language.

    Returns
    -------
    str
        The ``<nav>`` and ``<header>`` HTML, every text escaped.
    """
    esc = html.escape
    _ = translator(header.lang)
    links = [f'<a href="{esc(header.index_href)}">&#8592; {esc(_("All runs"))}</a>']
    for label, href in header.nav:
        current = ' aria-current="page"' if label == header.current else ""
        links.append(f'<a href="{esc(href)}"{current}>{esc(page_label(label, header.lang))}</a>')
    rows = [(_("Run"), header.run_id), (_("Dataset"), header.dataset),
            (_("Analysis date"), header.analysis_date), (_("Started"), header.started)]
    if header.seconds is not None:
        rows.append((_("Run time"), _("{seconds} s").format(seconds=f"{header.seconds:.1f}")))
    rows += [(_("Parameter {name}").format(name=k), _plain(v)) for k, v in header.parameters.items()]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows if v != "")
    status = esc(_(STATUS_TEXT[header.status]) if header.status in STATUS_TEXT else header.status)
    if header.status == "ok":
        alert = ""
        summary = f'<span class="crm-status-ok">&#10003; {status}</span> · {esc(_("Run details"))}'
    else:
        detail = f"<pre>{esc(header.error)}</pre>" if header.error else ""
        link = f' <a href="#papermill-error-cell">({esc(_("jump to the error"))})</a>'
        alert = f'<div class="crm-status crm-status-{esc(header.status)}">{status}{link}{detail}</div>'
        summary = esc(_("Run details"))
    title = f"<h1>{esc(header.title)}</h1>" if header.show_title else ""
    return (f'<nav class="crm-nav">{"".join(links)}</nav>\n'
            f'<header class="crm-header">{title}{alert}'
            f'<details class="crm-details"><summary>{summary}</summary><table>{table}</table></details>'
            f"</header>\n")


def page_label(stem: str, lang: str) -> str:
    """A notebook's name in the navigation: ``01_overview`` -> "01 Overview" / "01 概览".

    Parameters
    ----------
    stem : str
        The notebook's file name without ``.ipynb``.
    lang : str
        The language code, e.g. ``"en"`` or ``"zh"``.

    Returns
    -------
    str
        Its number and translated name; ``stem`` itself for a notebook not in ``PAGE_NAMES``.
    """
    number, _sep, name = stem.partition("_")
    words = PAGE_NAMES.get(name)
    if words is None or not number.isdigit():
        return stem
    return f"{number} {translator(lang)(words)}"


PAGE_NAMES = {"data_quality": N_("Data quality"), "overview": N_("Overview"), "segmentation": N_("Segmentation"),
              "clv": N_("Customer lifetime value"), "churn": N_("Churn"), "feedback": N_("Feedback"),
              "journey": N_("Journeys"), "profitability": N_("Profitability")}


def _plain(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def defuse_scripts(text: str) -> str:
    """Turn ``<script>``/``<iframe>``/``<object>``/``<embed>`` tags into visible text.

    Parameters
    ----------
    text : str
        HTML.

    Returns
    -------
    str
        ``text`` with the ``<`` of those opening and closing tags written ``&lt;``.

    >>> defuse_scripts("<b>x</b><script>alert(1)</script>")
    '<b>x</b>&lt;script>alert(1)&lt;/script>'
    """
    return _SCRIPT.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", text)


def map_output_text(nb, transform: Callable[[str], str]):
    """Copy of ``nb`` with ``transform`` applied to every textual output (not images).

    Parameters
    ----------
    nb : NotebookNode
        The notebook (not changed).
    transform : callable of str to str
        Applied to streams, error values and tracebacks, and text/plain, HTML, Markdown, LaTeX data.

    Returns
    -------
    NotebookNode
        The transformed deep copy.
    """
    out = copy.deepcopy(nb)
    for cell in out.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = transform("".join(output["text"]))
            elif output.get("output_type") == "error":
                output["evalue"] = transform(output.get("evalue", ""))
                output["traceback"] = [transform(line) for line in output.get("traceback", [])]
            for mime in TEXT_MIMETYPES:
                data = output.get("data", {})
                if mime in data:
                    value = data[mime]
                    data[mime] = transform("".join(value) if isinstance(value, list) else value)
    return out


def without_missing_sections(nb):
    """``nb`` without the cells tagged ``needs-<table>`` for each table the notebook said is missing
    (:meth:`crmlib.notebook.Workbook.missing_table` marks its output), so no heading is left empty.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (not changed).

    Returns
    -------
    NotebookNode
        A copy without those cells, or ``nb`` itself when no table is missing.
    """
    missing = {output.get("metadata", {}).get(MISSING_TABLE_KEY) for cell in nb.cells
               for output in cell.get("outputs", [])} - {None}
    if not missing:
        return nb
    out = copy.deepcopy(nb)
    tags = {f"needs-{table}" for table in missing}
    out.cells = [cell for cell in out.cells if not tags & set(cell.get("metadata", {}).get("tags", []))]
    return out


DATATABLES_OPTIONS = {"pageLength": 25, "order": [], "autoWidth": False}


def datatables_head(lang: str) -> str:
    """Inline styles and scripts that make every ``table[data-crm-interactive]`` sortable and
    searchable: DataTables as bundled by the itables package, no network.

    Parameters
    ----------
    lang : str
        The language of the tables' labels (search box, row counts).

    Returns
    -------
    str
        The ``<style>`` and two ``<script type="module">`` elements.
    """
    from itables import __file__ as itables_file

    folder = Path(itables_file).parent / "html"
    script = (folder / "dt_bundle.js").read_text(encoding="utf-8")
    css = (folder / "dt_bundle.css").read_text(encoding="utf-8")
    exports = re.search(r"export\{([^}]*)\}\s*;?\s*(/\*[\s\S]*)?$", script)
    default = next(part.split(" as ")[0].strip() for part in exports.group(1).split(",")
                   if part.strip().endswith(" as default"))
    script = script[:exports.start()] + f"window.crmDataTable = {default};" + (exports.group(2) or "")
    _ = translator(lang)
    language = {"search": _("Search:"), "lengthMenu": _("_MENU_ rows per page"),
                "info": _("Rows _START_ to _END_ of _TOTAL_"), "infoEmpty": _("No rows"),
                "infoFiltered": _("(filtered from _MAX_ rows)"), "zeroRecords": _("No matching rows"),
                "emptyTable": _("No rows")}
    options = json.dumps({**DATATABLES_OPTIONS, "language": language}, ensure_ascii=False)
    init = ("document.querySelectorAll('table[data-crm-interactive]').forEach("
            f"t => new window.crmDataTable(t, {options}));")
    return (f'<style type="text/css">{css}</style>\n<script type="module">{_script_safe(script)}</script>\n'
            f'<script type="module">{_script_safe(init)}</script>')


def _script_safe(code: str) -> str:
    return code.replace("</script", "<\\/script")


def render_html(nb, header: PageHeader, *, show_code: bool = False) -> str:
    """The notebook as one self-contained HTML page (code hidden unless ``show_code``).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook (not changed).
    header : PageHeader
        The page's header; its title is dropped when the notebook's first heading says the same.
    show_code : bool, optional
        Show the code cells and their prompts (default False).

    Returns
    -------
    str
        The HTML document.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE_NAME,
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=header.lang,  # <html lang>: CJK glyph choice
    )
    safe = lift_first_screen(without_missing_sections(map_output_text(nb, lambda text: text)))
    interactive = False
    for cell in safe.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                data["text/html"] = defuse_scripts(data["text/html"])
                interactive = interactive or "data-crm-interactive" in data["text/html"]
    if header.show_title and notebook_title(safe, "") == header.title:
        header = replace(header, show_title=False)  # the notebook's own heading is the one title
    css = CSS if header.lang != "zh" else CSS + ZH_FONTS
    resources = {"crm_header": header_html(header), "crm_css": css,
                 "crm_head": datatables_head(header.lang) if interactive else "",
                 "metadata": {"name": header.title}}
    body, _ = exporter.from_notebook_node(safe, resources=resources)
    return body


def notebook_title(nb, fallback: str) -> str:
    """The page's title: the first Markdown heading of the notebook (in a Markdown cell, or one a
    code cell showed, e.g. ``wb.say("# " + _("06 · Journeys"))``), else ``fallback``.

    Parameters
    ----------
    nb : NotebookNode
        The notebook.
    fallback : str
        The title when there is no heading (or the first one is empty).

    Returns
    -------
    str
        The heading's text without its ``#`` marks.

    >>> import nbformat
    >>> said = nbformat.v4.new_output("display_data", {"text/markdown": "# 06 · Journeys"})
    >>> notebook_title(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[said])]), "06")
    '06 · Journeys'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            texts = [cell.source]
        else:
            texts = ["".join(t) if isinstance(t, list) else t for t in
                     (o.get("data", {}).get("text/markdown") for o in cell.get("outputs", [])) if t is not None]
        for text in texts:
            for line in text.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip() or fallback
    return fallback
