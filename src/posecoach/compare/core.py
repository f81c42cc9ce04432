"""Compare an attempt with a reference: the chain on two poses, no file touched.

``compare(reference, attempt)`` runs:

1. keep the body joints both sides have (converted by joint name);
2. match in time with DTW on hip-centred, torso-normalised poses
   (:mod:`posecoach.compare.temporal`), resampling to a common frame rate when the two
   differ; when the reference is one repetition and the attempt holds several, each
   repetition is found by subsequence DTW and scored on its own;
3. align the matched reference onto the attempt in space (:func:`posecoach.align.align`,
   one transform for the whole sequence, then the hips follow the person frame by frame),
   once for drawing and once for scoring (:data:`SCORE_ALIGNER`, 3D when both sides
   have it);
4. score (:mod:`posecoach.compare.score`), write cues (:mod:`posecoach.compare.cues`)
   and the corrected pose (:mod:`posecoach.compare.corrected`).

Files and videos in, result folders out: :mod:`posecoach.app.compare`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.compare.coaching import CoachCue, coach_cues
from posecoach.compare.form import (
    FormAssessment,
    FormModel,
    assess_form,
    combine,
    distance_to_form_score,
    feature_excess,
    worst_mean,
)
from posecoach.compare.score import (
    CALIBRATION,
    ERROR_BANDS,
    FrameScores,
    error_bands_dict,
    overall_score,
    score_frames,
)
from posecoach.compare.temporal import Repetition, dtw_path, find_repetitions, pose_features
from posecoach.errors import InputError
from posecoach.geometry import hip_center, torso_length
from posecoach.pose import PoseSequence
from posecoach.skeletons import BODY_JOINTS, TORSO_JOINTS

__all__ = [
    "SCHEMA_VERSION",
    "SCORE_JOINTS",
    "CompareResult",
    "compare",
]

#: Version of the result.json layout; bump when a key changes meaning or disappears.
SCHEMA_VERSION = 2

#: Body joints compared (those both sides have, in this order).
SCORE_JOINTS: tuple[str, ...] = BODY_JOINTS
#: An attempt shorter than this fraction of the reference is matched inside it
#: (open-begin/open-end DTW) instead of end to end.
SUBSEQUENCE_RATIO = 0.67
#: A whole-sequence spatial transform is fitted on at most this many evenly spread frames.
MAX_FIT_FRAMES = 300
_FALLBACKS = ("similarity", "normalize")
#: Aligner used before measuring errors (the drawing uses the aligner default): one
#: global similarity separated correct from faulty executions best in
#: bench/calibrate_score.py (mean ROC AUC 0.93 vs 0.88 with the learned aligner; bicep
#: curl lean-back 0.86 vs 0.63), and leaves identical poses identical.
SCORE_ALIGNER = "similarity"
_TORSO = TORSO_JOINTS

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CompareResult:
    """Everything :func:`compare` found; ``to_dict()`` is the content of result.json.

    Attributes
    ----------
    score
        Form score 0-100 against what correct looks like
        (:mod:`posecoach.compare.form`; mean of the repetition scores in repetition
        mode).
    reps
        ``[{index, start_s, end_s, score, start_frame, end_frame, cost}]``.
    cues
        At most three :class:`~posecoach.compare.coaching.CoachCue`, best first (none
        when the attempt matches).
    frames
        :class:`~posecoach.compare.score.FrameScores` per attempt frame.
    attempt, reference
        The compared attempt and the reference matched to it frame by frame and aligned
        onto it (same ``T``, common joints) by the drawing aligner, in the attempt's
        image.
    corrected
        The corrected pose (:func:`posecoach.compare.corrected.corrected_pose`).
    reference_index
        ``(T,)`` reference frame matched to each attempt frame (-1: none).
    path
        ``(N, 2)`` DTW path of (reference frame, attempt frame) pairs.
    mode
        ``"sequence"``, ``"repetitions"`` or ``"pose"`` (one frame on a side).
    outdir
        Where the files were written (None when not written).
    files
        Written file names relative to ``outdir``.
    error_bands
        Good / bad joint-error thresholds in torso lengths
        (:data:`posecoach.compare.score.ERROR_BANDS`); drawings colour joints with them.
    """

    score: float
    reps: list[dict[str, Any]]
    cues: list[CoachCue]
    frames: FrameScores
    attempt: PoseSequence
    reference: PoseSequence
    corrected: PoseSequence
    reference_index: np.ndarray
    path: np.ndarray
    mode: str
    dtw_cost: float
    info: dict[str, Any] = field(default_factory=dict)
    outdir: Path | None = None
    files: dict[str, Any] = field(default_factory=dict)
    error_bands: tuple[float, float] = ERROR_BANDS

    def to_dict(self) -> dict[str, Any]:
        """The result.json content (NaN becomes ``None``)."""
        fs = self.frames
        angles = []
        for i, name in enumerate(fs.angle_names):
            d = np.abs(fs.angle_diffs[:, i])
            ok = np.isfinite(d)
            angles.append(
                {
                    "name": name,
                    "mean_abs_diff_deg": float(d[ok].mean()) if ok.any() else None,
                    "max_abs_diff_deg": float(d[ok].max()) if ok.any() else None,
                }
            )
        times = self.attempt.timestamps
        ref_times = [
            float(self.info["reference_times"][j]) if j >= 0 else None for j in self.reference_index
        ]
        out = {
            "schema_version": SCHEMA_VERSION,
            "score": self.score,
            "mode": self.mode,
            "reps": self.reps,
            "cues": [c.to_dict() for c in self.cues],
            "joints": fs.joint_summary(),
            "angles": angles,
            "frames": {
                "time_s": times.tolist(),
                "score": fs.scores.tolist(),
                "distance": fs.distance.tolist(),
                "reference_time_s": ref_times,
            },
            "dtw": {"cost": self.dtw_cost, "path_length": len(self.path)},
            "error_bands": error_bands_dict(self.error_bands),
            "form": self.info.get("form", {}),
            "coverage": self.info.get("coverage", {}),
            "position_score": self.info.get("position_score"),
            "reference": self.info.get("reference", {}),
            "attempt": self.info.get("attempt", {}),
            "files": self.files,
            "provenance": self.info.get("provenance", {}),
        }
        return _clean(out)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


# ---------------------------------------------------------------------------- sides
def _describe(seq: PoseSequence) -> str:
    src = seq.metadata.get("source")
    return f"{src}" if src else f"{seq.skeleton.name} sequence of {seq.n_frames} frames"


# ---------------------------------------------------------------------------- preparation
def _common_joints(ref: PoseSequence, att: PoseSequence) -> tuple[PoseSequence, PoseSequence]:
    from posecoach.skeletons import SkeletonError, convert

    if att.skeleton != ref.skeleton:
        try:
            att = convert(att, ref.skeleton).sequence
        except SkeletonError as exc:
            raise InputError(
                f"incompatible skeletons: expected joints in common, got reference "
                f"{ref.skeleton.name!r} and attempt {att.skeleton.name!r} ({exc})"
            ) from None
    seen_r, seen_a = ref.visible.any(axis=0), att.visible.any(axis=0)
    names = [
        n
        for n in SCORE_JOINTS
        if ref.skeleton.has(n) and seen_r[ref.skeleton.index(n)] and seen_a[ref.skeleton.index(n)]
    ]
    if not all(j in names for j in _TORSO) or len(names) < 6:
        raise InputError(
            "incompatible skeletons: expected both sides to share at least the shoulders, "
            f"the hips and two more body joints, got {names} in common between reference "
            f"{ref.skeleton.name!r} and attempt {att.skeleton.name!r}"
        )
    ref, att = ref.select_joints(names), att.select_joints(names)
    # Image-space z (MediaPipe's relative depth) is too noisy to score; 3D stays in
    # ``world``. Mixed 2D/3D compares in 2D.
    if ref.dims == 3 and (ref.space != "world" or att.dims == 2):
        ref = ref.replace(positions=ref.positions[..., :2])
    if att.dims == 3 and (att.space != "world" or ref.dims == 2):
        att = att.replace(positions=att.positions[..., :2])
    if ref.space == "normalized" and ref.image_size is not None and att.space == "pixel":
        ref = ref.to_pixels()
    if att.space == "normalized" and att.image_size is not None and ref.space == "pixel":
        att = att.to_pixels()
    return ref, att


def _require_person(seq: PoseSequence, role: str) -> None:
    vis = seq.visible
    torso = [seq.skeleton.index(j) for j in _TORSO if seq.skeleton.has(j)]
    if len(torso) < 4 or not vis[:, torso].all(axis=1).any():
        raise InputError(
            f"{role} {_describe(seq)}: expected a person (shoulders and hips visible) in "
            f"at least one frame, got none in {seq.n_frames} frames"
        )


# ---------------------------------------------------------------------------- matching
@dataclass
class _Match:
    reference_index: np.ndarray  # (T_att,)
    path: np.ndarray  # (N, 2) reference, attempt original frames
    reps: list[Repetition]
    mode: str
    cost: float


def _grid(seq: PoseSequence, rate: float) -> np.ndarray:
    t0, t1 = float(seq.timestamps[0]), float(seq.timestamps[-1])
    return np.arange(t0, t1 + 0.5 / rate, 1.0 / rate)


def _nearest(times: np.ndarray, t: np.ndarray) -> np.ndarray:
    idx = np.clip(np.searchsorted(times, t), 1, len(times) - 1)
    left = times[idx - 1]
    right = times[idx]
    return np.where(np.abs(t - left) <= np.abs(right - t), idx - 1, idx)


def _counted_repetitions(
    att: PoseSequence, fr: np.ndarray, fa: np.ndarray, grid: np.ndarray | None
) -> list[Repetition]:
    """The automatic counter's repetitions of ``att`` (:mod:`posecoach.compare.autoreps`),
    as spans of the feature grid ``fa`` (``grid``: its times, when resampled), each with
    its DTW match to the reference features ``fr``."""
    from posecoach.compare.autoreps import count_reps_auto
    from posecoach.compare.temporal import path_cost

    try:
        counted = count_reps_auto(att).reps
    except InputError:
        return []
    out = []
    for r in counted:
        if grid is not None:
            a = int(np.searchsorted(grid, r.start_s))
            b = int(np.searchsorted(grid, r.end_s))
        else:
            a, b = r.start, r.end
        b = min(max(b, a + 2), len(fa))
        if b - a < 2:
            continue
        p, _ = dtw_path(fr, fa[a:b])
        path = p + np.array([0, a])
        out.append(Repetition(a, b, path_cost(fr, fa, path), path))
    return out


def _match(ref: PoseSequence, att: PoseSequence, reps: str | bool, band: int | None) -> _Match:
    from posecoach.compare.temporal import resample_features

    names = list(ref.skeleton.names)
    use_world = ref.world is not None and att.world is not None
    if ref.n_frames == 1:
        path = np.stack([np.zeros(att.n_frames, dtype=np.int64), np.arange(att.n_frames)], 1)
        return _Match(np.zeros(att.n_frames, dtype=np.int64), path, [], "pose", float("nan"))
    fr = pose_features(ref, names, use_world=use_world)
    fa = pose_features(att, names, use_world=use_world)
    if att.n_frames == 1:
        j = int(np.argmin(np.linalg.norm(fr - fa[0], axis=1)))
        return _Match(
            np.array([j]), np.array([[j, 0]]), [], "pose", float(np.linalg.norm(fr[j] - fa[0]))
        )
    rate = min(ref.fps, att.fps)
    resample = abs(ref.fps - att.fps) > 0.05 * rate
    tr, ta = ref.timestamps, att.timestamps
    if resample:
        gr, ga = _grid(ref, rate), _grid(att, rate)
        fr, fa = resample_features(fr, tr, gr), resample_features(fa, ta, ga)
    else:
        gr, ga = tr, ta
    to_ref = _nearest(tr, gr) if resample else np.arange(len(gr))
    to_att = _nearest(ta, ga) if resample else np.arange(len(ga))

    found: list[Repetition] = []
    if reps is not False and len(fa) >= 1.5 * len(fr):
        # the repetitions `posecoach reps` counts (the automatic counter), each matched to
        # the reference; when it finds fewer than two, the reference is looked for instead
        found = _counted_repetitions(att, fr, fa, ga if resample else None)
        if len(found) < 2:
            found = find_repetitions(fr, fa)
        if reps == "auto" and len(found) < 2:
            found = []
    ref_index = np.full(att.n_frames, -1, dtype=np.int64)
    if found:
        grid_paths = [r.path for r in found if r.path is not None]
        cost = float(np.mean([r.cost for r in found]))
        mode = "repetitions"
        reps_out = [
            Repetition(int(to_att[r.start]), int(to_att[r.end - 1]) + 1, r.cost) for r in found
        ]
    elif len(fa) < SUBSEQUENCE_RATIO * len(fr):
        # A short attempt shows part of the movement: match it inside the reference.
        p, cost = dtw_path(fa, fr, band=band, open_begin=True, open_end=True)
        grid_paths = [p[:, ::-1]]
        mode = "sequence"
        reps_out = []
    else:
        p, cost = dtw_path(fr, fa, band=band)
        grid_paths = [p]
        mode = "sequence"
        reps_out = []
    pairs = np.concatenate(grid_paths)
    pairs = np.stack([to_ref[pairs[:, 0]], to_att[pairs[:, 1]]], axis=1)
    pairs = np.unique(pairs, axis=0)
    # Each attempt frame takes the middle of its matched reference frames (a monotone
    # path matches each attempt frame to a contiguous run of reference frames).
    order = np.lexsort((pairs[:, 0], pairs[:, 1]))
    pairs = pairs[order]
    cols, starts = np.unique(pairs[:, 1], return_index=True)
    lo = np.minimum.reduceat(pairs[:, 0], starts)
    hi = np.maximum.reduceat(pairs[:, 0], starts)
    ref_index[cols] = np.round((lo + hi) / 2).astype(np.int64)
    if mode == "sequence":  # frames between resampled grid points
        known = np.flatnonzero(ref_index >= 0)
        ref_index = np.round(np.interp(np.arange(att.n_frames), known, ref_index[known])).astype(
            np.int64
        )
    return _Match(ref_index, pairs, reps_out, mode, cost)


# ---------------------------------------------------------------------------- alignment
def _align_onto(
    matched: PoseSequence, att: PoseSequence, method: str | None, *, per_frame: bool = False
) -> tuple[PoseSequence, str]:
    """The frame-matched reference aligned onto the attempt, and the aligner used.

    With the default method (``None``), an aligner that cannot work on these poses (too
    few confident shared joints, no 3D) falls back to ``similarity``, then ``normalize``.
    """
    from posecoach.align import default_method
    from posecoach.align.base import AlignmentError

    ok = np.isfinite(matched.positions).all(axis=(1, 2)) | matched.visible.any(axis=1)
    first = method if method is not None else default_method(att, matched)
    chain = [first] if method is not None else list(dict.fromkeys([first, *_FALLBACKS]))
    aligned = None
    name = first
    for name in chain:
        try:
            aligned = _fit_apply(matched, att, name, per_frame)
            break
        except AlignmentError:
            if name == chain[-1]:
                raise
    assert aligned is not None
    # The hips follow the person frame by frame (the camera may not be static).
    shift = hip_center(att.positions, att.skeleton) - hip_center(
        aligned.positions, aligned.skeleton
    )
    global_shift = np.nanmedian(shift, axis=0) if np.isfinite(shift).any() else 0.0
    shift = np.where(np.isfinite(shift), shift, global_shift)
    pos = aligned.positions + shift[:, None, :]
    pos[~ok] = np.nan
    return aligned.replace(positions=pos), name


def _fit_apply(
    matched: PoseSequence, att: PoseSequence, name: str, per_frame: bool
) -> PoseSequence:
    from posecoach.align import align

    usable = np.flatnonzero(matched.visible.any(axis=1) & att.visible.any(axis=1))
    if not per_frame and len(usable) > MAX_FIT_FRAMES:
        # One transform for a long sequence: fit it on evenly spread frames.
        pick = usable[np.linspace(0, len(usable) - 1, MAX_FIT_FRAMES).round().astype(int)]
        fit = align(matched.frames(pick), att.frames(pick), method=name, per_frame=False)
        m = fit.transform.matrix
        if m is not None and m.shape[0] == 1:
            from posecoach.align.estimators import apply_matrix

            t, k, d = matched.positions.shape
            moved = apply_matrix(m, matched.positions.reshape(1, t * k, d))
            return matched.replace(positions=moved.reshape(t, k, d), world=None)
    return align(matched, att, method=name, per_frame=per_frame).aligned


# ---------------------------------------------------------------------------- compare
def compare(
    reference: PoseSequence | Sequence[PoseSequence],
    attempt: PoseSequence,
    *,
    method: str | None = None,
    reps: str | bool = "auto",
    band: int | None = None,
    progress: Progress | None = None,
) -> CompareResult:
    """Compare an attempt with a reference (see the module docstring for the steps).

    Parameters
    ----------
    reference, attempt
        The two :class:`PoseSequence` objects (reading files and videos is the
        application layer's: :func:`posecoach.app.compare.compare_files`).
    method
        Spatial aligner (a name of :func:`posecoach.align.available_aligners`, ``"none"``
        for poses already in one frame). ``None``: the aligner default places the
        reference in the attempt's image (with fallbacks), and errors are measured after
        :data:`SCORE_ALIGNER`. A given method is used for both, and fails loudly when it
        cannot work on these poses. Both names are in ``result.json``
        (``provenance.aligner`` and ``provenance.parameters.score_aligner``).
    reps
        ``"auto"``: score repetitions separately when at least two are found in an
        attempt at least 1.5 times the reference's length; ``True``: whenever one is
        found; ``False``: never.
    band
        Sakoe-Chiba band (frames at the common rate) for the whole-sequence DTW.
    progress
        ``callback(done, total)`` over the stages.

    Returns
    -------
    CompareResult

    Raises
    ------
    InputError
        No person on a side, skeletons without enough joints in common.

    Example
    -------
    >>> t = np.linspace(0, 1, 20)
    >>> p = np.zeros((20, 17, 2)); p[:, [5, 6], 1] = 0; p[:, [11, 12], 1] = 2
    >>> p[:, [5, 11], 0] = -1; p[:, [6, 12], 0] = 1; p[:, 0] = [0, -1]
    >>> p[:, [13, 14], 1] = 4; p[:, [15, 16], 1] = 6; p[:, [13, 15], 0] = -1
    >>> p[:, [14, 16], 0] = 1; p[:, [7, 9], 0] = -2; p[:, [8, 10], 0] = 2
    >>> p[:, 9, 1] = np.sin(np.pi * t) * 2
    >>> seq = PoseSequence(p, skeleton="coco_17")
    >>> round(compare(seq, seq, method="none").score, 1)
    100.0
    """
    stages = 4
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, stages)

    started = time.time()
    references = [reference] if isinstance(reference, PoseSequence) else list(reference)
    if not references:
        raise InputError("expected a reference (or several correct executions), got none")
    att_raw = attempt
    use_world = att_raw.world is not None and all(r.world is not None for r in references)
    model = FormModel.from_references(references, use_world=use_world)
    # The medoid execution is the one drawn and matched by position.
    ref_raw = references[model.base_index]
    tick()
    for seq, role in ((ref_raw, "reference"), (att_raw, "attempt")):
        if not seq.visible.any():
            raise InputError(
                f"{role} {_describe(seq)}: expected a person in at least one frame, got "
                f"no joint in any of {seq.n_frames} frames"
            )
    ref, att = _common_joints(ref_raw, att_raw)
    _require_person(ref, "reference")
    _require_person(att, "attempt")
    match = _match(ref, att, reps, band)
    tick()
    matched = _matched_reference(ref, att, match.reference_index)
    # One transform for the sequence (static camera), except for a single reference
    # pose held against many attempt frames, which is aligned frame by frame.
    one = ref.n_frames == 1
    # The drawing alignment places the reference in the attempt's image; errors are
    # measured after SCORE_ALIGNER (unless a method is given), in 3D when both sides
    # have it. Both are computed whatever is drawn, so the score never depends on it.
    aligned, aligner = _align_onto(matched, att, method, per_frame=one)
    score_method = SCORE_ALIGNER if method in (None, "view3d") else method
    from posecoach.align.base import aligner_dims

    # Score in 3D when both sides have it and the scoring aligner works in 3D.
    has_3d = att.world is not None and matched.world is not None and 3 in aligner_dims(score_method)
    if has_3d:
        # Both sides have 3D: score in 3D (view-independent).
        att_s = _world_sequence(att)
        ref_s, score_aligner = _align_onto(
            _world_sequence(matched), att_s, score_method, per_frame=one
        )
    elif score_method == aligner:
        att_s, ref_s, score_aligner = att, aligned, aligner
    else:
        att_s = att
        ref_s, score_aligner = _align_onto(matched, att, score_method, per_frame=one)
    tick()
    fs = score_frames(att_s, ref_s)
    counted = (fs.weights > 0).sum(axis=1)
    frame_w = np.where(counted > 0, fs.weights.sum(axis=1) / np.maximum(counted, 1), 0.0)
    position_score = overall_score(fs.distance, frame_w)
    # The headline: form against what correct looks like (view-invariant quantities,
    # allowed spreads that know the camera noise); per-frame scores on its scale.
    parts = [(r.start, r.end) for r in match.reps] or [(0, att.n_frames)]
    pieces = [assess_form(model, att_raw.frames(slice(a, b)), band=band) for a, b in parts]
    form = combine(parts, pieces, att.n_frames)
    cues = coach_cues(form, att.timestamps)
    fs = dataclasses.replace(fs, scores=form.frame_scores)
    from posecoach.compare.corrected import corrected_pose

    corrected = corrected_pose(att, aligned)
    reps_out = []
    if match.reps:
        for i, (r, piece) in enumerate(zip(match.reps, pieces, strict=True)):
            reps_out.append(_rep_dict(i, r, piece.score, att))
        score = float(np.nanmean([r["score"] for r in reps_out]))
    else:
        score = form.score
        reps_out.append(_rep_dict(0, Repetition(0, att.n_frames, match.cost), score, att))
    tick()
    info = {
        "reference": _side_info(ref_raw),
        "attempt": _side_info(att_raw),
        "reference_times": ref.timestamps,
        "provenance": _provenance(
            aligner, score_aligner, reps, band, match, ref, started, in_3d=has_3d
        ),
        "reference_full": ref,
        "form": _form_info(form, model),
        "reference_index": model.base_index,
        "coverage": _coverage(form, att_raw),
        "position_score": position_score,
    }
    result = CompareResult(
        score=float(score),
        reps=reps_out,
        cues=cues,
        frames=fs,
        attempt=att,
        reference=aligned,
        corrected=corrected,
        reference_index=match.reference_index,
        path=match.path,
        mode=match.mode,
        dtw_cost=match.cost,
        info=info,
    )
    return result


def _world_sequence(seq: PoseSequence) -> PoseSequence:
    """The sequence's 3D ``world`` coordinates as its positions."""
    assert seq.world is not None
    return seq.replace(positions=seq.world, world=None, space="world", image_size=None)


def _torso_unit(seq: PoseSequence) -> float:
    sk = seq.skeleton
    torso = torso_length(seq.positions, sk)
    return float(np.nanmedian(torso)) if np.isfinite(torso).any() else 1.0


def _matched_reference(ref: PoseSequence, att: PoseSequence, index: np.ndarray) -> PoseSequence:
    safe = np.clip(index, 0, ref.n_frames - 1)
    pos = ref.positions[safe].copy()
    conf = ref.confidence[safe].copy()
    pos[index < 0] = np.nan
    conf[index < 0] = 0.0
    world = None
    if ref.world is not None:
        world = ref.world[safe].copy()
        world[index < 0] = np.nan
    return PoseSequence(
        pos,
        confidence=conf,
        world=world,
        skeleton=ref.skeleton,
        fps=att.fps,
        timestamps=att.timestamps,
        space=ref.space,
        image_size=ref.image_size,
        metadata=dict(ref.metadata),
    )


def _rep_dict(i: int, r: Repetition, score: float, att: PoseSequence) -> dict[str, Any]:
    ts = att.timestamps
    end_s = float(ts[r.end - 1]) + 1.0 / att.fps
    return {
        "index": i,
        "start_s": float(ts[r.start]),
        "end_s": end_s,
        "score": score,
        "start_frame": r.start,
        "end_frame": r.end,
        "cost": r.cost,
    }


def _side_info(seq: PoseSequence) -> dict[str, Any]:
    return {
        "source": seq.metadata.get("source"),
        "skeleton": seq.skeleton.name,
        "n_frames": seq.n_frames,
        "fps": seq.fps,
        "duration_s": seq.duration,
        "space": seq.space,
        "image_size": list(seq.image_size) if seq.image_size else None,
        "provenance": seq.provenance,
    }


def _provenance(
    aligner: str,
    score_aligner: str,
    reps: str | bool,
    band: int | None,
    match: _Match,
    ref: PoseSequence,
    started: float,
    *,
    in_3d: bool,
) -> dict[str, Any]:
    import importlib.metadata as md

    from posecoach import __version__

    versions = {"posecoach": __version__}
    for dist in ("numpy", "scipy", "dtaidistance", "mediapipe"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[dist] = md.version(dist)
    return {
        "versions": versions,
        "aligner": aligner,
        "parameters": {
            "reps": reps,
            "band": band,
            "mode": match.mode,
            "joints": list(ref.skeleton.names),
            "per_frame_alignment": ref.n_frames == 1,
            "score_aligner": score_aligner,
            "scored_in": "3D world coordinates" if in_3d else "attempt image",
        },
        "calibration": CALIBRATION,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
    }


def form_score_of(form: FormAssessment, frames: slice) -> float:
    """The form score of a part of the attempt (one repetition).

    Example
    -------
    >>> from posecoach.compare.form import FormModel, assess_form
    >>> from posecoach.compare.synthetic import stick_squat
    >>> seq = stick_squat(30)
    >>> round(form_score_of(assess_form(FormModel.from_references([seq]), seq), slice(0, 15)))
    100
    """
    usable = form.usable[frames]
    if not usable.any():
        return float("nan")
    per = feature_excess(form.z[frames], usable)
    return float(distance_to_form_score(worst_mean(per, axis=0)))


def _form_info(form: FormAssessment, model: FormModel) -> dict[str, Any]:
    order = np.argsort(-np.nan_to_num(form.feature_excess, nan=-1.0))
    quantities = []
    for i in order:
        d = np.abs(form.difference[:, i])
        ok = np.isfinite(d)
        quantities.append(
            {
                "name": form.names[i],
                "excess": float(form.feature_excess[i]),
                "mean_abs_diff_deg": float(d[ok].mean()) if ok.any() else None,
                "allowed_deg": float(np.nanmedian(form.allowed[:, i])),
            }
        )
    return {
        "score": form.score,
        "distance": form.distance,
        "mirrored": form.mirrored,
        "side": "the other side (left and right mirrored)" if form.mirrored else "as seen",
        "in_3d": form.in_3d,
        "hypothesis_costs": form.costs,
        "n_references": model.n_references,
        "quantities": quantities,
        "noise_floor": "compare/data/form_noise.json",
    }


def _coverage(form: FormAssessment, attempt: PoseSequence) -> dict[str, Any]:
    """Which frames were scored, and why the others were not."""
    t = attempt.timestamps
    seen = attempt.visible.any(axis=1)
    gaps = []
    bad = ~form.usable
    i = 0
    while i < len(bad):
        if not bad[i]:
            i += 1
            continue
        j = i
        while j < len(bad) and bad[j]:
            j += 1
        reason = "no person visible" if not seen[i:j].any() else "pose unreliable"
        gaps.append({"start_s": float(t[i]), "end_s": float(t[j - 1]), "reason": reason})
        i = j
    share = float(form.usable.mean()) if len(form.usable) else 0.0
    text = ""
    if gaps:
        first = gaps[0]
        text = (
            f"{first['start_s']:.1f}-{first['end_s']:.1f} s: {first['reason']}"
            + (f" (and {len(gaps) - 1} more)" if len(gaps) > 1 else "")
            + f"; {100 * (1 - share):.0f}% of the attempt not scored"
        )
    return {"scored_share": share, "not_scored": gaps, "summary": text}
