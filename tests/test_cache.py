"""Shared results are reused for the same data, parameters and code, and recomputed otherwise."""

from __future__ import annotations

import crmlib.cache as cache


def test_reuse_and_invalidation(tmp_path, monkeypatch):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cache.cached("fit", "data1", {"unit": "W"}, compute, folder=tmp_path) == 1
    assert cache.cached("fit", "data1", {"unit": "W"}, compute, folder=tmp_path) == 1  # reused
    assert cache.cached("fit", "data2", {"unit": "W"}, compute, folder=tmp_path) == 2  # other data
    assert cache.cached("fit", "data1", {"unit": "D"}, compute, folder=tmp_path) == 3  # other parameters
    monkeypatch.setattr(cache, "code_version", lambda: "changed")
    assert cache.cached("fit", "data1", {"unit": "W"}, compute, folder=tmp_path) == 4  # other code


def test_truncated_entry_is_recomputed_and_off_disables(tmp_path, monkeypatch):
    cache.cached("fit", "d", {}, lambda: "first", folder=tmp_path)
    for entry in tmp_path.glob("fit-*.pkl"):
        entry.write_bytes(b"\x80")  # a half-written pickle
    assert cache.cached("fit", "d", {}, lambda: "again", folder=tmp_path) == "again"
    monkeypatch.setenv(cache.CACHE_VARIABLE, "off")
    assert cache.cache_folder() is None


def test_code_version_covers_resources():
    assert len(cache.code_version()) == 16
