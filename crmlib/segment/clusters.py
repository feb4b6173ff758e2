"""k-means clusters of customers on transformed RFM, with k chosen by the silhouette score.

Features: log(1 + recency), log(1 + frequency), log(1 + monetary) (RFM is heavily skewed)
plus any optional numeric attributes, each standardised. For every k in ``k_range`` k-means
is fitted and scored by the mean silhouette coefficient (Rousseeuw 1987; computed on a
seeded sample of at most ``silhouette_sample`` customers); the k with the highest score is
kept. Clusters are numbered by mean monetary value, 0 = highest, and each gets a plain-words
description ("recent, frequent, high spend"): a feature is called high or low when the
cluster's median sits in the top or bottom third of all customers (mid-rank percentile, so a
cluster of one-time buyers among many one-time buyers still reads as "rare buyers").

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> rfm = pd.DataFrame({"recency": np.r_[rng.integers(1, 10, 50), rng.integers(300, 400, 50)],
...                     "frequency": np.r_[rng.integers(5, 9, 50), np.ones(50)],
...                     "monetary": np.r_[rng.normal(900, 50, 50), rng.normal(40, 5, 50)]})
>>> model = RFMClusterer(k_range=(2, 4)).fit(rfm)
>>> model.k_, model.descriptions_[0], model.descriptions_[1]
(2, 'recent, frequent, high spend', 'lapsed, rare buyers, low spend')
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from crmlib.errors import DataError
from crmlib.lang import N_, NC_, translator
from crmlib.readiness import NotEnoughData

RFM_FEATURES = ("recency", "frequency", "monetary")
WORDS = {  # feature: (word when high, word when low, word when average), English (zh in segment.po)
    "recency": (NC_("Cluster", "lapsed"), NC_("Cluster", "recent"), NC_("Cluster", "mid recency")),
    "frequency": (NC_("Cluster", "frequent"), NC_("Cluster", "rare buyers"), NC_("Cluster", "average frequency")),
    "monetary": (NC_("Cluster", "high spend"), NC_("Cluster", "low spend"), NC_("Cluster", "average spend")),
}


def _mid_rank(population: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of ``population`` below each value, counting ties as half."""
    ordered = np.sort(population)
    below = np.searchsorted(ordered, values, side="left")
    equal = np.searchsorted(ordered, values, side="right") - below
    return (below + 0.5 * equal) / len(ordered)


