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
from crmlib import PROJECT_ROOT

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


def test_every_public_function_documents_its_parameters_and_returns():
    """numpydoc Parameters (each parameter by name) and Returns/Yields sections, checked on the source."""
    from docstring_sections import missing_sections

    missing = [f"{path.relative_to(PROJECT_ROOT)}: {problem}" for path in sorted((PROJECT_ROOT / "crmlib").rglob("*.py"))
               for problem in missing_sections(path)]
    assert missing == []


def test_the_section_check_finds_what_is_missing(tmp_path):
    from docstring_sections import missing_sections

    module = tmp_path / "m.py"
    module.write_text('def f(a, b):\n    """Sum.\n\n    Parameters\n    ----------\n    a : int\n        One.\n    """\n'
                      '    return a + b\n\n\ndef _private(x):\n    return x\n', encoding="utf-8")
    assert missing_sections(module) == ["f: Parameters lacks b", "f: no Returns section"]
