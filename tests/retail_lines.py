"""Order lines shaped like a public online retailer's export (UCI "Online Retail II" style).

No real retail data ship with the project, so this generator builds what such an export looks
like, to drive the CLV models where real retail data drove them (issue 18):

- one row per order *line*: ``Invoice``, ``StockCode``, ``Quantity``, ``Price``,
  ``InvoiceDate``, ``Customer ID``, ``Country``; an invoice has many lines (geometric, mean ~20);
- cancellations: invoices numbered ``C…`` with negative quantities (about 2 % of invoices);
- lines without a customer id (guest checkouts, about 20 %);
- customers: a burst of "first purchases" in the first month (customers who were already buying
  before the export starts), then steady arrivals; about a third never buy again; purchase
  rates gamma-distributed with a long tail of wholesalers buying weekly or more;
- dropout for a minority only, so a model with a dropout process finds little to estimate;
- ``sample_lines`` keeps a random share of lines (as a "40k-line sample" does), which thins
  invoices and customers' histories.

>>> lines = retail_order_lines(n_customers=300, seed=1)
>>> sorted(lines.columns)
['Country', 'Customer ID', 'Invoice', 'InvoiceDate', 'Price', 'Quantity', 'StockCode']
>>> bool((lines.groupby("Invoice").size() > 1).mean() > 0.5)
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

START, END = pd.Timestamp("2010-12-01"), pd.Timestamp("2011-12-09")


def retail_order_lines(n_customers: int = 3600, seed: int = 0, *, sample_lines: float = 1.0,
                       one_time_share: float = 0.35, dropout_share: float = 0.25) -> pd.DataFrame:
    """Order lines of ``n_customers`` customers over Dec 2010 – Dec 2011 (see the module docstring)."""
    rng = np.random.default_rng(seed)
    span = (END - START).days
    early = rng.random(n_customers) < 0.3  # already customers before the export starts
    first = np.where(early, rng.integers(0, 31, n_customers), rng.integers(0, span - 7, n_customers))
    # purchases per day: gamma with a long tail (wholesalers buy weekly or more)
    rate = rng.gamma(0.6, 1 / 40, n_customers) * np.where(rng.random(n_customers) < 0.03, 12.0, 1.0)
    once = rng.random(n_customers) < one_time_share
    drops = rng.random(n_customers) < dropout_share
    life = np.where(drops, rng.exponential(120, n_customers), np.inf)
    cids, days = [], []
    for c in range(n_customers):  # a generator of test data, not library code: a loop is fine here
        day = first[c]
        cids.append(c)
        days.append(day)
        if once[c]:
            continue
        end = min(span, first[c] + life[c])
        while True:
            day = day + rng.exponential(1 / max(rate[c], 1e-4))
            if day > end:
                break
            cids.append(c)
            days.append(int(day))
    cids, days = np.array(cids), np.array(days)
    n_inv = len(cids)
    invoice_ids = np.array([f"{489434 + i}" for i in range(n_inv)])
    cancelled = rng.random(n_inv) < 0.02
    invoice_ids = np.where(cancelled, np.char.add("C", invoice_ids), invoice_ids)
    n_lines = rng.geometric(1 / 20, n_inv)
    inv_index = np.repeat(np.arange(n_inv), n_lines)
    products = rng.zipf(1.6, len(inv_index)) % 3000
    price = np.round(np.exp(rng.normal(0.8, 0.9, 3000)), 2)[products] + 0.05
    quantity = rng.choice([1, 2, 3, 4, 6, 12, 24, 48], len(inv_index), p=[.2, .15, .1, .1, .15, .2, .07, .03])
    quantity = np.where(cancelled[inv_index], -quantity, quantity)
    seconds = rng.integers(8 * 3600, 18 * 3600, n_inv)
    when = START + pd.to_timedelta(days[inv_index], unit="D") + pd.to_timedelta(seconds[inv_index], unit="s")
    customer = np.array([f"{12346 + c}" for c in range(n_customers)])[cids[inv_index]].astype(object)
    guest = rng.random(n_inv) < 0.2
    customer[guest[inv_index]] = ""
    lines = pd.DataFrame({"Invoice": invoice_ids[inv_index], "StockCode": [f"2{p:04d}" for p in products],
                          "Quantity": quantity, "Price": price, "InvoiceDate": when.strftime("%Y-%m-%d %H:%M"),
                          "Customer ID": customer, "Country": "United Kingdom"})
    if sample_lines < 1.0:
        lines = lines.loc[rng.random(len(lines)) < sample_lines].reset_index(drop=True)
    return lines


def write_retail_dataset(folder: Path, lines: pd.DataFrame) -> Path:
    """A dataset folder (``dataset.yaml`` + ``transactions.csv``) over the order lines.

    An invoice may list one product on several lines, so lines of one order are summed
    (``duplicate_orders: sum``), as a retailer's export needs.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines.to_csv(folder / "transactions.csv", index=False)
    config = {"name": "Online retail order lines (generated)", "currency": "GBP", "returns": "separate", "duplicate_orders": "sum",
              "tables": {"transactions": {"file": "transactions.csv", "columns": {
                  "order_id": "Invoice", "customer_id": "Customer ID", "order_date": "InvoiceDate",
                  "quantity": "Quantity", "unit_price": "Price", "product": "StockCode"}}}}
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def canonical_transactions(lines: pd.DataFrame) -> pd.DataFrame:
    """``customer_id``, ``order_date``, ``amount`` of the known customers' purchases (cancellations left out).

    What the loader gives the CLV models with ``returns: separate`` (refunds kept apart).
    """
    known = lines.loc[(lines["Customer ID"] != "") & (lines["Quantity"] > 0)]
    return pd.DataFrame({"customer_id": known["Customer ID"].to_numpy(),
                         "order_date": pd.to_datetime(known["InvoiceDate"]).to_numpy(),
                         "amount": (known["Quantity"] * known["Price"]).to_numpy(dtype=float)})
