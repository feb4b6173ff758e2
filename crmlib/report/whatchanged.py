"""The runner's last step: what changed since the previous run, the alerts and the digest.

After the notebooks have run, :func:`what_changed` compares the run with the earlier run
(:mod:`crmlib.report.compare`), checks the run config's ``alerts:``
(:mod:`crmlib.report.alerts`), writes ``compare.html``, ``exports/changes.json``,
``exports/new_at_risk.csv``, ``exports/left_at_risk.csv``, ``digest.md`` and ``digest.txt``
(:mod:`crmlib.report.digest`), and returns what the manifest records. A failure here never costs
the run its notebooks' results: it is reported, logged to ``logs/compare.log`` and the run
keeps the exit code of its notebooks.

Example
-------
>>> options = CompareOptions(alerts={"churn_rate_up_points": 2})
>>> options.compare, options.top_n
('previous', 500)
>>> CompareOptions(compare=None).enabled
False
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from crmlib.lang import translator
from crmlib.report.alerts import check_alerts, crossed, validate_alerts, validate_exit_code
from crmlib.report.compare import (
    RunFolder,
    compare_runs,
    find_run,
    nothing_to_compare,
    previous_run,
)
from crmlib.report.compare.headline import headline_metrics
from crmlib.report.compare.retention import DEFAULT_TOP_N
from crmlib.report.compare.write import PAGE, write_comparison
from crmlib.report.digest import digest_lines, write_digest
from crmlib.report.params import UsageError

PREVIOUS = "previous"


@dataclass(frozen=True)
class CompareOptions:
    """How a run compares itself: with the ``previous`` run, a run id, or not at all (None)."""

    compare: str | None = PREVIOUS
    top_n: int = DEFAULT_TOP_N
    alerts: dict = field(default_factory=dict)
    alert_exit_code: int | None = None

    @property
    def enabled(self) -> bool:
        return self.compare is not None

    def checked(self, reports: Path) -> CompareOptions:
        """These options validated before the run starts (:class:`UsageError` otherwise).

        Parameters
        ----------
        reports : Path
            The reports folder, where a ``compare`` run id must be found.

        Returns
        -------
        CompareOptions
            A copy with ``top_n`` an int and the alerts and exit code validated.
        """
        if int(self.top_n) < 1:
            raise UsageError(f"compare top_n must be at least 1, got {self.top_n}")
        if self.compare not in (None, PREVIOUS) and find_run(reports, str(self.compare)) is None:
            raise UsageError(f"--compare {self.compare}: no such run in {reports} "
                             "(give a run folder name as `crm-workbook runs` lists them, or a path)")
        return CompareOptions(self.compare, int(self.top_n), validate_alerts(self.alerts),
                              validate_exit_code(self.alert_exit_code))


@dataclass
class WhatChanged:
    """What the step wrote and found."""

    changes: dict
    alerts: list[dict]
    digest: str
    written: dict[str, str]
    error: str = ""

    @property
    def crossed(self) -> list[dict]:
        return crossed(self.alerts)

    def summary_line(self) -> str:
        """One line for the terminal: what the run was compared with and the alerts crossed.

        Returns
        -------
        str
            The line; says the comparison failed when ``error`` is set.
        """
        if self.error:
            return f"Comparison failed (the notebooks' results are unaffected): {self.error}"
        status = self.changes.get("status")
        if status == "compared":
            line = f"Compared with {self.changes['compared_with']['run_id']}: {self.written.get('html', PAGE)}."
        elif self.written.get("html"):
            line = "Nothing to compare yet (no earlier successful run of this name)."
        else:
            line = "Comparison switched off (--no-compare)."
        alerts = self.crossed
        if alerts:
            line += f" {len(alerts)} alert(s) crossed: {', '.join(a['rule'] for a in alerts)}."
        return line

    def manifest_entry(self) -> dict:
        """The manifest's ``comparison`` entry.

        Returns
        -------
        dict
            ``status``, ``error``, ``compared_with`` (run id or None), ``reason``,
            ``alerts_crossed`` (rule names) and ``files`` (what was written).
        """
        return {"status": "error" if self.error else self.changes.get("status"), "error": self.error,
                "compared_with": (self.changes.get("compared_with") or {}).get("run_id"),
                "reason": self.changes.get("reason", ""),
                "alerts_crossed": [a["rule"] for a in self.crossed], "files": self.written}


def nav_entry(lang: str) -> tuple[str, str]:
    """The comparison's link in the run's navigation bar.

    Parameters
    ----------
    lang : str
        The language of the link's label.

    Returns
    -------
    tuple of (str, str)
        The label and the href, ``compare.html``.
    """
    _ = translator(lang)
    return _("What changed"), PAGE


def what_changed(folder: Path, reports: Path, manifest: dict, options: CompareOptions, *,
                 salt: str | None = None, nav: list[tuple[str, str]] | None = None) -> WhatChanged:
    """Compare, check alerts, write the comparison and the digest into ``folder``; never raises.

    Parameters
    ----------
    folder : Path
        The run folder.
    reports : Path
        The reports folder, where the run to compare with is found.
    manifest : dict
        The run's manifest as it stands.
    options : CompareOptions
        What to compare with, and the alerts, checked (:meth:`CompareOptions.checked`).
    salt : str or None, optional
        The salt that pseudonymises the customer ids the page shows (default None: not done).
    nav : list of tuple of (str, str) or None, optional
        The run's navigation links (label, href) for ``compare.html`` (default None).

    Returns
    -------
    WhatChanged
        The changes, alerts, digest text and files written; ``error`` set when the step failed.
    """
    now = RunFolder(folder, manifest=manifest)
    try:
        return _what_changed(now, reports, options, salt, nav)
    except Exception as exc:  # the notebooks' results stand; say what went wrong
        message = f"{type(exc).__name__}: {exc}"
        try:  # a full disk or an unwritable logs/ must not fail the run either
            (folder / "logs").mkdir(exist_ok=True)
            (folder / "logs" / "compare.log").write_text(traceback.format_exc(), encoding="utf-8")
        except OSError as log_error:
            message += f" (logs/compare.log could not be written: {type(log_error).__name__}: {log_error})"
        else:
            message += " (see logs/compare.log)"
        return WhatChanged({"status": "error"}, [], "", {}, error=message)


def _what_changed(now: RunFolder, reports: Path, options: CompareOptions, salt, nav) -> WhatChanged:
    if not options.enabled:
        comparison = nothing_to_compare(now, "skipped")
    elif options.compare == PREVIOUS:
        comparison = compare_runs(previous_run(reports, now), now, top_n=options.top_n, reason="first_run")
    else:
        then = find_run(reports, str(options.compare))
        comparison = compare_runs(then, now, top_n=options.top_n, reason="not_found")
    headline = headline_metrics(now)
    values = {key: metric.value for key, metric in headline.items()}
    alerts = check_alerts(options.alerts, comparison.changes, values, now.notebook_status(), lang=now.lang)
    comparison.changes["alerts"] = alerts
    written = {}
    if options.enabled:
        written = write_comparison(comparison, now.folder, nav=nav, salt=salt)
    page = str(now.folder / PAGE) if options.enabled else None
    common = {"headline": values, "kinds": {k: m.kind for k, m in headline.items()},
              "notebooks": now.notebook_status(), "compare_html": page, "index_html": str(reports / "index.html")}
    md = digest_lines(comparison.changes, markdown=True, **common)
    txt = digest_lines(comparison.changes, markdown=False, **common)
    write_digest(now.folder, md, txt)
    written.update({"digest_md": "digest.md", "digest_txt": "digest.txt"})
    return WhatChanged(comparison.changes, alerts, "\n".join(txt), written)
