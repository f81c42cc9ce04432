"""Accuracy of the MediaPipe extractor against human keypoint labels.

Photos: ``../shared/data/mmpose_testdata/tests/data/{coco,mpii}`` (the mmpose test
images with their COCO / MPII annotations). Every annotated person with at least 5
labelled joints is cropped (its box enlarged by 25 %, made square) and given to the
extractor in photo mode with no subject selection; the 33 BlazePose landmarks are mapped
to COCO-17 / MPII-16 through ``posecoach.skeletons.convert`` (MPII pelvis and thorax are
the derived hip and shoulder midpoints; upper neck and head top have no BlazePose
counterpart and are left out). A person the extractor misses counts as wrong on every
labelled joint.

Metrics, per joint and overall:
- PCK@0.2 torso: error < 0.2 x torso diameter (mean of the two shoulder-to-opposite-hip
  distances of the labels), the tolerance BlazePose reports (95.5 on its own yoga set);
- PCK@0.2 bbox: error < 0.2 x the longer side of the person's box;
- OKS (COCO only): object keypoint similarity with the COCO per-joint constants and the
  annotated area; mean over people, and the share with OKS >= 0.5.

Usage: ``python bench/accuracy.py``
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mmpose_testdata"
COCO_SIGMAS = np.array(
    [.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]
) / 10.0  # fmt: skip


def _people_coco() -> list[dict]:
    d = json.loads((DATA / "tests/data/coco/test_coco.json").read_text())
    files = {im["id"]: im["file_name"] for im in d["images"]}
    out = []
    for a in d["annotations"]:
        kp = np.array(a["keypoints"], float).reshape(17, 3)
        if (kp[:, 2] > 0).sum() < 5:
            continue
        x, y, w, h = a["bbox"]
        out.append(
            {
                "image": DATA / "tests/data/coco" / files[a["image_id"]],
                "gt": kp[:, :2],
                "vis": kp[:, 2] > 0,
                "box": (x, y, x + w, y + h),
                "area": a["area"],
                "set": "coco",
                "skeleton": "coco_17",
            }
        )
    return out


def _people_mpii() -> list[dict]:
    d = json.loads((DATA / "tests/data/mpii/test_mpii.json").read_text())
    out = []
    for a in d:
        gt = np.array(a["joints"], float)
        vis = np.array(a["joints_vis"]) > 0
        if vis.sum() < 5:
            continue
        lo, hi = gt[vis].min(axis=0), gt[vis].max(axis=0)
        cx, cy = a["center"]
        half = a["scale"] * 200 / 2  # MPII: scale x 200 px ~ person height
        box = (
            min(lo[0], cx - half / 2),
            min(lo[1], cy - half),
            max(hi[0], cx + half / 2),
            max(hi[1], cy + half),
        )
        out.append(
            {
                "image": DATA / "tests/data/mpii" / a["image"],
                "gt": gt,
                "vis": vis,
                "box": box,
                "area": None,
                "set": "mpii",
                "skeleton": "mpii_16",
            }
        )
    return out


def _crop(image: np.ndarray, box: tuple[float, ...]) -> tuple[np.ndarray, float, float]:
    h, w = image.shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = max(box[2] - box[0], box[3] - box[1]) * 1.25
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    return image[y0:y1, x0:x1], x0, y0


def _predict(session, person: dict) -> np.ndarray:
    """Predicted joints in the label's skeleton (NaN where missing), full-image pixels."""
    from posecoach import PoseSequence
    from posecoach.skeletons import convert
    from posecoach.video import read_image

    image = read_image(person["image"])
    crop, x0, y0 = _crop(image, person["box"])
    found = session.process(crop, 0.0)
    from posecoach.skeletons import get

    k = get(person["skeleton"]).n_joints
    if not found:
        return np.full((k, 2), np.nan)
    det = found[0].shifted(x0, y0)
    seq = PoseSequence(det.keypoints[:, :2], det.confidence, skeleton="blazepose_33")
    return convert(seq, person["skeleton"]).sequence.positions[0]


