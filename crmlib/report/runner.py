"""Run the notebooks against a dataset into one immutable run folder.

Order of work, so that a bad run changes nothing: check options and parameters (a
:class:`~crmlib.report.params.UsageError`), validate the dataset with
:func:`crmlib.data.load.load_dataset` (a :class:`~crmlib.errors.DataError`), and only then claim
``reports/<YYYYMMDD-HHMMSS>-<name>/`` and start kernels, ``jobs`` notebooks at a time, each
in its own worker process (:mod:`crmlib.report.worker`). When the notebooks are done, the run
is compared with the previous successful run of the same name, the ``alerts:`` are checked and
the digest is written (:mod:`crmlib.report.whatchanged`).

Example
-------
>>> options = RunOptions(data="data/sample", name="sample", jobs=2)   # doctest: +SKIP
>>> result = run_notebooks(options)                                    # doctest: +SKIP
>>> result.exit_code, result.folder.name                              # doctest: +SKIP
(0, '20250101-120000-sample')
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import yaml

from crmlib import PROJECT_ROOT, cache
from crmlib.errors import DataError
from crmlib.logs import LOG_VARIABLE, SOURCE_VARIABLE, log_to_file, stop_logging_to
from crmlib.report.alerts import exit_code_for, validate_alerts
from crmlib.report.index import update_index
from crmlib.report.manifest import Manifest
from crmlib.report.pages import page_label
from crmlib.report.params import (
    UsageError,
    list_notebooks,
    plan_parameters,
    run_settings,
    select_notebooks,
)
from crmlib.report.runfolder import (
    create_run_folder,
    git_state,
    host,
    list_exports,
    package_versions,
    write_fault,
    write_manifest,
)
from crmlib.report.whatchanged import PREVIOUS, CompareOptions, nav_entry, what_changed

if TYPE_CHECKING:
    from crmlib.report.run_dataset import RunDataset

EXIT_OK, EXIT_FAILED = 0, 1
RUN_LOG = "run.log"  # the run's diagnostics: the runner's and the kernels' crmlib messages
log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 30.0
CONFIG_KEYS = {"data", "name", "params", "notebooks", "jobs", "show_code", "reports", "timeout",
               "notebook_timeout", "start_timeout", "pseudonymize", "notebooks_dir", "kernel", "pdf", "compare", "alerts", "alert_exit_code",
               "digest"}


@dataclass
class RunOptions:
    """Everything a run needs; the command line and a run-config YAML fill it."""

    data: str | Path = PROJECT_ROOT / "data" / "sample"
    name: str = ""
    params: dict[str, object] = field(default_factory=dict)
    notebooks: list[str] = field(default_factory=list)
    jobs: int = 2
    show_code: bool = False
    reports: str | Path = PROJECT_ROOT / "reports"
    timeout: float = 600.0  # per cell (0: no limit)
    notebook_timeout: float = 7200.0  # per notebook, kernel start to page (0: no limit)
    start_timeout: float = 120.0  # for the kernel to start and answer
    pseudonymize: bool = False
    notebooks_dir: str | Path = PROJECT_ROOT / "notebooks"
    kernel: str = "python3"
    pdf: bool = False  # also print every page to an A4 PDF (crmlib.report.pdf)
    compare: str | None = PREVIOUS  # "previous", a run id or folder, or None (no comparison)
    alerts: dict[str, object] = field(default_factory=dict)  # rule: threshold (crmlib.report.alerts)
    alert_exit_code: int | None = None  # exit with this code when an alert is crossed
    digest: bool = False  # print the digest at the end

    def compare_options(self, reports: Path) -> CompareOptions:
        """The comparison's options, checked (a :class:`UsageError` before anything is written).

        Parameters
        ----------
        reports : Path
            The reports folder, where a ``compare`` run id is looked up.

        Returns
        -------
        CompareOptions
            ``compare``, ``alerts`` and ``alert_exit_code`` of these options, validated.
        """
        return CompareOptions(compare=self.compare, alerts=dict(self.alerts or {}),
                              alert_exit_code=self.alert_exit_code).checked(reports)


@dataclass
class RunResult:
    folder: Path
    manifest: Manifest
    exit_code: int
    digest: str = ""  # the digest's text (digest.txt)


def load_run_config(path: str | Path) -> dict:
    """Read a run-config YAML; relative paths in it are relative to the file's folder.

    Parameters
    ----------
    path : str or Path
        The run-config YAML file.

    Returns
    -------
    dict
        Its options (keys of ``CONFIG_KEYS``), paths absolute, ``notebooks`` a list of str.

    Raises
    ------
    UsageError
        When the file cannot be read, is not a mapping, or has unknown or invalid keys.
    """
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read run config {path}: {exc}") from None
    if not isinstance(config, dict):
        raise UsageError(f"run config {path} must be a YAML mapping of option: value")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise UsageError(f"run config {path}: unknown keys {unknown}; allowed: {sorted(CONFIG_KEYS)}")
    for key in ("data", "reports", "notebooks_dir"):
        if key in config and not Path(str(config[key])).expanduser().is_absolute():
            config[key] = str((path.parent / str(config[key])).resolve())
    if isinstance(config.get("notebooks"), str | int):
        config["notebooks"] = [config["notebooks"]]
    if isinstance(config.get("notebooks"), list):  # YAML reads `[01, 03]` as numbers: 1 -> "01"
        config["notebooks"] = [f"{n:02d}" if isinstance(n, int) else str(n) for n in config["notebooks"]]
    if "compare" in config:  # compare: previous | <run id> | false
        config["compare"] = None if config["compare"] in (False, None, "none", "off") else str(config["compare"])
    if "alerts" in config:
        config["alerts"] = validate_alerts(config["alerts"], where=f"run config {path}")
    if "params" in config and not isinstance(config["params"], dict):
        raise UsageError(f"run config {path}: params must be a mapping of name: value")
    return config


def checked_reports_folder(reports: str | Path) -> Path:
    """The reports folder as an absolute path; a :class:`UsageError` when it (or a folder above
    it) is a file, before anything is written.

    Parameters
    ----------
    reports : str or Path
        The reports folder (``~`` expanded; it need not exist yet).

    Returns
    -------
    Path
        The folder, absolute and resolved.

    >>> try:
    ...     checked_reports_folder(__file__)
    ... except UsageError as exc:
    ...     print("is a file, not a folder" in str(exc))
    True
    """
    path = Path(reports).expanduser().resolve()
    for candidate in (path, *path.parents):
        if candidate.exists() and not candidate.is_dir():
            raise UsageError(f"--reports {path}: {candidate} is a file, not a folder; give a folder for "
                             "the run folders and index.html (it is created if missing)")
        if candidate.exists():
            break
    return path


def resolve_data_dir(data: str | Path) -> Path:
    """An absolute dataset folder: as given, else relative to the project (like Workbook.open).

    Parameters
    ----------
    data : str or Path
        The dataset folder, absolute, existing from the working folder, or under the project.

    Returns
    -------
    Path
        The folder, absolute and resolved.
    """
    path = Path(data).expanduser()
    if path.is_absolute() or path.exists():
        return path.resolve()
    return (PROJECT_ROOT / path).resolve()


class Progress:
    """Terminal progress lines: what starts, what finishes, how many are done, elapsed time.

    Parameters
    ----------
    total : int
        How many notebooks the run has.
    out : TextIO or None
        Where the lines are printed (None: only logged).
    """

    def __init__(self, total: int, out: TextIO | None):
        self.total, self.out, self.done = total, out, 0
        self.t0 = time.perf_counter()

    def say(self, text: str) -> None:
        """Log a line and print it to ``out`` after the elapsed seconds.

        Parameters
        ----------
        text : str
            The line.
        """
        log.info(text)
        if self.out is not None:
            print(f"[{time.perf_counter() - self.t0:6.1f}s] {text}", file=self.out, flush=True)

    def started(self, stem: str, running: int) -> None:
        """Say that a notebook starts, with how many are done and running.

        Parameters
        ----------
        stem : str
            The notebook's file name without ``.ipynb``.
        running : int
            How many notebooks are running now, this one included.
        """
        self.say(f"start    {stem}  ({self.done}/{self.total} done, {running} running)")

    def finished(self, result: NotebookResult) -> None:
        """Count a notebook as done and say its outcome and duration.

        Parameters
        ----------
        result : NotebookResult
            The notebook's outcome.
        """
        self.done += 1
        mark = {"ok": "ok      ", "failed": "FAILED  ", "timed_out": "TIMEOUT "}.get(result.status, "?")
        detail = f"  {result.error_summary}" if result.error_summary else ""
        if result.ok and (result.details.get("kernel_start_attempts") or 1) > 1:
            detail = "  (its kernel was started a second time: the first start lost a port to a parallel kernel)"
        self.say(f"{mark} {result.notebook} in {result.duration_seconds:.1f} s  "
                 f"({self.done}/{self.total} done){detail[:300]}")


@dataclass
class NotebookResult:
    """One notebook's outcome as the worker reports it and ``manifest.json`` records it.

    >>> r = NotebookResult.from_worker({"notebook": "01_x", "status": "ok", "ipynb": "01_x.ipynb",
    ...                                 "html": "01_x.html", "duration_seconds": 2.5, "execute_seconds": 2.0})
    >>> r.ok, r.to_dict()["execute_seconds"], r.to_dict()["error_summary"]
    (True, 2.0, '')
    """

    notebook: str
    status: str  # ok | failed | timed_out
    ipynb: str
    html: str | None = None
    error: dict | None = None
    error_summary: str = ""
    duration_seconds: float = 0.0
    wall_seconds: float | None = None  # including the worker's start
    log: str | None = None  # logs/<notebook>.log
    details: dict = field(default_factory=dict)  # the worker's other fields: timings, parameters, pdf …

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def from_worker(cls, values: dict) -> NotebookResult:
        """From the worker's result JSON (fields it does not name are kept in ``details``).

        Parameters
        ----------
        values : dict
            The worker's result JSON, read.

        Returns
        -------
        NotebookResult
            Its known fields; ``error_summary`` "" and ``duration_seconds`` 0.0 when missing.
        """
        names = {"notebook", "status", "ipynb", "html", "error", "error_summary", "duration_seconds",
                 "wall_seconds", "log"}
        known = {k: v for k, v in values.items() if k in names}
        known["error_summary"] = known.get("error_summary") or ""
        known["duration_seconds"] = float(known.get("duration_seconds") or 0.0)
        return cls(**known, details={k: v for k, v in values.items() if k not in names})

    @classmethod
    def worker_failed(cls, stem: str, message: str, ipynb: Path, seconds: float) -> NotebookResult:
        """A worker that ended without a result (crashed, killed).

        Parameters
        ----------
        stem : str
            The notebook's file name without ``.ipynb``.
        message : str
            Why it failed; the error's ``evalue`` and the ``error_summary``.
        ipynb : Path
            The executed notebook's path in the run folder (its name is recorded).
        seconds : float
            How long the worker ran, in seconds.

        Returns
        -------
        NotebookResult
            Status ``failed``, with a ``WorkerError`` error.
        """
        return cls(stem, "failed", ipynb.name, error={"ename": "WorkerError", "evalue": message},
                   error_summary=message, duration_seconds=seconds)

    def to_dict(self) -> dict:
        """The manifest's entry for the notebook.

        Returns
        -------
        dict
            The fields (``details`` spread among them, the named fields winning).
        """
        core = {k: v for k, v in asdict(self).items() if k != "details"}
        return {**self.details, **core}


class RunWriteError(Exception):
    """A file of the run could not be written (full disk, read-only or vanished folder …).

    ``str()`` is the one line the user sees: what could not be written, why, and how much space
    is left; ``folder`` is the run folder when one had been claimed (its manifest then says
    ``failed`` with that reason, where the disk still allowed it).

    Parameters
    ----------
    message : str
        The one line for the user.
    folder : Path or None, optional
        The run folder when one had been claimed (default None).
    marked : bool, optional
        Whether its manifest now says ``failed`` (default False).
    """

    def __init__(self, message: str, folder: Path | None = None, marked: bool = False):
        super().__init__(message)
        self.folder, self.marked = folder, marked  # marked: its manifest says failed


def run_notebooks(options: RunOptions, out: TextIO | None | str = "stdout") -> RunResult:
    """Run the selected notebooks into a new run folder and update the index.

    Raises :class:`UsageError` or :class:`DataError` before anything is written, and
    :class:`RunWriteError` when a file of the run cannot be written (the run is then marked
    ``failed`` with the reason where the disk still allows it, its workers are stopped and its
    temporary files removed).

    Parameters
    ----------
    options : RunOptions
        What to run, on which dataset, into which reports folder.
    out : TextIO or None or "stdout", optional
        Where progress goes (default ``"stdout"``: ``sys.stdout`` at the time of the call; None:
        silent).

    Returns
    -------
    RunResult
        The run folder, its final manifest, the exit code and the digest's text.
    """
    out = sys.stdout if out == "stdout" else out
    state: dict = {}
    try:
        return _run_notebooks(options, out, state)
    except OSError as exc:
        if "reports" not in state:  # reading the dataset or the notebooks: not a fault of the run folder
            raise
        line = write_fault(exc, state["reports"])
        marked = _mark_failed(state, line)
        raise RunWriteError(line, state.get("folder"), marked) from exc
    except KeyboardInterrupt:
        log.warning("run interrupted; notebooks stopped, run marked interrupted")
        raise
    finally:
        if state.get("log_handler") is not None:
            stop_logging_to(state["log_handler"])


def _run_log(folder: Path) -> logging.Handler:
    """The runner's messages into ``<run>/run.log``; a failing log write never stops the run."""
    handler = log_to_file(folder / RUN_LOG, "runner")
    handler.handleError = lambda record: None  # e.g. a full disk: the run's own error says so
    return handler


