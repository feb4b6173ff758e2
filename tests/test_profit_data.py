"""Costs as data (issue 20, item 1): products table, `costs:` in dataset.yaml, order-line cost and
discount, customers' `referred_by` — mapped, validated, reconciled; absent, nothing changes."""

from __future__ import annotations

import pytest
from datasets import write_dataset

from crmlib.data.config import read_config
from crmlib.data.load import load_dataset
from crmlib.errors import ConfigError

TX = """customer_id,order_date,amount,product,cost,discount
a,2024-01-01,100,p1,60,0
a,2024-01-11,50,p2,,5
b,2024-01-05,80,p1,48,10
c,2024-01-06,-20,p2,,
"""
CUSTOMERS = """id,ref
a,
b,a
c,c
d,zz
"""
PRODUCTS = """sku,cat,unit_cost,margin
p1,x,30,
p2,y,,0.4
p2,y,,0.5
p3,z,-1,
,z,4,
p4,z,,1.5
p5,z,2,
"""


def _dataset(tmp_path, costs=None):
    config = {"tables": {
        "transactions": {"file": "tx.csv"},
        "customers": {"file": "customers.csv", "columns": {"customer_id": "id", "referred_by": "ref"}},
        "products": {"file": "products.csv", "columns": {"product": "sku", "category": "cat",
                                                          "unit_cost": "unit_cost", "margin_rate": "margin"}},
    }}
    if costs is not None:
        config["costs"] = costs
    return write_dataset(tmp_path / "ds", {"tx.csv": TX, "customers.csv": CUSTOMERS, "products.csv": PRODUCTS},
                         config)


def test_products_cleaned_and_reconciled(tmp_path):
    ds = load_dataset(_dataset(tmp_path))
    products = ds.products.set_index("product")
    # p2 kept once (first row, 0.4); p3's negative cost blanked -> no price -> dropped; p4's 1.5 blanked -> dropped
    assert sorted(products.index) == ["p1", "p2", "p5"]
    assert products.loc["p2", "margin_rate"] == 0.4 and products.loc["p1", "unit_cost"] == 30
    rec = ds.reconciliation["products"]
    assert rec["rows_read"] == 7 and rec["rows_kept"] == 3
    assert rec["rows_dropped"] == {"missing product": 1, "duplicate product (first row kept)": 1,
                                   "no unit cost or margin rate": 2}
    assert rec["rows_changed"] == {"negative unit cost (blanked)": 1, "margin rate outside −1–1 (blanked)": 1}
    assert rec["rows_flagged"] == {"products nobody bought (kept)": 1}  # p5


def test_referrals_and_line_costs(tmp_path):
    ds = load_dataset(_dataset(tmp_path))
    refs = ds.customers.set_index("customer_id")["referred_by"]
    assert refs["b"] == "a" and refs.isna()["c"] and refs["d"] == "zz"  # self-referral blanked, stranger kept
    rec = ds.reconciliation["customers"]
    assert rec["rows_changed"] == {"customer referred by themselves (blanked)": 1}
    assert rec["rows_flagged"]["referrer not in the customers table (kept)"] == 1
    tx = ds.transactions.set_index("amount")
    assert tx.loc[100.0, "cost"] == 60 and tx.loc[50.0, "discount"] == 5
    assert ds.returns["amount"].tolist() == [-20.0]


def test_costs_section_parsed_and_carried(tmp_path):
    folder = _dataset(tmp_path, {"margin_rates": {"x": 0.5, "default": 0.3}, "service_contact": {"phone": 12},
                                 "return_handling": 15, "shipping_per_order": 8})
    costs = read_config(folder).costs
    assert costs.margin_rates == {"x": 0.5, "default": 0.3} and costs.service_contact == {"phone": 12.0}
    assert load_dataset(folder).costs["return_handling"] == 15.0


@pytest.mark.parametrize("costs, words", [
    ({"return_handlng": 3}, "unknown key"),
    ({"margin_rates": {"x": 1.7}}, "margin_rates: x"),
    ({"service_contact": -2}, "service_contact"),
    ("cheap", "not a mapping"),
])
def test_bad_costs_name_the_key(tmp_path, costs, words):
    with pytest.raises(ConfigError, match=words):
        read_config(_dataset(tmp_path, costs))


def test_without_costs_nothing_changes(tmp_path):
    folder = write_dataset(tmp_path / "plain", {"tx.csv": "customer_id,order_date,amount\na,2024-01-01,10\n"},
                           {"tables": {"transactions": {"file": "tx.csv"}}})
    ds = load_dataset(folder)
    assert ds.costs == {} and ds.products is None and not ds.has("products")
    assert set(ds.reconciliation) == {"transactions"}
