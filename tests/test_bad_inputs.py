"""A corpus of bad inputs: each gets its specific clear error (or documented handling),
and no input file is modified by loading."""

from __future__ import annotations

import pandas as pd
import pytest
from datasets import BASIC_TRANSACTIONS, fingerprints, transactions_config, write_dataset

from crmlib.data.load import load_dataset
from crmlib.errors import ConfigError, DataError

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(64)

# name -> (files, config, expected error type, fragments the message must contain)
ERROR_CASES = {
    "no dataset.yaml": (None, None, ConfigError, ["no dataset.yaml found", "data_dir"]),
    "yaml syntax": ({"tx.csv": BASIC_TRANSACTIONS}, "tables: [transactions\n  file", ConfigError,
                    ["not valid YAML", "indentation"]),
    "no tables section": ({"tx.csv": BASIC_TRANSACTIONS}, {"name": "x"}, ConfigError, ["no `tables:` section"]),
    "unknown table": ({"tx.csv": BASIC_TRANSACTIONS},
                      {"tables": {"transactions": {"file": "tx.csv"}, "orders": {"file": "tx.csv"}}},
                      ConfigError, ["unknown table(s) ['orders']", "Tables are: transactions"]),
    "no transactions table": ({"c.csv": "customer_id\na\n"}, {"tables": {"customers": {"file": "c.csv"}}},
                              ConfigError, ["required table(s) ['transactions']"]),
    "unknown canonical field": ({"tx.csv": BASIC_TRANSACTIONS},
                                transactions_config(columns={"amout": "amount"}), ConfigError,
                                ["unknown field(s) ['amout']", "Fields of transactions"]),
    "unknown returns policy": ({"tx.csv": BASIC_TRANSACTIONS}, {**transactions_config(), "returns": "keep"},
                               ConfigError, ["`returns: keep` is not a known policy", "separate"]),
    "mapped column missing (typo)": ({"tx.csv": BASIC_TRANSACTIONS},
                                     transactions_config(columns={"amount": "amout"}), DataError,
                                     ["tx.csv", "has no column 'amout'", "Did you mean ['amount']"]),
    "required field absent": ({"tx.csv": "customer_id,order_date,total\na,2024-01-01,3\n"},
                              transactions_config(), DataError,
                              ["lacks the required field(s) ['amount']", "columns are: ['customer_id', 'order_date', 'total']"]),
    "file does not exist": ({}, transactions_config("missing.csv"), DataError,
                            ["missing.csv", "does not exist", "relative to the dataset folder"]),
    "empty file": ({"tx.csv": b""}, transactions_config(), DataError, ["the file is empty"]),
    "header only": ({"tx.csv": "customer_id,order_date,amount\n"}, transactions_config(), DataError,
                    ["header but no rows"]),
    "binary file named .csv": ({"tx.csv": PNG_BYTES}, transactions_config(), DataError,
                               ["looks binary", "Export the table as CSV"]),
    "unsupported extension": ({"tx.json": "[]"}, transactions_config("tx.json"), DataError,
                              ["unsupported file type '.json'"]),
    "no date readable": ({"tx.csv": "customer_id,order_date,amount\na,yesterday,3\nb,soon,4\n"},
                         transactions_config(), DataError,
                         ["column 'order_date'", "no value could be read as a date", "row 2: 'yesterday'",
                          "date_format"]),
    "no amount readable": ({"tx.csv": "customer_id,order_date,amount\na,2024-01-01,abc\nb,2024-01-02,--\n"},
                           transactions_config(), DataError,
                           ["column 'amount'", "no value could be read as an amount", "row 3: '--'"]),
    "corrupt Excel": ({"tx.xlsx": b"PK\x03\x04 not really a zip"}, transactions_config("tx.xlsx"), DataError,
                      ["cannot be opened as an Excel workbook"]),
    "missing Excel sheet": ({"tx.xlsx": pd.DataFrame({"customer_id": ["a"], "order_date": ["2024-01-01"],
                                                      "amount": [1]})},
                            transactions_config("tx.xlsx", sheet="Orders"), DataError,
                            ["Worksheet named 'Orders' not found", "Name an existing sheet"]),
    "declared encoding is wrong": ({"tx.csv": "客户,order_date,amount\n张三,2024-01-01,3\n".encode("gbk")},
                                   transactions_config(encoding="utf-8", columns={"customer_id": "客户"}),
                                   DataError, ["cannot be decoded as utf-8", "line 1", "encoding: auto"]),
    "malformed CSV row": ({"tx.csv": 'customer_id,order_date,amount\na,2024-01-01,3\n"b,2024-01-02,4\n'},
                          transactions_config(), DataError, ["not a well-formed table", "quoting"]),
    "everything after the analysis date": ({"tx.csv": BASIC_TRANSACTIONS},
                                           {**transactions_config(), "analysis_date": "2023-06-30"},
                                           DataError, ["analysis date 2023-06-30 is before the first purchase "
                                                       "(2024-01-01)", "2024-01-11"]),
    "feedback with nothing to analyse": ({"tx.csv": BASIC_TRANSACTIONS, "fb.csv": "customer_id,when\na,2024-01-02\n"},
                                         {"tables": {"transactions": {"file": "tx.csv"},
                                                     "feedback": {"file": "fb.csv"}}},
                                         DataError, ["maps none of ['text', 'rating', 'nps']"]),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_bad_input_gets_a_specific_error_and_files_are_unchanged(tmp_path, case):
    files, config, error, fragments = ERROR_CASES[case]
    folder = tmp_path / "ds"
    if files is None:
        folder.mkdir()
    else:
        write_dataset(folder, files, config)
    before = fingerprints(folder)
    with pytest.raises(error) as caught:
        load_dataset(folder)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert "How to fix:" in message
    assert fingerprints(folder) == before


def _log(dataset, check_fragment):
    log = dataset.quality_log
    return log.loc[log["check"].str.contains(check_fragment, regex=False)]


def test_some_unreadable_dates_fail_by_default_or_are_dropped_and_logged_with_row_numbers(tmp_path):
    csv = "customer_id,order_date,amount\na,2024-01-01,1\nb,31/02/2024,2\nc,2024-01-03,3\n"
    strict = write_dataset(tmp_path / "strict", {"tx.csv": csv}, transactions_config())
    with pytest.raises(DataError, match=r"1 of 3 values \(33.3%\) could not be read as dates\n  row 3: '31/02/2024'"):
        load_dataset(strict)
    folder = write_dataset(tmp_path / "ds", {"tx.csv": csv}, transactions_config(max_unparsed_share=0.5))
    before = fingerprints(folder)
    ds = load_dataset(folder)
    entry = _log(ds, "unreadable order_date")
    assert entry["rows"].tolist() == [1]
    assert entry["examples"].iloc[0] == "row 3: '31/02/2024'"
    assert sorted(ds.transactions["customer_id"]) == ["a", "c"]
    assert fingerprints(folder) == before


def test_duplicate_order_lines_are_dropped_only_with_an_order_id(tmp_path):
    csv = "order_id,customer_id,order_date,amount\n1,a,2024-01-01,5\n1,a,2024-01-01,5\n2,a,2024-01-02,5\n"
    ds = load_dataset(write_dataset(tmp_path / "with", {"tx.csv": csv}, transactions_config()))
    assert len(ds.transactions) == 2
    assert _log(ds, "duplicate order line")["rows"].tolist() == [1]
    no_id = csv.replace("order_id,", "").replace("\n1,", "\n").replace("\n2,", "\n")
    ds = load_dataset(write_dataset(tmp_path / "without", {"tx.csv": no_id}, transactions_config()))
    assert len(ds.transactions) == 3
    assert _log(ds, "identical rows")["action"].tolist() == ["kept (flagged)"]


def test_out_of_range_ratings_are_blanked_and_unknown_customers_flagged(tmp_path):
    feedback = "customer_id,rating,nps,text\na,5,10,good\na,9,11,odd\nzz,1,0,bad\n"
    config = {"tables": {"transactions": {"file": "tx.csv"}, "feedback": {"file": "fb.csv"}}}
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS, "fb.csv": feedback}, config))
    assert ds.feedback["rating"].isna().tolist() == [False, True, False]
    assert ds.feedback["nps"].isna().tolist() == [False, True, False]
    assert _log(ds, "rating outside")["rows"].tolist() == [1]
    assert _log(ds, "customer id without purchases")["examples"].iloc[0] == "row 4: 'zz'"


def test_rows_without_customer_id_and_zero_amounts_are_dropped(tmp_path):
    csv = "customer_id,order_date,amount\n,2024-01-01,4\na,2024-01-02,0\na,2024-01-03,7\n"
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": csv}, transactions_config()))
    assert ds.transactions["amount"].tolist() == [7.0]
    assert _log(ds, "missing customer id")["rows"].tolist() == [1]
    assert _log(ds, "zero amount")["rows"].tolist() == [1]


def test_dates_in_the_future_are_dropped(tmp_path):
    future = (pd.Timestamp.today() + pd.Timedelta(days=400)).strftime("%Y-%m-%d")
    csv = f"customer_id,order_date,amount\na,2024-01-01,4\na,{future},9\n"
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": csv}, transactions_config()))
    assert ds.transactions["amount"].tolist() == [4.0]
    assert ds.analysis_date == pd.Timestamp("2024-01-01")
    assert _log(ds, "in the future")["rows"].tolist() == [1]
