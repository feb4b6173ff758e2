"""Service touchpoints in the cost to serve (issue 20, item 1): hand-computed through the real loader,
a touchpoint on a feedback row's day (or within an hour of it across midnight) counted once, others at their channel's rate, non-service
touchpoints and unidentified ones not counted, and the `costs: service_touchpoints` key checked."""

from __future__ import annotations

import pandas as pd
import pytest
from datasets import write_dataset

from crmlib import profit
from crmlib.data.config import read_config
from crmlib.data.load import load_dataset
from crmlib.errors import ConfigError
from crmlib.scans.profit import profit_scan

TX = """order_id,customer_id,order_date,amount
o1,a,2024-01-01,100
o2,a,2024-01-10,50
o3,b,2024-01-02,80
o4,c,2024-01-03,40
"""
FEEDBACK = """customer_id,date,channel,rating
a,2024-01-05 10:00,hotline,1
b,2024-01-06 09:00,app,2
c,2024-01-10 23:50,store,2
"""
# a: the hotline call on its feedback's day is that feedback's contact; the wechat one is new (10); the
#    ad click is no service contact.
# b: a chat on the `customer_service` channel (no rate: default 2); a hotline call on a's feedback day
#    but not on b's own (20).
# c: a `service_contact` in the store (no rate: default 2); a newsletter is no service contact; the
#    store contact 30 minutes after c's feedback (across midnight) is that feedback's (store: default 2).
# a row without an id (dropped by the loader) and a visitor's hotline call (not a buyer: 20).
TOUCHPOINTS = """customer_id,timestamp,channel,touchpoint_type
a,2024-01-05 16:30,hotline,service_contact
a,2024-01-07 09:00,wechat,service_contact
a,2024-01-07 10:00,search,ad_click
b,2024-01-08 12:00,customer_service,chat
b,2024-01-05 11:00,hotline,service_contact
c,2024-01-09 15:00,store,service_contact
c,2024-01-09 16:00,email,newsletter
c,2024-01-11 00:20,store,service_contact
,2024-01-09 17:00,hotline,service_contact
v1,2024-01-09 18:00,hotline,service_contact
"""
COSTS = {"service_contact": {"hotline": 20, "wechat": 10, "app": 6, "default": 2}, "shipping_per_order": 3,
         "margin_rates": {"default": 0.5}}
TABLES = {"transactions": {"file": "tx.csv"}, "feedback": {"file": "fb.csv"}}


def _folder(tmp_path, name, costs=COSTS, touchpoints=True):
    files = {"tx.csv": TX, "fb.csv": FEEDBACK, "tp.csv": TOUCHPOINTS}
    tables = {**TABLES, "touchpoints": {"file": "tp.csv"}} if touchpoints else TABLES
    return write_dataset(tmp_path / name, files, {"costs": costs, "tables": tables})


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return load_dataset(_folder(tmp_path_factory.mktemp("tp"), "ds"))


@pytest.fixture(scope="module")
def without_touchpoints(tmp_path_factory):
    return load_dataset(_folder(tmp_path_factory.mktemp("tp"), "plain", touchpoints=False))


def test_service_touchpoints_by_hand(small):
    t = profit.customer_profit(small)
    columns = ["service_contacts", "service_cost", "cost_to_serve"]
    # a: feedback hotline 20 + wechat 10 (the same-day hotline call is the feedback's), 2 orders x 3
    # b: feedback app 6 + chat 2 + hotline 20, 1 order; c: feedback store 2 + store contact 2 (the one
    # 30 minutes after the feedback, past midnight, is the feedback's), 1 order
    assert t[columns].to_dict("index") == {
        "a": dict(zip(columns, [2.0, 30.0, 36.0], strict=True)),
        "b": dict(zip(columns, [3.0, 28.0, 31.0], strict=True)),
        "c": dict(zip(columns, [2.0, 4.0, 7.0], strict=True))}
    assert t["profit"].tolist() == [75 - 36, 40 - 31, 20 - 7]
    assert profit.non_buyer_cost_to_serve(small) == 20.0  # v1's hotline call; the id-less row is not anyone's


def test_the_loader_drops_touchpoints_without_an_id(small):
    assert len(small.touchpoints) == 8 and small.touchpoints["customer_id"].notna().all()
    log = small.quality_log
    assert log.loc[(log["table"] == "touchpoints") & (log["check"] == "missing customer or visitor id"),
                   "rows"].tolist() == [1]


def test_a_touchpoint_without_an_id_is_no_ones_cost(small):
    """Passed to the scan directly (not through the loader), it is still not counted."""
    tp = pd.DataFrame({"customer_id": [None, "c"], "timestamp": pd.to_datetime(["2024-01-09", "2024-01-09"]),
                       "channel": ["hotline", "hotline"], "touchpoint_type": ["service_contact"] * 2})
    t = profit_scan(small.transactions, None, small.costs, feedback=small.feedback, touchpoints=tp)
    assert t["service_cost"].sum() == 20 + 6 + 2 + 20 and t.loc["c", "service_cost"] == 2 + 20.0


