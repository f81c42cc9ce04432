"""Calibrate posecoach's 0-100 score on real labelled data.

Run: ``.venv/bin/python bench/calibrate_score.py`` (needs ../shared/data; the Pose2Sim
part also needs the sample videos and MediaPipe, and is skipped without them).

1. Exercise-correction frames (MediaPipe, ../shared/data/exercise_correction_mediapipe):
   consecutive rows with one label are cut into windows of up to 30 frames; each window
   is compared (full ``compare`` pipeline: DTW matched inside the reference, spatial
   alignment, errors) with a reference made of correct frames (plank: the separate
   ``kaggle.csv`` correct frames; bicep curl and lunge: the longest run of correct frames
   in the file, which is then left out of the attempts). A window's distance is the mean
   of its frame distances. ROC AUC = how well the distance separates correct windows
   from windows labelled with an error. Several frame-distance definitions are tried
   side by side: position error only, angle difference only, and their sum with an angle
   weight, each as a mean or a root mean square over joints.
2. The chosen definition's distance is mapped to 0-100 by ``100 / (1 + (d / D50)^SHAPE)``
   with D50 the geometric mean of the median correct and median error distances and SHAPE
   set so a median correct window scores 85 (and so, symmetrically, a median error window
   15).
3. Checks that need no labels: Keraal (same trial seen by three 2D estimators = same
   movement vs different exercises; AUC) and the Pose2Sim demo (one movement seen by four
   cameras, and a second take): these should score high.

It prints the tables and the constants to paste into ``src/posecoach/score.py``.
"""

from __future__ import annotations

import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
EXERCISES = SHARED / "exercise_correction_mediapipe" / "core"
KERAAL = SHARED / "keraal_rehab_sample" / "draw_skeleton" / "dataSampleKeraal"
WINDOW = 30
MIN_WINDOW = 10
GOOD_TARGET = 85.0

warnings.filterwarnings("ignore")


def auc(good: np.ndarray, bad: np.ndarray) -> float:
    """ROC AUC that a bad item has a larger distance than a good one (ties count half)."""
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.zeros(len(good)), np.ones(len(bad))]
    return float(roc_auc_score(y, np.r_[good, bad]))


def runs(labels: list[str]) -> list[tuple[int, int, str]]:
    """Contiguous runs ``(start, end, label)`` of one label."""
    out = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i, labels[start]))
            start = i
    return out


def windows(seq, labels: list[str]):
    """``(window, label, (run_start, run_end))`` for every window of every run."""
    for start, end, label in runs(labels):
        for a in range(start, end, WINDOW):
            b = min(a + WINDOW, end)
            if b - a >= MIN_WINDOW:
                yield seq.frames(slice(a, b)), label, (start, end)


def components(reference, attempt) -> dict[str, np.ndarray]:
    """Per-frame error summaries of one comparison (position in torso lengths, degrees)."""
    from posecoach.compare import compare

    res = compare(reference, attempt, reps=False)
    fs = res.frames
    w = np.where(np.isfinite(fs.joint_errors), fs.weights, 0.0)
    e = np.nan_to_num(fs.joint_errors)
    # Frames where nobody is visible on a side are NaN (left out), never 0.
    tot = np.where(w.sum(axis=1) > 0, w.sum(axis=1), np.nan)
    a = np.abs(fs.angle_diffs)
    ok = np.isfinite(a)
    na = np.where(ok.sum(axis=1) > 0, ok.sum(axis=1), np.nan)
    a0 = np.where(ok, a, 0.0)
    return {
        "pos_mean": (w * e).sum(axis=1) / tot,
        "pos_rms": np.sqrt((w * e**2).sum(axis=1) / tot),
        "pos_max": np.where(np.isfinite(tot), np.where(w > 0, e, 0.0).max(axis=1), np.nan),
        "ang_mean": a0.sum(axis=1) / na,
        "ang_rms": np.sqrt((a0**2).sum(axis=1) / na),
        "ang_max": np.where(np.isfinite(na), a0.max(axis=1), np.nan),
    }


DEFINITIONS: dict[str, tuple[str, float | None]] = {
    # name: (aggregate, degrees per torso length; None = position only, 0 = angle only)
    "pos mean": ("mean", None),
    "pos rms": ("rms", None),
    "ang mean": ("mean", 0.0),
    "ang rms": ("rms", 0.0),
    "mean, 30°/torso": ("mean", 30.0),
    "mean, 60°/torso": ("mean", 60.0),
    "mean, 120°/torso": ("mean", 120.0),
    "rms, 30°/torso": ("rms", 30.0),
    "rms, 60°/torso": ("rms", 60.0),
    "rms, 120°/torso": ("rms", 120.0),
    "max, 60°/torso": ("max", 60.0),
    "max, 120°/torso": ("max", 120.0),
    "max, 240°/torso": ("max", 240.0),
}


