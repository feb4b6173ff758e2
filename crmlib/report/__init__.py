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

__all__ = ["RunOptions", "RunResult", "UsageError", "run_notebooks"]


def __getattr__(name: str):
    # imported on first use, so a notebook worker does not pay for the runner's imports
    if name == "UsageError":
        from crmlib.report.params import UsageError

        return UsageError
    if name in ("RunOptions", "RunResult", "run_notebooks"):
        from crmlib.report import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