def _mark_failed(state: dict, reason: str) -> bool:
    """Record a write fault in the run's manifest and the index, as far as the disk allows;
    whether the manifest now says ``failed``."""
    manifest, folder = state.get("manifest"), state.get("folder")
    if manifest is None or folder is None:
        return False
    manifest.stop("failed", failure_reason=reason)
    try:
        _finish(manifest, folder, state["started"])
    except OSError:
        return False  # the disk is still full: a manifest left saying running is marked incomplete later
    try:
        update_index(state["reports"])
    except OSError:
        pass
    return True


def _run_notebooks(options: RunOptions, out: TextIO | None, state: dict) -> RunResult:
    if int(options.jobs) < 1:
        raise UsageError("--jobs must be at least 1")
    if options.timeout is not None and float(options.timeout) < 0:
        raise UsageError("--timeout must be 0 (no limit) or a number of seconds")
    if options.notebook_timeout is not None and float(options.notebook_timeout) < 0:
        raise UsageError("--notebook-timeout must be 0 (no limit) or a number of seconds")
    if float(options.start_timeout or 0) <= 0:
        raise UsageError("--start-timeout must be a positive number of seconds")
    notebooks = select_notebooks(list_notebooks(options.notebooks_dir), list(options.notebooks))
    declared, per_notebook = plan_parameters(notebooks, dict(options.params))
    settings = run_settings(dict(options.params))
    reports = checked_reports_folder(options.reports)
    comparing = options.compare_options(reports)

    from crmlib.notebook import SALT_VARIABLE
    from crmlib.report.run_dataset import run_dataset

    data_dir = resolve_data_dir(options.data)
    if not (data_dir / "dataset.yaml").is_file():
        raise DataError(f"no dataset.yaml in {data_dir}", file=data_dir,
                        hint="Pass --data with a dataset folder (e.g. data/sample), or create one "
                             "with `crm-workbook sample --out DIR`.")
    from crmlib.data.config import effective_engine

    engine = effective_engine(data_dir)  # before any work: a missing Spark install is a usage error
    analysis_date = next((v[k] for v in per_notebook.values() for k in v if k == "analysis_date"), "")
    dataset = run_dataset(data_dir, analysis_date, bool(options.pseudonymize))  # materialised once for the run
    from crmlib.data.store import prune_stores

    pruned = cache.prune() + prune_stores(cache.PRUNE_AFTER_DAYS)
    if pruned and out is not None:
        print(f"Cache: deleted {len(pruned)} result(s) unused for {cache.PRUNE_AFTER_DAYS} days.", file=out)

    started = datetime.now().astimezone()
    state.update(reports=reports, started=started)  # from here on an OSError is a write fault
    folder = create_run_folder(reports, options.name or data_dir.name, started)
    state["folder"] = folder
    state["log_handler"] = _run_log(folder)
    log.info("run %s: dataset %s (analysis date %s), notebooks %s, options %s", folder.name, data_dir,
             f"{dataset.analysis_date:%Y-%m-%d}", [p.stem for p in notebooks], options)
    if pruned:
        log.info("cache: deleted %d result(s) unused for %d days", len(pruned), cache.PRUNE_AFTER_DAYS)
    exports = folder / "exports"
    exports.mkdir()
    (folder / "logs").mkdir()
    salt = os.environ.get(SALT_VARIABLE) or dataset.fingerprint[:16]
    common = {"data_dir": str(data_dir), "export_dir": str(exports), "pseudonymize": bool(options.pseudonymize)}
    manifest = new_manifest(options, folder, started, common, settings, dataset, data_dir, notebooks,
                            engine)
    state["manifest"] = manifest
    _write(folder, manifest)
    update_index(reports)

    work = Path(tempfile.mkdtemp(prefix="crm-run-"))
    try:
        ids_file = write_pseudonym_ids(dataset.ids, work) if options.pseudonymize else None
        from crmlib.data.store import PIN_VARIABLE  # here: the runner's start stays light

        pin = {PIN_VARIABLE: dataset.store_pin} if dataset.store_pin else {}  # the kernels open what was loaded
        del dataset
        nav = [(p.stem, f"{p.stem}.html") for p in notebooks]
        if comparing.enabled:
            nav.append(nav_entry(settings.lang))
        specs = notebook_specs(options, notebooks, declared, per_notebook, common, folder, work, manifest,
                               nav, {"ids_file": str(ids_file), "salt": salt} if ids_file else None)
        if out is not None:
            print(f"Run {folder.name}: {len(specs)} notebook(s), {options.jobs} job(s), dataset "
                  f"{data_dir} ({manifest.dataset['customers']:,} customers, analysis date "
                  f"{manifest.dataset['analysis_date']})", file=out, flush=True)
        order = longest_first(specs, reports, folder.name)
        results = _schedule(order, work, folder / "logs", int(options.jobs), Progress(len(specs), out),
                            manifest, folder, pin)
        results = sorted(results, key=lambda r: [s["stem"] for s in specs].index(r.notebook))
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM via crmlib.report.signals
        manifest.stop("interrupted")
        _finish(manifest, folder, started)
        update_index(reports)
        raise
    finally:
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()

    manifest.notebooks = [r.to_dict() for r in results]
    ok = all(r.ok for r in results)
    manifest.status = "ok" if ok else "failed"
    compare_nav = [(page_label(p.stem, settings.lang), f"{p.stem}.html") for p in notebooks]
    changed = what_changed(folder, reports, manifest.to_dict(), comparing, nav=compare_nav + [nav_entry(settings.lang)],
                           salt=salt if options.pseudonymize else None)
    manifest.comparison = changed.manifest_entry()
    (log.warning if changed.error else log.info)("%s", changed.summary_line())
    manifest.exports = list_exports(exports)
    _finish(manifest, folder, started)
    update_index(reports)
    if out is not None:
        counts = {s: sum(r.status == s for r in results) for s in ("ok", "failed", "timed_out")}
        print(changed.summary_line(), file=out, flush=True)
        print(f"Done in {manifest.duration_seconds:.1f} s: {counts['ok']} ok, {counts['failed']} failed, "
              f"{counts['timed_out']} timed out. Reports: {folder}/ (index: {reports / 'index.html'})",
              file=out, flush=True)
        if options.digest and changed.digest:
            print("\n" + changed.digest, file=out, flush=True)
    code = exit_code_for(ok, changed.alerts, comparing.alert_exit_code, EXIT_OK, EXIT_FAILED)
    log.info("run %s finished in %.1f s: status %s, exit code %d", folder.name, manifest.duration_seconds,
             manifest.status, code)
    return RunResult(folder, manifest, code, changed.digest)


