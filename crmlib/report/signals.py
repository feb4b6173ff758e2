"""A scheduler's stop (SIGTERM) handled like Ctrl-C, so the run is cleaned up and marked.

cron wrappers, systemd and Airflow stop a job with SIGTERM, which by default ends Python at once:
worker processes and their kernels would be left running and the manifest would say "running"
forever. Inside :func:`sigterm_as_interrupt`, SIGTERM raises :class:`Terminated`, a
``KeyboardInterrupt``, so the runner's interrupt handling (stop the workers, mark the run
``interrupted``, update the index) applies to both.

Example
-------
>>> import os, signal
>>> try:
...     with sigterm_as_interrupt():
...         os.kill(os.getpid(), signal.SIGTERM)
... except Terminated:
...     print("stopped cleanly")
stopped cleanly
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """SIGTERM was received."""


def _raise_terminated(signum, frame):
    raise Terminated(f"received signal {signum}")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (main thread only, as ``signal`` requires).

    Yields
    ------
    None
        Inside the block; the previous SIGTERM handler is restored after it.
    """
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
