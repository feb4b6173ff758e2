"""Run one notebook in its own process: papermill, failure/timeout marking, then HTML.

The runner starts ``python -m crmlib.report.worker SPEC.json`` once per notebook, so
notebooks run in parallel processes and a crash in one cannot take the others down. The
worker writes a result JSON (status, error summary, timings) that the runner folds into
the manifest.

papermill records an exception raised in a cell, but a cell that exceeds the timeout
escapes as nbclient's ``CellTimeoutError`` and leaves the cell looking completed;
:func:`mark_timeout` turns it into an error output on that cell, so the executed notebook,
its HTML and the manifest all say it timed out.

A kernel that dies at start-up or does not answer within the spec's ``start_timeout`` fails the
notebook with a ``KernelStartError`` naming the kernel's own last error from this worker's log; a
start that lost a port race to a parallel kernel (``ZMQError: Address already in use``) is tried
once more. The runner stops a worker (with its kernel) that runs past the per-notebook limit and
renders what had run with :func:`stopped`.

A worker ends when the runner that started it dies, however it dies (SIGKILL from the
out-of-memory killer included): :func:`stop_with_parent` asks Linux for a parent-death signal
and watches the parent on other systems too. Its kernel follows, since ipykernel shuts down
when its parent process is gone.

Example
-------
>>> status_of(None, None)
'ok'
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

# jsonschema (via nbformat) imports rfc3987_syntax only to check "iri" formats, which notebooks
# never use; building its grammar costs ~1.5 s per worker. Only this process goes without it.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402

from crmlib.files import atomic_write  # noqa: E402
from crmlib.report.pages import PageHeader, map_output_text, notebook_title, render_html  # noqa: E402

TIMEOUT_ENAME = "CellTimeoutError"
NOTEBOOK_TIMEOUT_ENAME = "NotebookTimeoutError"  # the whole notebook ran past --notebook-timeout


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def stop_with_parent(parent_pid: int | None, poll_seconds: float = 1.0) -> None:
    """SIGTERM this process when the process ``parent_pid`` (the runner) is gone.

    Linux sends the signal itself (``prctl(PR_SET_PDEATHSIG)``); a daemon thread that checks
    every ``poll_seconds`` whether the parent changed covers other systems and the moment before
    the request took effect.

    Parameters
    ----------
    parent_pid : int or None
        The runner's process id (None or 0: nothing is watched).
    poll_seconds : float, optional
        Seconds between the watching thread's checks (default 1.0).

    >>> stop_with_parent(None)  # no runner named (a worker started by hand): nothing is watched
    """
    if not parent_pid:
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        os.kill(os.getpid(), signal.SIGTERM)

    if os.getppid() != parent_pid:  # the runner died before we got here
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def status_of(error: dict | None, timed_out: bool | None) -> str:
    """``ok``, ``failed`` or ``timed_out``.

    Parameters
    ----------
    error : dict or None
        The notebook's error, if any.
    timed_out : bool or None
        Whether a cell ran past the per-cell timeout (this wins over ``error``).

    Returns
    -------
    str
        ``"timed_out"``, ``"failed"`` or ``"ok"``.
    """
    if timed_out:
        return "timed_out"
    return "failed" if error else "ok"


def mark_timeout(nb, timeout: float):
    """Add a visible timeout error to the cell that was running when time ran out.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook, changed in place.
    timeout : float
        The per-cell timeout that was exceeded, in seconds (named in the message).

    Returns
    -------
    int or None
        The index of that cell (None if no cell had started, e.g. the kernel never came up).
    """
    message = (f"This cell was stopped after the per-cell timeout of {timeout:g} s; the notebook "
               f"is marked as failed (timed out). Raise --timeout or make the cell faster.")
    return mark_stopped(nb, message)


def mark_stopped(nb, message: str, ename: str = TIMEOUT_ENAME):
    """Add the error ``ename: message`` to the last cell that started; its index, or None.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook, changed in place (also marked as raising in papermill's metadata).
    message : str
        The error's text.
    ename : str, optional
        The error's name (default ``"CellTimeoutError"``).

    Returns
    -------
    int or None
        The index of the cell, or None when no code cell had started.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    >>> nb.cells[0].metadata["papermill"] = {"start_time": "2025-01-01T00:00:00"}
    >>> mark_stopped(nb, "stopped", "NotebookTimeoutError"), nb.cells[0].outputs[-1]["ename"]
    (0, 'NotebookTimeoutError')
    """
    started = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
               and cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return None
    index = started[-1]
    cell = nb.cells[index]
    # the kernel is interrupted while it shuts down; that KeyboardInterrupt is not the story
    outputs = [o for o in cell.get("outputs", [])
               if not (o.get("output_type") == "error" and o.get("ename") == "KeyboardInterrupt")]
    outputs.append(nbformat.v4.new_output(
        "error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"]))
    cell["outputs"] = outputs
    cell.metadata.setdefault("papermill", {}).update(status="failed", exception=True)
    nb.metadata.setdefault("papermill", {})["exception"] = True
    return index


def stopped(spec: dict, message: str, seconds: float) -> dict:
    """The result of a notebook whose worker the runner stopped at the per-notebook limit.

    The executed notebook as far as papermill saved it gets ``NotebookTimeoutError: message`` on
    the cell that was running (or a notice on top when no cell had started) and its page is
    rendered, so the page, the notebook and the manifest all say what happened.

    Parameters
    ----------
    spec : dict
        The notebook's worker spec (:func:`crmlib.report.runner.notebook_specs`).
    message : str
        Why it was stopped.
    seconds : float
        How long it ran, in seconds.

    Returns
    -------
    dict
        The worker result: status ``timed_out``, a ``NotebookTimeoutError`` error, ``html`` or None.
    """
    output = Path(spec["ipynb"])
    html = None
    try:
        nb = nbformat.read(output, as_version=4) if output.exists() else nbformat.read(spec["input"], as_version=4)
        if mark_stopped(nb, message, NOTEBOOK_TIMEOUT_ENAME) is None:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"**The notebook was stopped:** {message}"))
        nbformat.write(nb, output)
        write_html(spec, "timed_out", f"{NOTEBOOK_TIMEOUT_ENAME}: {message}", seconds)
        html = Path(spec["html"]).name
    except Exception as exc:  # the page is a courtesy; the manifest says what happened anyway
        message += f" (its page could not be made: {type(exc).__name__}: {exc})"
    return {"notebook": spec["stem"], "status": "timed_out", "ipynb": output.name, "html": html,
            "error": {"ename": NOTEBOOK_TIMEOUT_ENAME, "evalue": message, "cell_index": None,
                      "execution_count": None},
            "error_summary": f"{NOTEBOOK_TIMEOUT_ENAME}: {message}", "duration_seconds": seconds,
            "parameters": spec["parameters"]}


def _error_dict(exc) -> dict:
    return {"ename": getattr(exc, "ename", type(exc).__name__),
            "evalue": str(getattr(exc, "evalue", exc)),
            "cell_index": getattr(exc, "cell_index", None),
            "execution_count": getattr(exc, "exec_count", None)}


ADDRESS_IN_USE = "Address already in use"  # ipykernel's ZMQError when another kernel took its port
START_ATTEMPTS = 2  # a kernel start that lost a port race is tried once more


def cells_started(nb) -> int:
    """How many code cells papermill started (0: the kernel never came up).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.

    Returns
    -------
    int
        The number of code cells with a papermill ``start_time``.
    """
    return sum(1 for cell in nb.cells if cell.cell_type == "code"
               and cell.get("metadata", {}).get("papermill", {}).get("start_time"))


def kernel_last_error(text: str) -> str:
    """The last error line a kernel wrote to its log (e.g. ``zmq.error.ZMQError: Address already in use``).

    Parameters
    ----------
    text : str
        The log's text.

    Returns
    -------
    str
        The last line that names an error, at most 300 characters; "" when there is none.

    >>> kernel_last_error("Traceback (most recent call last):\\nzmq.error.ZMQError: Address already in use\\n")
    'zmq.error.ZMQError: Address already in use'
    >>> kernel_last_error("all fine")
    ''
    """
    lines = [line.strip() for line in text.splitlines()]
    errors = [line for line in lines if re.match(r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit)(?::|$)", line)]
    return errors[-1][:300] if errors else ""


def _log_size(spec: dict) -> int:
    try:
        return Path(spec["log"]).stat().st_size if spec.get("log") else 0
    except OSError:
        return 0


def _log_since(spec: dict, offset: int) -> str:
    try:
        with open(spec["log"], "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", errors="replace")
    except (OSError, KeyError, TypeError):
        return ""


def _say(text: str) -> None:
    """A line in the worker's log (stdout) and, through crmlib's logger, in the run's run.log."""
    print(f"[crm-workbook worker] {text}", flush=True)
    logging.getLogger("crmlib.report.worker").warning("%s", text)


def execute(spec: dict) -> dict:
    """Execute ``spec["input"]`` into ``spec["ipynb"]``; return status, error and timings.

    A kernel that dies or does not answer within ``spec["start_timeout"]`` seconds fails the
    notebook with a ``KernelStartError`` naming the kernel's own last error; one that lost a port
    race to a parallel kernel (``ZMQError: Address already in use``) is started once more.

    Parameters
    ----------
    spec : dict
        The notebook's worker spec (:func:`crmlib.report.runner.notebook_specs`).

    Returns
    -------
    dict
        ``status``, ``error`` (a dict or None) and ``kernel_start_attempts``.
    """
    attempts = 0
    while True:
        attempts += 1
        offset = _log_size(spec)
        result = _execute_once(spec)
        failed_start = result.pop("kernel_start_failed", False)
        if not failed_start:
            break
        said = _log_since(spec, offset)
        if ADDRESS_IN_USE in said and attempts < START_ATTEMPTS:
            _say(f"{spec.get('stem', '')}: the kernel could not start ({kernel_last_error(said) or ADDRESS_IN_USE}): "
                 "a port race with a parallel kernel; starting it once more")
            continue
        last = kernel_last_error(said)
        retried = f"; started {attempts} times" if attempts > 1 else ""
        error = result["error"]
        error.update(ename="KernelStartError",
                     evalue=f"the kernel ({spec['kernel']}) did not start: {error['ename']}: {error['evalue']}"
                            + (f" (kernel's last error: {last})" if last else "") + retried)
        _say(f"{spec.get('stem', '')}: {error['evalue']}")
        _notice_on_top(Path(spec["ipynb"]), spec, error["evalue"])
        break
    result["kernel_start_attempts"] = attempts
    return result


def _notice_on_top(output: Path, spec: dict, message: str) -> None:
    """Put a visible notice at the top of a notebook that could not be run."""
    try:
        nb = nbformat.read(output, as_version=4)
    except (OSError, ValueError):
        nb = nbformat.read(spec["input"], as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"**The notebook could not be run:** {message}"))
    nbformat.write(nb, output)


