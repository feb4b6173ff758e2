"""environment.yml (conda users) and pyproject.toml (pip users) must list the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _split(requirement: str) -> tuple[str, str]:
    name, spec = NAME.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_split(r) for r in requirements)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            entries += [p for p in item["pip"] if not p.startswith("-e")]
        elif not item.startswith(("python", "pip")) or item.startswith("pip:"):
            entries.append(item)
    return dict(_split(e) for e in entries)


def test_same_packages_and_versions():
    assert _environment() == _pyproject()


def test_the_check_sees_a_difference():
    env = _environment()
    env.pop("pandas")
    assert env != _pyproject()


def test_notebook_kernel_is_the_project_interpreter():
    """JupyterLab and papermill started from .venv run notebooks ('python3' kernel) in .venv's Python."""
    import json
    import sys

    from jupyter_client import KernelManager

    manager = KernelManager(kernel_name="python3")
    command = manager.format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"] == "python3", notebook