def new_manifest(options: RunOptions, folder: Path, started: datetime, common: dict, settings,
                 dataset: RunDataset, data_dir: Path, notebooks: list[Path], engine: str = "duckdb") -> Manifest:
    """The manifest of a run that is starting: every notebook ``pending``, status ``running``.

    Parameters
    ----------
    options : RunOptions
        The run's options (recorded under ``options``; ``name`` names the run).
    folder : Path
        The run folder; its name is the run id.
    started : datetime
        When the run started (timezone-aware).
    common : dict
        The parameters the runner gives every notebook (``data_dir``, ``export_dir`` …).
    settings : AnalysisSettings
        The run's analysis settings.
    dataset : RunDataset
        The loaded dataset's facts.
    data_dir : Path
        The dataset folder (its name is the run's when ``options.name`` is empty).
    notebooks : list of Path
        The selected notebooks.
    engine : str, optional
        The dataset's query engine (default ``"duckdb"``).

    Returns
    -------
    Manifest
        The manifest, with host, command, packages and git state filled in.
    """
    return Manifest(
        run_id=folder.name, name=options.name or data_dir.name, status="running",
        started=started.isoformat(), finished=None, duration_seconds=None,
        host=host(), pid=os.getpid(), command=sys.argv,
        options={"jobs": int(options.jobs), "timeout_seconds": float(options.timeout or 0),
                    "notebook_timeout_seconds": float(options.notebook_timeout or 0),
                    "start_timeout_seconds": float(options.start_timeout),
                    "show_code": bool(options.show_code), "pseudonymize": bool(options.pseudonymize),
                    "pdf": bool(options.pdf),
                    "kernel": options.kernel, "notebooks_dir": str(Path(options.notebooks_dir).resolve())},
        parameters={"runner": common, "overrides": dict(options.params)},
        settings=settings.to_dict(),
        dataset={"name": dataset.name, "path": str(data_dir),
                    "analysis_date": f"{dataset.analysis_date:%Y-%m-%d}",
                    "fingerprint": dataset.fingerprint, "files": dict(dataset.file_hashes),
                    "transactions": dataset.transactions, "customers": dataset.customers,
                    "profile": dataset.profile, "engine": engine},
        notebooks=[{"notebook": p.stem, "status": "pending", "ipynb": p.name,
                    "html": None} for p in notebooks],
        packages=package_versions(), git=git_state(),
    )



