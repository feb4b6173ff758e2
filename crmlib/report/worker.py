"""Run one notebook in its own process: papermill, failure/timeout marking, then HTML.

The runner starts ``python -m crmlib.report.worker SPEC.json`` once per notebook, so
notebooks run in parallel processes and a crash in one cannot take the others down. The
worker writes a result JSON (status, error summary, timings) that the runner folds into
the manifest.

papermill records an exception raised in a cell, but a cell that exceeds the timeout
escapes as nbclient's ``CellTimeoutError`` and leaves the cell looking completed;
:func:`mark_timeout` turns it into an error output on that cell, so the executed notebook,
its HTML and the manifest all say it timed out.

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
import os
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


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def stop_with_parent(parent_pid: int | None, poll_seconds: float = 1.0) -> None:
    """SIGTERM this process when the process ``parent_pid`` (the runner) is gone.

    Linux sends the signal itself (``prctl(PR_SET_PDEATHSIG)``); a daemon thread that checks
    every ``poll_seconds`` whether the parent changed covers other systems and the moment before
    the request took effect.

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
    """``ok``, ``failed`` or ``timed_out``."""
    if timed_out:
        return "timed_out"
    return "failed" if error else "ok"


def mark_timeout(nb, timeout: float):
    """Add a visible timeout error to the cell that was running when time ran out.

    Returns the index of that cell (None if no cell had started, e.g. the kernel never came up).
    """
    started = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
               and cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return None
    index = started[-1]
    cell = nb.cells[index]
    message = (f"This cell was stopped after the per-cell timeout of {timeout:g} s; the notebook "
               f"is marked as failed (timed out). Raise --timeout or make the cell faster.")
    # the kernel is interrupted while it shuts down; that KeyboardInterrupt is not the story
    outputs = [o for o in cell.get("outputs", [])
               if not (o.get("output_type") == "error" and o.get("ename") == "KeyboardInterrupt")]
    outputs.append(nbformat.v4.new_output(
        "error", ename=TIMEOUT_ENAME, evalue=message, traceback=[f"{TIMEOUT_ENAME}: {message}"]))
    cell["outputs"] = outputs
    cell.metadata.setdefault("papermill", {}).update(status="failed", exception=True)
    nb.metadata.setdefault("papermill", {})["exception"] = True
    return index


def _error_dict(exc) -> dict:
    return {"ename": getattr(exc, "ename", type(exc).__name__),
            "evalue": str(getattr(exc, "evalue", exc)),
            "cell_index": getattr(exc, "cell_index", None),
            "execution_count": getattr(exc, "exec_count", None)}


def execute(spec: dict) -> dict:
    """Execute ``spec["input"]`` into ``spec["ipynb"]``; return status, error and timings."""
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    from crmlib.report.translate import for_language

    output = Path(spec["ipynb"])
    error, timed_out = None, False
    try:  # the narrative in the run's language (Markdown cells by the message catalogue)
        source = for_language(nbformat.read(spec["input"], as_version=4), spec["parameters"].get("lang"))
        papermill.execute_notebook(
            source, str(output), parameters=spec["parameters"], kernel_name=spec["kernel"],
            cwd=spec["cwd"], execution_timeout=spec["timeout"] or None, progress_bar=False,
            log_output=False, start_timeout=spec.get("start_timeout", 60))
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
        if not output.exists():
            nb = nbformat.read(spec["input"], as_version=4)
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(
                f"**The notebook could not be run:** `{type(exc).__name__}`"))
            nbformat.write(nb, output)
    return {"status": status_of(error, timed_out), "error": error}


def error_summary(error: dict | None) -> str:
    """One line for the manifest and the page header: where and what."""
    if not error:
        return ""
    where = (f"cell [{error['execution_count']}]" if error.get("execution_count")
             else f"cell #{error['cell_index']}" if error.get("cell_index") is not None else "")
    text = f"{error['ename']}: {error['evalue']}".strip()
    return f"{where}: {text}" if where else text


def kernel_start_seconds(nb) -> float | None:
    """Seconds from papermill's notebook start to the first cell (mostly kernel start-up)."""
    meta = nb.metadata.get("papermill", {})
    starts = [c.metadata.get("papermill", {}).get("start_time") for c in nb.cells]
    starts = [s for s in starts if s]
    if not meta.get("start_time") or not starts:
        return None
    delta = datetime.fromisoformat(min(starts)) - datetime.fromisoformat(meta["start_time"])
    return round(delta.total_seconds(), 3)


def write_html(spec: dict, status: str, summary: str, seconds: float | None = None) -> None:
    """Render the executed notebook to ``spec["html"]`` (pseudonymised if asked)."""
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
    """Execute, mark, render; never raises for a notebook problem (it is in the result)."""
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
        result["error_summary"] = (result["error_summary"] + "; " if result["error_summary"] else "") \
            + f"HTML conversion failed: {type(exc).__name__}: {exc}"
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
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    stop_with_parent(spec.get("runner_pid"))
    result = run(spec)
    atomic_write(Path(spec["result"]), json.dumps(result, indent=2).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