def _execute_once(spec: dict) -> dict:
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    from crmlib.report.translate import for_language

    output = Path(spec["ipynb"])
    error, timed_out, failed_start = None, False, False
    try:  # the narrative in the run's language (Markdown cells by the message catalogue)
        source = for_language(nbformat.read(spec["input"], as_version=4), spec["parameters"].get("lang"))
        papermill.execute_notebook(
            source, str(output), parameters=spec["parameters"], kernel_name=spec["kernel"],
            cwd=spec["cwd"], execution_timeout=spec["timeout"] or None, progress_bar=False,
            log_output=False, start_timeout=spec.get("start_timeout") or 60)
    except PapermillExecutionError as exc:
        error = _error_dict(exc)
    except CellTimeoutError:
        timed_out = True
        nb = nbformat.read(output, as_version=4)
        if mark_timeout(nb, spec["timeout"]) is None:
            error = {"ename": TIMEOUT_ENAME, "evalue": "timed out before any cell ran"}
        else:
            try:  # papermill's own banner at the top and anchor at the cell
                raise_for_execution_errors(nb, str(output))
            except PapermillExecutionError as exc:
                error = _error_dict(exc)
    except Exception as exc:  # kernel died or never started, unreadable notebook, ...
        error = {"ename": type(exc).__name__, "evalue": str(exc), "cell_index": None,
                 "execution_count": None}
        try:  # papermill writes the output before it starts the kernel: no cell started = no kernel
            failed_start = cells_started(nbformat.read(output, as_version=4)) == 0
        except (OSError, ValueError):
            failed_start = False
        if not output.exists():
            nb = nbformat.read(spec["input"], as_version=4)
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(
                f"**The notebook could not be run:** `{type(exc).__name__}`"))
            nbformat.write(nb, output)
    return {"status": status_of(error, timed_out), "error": error, "kernel_start_failed": failed_start}


