"""``reports/index.html`` (every run, newest first) and the ``latest`` pointer.

Both are rebuilt from the runs' manifests while holding ``reports/.index.lock``, and written
atomically (temporary file, then rename), so runs finishing at the same time cannot corrupt
them. ``reports/latest`` is a symbolic link to the newest run whose notebooks all succeeded
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
import os
from pathlib import Path

from filelock import FileLock

from crmlib.exports import _atomic_write
from crmlib.report.runfolder import host, process_alive, read_manifest

LOCK = ".index.lock"
LATEST = "latest"
BADGE = {"ok": ("#166534", "#dcfce7"), "failed": ("#991b1b", "#fee2e2"),
         "timed_out": ("#991b1b", "#fee2e2"), "running": ("#1e40af", "#dbeafe"),
         "pending": ("#374151", "#f3f4f6"), "incomplete": ("#92400e", "#fef3c7"),
         "interrupted": ("#92400e", "#fef3c7")}


def run_status(manifest: dict) -> str:
    """The run's status; a "running" run whose process is gone is "incomplete"."""
    status = manifest.get("status", "incomplete")
    if status == "running" and manifest.get("host") == host() and not process_alive(manifest.get("pid")):
        return "incomplete"
    return status


def list_runs(reports: Path) -> list[dict]:
    """Manifests of every run under ``reports`` (with ``folder`` added), newest first."""
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


def _badge(status: str, label: str, href: str | None = None) -> str:
    fg, bg = BADGE.get(status, BADGE["pending"])
    text = f"{html.escape(label)} &middot; {html.escape(status.replace('_', ' '))}"
    style = f'style="color:{fg};background:{bg}"'
    if href:
        return f'<a class="badge" {style} href="{html.escape(href)}">{text}</a>'
    return f'<span class="badge" {style}>{text}</span>'


def render_index(runs: list[dict], latest: str | None) -> str:
    """The index page as HTML (every value escaped, no scripts, no external resources)."""
    esc = html.escape
    rows = []
    for run in runs:
        folder = run["folder"]
        dataset = run.get("dataset", {})
        badges = " ".join(
            _badge(nb.get("status", "pending"), nb.get("notebook", "?"),
                   f"{folder}/{nb['html']}" if nb.get("html") else None)
            for nb in run.get("notebooks", []))
        mark = ' <span class="latest">latest</span>' if folder == latest else ""
        duration = run.get("duration_seconds")
        rows.append(
            f"<tr><td><b>{esc(str(run.get('name', '')))}</b>{mark}<br><small>{esc(folder)}</small></td>"
            f"<td>{esc(str(run.get('started', ''))[:19].replace('T', ' '))}"
            f"<br><small>{'' if duration is None else f'{duration:.0f} s'}</small></td>"
            f"<td>{esc(str(dataset.get('name', '')))}<br><small>{esc(str(dataset.get('path', '')))}"
            f"</small></td><td>{esc(str(dataset.get('analysis_date', '') or ''))}</td>"
            f"<td>{_badge(run['status'], 'run')}</td><td>{badges}</td></tr>")
    body = "\n".join(rows) or '<tr><td colspan="6">No runs yet.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CRM workbook reports</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px/1.5 system-ui, sans-serif; margin: 24px; color: #111827; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid #e5e7eb; }}
th {{ background: #f9fafb; }}
small {{ color: #6b7280; }}
.badge {{ display: inline-block; margin: 2px; padding: 2px 8px; border-radius: 10px;
  text-decoration: none; font-size: 13px; white-space: nowrap; }}
.latest {{ background: #111827; color: #fff; padding: 1px 6px; border-radius: 6px; font-size: 12px; }}
</style></head>
<body><h1>CRM workbook reports</h1>
<p>{len(runs)} run(s), newest first. {f'Latest successful run: <a href="{esc(latest)}/">{esc(latest)}</a>.' if latest else 'No successful run yet.'}</p>
<table><thead><tr><th>Run</th><th>Started</th><th>Dataset</th><th>Analysis date</th><th>Status</th>
<th>Notebooks (click to open)</th></tr></thead>
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
    _atomic_write(reports / f"{LATEST}.txt", (folder + "\n").encode("utf-8"))


def update_index(reports: Path, lock_timeout: float = 120) -> Path:
    """Rebuild ``index.html`` and move ``latest`` to the newest successful run, under the lock."""
    reports.mkdir(parents=True, exist_ok=True)
    with FileLock(str(reports / LOCK), timeout=lock_timeout):
        runs = list_runs(reports)
        latest = next((r["folder"] for r in runs if r["status"] == "ok"), None)
        if latest is not None:
            _point_latest(reports, latest)
        return _atomic_write(reports / "index.html", render_index(runs, latest).encode("utf-8"))
