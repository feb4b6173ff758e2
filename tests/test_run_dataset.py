"""The runner's dataset step: loading in a child process gives the same facts and the same errors."""

import pickle
import shutil

import pytest

from crmlib.errors import ConfigError, DataError
from crmlib.report.run_dataset import CHILD_PROCESS_BYTES, input_bytes, pseudonym_ids, run_dataset


def test_child_process_gives_the_facts_of_loading_in_the_runner(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_WORKBOOK_CACHE", str(tmp_path / "cache"))
    here = run_dataset("data/sample", None, pseudonymize=True, child_process=False)
    there = run_dataset("data/sample", None, pseudonymize=True, child_process=True)
    assert there == here
    assert here.transactions > 0 and here.customers > 0
    assert len(here.ids.splitlines()) >= here.customers
    assert "transactions" in here.profile["tables"]
    assert any(p.name.startswith("dataset-") for p in (tmp_path / "cache").iterdir())  # stored for the notebooks


def test_a_data_error_in_the_child_process_is_raised_with_its_message(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_WORKBOOK_CACHE", "off")
    broken = tmp_path / "shop"
    shutil.copytree("data/cdnow", broken)
    (broken / "dataset.yaml").write_text(
        (broken / "dataset.yaml").read_text(encoding="utf-8").replace("amount:", "amount_typo:"), encoding="utf-8")
    with pytest.raises(DataError) as here:
        run_dataset(broken, None, pseudonymize=False, child_process=False)
    with pytest.raises(DataError) as there:
        run_dataset(broken, None, pseudonymize=False, child_process=True)
    assert type(there.value) is type(here.value)
    assert str(there.value) == str(here.value)
    assert there.value.file == here.value.file and there.value.hint == here.value.hint


def test_data_errors_survive_pickling_with_message_and_fields():
    error = ConfigError("unknown key", file="dataset.yaml", column="amount", rows=[(3, "x")], hint="Fix it.")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ConfigError
    assert str(again) == str(error)
    assert (again.problem, again.file, again.column, again.rows, again.hint) == \
        ("unknown key", "dataset.yaml", "amount", [(3, "x")], "Fix it.")


def test_input_bytes_counts_every_table_file():
    from crmlib.data.config import read_config

    files = [cfg.file for cfg in read_config("data/sample").tables.values()]
    assert input_bytes("data/sample") == sum(f.stat().st_size for f in files)
    assert input_bytes("data/sample") < CHILD_PROCESS_BYTES  # the bundled sample loads in the runner


def test_pseudonym_ids_cover_orders_customers_and_feedback():
    from crmlib.data.load import load_dataset

    dataset = load_dataset("data/cdnow")
    ids = pseudonym_ids(dataset).splitlines()
    assert ids == sorted(set(ids))
    assert set(dataset.transactions["customer_id"].astype(str)) <= set(ids)
