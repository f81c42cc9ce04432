"""Benchmark every aligner side by side, in one run, and print the tables.

1. Projected 3D (held-out CMU take 11_01, subject 11, never seen in training): the same
   3D pose seen by two random cameras (Pr-VIPE ranges, perspective) → residual after
   alignment (mean joint distance / reference torso length).
2. Real multi-view video: the Pose2Sim single-person demo, 4 synchronised views extracted
   with MediaPipe, all 12 ordered view pairs → residual of same-instant pairs, cross-view
   retrieval Hit@1 (the nearest frame of view B after alignment within ±5 frames of the
   query's instant), and the noise floor (the reference view's own 3D-to-image fit).
3. Error preservation: trunk bent 20°, arm raised 30°, knee bent 25° in the middle third
   of the attempt (projected 3D) → share of the planted displacement (as the reference
   camera would see it) still present after alignment (100% = fully kept).
4. Speed: poses aligned per second.
5. Calibrated cameras (the demo's Qualisys calibration): MediaPipe's single-view 3D
   against the 4-view triangulation, and ``view3d`` when the attempt's 3D is measured by
   a calibrated rig that does not include the reference's camera (2 or 3 cameras).

Run: ``.venv/bin/python bench/align.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECOACH_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT / "src"))

from posecoach import io  # noqa: E402
from posecoach.align import AlignmentWarning, align, pair_poses  # noqa: E402
from posecoach.align.base import reference_scale  # noqa: E402
from posecoach.align.cameras import random_camera  # noqa: E402
from posecoach.align.synthetic import plant_error, project_view  # noqa: E402
from posecoach.align.view3d import fit_weak_perspective  # noqa: E402

METHODS = ["normalize", "similarity", "affine", "perspective", "view3d", "learned"]
MODES = (("frame", True), ("seq", False))
ERRORS = (("trunk", 20.0), ("arm", 30.0), ("knee", 25.0))


def table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        cells = [f"{c:.3f}" if isinstance(c, float) else str(c) for c in r]
        print("| " + " | ".join(cells) + " |")


def camera_pairs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [
        tuple(random_camera(rng, distance=(300.0, 700.0), focal=1000.0, up=(0, 1, 0)) for _ in "ab")
        for _ in range(n)
    ]


def quiet_align(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        return align(*args, **kw)


# --------------------------------------------------------------------- projected 3D
def projected(seq, pairs) -> dict:
    out = {}
    for m in METHODS:
        for mode, pf in MODES:
            vals = []
            for ca, cb in pairs:
                ref, att = project_view(seq, ca), project_view(seq, cb)
                vals.append(quiet_align(att, ref, m, per_frame=pf).quality.mean_residual)
            out[m, mode] = float(np.mean(vals))
    return out


# --------------------------------------------------------------------- preservation
def preservation(seq, pairs) -> dict:
    t = seq.n_frames
    frames = slice(t // 3, 2 * t // 3)
    out = {}
    for kind, deg in ERRORS:
        bent = plant_error(seq, kind, deg, frames=frames)
        for m in METHODS:
            for mode, pf in MODES:
                kept = []
                for ca, cb in pairs:
                    ref = project_view(seq, ca)
                    truth = project_view(bent, ca).positions[frames]
                    d = truth - ref.positions[frames]
                    a_err = quiet_align(project_view(bent, cb), ref, m, per_frame=pf)
                    a_cln = quiet_align(project_view(seq, cb), ref, m, per_frame=pf)
                    shown = (a_err.aligned.positions - a_cln.aligned.positions)[frames]
                    ok = np.isfinite(shown).all(-1) & np.isfinite(d).all(-1)
                    kept.append(np.sum(shown[ok] * d[ok]) / np.sum(d[ok] ** 2))
                out[kind, m, mode] = float(np.mean(kept))
    return out


# --------------------------------------------------------------------- real video
def extract_views() -> dict:
    import posecoach
    from posecoach.sample_data import fetch

    videos = fetch()
    return {k: posecoach.extract(videos[f"single/cam0{k}"]) for k in range(1, 5)}


def noise_floor(seq) -> float:
    p = pair_poses(seq, seq)
    _, _, _, res = fit_weak_perspective(seq.world, p.ref_points(), p.weights)
    scale = reference_scale(p.reference, p.ref_points(), p.weights)
    return float(np.nanmean(np.nanmean(res, 1) / scale))


def _hip_centred(pos: np.ndarray, seq) -> np.ndarray:
    sk = seq.skeleton
    hips = pos[:, sk.indices(["left_hip", "right_hip"])].mean(1)
    return pos - hips[:, None]


def _take(seq, idx: np.ndarray):
    """Frames by index, repeats allowed (fresh timestamps)."""
    return seq.replace(
        positions=seq.positions[idx],
        confidence=seq.confidence[idx],
        world=None if seq.world is None else seq.world[idx],
        timestamps=np.arange(len(idx)) / seq.fps,
    )


def retrieval(att, ref, method: str, per_frame: bool, queries: np.ndarray, window: int = 5):
    """Hit@1 of each query frame of the attempt among all reference frames."""
    t = ref.n_frames
    if per_frame:
        qa = _take(att, np.repeat(queries, t))
        rb = _take(ref, np.tile(np.arange(t), len(queries)))
        res = quiet_align(qa, rb, method, per_frame=True).quality.residual
        dist = res.reshape(len(queries), t)
    else:
        res = quiet_align(att, ref, method, per_frame=False)
        p = pair_poses(res.aligned, ref)
        a = _hip_centred(res.aligned.positions, res.aligned)[:, p.att_idx][queries]
        b = _hip_centred(p.ref_points(), ref)
        w = p.weights
        scale = reference_scale(p.reference, p.ref_points(), w)
        d = np.linalg.norm(np.nan_to_num(a[:, None] - b[None]), axis=-1)  # (Q, T, N)
        dist = (d * w[None]).sum(-1) / np.maximum(w.sum(-1), 1e-9)[None] / scale[None]
    dist = np.where(np.isfinite(dist), dist, np.inf)
    best = np.argmin(dist, axis=1)
    return float(np.mean(np.abs(best - queries) <= window))


def real_views(views: dict, quick: bool) -> tuple[dict, dict, dict]:
    pairs = [(a, b) for a in views for b in views if a != b]
    step = 10 if quick else 4
    resid, hits = {}, {}
    for m in METHODS:
        for mode, pf in MODES:
            r_vals, h_vals = [], []
            for a, b in pairs:
                att, ref = views[a], views[b]
                r_vals.append(quiet_align(att, ref, m, per_frame=pf).quality.mean_residual)
                queries = np.arange(0, att.n_frames, step)
                h_vals.append(retrieval(att, ref, m, pf, queries))
            resid[m, mode] = (float(np.mean(r_vals)), r_vals)
            hits[m, mode] = float(np.mean(h_vals))
    floors = {k: noise_floor(v) for k, v in views.items()}
    return resid, hits, floors


# --------------------------------------------------------------------- speed
def speed(seq, cams) -> dict:
    ca, cb = cams
    ref, att = project_view(seq, ca), project_view(seq, cb)
    out = {}
    for m in METHODS:
        for mode, pf in MODES:
            quiet_align(att.frames(slice(0, 5)), ref.frames(slice(0, 5)), m, per_frame=pf)
            t0 = time.perf_counter()
            n = 0
            while time.perf_counter() - t0 < 1.0:
                quiet_align(att, ref, m, per_frame=pf)
                n += att.n_frames
            out[m, mode] = n / (time.perf_counter() - t0)
    return out


def _pa_error(mp: np.ndarray, truth: np.ndarray, seq) -> tuple[np.ndarray, float]:
    """MediaPipe's world vs measured 3D (both hip-centred, one rotation for the take):
    mean |error| per axis and mean 3D distance, in metres."""
    from posecoach.align import estimators as est

    a, b = _hip_centred(mp, seq), _hip_centred(truth, seq)
    ok = np.isfinite(a).all(-1) & np.isfinite(b).all(-1)
    m = est.similarity(
        np.nan_to_num(a).reshape(1, -1, 3), np.nan_to_num(b).reshape(1, -1, 3),
        ok.reshape(1, -1).astype(float),
    )  # fmt: skip
    err = est.apply_matrix(m, np.nan_to_num(a).reshape(1, -1, 3)).reshape(a.shape) - b
    return np.abs(err[ok]).mean(0), float(np.linalg.norm(err[ok], axis=-1).mean())


def calibrated_part(views: dict, base: float, floor: float, quick: bool) -> None:
    """MediaPipe's depth against triangulation, and view3d with a measured attempt."""
    from posecoach.multiview import load_calibration, triangulate, with_camera_world
    from posecoach.sample_data import fetch

    cams = dict(zip(views, load_calibration(fetch()["calibration"]), strict=True))

    def rig(keys):
        return triangulate([views[k] for k in keys], [cams[k] for k in keys]).pose

    full = triangulate(list(views.values()), list(cams.values()))
    rows: list[list] = []
    for k, v in views.items():
        cam_frame = with_camera_world(v, full.pose, cams[k]).world
        assert cam_frame is not None
        axes, dist = _pa_error(v.world, cam_frame, v)
        rows.append([f"cam0{k}", *[f"{100 * a:.1f}" for a in axes], f"{100 * dist:.1f}",
                     f"{full.summary()[cams[k].name]:.1f}"])  # fmt: skip
    table(
        "MediaPipe world landmarks vs 4-view triangulation (one rotation per take)",
        ["view", "|x| cm", "|y| cm", "|z| (depth) cm", "3D cm", "triangulation reproj px"],
        rows,
    )
    step = 10 if quick else 4
    pairs = [(a, b) for a in views for b in views if a != b]
    rows = []
    for label, n_cams, both in (
        ("attempt: 2 calibrated cameras", 2, False),
        ("attempt: 3 calibrated cameras", 3, False),
        ("both: 2 cameras each, disjoint rigs", 2, True),
    ):
        r_vals, h_vals = [], []
        for a, b in pairs:
            others = [k for k in views if k not in (a, b)]
            for i in range(len(others) - n_cams + 2):
                mine = others[i : i + n_cams - 1]
                att = with_camera_world(views[a], rig([a, *mine]), cams[a])
                ref = views[b]
                if both:  # the reference's rig: its camera and one the attempt's rig lacks
                    theirs = [k for k in others if k not in mine]
                    ref = with_camera_world(ref, rig([b, *theirs]), cams[b])
                r_vals.append(
                    quiet_align(att, ref, "view3d", per_frame=False).quality.mean_residual
                )
                h_vals.append(
                    retrieval(att, ref, "view3d", False, np.arange(0, att.n_frames, step))
                )
        r = float(np.mean(r_vals))
        rows.append([label, r, r / base, r / floor, float(np.mean(h_vals))])
    table(
        "view3d (per sequence) with measured 3D: the reference's camera never in the attempt's rig",
        ["3D of the attempt", "residual", "/ similarity", "/ noise floor", "Hit@1 ±5 frames"],
        rows,
    )


