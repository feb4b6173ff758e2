"""``reports/index.html`` (every run, newest first) and the ``latest`` pointer.

Both are rebuilt from the runs' manifests while holding ``reports/.index.lock``, and written
atomically (temporary file, then rename), so runs finishing at the same time cannot corrupt
them. Each run shows its name, language and settings, status, three headline numbers (revenue,
churn rate, value at risk: :func:`headline_numbers`) and links to its pages, PDFs and exports;
the columns are :data:`RUN_COLUMNS`, and :func:`render_index` takes extra ``sections`` to show
above them: :func:`update_index` puts the trends across runs there (:mod:`crmlib.report.trends`). ``reports/latest`` is a symbolic link to the newest run whose notebooks all succeeded
(``reports/latest.txt`` holds its folder name too, for systems without links).

Example
-------
>>> import tempfile
>>> reports = Path(tempfile.mkdtemp())
>>> update_index(reports).name
'index.html'
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from crmlib.display.format import Formats
from crmlib.files import atomic_write
from crmlib.lang import LANGUAGES, N_, translator
from crmlib.report.manifest import Manifest
from crmlib.report.pages import CJK_FONTS, page_label
from crmlib.report.runfolder import host, process_alive, read_manifest, write_manifest

LOCK = ".index.lock"
LATEST = "latest"
BADGE = {"ok": ("#166534", "#dcfce7"), "failed": ("#991b1b", "#fee2e2"),
         "timed_out": ("#991b1b", "#fee2e2"), "running": ("#1e40af", "#dbeafe"),
         "pending": ("#374151", "#f3f4f6"), "incomplete": ("#92400e", "#fef3c7"),
         "interrupted": ("#92400e", "#fef3c7")}


def run_status(manifest: dict) -> str:
    """The run's status; a "running" run whose process is gone is "incomplete".

    Parameters
    ----------
    manifest : dict
        The run's manifest; only a run started on this machine is judged by its ``pid``.

    Returns
    -------
    str
        Its ``status`` (``"incomplete"`` when it has none).
    """
    status = manifest.get("status", "incomplete")
    if status == "running" and manifest.get("host") == host() and not process_alive(manifest.get("pid")):
        return "incomplete"
    return status


def mark_incomplete(reports: Path, runs: list[dict]) -> list[str]:
    """Write ``incomplete`` into the manifest of every run whose process is gone (killed, machine
    stopped) while its manifest still says ``running``; its running notebooks become
    ``interrupted``, the pending ones ``not_run``.

    Only runs started on this machine are judged (``runs`` as :func:`list_runs` gives them).

    Parameters
    ----------
    reports : Path
        The reports folder.
    runs : list of dict
        The runs as :func:`list_runs` gives them (status ``incomplete`` already judged).

    Returns
    -------
    list of str
        The folder names of the runs marked.
    """
    marked = []
    for run in runs:
        if run["status"] != "incomplete":
            continue
        folder = reports / run["folder"]
        manifest = Manifest.read(folder)
        if manifest is None or manifest.status != "running":
            continue
        manifest.stop("incomplete", incomplete_reason="the runner's process ended before the run finished")
        try:
            write_manifest(folder, manifest)
        except OSError:  # a read-only or full disk: the index still shows it as incomplete
            continue
        marked.append(run["folder"])
    return marked


def list_runs(reports: Path) -> list[dict]:
    """Manifests of every run under ``reports`` (with ``folder`` added), newest first.

    Parameters
    ----------
    reports : Path
        The reports folder (no runs when it does not exist).

    Returns
    -------
    list of dict
        Each manifest with ``folder`` and its :func:`run_status`, by ``started``, then folder.
    """
    runs = []
    if not reports.is_dir():
        return runs
    for folder in reports.iterdir():
        if folder.is_dir() and not folder.is_symlink():
            manifest = read_manifest(folder)
            if manifest is not None:
                manifest["folder"] = folder.name
                manifest["status"] = run_status(manifest)
                runs.append(manifest)
    runs.sort(key=lambda m: (m.get("started", ""), m["folder"]), reverse=True)
    return runs


def _badge(status: str, label: str, href: str | None = None, lang: str = "en") -> str:
    fg, bg = BADGE.get(status, BADGE["pending"])
    _ = translator(lang)
    text = f"{html.escape(label)} &middot; {html.escape(_(STATUS_NAMES.get(status, status)))}"
    style = f'style="color:{fg};background:{bg}"'
    if href:
        return f'<a class="badge" {style} href="{html.escape(href)}">{text}</a>'
    return f'<span class="badge" {style}>{text}</span>'


STATUS_NAMES = {"ok": N_("ok"), "failed": N_("failed"), "timed_out": N_("timed out"), "running": N_("running"),
                "pending": N_("pending"), "incomplete": N_("incomplete"), "interrupted": N_("interrupted"),
                "not_run": N_("not run")}
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def run_language(run: dict) -> str:
    """The report language of a run (its ``lang`` parameter; English by default).

    Parameters
    ----------
    run : dict
        The run's manifest.

    Returns
    -------
    str
        The language code, ``"en"`` for a language crmlib does not have.
    """
    lang = (run.get("parameters", {}).get("overrides", {}) or {}).get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def headline_numbers(reports: Path, run: dict) -> dict:
    """Revenue and churn rate of the last complete month and the total value at risk, from the
    run's ``exports/kpis.json`` (empty when the overview did not run).

    Parameters
    ----------
    reports : Path
        The reports folder.
    run : dict
        The run's manifest (with ``folder``, as :func:`list_runs` gives it).

    Returns
    -------
    dict
        ``currency``, ``period`` and, where known, ``revenue``, ``churn_rate``, ``value_at_risk``.
    """
    try:
        kpis = json.loads((reports / run["folder"] / "exports" / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    rows = {row.get("kpi"): row for row in kpis.get("headline", []) if isinstance(row, dict)}
    numbers = {"currency": kpis.get("currency") or "", "period": (rows.get("revenue") or {}).get("period")}
    for key in ("revenue", "churn_rate"):
        if rows.get(key, {}).get("available") and rows[key].get("value") is not None:
            numbers[key] = float(rows[key]["value"])
    if isinstance(kpis.get("value_at_risk"), dict) and kpis["value_at_risk"].get("total") is not None:
        numbers["value_at_risk"] = float(kpis["value_at_risk"]["total"])
    return numbers


@dataclass(frozen=True)
class IndexColumn:
    """One column of the runs table: its label (message id) and how a run's cell is drawn (HTML)."""

    label: str
    cell: Callable[[dict, IndexContext], str]