def test_without_touchpoints_the_result_is_as_before(small, without_touchpoints):
    before = profit.customer_profit(without_touchpoints)
    # feedback only: a hotline 20 + 2 orders x 3, b app 6 + 3, c store 2 + 3
    assert before["cost_to_serve"].to_dict() == {"a": 26.0, "b": 9.0, "c": 5.0}
    assert profit.non_buyer_cost_to_serve(without_touchpoints) == 0.0
    scanned = profit_scan(small.transactions, small.returns, small.costs, small.products, small.feedback)
    pd.testing.assert_frame_equal(scanned.loc[before.index], profit_scan(
        without_touchpoints.transactions, without_touchpoints.returns, without_touchpoints.costs,
        without_touchpoints.products, without_touchpoints.feedback).loc[before.index])
    assert scanned.loc[before.index, "cost_to_serve"].to_dict() == before["cost_to_serve"].to_dict()


def test_an_empty_list_counts_no_touchpoint(tmp_path, without_touchpoints):
    ds = load_dataset(_folder(tmp_path, "none", {**COSTS, "service_touchpoints": []}))
    assert ds.costs["service_touchpoints"] == []
    pd.testing.assert_frame_equal(profit.customer_profit(ds), profit.customer_profit(without_touchpoints))


def test_the_list_names_types_or_channels(tmp_path):
    ds = load_dataset(_folder(tmp_path, "chat", {**COSTS, "service_touchpoints": ["chat", "wechat"]}))
    t = profit.customer_profit(ds)
    # a: feedback 20 + wechat 10; b: feedback 6 + chat 2 (its hotline call is no longer a service contact);
    # c: its feedback 2 (its store contacts are no longer service contacts)
    assert t["service_cost"].to_dict() == {"a": 30.0, "b": 8.0, "c": 2.0}
    assert profit.non_buyer_cost_to_serve(ds) == 0.0


def test_undated_feedback_matches_no_touchpoint(small):
    """Without a feedback date nothing says a touchpoint is a feedback row's contact: it is counted."""
    t = profit_scan(small.transactions, None, small.costs, feedback=small.feedback.drop(columns="date"),
                    touchpoints=small.touchpoints)
    assert t.loc["a", ["service_contacts", "service_cost"]].tolist() == [3.0, 50.0]


def test_no_service_contact_cost_no_touchpoints(tmp_path):
    ds = load_dataset(_folder(tmp_path, "free", {"shipping_per_order": 3, "margin_rates": {"default": 0.5}}))
    t = profit.customer_profit(ds)
    assert t["service_contacts"].sum() == 0 and t["cost_to_serve"].to_dict() == {"a": 6.0, "b": 3.0, "c": 3.0}


def test_service_touchpoints_parsed(tmp_path):
    costs = read_config(_folder(tmp_path, "p", {"service_contact": 5, "service_touchpoints": [" hotline", "chat"]})).costs
    assert costs.service_touchpoints == ["hotline", "chat"]
    assert read_config(_folder(tmp_path, "d", {"service_contact": 5})).costs.service_touchpoints is None


def test_by_default_service_is_what_the_journey_page_counts(small):
    """Without ``service_touchpoints`` a touchpoint is a service contact when its type or channel matches
    the journey page's SERVICE_PATTERN (客服, support, complaint …), so 06 and 07 count the same contacts."""
    from crmlib.scans.journeys import SERVICE_PATTERN

    tp = pd.DataFrame({"customer_id": ["c"] * 5, "timestamp": pd.date_range("2024-02-01 10:00", periods=5, freq="D"),
                       "channel": ["客服", "app", "email", "Hotline", "售后"],
                       "touchpoint_type": ["chat", "support_ticket", "newsletter", "Customer_Service", None]})
    t = profit_scan(small.transactions, None, {**small.costs, "service_touchpoints": None}, feedback=None, touchpoints=tp)
    kinds = (tp["touchpoint_type"].fillna("") + " " + tp["channel"]).str.lower()
    assert t.loc["c", "service_contacts"] == kinds.str.contains(SERVICE_PATTERN).sum() == 4
    assert t.loc["c", "service_cost"] == 2 + 6 + 2 + 2  # 客服 default, app 6, Hotline default (rates match exactly), 售后 default


@pytest.mark.parametrize("value", ["hotline", [1, 2], {"hotline": 1}, ["ok", ""]])
def test_bad_service_touchpoints_name_the_key_and_the_fix(tmp_path, value):
    with pytest.raises(ConfigError, match=r"service_touchpoints.*not a list of names") as error:
        read_config(_folder(tmp_path, "bad", {"service_contact": 5, "service_touchpoints": value}))
    assert "service_touchpoints: [service_contact, customer_service]" in str(error.value)
