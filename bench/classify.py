"""Classification benchmark on the labelled real data in ../shared/data, models side by side.

Tables (every one puts the old default — ``knn``, no augmentation — beside the new one,
``auto`` with the default augmentation, whose model choice runs inside each training split
only, so the held-out groups never steer it):
1. accuracy and macro F1 of every frame model on every labelled dataset, split stated;
2. robustness with the legs missing at test time (hips, knees, ankles, feet dropped),
   trained with and without dropped-joint augmentation;
2b. other camera views at test time; 2c. trained on two cameras, tested on others;
3. sequence task: exercise recognition on the Keraal rehab trials across estimators;
3b. small sequence sets (UI-PRMD, 3 people, 2D through one camera per person, 25% of
    joints missing): correct vs incorrect, leave one person out;
3c. UI-PRMD correct vs incorrect per movement, leave one person out (8 people);
4. speed of ``Classifier.classify`` in frames per second (ratio to the fastest).

Run: ``.venv/bin/python bench/classify.py [--quick] [--only 3b,3c]``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.app.datasets import read_dataset
from posecoach.classify import AugmentSettings, cross_validate, evaluate, fit_classifier
from posecoach.classify.augment import DEFAULT_AUGMENTATION
from posecoach.classify.datasets import PoseDataset, dataset_from_sequences, group_kfold
from posecoach.classify.evaluate import compute_metrics
from posecoach.classify.features import LEG_JOINTS
from posecoach.classify.models import get_model
from posecoach.pose import PoseSequence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EC = DATA / "exercise_correction_mediapipe" / "core"
FRAME_MODELS = ["knn", "linear", "gbdt", "mlp"]
QUICK = "--quick" in sys.argv
ONLY = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None


def old_default(train: PoseDataset) -> Any:
    return fit_classifier(train, model="knn")


def new_default(train: PoseDataset, task: str = "posture"):
    """What ``posecoach train`` does now: auto model choice, default augmentation."""
    from posecoach.classify.selection import train_auto

    k = min(5, len(set(train.groups.tolist())))
    clf, _ = train_auto(train, task=task, k=k, augmentation=DEFAULT_AUGMENTATION)
    return clf


def split_scores(ds: PoseDataset, folds, fitters, transform_test=None):
    """{name: Metrics} of each fitter over the same group folds (pooled)."""
    out = {}
    chosen: dict[str, list[str]] = {}
    for name, fit in fitters.items():
        y_true, y_pred = [], []
        for i, (tr, te) in enumerate(folds):
            clf = fit(ds.subset(tr))
            test = ds.subset(te)
            if transform_test is not None:
                test = transform_test(test, i)
            y_pred += clf.predict(list(test.sequences()))
            y_true += test.labels.tolist()
            sel = clf.info.get("model_selection")
            if sel:
                chosen.setdefault(name, []).append(sel["best"])
        out[name] = compute_metrics(np.array(y_true), y_pred, ds.classes)
    return out, chosen


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
    fit = {"m": lambda tr: fit_classifier(tr, model=model, augmentation=aug)}
    drop = (lambda test, i: drop_legs(test)) if legless else None
    return split_scores(ds, group_kfold(ds.groups, k), fit, drop)[0]["m"]


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
        fitters = {m: (lambda tr, m=m: fit_classifier(tr, model=m)) for m in FRAME_MODELS}
        fitters["auto+aug (new default)"] = new_default
        if test is None:
            scores, chosen = split_scores(ds, group_kfold(ds.groups, 5), fitters)
        else:
            scores, chosen = {}, {}
            for m, fit in fitters.items():
                clf = fit(ds)
                scores[m] = evaluate(clf, test)
                if "model_selection" in clf.info:
                    chosen[m] = [clf.info["model_selection"]["best"]]
        for m, sc in scores.items():
            label = m if m not in chosen else f"{m}: {','.join(chosen[m])}"
            print(row(name, label, f"{sc.accuracy:.3f}", f"{sc.macro_f1:.3f}", split), flush=True)
    print("('knn' with no augmentation was the old default)")


def table_legs() -> None:
    print(
        "\n## 2. Legs missing at test time (hips, knees, ankles, feet NaN), ML Kit, GroupKFold 5\n"
    )
    ds = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    aug = AugmentSettings(drop=1.0, drop_parts=("legs",))
    print(row("model", "full", "legless", "legless+aug", "full+aug", widths=(24, 8, 9, 12, 9)))
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
                widths=(24, 8, 9, 12, 9),
            ),
            flush=True,
        )
    folds = group_kfold(ds.groups, 5)
    full, _ = split_scores(ds, folds, {"new": new_default})
    legless, chosen = split_scores(ds, folds, {"new": new_default}, lambda t, i: drop_legs(t))
    print(
        row(
            "auto+default aug (new)",
            f"{full['new'].accuracy:.3f}",
            f"{legless['new'].accuracy:.3f}",
            "",
            "",
            widths=(24, 8, 9, 12, 9),
        )
    )
    print(f"(auto chose {','.join(chosen['new'])}; '+aug' = trained with a legless copy of every")
    print(" training sample; the new default drops the lower body, arms, a side or single joints")
    print(" from a sixth of its augmented samples)")


def views_of(ds: PoseDataset, seed: int) -> PoseDataset:
    from posecoach.classify.augment import random_views

    return random_views(ds, np.random.default_rng(seed))


def table_views() -> None:
    print("\n## 2b. Other camera views at test time (test poses re-projected through a random")
    print("camera: azimuth ±90°, elevation ±20°, roll ±15°), ML Kit, GroupKFold 5\n")
    ds = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    folds = group_kfold(ds.groups, 5)
    widths = (10, 8, 9, 12)
    print(row("model", "as shot", "new view", "new view+aug", widths=widths))

    def new_view(test: PoseDataset, i: int) -> PoseDataset:
        return views_of(test, 100 + i)

    for model in ["knn", "linear", "gbdt", "auto+aug"]:
        plain = {
            model: new_default
            if model == "auto+aug"
            else (lambda tr, m=model: fit_classifier(tr, model=m))
        }
        shot = split_scores(ds, folds, plain)[0][model].accuracy
        view = split_scores(ds, folds, plain, new_view)[0][model].accuracy
        cells = [f"{shot:.3f}", f"{view:.3f}"]
        if model != "auto+aug":
            aug = {
                model: lambda tr, m=model: fit_classifier(
                    tr, model=m, augmentation=AugmentSettings(views=2)
                )
            }
            cells.append(f"{split_scores(ds, folds, aug, new_view)[0][model].accuracy:.3f}")
        print(row(model, *cells, widths=widths), flush=True)
    print("('+aug' = trained with 2 random camera views of every training sample; auto+aug is")
    print(" the new default: model choice, mirror, 2 views, parts dropped)")


def turned(
    ds: PoseDataset, azimuth_deg: float, elevation_deg: float = 0.0, depth: bool = False
) -> PoseDataset:
    """ML Kit's 3D landmarks (x, y down, z depth, pixels) seen by a camera turned about the
    body's vertical axis, then tilted; orthographic, 2D only (``depth``: with the camera's
    depth as a third coordinate, as MediaPipe's world landmarks give)."""
    from posecoach.geometry import hip_center

    pos = ds.positions.astype(np.float64)
    pos = pos - hip_center(pos, ds.skeleton)[:, None]
    a, e = np.radians(azimuth_deg), np.radians(elevation_deg)
    x = np.cos(a) * pos[..., 0] + np.sin(a) * pos[..., 2]
    z = -np.sin(a) * pos[..., 0] + np.cos(a) * pos[..., 2]
    y = np.cos(e) * pos[..., 1] - np.sin(e) * z
    z = np.sin(e) * pos[..., 1] + np.cos(e) * z
    return replace(ds, positions=np.stack([x, y, z] if depth else [x, y], axis=-1))


