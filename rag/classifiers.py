"""Fitted classifiers as plain arrays, read from the model file ``rag.fit`` writes.

scikit-learn fits them; answering needs only numpy. A file of coefficients and tree nodes
(JSON) is shipped instead of a pickle: readable, diffable, and loading it runs no code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    """A fitted logistic regression on named features (coefficients in raw feature units)."""

    features: tuple[str, ...]
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_json(cls, data: dict) -> LinearModel:
        return cls(tuple(data["features"]), np.asarray(data["coef"]), float(data["intercept"]))

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        x = np.array([[row[name] for name in self.features] for row in rows])
        return 1.0 / (1.0 + np.exp(-np.clip(x @ self.coef + self.intercept, -50, 50)))


@dataclass(frozen=True)
class BoostedTrees:
    """Fitted gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier), as arrays.

    All trees' nodes are concatenated; a leaf's children are itself, so every row walks
    ``depth`` steps down all trees at once.
    """

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int

    @classmethod
    def from_json(cls, data: dict) -> BoostedTrees:
        columns: dict[str, list] = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}
        roots = []
        for tree in data["trees"]:
            offset = len(columns["value"])
            roots.append(offset)
            for i, (feature, threshold, left, right, value) in enumerate(zip(*(tree[k] for k in columns))):
                leaf = left < 0  # a leaf points at itself
                columns["feature"].append(feature)
                columns["threshold"].append(threshold)
                columns["left"].append(offset + (i if leaf else left))
                columns["right"].append(offset + (i if leaf else right))
                columns["value"].append(value)
        arrays = {k: np.asarray(v) for k, v in columns.items()}
        return cls(tuple(data["features"]), float(data["baseline"]), roots=np.asarray(roots), depth=int(data["depth"]), **arrays)

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        x = np.array([[row[name] for name in self.features] for row in rows])
        node = np.tile(self.roots, (len(x), 1))
        row = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            go_left = x[row, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return 1.0 / (1.0 + np.exp(-(self.baseline + self.value[node].sum(axis=1))))


Classifier = LinearModel | BoostedTrees


def classifier_from_json(data: dict) -> Classifier:
    return BoostedTrees.from_json(data) if "trees" in data else LinearModel.from_json(data)
