"""crmlib.overview.recommend before its baskets became an engine scan (test oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from crmlib.errors import DataError


def _check(transactions: pd.DataFrame, item_col: str) -> None:
    if item_col not in transactions:
        raise DataError(
            f"the transactions have no {item_col!r} column, so there is nothing to cross-sell",
            column=item_col,
            hint="Map `product` or `category` for the transactions table in dataset.yaml.",
        )


def basket_matrix(transactions: pd.DataFrame, item_col: str, items: pd.Index | None = None):
    """Binary customer × item matrix (scipy CSR), with its customer and item indexes."""
    _check(transactions, item_col)
    pairs = transactions[["customer_id", item_col]].dropna().drop_duplicates()
    customers = pd.Index(pairs["customer_id"].unique(), name="customer_id")
    items = pd.Index(sorted(pairs[item_col].unique()), name="item") if items is None else items
    pairs = pairs.loc[pairs[item_col].isin(items)]
    rows = customers.get_indexer(pairs["customer_id"])
    cols = items.get_indexer(pairs[item_col])
    matrix = sparse.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(customers), len(items)))
    return matrix, customers, items


def association_rules(transactions: pd.DataFrame, item_col: str = "category", min_support: float = 0.0,
                      min_confidence: float = 0.0) -> pd.DataFrame:
    """Pairwise rules A→B with support, confidence and lift, strongest (by lift, then confidence) first."""
    matrix, customers, items = basket_matrix(transactions, item_col)
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    both = (matrix.T @ matrix).toarray()
    n = len(customers)
    a, b = np.nonzero(both)
    keep = a != b
    a, b = a[keep], b[keep]
    rules = pd.DataFrame({
        "antecedent": items[a], "consequent": items[b],
        "n_customers": both[a, b].astype(int),
        "support": both[a, b] / n,
        "confidence": both[a, b] / counts[a],
        "lift": (both[a, b] / counts[a]) / (counts[b] / n),
    })
    rules = rules.loc[(rules["support"] >= min_support) & (rules["confidence"] >= min_confidence)]
    return rules.sort_values(["lift", "confidence", "antecedent"], ascending=[False, False, True]).reset_index(drop=True)


def _top_n(scores: np.ndarray, owned: np.ndarray, customers: pd.Index, items: pd.Index, n: int) -> pd.DataFrame:
    scores = np.where(owned, -np.inf, scores)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    picked = np.take_along_axis(scores, order, axis=1)
    frame = pd.DataFrame({
        "customer_id": np.repeat(customers.to_numpy(), order.shape[1]),
        "rank": np.tile(np.arange(1, order.shape[1] + 1), len(customers)),
        "item": items.to_numpy()[order.ravel()],
        "score": picked.ravel(),
    })
    return frame.loc[np.isfinite(frame["score"])].reset_index(drop=True)


class PopularityRecommender:
    """Baseline: the most-bought items (by number of customers) that a customer does not have yet."""

    def __init__(self, item_col: str = "category", n: int = 3):
        self.item_col = item_col
        self.n = n

    def fit(self, transactions: pd.DataFrame) -> PopularityRecommender:
        matrix, customers, items = basket_matrix(transactions, self.item_col)
        self.items_ = items
        self.popularity_ = np.asarray(matrix.sum(axis=0)).ravel() / len(customers)
        return self

    def _scores(self, matrix) -> np.ndarray:
        return np.tile(self.popularity_, (matrix.shape[0], 1))

    def recommend(self, history: pd.DataFrame) -> pd.DataFrame:
        """Top-``n`` items per customer in ``history`` (customer_id, rank, item, score), owned items excluded."""
        matrix, customers, _ = basket_matrix(history, self.item_col, self.items_)
        owned = matrix.toarray() > 0
        return _top_n(self._scores(matrix), owned, customers, self.items_, self.n)


class CooccurrenceRecommender(PopularityRecommender):
    """Scores an unowned item by the summed confidence of rules from the customer's items.

    A tiny popularity term breaks ties, so customers whose items have no rules still get
    the most popular items.
    """

    def fit(self, transactions: pd.DataFrame) -> CooccurrenceRecommender:
        super().fit(transactions)
        matrix, _, _ = basket_matrix(transactions, self.item_col, self.items_)
        both = (matrix.T @ matrix).toarray()
        counts = np.diag(both).copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            confidence = np.where(counts[:, None] > 0, both / counts[:, None], 0.0)
        np.fill_diagonal(confidence, 0.0)
        self.confidence_ = confidence
        return self

    def _scores(self, matrix) -> np.ndarray:
        return np.asarray(matrix @ self.confidence_) + 1e-6 * self.popularity_


def hit_rate_at_n(transactions: pd.DataFrame, split_date: str | pd.Timestamp, recommender: PopularityRecommender,
                  date_col: str = "order_date") -> dict:
    """Fit on purchases up to ``split_date``, recommend from that history only, score on what came after.

    A customer counts when they bought, after the split, at least one item they had not bought
    before; a hit is when one of their top-n recommendations is among those new items.
    """
    split = pd.Timestamp(split_date)
    before = transactions.loc[transactions[date_col] <= split]
    after = transactions.loc[transactions[date_col] > split]
    recommender.fit(before)
    recommendations = recommender.recommend(before)
    item_col = recommender.item_col
    seen = before[["customer_id", item_col]].drop_duplicates()
    later = after[["customer_id", item_col]].drop_duplicates()
    new = later.merge(seen, how="left", indicator=True).query("_merge == 'left_only'").drop(columns="_merge")
    new = new.loc[new["customer_id"].isin(seen["customer_id"])]
    hits = recommendations.merge(new, left_on=["customer_id", "item"], right_on=["customer_id", item_col])
    evaluated = new["customer_id"].nunique()
    hit_customers = hits["customer_id"].nunique()
    return {"customers_evaluated": int(evaluated), "hits": int(hit_customers),
            "hit_rate": hit_customers / evaluated if evaluated else float("nan"), "n": recommender.n,
            "split_date": split, "item": item_col}