def table_two_cameras() -> None:
    print("\n## 2c. Trained on two cameras (azimuth 0° and 30°), tested on other people through")
    print("those cameras and through others (ML Kit 3D landmarks turned, 2D only), GroupKFold 5\n")
    from posecoach.classify.augment import concat

    ds = read_dataset(DATA / "mlkit_fitness_pose_samples" / "fitness_pose_samples.csv")
    train_cams, test_cams = (0.0, 30.0), (-30.0, 60.0, 90.0, 45.0)
    fitters = {
        "old default (knn)": (old_default, False),
        "gbdt, no augmentation": (lambda tr: fit_classifier(tr, model="gbdt"), False),
        "auto + default aug (2D)": (new_default, False),
        "auto + default aug (3D)": (new_default, True),
    }
    header = ["same cameras", *(f"az {a:g}°" for a in test_cams), "worst gap"]
    print(row("method", *header, widths=(28, 12, 8, 8, 8, 8, 10)))
    folds = group_kfold(ds.groups, 5)
    for name, (fit, depth) in fitters.items():
        correct: dict[str, list[bool]] = {h: [] for h in header[:-1]}
        for tr, te in folds:
            train = concat([turned(ds.subset(tr), a, depth=depth) for a in train_cams])
            clf = fit(train)
            for h, cams in zip(header[:-1], [train_cams, *((a,) for a in test_cams)], strict=True):
                for a in cams:
                    test = turned(ds.subset(te), a)
                    pred = clf.predict(list(test.sequences()))
                    correct[h] += list(np.array(pred) == test.labels)
        acc = [float(np.mean(v)) for v in correct.values()]
        gap = acc[0] - min(acc[1:])
        cells = [f"{a:.3f}" for a in acc] + [f"{100 * gap:+.1f} pt"]
        print(row(name, *cells, widths=(28, 12, 8, 8, 8, 8, 10)), flush=True)
    print("(2D: training poses as a camera sees them, views made with the learned lifter's")
    print(" depth; 3D: training poses with depth, as world landmarks give; test always 2D;")
    print(" target: worst gap within 3 points of the same-camera accuracy)")


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
    scores, chosen = split_scores(
        ds, group_kfold(ds.groups, 4), {"auto": lambda tr: new_default(tr, task="exercise")}
    )
    m = scores["auto"]
    label = f"auto+aug: {','.join(chosen['auto'])}"
    print(row(label, f"{m.accuracy:.3f}", f"{m.macro_f1:.3f}", widths=(30, 9, 9)), flush=True)


