"""What changed since the previous run: compare two run folders of the same schedule.

Pure functions of run folders (their ``manifest.json`` and ``exports/``): :func:`compare_runs`
finds the changes, :func:`write_comparison` writes ``exports/changes.json``,
``exports/new_at_risk.csv``, ``exports/left_at_risk.csv`` and ``compare.html`` into the later
run's folder. :func:`previous_run` picks the run to compare with: the newest earlier successful
run of the same name in the same reports folder. See docs/running.md, "Comparison with the
previous run".

Example
-------
>>> from crmlib.report.compare import RunFolder, compare_runs, previous_run
>>> now = RunFolder("reports/20250131-060000-monthly")                     # doctest: +SKIP
>>> comparison = compare_runs(previous_run("reports", now), now)           # doctest: +SKIP
>>> comparison.changes["sections"]["segments"]["migration"]["moved"]       # doctest: +SKIP
412
"""

from crmlib.report.compare.changes import Comparison, compare_runs, nothing_to_compare
from crmlib.report.compare.profile import dataset_profile
from crmlib.report.compare.runs import RunFolder, find_run, previous_run

__all__ = ["Comparison", "RunFolder", "compare_runs", "dataset_profile", "find_run", "nothing_to_compare",
           "previous_run"]
