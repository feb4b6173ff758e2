"""The docstring examples of every crmlib module run and give what they show.

Modules are found by walking the package, so a new module is collected without being listed.
A module without examples must be a package ``__init__`` (whose names are examplified where they
are defined) or one of the few listed below, each with the reason it has none.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import crmlib

# imported by papermill's engine registry, not directly (its docstring says why)
NOT_IMPORTED_DIRECTLY = {"crmlib.report.papermill_engine"}
WITHOUT_EXAMPLES = {
    "crmlib.cli": "the command line; tests/test_report_run.py runs it as a user does",
    "crmlib.report.cli": "the command line; tests/test_report_run.py runs it as a user does",
    "crmlib.report.runner": "runs notebooks in kernels; tests/test_report_run.py runs real reports",
    "crmlib.churn.scoring": "a whole churn study on a dataset; tests/test_churn_model.py",
    "crmlib.clv.validation": "holdout fits on a dataset; tests/test_clv_validation.py",
    "crmlib.data.cdnow": "reads the bundled CDNOW files; tests/test_clv_models.py",
    "crmlib.data.corpora": "reads the bundled review corpora; tests/test_feedback_sentiment.py",
    "crmlib.plots.quality": "draws figures; tests/test_dataquality.py",
}
MODULES = sorted(m.name for m in pkgutil.walk_packages(crmlib.__path__, "crmlib.")
                 if m.name not in NOT_IMPORTED_DIRECTLY)
PACKAGES = {m.name for m in pkgutil.walk_packages(crmlib.__path__, "crmlib.") if m.ispkg}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name not in PACKAGES and name not in WITHOUT_EXAMPLES:
        assert result.attempted > 0, f"{name} has no runnable example in its docstrings"


def test_the_walk_finds_the_modules_and_the_list_of_exceptions_is_current():
    assert len(MODULES) > 100
    assert set(WITHOUT_EXAMPLES) <= set(MODULES)
