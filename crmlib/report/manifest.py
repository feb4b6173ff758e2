"""A run's ``manifest.json`` as one typed object: :class:`Manifest`.

The runner builds it when a run starts, records each notebook as it starts and ends, and writes it
after every change; ``crm-workbook runs`` and the index mark a run whose process died through it.
The file is the same as before the class existed: the same keys in the same order, the same
values, so readers of ``manifest.json`` (schedulers, dashboards, :mod:`crmlib.report.compare`)
see no difference. A manifest read from a file keeps its key order and any key the class does not
know, so ``Manifest.from_dict(d).to_dict() == d`` for every manifest, old ones included.

A notebook's entry is :meth:`crmlib.report.runner.NotebookResult.to_dict` once it has ended, and
``{"notebook", "status", "ipynb", "html"}`` (status ``pending``, then ``running``) before.

Example
-------
>>> m = Manifest(run_id="20250101-120000-demo", name="demo", status="running", started="2025-01-01T12:00:00",
...              notebooks=[{"notebook": "01_x", "status": "running", "ipynb": "01_x.ipynb", "html": None}])
>>> m.stop("interrupted")
>>> m.status, m.notebooks[0]["status"], list(m.to_dict())[:4]
('interrupted', 'interrupted', ['run_id', 'name', 'status', 'started'])
>>> Manifest.from_dict({"status": "ok", "mine": 1}).to_dict()
{'status': 'ok', 'mine': 1}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

MANIFEST = "manifest.json"
ALWAYS = ("finished", "duration_seconds")  # written as null while the run has not finished


@dataclass
class Manifest:
    """What ``manifest.json`` records about a run; see ``docs/running.md`` for each key."""

    run_id: str | None = None
    name: str | None = None
    status: str | None = None  # running | ok | failed | interrupted | incomplete
    started: str | None = None  # ISO time with offset
    finished: str | None = None
    duration_seconds: float | None = None
    host: str | None = None
    pid: int | None = None  # the runner's process
    command: list[str] | None = None
    options: dict | None = None  # jobs, timeouts, show_code, pseudonymize, pdf, kernel, notebooks_dir
    parameters: dict | None = None  # runner: what every notebook gets; overrides: the -p values
    settings: dict | None = None  # the run's AnalysisSettings
    dataset: dict | None = None  # name, path, analysis date, fingerprint, files, sizes, profile
    notebooks: list[dict] = field(default_factory=list)
    packages: dict | None = None
    git: dict | None = None
    comparison: dict | None = None  # crmlib.report.whatchanged's entry, once the notebooks are done
    exports: list[dict] | None = None  # every file under exports/ with bytes and sha256
    failure_reason: str | None = None  # a file of the run could not be written
    incomplete_reason: str | None = None  # the runner's process ended before the run finished
    extra: dict = field(default_factory=dict, repr=False)  # keys this class does not know, kept
    order: tuple[str, ...] = field(default=(), repr=False, compare=False)  # the keys as read

    @classmethod
    def names(cls) -> list[str]:
        """The manifest's keys in the order a new run writes them.

        Returns
        -------
        list of str
            The field names, ``extra`` and ``order`` left out.

        >>> Manifest.names()[:3], Manifest.names()[-1]
        (['run_id', 'name', 'status'], 'incomplete_reason')
        """
        return [f.name for f in fields(cls) if f.name not in ("extra", "order")]

    @classmethod
    def from_dict(cls, values: dict) -> Manifest:
        """From a manifest's JSON object (its key order and unknown keys are kept).

        Parameters
        ----------
        values : dict
            The manifest's keys and values.

        Returns
        -------
        Manifest
            The known keys as fields, the others in ``extra``, the key order in ``order``.
        """
        known = set(cls.names())
        return cls(**{k: v for k, v in values.items() if k in known},
                   extra={k: v for k, v in values.items() if k not in known}, order=tuple(values))

    def to_dict(self) -> dict:
        """The JSON object: the keys read, in their order, then those set since (unset ones left out).

        A new manifest has every key up to ``git`` (``finished`` and ``duration_seconds`` null
        until the run ends) and the later ones once they are set.

        Returns
        -------
        dict
            The manifest's keys and values, unknown keys of a read manifest included.
        """
        names = self.names()
        if self.order:
            keys = list(self.order) + [k for k in names if k not in self.order and getattr(self, k) not in (None, [])]
        else:
            keys = [k for k in names if getattr(self, k) is not None or k in ALWAYS]
        return {k: getattr(self, k) if k in names else self.extra[k] for k in keys}

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        """The run folder's manifest, or None if it has none (or it cannot be read).

        Parameters
        ----------
        folder : Path
            The run folder.

        Returns
        -------
        Manifest or None
            Its ``manifest.json``, or None when that is missing, unreadable or not a JSON object.
        """
        try:
            values = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls.from_dict(values) if isinstance(values, dict) else None

    def notebook(self, stem: str) -> dict | None:
        """The entry of notebook ``stem`` (None if the run has no such notebook).

        Parameters
        ----------
        stem : str
            The notebook's file name without ``.ipynb``.

        Returns
        -------
        dict or None
            The entry itself (not a copy), or None.
        """
        return next((entry for entry in self.notebooks if entry.get("notebook") == stem), None)

    def set_notebook(self, stem: str, values: dict) -> None:
        """Update notebook ``stem``'s entry with ``values`` (keys it has keep their place).

        Parameters
        ----------
        stem : str
            The notebook's file name without ``.ipynb`` (no such notebook: nothing changes).
        values : dict
            The keys and values to set.
        """
        entry = self.notebook(stem)
        if entry is not None:
            entry.update(values)

    def stop(self, status: str, **reason: str) -> None:
        """End the run as ``status``: running notebooks become ``interrupted``, pending ones
        ``not_run``.

        Parameters
        ----------
        status : str
            The run's status, e.g. ``"failed"``, ``"interrupted"``, ``"incomplete"``.
        **reason : str
            An optional ``failure_reason=`` or ``incomplete_reason=``, set as that field.
        """
        self.status = status
        for key, text in reason.items():
            setattr(self, key, text)
        for entry in self.notebooks:
            if entry.get("status") in ("pending", "running"):
                entry["status"] = "interrupted" if entry["status"] == "running" else "not_run"