def write_pseudonym_ids(ids: str, work: Path) -> Path:
    """The dataset's customer ids (:func:`crmlib.report.run_dataset.pseudonym_ids`) into ``work/ids.txt``.

    Parameters
    ----------
    ids : str
        The customer ids, one per line.
    work : Path
        The run's temporary work folder.

    Returns
    -------
    Path
        The written ``work/ids.txt``.
    """
    path = work / "ids.txt"
    path.write_text(ids, encoding="utf-8")
    return path


def notebook_specs(options: RunOptions, notebooks: list[Path], declared: dict, per_notebook: dict, common: dict,
                   folder: Path, work: Path, manifest: Manifest, nav: list[tuple[str, str]],
                   pseudonymize: dict | None) -> list[dict]:
    """What each worker needs (``crmlib.report.worker``): paths, parameters, limits, page header.

    Parameters
    ----------
    options : RunOptions
        The run's options (timeouts, kernel, ``show_code``, ``pdf``).
    notebooks : list of Path
        The selected notebooks, in order.
    declared : dict
        Each notebook's declared parameters by name (from :func:`plan_parameters`).
    per_notebook : dict
        Each notebook's typed ``-p`` overrides (from :func:`plan_parameters`).
    common : dict
        The runner's parameters; each notebook gets those it declares.
    folder : Path
        The run folder (executed notebooks, pages, logs).
    work : Path
        The temporary work folder (the workers' result JSON).
    manifest : Manifest
        The run's manifest (run start and dataset for the page header).
    nav : list of tuple of (str, str)
        The page header's links as (label, href).
    pseudonymize : dict or None
        ``ids_file`` and ``salt`` for the workers' pseudonymiser, or None.

    Returns
    -------
    list of dict
        One spec per notebook, in the order of ``notebooks``.
    """
    specs = []
    started = datetime.fromisoformat(manifest.started)
    for path in notebooks:
        params = {k: v for k, v in common.items() if k in declared[path]}
        params.update(per_notebook[path])
        specs.append({
            "stem": path.stem, "input": str(path), "ipynb": str(folder / path.name),
            "html": str(folder / f"{path.stem}.html"), "result": str(work / f"{path.stem}.json"),
            "parameters": params, "cwd": str(path.parent), "timeout": float(options.timeout or 0),
            "notebook_timeout": float(options.notebook_timeout or 0), "start_timeout": float(options.start_timeout),
            "log": str(folder / "logs" / f"{path.stem}.log"),
            "kernel": options.kernel, "show_code": bool(options.show_code), "pdf": bool(options.pdf),
            "runner_pid": os.getpid(),  # the worker ends when this process does
            "pseudonymize": pseudonymize,
            "header": {"run_id": folder.name,
                       "dataset": f"{manifest.dataset['name']} ({manifest.dataset['path']})",
                       "analysis_date": manifest.dataset["analysis_date"],
                       "started": started.strftime("%Y-%m-%d %H:%M:%S %z"),
                       "parameters": {k: v for k, v in params.items() if k != "export_dir"},
                       "nav": nav, "index_href": "../index.html"},
        })
    return specs


