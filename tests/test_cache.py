"""Shared results are reused for the same data, parameters and code, and recomputed otherwise."""

from __future__ import annotations

import os
import time

import pandas as pd

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


def test_code_version_changes_when_a_corpus_package_is_added_or_upgraded(monkeypatch):
    """A model trained without cntext's lexicons must not be reused once cntext is installed."""
    installed = cache.installed_versions()
    assert set(installed) == set(cache.RESULT_DISTRIBUTIONS) and installed["pandas"] == pd.__version__
    now = cache.code_version.__wrapped__()
    monkeypatch.setattr(cache, "installed_versions", lambda: {**installed, "cntext": "absent"})
    without = cache.code_version.__wrapped__()
    monkeypatch.setattr(cache, "installed_versions", lambda: {**installed, "cntext": "9.9"})
    upgraded = cache.code_version.__wrapped__()
    monkeypatch.setattr(cache, "installed_versions", lambda: dict(installed))
    assert len({now, without, upgraded}) == 3 and cache.code_version.__wrapped__() == now


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


def _poll(condition, what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _first_computer(folder, flags):
    def compute():
        (flags / "a-started").touch()
        _poll((flags / "release").exists, "the release flag")
        return "computed by the first process"
    cache.cached("slow", "data", {}, compute, folder=folder)


def _second_asker(folder, flags):
    import json
    import logging

    logging.basicConfig(filename=flags / "b.log", level=logging.INFO, force=True)

    def compute():
        (flags / "b-computed").touch()
        return "computed by the second process"
    entry = cache.fetch("slow", "data", {}, compute, folder=folder)
    (flags / "b.json").write_text(json.dumps([entry.value, entry.hit]))


def test_a_second_process_waits_for_the_entry_being_computed_instead_of_computing_it_again(tmp_path):
    import json
    import multiprocessing

    folder, flags = tmp_path / "cache", tmp_path / "flags"
    flags.mkdir()
    context = multiprocessing.get_context("fork")
    first = context.Process(target=_first_computer, args=(folder, flags))
    first.start()
    _poll((flags / "a-started").exists, "the first process to start computing")
    second = context.Process(target=_second_asker, args=(folder, flags))
    second.start()
    _poll(lambda: "waiting for another process computing slow-" in
          ((flags / "b.log").read_text() if (flags / "b.log").exists() else ""), "the second process to wait")
    (flags / "release").touch()
    first.join(120)
    second.join(120)
    assert (first.exitcode, second.exitcode) == (0, 0)
    assert json.loads((flags / "b.json").read_text()) == ["computed by the first process", True]
    assert not (flags / "b-computed").exists()
    assert [p.name for p in folder.glob("slow-*.pkl")] and not list(folder.glob("*.tmp"))


def test_a_process_that_dies_while_computing_releases_the_entry(tmp_path):
    import multiprocessing
    import signal

    folder, flags = tmp_path / "cache", tmp_path / "flags"
    flags.mkdir()
    first = multiprocessing.get_context("fork").Process(target=_first_computer, args=(folder, flags))
    first.start()
    _poll((flags / "a-started").exists, "the first process to start computing")
    os.kill(first.pid, signal.SIGKILL)  # as the out-of-memory killer would
    first.join(120)
    assert cache.cached("slow", "data", {}, lambda: "recomputed", folder=folder) == "recomputed"
