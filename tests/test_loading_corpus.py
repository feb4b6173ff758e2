"""Every row accounted for: a corpus of messy and broken inputs, each with its exact outcome.

Error cases assert the message (what, where, the fix); accepted cases assert the parsed values
and the reconciliation (rows read = kept + dropped, amount read = kept + returns + dropped).
Every case also checks that the input files are left byte-for-byte unchanged.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from datasets import BASIC_TRANSACTIONS, fingerprints, transactions_config, write_dataset
from lookalikes import (
    MESSY_SHOP,
    MESSY_SHOP_CONFIG,
    MESSY_SHOP_TRUTH,
    ONLINE_RETAIL,
    ONLINE_RETAIL_CONFIG,
    ONLINE_RETAIL_TRUTH,
)

from crmlib import PROJECT_ROOT
from crmlib.cli import main
from crmlib.data.load import load_dataset
from crmlib.data.quality import check_reconciliation
from crmlib.errors import ConfigError, DataError

TX = "customer_id,order_date,amount\n"


def _excel_two_sheets() -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"说明": ["本表为订单导出", "导出时间 2024-03-07"]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame({"客户": ["a", "b"], "日期": pd.to_datetime(["2024-03-01", "2024-03-02"]),
                      "金额": [12.5, 7.0]}).to_excel(writer, sheet_name="Orders", index=False)
    return buffer.getvalue()


EXCEL_MAPPING = {"customer_id": "客户", "order_date": "日期", "amount": "金额"}
SHIFT_JIS = "customer_id,order_date,amount,city\na,2024-01-01,3,東京都渋谷区神南\nb,2024-01-02,4,大阪市北区梅田\n"

# name -> (files, config, expected error type, fragments the message must contain)
ERROR_CASES = {
    "typo in a dataset key": ({"tx.csv": BASIC_TRANSACTIONS}, {**transactions_config(), "analysis_dat": "2024-01-05"},
                              ConfigError, ["unknown key 'analysis_dat' in dataset.yaml", "did you mean 'analysis_date'"]),
    "typo in a table key": ({"tx.csv": BASIC_TRANSACTIONS}, transactions_config(colums={"amount": "amount"}),
                            ConfigError, ["unknown key 'colums' in table 'transactions'", "did you mean 'columns'"]),
    "unknown duplicate policy": ({"tx.csv": BASIC_TRANSACTIONS}, {**transactions_config(), "duplicate_orders": "maybe"},
                                 ConfigError, ["`duplicate_orders: maybe` is not a known setting", "first, last, sum"]),
    "unknown outlier policy": ({"tx.csv": BASIC_TRANSACTIONS}, {**transactions_config(), "outliers": "cap"},
                               ConfigError, ["`outliers: cap` is not a known setting", "keep, drop"]),
    "unknown engine": ({"tx.csv": BASIC_TRANSACTIONS}, {**transactions_config(), "engine": "oracle"},
                       ConfigError, ["`engine: oracle` is not a known setting", "duckdb"]),
    "analysis date is not a date": ({"tx.csv": BASIC_TRANSACTIONS}, {**transactions_config(), "analysis_date": "someday"},
                                    ConfigError, ["`analysis_date: someday` is not a date", "YYYY-MM-DD"]),
    "share out of range": ({"tx.csv": BASIC_TRANSACTIONS}, transactions_config(max_unparsed_share=5),
                           ConfigError, ["`max_unparsed_share: 5`, not a share between 0 and 1"]),
    "cancelled_if is not a rule": ({"tx.csv": BASIC_TRANSACTIONS}, transactions_config(cancelled_if="C"),
                                   ConfigError, ["`cancelled_if:` that is not one rule", "starts_with"]),
    "cancelled_if names no column": ({"tx.csv": BASIC_TRANSACTIONS},
                                     transactions_config(cancelled_if={"column": "Status", "equals": "void"}),
                                     DataError, ["has no column 'Status' (named in `cancelled_if:`)"]),
    "a folder given as file": ({"orders/readme.txt": "x"}, transactions_config("orders"), DataError,
                               ["is a folder, not a file", "export file inside it"]),
    "unit price without quantity": ({"tx.csv": "customer_id,order_date,price\na,2024-01-01,3\n"},
                                    transactions_config(columns={"unit_price": "price"}), DataError,
                                    ["maps `unit_price` but no `quantity`"]),
    "amount missing, hint at order lines": ({"tx.csv": "customer_id,order_date,price\na,2024-01-01,3\n"},
                                            transactions_config(), DataError,
                                            ["lacks the required field(s) ['amount']", "map `unit_price:` and `quantity:`"]),
    "conflicting duplicate order ids": ({"tx.csv": "order_id,customer_id,order_date,amount\nO1,a,2024-01-01,5\n"
                                                   "O1,a,2024-01-01,7\nO2,b,2024-01-02,3\n"},
                                        transactions_config(), DataError,
                                        ["2 rows share an order id with another row but differ in amount (",
                                         "row 2: 'order_id=O1 / customer_id=a / amount=5.0'",
                                         "row 3: 'order_id=O1 / customer_id=a / amount=7.0'", "duplicate_orders: first",
                                         "map `product:`"]),
    "same id, different customer": ({"tx.csv": "order_id,customer_id,order_date,amount\nO1,a,2024-01-01,5\n"
                                               "O1,b,2024-01-01,5\n"},
                                    transactions_config(), DataError,
                                    ["2 rows share an order id with another row but differ in customer (", "customer_id=b"]),
    "same id, amount and customer on another day": (
        {"tx.csv": "order_id,customer_id,order_date,amount\nO1,a,2024-01-01,5\nO1,a,2024-01-02,5\n"},
        transactions_config(), DataError,
        ["2 rows share an order id with another row but differ in day (",
         "row 2: 'order_id=O1 / customer_id=a / amount=5.0 / day=2024-01-01'",
         "row 3: 'order_id=O1 / customer_id=a / amount=5.0 / day=2024-01-02'"]),
    "every contact after the analysis date": (
        {"tx.csv": BASIC_TRANSACTIONS, "tp.csv": "customer_id,timestamp,channel\na,2025-03-01,search\nb,2025-03-02,email\n"},
        {"tables": {**transactions_config()["tables"], "touchpoints": {"file": "tp.csv"}}}, DataError,
        ["tp.csv: has no contact left after cleaning: 2 contact after the analysis date 2024-01-11",
         "Check the column mapping, the timestamp format and the analysis date."]),
    "ambiguous day and month": ({"tx.csv": TX + "a,01/02/2024,1\nb,03/04/2024,2\n"}, transactions_config(), DataError,
                                ["column 'order_date'", "day and month order cannot be told apart",
                                 "'%d/%m/%Y'", "'%m/%d/%Y'"]),
    "day-first and month-first mixed": ({"tx.csv": TX + "a,13/01/2024,1\nb,01/13/2024,2\nc,05/03/2024,3\n"},
                                        transactions_config(), DataError,
                                        ["day-first values and month-first values", "13/01/2024", "01/13/2024"]),
    "some dates unreadable (default: none allowed)": ({"tx.csv": TX + "a,2024-01-01,1\nb,yesterday,2\nc,2024-01-03,3\n"},
                                                      transactions_config(), DataError,
                                                      ["1 of 3 values (33.3%) could not be read as dates",
                                                       "row 3: 'yesterday'", "max_unparsed_share: 0.34"]),
    "thousands separators that do not group by three": ({"tx.csv": TX + 'a,2024-01-01,"1,2,3"\nb,2024-01-02,"1,234"\n'},
                                                        transactions_config(), DataError,
                                                        ["1 of 2 values (50.0%) could not be read as amounts",
                                                         "row 2: '1,2,3'"]),
    "Excel serial dates unreadable as dates are named": ({"tx.csv": TX + "a,yesterday,1\nb,today,2\n"},
                                                         transactions_config(), DataError,
                                                         ["no value could be read as a date", "Excel serial days"]),
    "encoding cannot be told": ({"tx.csv": SHIFT_JIS.encode("shift_jis")}, transactions_config(), DataError,
                                ["cannot be told from the file with confidence", "as gb18030:", "as cp1252:",
                                 "encoding: gbk"]),
    "two sheets and no sheet:": ({"tx.xlsx": _excel_two_sheets()}, transactions_config("tx.xlsx", columns=EXCEL_MAPPING),
                                 DataError, ["has no column '客户'", "The workbook has 2 sheets", "'Orders' (columns: 客户",
                                             "`sheet:`"]),
    "sheet number out of range": ({"tx.xlsx": _excel_two_sheets()}, transactions_config("tx.xlsx", sheet=5), DataError,
                                  ["has no sheet number 5", "['说明', 'Orders']"]),
    "a row with too many fields": ({"tx.csv": TX + "a,2024-01-01,1\nb,2024-01-02,2,extra\n"}, transactions_config(),
                                   DataError, ["not a well-formed table: line 3 has 4 fields where the header has 3",
                                               "row 3: 'b,2024-01-02,2,extra'", "quoting"]),
    "only refunds": ({"tx.csv": TX + "a,2024-01-01,-5\nb,2024-01-02,-3\n"}, transactions_config(), DataError,
                     ["has no purchase left after cleaning", "2 returns/refunds"]),
    "no customer ids (NULL, nan, blank)": ({"tx.csv": TX + "NULL,2024-01-01,5\nnan,2024-01-02,3\n,2024-01-03,1\n"},
                                           transactions_config(), DataError,
                                           ["has no purchase left after cleaning: 3 missing customer id"]),
    "declared latin-1 for a UTF-16 file": ({"tx.csv": ("customer_id,order_date,amount\nä,2024-01-01,1\n").encode("utf-16")},
                                           transactions_config(encoding="utf-8"), DataError,
                                           ["cannot be decoded as utf-8"]),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_bad_input_gets_its_exact_error_and_files_are_unchanged(tmp_path, case):
    files, config, error, fragments = ERROR_CASES[case]
    folder = write_dataset(tmp_path / "ds", files, config)
    before = fingerprints(folder)
    with pytest.raises(error) as caught:
        load_dataset(folder)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert "How to fix:" in message
    assert fingerprints(folder) == before


def _load(tmp_path, files, config, **kwargs):
    folder = write_dataset(tmp_path / "ds", files, config)
    before = fingerprints(folder)
    ds = load_dataset(folder, **kwargs)
    assert fingerprints(folder) == before
    check_reconciliation(ds.reconciliation)
    return ds


def _log(ds) -> dict[str, tuple[int, str, str]]:
    return {r.check: (r.rows, r.action, r.examples) for r in ds.quality_log.itertuples()}


def test_online_retail_order_lines(tmp_path):
    ds = _load(tmp_path, {"Online Retail.csv": ONLINE_RETAIL}, ONLINE_RETAIL_CONFIG)
    truth = ONLINE_RETAIL_TRUTH
    spend = ds.transactions.groupby("customer_id")["amount"].sum()
    assert spend.round(6).to_dict() == pytest.approx(truth["purchases"])
    assert sorted(ds.returns["amount"]) == pytest.approx(truth["returns"])
    assert ds.returns["order_id"].tolist() == ["C536379", "C536383"]
    assert ds.analysis_date == pd.Timestamp(truth["analysis_date"])
    log = _log(ds)
    assert log["missing customer id"] == (1, "dropped", "row 9")
    assert log["duplicate order line (identical row)"] == (1, "dropped", f"row {truth['duplicate_line']}: '536365'")
    assert log["cancellations (order_id starts with 'C'): treated as returns"][0] == 2
    money = ds.reconciliation["transactions"]
    assert money["amount_dropped"]["missing customer id"] == pytest.approx(truth["no_customer"])
    assert money["rows_read"] == 10 and money["rows_kept"] == 8


def test_online_retail_with_amount_mapped_to_the_unit_price_warns(tmp_path):
    lines = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n" + "".join(
        f"{536365 + i},{code},{qty},12/{13 + i}/2010 8:26,{price},{17850 + i % 7}.0\n"
        for i, (code, qty, price) in enumerate([("A", 1, 2.55), ("A", 6, 2.55), ("A", 12, 2.55), ("B", 2, 3.39),
                                                ("B", 8, 3.39), ("C", 1, 1.85), ("C", 4, 1.85), ("A", 24, 2.55)]))
    config = {"tables": {"transactions": {"file": "r.csv", "columns": {
        "order_id": "InvoiceNo", "product": "StockCode", "quantity": "Quantity", "order_date": "InvoiceDate",
        "amount": "UnitPrice", "customer_id": "CustomerID"}}}}
    ds = _load(tmp_path, {"r.csv": lines}, config)
    assert any("behaves like a unit price" in w and "`unit_price: UnitPrice`" in w for w in ds.warnings)


def test_messy_gbk_shop_export(tmp_path):
    ds = _load(tmp_path, {"orders.csv": MESSY_SHOP.encode("gbk")}, MESSY_SHOP_CONFIG)
    truth = MESSY_SHOP_TRUTH
    tx = ds.transactions
    assert tx["amount"].sum() == pytest.approx(truth["revenue"])
    assert tx["order_id"].is_unique
    assert dict(zip(tx["order_id"], tx["order_date"].dt.strftime("%Y-%m-%d %H:%M"), strict=True)) == truth["dates"]
    assert ds.analysis_date == pd.Timestamp(truth["analysis_date"])
    assert ds.reconciliation["transactions"]["rows_dropped"] == truth["dropped"]
    assert ds.reconciliation["transactions"]["amount_kept"] == pytest.approx(truth["revenue"])
    assert _log(ds)["unreadable amount (实付金额)"] == (1, "dropped", "row 13: '1,2,3'")


def test_messy_export_refund_with_its_own_order_id_is_a_return(tmp_path):
    ds = _load(tmp_path, {"orders.csv": MESSY_SHOP.encode("gbk")}, MESSY_SHOP_CONFIG, analysis_date="2024-03-31")
    assert ds.returns["order_id"].tolist() == ["DD1003"] and ds.returns["amount"].tolist() == [-300.0]
    assert "DD1003" in set(ds.transactions["order_id"])  # the purchase stays: a refund is judged apart


def test_latin1_file_is_read_as_western_text(tmp_path):
    csv = TX.replace("\n", ",city\n") + "a,2024-01-01,3,Besançon\nb,2024-01-02,4,crème brûlée\n"
    config = {"tables": {"transactions": {"file": "tx.csv"}, "customers": {"file": "c.csv"}}}
    customers = "customer_id,city\na,Besançon\nb,Zürich\n"
    ds = _load(tmp_path, {"tx.csv": csv.encode("latin-1"), "c.csv": customers.encode("latin-1")}, config)
    assert ds.customers["city"].tolist() == ["Besançon", "Zürich"]
    assert "rows read (encoding: cp1252)" in _log(ds)


def test_declared_encoding_reads_what_detection_would_not_guess(tmp_path):
    ds = _load(tmp_path, {"tx.csv": SHIFT_JIS.encode("shift_jis")}, transactions_config(encoding="shift_jis"))
    assert ds.transactions["amount"].tolist() == [3.0, 4.0]


def test_utf16_with_bom_is_detected(tmp_path):
    ds = _load(tmp_path, {"tx.csv": (TX + "ä,2024-01-01,1\n").encode("utf-16")}, transactions_config())
    assert ds.transactions["customer_id"].tolist() == ["ä"]


def test_excel_sheet_named_in_the_config(tmp_path):
    ds = _load(tmp_path, {"tx.xlsx": _excel_two_sheets()},
               transactions_config("tx.xlsx", sheet="Orders", columns=EXCEL_MAPPING))
    assert ds.transactions["amount"].tolist() == [12.5, 7.0]
    assert ds.transactions["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-01", "2024-03-02"]


@pytest.mark.parametrize("policy, amounts, check", [
    ("first", [5.0, 3.0], "same order id, different amount or customer (duplicate_orders: first)"),
    ("last", [7.0, 3.0], "same order id, different amount or customer (duplicate_orders: last)"),
    ("sum", [12.0, 3.0], "merged into the first line of the same order (duplicate_orders: sum)"),
])
def test_duplicate_order_policies(tmp_path, policy, amounts, check):
    csv = "order_id,customer_id,order_date,amount\nO1,a,2024-01-01,5\nO1,a,2024-01-01,7\nO2,b,2024-01-02,3\n"
    ds = _load(tmp_path, {"tx.csv": csv}, {**transactions_config(), "duplicate_orders": policy})
    assert ds.transactions["amount"].tolist() == amounts
    assert _log(ds)[check][:2] == (1, "dropped")
    assert ds.reconciliation["transactions"]["amount_kept"] == pytest.approx(sum(amounts))


def test_duplicates_are_judged_on_parsed_values(tmp_path):
    csv = ('order_id,customer_id,order_date,amount\nO1,a,2024/3/5 14:02,"￥1,234.50"\nO1,a,2024-03-05,1234.5\n'
           "O2,a,2024-03-06,5\n")
    ds = _load(tmp_path, {"tx.csv": csv}, transactions_config())
    assert ds.transactions["amount"].tolist() == [1234.5, 5.0]
    assert _log(ds)["duplicate order line (identical row)"] == (1, "dropped", "row 3: 'O1'")


def test_identical_rows_without_order_id_are_flagged_not_dropped(tmp_path):
    ds = _load(tmp_path, {"tx.csv": TX + "a,2024-01-01,5\na,2024-01-01,5.00\nb,2024-01-02,3\n"}, transactions_config())
    assert len(ds.transactions) == 3
    assert _log(ds)["identical rows (no order id mapped, so kept)"] == (1, "kept (flagged)", "row 3: 'a'")


@pytest.mark.parametrize("cell, expected", [
    ("2024/3/5 14:02", "2024-03-05 14:02"), ("2024-03-05", "2024-03-05 00:00"), ("2024.03.05", "2024-03-05 00:00"),
    ("2024年1月14日", "2024-01-14 00:00"), ("2024年01月14日 08:03", "2024-01-14 08:03"),
    ("20240305", "2024-03-05 00:00"), ("5 Mar 2024", "2024-03-05 00:00"), ('"Mar 5, 2024"', "2024-03-05 00:00"),
    ("45356", "2024-03-05 00:00"), ("1709647320", "2024-03-05 14:02"), ("2024-03-05T14:02:00", "2024-03-05 14:02"),
])
def test_each_date_shape_is_read(tmp_path, cell, expected):
    ds = _load(tmp_path, {"tx.csv": TX + f"a,{cell},1\n"}, transactions_config())
    assert f"{ds.transactions['order_date'].iloc[0]:%Y-%m-%d %H:%M}" == expected


def test_a_column_mixing_date_formats_is_read_value_by_value(tmp_path):
    cells = ["2024/3/5 14:02", "2024-03-06", "25.12.2023", "2024年01月14日", "45356", "31/12/2023"]
    ds = _load(tmp_path, {"tx.csv": TX + "".join(f"c{i},{c},1\n" for i, c in enumerate(cells))}, transactions_config())
    assert ds.transactions["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-05", "2024-03-06", "2023-12-25", "2024-01-14", "2024-03-05", "2023-12-31"]


def test_day_first_setting_resolves_ambiguous_dates(tmp_path):
    ds = _load(tmp_path, {"tx.csv": TX + "a,01/02/2024,1\nb,03/04/2024,2\n"}, transactions_config(day_first=True))
    assert ds.transactions["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-01", "2024-04-03"]


@pytest.mark.parametrize("cell, expected", [
    ('"1,234,567.5"', 1234567.5), ("￥88", 88.0), ("RMB 1 000", 1000.0), ("(12.50)", -12.5), ("-¥30.00", -30.0),
    ("12元", 12.0), ("1e3", 1000.0), (".5", 0.5),
])
def test_amount_cells(tmp_path, cell, expected):
    csv = TX + f"a,2024-01-01,{cell}\nb,2024-01-02,1\n"
    ds = _load(tmp_path, {"tx.csv": csv}, {**transactions_config(), "returns": "separate"})
    values = ds.transactions["amount"].tolist() + ds.returns["amount"].tolist()
    assert expected in values


def test_decimal_comma_and_semicolons(tmp_path):
    csv = "customer_id;order_date;amount\na;05.03.2024;1.234,50\nb;25.03.2024;12,00\n"
    ds = _load(tmp_path, {"tx.csv": csv}, transactions_config(decimal=","))
    assert ds.transactions["amount"].tolist() == [1234.5, 12.0]
    assert ds.transactions["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05", "2024-03-25"]


def test_na_values_mark_missing_ids_dates_and_amounts(tmp_path):
    csv = TX + "a,2024-01-01,5\nNULL,2024-01-02,3\nnan,2024-01-03,1\nb,N/A,2\nc,2024-01-04,-\n无,2024-01-05,4\n"
    ds = _load(tmp_path, {"tx.csv": csv}, transactions_config())
    assert ds.transactions["customer_id"].tolist() == ["a"]
    log = _log(ds)
    assert log["missing customer id"] == (3, "dropped", "rows 3, 4, 7")
    assert log["missing order date"] == (1, "dropped", "row 5")
    assert log["missing amount"] == (1, "dropped", "row 6")


def test_custom_na_values(tmp_path):
    ds = _load(tmp_path, {"tx.csv": TX + "a,2024-01-01,5\nunknown,2024-01-02,3\n"},
               transactions_config(na_values=["unknown"]))
    assert ds.transactions["customer_id"].tolist() == ["a"]


def test_line_numbers_count_quoted_line_breaks_and_blank_lines(tmp_path):
    csv = ("customer_id,order_date,amount,product\na,2024-01-01,1,\"two\nlines\"\n\n,2024-01-02,2,x\n"
           "b,2024-01-03,0,y\n")
    ds = _load(tmp_path, {"tx.csv": csv}, transactions_config())
    log = _log(ds)
    assert log["missing customer id"] == (1, "dropped", "row 5")
    assert log["zero amount"] == (1, "dropped", "row 6: 'b'")
    assert ds.transactions["product"].tolist() == ["two\nlines"]


def test_excel_rows_are_sheet_rows(tmp_path):
    frame = pd.DataFrame({"customer_id": ["a", None, "b"], "order_date": ["2024-01-01", "2024-01-02", "2024-01-03"],
                          "amount": [1, 2, 3]})
    ds = _load(tmp_path, {"tx.xlsx": frame}, transactions_config("tx.xlsx"))
    assert _log(ds)["missing customer id"] == (1, "dropped", "row 3")


def test_parquet_input_with_typed_columns(tmp_path):
    frame = pd.DataFrame({"customer_id": [1001.0, 1002.0], "order_date": pd.to_datetime(["2024-03-01", "2024-03-02"]),
                          "amount": [12.5, 7.0]})
    ds = _load(tmp_path, {"tx.parquet": frame}, transactions_config("tx.parquet"))
    assert ds.transactions["customer_id"].tolist() == ["1001", "1002"]


def test_tsv_file(tmp_path):
    ds = _load(tmp_path, {"tx.tsv": TX.replace(",", "\t") + "a\t2024-01-01\t5\n"}, transactions_config("tx.tsv"))
    assert ds.transactions["amount"].tolist() == [5.0]


def test_outliers_are_flagged_or_dropped(tmp_path):
    rows = "".join(f"c{i},2024-01-{1 + i % 28:02d},{10 + i % 5}\n" for i in range(40)) + "big,2024-01-05,1000000000000\n"
    ds = _load(tmp_path, {"tx.csv": TX + rows}, transactions_config())
    flagged = [c for c in _log(ds) if c.startswith("amount far above the rest")]
    assert len(flagged) == 1 and _log(ds)[flagged[0]][:2] == (1, "kept (flagged)")
    assert any("big (100%)" in w for w in ds.warnings)
    dropped = _load(tmp_path / "drop", {"tx.csv": TX + rows}, {**transactions_config(), "outliers": "drop"})
    assert "big" not in set(dropped.transactions["customer_id"])
    assert dropped.reconciliation["transactions"]["amount_dropped"][flagged[0]] == 1e12


def test_analysis_date_defaults_to_the_last_purchase_not_a_later_refund(tmp_path):
    ds = _load(tmp_path, {"tx.csv": BASIC_TRANSACTIONS + "a,2024-01-20,-5\n"}, transactions_config())
    assert ds.analysis_date == pd.Timestamp("2024-01-11")
    assert _log(ds)["order date after the analysis date 2024-01-11"] == (1, "dropped", "row 5: '2024-01-20'")


def test_analysis_date_long_after_the_last_purchase_is_a_warning_everywhere(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS},
                           {**transactions_config(), "analysis_date": "2030-01-01"})
    ds = load_dataset(folder)
    assert ds.page_warnings == [
        "The analysis date 2030-01-01 is 2,182 days after the last purchase (2024-01-11), more than a 90-day churn "
        "window: every customer looks lapsed. Leave `analysis_date` empty to use the last purchase date, unless "
        "the export is truly that old."]
    assert main(["validate", str(folder)]) == 0
    assert "Warning: The analysis date 2030-01-01 is 2,182 days" in capsys.readouterr().out


@pytest.mark.parametrize("window, warned", [(None, True), (90, True), (100, True), (180, False)])
def test_the_late_analysis_date_warning_follows_the_notebooks_churn_window(tmp_path, monkeypatch, window, warned):
    from crmlib.notebook import Workbook

    monkeypatch.setenv("CRM_WORKBOOK_CACHE", "off")
    folder = write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS},  # last purchase 2024-01-11
                           {**transactions_config(), "analysis_date": "2024-05-10"})  # 120 days later
    said = []
    monkeypatch.setattr(Workbook, "say", lambda self, text: said.append(text))
    Workbook.open(folder, export_dir=str(tmp_path / "exports"), churn_window_days=window)
    late = [text for text in said if "days after the last purchase" in text]
    if warned:
        assert late == [f"⚠ The analysis date 2024-05-10 is 120 days after the last purchase (2024-01-11), more than a "
                        f"{window or 90}-day churn window: every customer looks lapsed. Leave `analysis_date` empty to "
                        "use the last purchase date, unless the export is truly that old."]
    else:
        assert late == []


def test_validate_exits_3_on_bad_input_and_names_the_fix(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", {"tx.csv": TX + "a,2024-01-01,abc\n"}, transactions_config())
    assert main(["validate", str(folder)]) == 3
    assert "no value could be read as an amount" in capsys.readouterr().err


def test_returns_net_policy_balances(tmp_path):
    csv = BASIC_TRANSACTIONS + "a,2024-01-11,-5\nb,2024-01-05,-8\nb,2024-01-08,-2\n"
    ds = _load(tmp_path, {"tx.csv": csv}, {**transactions_config(), "returns": "net"})
    assert sorted(ds.transactions["amount"].tolist()) == [10.0, 25.0]
    log = _log(ds)
    assert log["return netted into a same-day purchase (amount kept in it)"][0] == 2
    assert log["return without a same-day purchase"] == (1, "dropped", "row 7: -2.0")
    assert log["purchase fully refunded"][:2] == (1, "dropped")


def test_feedback_with_unknown_customers_names_them(tmp_path):
    feedback = "customer_id,text,rating\na,good,5\nzz,bad,1\nyy,meh,3\nzz,again,2\n"
    config = {"tables": {"transactions": {"file": "tx.csv"}, "feedback": {"file": "fb.csv"}}}
    ds = _load(tmp_path, {"tx.csv": BASIC_TRANSACTIONS, "fb.csv": feedback}, config)
    assert ("2 customer id(s) in the feedback have no purchase, e.g. 'zz', 'yy': their feedback is kept but cannot "
            "be linked to purchases.") in ds.warnings


def test_ratings_only_feedback_loads(tmp_path):
    config = {"tables": {"transactions": {"file": "tx.csv"}, "feedback": {"file": "fb.csv"}}}
    ds = _load(tmp_path, {"tx.csv": BASIC_TRANSACTIONS, "fb.csv": "customer_id,rating\na,5\nb,N/A\n"}, config)
    assert ds.feedback["rating"].isna().tolist() == [False, True]


@pytest.mark.parametrize("folder", ["sample", "cdnow"])
def test_bundled_datasets_reconcile(folder):
    ds = load_dataset(PROJECT_ROOT / "data" / folder)
    check_reconciliation(ds.reconciliation)
    money = ds.reconciliation["transactions"]
    assert money["amount_kept"] == pytest.approx(ds.transactions["amount"].sum())
    assert money["amount_returns"] == pytest.approx(ds.returns["amount"].sum() if len(ds.returns) else 0.0)
    for name, counts in ds.reconciliation.items():
        frame = ds.transactions if name == "transactions" else getattr(ds, name)
        assert counts["rows_kept"] == len(frame) + (len(ds.returns) if name == "transactions" else 0)


@pytest.mark.parametrize("name", sorted(__import__("unusual").BUILDERS))
def test_unusual_datasets_load_and_reconcile(tmp_path, name):
    from unusual import BUILDERS

    ds = load_dataset(BUILDERS[name](tmp_path / name))
    check_reconciliation(ds.reconciliation)
    assert ds.analysis_date == ds.transactions["order_date"].max().normalize()
    assert ds.reconciliation["transactions"]["rows_kept"] == len(ds.transactions)
