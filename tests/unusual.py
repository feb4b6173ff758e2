"""Unusual but valid datasets: every notebook must succeed on each and say what cannot run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml


def _write(folder: Path, transactions: pd.DataFrame, feedback: pd.DataFrame | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    transactions.to_csv(folder / "transactions.csv", index=False)
    tables = {"transactions": {"file": "transactions.csv"}}
    if feedback is not None:
        feedback.to_csv(folder / "feedback.csv", index=False)
        tables["feedback"] = {"file": "feedback.csv"}
    (folder / "dataset.yaml").write_text(yaml.safe_dump({"name": folder.name, "currency": "CNY", "tables": tables}),
                                         encoding="utf-8")
    return folder


def _orders(customers: list[str], dates: list[str], amounts: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"order_id": [f"O{i:05d}" for i in range(len(customers))], "customer_id": customers,
                         "order_date": dates, "amount": amounts})


def one_customer(folder: Path) -> Path:
    dates = pd.date_range("2024-01-05", periods=12, freq="MS") + pd.Timedelta(days=4)
    return _write(folder, _orders(["C1"] * 12, dates.strftime("%Y-%m-%d").tolist(), [50.0 + i for i in range(12)]))


def one_time_buyers(folder: Path) -> Path:
    dates = pd.date_range("2024-01-01", periods=60, freq="6D").strftime("%Y-%m-%d").tolist()
    return _write(folder, _orders([f"C{i}" for i in range(60)], dates, [20.0 + i % 7 for i in range(60)]))


def one_day(folder: Path) -> Path:
    return _write(folder, _orders([f"C{i % 25}" for i in range(40)], ["2024-06-01"] * 40,
                                  [15.0 + i % 9 for i in range(40)]))


def two_months(folder: Path, feedback: str = "ratings") -> Path:
    rng = np.random.default_rng(3)
    days = pd.to_datetime("2024-05-01") + pd.to_timedelta(rng.integers(0, 61, 300), unit="D")
    customers = [f"C{i}" for i in rng.integers(0, 80, 300)]
    orders = _orders(customers, days.strftime("%Y-%m-%d").tolist(), rng.gamma(2.0, 30.0, 300).round(2).tolist())
    ids = sorted(set(customers))[:40]
    if feedback == "ratings":
        fb = pd.DataFrame({"customer_id": ids, "date": "2024-06-15", "rating": [1 + i % 5 for i in range(40)]})
    else:  # the same short text again and again
        fb = pd.DataFrame({"customer_id": ids, "date": "2024-06-15", "text": ["好"] * 20 + ["good"] * 20,
                           "rating": [5] * 40})
    return _write(folder, orders, fb)


BUILDERS = {"one_customer": one_customer, "one_time_buyers": one_time_buyers, "one_day": one_day,
            "two_months_ratings_only": lambda f: two_months(f, "ratings"),
            "two_months_repetitive_text": lambda f: two_months(f, "repetitive")}
