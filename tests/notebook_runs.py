"""Run a notebook under papermill, or the whole suite through the runner, for a test and read what it showed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import papermill as pm

from crmlib import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
SUITE = ("00_data_quality", "01_overview", "02_segmentation", "03_clv", "04_churn", "05_feedback", "06_journey",
         "07_profitability")


@dataclass
class NotebookRun:
    """An executed notebook: its exports folder and every cell output."""

    exports: Path
    outputs: list[dict]

    @property
    def markdown(self) -> str:
        return "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for o in self.outputs)

    @property
    def images(self) -> int:
        return sum("image/png" in o.get("data", {}) for o in self.outputs)

    @property
    def stderr(self) -> str:
        return "".join("".join(o.get("text", "")) for o in self.outputs if o.get("name") == "stderr")

    @property
    def errors(self) -> list[dict]:
        return [o for o in self.outputs if o.get("output_type") == "error"]


def run_notebook(name: str, tmp_path: Path, cwd: Path = NOTEBOOKS, **parameters) -> NotebookRun:
    """Execute ``notebooks/<name>.ipynb`` with ``parameters``, exports into ``tmp_path/exports``."""
    out = tmp_path / "out.ipynb"
    exports = tmp_path / "exports"
    pm.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters={"export_dir": str(exports), **parameters},
                        cwd=str(cwd), kernel_name="python3", progress_bar=False)
    executed = json.loads(out.read_text(encoding="utf-8"))
    return NotebookRun(exports, [o for c in executed["cells"] for o in c.get("outputs", [])])


@dataclass
class SuiteRun:
    """A ``crm-workbook run`` of every notebook: the process, its run folder and manifest."""

    done: subprocess.CompletedProcess
    folder: Path

    @property
    def manifest(self) -> dict:
        return json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))

    @property
    def statuses(self) -> dict[str, str]:
        return {n["notebook"]: n["status"] for n in self.manifest["notebooks"]}

    @property
    def failure(self) -> str:
        return self.done.stdout[-3000:] + self.done.stderr[-3000:]


def run_suite(data: Path, reports: Path, *options: str) -> SuiteRun:
    """``crm-workbook run --data data --reports reports --no-compare *options`` from the project root."""
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "run", "--data", str(data), "--reports", str(reports),
                           "--no-compare", *options], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900)
    (folder,) = [p for p in Path(reports).iterdir() if p.is_dir() and not p.is_symlink()]
    return SuiteRun(done, folder)
