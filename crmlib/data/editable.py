"""Editable data files shipped in ``crmlib/resources/`` (segment rules, action table, complaint
taxonomy): a team edits a copy, or the bundled file, without touching code.

:func:`load_editable_yaml` reads and validates such a file once and re-reads it when it is
edited (the modification time is part of the cache key).

Example
-------
>>> bundled_path("actions.yaml").name
'actions.yaml'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml

from crmlib.errors import ConfigError

Validator = Callable[[dict, str], dict]


def bundled_path(name: str) -> Path:
    """Where the bundled file ``name`` is.

    Parameters
    ----------
    name : str
        File name in ``crmlib/resources/``, e.g. ``"actions.yaml"``.

    Returns
    -------
    Path
        The file's path in the installed package (it need not exist).
    """
    return Path(str(files("crmlib") / "resources" / name))


@lru_cache(maxsize=16)
def _load(path: str, mtime: int, validate: Validator) -> dict:  # mtime in the key: an edited file is re-read
    with open(path, encoding="utf-8") as handle:
        return validate(yaml.safe_load(handle) or {}, path)


def load_editable_yaml(path: str | Path | None, bundled: str, what: str, validate: Validator) -> dict:
    """``validate(data, path)`` of the YAML at ``path`` (default: the bundled ``bundled`` file).

    Parameters
    ----------
    path : str or Path or None
        The edited file; None (or empty) takes the bundled one.
    bundled : str
        Name of the bundled file in ``crmlib/resources/``.
    what : str
        What the file is, for the error message (e.g. ``"segment rules"``).
    validate : callable
        ``validate(data, path)`` checks the parsed YAML (``{}`` when empty) and returns it.

    Returns
    -------
    dict
        ``validate``'s result, cached until the file's modification time changes.

    Raises
    ------
    ConfigError
        When the file does not exist.
    """
    path = Path(path or bundled_path(bundled))
    if not path.is_file():
        raise ConfigError(f"{what} not found", file=path,
                          hint=f"Pass the path of a copy of crmlib/resources/{bundled}.")
    return _load(str(path), path.stat().st_mtime_ns, validate)
