"""Issue 13: the OLD position score and the NEW form score side by side on real data.

Run: ``.venv/bin/python bench/form.py [--quick] [--sections 1,3]`` (needs ../shared/data;
section 1 also needs the Pose2Sim demo videos and MediaPipe, cached after the first run).

- OLD: the position + angle distance after spatial alignment (``compare(...).info
  ["position_score"]``, which is what ``compare(...).score`` was before the form score
  became the headline; with ``reps=False``).
- NEW: :func:`posecoach.compare.form.assess_form` against a
  :class:`~posecoach.compare.form.FormModel` learned from the reference(s).

Sections (each prints a table, or the reason it was skipped):

1. Pose2Sim demo: the same take seen by views 2-4 against view 1, and the second take,
   in 2D and 3D: scores and, for NEW, the number of quantities with a sustained
   ``|z| > 2`` (at least 0.5 s; a proxy for false cues).
2. Keraal: the same exercise seen by another 2D estimator vs a different exercise.
3. Exercise correction (MediaPipe, real labelled errors): ROC AUC of correct vs error
   windows, and again with the attempt windows' left/right labels swapped.
4. UI-PRMD (when ``posecoach.io.uiprmd`` exists): leave-one-subject-out AUC of correct
   vs incorrect repetitions, library of other subjects' correct repetitions; 3D and 2D
   through random cameras.
5. CMU motion capture: another take / another person seen through random cameras, half
   with a planted error of 10-30°: AUC, and whether NEW names the planted joint.

6. The camera noise per quantity (Pose2Sim 4-view spread), against the values shipped in
   ``compare/data/form_noise.json``.

A summary table (rows = checks; OLD, NEW, target) ends the output.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
KERAAL = SHARED / "keraal_rehab_sample" / "draw_skeleton" / "dataSampleKeraal"
EXERCISES = SHARED / "exercise_correction_mediapipe" / "core"
UIPRMD = SHARED / "ui_prmd_kinect"
CMU = SHARED / "cmu_mocap_bvh"

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore")

from posecoach.pose import PoseSequence  # noqa: E402

#: |z| beyond which a quantity counts as a cue, and for how long it must last.
Z_CUE = 2.0
CUE_SECONDS = 0.5


# ----------------------------------------------------------------------------- summary
@dataclass
class Check:
    """One row of the summary table."""

    name: str
    old: str
    new: str
    target: str


SUMMARY: list[Check] = []


def fmt(x: float | None, digits: int = 0) -> str:
    """A number for a table, ``-`` when missing."""
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:.{digits}f}"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> None:
    """Print a fixed-width table; the first column is left-aligned."""

    def line(cells: Sequence[Any]) -> str:
        out = []
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
            out.append(f"{c!s:<{w}}" if i == 0 else f"{c!s:>{w}}")
        return "".join(out)

    print(line(header))
    for r in rows:
        print(line(r))


def auc(good: Sequence[float] | np.ndarray, bad: Sequence[float] | np.ndarray) -> float:
    """ROC AUC that a bad item has a larger distance than a good one (ties count half)."""
    g = np.asarray(good, dtype=float)
    b = np.asarray(bad, dtype=float)
    g, b = np.nan_to_num(g, nan=np.inf), np.nan_to_num(b, nan=np.inf)
    if len(g) == 0 or len(b) == 0:
        return float("nan")
    from calibrate_score import auc as _auc  # the project's one definition

    return float(_auc(g, b))


# ----------------------------------------------------------------------------- scoring
def strip_world(seq: PoseSequence) -> PoseSequence:
    """The sequence without its 3D world landmarks (2D only)."""
    return seq.replace(world=None) if seq.world is not None else seq


def old_score(reference: PoseSequence, attempt: PoseSequence, use_world: bool) -> float:
    """The OLD position+angle score (in 3D when both sides have world landmarks)."""
    from posecoach.compare import compare

    ref, att = (reference, attempt) if use_world else (strip_world(reference), strip_world(attempt))
    try:
        res = compare(ref, att, reps=False)
    except Exception as exc:  # a failure is a data point, never a crash of the benchmark
        print(f"    OLD failed: {type(exc).__name__}: {exc}")
        return float("nan")
    return float(res.info.get("position_score", res.score))


def form_model(references: Sequence[PoseSequence], use_world: bool) -> Any:
    """The NEW model of what correct looks like."""
    from posecoach.compare.form import FormModel

    refs = list(references) if use_world else [strip_world(r) for r in references]
    return FormModel.from_references(refs, use_world=use_world)


def new_assess(model: Any, attempt: PoseSequence) -> Any:
    """The NEW assessment of an attempt (2D when the model is 2D)."""
    from posecoach.compare.form import assess_form

    return assess_form(model, attempt if model.in_3d else strip_world(attempt))


def mean_excess(a: Any) -> float:
    """Mean per-frame excess of an assessment (a distance; NaN without usable frames)."""
    e = np.asarray(a.excess, dtype=float)
    return float(np.nanmean(e)) if np.isfinite(e).any() else float("nan")


def sustained_cues(a: Any, times: np.ndarray) -> list[str]:
    """Quantities with ``|z| > Z_CUE`` for at least ``CUE_SECONDS`` without a break."""
    z = np.abs(np.asarray(a.z, dtype=float))
    t = np.asarray(times, dtype=float)
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    out = []
    for j, name in enumerate(a.names):
        over = np.nan_to_num(z[:, j], nan=0.0) > Z_CUE
        start = None
        for i in range(len(over) + 1):
            if i < len(over) and over[i]:
                start = i if start is None else start
            elif start is not None:
                if t[i - 1] - t[start] + dt >= CUE_SECONDS - 1e-9:
                    out.append(name)
                    break
                start = None
    return out


def relabel_mirror(seq: PoseSequence) -> PoseSequence:
    """The same positions with left and right joint labels swapped."""
    perm = seq.skeleton.mirror_permutation()
    world = None if seq.world is None else seq.world[:, perm]
    return seq.replace(
        positions=seq.positions[:, perm], confidence=seq.confidence[:, perm], world=world
    )


# ----------------------------------------------------------------------------- section 1
def section_pose2sim(quick: bool) -> None:
    print("\n== 1. Pose2Sim demo: one take, four synchronised views; a second take ==")
    try:
        from posecoach.extract import extract
        from posecoach.sample_data import fetch

        paths = fetch()
        keys = [f"{take}/cam0{k}" for take in ("single", "multi") for k in range(1, 5)]
        seqs = {k: extract(paths[k]) for k in keys}
    except Exception as exc:
        print(f"skipped: Pose2Sim videos or MediaPipe unavailable ({type(exc).__name__}: {exc})")
        return
    ref = seqs["single/cam01"]
    rows = []
    res: dict[tuple[str, bool], tuple[float, float, int, list[str]]] = {}
    for use_world in (False, True):
        model = form_model([ref], use_world)
        for key in keys[1:]:
            att = seqs[key]
            a = new_assess(model, att)
            cues = sustained_cues(a, att.timestamps)
            res[(key, use_world)] = (old_score(ref, att, use_world), a.score, len(cues), cues)
    for key in keys[1:]:
        o2, n2, c2, q2 = res[(key, False)]
        o3, n3, c3, q3 = res[(key, True)]
        rows.append(
            [key, fmt(o2), fmt(n2), c2, fmt(o3), fmt(n3), c3, ", ".join(sorted(set(q2 + q3)))[:60]]
        )
    print("reference single/cam01 (MediaPipe); cues = quantities with |z|>2 for >=0.5 s")
    table(
        ["attempt", "OLD 2D", "NEW 2D", "cues", "OLD 3D", "NEW 3D", "cues", "  cue quantities"],
        rows,
        [14, 8, 8, 6, 8, 8, 6, 62],
    )
    same = keys[1:4]
    other = keys[4:]
    for use_world, dim in ((False, "2D"), (True, "3D")):
        o = [res[(k, use_world)][0] for k in same]
        n = [res[(k, use_world)][1] for k in same]
        c = [res[(k, use_world)][2] for k in same]
        SUMMARY.append(
            Check(f"P2S same take {dim}: min score views 2-4", fmt(min(o)), fmt(min(n)), ">= 90")
        )
        SUMMARY.append(Check(f"P2S same take {dim}: max sustained cues", "-", str(max(c)), "<= 1"))
        o = [res[(k, use_world)][0] for k in other]
        n = [res[(k, use_world)][1] for k in other]
        c = [res[(k, use_world)][2] for k in other]
        SUMMARY.append(
            Check(
                f"P2S second take {dim}: median score",
                fmt(float(np.median(o))),
                fmt(float(np.median(n))),
                "high (info)",
            )
        )
        SUMMARY.append(
            Check(f"P2S second take {dim}: max sustained cues", "-", str(max(c)), "info")
        )


# ----------------------------------------------------------------------------- section 2
def section_keraal(quick: bool) -> None:
    print("\n== 2. Keraal: same exercise by another 2D estimator vs a different exercise ==")
    if not KERAAL.exists():
        print(f"skipped: {KERAAL} not found")
        return
    from posecoach.io.keraal import read_keraal

    seqs: dict[tuple[str, str], PoseSequence] = {}
    for est in ("BP", "OP", "AP"):
        for ex in ("CTK", "ELK", "RTK"):
            path = KERAAL / f"G3-{est}-{ex}-P1T1-Unknown-C-0.json"
            if path.exists():
                seqs[(est, ex)] = strip_world(read_keraal(path))
    if len(seqs) < 2:
        print("skipped: fewer than two Keraal 2D files")
        return
    rows = []
    same_o: list[float] = []
    same_n: list[float] = []
    diff_o: list[float] = []
    diff_n: list[float] = []
    same_e: list[float] = []
    diff_e: list[float] = []
    for (ka, a), (kb, b) in itertools.permutations(seqs.items(), 2):
        if not (ka[1] == kb[1] or ka[0] == kb[0]):
            continue
        other = ka[1] != kb[1]
        o = old_score(a, b, False)
        asm = new_assess(form_model([a], False), b)
        n, e = asm.score, mean_excess(asm)
        (diff_o if other else same_o).append(o)
        (diff_n if other else same_n).append(n)
        (diff_e if other else same_e).append(e)
        kind = "other exercise" if other else "same, other est."
        rows.append([f"{ka[0]}-{ka[1]} vs {kb[0]}-{kb[1]}", kind, fmt(o), fmt(n), fmt(e, 2)])
    table(["reference vs attempt", "pair", "OLD", "NEW", "NEW exc"], rows, [22, 18, 7, 7, 9])
    a_old = auc(-np.asarray(same_o), -np.asarray(diff_o))
    a_new = auc(-np.asarray(same_n), -np.asarray(diff_n))
    a_exc = auc(same_e, diff_e)
    print(
        f"AUC same vs other exercise: OLD {a_old:.3f}  NEW (score) {a_new:.3f}  "
        f"NEW (mean excess) {a_exc:.3f}"
    )
    print(
        f"median score, same exercise: OLD {np.median(same_o):.0f}  NEW {np.median(same_n):.0f};"
        f" other exercise: OLD {np.median(diff_o):.0f}  NEW {np.median(diff_n):.0f}"
    )
    SUMMARY.extend(
        [
            Check(
                "Keraal same ex., other estimator: median",
                fmt(float(np.median(same_o))),
                fmt(float(np.median(same_n))),
                "high",
            ),
            Check(
                "Keraal other exercise: median score",
                fmt(float(np.median(diff_o))),
                fmt(float(np.median(diff_n))),
                "< 30",
            ),
            Check("Keraal AUC same vs other exercise", fmt(a_old, 3), fmt(a_new, 3), ">= 0.9"),
        ]
    )


# ----------------------------------------------------------------------------- section 3
def section_exercises(quick: bool) -> None:
    print("\n== 3. Exercise correction (MediaPipe): correct vs labelled-error windows ==")
    if not EXERCISES.exists():
        print(f"skipped: {EXERCISES} not found")
        return
    from calibrate_score import exercise_sets

    rng = np.random.default_rng(3)
    rows = []
    for name, items in exercise_sets().items():
        if quick and len(items) > 40:
            items = [items[i] for i in sorted(rng.choice(len(items), 40, replace=False))]
        bad = np.array([lab != "C" for _, _, lab in items])
        d: dict[str, list[float]] = {
            k: [] for k in ("old", "new", "exc", "old_m", "new_m", "exc_m")
        }
        mirrored = 0
        for ref, w, _ in items:
            model = form_model([ref], False)
            wm = relabel_mirror(w)
            d["old"].append(-old_score(ref, w, False))
            d["old_m"].append(-old_score(ref, wm, False))
            a = new_assess(model, w)
            am = new_assess(model, wm)
            mirrored += bool(am.mirrored)
            d["new"].append(-a.score)
            d["exc"].append(mean_excess(a))
            d["new_m"].append(-am.score)
            d["exc_m"].append(mean_excess(am))
        aucs = {k: auc(np.asarray(v)[~bad], np.asarray(v)[bad]) for k, v in d.items()}
        short = name.split(" (")[0]
        rows.append(
            [
                name,
                f"{(~bad).sum()}/{bad.sum()}",
                fmt(aucs["old"], 3),
                fmt(aucs["new"], 3),
                fmt(aucs["exc"], 3),
                fmt(aucs["old_m"], 3),
                fmt(aucs["new_m"], 3),
                fmt(aucs["exc_m"], 3),
                f"{mirrored}/{len(items)}",
            ]
        )
        SUMMARY.append(
            Check(f"ExCorr {short}: AUC", fmt(aucs["old"], 3), fmt(aucs["new"], 3), ">= 0.9")
        )
        SUMMARY.append(
            Check(
                f"ExCorr {short}: AUC drop, sides swapped",
                fmt(aucs["old"] - aucs["old_m"], 3),
                fmt(aucs["new"] - aucs["new_m"], 3),
                "~ 0",
            )
        )
    print("AUC of the distance (OLD: -score; NEW: -score and mean excess); 'swapped' = the")
    print("attempt windows with left/right joint labels swapped; 'mirr.' = NEW chose mirror")
    table(
        [
            "exercise",
            "C/err",
            "OLD",
            "NEW",
            "NEW exc",
            "OLD swp",
            "NEW swp",
            "exc swp",
            "mirr.",
        ],
        rows,
        [22, 9, 8, 8, 9, 9, 9, 9, 9],
    )


# ----------------------------------------------------------------------------- cameras
def _up_of(seq: PoseSequence) -> tuple[float, float, float]:
    up = seq.metadata.get("up")
    if isinstance(up, list | tuple) and len(up) == 3:
        return (float(up[0]), float(up[1]), float(up[2]))
    if seq.metadata.get("y_up") is False:
        return (0.0, -1.0, 0.0)
    return (0.0, 1.0, 0.0)


def project_random(
    seq: PoseSequence,
    rng: np.random.Generator,
    *,
    scale: float,
    azimuth: float | tuple[float, float] = (-180.0, 180.0),
    elevation: float | tuple[float, float] = (-30.0, 30.0),
) -> PoseSequence:
    """``seq`` (3D, ``scale`` units per metre) as a camera sees it (2D + camera-axis world).

    Roll is 0 (an upright camera); the distance is 3-6 m from the subject's mean hips.
    """
    from posecoach.align.cameras import random_camera
    from posecoach.align.synthetic import project_view
    from posecoach.geometry import hip_center

    target = np.nanmean(hip_center(seq.positions, seq.skeleton), axis=0)
    cam = random_camera(
        rng,
        azimuth_deg=azimuth,
        elevation_deg=elevation,
        roll_deg=0.0,
        distance=(3.0 * scale, 6.0 * scale),
        focal=(800.0, 1600.0),
        target=target,
        up=_up_of(seq),
    )
    view = project_view(seq, cam, world_scale=1.0 / scale)
    meta = {k: v for k, v in view.metadata.items() if k not in ("up", "y_up")}
    meta["y_up"] = False  # camera axes: y down, in the image and in the world landmarks
    return view.replace(metadata=meta)


# ----------------------------------------------------------------------------- section 4
def _field(entry: Any, name: str, pos: int) -> Any:
    if isinstance(entry, dict):
        return entry[name]
    if hasattr(entry, name):
        return getattr(entry, name)
    return entry[pos]


def _movement(m: Any) -> str:
    if isinstance(m, int | np.integer):
        return f"m{int(m):02d}"
    s = str(m)
    return s if s.startswith("m") else f"m{int(s):02d}"


def section_uiprmd(quick: bool) -> None:
    print("\n== 4. UI-PRMD (Kinect): correct vs incorrect, leave one subject out ==")
    if not UIPRMD.exists():
        print(f"skipped: {UIPRMD} not found")
        return
    try:
        mod = importlib.import_module("posecoach.io.uiprmd")
        read: Callable[[Any], PoseSequence] = mod.read_uiprmd
        entries = list(mod.uiprmd_index(UIPRMD))
    except Exception as exc:
        print(f"skipped: reader posecoach.io.uiprmd absent or broken ({type(exc).__name__}: {exc})")
        return
    index: dict[str, list[tuple[Any, str, bool, int]]] = {}
    try:
        for e in entries:
            m = _movement(_field(e, "movement", 1))
            subj = str(_field(e, "subject", 2))
            epi = int(str(_field(e, "episode", 3)).lstrip("e"))
            ok = bool(_field(e, "correct", 4))
            index.setdefault(m, []).append((_field(e, "path", 0), subj, ok, epi))
        first = read(next(iter(index.values()))[0][0])
    except Exception as exc:
        print(f"skipped: reader posecoach.io.uiprmd broken ({type(exc).__name__}: {exc})")
        return
    if first.dims != 3:
        print(f"skipped: expected 3D sequences from read_uiprmd, got D={first.dims}")
        return
    # metres, as documented; a sequence in cm would have a body ~100x larger
    scale = 100.0 if float(np.nanmax(np.ptp(first.positions[0], axis=0))) > 20 else 1.0
    n_held = 1 if quick else 2
    n_att = 3 if quick else 5
    movements = sorted(index)[:3] if quick else sorted(index)
    rng = np.random.default_rng(4)
    cache: dict[Any, PoseSequence] = {}

    def load(path: Any) -> PoseSequence:
        if path not in cache:
            cache[path] = read(path)
        return cache[path]

    rows = []
    allauc: dict[str, list[float]] = {k: [] for k in ("o3", "n3", "o2", "n2")}
    for m in movements:
        items = index[m]
        subjects = sorted({s for _, s, _, _ in items})
        d: dict[str, list[float]] = {k: [] for k in allauc}
        labels: list[bool] = []
        for h, held in enumerate(subjects[:n_held]):
            others = [s for s in subjects if s != held]
            lib_subj = [others[(h + i) % len(others)] for i in range(min(3, len(others)))]
            lib = []
            for s in lib_subj:
                reps = sorted((e, p) for p, ss, ok, e in items if ss == s and ok)
                lib += [load(p) for _, p in reps[:2]]
            lib2 = [project_random(r, rng, scale=scale) for r in lib]
            model3 = form_model(lib, True)
            model2 = form_model(lib2, False)
            base3, base2 = lib[model3.base_index], lib2[model2.base_index]
            for ok in (True, False):
                reps = sorted((e, p) for p, ss, c, e in items if ss == held and c == ok)
                for _, p in reps[:n_att]:
                    att = load(p)
                    att2 = project_random(att, rng, scale=scale)
                    labels.append(not ok)
                    d["o3"].append(-old_score(base3, att, True))
                    d["n3"].append(-new_assess(model3, att).score)
                    d["o2"].append(-old_score(base2, att2, False))
                    d["n2"].append(-new_assess(model2, att2).score)
        bad = np.array(labels)
        aucs = {k: auc(np.asarray(v)[~bad], np.asarray(v)[bad]) for k, v in d.items()}
        for k in allauc:
            allauc[k].append(aucs[k])
        rows.append(
            [m, f"{(~bad).sum()}/{bad.sum()}", *(fmt(aucs[k], 3) for k in ("o3", "n3", "o2", "n2"))]
        )
    print(
        f"held-out subjects per movement: {n_held}; library: 2 correct reps of 3 other "
        f"subjects; attempts: {n_att} correct + {n_att} incorrect reps per held-out subject"
    )
    print("2D: every sequence through its own random camera (azimuth ±180°, elevation ±30°)")
    mean = {k: float(np.nanmean(v)) for k, v in allauc.items()}
    rows.append(["mean", "", *(fmt(mean[k], 3) for k in ("o3", "n3", "o2", "n2"))])
    table(["movement", "C/inc", "OLD 3D", "NEW 3D", "OLD 2D", "NEW 2D"], rows, [10, 8, 9, 9, 9, 9])
    for dim, o, n in (("3D", "o3", "n3"), ("2D", "o2", "n2")):
        SUMMARY.append(
            Check(
                f"UI-PRMD {dim}: mean AUC over movements",
                fmt(mean[o], 3),
                fmt(mean[n], 3),
                ">= 0.9",
            )
        )
        SUMMARY.append(
            Check(
                f"UI-PRMD {dim}: movements with AUC >= 0.9",
                f"{sum(a >= 0.9 for a in allauc[o])}/{len(movements)}",
                f"{sum(a >= 0.9 for a in allauc[n])}/{len(movements)}",
                f"{len(movements)}/{len(movements)}",
            )
        )


# ----------------------------------------------------------------------------- section 5
#: Planted error kinds and the quantities that name them (``{side}`` filled in).
PLANTED: dict[str, tuple[str, ...]] = {
    "trunk lean": ("trunk_tilt", "left_hip", "right_hip"),
    "hip pike": ("left_hip", "right_hip", "left_thigh_tilt", "right_thigh_tilt"),
    "knee bend": ("{side}_knee", "{side}_shank_tilt"),
    "knee valgus": ("{side}_knee", "{side}_shank_tilt"),
    "elbow depth": ("{side}_elbow", "{side}_forearm_tilt"),
    "arm raise": ("{side}_shoulder", "{side}_upper_arm_tilt", "{side}_forearm_tilt"),
}


def _idx(seq: PoseSequence, words: Sequence[str], side: str | None) -> list[int]:
    out = []
    for i, n in enumerate(seq.skeleton.names):
        if side is not None and not n.startswith(side + "_"):
            continue
        if any(w in n for w in words):
            out.append(i)
    return out


def plant(seq: PoseSequence, kind: str, degrees: float, side: str, frames: slice) -> PoseSequence:
    """Plant an error of ``degrees`` into a 3D sequence over ``frames``."""
    from posecoach.align.synthetic import plant_error, rotate_about

    if kind == "trunk lean":
        return plant_error(seq, "trunk", degrees, frames=frames)
    if kind == "knee bend":
        return plant_error(seq, "knee", degrees, side=side, frames=frames)
    if kind == "arm raise":
        return plant_error(seq, "arm", degrees, side=side, frames=frames)
    xyz = seq.positions.copy()
    p = xyz[frames]
    sk = seq.skeleton
    lhip, rhip = p[:, sk.index("left_hip")], p[:, sk.index("right_hip")]
    mid_hip = (lhip + rhip) / 2
    mid_sh = (p[:, sk.index("left_shoulder")] + p[:, sk.index("right_shoulder")]) / 2
    hip_axis = rhip - lhip
    forward = np.cross(hip_axis, mid_sh - mid_hip)

    def pick(cands: list[np.ndarray], gain: Callable[[np.ndarray], float]) -> np.ndarray:
        return cands[int(np.argmax([gain(c) for c in cands]))]

    if kind == "knee valgus":
        moved = _idx(seq, ("ankle", "heel", "foot", "toe"), side)
        knee = p[:, sk.index(f"{side}_knee")]
        out_dir = p[:, sk.index(f"{side}_hip")] - mid_hip  # towards the planted side
        a = moved.index(sk.index(f"{side}_ankle"))
        cands = [rotate_about(p[:, moved], knee, forward, s * degrees) for s in (1, -1)]
        # valgus: the ankle swings out, so the knee points in relative to it
        p[:, moved] = pick(cands, lambda c: float(((c[:, a] - p[:, moved][:, a]) * out_dir).sum()))
    elif kind == "elbow depth":
        moved = _idx(seq, ("wrist", "hand", "thumb", "index", "pinky", "middle", "ring"), side)
        sh = p[:, sk.index(f"{side}_shoulder")]
        el = p[:, sk.index(f"{side}_elbow")]
        wr = p[:, sk.index(f"{side}_wrist")]
        axis = np.cross(el - sh, wr - el)
        weak = np.linalg.norm(axis, axis=-1) < 1e-3 * np.linalg.norm(el - sh, axis=-1) ** 2
        axis[weak] = hip_axis[weak]
        w = moved.index(sk.index(f"{side}_wrist"))
        cands = [rotate_about(p[:, moved], el, axis, s * degrees) for s in (1, -1)]
        # deeper: the wrist comes closer to the shoulder
        p[:, moved] = pick(cands, lambda c: -float(np.linalg.norm(c[:, w] - sh, axis=-1).sum()))
    elif kind == "hip pike":
        for s_ in ("left", "right"):
            moved = [i for i in _idx(seq, ("knee", "ankle", "heel", "foot", "toe"), s_)]
            hip = p[:, sk.index(f"{s_}_hip")]
            k = moved.index(sk.index(f"{s_}_knee"))
            cands = [rotate_about(p[:, moved], hip, hip_axis, s * degrees) for s in (1, -1)]
            # pike: the thighs swing forward (the hips flex)
            before = p[:, moved][:, k].copy()

            def forwardness(c: np.ndarray, k: int = k, before: np.ndarray = before) -> float:
                return float(((c[:, k] - before) * forward).sum())

            p[:, moved] = pick(cands, forwardness)
    else:
        raise ValueError(f"unknown planted error {kind!r}; expected one of {list(PLANTED)}")
    xyz[frames] = p
    return seq.replace(positions=xyz).with_provenance("plant", kind=kind, degrees=degrees)


def section_mocap(quick: bool) -> None:
    print("\n== 5. CMU motion capture: planted errors seen through random cameras ==")
    files = {p.stem: p for p in sorted(CMU.glob("*.bvh"))} if CMU.exists() else {}
    if not {"10_01", "10_03", "11_01"} <= set(files):
        print(f"skipped: CMU soccer-kick takes 10_01, 10_03, 11_01 not found in {CMU}")
        return
    import posecoach

    def load(stem: str) -> PoseSequence:
        seq = posecoach.load(files[stem])
        return seq.frames(slice(None, None, 4))  # 120 -> 30 fps

    ref3 = load("10_01")
    sources = {"10_03 (same person)": load("10_03"), "11_01 (other person)": load("11_01")}
    rng = np.random.default_rng(5)
    ref = project_random(ref3, rng, scale=100.0, azimuth=0.0, elevation=0.0)
    n_per = 6 if quick else 16
    kinds = list(PLANTED)
    models = {w: form_model([ref], w) for w in (False, True)}
    rows = []
    d: dict[str, list[float]] = {k: [] for k in ("o2", "n2", "o3", "n3")}
    labels: list[bool] = []
    named: dict[bool, list[bool]] = {False: [], True: []}
    per_kind: dict[str, list[int]] = {k: [0, 0, 0] for k in kinds}
    for label, src in sources.items():
        for i in range(n_per):
            planted = i % 2 == 1
            kind = kinds[(i // 2) % len(kinds)]
            side = "left" if rng.random() < 0.5 else "right"
            deg = float(rng.uniform(10.0, 30.0))
            t = src.n_frames
            seq3 = plant(src, kind, deg, side, slice(t // 5, t - t // 5)) if planted else src
            att = project_random(seq3, rng, scale=100.0)
            labels.append(planted)
            d["o2"].append(-old_score(ref, att, False))
            d["o3"].append(-old_score(ref, att, True))
            hits = []
            for w in (False, True):
                a = new_assess(models[w], att)
                d["n3" if w else "n2"].append(-a.score)
                if planted:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        mz = np.nanmean(np.abs(np.asarray(a.z)[np.asarray(a.usable)]), axis=0)
                    top = a.names[int(np.nanargmax(mz))] if np.isfinite(mz).any() else "-"
                    ok = top in {q.format(side=side) for q in PLANTED[kind]}
                    named[w].append(ok)
                    hits.append(f"{top}{'' if ok else ' (x)'}")
            if planted:
                per_kind[kind][0] += 1
                per_kind[kind][1] += named[False][-1]
                per_kind[kind][2] += named[True][-1]
            rows.append(
                [
                    label,
                    f"{kind} {side} {deg:.0f}°" if planted else "none",
                    fmt(-d["o2"][-1]),
                    fmt(-d["n2"][-1]),
                    fmt(-d["o3"][-1]),
                    fmt(-d["n3"][-1]),
                    " / ".join(hits),
                ]
            )
    print(
        "reference 10_01 seen from the front; attempts through random cameras (azimuth ±180°,"
        " elevation ±30°);"
    )
    print("planted over the middle 60% of the frames; 'top' = NEW quantity with the largest")
    print("mean |z| (2D / 3D), (x) = not the planted joint")
    table(
        ["attempt", "planted", "OLD 2D", "NEW 2D", "OLD 3D", "NEW 3D", "  top (2D / 3D)"],
        rows,
        [22, 24, 8, 8, 8, 8, 60],
    )
    bad = np.array(labels)
    aucs = {k: auc(np.asarray(v)[~bad], np.asarray(v)[bad]) for k, v in d.items()}
    print(
        f"AUC clean vs planted: 2D OLD {aucs['o2']:.3f} NEW {aucs['n2']:.3f}; "
        f"3D OLD {aucs['o3']:.3f} NEW {aucs['n3']:.3f}"
    )
    print(
        "named per kind (2D, 3D): "
        + "; ".join(f"{k} {v[1]}/{v[0]}, {v[2]}/{v[0]}" for k, v in per_kind.items() if v[0])
    )
    for dim, o, n, w in (("2D", "o2", "n2", False), ("3D", "o3", "n3", True)):
        SUMMARY.append(
            Check(f"Mocap planted {dim}: AUC", fmt(aucs[o], 3), fmt(aucs[n], 3), ">= 0.9")
        )
        share = float(np.mean(named[w])) if named[w] else float("nan")
        SUMMARY.append(Check(f"Mocap planted {dim}: joint named", "-", fmt(share, 2), ">= 0.8"))


def section_noise(quick: bool) -> None:
    """The camera noise shipped in compare/data/form_noise.json, measured again: per
    quantity, the standard deviation of MediaPipe's value across the four synchronised
    Pose2Sim views at the same instant (median over frames), left and right pooled,
    median over the single- and multi-person takes; printed beside the shipped values."""
    import json
    from importlib import resources

    print("\n== 6. Camera noise of each quantity (Pose2Sim, 4 views at the same instant) ==")
    try:
        from posecoach.compare.form import form_features
        from posecoach.extract import extract
        from posecoach.sample_data import fetch

        paths = fetch()
    except Exception as exc:
        print(f"skipped: Pose2Sim videos or MediaPipe unavailable ({type(exc).__name__}: {exc})")
        return
    shipped = json.loads(
        resources.files("posecoach.compare").joinpath("data/form_noise.json").read_text()
    )
    for dim in ("2d", "3d"):
        per_take: dict[str, list[float]] = {}
        for take in ("single", "multi"):
            seqs = [extract(paths[f"{take}/cam0{k}"]) for k in range(1, 5)]
            feats = [form_features(q, use_world=dim == "3d") for q in seqs]
            n = min(f.n_frames for f in feats)
            v = np.stack([np.where(f.weights[:n] > 0.3, f.values[:n], np.nan) for f in feats])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(np.nanstd(v, axis=0, ddof=1), axis=0)
            for name, m in zip(feats[0].names, med, strict=True):
                pooled = name.removeprefix("left_").removeprefix("right_")
                per_take.setdefault(pooled, []).append(float(m))
        print(f"{dim}: {'quantity':<16}{'measured':>10}{'shipped':>10}")
        for name, values in per_take.items():
            key = name if name == "trunk_tilt" else f"left_{name}"
            print(
                f"    {name:<16}{np.median(values):>10.1f}"
                f"{shipped[dim].get(key, float('nan')):>10.1f}"
            )


# ----------------------------------------------------------------------------- main
SECTIONS: dict[int, Callable[[bool], None]] = {
    1: section_pose2sim,
    2: section_keraal,
    3: section_exercises,
    4: section_uiprmd,
    5: section_mocap,
    6: section_noise,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer items per section")
    parser.add_argument("--sections", default="1,2,3,4,5", help="comma-separated, e.g. 1,3")
    args = parser.parse_args(argv)
    try:
        chosen = [int(s) for s in args.sections.split(",") if s.strip()]
    except ValueError:
        parser.error(f"expected --sections as numbers like 1,3, got {args.sections!r}")
    for s in chosen:
        if s not in SECTIONS:
            parser.error(f"unknown section {s}; expected some of {sorted(SECTIONS)}")
    started = time.perf_counter()
    for s in chosen:
        t0 = time.perf_counter()
        SECTIONS[s](args.quick)
        print(f"(section {s}: {time.perf_counter() - t0:.0f} s)")
    print("\n== Summary ==")
    table(
        ["check", "OLD", "NEW", "target"],
        [[c.name, c.old, c.new, c.target] for c in SUMMARY],
        [46, 9, 9, 14],
    )
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
