"""``crm-workbook run | runs | params | translate``: the report runner's subcommands.

Exit codes (shared with :mod:`crmlib.cli`): 0 every notebook succeeded, 1 a notebook failed
or timed out, 2 bad options or parameters (nothing started), 3 the dataset failed
validation (nothing started), N (``--alert-exit-code N``) the notebooks succeeded and an alert
was crossed.

Example
-------
    crm-workbook run --data data/sample --name sample
    crm-workbook run --config monthly.yaml -p churn_window_days=120 --notebooks 03 04
    crm-workbook run --config monthly.yaml --digest --alert-exit-code 4
    crm-workbook runs
    crm-workbook params 03_clv
    crm-workbook translate notebooks/01_overview.ipynb my_overview_zh.ipynb --lang zh
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from crmlib import PROJECT_ROOT

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


def register(commands, handlers: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    """Add the ``run``, ``runs``, ``params`` and ``translate`` sub-commands to ``crm-workbook``.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The ``crm-workbook`` parser's sub-commands (``add_subparsers()``'s result).
    handlers : dict of str to callable
        Filled with each sub-command's handler, which takes the parsed arguments and returns the
        exit code.
    """
    run = commands.add_parser(
        "run", help="run the notebooks into a new reports/<time>-<name>/ folder",
        description="Run the notebooks with papermill into reports/<YYYYMMDD-HHMMSS>-<name>/ "
                    "(executed notebooks, HTML, exports/, manifest.json) and update reports/index.html. "
                    "Options left out come from --config, then from the defaults.")
    run.add_argument("--config", help="run-config YAML holding any of the options below "
                     "(keys: data, name, params, notebooks, jobs, show_code, reports, timeout, notebook_timeout, "
                     "start_timeout, "
                     "pseudonymize, notebooks_dir, pdf, compare, alerts, alert_exit_code, digest)")
    run.add_argument("--data", help="dataset folder holding dataset.yaml (default: data/sample)")
    run.add_argument("--name", help="run name, part of the folder name (default: dataset folder name)")
    run.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                     help="notebook parameter, typed as the parameters cell declares it; YAML for "
                          "lists/dicts, e.g. -p lang=zh -p 'channels=[web, app]' (repeatable)")
    run.add_argument("--notebooks", "-n", nargs="+", metavar="NB",
                     help="notebooks to run, by name or number prefix (default: all), e.g. -n 00 03_clv")
    run.add_argument("--jobs", "-j", type=int, help="notebooks run in parallel (default 2)")
    code = run.add_mutually_exclusive_group()
    code.add_argument("--show-code", dest="show_code", action="store_true", default=None,
                      help="show code cells in the HTML (hidden by default)")
    code.add_argument("--hide-code", dest="show_code", action="store_false",
                      help="hide code cells in the HTML (the default)")
    run.add_argument("--reports", help=f"reports folder (default: {PROJECT_ROOT / 'reports'})")
    run.add_argument("--timeout", type=float,
                     help="per-cell timeout in seconds; a cell running longer fails its notebook "
                          "(default 600, 0 = no limit)")
    run.add_argument("--notebook-timeout", type=float, metavar="SECONDS",
                     help="per-notebook limit in seconds, kernel start to page: a notebook running longer is "
                          "stopped with its kernel and marked timed out (default 7200, 0 = no limit)")
    run.add_argument("--start-timeout", type=float, metavar="SECONDS",
                     help="seconds a kernel may take to start and answer; a kernel that dies or does not answer "
                          "fails its notebook (default 120)")
    run.add_argument("--pseudonymize", action="store_true", default=None,
                     help="hash customer ids and drop names/e-mails/phones in everything the HTML "
                          "shows (exports keep real ids)")
    run.add_argument("--engine", choices=("duckdb", "spark"),
                     help="engine for the scans of raw rows (default: dataset.yaml `engine:`, else duckdb)")
    run.add_argument("--notebooks-dir", help="folder of notebooks (default: notebooks/)")
    run.add_argument("--pdf", action="store_true", default=None,
                     help="also print every page to an A4 PDF beside its HTML (needs chromium)")
    compare = run.add_mutually_exclusive_group()
    compare.add_argument("--compare", metavar="RUN_ID",
                         help="compare with this run (a folder name in the reports folder, or a path) "
                              "instead of the previous successful run of the same name")
    compare.add_argument("--no-compare", dest="compare", action="store_const", const=False,
                         help="do not compare with an earlier run (no compare.html, changes.json)")
    run.add_argument("--digest", action="store_true", default=None,
                     help="print the digest (digest.txt: status, headline numbers and changes, alerts) at the "
                          "end, e.g. for cron to mail")
    run.add_argument("--alert-exit-code", type=int, metavar="N",
                     help="exit with N (4-255) when an alert of the run config's alerts: is crossed and every "
                          "notebook succeeded")
    handlers["run"] = _run

    runs = commands.add_parser("runs", help="list the runs in the reports folder with their status")
    runs.add_argument("--reports", default=str(PROJECT_ROOT / "reports"), help="reports folder")
    runs.add_argument("--limit", type=int, default=20, help="show the newest N runs (default 20, 0 = all)")
    handlers["runs"] = _runs

    params = commands.add_parser("params", help="show the analysis settings (the notebooks' parameters) with "
                                 "types, defaults, help and the notebooks that use them")
    params.add_argument("notebooks", nargs="*", metavar="NB", help="notebook names or number prefixes (default: all)")
    params.add_argument("--notebooks-dir", default=str(PROJECT_ROOT / "notebooks"), help="folder of notebooks")
    handlers["params"] = _params

    translate = commands.add_parser(
        "translate", help="write a copy of a notebook with its narrative in another language",
        description="Copy a notebook with its Markdown cells translated by the message catalogue and "
                    "its lang parameter set, to open in JupyterLab (see docs/translating.md).")
    translate.add_argument("source", help="notebook to translate, e.g. notebooks/01_overview.ipynb")
    translate.add_argument("target", help="where to write the translated copy")
    translate.add_argument("--lang", required=True, help="report language, e.g. zh")
    handlers["translate"] = _translate


def options_from_args(args: argparse.Namespace):
    """RunOptions from the config file (if any) overridden by the options given.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``crm-workbook run`` arguments (unset options are None).

    Returns
    -------
    RunOptions
        The run's options; ``-p`` values update the config's ``params``.
    """
    from crmlib.report.params import parse_assignment
    from crmlib.report.runner import RunOptions, load_run_config

    settings = load_run_config(args.config) if args.config else {}
    params = dict(settings.pop("params", {}) or {})
    params.update(parse_assignment(item) for item in args.param)
    for key in ("data", "name", "jobs", "show_code", "reports", "timeout", "notebook_timeout", "start_timeout",
                "pseudonymize", "notebooks_dir", "pdf", "digest", "alert_exit_code"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    if args.compare is not None:
        settings["compare"] = args.compare or None  # --no-compare: False -> None
    if args.notebooks:
        settings["notebooks"] = [n for item in args.notebooks for n in item.split(",") if n]
    return RunOptions(params=params, **settings)


def _run(args: argparse.Namespace) -> int:
    from crmlib.engine.spark import SparkUnavailable, choose_engine
    from crmlib.report.params import UsageError
    from crmlib.report.runner import RunWriteError, run_notebooks
    from crmlib.report.signals import Terminated, sigterm_as_interrupt

    try:
        choose_engine(args.engine)  # the notebooks' kernels inherit the choice
        with sigterm_as_interrupt():
            result = run_notebooks(options_from_args(args))
    except (UsageError, SparkUnavailable) as exc:
        print(f"Usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunWriteError as exc:
        where = "" if exc.folder is None else f" The run {exc.folder.name} is marked failed." if exc.marked else \
            f" The run {exc.folder.name} could not be marked failed (its manifest could not be written either)."
        print(f"Error: {exc}.{where} Free some space (or fix the folder's permissions) and run again.",
              file=sys.stderr)
        return EXIT_FAILED
    except Terminated:
        print("Stopped by SIGTERM; the notebooks were stopped and the run is marked as interrupted.",
              file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("Interrupted; the notebooks were stopped and the run is marked as interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return result.exit_code


def _runs(args: argparse.Namespace) -> int:
    from crmlib.report.index import list_runs, mark_incomplete

    mark_incomplete(Path(args.reports), list_runs(Path(args.reports)))  # dead runs say so in their manifests
    runs = list_runs(Path(args.reports))
    if not runs:
        print(f"No runs in {args.reports}.")
        return EXIT_OK
    latest = (Path(args.reports) / "latest.txt")
    latest_name = latest.read_text().strip() if latest.is_file() else ""
    for run in runs[: args.limit or None]:
        notebooks = " ".join(f"{nb['notebook']}:{nb.get('status', '?')}" for nb in run.get("notebooks", []))
        flag = " (latest)" if run["folder"] == latest_name else ""
        print(f"{run['folder']}  {run['status']:<11} {run.get('dataset', {}).get('path', '')}{flag}\n    {notebooks}")
    return EXIT_OK


def _translate(args: argparse.Namespace) -> int:
    from crmlib.report.translate import translate_file

    try:
        translate_file(args.source, args.target, args.lang)
    except (OSError, ValueError) as exc:
        print(f"Usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _params(args: argparse.Namespace) -> int:
    from crmlib.report.params import UsageError, describe_settings, list_notebooks, select_notebooks

    try:
        notebooks = select_notebooks(list_notebooks(args.notebooks_dir), args.notebooks)
    except UsageError as exc:
        print(f"Usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(describe_settings(notebooks))
    return EXIT_OK