def distance(c: dict[str, np.ndarray], aggregate: str, per_deg: float | None) -> float:
    pos, ang = c[f"pos_{aggregate}"], c[f"ang_{aggregate}"]
    if per_deg is None:
        d = pos
    elif per_deg == 0.0:
        d = ang
    else:
        d = pos + ang / per_deg
    return float(np.nanmean(d))


def exercise_sets():
    """``{name: [(reference, window, label)]}``.

    Plank: the reference is the separate file of correct frames (kaggle.csv). Bicep curl
    and lunge have one file each: the reference for a window is every correct frame of
    the file outside the window's own run (leave one run out).
    """
    from posecoach.io.mediapipe_landmarks import read_exercise_correction_csv

    sets = {}
    plank_ref, _ = read_exercise_correction_csv(EXERCISES / "plank_model" / "kaggle.csv")
    plank, plank_labels = read_exercise_correction_csv(EXERCISES / "plank_model" / "test.csv")
    sets["plank (C vs L/H)"] = [(plank_ref, w, lab) for w, lab, _ in windows(plank, plank_labels)]
    for name, path in (
        ("bicep curl (C vs L)", EXERCISES / "bicep_model" / "test.csv"),
        ("lunge (C vs L)", EXERCISES / "lunge_model" / "err.test.csv"),
    ):
        seq, labels = read_exercise_correction_csv(path)
        good = np.array([lab == "C" for lab in labels])
        items = []
        for w, lab, (a, b) in windows(seq, labels):
            keep = good.copy()
            keep[a:b] = False
            items.append((seq.frames(np.flatnonzero(keep)), w, lab))
        sets[name] = items
    return sets


def keraal_items() -> list[tuple[dict[str, np.ndarray], bool, str]]:
    """Keraal pairs: (components, different exercise?, label)."""
    if not KERAAL.exists():
        return []
    from posecoach.io.keraal import read_keraal

    seqs = {}
    for est in ("BP", "OP", "AP"):
        for ex in ("CTK", "ELK", "RTK"):
            path = KERAAL / f"G3-{est}-{ex}-P1T1-Unknown-C-0.json"
            if path.exists():
                seqs[(est, ex)] = read_keraal(path)
    items = []
    for (ka, a), (kb, b) in itertools.permutations(seqs.items(), 2):
        if ka[1] == kb[1] or ka[0] == kb[0]:  # same exercise other estimator, or vice versa
            items.append((components(a, b), ka[1] != kb[1], f"{ka[0]}-{ka[1]} vs {kb[0]}-{kb[1]}"))
    return items


def pose2sim_items() -> list[tuple[dict[str, np.ndarray], str]]:
    try:
        from posecoach.sample_data import fetch

        samples = fetch()
        items = []
        for key in (
            "single/cam02",
            "single/cam03",
            "single/cam04",
            "multi/cam01",
            "multi/cam02",
            "multi/cam03",
            "multi/cam04",
        ):
            items.append((components(samples["single/cam01"], samples[key]), key))
        return items
    except Exception as exc:
        print(f"Pose2Sim samples unavailable ({exc}); skipped")
        return []


def kinect_table() -> None:
    """Keraal Kinect: reference repetitions against each other and against the trials
    (scored with the constants currently in score.py)."""
    from posecoach.compare import compare
    from posecoach.io.keraal import read_keraal

    base = SHARED / "keraal_rehab_sample"
    paths = sorted((base / "evaluation_mouvements_gmm_matlab" / "data").glob("*/*.txt"))
    if not paths:
        return
    refs = {f"{p.parent.name[:6]}/{p.stem[-1]}": read_keraal(p) for p in paths}
    trials = {p.stem.split("-")[2]: read_keraal(p) for p in sorted(KERAAL.glob("G3-Kinect-*.txt"))}
    names = list(refs)
    print("\nKeraal Kinect 3D, score of row (attempt) against column (reference repetition):")
    print(f"{'':<10}" + "".join(f"{n:>10}" for n in names))
    for label, seq in [*refs.items(), *(("trial " + k, v) for k, v in trials.items())]:
        row = [compare(refs[n], seq).score for n in names]
        print(f"{label:<10}" + "".join(f"{x:>10.0f}" for x in row))