@dataclass(frozen=True)
class IndexContext:
    reports: Path
    latest: str | None
    lang: str

    @property
    def _(self):
        return translator(self.lang)


def _run_cell(run: dict, ctx: IndexContext) -> str:
    esc, _ = html.escape, ctx._
    mark = f' <span class="latest">{esc(_("latest"))}</span>' if run["folder"] == ctx.latest else ""
    started = esc(str(run.get("started", ""))[:16].replace("T", " "))
    duration = run.get("duration_seconds")
    took = "" if duration is None else " · " + esc(_("{seconds} s").format(seconds=f"{duration:.0f}"))
    return (f"<b>{esc(str(run.get('name', '')))}</b>{mark} {_badge(run['status'], _('run'), lang=ctx.lang)}"
            f"<br><small>{started}{took} · {esc(run['folder'])}</small>")


KEY_SETTINGS = {"churn_window_days": N_("Churn window"), "scheme": N_("Segment scheme"),
                "horizon_months": N_("CLV horizon")}
"""Settings every run lists (from its manifest's ``settings``), whether or not they were changed."""


def _setting_text(name: str, value, _) -> str:
    if name == "churn_window_days":
        return _("chosen from the purchase gaps") if value == 0 else _("{n} days").format(n=value)
    if name == "horizon_months":
        return _("{n} months").format(n=value)
    return _plain(value)


