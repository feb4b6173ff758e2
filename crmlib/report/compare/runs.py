"""A finished run folder as the comparison reads it: manifest, exports, effective parameters.

Everything is read from the folder itself (``manifest.json``, ``exports/``, the executed
notebooks), never from the dataset or the notebooks of the checkout, so a run can be compared
with one made months ago by another version. A missing or unreadable export is ``None``: each
part of the comparison then says which notebook would provide it.

Example
-------
>>> import json, tempfile
>>> folder = Path(tempfile.mkdtemp()) / "20241231-060000-monthly"
>>> (folder / "exports").mkdir(parents=True)
>>> _ = (folder / "manifest.json").write_text(json.dumps({"run_id": folder.name, "name": "monthly",
...     "status": "ok", "dataset": {"analysis_date": "2024-12-31"}}))
>>> run = RunFolder(folder)
>>> run.name, run.analysis_date, run.json("kpis.json") is None
('monthly', '2024-12-31', True)
"""

from __future__ import annotations

import ast
import json
from functools import cached_property
from pathlib import Path

import pandas as pd

from crmlib.report.runfolder import read_manifest

EXPORTS = "exports"
READ_ALONG = {
    "segments.csv": ["customer_id", "scheme", "segment", "segment_label", "value_tier", "recency"],
    "churn_risk.csv": ["customer_id", "priority", "value_at_risk", "churn_probability", "value_if_retained", "clv",
                       "top_driver", "top_driver_text", "likely_reason", "segment"],
    "clv.csv": ["customer_id", "clv", "recency", "T"],
}
"""Columns read along with any request for a CSV export, so each file is parsed once per run."""
TEXT_COLUMNS = ("customer_id", "segment", "segment_label", "value_tier", "top_driver", "top_driver_text",
                "likely_reason", "scheme")


