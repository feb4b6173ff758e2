"""The report runner: notebooks -> immutable run folders with HTML, exports and a manifest.

``crm-workbook run`` (:mod:`crmlib.report.cli`) checks options and the dataset, then runs
each notebook with papermill in its own process (:mod:`crmlib.report.worker`), renders
offline HTML (:mod:`crmlib.report.pages`), writes ``manifest.json``
(:mod:`crmlib.report.runfolder`) and rebuilds ``reports/index.html`` under a lock
(:mod:`crmlib.report.index`). See docs/running.md.

Example
-------
>>> from crmlib.report import RunOptions, run_notebooks
>>> result = run_notebooks(RunOptions(data="data/sample", name="sample"))   # doctest: +SKIP
"""

from crmlib.report.params import UsageError
from crmlib.report.runner import RunOptions, RunResult, run_notebooks

__all__ = ["RunOptions", "RunResult", "UsageError", "run_notebooks"]