def _dataset_cell(run: dict, ctx: IndexContext) -> str:
    esc, _ = html.escape, ctx._
    dataset = run.get("dataset", {})
    used = run.get("settings") or {}
    overrides = run.get("parameters", {}).get("overrides") or {}
    settings = [(_("Language"), LANGUAGE_NAMES.get(run_language(run), run_language(run))),
                (_("Analysis date"), dataset.get("analysis_date") or "")]
    settings += [(_(label), _setting_text(name, used.get(name, overrides.get(name)), _))
                 for name, label in KEY_SETTINGS.items() if name in used or name in overrides]
    settings += [(name, _plain(value)) for name, value in sorted(overrides.items())
                 if name != "lang" and name not in KEY_SETTINGS]
    items = "".join(f"<li>{esc(str(k))}: {esc(str(v))}</li>" for k, v in settings if v != "")
    return (f"{esc(str(dataset.get('name', '')))}<br><small>{esc(str(dataset.get('path', '')))}</small>"
            f'<ul class="settings">{items}</ul>')


def _numbers_cell(run: dict, ctx: IndexContext) -> str:
    esc, _ = html.escape, ctx._
    numbers = headline_numbers(ctx.reports, run)
    if not numbers:
        return f"<small>{esc(_('no overview in this run'))}</small>"
    fmt = Formats(ctx.lang, numbers.get("currency") or "CNY")
    month = fmt.month(numbers["period"]) if numbers.get("period") else ""
    shown = [(_("Revenue") + (f" ({month})" if month else ""), fmt.money(numbers.get("revenue"), 0)),
             (_("Churn rate"), fmt.percent(numbers.get("churn_rate"))),
             (_("Value at risk"), fmt.money(numbers.get("value_at_risk"), 0))]
    return "".join(f'<div class="num"><small>{esc(k)}</small> <b>{esc(v)}</b></div>' for k, v in shown)


def _pages_cell(run: dict, ctx: IndexContext) -> str:
    esc, _ = html.escape, ctx._
    folder = run["folder"]
    badges = " ".join(
        _badge(nb.get("status", "pending"), page_label(nb.get("notebook", "?"), ctx.lang),
               f"{folder}/{nb['html']}" if nb.get("html") else None, ctx.lang)
        for nb in run.get("notebooks", []))
    pdfs = [nb for nb in run.get("notebooks", []) if nb.get("pdf")]
    extra = [f'<a href="{esc(folder)}/exports/">{esc(_("exports"))}</a>',
             f'<a href="{esc(folder)}/manifest.json">manifest.json</a>']
    files = (run.get("comparison") or {}).get("files") or {}
    if files.get("html"):
        extra.insert(0, f'<a href="{esc(folder)}/{esc(files["html"])}">{esc(_("What changed"))}</a>')
    if files.get("digest_md"):
        extra.insert(1 if files.get("html") else 0, f'<a href="{esc(folder)}/{esc(files["digest_md"])}">digest.md</a>')
    if pdfs:
        extra.insert(1, " ".join(f'<a href="{esc(folder)}/{esc(nb["pdf"])}">{esc(nb["notebook"][:2])}.pdf</a>'
                                 for nb in pdfs))
    return f'{badges}<div class="links">{" · ".join(extra)}</div>'


RUN_COLUMNS: list[IndexColumn] = [
    IndexColumn(N_("Run"), _run_cell),
    IndexColumn(N_("Dataset and settings"), _dataset_cell),
    IndexColumn(N_("Headline numbers"), _numbers_cell),
    IndexColumn(N_("Pages and exports"), _pages_cell),
]


