"""Classifiers chosen by name, each serialisable as plain arrays plus a JSON config.

Frame models take ``(N, F)`` feature matrices; sequence models take a list of ``(T, F)``
per-frame feature arrays. Every model predicts class probabilities ``(N, C)`` for class
codes ``0..C-1`` and exports itself with :meth:`state` as ``(arrays, config)`` — no
pickle anywhere — and is rebuilt with ``from_state``. Predictions after a round trip
are computed by the same code as before it, so they are identical.

=========  =====  =========================================================================
name       input  what it is
=========  =====  =========================================================================
knn        frame  k-NN with ML Kit-style outlier filtering (top-N by max coordinate
                  distance, then top-K by mean distance; votes as probabilities)
linear     frame  multinomial logistic regression (scikit-learn), exported as coef/intercept
gbdt       frame  scikit-learn HistGradientBoosting, its trees exported as node arrays and
                  evaluated here in numpy
mlp        frame  small PyTorch multi-layer perceptron (CPU, seeded)
dtw        seq    DTW nearest neighbour (dtaidistance C kernel) over per-frame features
seqcnn     seq    small 1D-CNN over time (PyTorch, CPU, seeded), sequences resampled
minirocket seq    sktime's MiniRocket random convolution features + ridge classifier
                  (Dempster et al., KDD 2021); stored as its training panel and refitted
                  (deterministically, from the seed) when loaded
=========  =====  =========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from posecoach.errors import InputError
from posecoach.registry import Registry

__all__ = [
    "Model",
    "MODELS",
    "get_model",
    "model_names",
    "KnnModel",
    "LinearModel",
    "GradientBoostingModel",
    "MlpModel",
    "DtwModel",
    "SeqCnnModel",
    "MiniRocketModel",
    "minirocket_available",
    "resample_sequence",
]

Arrays = dict[str, np.ndarray]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _standardizer(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


class Model:
    """Base class: ``fit``, ``predict_proba``, ``state`` / ``from_state``."""

    name: ClassVar[str] = ""
    level: ClassVar[str] = "frame"
    n_classes: int

    def fit(self, x: Any, y: np.ndarray, n_classes: int, seed: int = 0) -> Model:
        raise NotImplementedError

    def predict_proba(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """JSON-ready hyper-parameters (constructor keyword arguments)."""
        return {}

    def arrays(self) -> Arrays:
        """Fitted parameters as named arrays."""
        raise NotImplementedError

    def load_arrays(self, arrays: Arrays) -> None:
        raise NotImplementedError

    def state(self) -> tuple[Arrays, dict[str, Any]]:
        """``(arrays, config)`` describing the fitted model completely."""
        return self.arrays(), {**self.config(), "n_classes": int(self.n_classes)}

    @classmethod
    def from_state(cls, arrays: Arrays, config: dict[str, Any]) -> Model:
        """Rebuild a fitted model from :meth:`state`."""
        cfg = dict(config)
        n_classes = int(cfg.pop("n_classes"))
        model = cls(**cfg)
        model.n_classes = n_classes
        model.load_arrays(arrays)
        return model


# --------------------------------------------------------------------------- k-NN
class KnnModel(Model):
    """k-NN with outlier filtering in the style of ML Kit's pose classification sample.

    As ML Kit's documentation describes its classifier: take the ``top_n`` training
    samples closest by the *maximum* per-coordinate distance (this drops samples that
    are far off in any single coordinate, i.e. outliers), then among them the ``top_k``
    closest by the *mean* per-coordinate distance; a class's probability is its share of
    those ``top_k`` votes. ML Kit uses 30 and 10.

    Example
    -------
    >>> x = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> m = KnnModel(top_n=3, top_k=2).fit(x, np.array([0, 0, 1, 1]), 2)
    >>> m.predict_proba(np.array([[4.9, 5.0]])).tolist()
    [[0.0, 1.0]]
    """

    name = "knn"

    def __init__(self, top_n: int = 30, top_k: int = 10) -> None:
        self.top_n = int(top_n)
        self.top_k = int(top_k)

    def config(self) -> dict[str, Any]:
        return {"top_n": self.top_n, "top_k": self.top_k}

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int, seed: int = 0) -> KnnModel:
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.int64)
        self.n_classes = n_classes
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        from scipy.spatial.distance import cdist

        x = np.asarray(x, dtype=np.float64)
        n_train = len(self.x)
        top_n = min(self.top_n, n_train)
        top_k = min(self.top_k, top_n)
        out = np.zeros((len(x), self.n_classes))
        batch = 2048
        for a in range(0, len(x), batch):
            q = x[a : a + batch]
            max_d = cdist(q, self.x, "chebyshev")  # largest per-coordinate distance
            mean_d = cdist(q, self.x, "cityblock") / self.x.shape[1]  # mean distance
            cand = np.argpartition(max_d, top_n - 1, axis=1)[:, :top_n]
            cand_mean = np.take_along_axis(mean_d, cand, axis=1)
            order = np.argsort(cand_mean, axis=1, kind="stable")[:, :top_k]
            nearest = np.take_along_axis(cand, order, axis=1)
            votes = self.y[nearest]
            for c in range(self.n_classes):
                out[a : a + batch, c] = (votes == c).sum(axis=1) / top_k
        return out

    def arrays(self) -> Arrays:
        return {"x": self.x, "y": self.y}

    def load_arrays(self, arrays: Arrays) -> None:
        self.x = np.asarray(arrays["x"], dtype=np.float64)
        self.y = np.asarray(arrays["y"], dtype=np.int64)


# --------------------------------------------------------------------------- linear
class LinearModel(Model):
    """Logistic regression (scikit-learn ``LogisticRegression``), L2-regularised.

    Features are used as they are (normalised coordinates are already in torso units);
    ``standardize=True`` scales each column to unit variance first.

    Example
    -------
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]])
    >>> m = LinearModel().fit(x, np.array([0, 0, 1, 1]), 2)
    >>> m.predict_proba(np.array([[0.0], [5.0]])).argmax(1).tolist()
    [0, 1]
    """

    name = "linear"

    def __init__(self, c: float = 1.0, max_iter: int = 2000, standardize: bool = False) -> None:
        self.c = float(c)
        self.max_iter = int(max_iter)
        self.standardize = bool(standardize)

    def config(self) -> dict[str, Any]:
        return {"c": self.c, "max_iter": self.max_iter, "standardize": self.standardize}

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int, seed: int = 0) -> LinearModel:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(x, dtype=np.float64)
        if self.standardize:
            self.mean, self.scale = _standardizer(x)
        else:  # features are already in torso units; standardising inflates pure-noise columns
            self.mean, self.scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
        clf = LogisticRegression(C=self.c, max_iter=self.max_iter, random_state=seed)
        clf.fit((x - self.mean) / self.scale, y)
        self.n_classes = n_classes
        coef = np.zeros((n_classes, x.shape[1]))
        intercept = np.zeros(n_classes)
        present = clf.classes_.astype(int)
        if len(present) == 2:  # sklearn keeps one row for binary problems: logit of class 1
            coef[present[1]] = clf.coef_[0]
            intercept[present[1]] = clf.intercept_[0]
            intercept[[c for c in range(n_classes) if c not in present]] = -np.inf
        else:
            coef[present] = clf.coef_
            intercept[present] = clf.intercept_
            intercept[[c for c in range(n_classes) if c not in present]] = -np.inf
        self.coef, self.intercept = coef, intercept
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef.T
        return _softmax(z + self.intercept)

    def arrays(self) -> Arrays:
        return {
            "mean": self.mean,
            "scale": self.scale,
            "coef": self.coef,
            "intercept": self.intercept,
        }

    def load_arrays(self, arrays: Arrays) -> None:
        for k in ("mean", "scale", "coef", "intercept"):
            setattr(self, k, np.asarray(arrays[k], dtype=np.float64))


# --------------------------------------------------------------------------- boosting
class GradientBoostingModel(Model):
    """scikit-learn ``HistGradientBoostingClassifier``; trees exported as node arrays.

    After fitting, every tree's nodes (feature, threshold, missing-goes-left, children,
    leaf value) are copied into flat arrays and prediction walks them in numpy, both
    before and after saving — no pickled estimator is ever stored. Probabilities match
    scikit-learn's own ``predict_proba`` (checked in the tests).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(60, 2)); y = (x[:, 0] > 0).astype(int)
    >>> m = GradientBoostingModel(max_iter=20).fit(x, y, 2)
    >>> float((m.predict_proba(x).argmax(1) == y).mean())
    1.0
    """

    name = "gbdt"

    def __init__(
        self, max_iter: int = 100, learning_rate: float = 0.1, max_leaf_nodes: int = 31
    ) -> None:
        self.max_iter = int(max_iter)
        self.learning_rate = float(learning_rate)
        self.max_leaf_nodes = int(max_leaf_nodes)

    def config(self) -> dict[str, Any]:
        return {
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes,
        }

    def fit(
        self, x: np.ndarray, y: np.ndarray, n_classes: int, seed: int = 0
    ) -> GradientBoostingModel:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits

        clf = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            early_stopping=False,
            random_state=seed,
        )
        # One OpenMP thread: on a busy machine (other workers, a batch) its threads spin
        # waiting for each other — a 3000-frame fit took 133 s on two threads beside
        # another job, 5.4 s on one.
        with threadpool_limits(1, user_api="openmp"):
            clf.fit(np.asarray(x, dtype=np.float64), y)
        self.n_classes = n_classes
        self._export(clf)
        self._sklearn = clf  # kept only in memory, for cross-checking
        return self

    def _export(self, clf: Any) -> None:
        present = clf.classes_.astype(int)
        nodes_list, roots = [], []
        offset = 0
        for iteration in clf._predictors:  # one list of trees per boosting iteration
            row = []
            for tree in iteration:
                nodes = tree.nodes
                if np.any(nodes["is_categorical"]):
                    raise InputError("categorical splits are not supported in exported trees")
                row.append(offset)
                nodes_list.append(nodes)
                offset += len(nodes)
            roots.append(row)
        allnodes = np.concatenate(nodes_list)
        starts = np.repeat(
            np.array([r for row in roots for r in row]), [len(n) for n in nodes_list]
        )
        self.value = allnodes["value"].astype(np.float64)
        self.feature = allnodes["feature_idx"].astype(np.int64)
        self.threshold = allnodes["num_threshold"].astype(np.float64)
        self.missing_left = allnodes["missing_go_to_left"].astype(np.uint8)
        self.left = (allnodes["left"].astype(np.int64) + starts).astype(np.int64)
        self.right = (allnodes["right"].astype(np.int64) + starts).astype(np.int64)
        self.is_leaf = allnodes["is_leaf"].astype(np.uint8)
        self.roots = np.array(roots, dtype=np.int64)  # (n_iter, n_trees_per_iter)
        self.baseline = np.asarray(clf._baseline_prediction, dtype=np.float64).reshape(-1)
        self.present = present.astype(np.int64)

    def _raw(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        n = len(x)
        n_iter, n_trees = self.roots.shape
        raw = np.tile(self.baseline, (n, 1))
        node = np.broadcast_to(self.roots.reshape(1, -1), (n, n_iter * n_trees)).copy()
        rows = np.arange(n)[:, None]
        while True:
            leaf = self.is_leaf[node].astype(bool)
            if leaf.all():
                break
            f = self.feature[node]
            v = x[rows, f]
            go_left = np.where(np.isnan(v), self.missing_left[node] == 1, v <= self.threshold[node])
            nxt = np.where(go_left, self.left[node], self.right[node])
            node = np.where(leaf, node, nxt)
        vals = self.value[node].reshape(n, n_iter, n_trees).sum(axis=1)
        return raw + vals

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raw = self._raw(x)
        out = np.zeros((len(raw), self.n_classes))
        if len(self.present) == 2:
            p1 = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            out[:, self.present[0]] = 1.0 - p1
            out[:, self.present[1]] = p1
        else:
            out[:, self.present] = _softmax(raw)
        return out

    _FIELDS = (
        "value",
        "feature",
        "threshold",
        "missing_left",
        "left",
        "right",
        "is_leaf",
        "roots",
        "baseline",
        "present",
    )

    def arrays(self) -> Arrays:
        return {k: getattr(self, k) for k in self._FIELDS}

    def load_arrays(self, arrays: Arrays) -> None:
        for k in self._FIELDS:
            setattr(self, k, np.asarray(arrays[k]))


# --------------------------------------------------------------------------- torch helpers
def _torch() -> Any:
    from posecoach.errors import require

    return require("torch", "torch")


def _torch_arrays(module: Any) -> Arrays:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def _load_torch_arrays(module: Any, arrays: Arrays, prefix: str = "net.") -> None:
    torch = _torch()
    state = {
        k[len(prefix) :]: torch.from_numpy(np.array(v))
        for k, v in arrays.items()
        if k.startswith(prefix)
    }
    module.load_state_dict(state)
    module.eval()


def _train_torch(
    net: Any, xb: Any, yb: Any, epochs: int, lr: float, seed: int, batch: int = 128
) -> None:
    torch = _torch()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: thread hand-offs cost more than they gain
    try:
        _train_loop(net, xb, yb, epochs, lr, seed, batch)
    finally:
        torch.set_num_threads(threads)


def _train_loop(net: Any, xb: Any, yb: Any, epochs: int, lr: float, seed: int, batch: int) -> None:
    torch = _torch()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = xb.shape[0]
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for a in range(0, n, batch):
            idx = perm[a : a + batch]
            opt.zero_grad()
            loss = loss_fn(net(xb[idx]), yb[idx])
            loss.backward()
            opt.step()
    net.eval()


class _TorchModel(Model):
    """A PyTorch network on standardised inputs; saved as the standardiser plus weights."""

    mean: np.ndarray
    scale: np.ndarray
    net: Any

    def _build(self, n_in: int) -> Any:
        raise NotImplementedError

    def _probabilities(self, standardised: np.ndarray) -> np.ndarray:
        torch = _torch()
        with torch.no_grad():
            z = self.net(torch.from_numpy(standardised)).numpy()
        return _softmax(z)

    def arrays(self) -> Arrays:
        return {
            "mean": self.mean,
            "scale": self.scale,
            **{f"net.{k}": v for k, v in _torch_arrays(self.net).items()},
        }

    def load_arrays(self, arrays: Arrays) -> None:
        self.mean = np.asarray(arrays["mean"], dtype=np.float64)
        self.scale = np.asarray(arrays["scale"], dtype=np.float64)
        self.net = self._build(len(self.mean))
        _load_torch_arrays(self.net, arrays)


class MlpModel(_TorchModel):
    """Small multi-layer perceptron in PyTorch (CPU, seeded), standardised inputs.

    Example
    -------
    >>> x = np.array([[0.0], [1.0], [4.0], [5.0]] * 5)
    >>> m = MlpModel(epochs=60).fit(x, np.array([0, 0, 1, 1] * 5), 2)
    >>> m.predict_proba(np.array([[0.0], [5.0]])).argmax(1).tolist()
    [0, 1]
    """

    name = "mlp"

    def __init__(self, hidden: int = 64, epochs: int = 80, lr: float = 3e-3) -> None:
        self.hidden = int(hidden)
        self.epochs = int(epochs)
        self.lr = float(lr)

    def config(self) -> dict[str, Any]:
        return {"hidden": self.hidden, "epochs": self.epochs, "lr": self.lr}

    def _build(self, n_in: int) -> Any:
        torch = _torch()
        nn = torch.nn
        return nn.Sequential(
            nn.Linear(n_in, self.hidden),
            nn.ReLU(),
            nn.Linear(self.hidden, self.hidden),
            nn.ReLU(),
            nn.Linear(self.hidden, self.n_classes),
        ).double()

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int, seed: int = 0) -> MlpModel:
        torch = _torch()
        torch.manual_seed(seed)
        x = np.asarray(x, dtype=np.float64)
        self.n_classes = n_classes
        self.mean, self.scale = _standardizer(x)
        self.net = self._build(x.shape[1])
        xb = torch.from_numpy((x - self.mean) / self.scale)
        yb = torch.from_numpy(np.asarray(y, dtype=np.int64))
        _train_torch(self.net, xb, yb, self.epochs, self.lr, seed)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._probabilities((np.asarray(x, dtype=np.float64) - self.mean) / self.scale)


# --------------------------------------------------------------------------- sequences
def resample_sequence(x: np.ndarray, length: int) -> np.ndarray:
    """Linearly resample ``(T, F)`` to ``(length, F)`` along time.

    Example
    -------
    >>> resample_sequence(np.array([[0.0], [2.0]]), 3).ravel().tolist()
    [0.0, 1.0, 2.0]
    """
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 1:
        return np.repeat(x, length, axis=0)
    t_old = np.linspace(0.0, 1.0, len(x))
    t_new = np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(t_new, t_old, x[:, j]) for j in range(x.shape[1])], axis=1)


class DtwModel(Model):
    """Nearest neighbours under dynamic time warping (dtaidistance's C kernel).

    Probabilities are the class shares among the ``k`` nearest training sequences.

    Example
    -------
    >>> t = np.linspace(0, 1, 20)[:, None]
    >>> seqs = [np.sin(6 * t), np.sin(6 * t[::2]), t, t[::3]]
    >>> m = DtwModel(k=1).fit(seqs, np.array([0, 0, 1, 1]), 2)
    >>> m.predict_proba([np.sin(6 * t[::4]), t[::2]]).argmax(1).tolist()
    [0, 1]
    """

    name = "dtw"
    level = "sequence"

    def __init__(self, k: int = 1, window: float = 0.0) -> None:
        self.k = int(k)
        self.window = float(window)

    def config(self) -> dict[str, Any]:
        return {"k": self.k, "window": self.window}

    def fit(
        self, x: Sequence[np.ndarray], y: np.ndarray, n_classes: int, seed: int = 0
    ) -> DtwModel:
        self.seqs = [np.ascontiguousarray(s, dtype=np.float64) for s in x]
        self.y = np.asarray(y, dtype=np.int64)
        self.n_classes = n_classes
        return self

    def distances(self, x: Sequence[np.ndarray]) -> np.ndarray:
        """``(len(x), n_train)`` DTW distances."""
        from dtaidistance import dtw_ndim

        out = np.zeros((len(x), len(self.seqs)))
        for i, q in enumerate(x):
            q = np.ascontiguousarray(q, dtype=np.float64)
            for j, s in enumerate(self.seqs):
                kw = {}
                if self.window > 0:
                    kw["window"] = max(
                        int(self.window * max(len(q), len(s))), abs(len(q) - len(s)) + 1
                    )
                out[i, j] = dtw_ndim.distance_fast(q, s, use_pruning=False, **kw)
        return out

    def predict_proba(self, x: Sequence[np.ndarray]) -> np.ndarray:
        d = self.distances(x)
        k = min(self.k, d.shape[1])
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        votes = self.y[nearest]
        return np.stack([(votes == c).mean(axis=1) for c in range(self.n_classes)], axis=1)

    def arrays(self) -> Arrays:
        lengths = np.array([len(s) for s in self.seqs], dtype=np.int64)
        return {"frames": np.concatenate(self.seqs), "lengths": lengths, "y": self.y}

    def load_arrays(self, arrays: Arrays) -> None:
        frames = np.asarray(arrays["frames"], dtype=np.float64)
        ends = np.cumsum(arrays["lengths"])
        self.seqs = [np.ascontiguousarray(s) for s in np.split(frames, ends[:-1])]
        self.y = np.asarray(arrays["y"], dtype=np.int64)


class SeqCnnModel(_TorchModel):
    """Small 1D convolutional network over time (PyTorch, CPU, seeded).

    Each sequence is resampled to ``length`` frames; two convolutions, global average
    pooling over time, a linear layer.

    Example
    -------
    >>> t = np.linspace(0, 1, 30)[:, None]
    >>> seqs = [np.sin(6 * t) + 0.01 * i for i in range(4)] + [t + 0.01 * i for i in range(4)]
    >>> m = SeqCnnModel(epochs=40).fit(seqs, np.array([0] * 4 + [1] * 4), 2)
    >>> m.predict_proba([np.sin(6 * t), t]).argmax(1).tolist()
    [0, 1]
    """

    name = "seqcnn"
    level = "sequence"

    def __init__(
        self, length: int = 32, channels: int = 32, epochs: int = 120, lr: float = 3e-3
    ) -> None:
        self.length = int(length)
        self.channels = int(channels)
        self.epochs = int(epochs)
        self.lr = float(lr)

    def config(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "channels": self.channels,
            "epochs": self.epochs,
            "lr": self.lr,
        }

    def _build(self, n_in: int) -> Any:
        torch = _torch()
        nn = torch.nn

        class Net(nn.Module):  # type: ignore[name-defined]
            def __init__(self, n_in: int, ch: int, n_out: int) -> None:
                super().__init__()
                self.conv = nn.Sequential(
                    nn.Conv1d(n_in, ch, 5, padding=2),
                    nn.ReLU(),
                    nn.Conv1d(ch, ch, 5, padding=2),
                    nn.ReLU(),
                )
                self.head = nn.Linear(ch, n_out)

            def forward(self, x: Any) -> Any:
                return self.head(self.conv(x.transpose(1, 2)).mean(dim=2))

        return Net(n_in, self.channels, self.n_classes).double()

    def _stack(self, x: Sequence[np.ndarray]) -> np.ndarray:
        return np.stack([resample_sequence(s, self.length) for s in x])

    def fit(
        self, x: Sequence[np.ndarray], y: np.ndarray, n_classes: int, seed: int = 0
    ) -> SeqCnnModel:
        torch = _torch()
        torch.manual_seed(seed)
        self.n_classes = n_classes
        xs = self._stack(x)
        flat = xs.reshape(-1, xs.shape[2])
        self.mean, self.scale = _standardizer(flat)
        self.net = self._build(xs.shape[2])
        xb = torch.from_numpy((xs - self.mean) / self.scale)
        yb = torch.from_numpy(np.asarray(y, dtype=np.int64))
        _train_torch(self.net, xb, yb, self.epochs, self.lr, seed, batch=32)
        return self

    def predict_proba(self, x: Sequence[np.ndarray]) -> np.ndarray:
        return self._probabilities((self._stack(x) - self.mean) / self.scale)


def minirocket_available() -> bool:
    """Whether sktime's MiniRocket (and numba, which it runs on) can be imported."""
    try:
        from sktime.transformations.panel.rocket import MiniRocketMultivariate  # noqa: F401
    except ImportError:
        return False
    return True


class MiniRocketModel(Model):
    """MiniRocket features (sktime) and a cross-validated ridge classifier.

    Each sequence is resampled to ``length`` frames and given to sktime's
    ``MiniRocketMultivariate`` (``kernels`` random dilated convolutions, their
    proportion-of-positive-values features); a ``RidgeClassifierCV`` over standardised
    features, as the MiniRocket authors recommend for small training sets, turns them
    into class scores, and a softmax of the scores into probabilities. The fitted
    transform lives in sktime's private attributes, so the model is stored as its
    training panel and refitted on load: with the same seed the refit is identical.

    Example
    -------
    >>> t = np.linspace(0, 1, 30)[:, None]
    >>> seqs = [np.sin(6 * t) + 0.01 * i for i in range(4)] + [t + 0.01 * i for i in range(4)]
    >>> m = MiniRocketModel(kernels=200).fit(seqs, np.array([0] * 4 + [1] * 4), 2)
    >>> m.predict_proba([np.sin(6 * t[::2]), t[::3]]).argmax(1).tolist()
    [0, 1]
    """

    name = "minirocket"
    level = "sequence"

    def __init__(self, length: int = 64, kernels: int = 2000, seed: int = 0) -> None:
        self.length = int(length)
        self.kernels = int(kernels)
        self.seed = int(seed)

    def config(self) -> dict[str, Any]:
        return {"length": self.length, "kernels": self.kernels, "seed": self.seed}

    def _panel(self, x: Sequence[np.ndarray]) -> np.ndarray:
        """``(N, F, length)`` sequences resampled, channels first, as sktime wants."""
        return np.stack([resample_sequence(s, self.length).T for s in x])

    def _build(self) -> None:
        if not minirocket_available():
            raise InputError(
                "model 'minirocket' needs sktime and numba: pip install 'posecoach[all]'"
            )
        import warnings

        from sklearn.linear_model import RidgeClassifierCV
        from sktime.transformations.panel.rocket import MiniRocketMultivariate

        # 9 kernels of length 9 need sequences of at least 9 frames
        self.transform = MiniRocketMultivariate(num_kernels=self.kernels, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            feats = np.asarray(self.transform.fit_transform(self.train_panel), dtype=np.float64)
        self.mean, self.scale = _standardizer(feats)
        self.ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        self.ridge.fit((feats - self.mean) / self.scale, self.y)

    def fit(
        self, x: Sequence[np.ndarray], y: np.ndarray, n_classes: int, seed: int = 0
    ) -> MiniRocketModel:
        self.n_classes = n_classes
        self.seed = int(seed)
        self.train_panel = self._panel(x)
        self.y = np.asarray(y, dtype=np.int64)
        self._build()
        return self

    def predict_proba(self, x: Sequence[np.ndarray]) -> np.ndarray:
        feats = np.asarray(self.transform.transform(self._panel(x)), dtype=np.float64)
        scores = np.atleast_1d(self.ridge.decision_function((feats - self.mean) / self.scale))
        if scores.ndim == 1:  # two classes: one score, positive for the second
            scores = np.stack([-scores, scores], axis=1)
        out = np.zeros((len(x), self.n_classes))
        out[:, self.ridge.classes_] = _softmax(2.0 * scores)
        return out

    def arrays(self) -> Arrays:
        return {"panel": self.train_panel, "y": self.y}

    def load_arrays(self, arrays: Arrays) -> None:
        self.train_panel = np.asarray(arrays["panel"], dtype=np.float64)
        self.y = np.asarray(arrays["y"], dtype=np.int64)
        self._build()


MODELS: Registry[type[Model]] = Registry("model")
for _model in (
    KnnModel,
    LinearModel,
    GradientBoostingModel,
    MlpModel,
    DtwModel,
    SeqCnnModel,
    MiniRocketModel,
):
    MODELS.register(_model.name, _model)


def model_names(level: str | None = None) -> list[str]:
    """Registered model names (optionally only those taking ``level`` input).

    Example
    -------
    >>> model_names("sequence")
    ['dtw', 'minirocket', 'seqcnn']
    """
    return sorted(n for n, m in MODELS.items().items() if level is None or m.level == level)


def get_model(name: str, **params: Any) -> Model:
    """A new, unfitted model by name; unknown names list the valid ones.

    Example
    -------
    >>> get_model("knn", top_k=5).config()
    {'top_n': 30, 'top_k': 5}
    >>> get_model("svm")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: unknown model 'svm'; expected one of ['dtw', 'gbdt', ...]
    """
    cls = MODELS.get(name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise InputError(f"bad parameters for model {name!r}: {exc}") from exc


ProgressCallback = Callable[[int, int], None]
