"""Shared results are reused for the same data, parameters and code, and recomputed otherwise."""

from __future__ import annotations

import os
import time

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


def _age(path, days):
    stamp = time.time() - days * 86400
    os.utime(path, (stamp, stamp))


def test_prune_deletes_only_unused_entries_it_wrote(tmp_path):
    cache.cached("old_fit", "d", {}, lambda: 1, folder=tmp_path)
    cache.cached("used_fit", "d", {}, lambda: 2, folder=tmp_path)
    cache.cached("fresh_fit", "d", {}, lambda: 3, folder=tmp_path)
    leftover = tmp_path / ".old_fit.x1y2z3.tmp"  # a write interrupted long ago
    foreign = [tmp_path / "notes.pkl", tmp_path / "model.pkl.bak", tmp_path / "customers.csv"]
    for path in [leftover, *foreign]:
        path.write_bytes(b"x")
    for path in [*tmp_path.glob("old_fit-*.pkl"), *tmp_path.glob("used_fit-*.pkl"), leftover, *foreign]:
        _age(path, 45)
    assert cache.cached("used_fit", "d", {}, lambda: "recomputed", folder=tmp_path) == 2  # a hit refreshes it
    deleted = cache.prune(30, tmp_path)
    assert sorted(p.name.split("-")[0] for p in deleted) == [".old_fit.x1y2z3.tmp", "old_fit"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert [name for name in left if name.endswith(".pkl") and "fit-" in name] == \
        sorted(p.name for p in [*tmp_path.glob("fresh_fit-*.pkl"), *tmp_path.glob("used_fit-*.pkl")])
    assert all(path.exists() for path in foreign)
    assert cache.prune(30, tmp_path / "missing") == []