class RunFolder:
    """Read-only view of one run folder ``reports/<YYYYMMDD-HHMMSS>-<name>/``.

    Parameters
    ----------
    folder : str or Path
        The run folder.
    manifest : dict, optional
        Stands in for ``manifest.json`` (the runner passes the one it is finishing); None (default)
        reads the file.
    """

    def __init__(self, folder: str | Path, manifest: dict | None = None):
        self.folder = Path(folder)
        self._json: dict[str, dict | None] = {}
        self._csv: dict[str, pd.DataFrame] = {}
        if manifest is not None:  # a run still being finished: its manifest as the runner holds it
            self.__dict__["manifest"] = manifest

    def __repr__(self) -> str:
        return f"RunFolder({str(self.folder)!r})"

    @cached_property
    def manifest(self) -> dict:
        """The run's manifest (empty when the folder has none)."""
        return read_manifest(self.folder) or {}

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or self.folder.name)

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or "")

    @property
    def status(self) -> str:
        return str(self.manifest.get("status") or "")

    @property
    def started(self) -> str:
        return str(self.manifest.get("started") or "")

    @property
    def dataset(self) -> dict:
        return self.manifest.get("dataset") or {}

    @property
    def analysis_date(self) -> str:
        return str(self.dataset.get("analysis_date") or "")

    @property
    def lang(self) -> str:
        """The report language the run was made in (``-p lang=…``; English by default)."""
        overrides = (self.manifest.get("parameters") or {}).get("overrides") or {}
        return str(overrides.get("lang") or "en")

    @property
    def currency(self) -> str:
        """The currency of the run's money amounts, as its exports state it ("" when none does)."""
        for name, path in (("kpis.json", ("currency",)), ("clv_model.json", ("settings", "currency")),
                           ("churn_model.json", ("value_at_risk", "currency"))):
            value = self.json(name) or {}
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value:
                return str(value)
        return str((self.dataset.get("profile") or {}).get("currency") or "")

    @property
    def exports(self) -> Path:
        return self.folder / EXPORTS

    def notebook_status(self) -> dict[str, str]:
        """Notebook stem -> its status in this run.

        Returns
        -------
        dict of str to str
            E.g. ``{"01_data_quality": "ok"}``; empty when the manifest lists no notebooks.
        """
        return {str(nb.get("notebook")): str(nb.get("status")) for nb in self.manifest.get("notebooks", [])}

    def json(self, name: str) -> dict | None:
        """``exports/<name>`` as a dict, or None when it is missing or unreadable.

        Parameters
        ----------
        name : str
            File name in ``exports/``, e.g. ``"kpis.json"``.

        Returns
        -------
        dict or None
            The parsed JSON object (cached); None when missing, unreadable or not an object.
        """
        if name not in self._json:
            try:
                value = json.loads((self.exports / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                value = None
            self._json[name] = value if isinstance(value, dict) else None
        return self._json[name]

    def csv(self, name: str, columns: list[str]) -> pd.DataFrame | None:
        """The ``columns`` of ``exports/<name>`` (ids and labels as text, only empty cells missing),
        or None when the file or one of the columns is missing. Each file is parsed once: the
        columns of :data:`READ_ALONG` come along with the first request.

        Parameters
        ----------
        name : str
            File name in ``exports/``, e.g. ``"segments.csv"``.
        columns : list of str
            The columns wanted, in the order returned.

        Returns
        -------
        frame or None
            The ``columns`` of the file (one row per CSV row), or None.
        """
        cached = self._csv.get(name)
        if cached is not None and set(columns) <= set(cached.columns):
            return cached[columns]
        path = self.exports / name
        try:
            header = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        except (OSError, ValueError):
            return None
        if not set(columns) <= set(header):
            return None
        known = [] if cached is None else list(cached.columns)
        wanted = [c for c in header if c in {*known, *columns, *READ_ALONG.get(name, ())}]
        frame = pd.read_csv(path, usecols=wanted, dtype={c: str for c in wanted if c in TEXT_COLUMNS},
                            encoding="utf-8-sig", keep_default_na=False, na_values=[""])
        self._csv[name] = frame
        return frame[columns]

    @cached_property
    def parameters(self) -> dict[str, dict]:
        """Notebook stem -> its effective parameters: the defaults of the executed notebook's
        parameters cell, overridden by what the runner passed (the manifest)."""
        out: dict[str, dict] = {}
        for entry in self.manifest.get("notebooks", []):
            stem = str(entry.get("notebook"))
            values = _parameter_defaults(self.folder / str(entry.get("ipynb") or f"{stem}.ipynb"))
            values.update(entry.get("parameters") or {})
            out[stem] = values
        return out

    def parameter(self, notebook: str, name: str):
        """One effective parameter of one notebook, or None when that notebook did not run: the
        run's recorded analysis settings (``manifest["settings"]``) where it has them, else the
        notebook's parameters.

        Parameters
        ----------
        notebook : str
            The notebook's stem, e.g. ``"04_churn"``.
        name : str
            The parameter's (or setting's) name.

        Returns
        -------
        object
            The effective value; None when the notebook did not run or has no such parameter.
        """
        if notebook not in self.parameters:
            return None
        settings = self.manifest.get("settings")
        if isinstance(settings, dict) and name in settings:
            return settings[name]
        return self.parameters[notebook].get(name)


def _parameter_defaults(ipynb: Path) -> dict:
    """Literal defaults of the ``parameters`` cell of an executed notebook (empty if unreadable)."""
    from crmlib.report.params import parse_parameters_cell

    try:
        cells = json.loads(ipynb.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return {}
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    source = "".join(cell.get("source", ""))
    try:
        declared = parse_parameters_cell(source)
    except SyntaxError:
        return {}
    values = {}
    for name, parameter in declared.items():
        try:
            values[name] = ast.literal_eval(parameter.default)
        except (ValueError, SyntaxError):
            continue
    return values


def previous_run(reports: str | Path, current: RunFolder) -> RunFolder | None:
    """The newest successful run of the same name in ``reports`` that started before ``current``.

    Parameters
    ----------
    reports : str or Path
        The reports folder holding the run folders.
    current : RunFolder
        The run being compared; its name and start time select the earlier run.

    Returns
    -------
    RunFolder or None
        The previous run, or None when there is none.

    >>> import tempfile
    >>> previous_run(Path(tempfile.mkdtemp()), RunFolder("nowhere")) is None
    True
    """
    from crmlib.report.index import list_runs

    for manifest in list_runs(Path(reports)):
        if (manifest["folder"] != current.folder.name and manifest.get("name") == current.name
                and manifest.get("status") == "ok"
                and (manifest.get("started", ""), manifest["folder"]) < (current.started, current.folder.name)):
            return RunFolder(Path(reports) / manifest["folder"])
    return None


def find_run(reports: str | Path, run_id: str) -> RunFolder | None:
    """The run ``run_id`` (a folder name in ``reports``, or a path to a run folder), or None.

    Parameters
    ----------
    reports : str or Path
        The reports folder holding the run folders.
    run_id : str
        A run folder's name in ``reports``, or a path to a run folder.

    Returns
    -------
    RunFolder or None
        The run (its folder resolved), or None when neither has a ``manifest.json``.
    """
    for candidate in (Path(reports) / run_id, Path(run_id).expanduser()):
        if (candidate / "manifest.json").is_file():
            return RunFolder(candidate.resolve())
    return None
