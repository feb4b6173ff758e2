"""Write a comparison into the later run's folder: ``compare.html`` and three exports.

- ``exports/changes.json``: every section of the comparison, the alerts, what was not
  comparable and the units (JSON with plain keys);
- ``exports/new_at_risk.csv``: customers new on the retention list, with rank, value at risk,
  churn probability, CLV, main driver, likely reason, segment, why they are new and their
  earlier rank/value at risk (UTF-8 with BOM, real ids);
- ``exports/left_at_risk.csv``: customers who left it, with the reason and their last purchase.

Example
-------
>>> import json, tempfile
>>> from pathlib import Path
>>> from crmlib.report.compare import RunFolder, compare_runs
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "manifest.json").write_text(json.dumps({"run_id": "r1", "name": "monthly"}))
>>> written = write_comparison(compare_runs(None, RunFolder(folder)), folder)
>>> sorted(written)
['changes', 'html']
"""

from __future__ import annotations

from pathlib import Path

from crmlib.exports import write_csv, write_json
from crmlib.report.compare.changes import Comparison
from crmlib.report.compare.page import render_page

CHANGES, NEW_AT_RISK, LEFT_AT_RISK, PAGE = "changes.json", "new_at_risk.csv", "left_at_risk.csv", "compare.html"


def write_comparison(comparison: Comparison, folder: str | Path, *, nav: list[tuple[str, str]] | None = None,
                     index_href: str = "../index.html", salt: str | None = None) -> dict[str, str]:
    """Write the comparison's files into run ``folder``; returns what was written (relative paths).

    The exports keep real ids.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`crmlib.report.compare.compare_runs`.
    folder : str or Path
        The later run's folder.
    nav : list of (str, str), optional
        The page's navigation links as (label, href); default None.
    index_href : str, optional
        Link to the runs' index; default ``"../index.html"``.
    salt : str, optional
        Pseudonymises the customer ids the page shows (the run's ``--pseudonymize``); default None.

    Returns
    -------
    dict of str to str
        ``changes``, ``html`` and, when written, ``new_at_risk`` and ``left_at_risk`` -> path in
        ``folder``.
    """
    folder = Path(folder)
    exports = folder / "exports"
    lang = (comparison.changes.get("run") or {}).get("lang") or "en"
    written = {"changes": f"exports/{CHANGES}"}
    write_json(comparison.changes, exports / CHANGES)
    if comparison.new_at_risk is not None:
        write_csv(comparison.new_at_risk, exports / NEW_AT_RISK)
        written["new_at_risk"] = f"exports/{NEW_AT_RISK}"
    if comparison.left_at_risk is not None:
        write_csv(comparison.left_at_risk, exports / LEFT_AT_RISK)
        written["left_at_risk"] = f"exports/{LEFT_AT_RISK}"
    page = render_page(comparison.changes, lang=lang, nav=nav, index_href=index_href,
                       new_at_risk=comparison.new_at_risk, salt=salt)
    from crmlib.files import atomic_write

    atomic_write(folder / PAGE, page.encode("utf-8"))
    written["html"] = PAGE
    return written
