"""Every notebook in notebooks/ end to end through ``crm-workbook run`` on a small synthetic dataset
without touchpoints (06_journey then says which file enables it), pseudonymised: all succeed, exports
are written with real ids, the HTML shows none of them.

(Each notebook also runs with its default parameters under nbval-lax: see pyproject.toml.)
"""

import json
import re
import subprocess
import sys

import pytest

from crmlib import PROJECT_ROOT
from crmlib.data.load import load_dataset
from crmlib.data.sample import SampleParameters, write_sample

pytestmark = pytest.mark.slow
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    if not NOTEBOOKS:
        pytest.skip("no notebooks yet")
    data = write_sample(tmp_path_factory.mktemp("data") / "small", SampleParameters(n_customers=800, seed=7,
                                                                                        touchpoints=False))
    reports = tmp_path_factory.mktemp("reports")
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "run", "--data", str(data), "--name", "small",
                           "--reports", str(reports), "--jobs", "2", "--pseudonymize"],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900)
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return done, data, reports, folder, manifest


def test_every_notebook_succeeds(small_run):
    done, _, reports, folder, manifest = small_run
    failures = {nb["notebook"]: nb["error_summary"] for nb in manifest["notebooks"] if nb["status"] != "ok"}
    assert failures == {}, done.stdout[-3000:]
    assert done.returncode == 0 and manifest["status"] == "ok"
    assert [nb["notebook"] for nb in manifest["notebooks"]] == [p.stem for p in NOTEBOOKS]
    for nb in manifest["notebooks"]:
        page = (folder / nb["html"]).read_text(encoding="utf-8")
        assert "<script src=" not in page and "crm-status-ok" in page
    assert (reports / "latest").resolve() == folder.resolve()


def test_exports_keep_real_ids_and_html_shows_none(small_run):
    _, data, _, folder, manifest = small_run
    ids = set(load_dataset(data).transactions["customer_id"])
    exports = [e["file"] for e in manifest["exports"]]
    assert exports, "the notebooks exported nothing"
    with_ids = 0
    for name in exports:
        path = folder / "exports" / name
        if path.suffix == ".csv":
            assert path.read_bytes().startswith(b"\xef\xbb\xbf"), name  # UTF-8 with BOM for Excel
            header, *rows = path.read_text(encoding="utf-8-sig").splitlines()
            columns = header.split(",")
            if "customer_id" in columns and rows:
                column = columns.index("customer_id")
                exported = {row.split(",")[column] for row in rows}
                assert exported <= ids | {""}, name
                with_ids += 1
    if any(p.stem.startswith(("02", "03", "04")) for p in NOTEBOOKS):
        assert with_ids >= 1  # segments / CLV / churn lists carry real customer ids
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(ids))) + r")(?![\w-])")
    for nb in manifest["notebooks"]:
        page = (folder / nb["html"]).read_text(encoding="utf-8")
        leaked = pattern.findall(page)
        assert leaked == [], f"{nb['html']} shows real ids: {sorted(set(leaked))[:5]}"