def error_summary(error: dict | None) -> str:
    """One line for the manifest and the page header: where and what.

    Parameters
    ----------
    error : dict or None
        The notebook's error (``ename``, ``evalue``, ``execution_count``, ``cell_index``).

    Returns
    -------
    str
        ``"cell [n]: ename: evalue"`` (the cell when known); "" without an error.
    """
    if not error:
        return ""
    where = (f"cell [{error['execution_count']}]" if error.get("execution_count")
             else f"cell #{error['cell_index']}" if error.get("cell_index") is not None else "")
    text = f"{error['ename']}: {error['evalue']}".strip()
    return f"{where}: {text}" if where else text


def kernel_start_seconds(nb) -> float | None:
    """Seconds from papermill's notebook start to the first cell (mostly kernel start-up).

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.

    Returns
    -------
    float or None
        The seconds, rounded to 3 decimals; None without papermill's start times.
    """
    meta = nb.metadata.get("papermill", {})
    starts = [c.metadata.get("papermill", {}).get("start_time") for c in nb.cells]
    starts = [s for s in starts if s]
    if not meta.get("start_time") or not starts:
        return None
    delta = datetime.fromisoformat(min(starts)) - datetime.fromisoformat(meta["start_time"])
    return round(delta.total_seconds(), 3)


