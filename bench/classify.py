"""Classification benchmark on the labelled real data in ../shared/data, models side by side.

Tables:
1. accuracy and macro F1 of every frame model on every labelled dataset, split stated;
2. robustness with the legs missing at test time (hips, knees, ankles, feet dropped),
   trained with and without dropped-joint augmentation;
3. sequence task: exercise recognition on the Keraal rehab trials across estimators;
4. speed of ``Classifier.classify`` in frames per second (ratio to the fastest).

Run: ``.venv/bin/python bench/classify.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from posecoach.app.datasets import read_dataset
from posecoach.classify import AugmentSettings, cross_validate, evaluate, fit_classifier
from posecoach.classify.datasets import PoseDataset, dataset_from_sequences
from posecoach.classify.evaluate import compute_metrics
from posecoach.classify.features import LEG_JOINTS
from posecoach.classify.models import get_model
from posecoach.pose import PoseSequence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EC = DATA / "exercise_correction_mediapipe" / "core"
FRAME_MODELS = ["knn", "linear", "gbdt", "mlp"]
QUICK = "--quick" in sys.argv


def row(*cells: object, widths: tuple[int, ...] = (28, 8, 9, 9, 60)) -> str:
    return "  ".join(f"{c!s:<{w}}" for c, w in zip(cells, widths, strict=False))


def drop_legs(ds: PoseDataset) -> PoseDataset:
    pos = ds.positions.copy()
    idx = [ds.skeleton.index(j) for j in LEG_JOINTS if ds.skeleton.has(j)]
    pos[:, idx] = np.nan
    conf = ds.confidence.copy()
    conf[:, idx] = 0
    return PoseDataset(
        pos, conf, ds.labels, ds.groups, ds.skeleton, ds.level, ds.offsets, ds.fps, ds.source
    )


def cv_metrics(ds: PoseDataset, model: str, k: int, *, aug=None, legless=False):
    """Group k-fold; optionally drop the legs of the test folds only."""
    from posecoach.classify.datasets import group_kfold

    y_true, y_pred = [], []
    for tr, te in group_kfold(ds.groups, k):
        clf = fit_classifier(ds.subset(tr), model=model, augmentation=aug)
        test = ds.subset(te)
        if legless:
            test = drop_legs(test)
        y_pred += clf.predict(list(test.sequences()))
        y_true += test.labels.tolist()
    return compute_metrics(np.array(y_true), y_pred, ds.classes)


def frame_datasets() -> list[tuple[str, PoseDataset, PoseDataset | None, str]]:
    """(name, train-or-all, test or None (→ CV), split description)."""
    out: list[tuple[str, PoseDataset, PoseDataset | None, str]] = []
    mlkit = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    out.append(
        (
            "ML Kit fitness (4 postures)",
            mlkit,
            None,
            f"GroupKFold 5 over {len(set(mlkit.groups))} groups (YouTube id / screenshot hour)",
        )
    )
    out.append(
        (
            "EC squat up/down",
            read_dataset(EC / "squat_model" / "train.csv"),
            read_dataset(EC / "squat_model" / "test.csv"),
            "train.csv -> test.csv (files as provided)",
        )
    )
    for name, rel in (
        ("EC bicep C/L", "bicep_model/test.csv"),
        ("EC plank C/H/L", "plank_model/test.csv"),
        ("EC lunge error C/L", "lunge_model/err.test.csv"),
        ("EC lunge stage I/M/D", "lunge_model/stage.test.csv"),
    ):
        ds = read_dataset(EC / rel, blocks=10)
        out.append((name, ds, None, f"GroupKFold 5 over 10 contiguous blocks of {rel}"))
    return out


def table_accuracy() -> None:
    print("\n## 1. Frame models: accuracy / macro F1 (held-out groups or files)\n")
    print(row("dataset", "model", "accuracy", "macro F1", "split"))
    for name, ds, test, split in frame_datasets():
        for model in FRAME_MODELS:
            if test is None:
                m = cv_metrics(ds, model, 5)
            else:
                m = evaluate(fit_classifier(ds, model=model), test)
            print(row(name, model, f"{m.accuracy:.3f}", f"{m.macro_f1:.3f}", split), flush=True)


def table_legs() -> None:
    print(
        "\n## 2. Legs missing at test time (hips, knees, ankles, feet NaN), ML Kit, GroupKFold 5\n"
    )
    ds = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    aug = AugmentSettings(drop=1.0, drop_parts=("legs",))
    print(row("model", "full", "legless", "legless+aug", "full+aug", widths=(10, 8, 9, 12, 9)))
    for model in FRAME_MODELS:
        full = cv_metrics(ds, model, 5).accuracy
        legless = cv_metrics(ds, model, 5, legless=True).accuracy
        legless_aug = cv_metrics(ds, model, 5, aug=aug, legless=True).accuracy
        full_aug = cv_metrics(ds, model, 5, aug=aug).accuracy
        print(
            row(
                model,
                f"{full:.3f}",
                f"{legless:.3f}",
                f"{legless_aug:.3f}",
                f"{full_aug:.3f}",
                widths=(10, 8, 9, 12, 9),
            ),
            flush=True,
        )
    print("(accuracy; '+aug' = trained with a legless copy of every training sample)")


def views_of(ds: PoseDataset, seed: int) -> PoseDataset:
    from posecoach.classify.augment import random_views

    return random_views(ds, np.random.default_rng(seed))


def table_views() -> None:
    print("\n## 2b. Other camera views at test time (test poses re-projected through a random")
    print("camera: azimuth ±45°, elevation ±20°, roll ±15°), ML Kit, GroupKFold 5\n")
    from posecoach.classify.datasets import group_kfold

    ds = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    print(row("model", "as shot", "new view", "new view+aug", widths=(10, 8, 9, 12)))
    for model in ["knn", "linear", "gbdt"]:
        acc = []
        for aug in (None, AugmentSettings(views=2)):
            for view in (False, True):
                if aug is None or view:
                    y_true, y_pred = [], []
                    for i, (tr, te) in enumerate(group_kfold(ds.groups, 5)):
                        clf = fit_classifier(ds.subset(tr), model=model, augmentation=aug)
                        test = views_of(ds.subset(te), 100 + i) if view else ds.subset(te)
                        y_pred += clf.predict(list(test.sequences()))
                        y_true += test.labels.tolist()
                    acc.append(float(np.mean(np.array(y_true) == np.array(y_pred))))
        print(row(model, *(f"{a:.3f}" for a in acc), widths=(10, 8, 9, 12)), flush=True)
    print("('+aug' = trained with 2 random camera views of every training sample)")


def keraal_dataset() -> PoseDataset:
    from posecoach.io.keraal import read_keraal

    folder = DATA / "keraal_rehab_sample" / "draw_skeleton" / "dataSampleKeraal"
    seqs, labels, groups = [], [], []
    for f in sorted(folder.glob("G3-*")):
        source, exercise = f.name.split("-")[1:3]
        if source == "Vicon":
            continue
        s = read_keraal(f)
        if source == "Kinect":  # world metres, y up -> image-like x, y down
            pos = s.positions[..., :2] * np.array([1.0, -1.0])
            s = PoseSequence(pos, s.confidence, skeleton=s.skeleton, fps=s.fps)
        seqs.append(s.convert("coco_17"))
        labels.append(exercise)
        groups.append(source)
    return dataset_from_sequences(seqs, labels, groups)


def table_sequences() -> None:
    print("\n## 3. Sequence task: Keraal exercise (CTK/ELK/RTK), leave-one-estimator-out\n")
    ds = keraal_dataset()
    print(f"{ds.n_samples} sequences, estimators {sorted(set(ds.groups))}")
    print(row("model", "accuracy", "macro F1", widths=(30, 9, 9)))
    for model in ["dtw", "seqcnn", "knn", "linear", "gbdt", "mlp"]:
        params = {"top_n": 6, "top_k": 1} if model == "knn" else {}
        params = {"max_iter": 30} if model == "gbdt" else params
        # Only reached without params: the model is its name (a str).
        cv = cross_validate(ds, model=model, k=4, task="exercise") if not params else None
        if cv is None:
            y_true, y_pred = [], []
            from posecoach.classify.datasets import group_kfold

            for tr, te in group_kfold(ds.groups, 4):
                clf = fit_classifier(
                    ds.subset(tr), model=get_model(model, **params), task="exercise"
                )
                y_pred += clf.predict(list(ds.subset(te).sequences()))
                y_true += ds.subset(te).labels.tolist()
            m = compute_metrics(np.array(y_true), y_pred, ds.classes)
        else:
            m = cv.metrics
        label = model if model in ("dtw", "seqcnn") else f"{model} (mean/std/min/max)"
        print(row(label, f"{m.accuracy:.3f}", f"{m.macro_f1:.3f}", widths=(30, 9, 9)), flush=True)


def best_time(fn, repeats: int = 3) -> float:
    """Fastest of a few runs (the machine is shared; the minimum is the least disturbed)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def table_speed() -> None:
    print("\n## 4. classify speed (features + model + smoothing), BlazePose-33 input\n")
    ds = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    rng = np.random.default_rng(0)
    n = 3000
    pick = rng.integers(0, ds.n_samples, n)
    seq = PoseSequence(
        ds.positions[pick] + rng.normal(scale=2, size=(n, 33, 3)), skeleton="blazepose_33", fps=30
    )
    results = {}
    for model in FRAME_MODELS:
        clf = fit_classifier(ds, model=model)
        clf.classify(seq.frames(slice(0, 50)))
        results[model] = n / best_time(lambda c=clf: c.classify(seq))
    results["(full features only)"] = n / best_time(
        lambda: clf.frame_features(seq.positions, seq.skeleton)
    )
    best = max(v for k, v in results.items() if not k.startswith("("))
    print(row("model", "frames/s", "ratio to fastest", widths=(18, 10, 16)))
    for k, v in results.items():
        print(row(k, f"{v:,.0f}", f"{v / best:.2f}", widths=(18, 10, 16)))


if __name__ == "__main__":
    if not DATA.exists():
        sys.exit(f"shared data not found at {DATA}")
    t0 = time.time()
    table_accuracy()
    table_legs()
    table_views()
    table_sequences()
    table_speed()
    print(f"\ntotal {time.time() - t0:.0f} s")
