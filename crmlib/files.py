"""Atomic file writes that others can read: a temporary file beside the target, then a rename.

The temporary file is created with mode 0666 and the process's umask applied, as ``open()``
would (``tempfile.mkstemp`` creates 0600, which made reports unreadable to colleagues on a
shared server); readers never see half a file.

Example
-------
>>> import os, stat, tempfile
>>> path = atomic_write(Path(tempfile.mkdtemp()) / "x.txt", b"hello")
>>> path.read_bytes(), stat.S_IMODE(path.stat().st_mode) == 0o666 & ~current_umask()
(b'hello', True)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def current_umask() -> int:
    """The process's umask (read from /proc where possible, which does not change it).

    Returns
    -------
    int
        The umask, e.g. ``0o022``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it, then put it back at once
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, readable as the umask allows (0644 under 022).

    Parameters
    ----------
    path : str or Path
        The file to write (its folder is created; an existing file is replaced).
    data : bytes
        The file's whole content.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk's write names no file
            exc.filename = str(path)
        raise
    return path
