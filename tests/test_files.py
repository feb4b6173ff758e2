"""Files a run writes are readable as the umask allows (tempfile's 0600 made shared reports unreadable)."""

import os
import stat
import subprocess
import sys

import pytest


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_atomic_writes_follow_the_umask(tmp_path, umask, mode):
    code = ("import os, sys; os.umask(int(sys.argv[1], 8)); from pathlib import Path; "
            "from crmlib.files import atomic_write; from crmlib.exports import write_json; "
            "atomic_write(Path(sys.argv[2]) / 'a.txt', b'x'); write_json({'a': 1}, Path(sys.argv[2]) / 'b.json')")
    subprocess.run([sys.executable, "-c", code, oct(umask), str(tmp_path)], check=True)
    for name in ("a.txt", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    from crmlib.files import atomic_write

    with pytest.raises(TypeError):
        atomic_write(tmp_path / "x.txt", "not bytes")
    assert list(tmp_path.iterdir()) == []