def write_html(spec: dict, status: str, summary: str, seconds: float | None = None) -> None:
    """Render the executed notebook to ``spec["html"]`` (pseudonymised if asked).

    Parameters
    ----------
    spec : dict
        The worker spec (``ipynb``, ``html``, ``header``, ``show_code``, ``pseudonymize``).
    status : str
        The notebook's status for the page header.
    summary : str
        The error summary for the page header ("" when none).
    seconds : float or None, optional
        The execution time shown in the header (default None: not shown).
    """
    nb = nbformat.read(spec["ipynb"], as_version=4)
    pseudo = spec.get("pseudonymize")
    if pseudo:
        from crmlib.report.pseudonyms import Scrubber

        ids = Path(pseudo["ids_file"]).read_text(encoding="utf-8").splitlines()
        nb = map_output_text(nb, Scrubber(ids, pseudo["salt"]))
    header = PageHeader(title=notebook_title(nb, spec["stem"]), current=spec["stem"],
                        status=status, error=summary, seconds=seconds, **spec["header"])
    page = render_html(nb, header, show_code=spec["show_code"])
    atomic_write(Path(spec["html"]), page.encode("utf-8"))


def run(spec: dict) -> dict:
    """Execute, mark, render; never raises for a notebook problem (it is in the result).

    Parameters
    ----------
    spec : dict
        The notebook's worker spec (:func:`crmlib.report.runner.notebook_specs`).

    Returns
    -------
    dict
        The worker result: status, error, error summary, page (and PDF) names, timings, parameters.
    """
    started = datetime.now().astimezone()
    t0 = time.perf_counter()
    result = execute(spec)
    t1 = time.perf_counter()
    result["error_summary"] = error_summary(result["error"])
    try:
        nb = nbformat.read(spec["ipynb"], as_version=4)
        result["kernel_start_seconds"] = kernel_start_seconds(nb)
    except (OSError, ValueError):
        result["kernel_start_seconds"] = None
    try:
        write_html(spec, result["status"], result["error_summary"], round(t1 - t0, 1))
        result["html"] = Path(spec["html"]).name
    except Exception as exc:  # the notebook ran, but its page could not be made: say so
        result["html"] = None
        result["status"] = "failed"
        if isinstance(exc, OSError):  # e.g. a full disk: the file, the reason, the space left
            from crmlib.report.runfolder import write_fault

            reason = f"the page {write_fault(exc, Path(spec['html']).parent)}"
        else:
            reason = f"HTML conversion failed: {type(exc).__name__}: {exc}"
        result["error_summary"] = (result["error_summary"] + "; " if result["error_summary"] else "") + reason
    if spec.get("pdf") and result.get("html"):
        from crmlib.report.pdf import PdfError, print_pdf

        try:
            result["pdf"] = print_pdf(Path(spec["html"])).name
        except PdfError as exc:  # asked for and missing: the notebook's result says so
            result["pdf"] = None
            result["status"] = "failed"
            result["error_summary"] = (result["error_summary"] + "; " if result["error_summary"] else "") \
                + f"PDF failed: {exc}"
    t2 = time.perf_counter()
    result.update(
        notebook=spec["stem"], ipynb=Path(spec["ipynb"]).name, started=started.isoformat(),
        finished=datetime.now().astimezone().isoformat(), duration_seconds=round(t2 - t0, 3),
        execute_seconds=round(t1 - t0, 3), html_seconds=round(t2 - t1, 3),
        parameters=spec["parameters"])
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the notebook of a spec JSON and write its result JSON (``spec["result"]``).

    Parameters
    ----------
    argv : list of str or None, optional
        The arguments, the spec JSON's path first (default None: ``sys.argv[1:]``).

    Returns
    -------
    int
        0, the process's exit code (a notebook's failure is in the result).
    """
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    stop_with_parent(spec.get("runner_pid"))
    from crmlib.logs import log_from_environment

    log_from_environment()  # the worker's own lines (kernel start retries, failures) into run.log
    result = run(spec)
    atomic_write(Path(spec["result"]), json.dumps(result, indent=2).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
