"""AnalysisSettings: one default per setting, checked values, and the same declaration everywhere
(notebooks' parameters cells, crmlib's defaults, the runner's -p check, ``crm-workbook params``)."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import nbformat
import papermill as pm
import pytest

from crmlib import PROJECT_ROOT
from crmlib.settings import DEFAULTS, RUN_PARAMETERS, AnalysisSettings, SettingsError

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
SPECS = {spec.name: spec for spec in AnalysisSettings.specs()}


def parameters_cell(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_parameter_is_the_setting_with_its_default_type_and_help(path):
    found = pm.inspect_notebook(str(path))
    for name, spec in found.items():
        declared = RUN_PARAMETERS.get(name) or SPECS.get(name)
        assert declared is not None, f"{path.name}: {name} is not an AnalysisSettings field nor a run parameter"
        assert spec["inferred_type_name"] == declared.type, name
        assert ast.literal_eval(spec["default"]) == declared.default, name
        assert spec["help"] == declared.help, name
    lines = [line for line in parameters_cell(path).splitlines() if line.strip()]
    assert lines == [(RUN_PARAMETERS.get(n) or SPECS[n]).line for n in found]  # literally the declared line


def test_export_dirs_help_says_where_an_empty_one_exports_to():
    from crmlib.notebook import interactive_export_dir

    where = interactive_export_dir("data/cdnow").relative_to(PROJECT_ROOT).as_posix()
    assert where == "reports/interactive/cdnow/exports"
    assert RUN_PARAMETERS["export_dir"].help.endswith(
        "empty means " + where.replace("/cdnow/", "/<dataset folder>/"))  # the notebooks repeat it (test above)


def test_every_setting_is_used_by_some_notebook():
    used = {name for path in NOTEBOOKS for name in pm.inspect_notebook(str(path))}
    assert set(SPECS) <= used


def test_one_churn_window_everywhere():
    windows = {path.stem: ast.literal_eval(pm.inspect_notebook(str(path))["churn_window_days"]["default"])
               for path in NOTEBOOKS if "churn_window_days" in pm.inspect_notebook(str(path))}
    assert windows == {"01_overview": 90, "04_churn": 90, "05_feedback": 90, "06_journey": 90}


@pytest.mark.parametrize("function, parameter, setting", [
    ("crmlib.feedback.linking:customer_groups", "churn_window_days", "churn_window_days"),
    ("crmlib.churn.scoring:churn_study", "window_days", "churn_window_days"),
    ("crmlib.churn.scoring:churn_study", "recent_days", "recent_days"),
    ("crmlib.churn.scoring:churn_study", "complaint_rating", "complaint_rating"),
    ("crmlib.journey.retention:contacts_before_churn", "complaint_rating", "complaint_rating"),
    ("crmlib.churn.baseline:bgnbd_at", "window_days", "churn_window_days"),
    ("crmlib.churn.definition:suggest_window", "share", "gap_share"),
    ("crmlib.clv.value:predict_customers", "horizon_months", "horizon_months"),
    ("crmlib.clv.value:predict_customers", "annual_discount_rate", "annual_discount_rate"),
    ("crmlib.clv.value:predict_customers", "margin", "margin"),
    ("crmlib.clv.value:score_customers", "horizon_months", "horizon_months"),
    ("crmlib.clv.simple_cltv:simple_cltv_summary", "churn_window_days", "simple_cltv_lapse_days"),
    ("crmlib.clv.simple_cltv:annual_churn_rate", "churn_window_days", "simple_cltv_lapse_days"),
    ("crmlib.segment.migration:comparison_date", "months", "comparison_months"),
    ("crmlib.overview.recommend:PopularityRecommender", "n", "top_n"),
    ("crmlib.overview.recommend:PopularityRecommender", "item_col", "item"),
])
def test_library_defaults_are_the_settings(function, parameter, setting):
    module, name = function.split(":")
    target = getattr(__import__(module, fromlist=[name]), name)
    assert inspect.signature(target).parameters[parameter].default == getattr(DEFAULTS, setting)


def literal_setting_defaults(source: str) -> list[str]:
    """``function(name=literal)`` for every number default of a parameter named as a numeric setting."""
    numeric = {name for name, spec in SPECS.items() if spec.type in ("int", "float")}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = args.posonlyargs + args.args
            pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True),
                     *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None)]
            found += [f"{node.name}({arg.arg}={default.value!r})" for arg, default in pairs
                      if arg.arg in numeric and isinstance(default, ast.Constant)
                      and isinstance(default.value, (int, float))]
    return found


def test_no_function_repeats_a_settings_default_as_a_literal():
    """A parameter named as a setting takes its default from DEFAULTS, so one change moves every default."""
    repeated = [f"{path.relative_to(PROJECT_ROOT)}: {hit}" for path in sorted((PROJECT_ROOT / "crmlib").rglob("*.py"))
                if path.name != "settings.py" for hit in literal_setting_defaults(path.read_text(encoding="utf-8"))]
    assert repeated == []
    assert literal_setting_defaults("def f(sla_hours=24, x=3, *, margin: float = 1.0): ...") == [
        "f(sla_hours=24)", "f(margin=1.0)"]


@pytest.mark.parametrize("changes, message", [
    ({"margin": 0.0}, "margin = 0.0: must be more than 0"),
    ({"lang": "fr"}, "lang = 'fr': must be one of 'en', 'zh'"),
    ({"churn_window_days": -1}, "churn_window_days = -1: must be at least 0"),
    ({"horizon_months": 12.5}, "horizon_months = 12.5: must be a int"),
    ({"top_n": True}, "top_n = True: must be a int"),
    ({"analysis_date": "31/12/2024"}, "analysis_date = '31/12/2024': must be a date YYYY-MM-DD or empty"),
    ({"test_cutoff": "2024-02-30"}, "test_cutoff = '2024-02-30': must be a date YYYY-MM-DD or empty"),
    ({"tier_high_share": 0.96}, "tier_high_share = 0.96 must be below tier_medium_share = 0.95"),
    ({"k_min": 9}, "k_min = 9 must not exceed k_max = 8"),
    ({"n_topics": "many"}, 'n_topics = \'many\': must be "auto" or a whole number'),
])
def test_wrong_values_name_the_setting_and_what_it_accepts(changes, message):
    with pytest.raises(SettingsError) as raised:
        AnalysisSettings(**changes)
    assert str(raised.value).startswith(message)


def test_values_are_typed_and_frozen():
    settings = DEFAULTS.replace(annual_discount_rate=0, n_topics="5")
    assert settings.annual_discount_rate == 0.0 and isinstance(settings.annual_discount_rate, float)
    with pytest.raises(AttributeError):
        settings.margin = 0.5  # type: ignore[misc]
    assert settings.to_dict()["n_topics"] == "5" and DEFAULTS.n_topics == "auto"


def test_params_command_shows_every_setting_and_who_uses_it():
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "params"], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    for spec in SPECS.values():
        assert spec.line in done.stdout
    lines = done.stdout.splitlines()
    at = lines.index("  " + SPECS["churn_window_days"].line)
    assert lines[at + 1].strip() == "used by: 01_overview, 04_churn, 05_feedback, 06_journey"


def test_the_runner_checks_p_values_against_the_settings_before_anything_starts(tmp_path):
    reports = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "run", "--data", "data/sample", "--reports",
                           str(reports), "-p", "margin=3"], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=120)
    assert done.returncode == 2
    assert "Usage error: -p margin = 3.0: must be at most 1" in done.stderr
    assert not reports.exists()  # nothing written


def test_the_runs_settings_are_the_defaults_with_the_p_values():
    from crmlib.report.params import UsageError, plan_parameters, run_settings

    settings = run_settings({"churn_window_days": "120", "lang": "zh"})
    assert settings == DEFAULTS.replace(churn_window_days=120, lang="zh")
    with pytest.raises(UsageError, match="lang = 'fr': must be one of 'en', 'zh'"):
        plan_parameters(NOTEBOOKS[:1], {"lang": "fr"})