# Seconds each bundled notebook took in a whole-suite run at 1M customers (benchmarks/bench_scale.py,
# 2 cores): only their ratios are used, to start the long notebooks first in a folder with no earlier run.
TYPICAL_SECONDS = {"01_overview": 364, "04_churn": 295, "06_journey": 162, "02_segmentation": 74, "03_clv": 73,
                   "05_feedback": 72, "07_profitability": 29, "00_data_quality": 20}


def longest_first(specs: list[dict], reports: Path, current: str) -> list[dict]:
    """Start the notebooks expected to take longest first (shorter total wall time with parallel jobs).

    The expectation is a notebook's duration in the latest earlier run in ``reports`` that has it;
    for a bundled notebook without one, its share of :data:`TYPICAL_SECONDS`, scaled to the earlier
    durations of the other bundled notebooks (the shares alone in a folder with no earlier run).
    Notebooks with neither (new ones) keep their place at the front.

    Parameters
    ----------
    specs : list of dict
        The notebook specs (:func:`notebook_specs`).
    reports : Path
        The reports folder, whose runs give the previous timings.
    current : str
        The folder name of this run, which is not counted.

    Returns
    -------
    list of dict
        The specs, unknown first, then by expected duration, longest first.

    Examples
    --------
    >>> import tempfile
    >>> specs = [{"stem": s} for s in ("00_data_quality", "01_overview", "my_notebook", "04_churn")]
    >>> [s["stem"] for s in longest_first(specs, Path(tempfile.mkdtemp()), "now")]
    ['my_notebook', '01_overview', '04_churn', '00_data_quality']
    """
    from crmlib.report.index import list_runs

    previous: dict[str, float] = {}
    for run in list_runs(reports):
        if run["folder"] != current:
            for nb in run.get("notebooks", []):
                if nb.get("status") == "ok" and nb.get("notebook") not in previous:
                    previous[nb["notebook"]] = float(nb.get("duration_seconds") or 0)
    timed_typical = [stem for stem in previous if stem in TYPICAL_SECONDS]
    scale = (sum(previous[s] for s in timed_typical) / sum(TYPICAL_SECONDS[s] for s in timed_typical)
             if timed_typical else 1.0)

    def expected(spec: dict) -> float:
        stem = spec["stem"]
        if stem in previous:
            return previous[stem]
        return TYPICAL_SECONDS[stem] * scale if stem in TYPICAL_SECONDS else float("inf")

    return sorted(specs, key=lambda s: -expected(s))