def _plain(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_index(runs: list[dict], latest: str | None, reports: Path | None = None,
                 sections: Sequence[str] = (), columns: Sequence[IndexColumn] | None = None) -> str:
    """The index page as HTML (every value escaped, no scripts, no external resources).

    In the language of the newest run.

    Parameters
    ----------
    runs : list of dict
        The runs, newest first (:func:`list_runs`).
    latest : str or None
        The folder name of the latest successful run, or None.
    reports : Path or None, optional
        The reports folder, for the runs' exports (default None: the working folder).
    sections : sequence of str, optional
        HTML blocks shown above the runs, e.g. trends across runs (default: none).
    columns : sequence of IndexColumn or None, optional
        The table's columns (default None: :data:`RUN_COLUMNS`).

    Returns
    -------
    str
        The HTML document.
    """
    esc = html.escape
    lang = run_language(runs[0]) if runs else "en"
    ctx = IndexContext(Path(reports) if reports else Path("."), latest, lang)
    _ = ctx._
    columns = list(columns or RUN_COLUMNS)
    rows = []
    for run in runs:
        cells = "".join(f'<td data-label="{esc(_(c.label))}">{c.cell(run, ctx)}</td>' for c in columns)
        rows.append(f"<tr>{cells}</tr>")
    body = "\n".join(rows) or f'<tr><td colspan="{len(columns)}">{esc(_("No runs yet."))}</td></tr>'
    head = "".join(f"<th>{esc(_(c.label))}</th>" for c in columns)
    count = _.ngettext("{n} run, newest first.", "{n} runs, newest first.", len(runs)).format(n=len(runs))
    pointer = (_("Latest successful run: {link}.").format(link=f'<a href="{esc(latest)}/">{esc(latest)}</a>')
               if latest else esc(_("No successful run yet.")))
    title = esc(_("CRM workbook reports"))
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, {CJK_FONTS}, sans-serif; margin: 16px;
  color: #111827; }}
h1 {{ font-size: 24px; margin: 0 0 4px; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid #e5e7eb; }}
th {{ background: #f9fafb; }}
small {{ color: #6b7280; }}
ul.settings {{ margin: 4px 0 0; padding-left: 18px; color: #374151; font-size: 13px; }}
.num {{ white-space: nowrap; font-variant-numeric: tabular-nums; }}
.links {{ margin-top: 4px; font-size: 13px; }}
.badge {{ display: inline-block; margin: 2px; padding: 2px 8px; border-radius: 10px;
  text-decoration: none; font-size: 13px; white-space: nowrap; }}
.latest {{ background: #111827; color: #fff; padding: 1px 6px; border-radius: 6px; font-size: 12px; }}
@media (max-width: 700px) {{
  thead {{ display: none; }}
  table, tbody, tr, td {{ display: block; width: 100%; box-sizing: border-box; }}
  tr {{ border: 1px solid #e5e7eb; border-radius: 8px; margin-bottom: 12px; }}
  td {{ border: none; padding: 4px 10px; }}
  td::before {{ content: attr(data-label); display: block; font-size: 12px; color: #6b7280; }}
}}
</style></head>
<body><h1>{title}</h1>
<p>{esc(count)} {pointer}</p>
{"".join(sections)}
<table><thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


def _point_latest(reports: Path, folder: str) -> None:
    link = reports / LATEST
    temporary = reports / f".{LATEST}.{os.getpid()}.tmp"
    try:
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(folder, target_is_directory=True)
        os.replace(temporary, link)
    except OSError:  # no symbolic links here: the text file is the pointer
        temporary.unlink(missing_ok=True)
    atomic_write(reports / f"{LATEST}.txt", (folder + "\n").encode("utf-8"))


def update_index(reports: Path, lock_timeout: float = 120) -> Path:
    """Rebuild ``index.html`` and move ``latest`` to the newest successful run, under the lock.

    Parameters
    ----------
    reports : Path
        The reports folder (created if missing).
    lock_timeout : float, optional
        Seconds to wait for the lock (default 120; a ``filelock.Timeout`` after that).

    Returns
    -------
    Path
        The written ``reports/index.html``.
    """
    reports.mkdir(parents=True, exist_ok=True)
    with FileLock(str(reports / LOCK), timeout=lock_timeout):
        runs = list_runs(reports)
        if mark_incomplete(reports, runs):
            runs = list_runs(reports)
        latest = next((r["folder"] for r in runs if r["status"] == "ok"), None)
        if latest is not None:
            _point_latest(reports, latest)
        from crmlib.report.trends import render_trends

        trends = render_trends(reports, runs, run_language(runs[0]) if runs else "en")
        page = render_index(runs, latest, reports, sections=[trends] if trends else [])
        return atomic_write(reports / "index.html", page.encode("utf-8"))
