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
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from jinja2 import DictLoader

TEMPLATE_NAME = "crm_report.html.j2"
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}<style type="text/css">{{ resources.crm_css }}</style>{%- endblock extra_css -%}
{%- block body_header -%}{{ super() }}
{{ resources.crm_header }}
{%- endblock body_header -%}
"""

CJK_FONTS = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
             '"WenQuanYi Micro Hei"')
CSS = """
body, .jp-Notebook, .jp-RenderedHTMLCommon { font-family: system-ui, -apple-system, "Segoe UI", Roboto, """ + CJK_FONTS + """,
  sans-serif; }
.crm-nav { font: 14px/1.6 system-ui, sans-serif; padding: 8px 12px; margin-bottom: 12px;
  background: #f3f4f6; border-bottom: 1px solid #d1d5db; }
.crm-nav a { margin-right: 14px; color: #1d4ed8; text-decoration: none; }
.crm-nav a[aria-current="page"] { font-weight: bold; color: #111827; }
.crm-header { font: 14px/1.5 system-ui, sans-serif; margin: 0 12px 16px; }
.crm-header h1 { font-size: 22px; margin: 4px 0 8px; }
.crm-header table { border-collapse: collapse; font-size: 13px; }
.crm-header th { text-align: left; padding: 2px 12px 2px 0; color: #4b5563; font-weight: normal; }
.crm-header td { padding: 2px 12px 2px 0; }
.crm-status { padding: 10px 14px; margin: 10px 0; border-radius: 4px; font-weight: bold; }
.crm-status-failed, .crm-status-timed_out { background: #fee2e2; color: #991b1b; border: 1px solid #f87171; }
.crm-status-ok { background: #dcfce7; color: #166534; border: 1px solid #4ade80; }
.crm-status pre { white-space: pre-wrap; font-weight: normal; margin: 6px 0 0; }
"""

STATUS_TEXT = {"ok": "Completed", "failed": "FAILED", "timed_out": "TIMED OUT"}
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


def header_html(header: PageHeader) -> str:
    """The navigation bar and run header as escaped HTML."""
    esc = html.escape
    links = [f'<a href="{esc(header.index_href)}">&#8592; All runs</a>']
    for label, href in header.nav:
        current = ' aria-current="page"' if label == header.current else ""
        links.append(f'<a href="{esc(href)}"{current}>{esc(label)}</a>')
    rows = [("Run", header.run_id), ("Dataset", header.dataset),
            ("Analysis date", header.analysis_date), ("Started", header.started)]
    rows += [(f"Parameter {k}", _plain(v)) for k, v in header.parameters.items()]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows if v != "")
    status = esc(STATUS_TEXT.get(header.status, header.status))
    detail = f"<pre>{esc(header.error)}</pre>" if header.error else ""
    link = (' <a href="#papermill-error-cell">(jump to the error)</a>'
            if header.status != "ok" else "")
    return (f'<nav class="crm-nav">{"".join(links)}</nav>\n'
            f'<header class="crm-header"><h1>{esc(header.title)}</h1>'
            f'<div class="crm-status crm-status-{esc(header.status)}">{status}{link}{detail}</div>'
            f"<table>{table}</table></header>\n")


def _plain(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def defuse_scripts(text: str) -> str:
    """Turn ``<script>``/``<iframe>``/``<object>``/``<embed>`` tags into visible text.

    >>> defuse_scripts("<b>x</b><script>alert(1)</script>")
    '<b>x</b>&lt;script>alert(1)&lt;/script>'
    """
    return _SCRIPT.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", text)


def map_output_text(nb, transform: Callable[[str], str]):
    """Copy of ``nb`` with ``transform`` applied to every textual output (not images)."""
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


def render_html(nb, header: PageHeader, *, show_code: bool = False) -> str:
    """The notebook as one self-contained HTML page (code hidden unless ``show_code``)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE_NAME,
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="zh" if header.parameters.get("lang") == "zh" else "en",  # <html lang>: CJK glyph choice
    )
    safe = map_output_text(nb, lambda text: text)
    for cell in safe.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                data["text/html"] = defuse_scripts(data["text/html"])
    resources = {"crm_header": header_html(header), "crm_css": CSS,
                 "metadata": {"name": header.title}}
    body, _ = exporter.from_notebook_node(safe, resources=resources)
    return body


def notebook_title(nb, fallback: str) -> str:
    """The first Markdown heading of the notebook, else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip() or fallback
    return fallback
