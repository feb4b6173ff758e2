"""Run folders: unique ids, atomic manifests, and what a manifest records about the machine.

A run lives in ``reports/<YYYYMMDD-HHMMSS>-<name>/``. The folder is claimed with an atomic
``mkdir``; if another run took that name in the same second, ``-2``, ``-3`` ... is appended,
so concurrent runs never share or overwrite a folder.

Example
-------
>>> import tempfile
>>> reports = Path(tempfile.mkdtemp())
>>> first, second = create_run_folder(reports, "demo"), create_run_folder(reports, "demo")
>>> first != second and first.parent == second.parent == reports
True
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path

from crmlib import PROJECT_ROOT
from crmlib.data.load import sha256_file
from crmlib.exports import to_plain
from crmlib.files import atomic_write
from crmlib.report.manifest import MANIFEST, Manifest

PACKAGES = ("crmlib", "pandas", "numpy", "scipy", "scikit-learn", "lifetimes", "lifelines",
            "matplotlib", "seaborn", "jieba", "snownlp", "papermill", "nbconvert", "nbclient",
            "nbformat", "ipykernel", "jupyter_client")


def safe_name(name: str) -> str:
    """A run name usable in a folder name: letters, digits, ``-`` and ``_`` (others become ``-``).

    Parameters
    ----------
    name : str
        The run's name.

    Returns
    -------
    str
        At most 60 characters, without leading or trailing ``-``/``_``; ``"run"`` when empty.

    >>> safe_name("CDNOW monthly / 2024")
    'CDNOW-monthly-2024'
    """
    cleaned = re.sub(r"[^\w\-]+", "-", name, flags=re.ASCII).strip("-_")
    return cleaned[:60] or "run"


def create_run_folder(reports: Path, name: str, now: datetime | None = None) -> Path:
    """Claim a new, empty ``reports/<YYYYMMDD-HHMMSS>-<name>[-N]`` folder (never an existing one).

    Parameters
    ----------
    reports : Path
        The reports folder (created if missing).
    name : str
        The run's name (made folder-safe by :func:`safe_name`).
    now : datetime or None, optional
        The time in the folder's name (default None: now).

    Returns
    -------
    Path
        The new folder.

    Raises
    ------
    FileExistsError
        When 999 names of that second are taken.
    """
    reports.mkdir(parents=True, exist_ok=True)
    stem = f"{(now or datetime.now()):%Y%m%d-%H%M%S}-{safe_name(name)}"
    for attempt in range(1, 1000):
        folder = reports / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"could not find a free run folder name for {stem} in {reports}")


def write_manifest(folder: Path, manifest: Manifest | dict) -> Path:
    """Write ``manifest.json`` atomically (readers never see half a file).

    Parameters
    ----------
    folder : Path
        The run folder.
    manifest : Manifest or dict
        The manifest, or its plain dict.

    Returns
    -------
    Path
        The written ``folder/manifest.json``.
    """
    if isinstance(manifest, Manifest):
        manifest = manifest.to_dict()
    text = json.dumps(to_plain(manifest), indent=2, ensure_ascii=False)
    return atomic_write(folder / MANIFEST, text.encode("utf-8"))


def read_manifest(folder: Path) -> dict | None:
    """The run's manifest as a plain dict (read through :class:`Manifest`), or None if the folder
    has none (or it cannot be read).

    Parameters
    ----------
    folder : Path
        The run folder.

    Returns
    -------
    dict or None
        The manifest's fields, or None.
    """
    manifest = Manifest.read(folder)
    return None if manifest is None else manifest.to_dict()


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the results.

    Returns
    -------
    dict of str to str
        ``"python"`` and each of ``PACKAGES`` to its version (``"not installed"`` when missing).
    """
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state(root: Path = PROJECT_ROOT) -> dict:
    """The checkout's commit and whether tracked files differ from it (None outside git).

    Parameters
    ----------
    root : Path, optional
        The checkout's folder (default: the project's root).

    Returns
    -------
    dict
        ``commit`` (the HEAD hash) and ``dirty`` (bool); both None outside git.
    """
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def list_exports(folder: Path) -> list[dict]:
    """Every file under ``exports/`` with its size and sha256, sorted by name.

    Parameters
    ----------
    folder : Path
        The run's ``exports/`` folder (files whose name starts with ``.`` are left out).

    Returns
    -------
    list of dict
        ``file`` (path relative to ``folder``), ``bytes`` and ``sha256``; empty without the folder.
    """
    if not folder.is_dir():
        return []
    return [{"file": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size,
             "sha256": sha256_file(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")]


def process_alive(pid: int | None) -> bool:
    """Whether a process with this id exists on this machine.

    Parameters
    ----------
    pid : int or None
        The process id (None or 0: False).

    Returns
    -------
    bool
        True when it exists, also when it belongs to another user.
    """
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def host() -> str:
    """This machine's network name.

    Returns
    -------
    str
        ``platform.node()``, or ``"unknown"`` when it is empty.
    """
    return platform.node() or "unknown"


def write_fault(exc: OSError, reports: Path) -> str:
    """One line for an I/O error while writing a run: the file, the reason, the space left.

    Parameters
    ----------
    exc : OSError
        The error; its ``filename`` and ``strerror`` are named.
    reports : Path
        The reports folder, whose disk's free space is given.

    Returns
    -------
    str
        ``"could not write FILE: REASON (N MB free in REPORTS)"``.

    >>> import errno
    >>> line = write_fault(OSError(errno.ENOSPC, "No space left on device", "/r/x/manifest.json"), Path("/"))
    >>> line.startswith("could not write /r/x/manifest.json: No space left on device (") and "free" in line
    True
    """
    target = exc.filename or "a file of the run"
    try:
        free = f"{shutil.disk_usage(reports if reports.exists() else reports.parent).free / 1e6:,.1f} MB free in {reports}"
    except OSError:
        free = f"free space in {reports} unknown"
    return f"could not write {target}: {exc.strerror or exc} ({free})"