def video_part(quick: bool) -> None:
    views = extract_views()
    resid, hits, floors = real_views(views, quick)
    floor = float(np.mean(list(floors.values())))
    base = resid["similarity", "frame"][0]
    rows = []
    for m in METHODS:
        for mode, _ in MODES:
            r, per_pair = resid[m, mode]
            rows.append(
                [m, mode, r, f"{min(per_pair):.3f}-{max(per_pair):.3f}", r / base, r / floor,
                 hits[m, mode]]
            )  # fmt: skip
    table(
        "Real multi-view (Pose2Sim demo, 4 views, 12 ordered pairs, MediaPipe)",
        ["method", "mode", "residual", "range over pairs", "/ similarity", "/ noise floor",
         "Hit@1 ±5 frames"],
        rows,
    )  # fmt: skip
    print(
        "\nnoise floor (each view's own 3D-to-image fit): "
        + ", ".join(f"cam0{k} {v:.3f}" for k, v in floors.items())
        + f"; mean {floor:.3f}"
    )
    print(
        "note: 'seq' fits one transform on the same-instant pairs of the whole take "
        "(a fixed camera); retrieval then compares hip-centred poses under that transform."
    )
    calibrated_part(views, base, floor, quick)


def main() -> None:
    ap = argparse.ArgumentParser(description="Benchmark the aligners")
    ap.add_argument("--quick", action="store_true", help="fewer cameras and queries")
    ap.add_argument("--no-video", action="store_true", help="skip the real multi-view part")
    ap.add_argument("--video-only", action="store_true", help="only the real multi-view part")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated aligners")
    args = ap.parse_args()
    METHODS[:] = args.methods.split(",")
    if "similarity" not in METHODS:  # the baseline of every ratio
        METHODS.insert(0, "similarity")
    t0 = time.time()
    if args.video_only:
        video_part(args.quick)
        print(f"\ntotal {time.time() - t0:.0f}s")
        return
    held_out = io.load(SHARED / "cmu_mocap_bvh" / "11_01.bvh")
    seq = held_out.frames(slice(0, None, 4))  # 150 poses at 30 fps
    pairs = camera_pairs(4 if args.quick else 10)
    print(f"held-out take 11_01: {seq.n_frames} poses, {len(pairs)} random camera pairs")

    proj = projected(seq, pairs)
    base = proj["similarity", "frame"]
    table(
        "Projected 3D (held-out take): residual = mean joint distance / torso (lower is better)",
        ["method", "per frame", "per sequence", "per frame / similarity"],
        [[m, proj[m, "frame"], proj[m, "seq"], proj[m, "frame"] / base] for m in METHODS],
    )

    pres = preservation(seq.frames(slice(0, None, 2)), pairs[:4])
    rows = []
    for m in METHODS:
        for mode, _ in MODES:
            vals = [pres[k, m, mode] for k, _ in ERRORS]
            rows.append([m, mode, *[f"{100 * v:.0f}%" for v in vals], f"{100 * min(vals):.0f}%"])
    table(
        "Error preservation (projected 3D): share of the planted error kept (>= 80% required)",
        ["method", "mode", "trunk 20°", "arm 30°", "knee 25°", "worst"],
        rows,
    )

    if not args.no_video:
        video_part(args.quick)

    sp = speed(seq, pairs[0])
    base = sp["similarity", "frame"]
    table(
        f"Speed ({seq.n_frames}-pose sequences, this machine, shared)",
        ["method", "per frame poses/s", "per sequence poses/s", "per frame / similarity"],
        [
            [m, f"{sp[m, 'frame']:.0f}", f"{sp[m, 'seq']:.0f}", sp[m, "frame"] / base]
            for m in METHODS
        ],
    )
    print(f"\ntotal {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
