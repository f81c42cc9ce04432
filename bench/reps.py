"""Repetition counting benchmark: exact-count rate and mean absolute error, methods side by side.

1. Synthetic stick-figure exercises (squat, curl, arm raise) with known counts 1-8, random
   repetition speeds and three noise levels: state classifier with hysteresis (enter 0.6 /
   leave 0.4) against the same classifier with one threshold (0.5 / 0.5), with and
   without temporal smoothing, and against reference-repetition DTW.
2. Real repetitions: the Keraal Kinect reference repetitions (two exercises, three
   repetitions each) concatenated, counted from one repetition used as the reference
   (leave-one-out: the other two, expected 2; all three, expected 3).

Run: ``.venv/bin/python bench/reps.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.classify import fit_classifier
from posecoach.classify.datasets import dataset_from_sequences
from posecoach.classify.synthetic import EXERCISES, exercise_sequence
from posecoach.compare.reps import count_reps_with_model, count_reps_with_reference
from posecoach.pose import PoseSequence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def summary(errors: list[int]) -> tuple[float, float]:
    e = np.abs(np.array(errors))
    return float(np.mean(e == 0)), float(np.mean(e))


def drop_random_joints(
    seq: PoseSequence, rng: np.random.Generator, p: float, p_frame: float = 0.03
) -> PoseSequence:
    pos = seq.positions.copy()
    pos[rng.random(pos.shape[:2]) < p] = np.nan
    pos[rng.random(len(pos)) < p_frame] = np.nan  # detector missed the person
    return seq.replace(positions=pos, confidence=None)


def synthetic() -> None:
    print(
        "\n## 1. Synthetic repetitions (counts 1-8, 3 exercises, random speeds; 2% of joints and"
        "\n3% of whole frames missing)\n"
    )
    rng = np.random.default_rng(0)
    models = {}
    for ex in EXERCISES:
        seqs, labels = zip(*(exercise_sequence(3, ex, rng=rng) for _ in range(3)), strict=True)
        ds = dataset_from_sequences(list(seqs), ["x"] * 3, level="frame", frame_labels=list(labels))
        models[ex] = fit_classifier(ds, model="knn")
    refs = {ex: exercise_sequence(1, ex, rest_s=0.05, noise_px=0.0, rng=rng)[0] for ex in EXERCISES}
    methods: dict[str, dict[str, Any] | None] = {
        "hysteresis 0.6/0.4, smooth 0.2 s": {"enter": 0.6, "leave": 0.4, "smooth_s": 0.2},
        "hysteresis 0.6/0.4, no smoothing": {"enter": 0.6, "leave": 0.4, "smooth_s": 0.0},
        "threshold 0.5, smooth 0.2 s": {"enter": 0.5, "leave": 0.5, "smooth_s": 0.2},
        "threshold 0.5, no smoothing": {"enter": 0.5, "leave": 0.5, "smooth_s": 0.0},
        "reference rep (DTW)": None,
    }
    print(f"{'method':<36}{'noise px':>9}{'exact':>8}{'MAE':>7}{'n':>5}{'s/seq':>8}")
    for noise in (2.0, 8.0, 16.0):
        cases = []
        for ex in EXERCISES:
            for n in range(1, 9):
                seq, _ = exercise_sequence(
                    n, ex, noise_px=noise, rep_s=rng.uniform(1.2, 2.5), rng=rng
                )
                cases.append((ex, n, drop_random_joints(seq, rng, 0.02)))
        for name, kw in methods.items():
            errs = []
            t = time.perf_counter()
            for ex, n, seq in cases:
                if kw is None:
                    got = count_reps_with_reference(seq, refs[ex]).count
                else:
                    got = count_reps_with_model(seq, models[ex], **kw).count
                errs.append(got - n)
            dt = (time.perf_counter() - t) / len(cases)
            exact, mae = summary(errs)
            print(
                f"{name:<36}{noise:>9.0f}{exact:>8.2f}{mae:>7.2f}{len(cases):>5}{dt:>8.3f}",
                flush=True,
            )


def keraal() -> None:
    from posecoach.io.keraal import read_keraal

    print("\n## 2. Real repetitions: Keraal Kinect reference reps, reference = one repetition\n")
    root = DATA / "keraal_rehab_sample" / "evaluation_mouvements_gmm_matlab" / "data"
    print(f"{'exercise':<14}{'reference':>10}{'attempt':>22}{'expected':>9}{'counted':>8}")
    errors = []
    for folder in sorted(root.iterdir()):
        reps = [read_keraal(f) for f in sorted(folder.glob("SkeletonSequence*.txt"))]
        for i, ref in enumerate(reps):
            for attempt_ids in ([j for j in range(len(reps)) if j != i], list(range(len(reps)))):
                parts = [reps[j] for j in attempt_ids]
                pos = np.concatenate([p.positions for p in parts])
                seq = PoseSequence(pos, skeleton=parts[0].skeleton, fps=parts[0].fps, space="world")
                got = count_reps_with_reference(seq, ref).count
                errors.append(got - len(parts))
                names = "+".join(f"rep{j + 1}" for j in attempt_ids)
                print(
                    f"{folder.name:<14}{'rep' + str(i + 1):>10}{names:>22}{len(parts):>9}{got:>8}"
                )
    exact, mae = summary(errors)
    print(f"exact-count rate {exact:.2f}, MAE {mae:.2f} over {len(errors)} attempts")


if __name__ == "__main__":
    t0 = time.time()
    synthetic()
    if DATA.exists():
        keraal()
    else:
        print(f"shared data not found at {DATA}: real repetitions skipped")
    print(
        "\nNot measured on real data: the exercise-correction squat CSVs hold short clips of one"
        "\nstage each (labels change only at jumps between clips), not continuous repetitions;"
        "\nthe Pose2Sim demo videos are 100 frames (1.7 s) without repetitions."
    )
    print(f"\ntotal {time.time() - t0:.0f} s")
    sys.exit(0)
