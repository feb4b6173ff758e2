"""Loading real-looking exports: formats, encodings, Chinese headers, money and dates, policies."""

from __future__ import annotations

import pandas as pd
import pytest
from datasets import BASIC_TRANSACTIONS, fingerprints, transactions_config, write_dataset

from crmlib import PROJECT_ROOT
from crmlib.data.config import resolve_dataset_dir
from crmlib.data.load import load_dataset
from crmlib.data.parsing import guess_date_format, parse_amounts, parse_dates

CHINESE_EXPORT = "订单号,客户编号,下单时间,实付金额\nO1,张三,2024年1月5日,\"￥1,234.50\"\nO2,李四,2024年2月1日,￥8\n"
CHINESE_MAPPING = {"order_id": "订单号", "customer_id": "客户编号", "order_date": "下单时间", "amount": "实付金额"}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_chinese_export_in_any_common_encoding(tmp_path, encoding):
    folder = write_dataset(tmp_path / "ds", {"tx.csv": CHINESE_EXPORT.encode(encoding)},
                           transactions_config(columns=CHINESE_MAPPING))
    before = fingerprints(folder)
    ds = load_dataset(folder)
    tx = ds.transactions
    assert tx["customer_id"].tolist() == ["张三", "李四"]
    assert tx["amount"].tolist() == [1234.5, 8.0]
    assert tx["order_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-02-01"]
    assert fingerprints(folder) == before


def test_excel_and_parquet_inputs(tmp_path):
    frame = pd.DataFrame({"客户": ["1001", "1002"], "日期": pd.to_datetime(["2024-03-01", "2024-03-02"]),
                          "金额": [12.5, 7.0]})
    mapping = {"customer_id": "客户", "order_date": "日期", "amount": "金额"}
    for name in ("tx.xlsx", "tx.parquet"):
        ds = load_dataset(write_dataset(tmp_path / name, {name: frame}, transactions_config(name, columns=mapping)))
        assert ds.transactions["customer_id"].tolist() == ["1001", "1002"]
        assert ds.transactions["amount"].sum() == 19.5


def test_excel_numeric_ids_lose_their_float_suffix(tmp_path):
    frame = pd.DataFrame({"customer_id": [1001.0, 1002.0], "order_date": ["2024-03-01", "2024-03-02"],
                          "amount": [1, 2]})
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.xlsx": frame}, transactions_config("tx.xlsx")))
    assert ds.transactions["customer_id"].tolist() == ["1001", "1002"]


def test_text_ids_lose_any_all_zero_decimal_tail(tmp_path):
    csv = ("customer_id,order_date,amount\n1001.0,2024-03-01,1\n1002.00,2024-03-02,2\n1003.000,2024-03-03,3\n"
           "1004.50,2024-03-04,4\nA7.00,2024-03-05,5\n")
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": csv}, transactions_config()))
    assert ds.transactions["customer_id"].tolist() == ["1001", "1002", "1003", "1004.50", "A7.00"]


def test_canonical_column_names_map_themselves(tmp_path):
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS}, transactions_config()))
    assert list(ds.transactions.columns) == ["customer_id", "order_date", "amount"]
    assert ds.analysis_date == pd.Timestamp("2024-01-11")


@pytest.mark.parametrize("policy, purchases, returns", [
    ("separate", [10.0, 30.0, 8.0], [-5.0]),
    ("drop", [10.0, 30.0, 8.0], []),
    ("net", [10.0, 25.0, 8.0], [-5.0]),
])
def test_returns_policies(tmp_path, policy, purchases, returns):
    csv = BASIC_TRANSACTIONS + "a,2024-01-11,-5\n"
    ds = load_dataset(write_dataset(tmp_path / policy, {"tx.csv": csv}, {**transactions_config(), "returns": policy}))
    assert sorted(ds.transactions["amount"].tolist()) == sorted(purchases)
    assert ds.returns["amount"].tolist() == returns


def test_net_returns_drop_a_fully_refunded_day(tmp_path):
    csv = BASIC_TRANSACTIONS + "b,2024-01-05,-8\n"
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": csv}, {**transactions_config(), "returns": "net"}))
    assert "b" not in set(ds.transactions["customer_id"])