def worker_environment(jobs: int) -> dict[str, str]:
    """The workers' (and so the kernels') environment: with parallel jobs, numeric libraries get
    an equal share of the CPUs instead of each starting a thread per core (unless already set).

    Parameters
    ----------
    jobs : int
        How many workers run at once.

    Returns
    -------
    dict of str to str
        A copy of ``os.environ`` with ``OMP_NUM_THREADS`` and the like set to CPUs // jobs.
    """
    env = dict(os.environ)
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, threads)
    return env


def _finish(manifest: Manifest, folder: Path, started: datetime) -> None:
    finished = datetime.now().astimezone()
    manifest.finished = finished.isoformat()
    manifest.duration_seconds = round((finished - started).total_seconds(), 3)
    _write(folder, manifest)


def _write(folder: Path, manifest: Manifest) -> None:
    write_manifest(folder, manifest.to_dict())


def _schedule(specs: list[dict], work: Path, logs: Path, jobs: int, progress: Progress,
              manifest: Manifest, folder: Path, extra_env: dict[str, str]) -> list[NotebookResult]:
    """Keep up to ``jobs`` worker processes busy; collect their results in notebook order."""
    pending = list(specs)
    running: dict[str, tuple[subprocess.Popen, dict, float, object]] = {}
    results: dict[str, NotebookResult] = {}
    last_beat = time.perf_counter()
    env = {**worker_environment(jobs), **extra_env}
    env[LOG_VARIABLE] = str(folder / RUN_LOG)  # the kernels append crmlib's messages to the run log
    try:
        while pending or running:
            while pending and len(running) < jobs:
                spec = pending.pop(0)
                spec_path = work / f"{spec['stem']}.spec.json"
                spec_path.write_text(json.dumps(spec), encoding="utf-8")
                log_file = open(logs / f"{spec['stem']}.log", "wb")  # closed when the worker ends
                process = subprocess.Popen([sys.executable, "-m", "crmlib.report.worker", str(spec_path)],
                                           stdout=log_file, stderr=subprocess.STDOUT, cwd=spec["cwd"],
                                           env={**env, SOURCE_VARIABLE: spec["stem"]})
                running[spec["stem"]] = (process, spec, time.perf_counter(), log_file)
                manifest.set_notebook(spec["stem"], {"status": "running"})
                _write(folder, manifest)  # a killed run shows which notebooks were running
                progress.started(spec["stem"], len(running))
            time.sleep(0.2)
            for stem, (process, spec, t_start, log_file) in list(running.items()):
                over = spec.get("notebook_timeout") and time.perf_counter() - t_start > spec["notebook_timeout"]
                if process.poll() is None and not over:
                    continue
                if over and Path(spec["result"]).exists():  # done, but its process did not end: stop it
                    log.warning("%s: its worker had written its result but not ended; stopped", stem)
                    stop_process_tree(process)
                    over = False
                elif over:
                    result = _stop_overdue(process, spec)
                log_file.close()
                del running[stem]
                try:
                    if not over:
                        result = NotebookResult.from_worker(json.loads(Path(spec["result"]).read_text(encoding="utf-8")))
                except (OSError, ValueError, TypeError):
                    tail = (logs / f"{stem}.log").read_text(encoding="utf-8", errors="replace")[-800:]
                    result = NotebookResult.worker_failed(
                        stem, f"worker exited with code {process.returncode} without a result; log tail: "
                              f"{tail.strip()}", Path(spec["ipynb"]), round(time.perf_counter() - t_start, 3))
                result.log = f"logs/{stem}.log"
                result.wall_seconds = round(time.perf_counter() - t_start, 3)
                results[stem] = result
                manifest.set_notebook(stem, result.to_dict())
                _write(folder, manifest)
                progress.finished(result)
            if running and time.perf_counter() - last_beat > HEARTBEAT_SECONDS:
                last_beat = time.perf_counter()
                busy = ", ".join(f"{s} ({time.perf_counter() - t:.0f} s)" for s, (_, _, t, _) in running.items())
                progress.say(f"running  {busy}  ({progress.done}/{progress.total} done)")
    finally:
        for process, _, _, log_file in running.values():  # interrupted: stop what still runs
            stop_process_tree(process)
            log_file.close()
    return [results[s["stem"]] for s in specs]