class RFMClusterer(BaseEstimator):
    """k-means on standardised log-RFM (+ attributes), k chosen by silhouette.

    Parameters
    ----------
    k_range : (int, int)
        Smallest and largest k tried (inclusive).
    attributes : list of str
        Extra numeric columns of the input to cluster on (standardised, not logged).
    thirds : (float, float)
        Percentile bounds: a cluster median below the first is "low", above the second "high".
    silhouette_sample : int
        Customers sampled (seeded) to compute the silhouette; all if fewer.
    random_state : int
        Seed for k-means and the silhouette sample.
    lang : {"en", "zh"}
        Language of the cluster descriptions.
    n_threads : int or None
        OpenMP threads for k-means. Default 1: for thousands of customers one thread is
        fastest, and more threads busy-wait badly on a loaded machine (measured 20 s instead
        of 1.5 s on 2 busy cores). None = scikit-learn's default.

    Attributes
    ----------
    k_ : int, the chosen number of clusters
    scores_ : DataFrame, silhouette and inertia per k tried
    labels_ : Series, cluster per customer (0 = highest mean monetary)
    profile_ : DataFrame, per cluster: customers, share, means of the raw features
    centers_ : DataFrame, per cluster: mean standardised feature values
    positions_ : DataFrame, per cluster: mid-rank percentile of its median in each feature
    descriptions_ : dict, cluster -> plain-words description
    """

    def __init__(self, k_range=(3, 8), attributes=(), thirds=(1 / 3, 2 / 3), silhouette_sample=2000,
                 random_state=0, lang="en", n_threads=1):
        self.k_range = k_range
        self.n_threads = n_threads
        self.attributes = attributes
        self.thirds = thirds
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state
        self.lang = lang

    def _features(self, rfm: pd.DataFrame) -> pd.DataFrame:
        columns = list(RFM_FEATURES) + list(self.attributes)
        missing = [c for c in columns if c not in rfm.columns]
        if missing:
            raise DataError(f"the clustering input lacks {missing}",
                            hint="Pass an RFM table (crmlib.segment.rfm_table) with those columns.")
        features = pd.DataFrame({c: np.log1p(rfm[c].astype(float).clip(lower=0)) for c in RFM_FEATURES},
                                index=rfm.index)
        for column in self.attributes:
            values = pd.to_numeric(rfm[column], errors="coerce").astype(float)
            features[column] = values.fillna(values.median())
        return features

    def fit(self, rfm: pd.DataFrame) -> RFMClusterer:
        """Fit k-means for every k in ``k_range`` and keep the best by silhouette.

        Parameters
        ----------
        rfm : DataFrame
            One row per customer with ``recency``, ``frequency``, ``monetary`` and the
            ``attributes`` columns (e.g. :func:`crmlib.segment.rfm_table`).

        Returns
        -------
        RFMClusterer
            ``self``, with the fitted attributes set.

        Raises
        ------
        NotEnoughData
            If too few customers differ to form ``k_range[0]`` clusters.
        """
        low, high = (int(v) for v in self.k_range)
        if not 2 <= low <= high:
            raise ValueError(f"k_range must be (low, high) with 2 <= low <= high, got {self.k_range}")
        features = self._features(rfm)
        x = StandardScaler().fit_transform(features.to_numpy())
        distinct = len(np.unique(x, axis=0))
        high = min(high, distinct - 1)
        if high < low:
            raise NotEnoughData(
                N_("Only {distinct:,} customers differ in recency, frequency or spend, too few to form {low} "
                   "clusters."),
                N_("Data with at least {need:,} customers who differ in when, how often or how much they buy would "
                   "enable this."), distinct=distinct, low=low, need=low + 1)
        rows, models = [], {}
        for k in range(low, high + 1):
            with threadpool_limits(limits=self.n_threads, user_api="openmp"):
                model = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(x)
            score = silhouette_score(x, model.labels_, sample_size=min(self.silhouette_sample, len(x)),
                                     random_state=self.random_state)
            rows.append({"k": k, "silhouette": float(score), "inertia": float(model.inertia_)})
            models[k] = model
        self.scores_ = pd.DataFrame(rows)
        self.k_ = int(self.scores_.loc[self.scores_["silhouette"].idxmax(), "k"])
        raw = rfm[list(RFM_FEATURES) + list(self.attributes)].apply(pd.to_numeric, errors="coerce")
        raw = raw.fillna(raw.median())  # attributes: missing values count as typical, as in fitting
        labels = pd.Series(models[self.k_].labels_, index=rfm.index)
        # renumber: 0 = highest mean monetary
        ranking = raw["monetary"].groupby(labels).mean().sort_values(ascending=False).index
        renumber = {old: new for new, old in enumerate(ranking)}
        self.labels_ = labels.map(renumber).rename("cluster")
        standardised = pd.DataFrame(x, index=rfm.index, columns=features.columns)
        self.centers_ = standardised.groupby(self.labels_).mean().sort_index()
        medians = raw.groupby(self.labels_).median().sort_index()
        self.positions_ = pd.DataFrame({c: _mid_rank(raw[c].to_numpy(), medians[c].to_numpy())
                                        for c in raw.columns}, index=medians.index)
        profile = raw.groupby(self.labels_).mean().sort_index()
        profile.insert(0, "customers", self.labels_.value_counts().sort_index())
        profile.insert(1, "share", profile["customers"] / len(rfm))
        self.profile_ = profile
        self.descriptions_ = {int(c): self.describe(self.positions_.loc[c]) for c in self.positions_.index}
        return self

    def describe(self, position: pd.Series) -> str:
        """Plain words for one cluster from its features' percentile positions (0-1).

        Parameters
        ----------
        position : Series
            Mid-rank percentile per feature (a row of ``positions_``).

        Returns
        -------
        str
            E.g. ``"recent, frequent, high spend"``, in ``lang``.
        """
        (low, high), _ = self.thirds, translator(self.lang)
        parts = []
        for feature in RFM_FEATURES:
            high_word, low_word, mid_word = WORDS[feature]
            value = position[feature]
            parts.append(_.pgettext("Cluster", high_word if value > high else low_word if value < low else mid_word))
        for attribute in self.attributes:
            value = position[attribute]
            if not low <= value <= high:
                text = _("high {attribute}") if value > high else _("low {attribute}")
                parts.append(text.format(attribute=attribute))
        return _.pgettext("Cluster", ", ").join(parts)

    def predict_descriptions(self) -> pd.Series:
        """The description of each customer's cluster (same index as the fitted input).

        Returns
        -------
        Series
            ``cluster_description`` per customer, indexed like the fitted ``rfm``.
        """
        return self.labels_.map(self.descriptions_).rename("cluster_description")