def test_zero_amount_policy_keep(tmp_path):
    csv = BASIC_TRANSACTIONS + "b,2024-01-06,0\n"
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": csv}, {**transactions_config(), "zero_amounts": "keep"}))
    assert len(ds.transactions) == 4


def test_analysis_date_caps_the_data(tmp_path):
    folder = write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS}, transactions_config())
    ds = load_dataset(folder, analysis_date="2024-01-06")
    assert ds.transactions["amount"].tolist() == [10.0, 8.0]
    assert ds.quality_log["check"].str.contains("after the analysis date 2024-01-06").any()


def test_optional_tables_customers_feedback_spend(tmp_path):
    customers = "id,渠道,城市,vip_level\na,search,上海,gold\nb,social,北京,\nc,store,广州,silver\na,search,上海,gold\n"
    feedback = "customer_id,date,text,rating,nps,resolved\na,2024-01-02,很好,5,10,2024-01-03 10:00\nb,2024-01-07,bad,1,2,\n"
    spend = "month,channel,spend\n2024-01,search,\"1,000\"\n2024-02,social,500\n"
    config = {"tables": {
        "transactions": {"file": "tx.csv"},
        "customers": {"file": "c.csv", "columns": {"customer_id": "id", "acquisition_channel": "渠道", "city": "城市"}},
        "feedback": {"file": "fb.csv", "columns": {"resolved_at": "resolved"}},
        "marketing_spend": {"file": "spend.csv", "columns": {"acquisition_channel": "channel"}},
    }}
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS, "c.csv": customers,
                                                       "fb.csv": feedback, "spend.csv": spend}, config))
    assert ds.customers["customer_id"].tolist() == ["a", "b", "c"]  # duplicate 'a' dropped
    assert ds.customers["vip_level"].tolist()[:1] == ["gold"]  # extra attribute kept as-is
    assert ds.feedback["feedback_id"].tolist() == ["F000001", "F000002"]
    assert ds.feedback["resolved_at"].notna().tolist() == [True, False]
    assert ds.marketing_spend["spend"].tolist() == [1000.0, 500.0]
    assert ds.marketing_spend["month"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    prospects = ds.quality_log.loc[ds.quality_log["check"].str.startswith("customers without purchases")]
    assert prospects["rows"].tolist() == [1]
    assert ds.has("feedback") and ds.has("marketing_spend")


def test_fingerprint_changes_with_content(tmp_path):
    first = load_dataset(write_dataset(tmp_path / "a", {"tx.csv": BASIC_TRANSACTIONS}, transactions_config()))
    second = load_dataset(write_dataset(tmp_path / "b", {"tx.csv": BASIC_TRANSACTIONS + "c,2024-01-02,1\n"},
                                        transactions_config()))
    same = load_dataset(tmp_path / "a")
    assert first.fingerprint == same.fingerprint != second.fingerprint


def test_dataset_dir_resolves_relative_to_the_project(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert resolve_dataset_dir("data/cdnow") == (PROJECT_ROOT / "data" / "cdnow").resolve()


@pytest.mark.parametrize("text, expected", [
    ("¥1,234.50", 1234.5), ("￥88", 88.0), ("RMB 1 000", 1000.0), ("$12", 12.0), ("(12.50)", -12.5),
    ("-¥30.00", -30.0), ("12元", 12.0), ("abc", None), ("", None),
])
def test_parse_amounts(text, expected):
    value = parse_amounts(pd.Series([text], dtype=object)).iloc[0]
    assert (pd.isna(value) and expected is None) or value == expected


def test_parse_amounts_decimal_comma():
    assert parse_amounts(pd.Series(["1.234,50"]), decimal=",").iloc[0] == 1234.5


@pytest.mark.parametrize("values, expected", [
    (["2024-03-05", "2024-12-31"], "2024-03-05"),
    (["20240305", "20241231"], "2024-03-05"),
    (["2024/3/5 14:20", "2024/12/31 09:00"], "2024-03-05"),
    (["2024年3月5日", "2024年12月31日"], "2024-03-05"),
    (["05/03/2024", "31/12/2024"], "2024-03-05"),  # day-first: 31/12 rules out month-first
])
def test_parse_dates_guesses_the_format(values, expected):
    parsed = parse_dates(pd.Series(values, dtype=object))
    assert parsed.iloc[0].strftime("%Y-%m-%d") == expected
    assert parsed.notna().all()


def test_ambiguous_dates_report_the_alternatives():
    best, others = guess_date_format(pd.Series(["01/02/2024", "03/04/2024"]))
    assert best == "%d/%m/%Y" and "%m/%d/%Y" in others


def test_integer_yyyymmdd_and_excel_serials():
    assert parse_dates(pd.Series([19970101, 19980630])).dt.strftime("%Y-%m-%d").tolist() == ["1997-01-01", "1998-06-30"]
    assert parse_dates(pd.Series([45292.0])).iloc[0] == pd.Timestamp("2024-01-01")


def test_bundled_sample_loads_with_its_documented_glitches():
    ds = load_dataset(PROJECT_ROOT / "data" / "sample")
    log = ds.quality_log.set_index("check")
    assert log.loc["missing customer id", "rows"] == 3
    assert log.loc["duplicate order line (identical row)", "rows"] > 0
    assert log.loc["zero amount", "rows"] > 0
    assert len(ds.returns) > 0 and (ds.returns["amount"] < 0).all()
    assert ds.transactions["customer_id"].str.match(r"^C\d+$").all()
    assert ds.has("customers") and ds.has("feedback") and ds.has("marketing_spend")
    assert ds.feedback["text"].str.contains("[\u4e00-\u9fff]").mean() > 0.5  # Chinese feedback


def test_cdnow_dataset_has_only_transactions():
    ds = load_dataset(PROJECT_ROOT / "data" / "cdnow")
    assert ds.transactions["customer_id"].nunique() == 2357
    assert len(ds.transactions) == 6919
    assert not ds.has("customers") and not ds.has("feedback")
    assert ds.analysis_date == pd.Timestamp("1998-06-30")


def test_cached_load_is_reused_until_a_file_changes(tmp_path, monkeypatch):
    import crmlib.data.load as io_module

    monkeypatch.setenv("CRM_WORKBOOK_CACHE", str(tmp_path / "cache"))
    folder = write_dataset(tmp_path / "ds", {"tx.csv": BASIC_TRANSACTIONS}, transactions_config())
    calls = []
    original = io_module.load_dataset
    monkeypatch.setattr(io_module, "load_dataset", lambda *a, **k: calls.append(1) or original(*a, **k))
    first = io_module.load_dataset_cached(folder)
    second = io_module.load_dataset_cached(folder)
    assert len(calls) == 1 and second.transactions.equals(first.transactions)
    (folder / "tx.csv").write_text(BASIC_TRANSACTIONS + "c,2024-01-02,1\n", encoding="utf-8")
    third = io_module.load_dataset_cached(folder)
    assert len(calls) == 2 and len(third.transactions) == 4
    io_module.load_dataset_cached(folder, analysis_date="2024-01-05")
    assert len(calls) == 3


def test_a_date_format_that_first_appears_after_the_planned_sample_is_read(tmp_path):
    # 25,000 distinct ISO timestamps, then 50 Chinese dates: the plan's sample of distinct values may
    # miss the Chinese ones, the plan must not (each digit pattern is looked at)
    from crmlib.data.mapping import DISTINCT_FOR_DATES

    header = "customer_id,order_date,amount\n"
    iso = [f"c{i % 500},2023-{1 + i // 2500 % 12:02d}-{1 + i % 28:02d} {i // 60 % 24:02d}:{i % 60:02d}:"
           f"{(i * 7) % 60:02d},{i % 90 + 1}" for i in range(25000)]
    chinese = [f"z{i},2024年01月{1 + i % 28:02d}日 08:03,5" for i in range(50)]
    assert len(set(iso)) > DISTINCT_FOR_DATES
    ds = load_dataset(write_dataset(tmp_path / "ds", {"tx.csv": header + "\n".join(iso + chinese) + "\n"},
                                    transactions_config()))
    assert len(ds.transactions) == 25050
    late = ds.transactions.loc[ds.transactions["customer_id"].str.startswith("z")]
    assert len(late) == 50
    assert late["order_date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        f"2024-01-{1 + i % 28:02d} 08:03" for i in range(50)]
