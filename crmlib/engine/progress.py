"""Progress lines for long loads and scans: in the notebook and in the runner's log.

A scan that runs longer than :data:`QUIET_SECONDS` prints, every :data:`EVERY_SECONDS`, a line
such as ``scan customer_summary: 2,400,000 of 4,950,000 transactions rows (48 %), 6 s`` and, at
the end, ``scan customer_summary: 4,950,000 transactions rows in 11.8 s``. Lines go to
``sys.stderr`` (in a notebook: the cell's output) and to the ``crmlib.progress`` logger at INFO,
which under ``crm-workbook run`` appends them to the run's log (:mod:`crmlib.logs`). Under the
runner they go to the log only: a report page does not carry timings that depend on the machine's
load (and would be English on a Chinese page). Short scans print nothing.

Example
-------
>>> with Progress("customer_summary", rows=1000, table="transactions", quiet_seconds=0,
...               stream=__import__("sys").stdout) as p:
...     pass                                                      # doctest: +ELLIPSIS
scan customer_summary: 1,000 transactions rows in ... s
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from crmlib.logs import LOG_VARIABLE

LOGGER = logging.getLogger("crmlib.progress")
QUIET_SECONDS = 3.0
EVERY_SECONDS = 10.0


def emit(line: str, stream=None) -> None:
    """Log ``line`` (the run's log under the runner) and print it to ``stream``; without a
    ``stream``, to stderr unless the runner's log takes it (``CRM_WORKBOOK_LOG`` is set).

    Parameters
    ----------
    line : str
        The progress line.
    stream : file, optional
        Where to print it (None: stderr, or nowhere under the runner).
    """
    if stream is not None or not os.environ.get(LOG_VARIABLE):
        print(line, file=stream or sys.stderr, flush=True)
    LOGGER.info(line)


class Progress:
    """Context manager that reports a running scan (see the module docstring).

    Parameters
    ----------
    label : str
        The scan's name, as in ``scan <label>: …``.
    rows : int, optional
        Rows of the scanned table, for "rows so far" (None: no row counts).
    table : str, optional
        The scanned table's name in the lines (default ``"rows"``).
    fraction : callable, optional
        Returns the engine's progress (0–1, or a negative number when unknown), polled from a
        background thread (None: no share shown).
    quiet_seconds : float, optional
        Seconds before the first line (default :data:`QUIET_SECONDS`; 0: no running lines).
    every_seconds : float, optional
        Seconds between lines (default :data:`EVERY_SECONDS`).
    stream : file, optional
        Where lines are printed (see :func:`emit`).
    """

    def __init__(self, label: str, *, rows: int | None = None, table: str = "rows",
                 fraction: Callable[[], float] | None = None, quiet_seconds: float = QUIET_SECONDS,
                 every_seconds: float = EVERY_SECONDS, stream=None):
        self.label, self.rows, self.table, self.fraction = label, rows, table, fraction
        self.quiet_seconds, self.every_seconds, self.stream = quiet_seconds, every_seconds, stream
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._spoke = False

    def _rows_text(self, share: float | None = None) -> str:
        if self.rows is None:
            return ""
        if share is None or share < 0:
            return f"{self.rows:,} {self.table} rows"
        return f"{int(self.rows * share):,} of {self.rows:,} {self.table} rows ({share:.0%})"

    def _watch(self) -> None:
        if self._done.wait(self.quiet_seconds):
            return
        while not self._done.is_set():
            share = None
            if self.fraction is not None:
                try:
                    share = float(self.fraction())
                except Exception:  # progress is best effort
                    share = None
            rows = self._rows_text(share)
            emit(f"scan {self.label}: {rows + ', ' if rows else ''}{time.perf_counter() - self._started:.0f} s",
                 self.stream)
            self._spoke = True
            self._done.wait(self.every_seconds)

    def __enter__(self) -> Progress:
        self._started = time.perf_counter()
        if self.quiet_seconds > 0:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        seconds = time.perf_counter() - self._started
        if exc[0] is None and (self._spoke or seconds >= self.quiet_seconds):
            rows = self._rows_text()
            emit(f"scan {self.label}: {rows + ' ' if rows else ''}in {seconds:.1f} s", self.stream)
