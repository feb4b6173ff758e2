"""Run a notebook under papermill for a test and read what it showed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import papermill as pm

from crmlib import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"


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
