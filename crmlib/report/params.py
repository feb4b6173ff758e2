"""Notebook discovery, parameters cells and typed ``-p key=value`` overrides.

A notebook declares its parameters in the cell tagged ``parameters``, one per line as
``name: type = default  # help``. :func:`notebook_parameters` reads them (through papermill,
so ``papermill --help-notebook`` shows the same), :func:`coerce_value` turns a command-line
string into the declared type.

Example
-------
>>> coerce_value("churn_window_days", "120", "int")
120
>>> coerce_value("analysis_date", "2024-06-30", "str")
'2024-06-30'
>>> coerce_value("channels", "[web, app]", "list")
['web', 'app']
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import yaml

from crmlib.settings import RUN_PARAMETERS as RUN_SETTINGS
from crmlib.settings import AnalysisSettings, SettingsError


class UsageError(ValueError):
    """Bad options or parameters: the run stops before any kernel starts (exit code 2)."""


RUNNER_PARAMETERS = ("data_dir", "export_dir", "pseudonymize")
"""Parameters the runner sets itself; use ``--data`` and ``--pseudonymize`` instead of ``-p``."""

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


class _PlainLoader(yaml.SafeLoader):
    """YAML without the timestamp rule, so ``2024-06-30`` stays the text it was typed as."""


_PlainLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Parameter:
    """One line of a parameters cell."""

    name: str
    type: str
    default: str
    help: str


def list_notebooks(folder: str | Path) -> list[Path]:
    """The notebooks of ``folder`` in run order (file name order), skipping ``_``/``.`` names.

    Parameters
    ----------
    folder : str or Path
        The notebooks folder (a :class:`UsageError` when it does not exist).

    Returns
    -------
    list of Path
        The ``*.ipynb`` files, absolute, sorted by path.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"notebooks folder {folder} does not exist")
    return sorted(p.resolve() for p in folder.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def select_notebooks(available: list[Path], wanted: list[str]) -> list[Path]:
    """Pick notebooks by stem, file name or unique stem prefix (``"03"`` -> ``03_clv``).

    Parameters
    ----------
    available : list of Path
        The notebooks to choose from (a :class:`UsageError` when empty).
    wanted : list of str
        Stems, file names or prefixes, each matching exactly one notebook (empty: all).

    Returns
    -------
    list of Path
        The chosen notebooks, each once, sorted by path.

    >>> select_notebooks([Path("00_a.ipynb"), Path("01_b.ipynb")], ["01"])
    [PosixPath('01_b.ipynb')]
    """
    if not available:
        raise UsageError("there are no notebooks to run")
    if not wanted:
        return list(available)
    chosen: list[Path] = []
    names = ", ".join(p.stem for p in available)
    for item in wanted:
        key = Path(item).name.removesuffix(".ipynb")
        exact = [p for p in available if p.stem == key]
        matches = exact or [p for p in available if p.stem.startswith(key)]
        if len(matches) != 1:
            problem = "matches no notebook" if not matches else "matches several notebooks"
            raise UsageError(f"--notebooks {item!r} {problem}; available: {names}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return sorted(chosen)


def parse_parameters_cell(source: str) -> dict[str, Parameter]:
    """Parameters declared in a parameters cell's source, read with Python's own parser.

    papermill's inspector skips any line with a second ``=`` (so a help comment such as
    ``# empty = the last transaction date`` hides the parameter from ``--help-notebook``);
    this reads the same ``name: type = default  # help`` lines with :mod:`ast` and
    :mod:`tokenize`, and infers the type of unannotated literals.

    Parameters
    ----------
    source : str
        The cell's Python source (a ``SyntaxError`` when it is not plain Python).

    Returns
    -------
    dict of str to Parameter
        Each assigned name to its type, default's source text and end-of-line comment.

    >>> parse_parameters_cell('days: int = 90  # churn window; empty = 90')["days"]
    Parameter(name='days', type='int', default='90', help='churn window; empty = 90')
    """
    tree = ast.parse(source)
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    found: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, declared, value = node.target.id, ast.unparse(node.annotation), node.value
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            name, declared, value = node.targets[0].id, "", node.value
        else:
            continue
        if not declared:
            try:
                declared = type(ast.literal_eval(value)).__name__
            except ValueError:
                declared = "None"
        default = ast.get_source_segment(source, value) or ""
        found[name] = Parameter(name, declared, default, comments.get(node.end_lineno, ""))
    return found


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """The parameters declared in the notebook's ``parameters`` cell (empty if it has none).

    Parameters
    ----------
    path : str or Path
        The notebook file.

    Returns
    -------
    dict of str to Parameter
        Each parameter by name, in the cell's order (papermill's reader if the cell is not Python).
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    try:
        return parse_parameters_cell(cell.source)
    except SyntaxError:  # e.g. IPython magics in the cell: fall back to papermill's reader
        from papermill import inspect_notebook

        return {name: Parameter(name, str(p.get("inferred_type_name") or "None"),
                                str(p.get("default", "")), str(p.get("help", "")))
                for name, p in inspect_notebook(str(path)).items()}


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``key=value`` (the value may itself contain ``=``).

    Parameters
    ----------
    text : str
        A ``-p`` argument (a :class:`UsageError` without ``=`` or with a key that is no identifier).

    Returns
    -------
    tuple of (str, str)
        The key, stripped, and the value as typed.
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise UsageError(f"-p expects key=value with a parameter name as key, got {text!r}")
    return key, value


def coerce_value(name: str, value: object, declared: str):
    """Convert ``value`` (a command-line string or a YAML value) to the declared type.

    ``str`` parameters keep the text as typed; ``int``/``float``/``bool`` are parsed; ``list``
    and ``dict`` (and undeclared types) are read as YAML, e.g. ``[web, app]`` or ``{a: 1}``.

    Parameters
    ----------
    name : str
        The parameter's name (for the error message).
    value : object
        The value given.
    declared : str
        The declared type as written, e.g. ``"int"``, ``"list[str]"``, ``"str | None"``.

    Returns
    -------
    object
        The value as the type's first part (a :class:`UsageError` when it cannot be converted).
    """
    base = declared.replace("typing.", "").split("[")[0].split("|")[0].strip().lower()
    text = value if isinstance(value, str) else None
    try:
        if base == "str":
            return text if text is not None else str(value)
        if base == "bool":
            if isinstance(value, bool):
                return value
            if text is not None and text.strip().lower() in _TRUE | _FALSE:
                return text.strip().lower() in _TRUE
            raise ValueError("expected true/false, yes/no, on/off or 1/0")
        if base == "int":
            if isinstance(value, bool):
                raise ValueError("expected a whole number")
            if text is not None:
                return int(text.strip())
            number = int(value)
            if number != value:  # 90.5 from a YAML file is no whole number; 90.0 is 90
                raise ValueError("expected a whole number, not a fraction")
            return number
        if base == "float":
            if isinstance(value, bool):
                raise ValueError("expected a number")
            return float(text.strip()) if text is not None else float(value)
        parsed = yaml.load(text, Loader=_PlainLoader) if text is not None else value
        if base in ("list", "tuple") and not isinstance(parsed, list):
            raise ValueError("expected a YAML list such as [a, b]")
        if base == "dict" and not isinstance(parsed, dict):
            raise ValueError("expected a YAML mapping such as {a: 1, b: 2}")
        return parsed
    except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:  # OverflowError: int(inf)
        raise UsageError(f"parameter {name} ({declared}): cannot use {value!r}: {exc}") from None


def run_settings(overrides: dict[str, object]) -> AnalysisSettings:
    """The run's :class:`~crmlib.settings.AnalysisSettings`: the defaults with those ``-p`` values that
    are settings, typed and checked (a :class:`UsageError` naming the setting and what it accepts).

    Parameters
    ----------
    overrides : dict of str to object
        The ``-p`` values by name; those that are no setting are ignored.

    Returns
    -------
    AnalysisSettings
        The run's settings.

    >>> run_settings({"churn_window_days": "120", "rows": "7"}).churn_window_days
    120
    >>> run_settings({"margin": "3"})
    Traceback (most recent call last):
    ...
    crmlib.report.params.UsageError: -p margin = 3.0: must be at most 1 (share of revenue that is profit (1.0 gives CLV in revenue))
    """
    specs = {spec.name: spec for spec in AnalysisSettings.specs()}
    values = {key: coerce_value(key, value, specs[key].type) for key, value in overrides.items() if key in specs}
    try:
        return AnalysisSettings(**values)
    except SettingsError as exc:
        raise UsageError(f"-p {exc}") from None


def plan_parameters(notebooks: list[Path], overrides: dict[str, object]
                    ) -> tuple[dict[Path, dict[str, Parameter]], dict[Path, dict[str, object]]]:
    """Check overrides against the settings and the notebooks' parameters cells and type them per notebook.

    A key that no selected notebook declares, or a value a setting cannot take
    (:func:`run_settings`), is a :class:`UsageError`.

    Parameters
    ----------
    notebooks : list of Path
        The selected notebooks.
    overrides : dict of str to object
        The ``-p`` values by name.

    Returns
    -------
    declared : dict of Path to dict of str to Parameter
        Each notebook's declared parameters.
    typed : dict of Path to dict of str to object
        The overrides each notebook receives (only those it declares), in its declared types.
    """
    declared = {path: notebook_parameters(path) for path in notebooks}
    for key in overrides:
        if key in RUNNER_PARAMETERS:
            hint = {"data_dir": "--data", "export_dir": "the run folder",
                    "pseudonymize": "--pseudonymize"}[key]
            raise UsageError(f"-p {key}=... is set by the runner; use {hint} instead")
        if not any(key in params for params in declared.values()):
            known = sorted({name for params in declared.values() for name in params})
            raise UsageError(f"-p {key}: no selected notebook declares a parameter {key!r}; "
                             f"known parameters: {', '.join(known) or 'none'}")
    run_settings(overrides)
    typed = {path: {key: coerce_value(key, value, params[key].type)
                    for key, value in overrides.items() if key in params}
             for path, params in declared.items()}
    return declared, typed


def describe_settings(notebooks: list[Path]) -> str:
    """What ``crm-workbook params`` prints: every setting the ``notebooks`` use, grouped, as its
    parameters-cell line with the notebooks that take it, then the parameters the runner sets and
    any notebook parameter that is not a setting.

    Parameters
    ----------
    notebooks : list of Path
        The notebooks whose parameters cells are read.

    Returns
    -------
    str
        The lines of that text joined by newlines (no final newline).
    """
    declared = {path.stem: notebook_parameters(path) for path in notebooks}
    lines = ["Analysis settings (crmlib.settings.AnalysisSettings): change one with -p NAME=VALUE; "
             "values are checked before any notebook starts.", ""]
    group = None
    for spec in AnalysisSettings.specs():
        users = [stem for stem, params in declared.items() if spec.name in params]
        if not users:
            continue
        if spec.group != group:
            lines += [""] * (group is not None) + [f"[{spec.group}]"]
            group = spec.group
        lines += [f"  {spec.line}", f"      used by: {', '.join(users)}"]
    runner = {"data_dir": "--data", "export_dir": "the run's exports/ folder", "pseudonymize": "--pseudonymize"}
    lines += ["", "Set by the runner: " + ", ".join(f"{name} ({how})" for name, how in runner.items()
                                                  if name in RUN_SETTINGS)]
    settings = {spec.name for spec in AnalysisSettings.specs()} | set(RUN_SETTINGS)
    for stem, params in declared.items():
        own = [p for p in params.values() if p.name not in settings]
        if own:
            lines += ["", f"{stem}: parameters of its own"]
            lines += [f"  {p.name}: {p.type} = {p.default}" + (f"  # {p.help}" if p.help else "") for p in own]
        if not params:
            lines += ["", f"{stem}: (no parameters cell)"]
    return "\n".join(lines)