def stop_process_tree(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a worker and everything it started (its kernel runs in a session of its own): SIGTERM,
    then SIGKILL for what is still there after ``grace`` seconds.

    Parameters
    ----------
    process : subprocess.Popen
        The worker process.
    grace : float, optional
        Seconds to wait after SIGTERM, and after SIGKILL (default 10.0).

    >>> p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    >>> stop_process_tree(p); p.poll() is not None
    True
    """
    import psutil

    try:
        tree = [psutil.Process(process.pid)]
        tree += tree[0].children(recursive=True)  # before the worker goes: its kernel is reparented then
    except psutil.NoSuchProcess:
        tree = []
    for member in tree:
        try:
            member.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(tree, timeout=grace)
    for member in alive:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass


def _stop_overdue(process: subprocess.Popen, spec: dict) -> NotebookResult:
    """A worker past the per-notebook limit: stopped with its kernel, its page says so."""
    from crmlib.report.worker import stopped

    limit = spec["notebook_timeout"]
    log.warning("%s ran past the per-notebook limit of %g s; stopping its worker and kernel", spec["stem"], limit)
    stop_process_tree(process)
    message = (f"the notebook ran longer than the per-notebook limit of {limit:g} s and was stopped with its "
               "kernel; raise --notebook-timeout (0 = no limit) or make the notebook faster")
    return NotebookResult.from_worker(stopped(spec, message, round(limit, 3)))