def _torso(gt: np.ndarray, vis: np.ndarray, names: tuple[str, ...]) -> float:
    i = {n: names.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")}
    d = []
    for a, b in (("left_shoulder", "right_hip"), ("right_shoulder", "left_hip")):
        if vis[i[a]] and vis[i[b]]:
            d.append(np.linalg.norm(gt[i[a]] - gt[i[b]]))
    return float(np.mean(d)) if d else float("nan")


def main() -> None:
    from posecoach.extract import get_backend
    from posecoach.skeletons import get

    backend = get_backend("mediapipe")
    session = backend.open(static=True)
    rows: dict[str, dict] = {}
    for name, people in (("coco", _people_coco()), ("mpii", _people_mpii())):
        names = get(people[0]["skeleton"]).names
        hits_t = np.zeros(len(names))
        hits_b = np.zeros(len(names))
        counts_t = np.zeros(len(names))
        counts_b = np.zeros(len(names))
        oks = []
        missed = 0
        for p in people:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pred = _predict(session, p)
            if np.isnan(pred).all():
                missed += 1
            gt, vis = p["gt"], p["vis"]
            usable = vis.copy()  # labelled joints (a missed person counts as wrong)
            if name == "mpii":  # no BlazePose counterpart
                for joint in ("upper_neck", "head_top"):
                    usable[names.index(joint)] = False
            err = np.linalg.norm(pred - gt, axis=1)
            err = np.where(np.isnan(err), np.inf, err)
            torso = _torso(gt, vis, names)
            box = p["box"]
            bbox = max(box[2] - box[0], box[3] - box[1])
            if np.isfinite(torso):
                counts_t += usable
                hits_t += usable & (err < 0.2 * torso)
            counts_b += usable
            hits_b += usable & (err < 0.2 * bbox)
            if p["area"] is not None:
                s2 = p["area"]
                e = np.exp(-(err[vis] ** 2) / (2 * s2 * (2 * COCO_SIGMAS[vis]) ** 2))
                oks.append(float(e.mean()))
        rows[name] = {
            "names": names,
            "hits_t": hits_t,
            "n_t": counts_t,
            "hits_b": hits_b,
            "n_b": counts_b,
            "oks": oks,
            "people": len(people),
            "missed": missed,
        }
    session.close()

    print("\nMediaPipe BlazePose full (0.10.21) on mmpose test photos, one crop per person")
    print(
        f"{'set':<5} {'people':>6} {'missed':>6} {'joints':>6} {'PCK@0.2 torso':>13} "
        f"{'PCK@0.2 bbox':>12} {'mean OKS':>8} {'OKS>=0.5':>8}"
    )
    for name, r in rows.items():
        pt = 100 * r["hits_t"].sum() / max(r["n_t"].sum(), 1)
        pb = 100 * r["hits_b"].sum() / max(r["n_b"].sum(), 1)
        oks_txt = f"{np.mean(r['oks']):.3f}" if r["oks"] else "-"
        good = f"{100 * np.mean(np.array(r['oks']) >= 0.5):.0f}%" if r["oks"] else "-"
        print(
            f"{name:<5} {r['people']:>6} {r['missed']:>6} {int(r['n_b'].sum()):>6} "
            f"{pt:>13.1f} {pb:>12.1f} {oks_txt:>8} {good:>8}"
        )
    print("BlazePose full, its own yoga/fitness set (paper, PCK@0.2 torso): 95.5")
    for name, r in rows.items():
        print(f"\nper joint, {name}: PCK@0.2 torso / bbox (labelled count)")
        for j, jn in enumerate(r["names"]):
            if r["n_b"][j] == 0:
                continue
            t = 100 * r["hits_t"][j] / r["n_t"][j] if r["n_t"][j] else float("nan")
            b = 100 * r["hits_b"][j] / r["n_b"][j]
            print(f"  {jn:<16} {t:6.1f} {b:6.1f}  ({int(r['n_b'][j])})")


if __name__ == "__main__":
    main()