def uiprmd_dataset(
    movement: str,
    subjects: list[str],
    per_kind: int,
    seed: int,
    missing: float = 0.0,
    azimuth: tuple[float, float] | None = None,
) -> PoseDataset:
    """Correct and incorrect repetitions of one UI-PRMD movement in 2D: as the Kinect saw
    them (``azimuth=None``: its own x, y, the camera in front of everyone) or each person
    through a random camera of their own (azimuth in the range, elevation -15..25°);
    ``missing`` of the joints gone in runs of 5-20 frames, as when a 2D detector loses
    occluded joints."""
    sys.path.insert(0, str(ROOT / "bench"))
    from form import project_random  # type: ignore[import-not-found]
    from posecoach.io.uiprmd import read_uiprmd, uiprmd_index

    entries = [e for e in uiprmd_index(DATA / "ui_prmd_kinect") if e.movement == movement]
    rng = np.random.default_rng(seed)
    seqs, labels, groups = [], [], []
    for subj in subjects:
        cam_seed = int(rng.integers(1 << 30))
        for correct in (True, False):
            mine = sorted(
                (e for e in entries if e.subject == subj and e.correct == correct),
                key=lambda e: e.episode,
            )[:per_kind]
            for e in mine:
                s3 = read_uiprmd(e.path)
                scale = 100.0 if float(np.nanmax(np.ptp(s3.positions[0], axis=0))) > 20 else 1.0
                if azimuth is None:  # the Kinect's own view: x right, y up -> image y down
                    flat = s3.positions[..., :2] * np.array([1.0, -1.0])
                    view = PoseSequence(flat, skeleton=s3.skeleton, fps=s3.fps)
                else:
                    view = project_random(
                        s3,
                        np.random.default_rng(cam_seed),
                        scale=scale,
                        azimuth=azimuth,
                        elevation=(-15.0, 25.0),
                    ).replace(world=None)
                pos = view.positions.copy()
                if missing > 0:
                    t, k = pos.shape[:2]
                    gone = np.zeros((t, k), bool)
                    while gone.mean() < missing:
                        j, start = int(rng.integers(k)), int(rng.integers(t))
                        gone[start : start + int(rng.integers(5, 21)), j] = True
                    pos[gone] = np.nan
                seqs.append(view.replace(positions=pos, confidence=None))
                labels.append("correct" if correct else "incorrect")
                groups.append(subj)
    return dataset_from_sequences(seqs, labels, groups, source=f"UI-PRMD {movement}")


