"""Diagnostics through :mod:`logging`: one log file per run, written by the runner and its kernels.

The runner names the file in ``CRM_WORKBOOK_LOG`` (``reports/<run>/run.log``) and the notebook in
``CRM_WORKBOOK_NOTEBOOK`` for each worker; a notebook's :class:`~crmlib.notebook.Workbook` then
appends crmlib's messages (cache hits, fallbacks) to the same file, each line saying which process
and notebook wrote it. Appends of whole lines from several processes do not interleave on Linux.
Without the variable nothing is configured and messages go wherever the caller's logging sends
them (by default: warnings to stderr).

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "run.log"
>>> handler = log_to_file(path, "doctest")
>>> logging.getLogger("crmlib.example").info("hello")
>>> "[doctest] crmlib.example: hello" in path.read_text(encoding="utf-8")
True
>>> stop_logging_to(handler)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

LOG_VARIABLE = "CRM_WORKBOOK_LOG"  # the run log file the kernels append to
SOURCE_VARIABLE = "CRM_WORKBOOK_NOTEBOOK"  # the notebook a kernel runs, named in its log lines
FORMAT = "%(asctime)s %(levelname)-7s pid %(process)d [%(source)s] %(name)s: %(message)s"
ROOT = "crmlib"


class _Source(logging.Filter):
    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def filter(self, record: logging.LogRecord) -> bool:
        record.source = self.source
        return True


def log_to_file(path: str | Path, source: str, level: int = logging.INFO) -> logging.Handler:
    """Append crmlib's messages at ``level`` and above to ``path``, each line naming ``source``.

    Parameters
    ----------
    path : path
        The log file (created with its folder; appended to).
    source : str
        Who writes: ``"runner"`` or a notebook's name.
    level : int
        The lowest level written (default INFO).

    Returns
    -------
    logging.Handler
        The handler, for :func:`stop_logging_to`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8", delay=True)
    handler.setLevel(level)
    handler.addFilter(_Source(source))
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger(ROOT)
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
    return handler


def stop_logging_to(handler: logging.Handler) -> None:
    """Detach and close a handler from :func:`log_to_file`.

    Parameters
    ----------
    handler : logging.Handler
        What :func:`log_to_file` returned.
    """
    logging.getLogger(ROOT).removeHandler(handler)
    handler.close()


_from_environment: dict[str, logging.Handler] = {}


def log_from_environment() -> logging.Handler | None:
    """In a kernel started by the runner: log to the run's file named in ``CRM_WORKBOOK_LOG``.

    Called by :meth:`crmlib.notebook.Workbook.open`; idempotent per file, a no-op without the
    variable.

    Returns
    -------
    logging.Handler or None
        The handler writing to the run log, or None when no run log is named.
    """
    path = os.environ.get(LOG_VARIABLE, "")
    if not path:
        return None
    if path not in _from_environment:
        _from_environment[path] = log_to_file(path, os.environ.get(SOURCE_VARIABLE, "notebook"))
    return _from_environment[path]
