"""Notebook 03_clv end to end on CDNOW under plain papermill: published parameters and exports."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import papermill
import pytest

from crmlib import PROJECT_ROOT
from crmlib.clv.report import EXPORT_COLUMNS

NOTEBOOK = PROJECT_ROOT / "notebooks" / "03_clv.ipynb"


@pytest.mark.slow
def test_cdnow_run_shows_the_published_fit_and_exports(tmp_path):
    out = tmp_path / "03_clv.ipynb"
    exports = tmp_path / "exports"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(PROJECT_ROOT), progress_bar=False,
                               parameters={"data_dir": "data/cdnow", "export_dir": str(exports)})
    report = json.loads((exports / "clv_model.json").read_text(encoding="utf-8"))
    holdout = report["holdout_validation"]
    assert holdout["calibration_end"] == "1997-09-30" and holdout["time_unit"] == "W"
    bgnbd = holdout["fits"]["bgnbd"]["params"]
    assert [round(bgnbd[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert {m["model"] for m in holdout["metrics"]} == {"bgnbd", "mbgnbd", "pareto"}
    assert report["chosen_model"] == holdout["chosen_model"]
    assert report["final_fit"]["purchase_model"]["model"] == report["chosen_model"]
    assert "log_likelihood" in report["final_fit"]["spend_model"]
    raw = (exports / "clv.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    clv = pd.read_csv(exports / "clv.csv", dtype={"customer_id": str})
    assert [c for c in clv.columns if c not in ("clv_low", "clv_high")] == EXPORT_COLUMNS and len(clv) == 2357
    assert (clv["clv_low"] <= clv["clv"] + 1e-6).all() and (clv["clv"] <= clv["clv_high"] + 1e-6).all()
    assert set(report["final_fit"]["purchase_model"]["ci95"]) == set(report["final_fit"]["purchase_model"]["params"])
    low, high = report["summary"]["total_clv_ci95"]
    assert low < report["summary"]["total_clv"] < high
    assert clv["p_alive"].between(0, 1).all() and clv["clv"].ge(0).all()
    executed = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("data", {}).get("text/markdown", "") for c in executed.cells if c.cell_type == "code"
                     for o in c.get("outputs", []))
    assert "Model choice" in text and "top 10 %" in text and "How sure?" in text and "Over the holdout alone" in text