def dtw_angles(train: PoseDataset):
    """The baseline the issue names: DTW 1-NN on the joint angles of the side seen best."""
    from posecoach.classify.selection import SEQUENCE_CANDIDATES

    cand = SEQUENCE_CANDIDATES[0]
    return fit_classifier(train, model=cand.model, features=cand.features(train), task="form")


def sequence_table(title: str, sets: list[tuple[str, PoseDataset]]) -> None:
    print(title)
    names = ["old default (knn)", "DTW 1-NN seen-side angles", "auto + default augmentation"]
    print(row("set", *names, "auto chose", widths=(16, 18, 26, 28, 40)))
    totals: dict[str, list[float]] = {n: [] for n in names}
    for label, ds in sets:
        folds = group_kfold(ds.groups, len(set(ds.groups.tolist())))
        fitters = {
            names[0]: old_default,
            names[1]: dtw_angles,
            names[2]: lambda tr: new_default(tr, task="form"),
        }
        scores, chosen = split_scores(ds, folds, fitters)
        cells = [f"{scores[n].accuracy:.3f} / {scores[n].macro_f1:.3f}" for n in names]
        for n in names:
            totals[n].append(scores[n].accuracy)
        picks = ",".join(chosen.get(names[2], []))
        print(row(f"{label} ({ds.n_samples})", *cells, picks, widths=(16, 18, 26, 28, 40)))
        sys.stdout.flush()
    print(
        row(
            "mean accuracy",
            *(f"{np.mean(v):.3f}" for v in totals.values()),
            "",
            widths=(16, 18, 26, 28, 40),
        )
    )
    print("(accuracy / macro F1, pooled over leave-one-person-out folds)")


def uiprmd_movements() -> list[str]:
    return [f"m{i:02d}" for i in (range(1, 11) if not QUICK else (1, 7))]


def table_small_sequences() -> None:
    subjects = ["s01", "s02", "s03"]
    sets = [
        (m, uiprmd_dataset(m, subjects, 4, seed=int(m[1:]), missing=0.25))
        for m in uiprmd_movements()
    ]
    sequence_table(
        "\n## 3b. Small sequence sets: UI-PRMD correct vs incorrect, 3 people x (4 correct + "
        "4 incorrect), 2D as the Kinect in front saw them, 25% of joints missing in runs; "
        "leave one person out\n",
        sets,
    )


def table_uiprmd() -> None:
    subjects = [f"s{i:02d}" for i in range(1, 9)]
    per = 5 if QUICK else 10
    sets = [
        (m, uiprmd_dataset(m, subjects, per, seed=100 + int(m[1:]), azimuth=(-30.0, 30.0)))
        for m in uiprmd_movements()
    ]
    sequence_table(
        f"\n## 3c. UI-PRMD correct vs incorrect per movement, 8 people x ({per} correct + {per} "
        "incorrect), 2D, each person through a camera of their own (azimuth ±30°, elevation "
        "-15..25°); leave one person out\n",
        sets,
    )


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
    tables = {
        "1": table_accuracy,
        "2": table_legs,
        "2b": table_views,
        "2c": table_two_cameras,
        "3": table_sequences,
        "3b": table_small_sequences,
        "3c": table_uiprmd,
        "4": table_speed,
    }
    for key, table in tables.items():
        if ONLY is None or key in ONLY:
            table()
    print(f"\ntotal {time.time() - t0:.0f} s")