def main() -> int:
    if not EXERCISES.exists():
        print(f"shared data not found at {SHARED}; nothing to calibrate")
        return 1
    t0 = time.perf_counter()
    comps: dict[str, list[tuple[dict[str, np.ndarray], bool]]] = {}
    for name, items in exercise_sets().items():
        comps[name] = [(components(ref, w), label != "C") for ref, w, label in items]
        n_bad = sum(b for _, b in comps[name])
        print(
            f"{name}: reference {items[0][0].n_frames} frames, {len(items) - n_bad} "
            f"correct and {n_bad} error windows"
        )
    ker = keraal_items()
    print(
        f"Keraal: {sum(not b for _, b, _ in ker)} same-exercise pairs (other 2D estimator), "
        f"{sum(b for _, b, _ in ker)} other-exercise pairs (same estimator)"
    )
    p2s = pose2sim_items()

    print("\nROC AUC of the distance, per frame-distance definition")
    names = [n.split(" ")[0] for n in comps] + ["Keraal"]
    print(f"{'definition':<18}" + "".join(f"{n:>9}" for n in names) + f"{'mean':>9}")
    best = None
    for dname, (agg, per_deg) in DEFINITIONS.items():
        aucs = []
        for items in comps.values():
            d = np.array([distance(c, agg, per_deg) for c, _ in items])
            bad = np.array([b for _, b in items])
            aucs.append(auc(d[~bad], d[bad]))
        if ker:
            d = np.array([distance(c, agg, per_deg) for c, _, _ in ker])
            other = np.array([b for _, b, _ in ker])
            aucs.append(auc(d[~other], d[other]))
        mean = float(np.mean(aucs))
        print(f"{dname:<18}" + "".join(f"{a:>9.3f}" for a in aucs) + f"{mean:>9.3f}")
        if per_deg not in (None, 0.0) and (best is None or mean > best[0]):
            best = (mean, dname, agg, per_deg)
    assert best is not None
    _, dname, agg, per_deg = best
    same = [distance(c, agg, per_deg) for c, b, _ in ker if not b]
    same += [distance(c, agg, per_deg) for c, key in p2s if key.startswith("single")]
    other_dist = [distance(c, agg, per_deg) for c, b, _ in ker if b]
    g, b = float(np.median(same)), float(np.median(other_dist))
    d50 = float(np.sqrt(g * b))
    shape = float(np.log(100.0 / GOOD_TARGET - 1.0) / np.log(g / d50))
    print(f"\nchosen: {dname} (best mean AUC among definitions using both parts)")
    print(
        f"anchors: same movement seen by another camera/estimator, median distance {g:.3f} "
        f"-> {GOOD_TARGET:.0f}; another exercise, median {b:.3f} -> {100 - GOOD_TARGET:.0f}"
    )

    def to_score(d):
        return 100.0 / (1.0 + (np.maximum(np.asarray(d, dtype=float), 0) / d50) ** shape)

    print(f"\n{'data set':<24}{'AUC':>7}{'correct: median (IQR)':>24}{'error: median (IQR)':>22}")
    for name, items in comps.items():
        d = np.array([distance(c, agg, per_deg) for c, _ in items])
        bad = np.array([b for _, b in items])
        sg, sb = to_score(d[~bad]), to_score(d[bad])
        print(
            f"{name:<24}{auc(d[~bad], d[bad]):>7.3f}"
            f"{np.median(sg):>12.0f} ({np.percentile(sg, 25):.0f}-{np.percentile(sg, 75):.0f})"
            f"{np.median(sb):>12.0f} ({np.percentile(sb, 25):.0f}-{np.percentile(sb, 75):.0f})"
        )
    if ker:
        d = np.array([distance(c, agg, per_deg) for c, _, _ in ker])
        oth = np.array([b for _, b, _ in ker])
        ss, so = to_score(d[~oth]), to_score(d[oth])
        print(
            f"{'Keraal same vs other ex.':<24}{auc(d[~oth], d[oth]):>7.3f}"
            f"{np.median(ss):>12.0f} ({np.percentile(ss, 25):.0f}-{np.percentile(ss, 75):.0f})"
            f"{np.median(so):>12.0f} ({np.percentile(so, 25):.0f}-{np.percentile(so, 75):.0f})"
        )
    if p2s:
        print("\nPose2Sim demo, reference single/cam01 (MediaPipe 3D world landmarks):")
        for c, key in p2s:
            print(
                f"  {key:<14} distance {distance(c, agg, per_deg):.3f}  "
                f"score {float(to_score(distance(c, agg, per_deg))):.0f}"
            )
    kinect_table()
    print("\nconstants for src/posecoach/score.py:")
    print(f"AGGREGATE = {agg!r}")
    print(f"ANGLE_DEG_PER_TORSO = {per_deg}")
    print(f"D50 = {d50:.4f}")
    print(f"SHAPE = {shape:.4f}")
    print(f"(took {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
