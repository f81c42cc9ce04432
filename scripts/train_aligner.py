"""Train the ``learned`` aligner from real 3D motion projected through random cameras.

Data (read from ``../shared/data``, never copied):
- CMU motion capture (``cmu_mocap_bvh``): subjects 10 and 14 for training; subject 11
  (take ``11_01``) is held out — the split is by person and take, never by frame;
- Keraal Kinect v2 3D (``keraal_rehab_sample``, 3 rehabilitation trials, another person).

Each sample is one 3D pose seen by two random cameras (Pr-VIPE ranges: azimuth ±180°,
elevation ±30°, roll ±30°; distance 2.5-8 m; perspective); the attempt view gets 2D noise
and joint dropout, and half of the attempts carry a planted error (trunk lean, raised
arm or bent knee, 10-45°) whose exact projection into the reference view is the target.
Left-right mirrored copies double the data.

Usage::

    .venv/bin/python scripts/train_aligner.py [--steps 12000] [--out src/posecoach/align/weights]

Seeded, single-threaded and deterministic: the same command writes the same bytes. ~4-9 minutes on
one core.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))

from posecoach import io  # noqa: E402
from posecoach.align.learned import (  # noqa: E402
    HIDDEN,
    JOINTS,
    N_CAM,
    TORSO,
    layer_shapes,
    normalize_2d,
)
from posecoach.align.synthetic import rotate_about  # noqa: E402
from posecoach.geometry import joint_xyz  # noqa: E402
from posecoach.skeletons import KINECT_V2_25  # noqa: E402

TRAIN_TAKES = ("10_01", "10_03", "14_19")
TEST_TAKES = ("11_01",)
K = len(JOINTS)
L_SH, R_SH, L_EL, R_EL, L_WR, R_WR, L_HIP, R_HIP, L_KN, R_KN, L_AN, R_AN = range(K)


def canonical(positions: np.ndarray, skeleton) -> np.ndarray:
    """``(T, 12, 3)`` in :data:`JOINTS` order."""
    return np.stack([joint_xyz(positions, skeleton, j) for j in JOINTS], axis=1)


def load_cmu(takes: tuple[str, ...], step: int = 2) -> np.ndarray:
    out = []
    for take in takes:
        seq = io.load(SHARED / "cmu_mocap_bvh" / f"{take}.bvh")
        out.append(canonical(seq.positions[::step], seq.skeleton) / 100.0)  # cm → m
    return np.concatenate(out)


def load_kinect() -> np.ndarray:
    folder = SHARED / "keraal_rehab_sample" / "draw_skeleton" / "dataSampleKeraal"
    out = []
    for path in sorted(folder.glob("*Kinect*.txt")):
        rows = np.loadtxt(path)
        xyz = rows.reshape(len(rows), 25, 7)[..., :3]
        pose = canonical(xyz, KINECT_V2_25)
        # Kinect labels joints from the sensor's side: keep the anatomical handedness
        # of the CMU data (facing direction = (left - right) x up).
        fwd = np.cross(pose[:, L_SH] - pose[:, R_SH], pose[:, L_SH] - pose[:, L_HIP])
        body_to_cam = -pose[:, L_HIP].mean(0)  # from the body towards the sensor
        if (fwd @ body_to_cam).mean() < 0:
            pose = pose[:, _mirror_perm()]
        out.append(pose)
    return np.concatenate(out)


def _mirror_perm() -> np.ndarray:
    perm = []
    for j in JOINTS:
        other = j.replace("left_", "R_").replace("right_", "left_").replace("R_", "right_")
        perm.append(JOINTS.index(other))
    return np.array(perm)


def mirrored(poses: np.ndarray) -> np.ndarray:
    m = poses[:, _mirror_perm()].copy()
    m[..., 0] *= -1
    return m


def plant(poses: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """Plant a random trunk/arm/knee error in a fraction ``p`` of the poses."""
    out = poses.copy()
    n = len(poses)
    kind = rng.integers(0, 3, size=n)
    side = rng.integers(0, 2, size=n)
    deg = rng.uniform(10, 45, size=n) * rng.choice([-1, 1], size=n)
    use = rng.random(n) < p
    mid_hip = (out[:, L_HIP] + out[:, R_HIP]) / 2
    hip_axis = out[:, R_HIP] - out[:, L_HIP]
    spine = (out[:, L_SH] + out[:, R_SH]) / 2 - mid_hip
    fwd = np.cross(hip_axis, spine)
    upper = [L_SH, R_SH, L_EL, R_EL, L_WR, R_WR]
    groups = [
        (0, 0, upper, None, hip_axis),
        (1, 0, [L_EL, L_WR], L_SH, fwd),
        (1, 1, [R_EL, R_WR], R_SH, fwd),
        (2, 0, [L_AN], L_KN, hip_axis),
        (2, 1, [R_AN], R_KN, hip_axis),
    ]
    for k, sd, moved, pivot, axis in groups:
        sel = np.flatnonzero(use & (kind == k) & ((side == sd) | (k == 0)))
        if not sel.size:
            continue
        piv = mid_hip[sel] if pivot is None else out[sel, pivot]
        ang = np.abs(deg[sel]) if k == 2 else deg[sel]
        out[np.ix_(sel, moved)] = rotate_about(out[np.ix_(sel, moved)], piv, axis[sel], ang)
    return out


def random_rotations(rng: np.random.Generator, n: int) -> np.ndarray:
    """Batched :func:`posecoach.align.cameras.look_at_rotation` for a y-up world."""
    az = np.radians(rng.uniform(-180, 180, n))
    el = np.radians(rng.uniform(-30, 30, n))
    roll = np.radians(rng.uniform(-30, 30, n))
    down = np.array([0.0, -1.0, 0.0])
    fwd_az = np.stack([np.sin(az), np.zeros(n), np.cos(az)], 1)  # turn about +y (up)
    fwd = np.cos(el)[:, None] * fwd_az + np.sin(el)[:, None] * down
    cam_down = np.cos(el)[:, None] * down - np.sin(el)[:, None] * fwd_az
    right = np.cross(cam_down, fwd)
    right_r = np.cos(roll)[:, None] * right + np.sin(roll)[:, None] * cam_down
    down_r = -np.sin(roll)[:, None] * right + np.cos(roll)[:, None] * cam_down
    return np.stack([right_r, down_r, fwd], 1)


def project(poses: np.ndarray, rot: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, ...]:
    """Perspective projection (focal 1) of hip-centred poses; also camera-frame depth."""
    cam = np.einsum("bij,bnj->bni", rot, poses)
    cam[..., 2] += dist[:, None]
    return cam[..., :2] / cam[..., 2:3], cam[..., 2]


def make_pairs(poses: np.ndarray, n: int, rng: np.random.Generator, p_error: float = 0.5):
    idx = rng.integers(0, len(poses), size=n)
    clean = poses[idx] - ((poses[idx, L_HIP] + poses[idx, R_HIP]) / 2)[:, None]
    wrong = plant(clean, rng, p_error)
    ra, rb = random_rotations(rng, n), random_rotations(rng, n)
    da, db = rng.uniform(2.5, 8.0, n), rng.uniform(2.5, 8.0, n)
    ref2d, _ = project(clean, ra, da)
    target2d, _ = project(wrong, ra, da)
    att2d, att_depth = project(wrong, rb, db)
    # estimator noise (~3% of the torso) and dropped joints (never the whole torso)
    for arr in (ref2d, att2d):
        torso = np.linalg.norm(
            arr[:, [L_SH, R_SH]].mean(1) - arr[:, [L_HIP, R_HIP]].mean(1), axis=-1
        )
        arr += rng.normal(scale=0.03, size=arr.shape) * torso[:, None, None]
    limbs = [j for j in range(K) if j not in TORSO]
    masks = []
    for _ in range(2):
        m = np.ones((n, K))
        m[:, limbs] = rng.random((n, len(limbs))) > 0.08
        masks.append(m)
    att_mask, ref_mask = masks
    a_n, _, a_s = normalize_2d(att2d, att_mask)
    r_n, r_c, r_s = normalize_2d(ref2d, ref_mask)
    tgt = (target2d - r_c[:, None]) / r_s[:, None, None]
    # depth in the attempt's normalised units: (1/d) * (Z - Z_hip) / scale
    hip_depth = db
    z = (att_depth - hip_depth[:, None]) / db[:, None] / a_s[:, None]
    return {
        "att": a_n.astype(np.float32),
        "att_mask": att_mask.astype(np.float32),
        "ref": r_n.astype(np.float32),
        "ref_mask": ref_mask.astype(np.float32),
        "target": tgt.astype(np.float32),
        "depth": z.astype(np.float32),
    }


def build_model():
    import torch
    from torch import nn

    def mlp(n_in: int, n_out: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Linear(n_in, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
            nn.Linear(HIDDEN, n_out),
        )  # fmt: skip

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lift = mlp(3 * K, K)
            self.cam = mlp(6 * K, N_CAM)
            nn.init.zeros_(self.cam[4].weight)
            nn.init.zeros_(self.cam[4].bias)

        def forward(self, att, att_mask, ref, ref_mask):
            b = att.shape[0]
            a_in = torch.cat([att.reshape(b, -1), att_mask], 1)
            r_in = torch.cat([ref.reshape(b, -1), ref_mask], 1)
            depth = self.lift(a_in)
            cam = self.cam(torch.cat([a_in, r_in], 1))
            six = cam[:, :6] + torch.tensor([1.0, 0, 0, 0, 1.0, 0])
            e1 = six[:, :3] / six[:, :3].norm(dim=-1, keepdim=True).clamp_min(1e-9)
            b2 = six[:, 3:] - (e1 * six[:, 3:]).sum(-1, keepdim=True) * e1
            e2 = b2 / b2.norm(dim=-1, keepdim=True).clamp_min(1e-9)
            rot = torch.stack([e1, e2, torch.cross(e1, e2, dim=-1)], 1)
            xyz = torch.cat([att, depth[..., None]], -1)
            turned = torch.einsum("bij,bnj->bni", rot, xyz)
            k = 0.3 * torch.tanh(cam[:, 9])
            denom = (1.0 + k[:, None] * turned[..., 2]).clamp_min(0.2)
            pred = torch.exp(cam[:, 6])[:, None, None] * turned[..., :2] / denom[..., None]
            return pred + cam[:, None, 7:9], depth

    return Model()


def loss_fn(model, batch):
    import torch

    pred, depth = model(batch["att"], batch["att_mask"], batch["ref"], batch["ref_mask"])
    w = torch.ones(K)
    w[list(TORSO)] = 3.0
    w = w[None] * batch["att_mask"]
    dist = (pred - batch["target"]).norm(dim=-1)
    main = (dist * w).sum() / w.sum()
    aux = ((depth - batch["depth"]).abs() * batch["att_mask"]).sum() / batch["att_mask"].sum()
    return main + 0.3 * aux, main


def similarity_residual(data: dict) -> float:
    """Per-pose 2D similarity (Umeyama) on the same normalised held-out pairs."""
    from posecoach.align.estimators import similarity

    w = data["att_mask"] * data["ref_mask"]
    m = similarity(data["att"].astype(float), data["target"].astype(float), w)
    from posecoach.align.estimators import apply_matrix

    out = apply_matrix(m, data["att"].astype(float))
    d = np.linalg.norm(out - data["target"], axis=-1)
    return float((d * w).sum() / w.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=12000)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--samples", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-lr", type=float, default=1e-3)
    ap.add_argument("--clip", type=float, default=1.0, help="gradient-norm clip (0: off)")
    ap.add_argument("--out", type=Path, default=ROOT / "src/posecoach/align/weights")
    args = ap.parse_args()

    import torch
    from safetensors.torch import save_file

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    cmu = load_cmu(TRAIN_TAKES)
    kinect = load_kinect()
    train_poses = np.concatenate([cmu, kinect])
    train_poses = np.concatenate([train_poses, mirrored(train_poses)])
    test_poses = load_cmu(TEST_TAKES)
    print(
        f"train poses {len(train_poses)} (CMU {len(cmu)}, Kinect {len(kinect)}, x2 mirrored); "
        f"held-out poses {len(test_poses)} ({', '.join(TEST_TAKES)})"
    )
    train = make_pairs(train_poses, args.samples, rng)
    test_clean = make_pairs(test_poses, 4000, np.random.default_rng(1), p_error=0.0)
    test_err = make_pairs(test_poses, 4000, np.random.default_rng(2), p_error=1.0)
    print(f"data ready in {time.time() - t0:.1f}s")
    tt = {k: torch.from_numpy(v) for k, v in train.items()}
    model = build_model()
    opt = torch.optim.AdamW(model.parameters(), lr=args.max_lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.max_lr, total_steps=args.steps)
    gen = torch.Generator().manual_seed(args.seed)
    for step in range(args.steps):
        idx = torch.randint(0, args.samples, (args.batch,), generator=gen)
        batch = {k: v[idx] for k, v in tt.items()}
        loss, main_loss = loss_fn(model, batch)
        opt.zero_grad()
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        sched.step()
        if step % 500 == 0 or step == args.steps - 1:
            print(
                f"step {step:5d} loss {loss.item():.4f} residual {main_loss.item():.4f} "
                f"({time.time() - t0:.0f}s)",
                flush=True,
            )
    model.eval()
    results = {}
    with torch.no_grad():
        for name, data in (("clean", test_clean), ("planted_error", test_err)):
            b = {k: torch.from_numpy(v) for k, v in data.items()}
            _, _res = loss_fn(model, b)
            pred, _ = model(b["att"], b["att_mask"], b["ref"], b["ref_mask"])
            d = (pred - b["target"]).norm(dim=-1) * b["att_mask"]
            results[name] = {
                "learned": float(d.sum() / b["att_mask"].sum()),
                "similarity": similarity_residual(data),
            }
    print("held-out residual (mean joint distance / torso):", json.dumps(results))
    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in state.items()} == layer_shapes()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "learned.safetensors"
    tmp = path.with_suffix(".tmp")
    # one metadata key: safetensors orders several keys at random, so bytes would differ
    save_file(state, str(tmp), metadata={"format": "posecoach.learned_aligner/1"})
    tmp.replace(path)
    meta = {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": "posecoach.learned_aligner",
        "version": 1,
        "joints": list(JOINTS),
        "train_takes": [*list(TRAIN_TAKES), "keraal kinect x3"],
        "held_out_takes": list(TEST_TAKES),
        "steps": args.steps,
        "batch": args.batch,
        "samples": args.samples,
        "seed": args.seed,
        "max_lr": args.max_lr,
        "clip": args.clip,
        "torch": torch.__version__,
        "train_seconds": round(time.time() - t0, 1),
        "held_out_residual": results,
    }
    meta_tmp = args.out / "learned.json.tmp"
    meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
    meta_tmp.replace(args.out / "learned.json")
    print(f"wrote {path} ({path.stat().st_size} bytes) in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
