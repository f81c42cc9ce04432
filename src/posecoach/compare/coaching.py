"""Cues a coach would say, from a form assessment (:mod:`posecoach.compare.form`).

Rules:

- a difference becomes a cue only where it is clearly larger than what a change of camera
  or person explains (``|z| > Z_CUE`` allowed spreads) for at least ``min_duration_s``
  (neighbouring runs closer than a quarter second are merged, flicker is dropped); when
  the score is low but no difference lasts that long (a short clip, an error only at the
  bottom of the movement), the one largest difference lasting ``min_run_s`` is named,
  its time range widened to ``min_duration_s``;
- at most three cues, ranked by how much the score would rise if that quantity matched;
- no cue at all when the attempt's score says it matches (``>= MATCH_SCORE``);
- words keyed by quantity and direction ("bend your left knee more, about 25°"), left and
  right being the person's own sides (the mirror hypothesis is already undone by
  :func:`~posecoach.compare.form.assess_form`); numbers rounded to 5°; never distances;
- every cue carries a confidence: how sure it is that the difference is real and not
  camera noise (the mean over its time range of ``erf((|z| - 1) / sqrt(2))``).

Example
-------
>>> from posecoach.compare.form import FormModel, assess_form
>>> from posecoach.compare.synthetic import stick_squat
>>> model = FormModel.from_references([stick_squat(90)])
>>> cues = coach_cues(assess_form(model, stick_squat(90, knee_depth=0.3)))
>>> cues[0].joint, cues[0].text
('both_knee', 'bend both knees more, about 45°')
>>> coach_cues(assess_form(model, stick_squat(90)))
[]
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass

import numpy as np

from posecoach.compare.form import (
    MATCH_SCORE,
    Z_CUE,
    FormAssessment,
    distance_to_form_score,
    worst_mean,
)

__all__ = ["CoachCue", "coach_cues", "cue_sentence"]


@dataclass(frozen=True)
class CoachCue:
    """One correction.

    Attributes
    ----------
    start_s, end_s
        Time range in seconds (attempt time).
    joint
        The quantity (``left_knee``, ``trunk_tilt``, ``right_upper_arm_tilt``).
    text
        The sentence shown to the person.
    severity
        0-1: the difference in allowed spreads beyond the first, divided by 3.
    value
        Attempt minus correct, degrees (median over the range).
    confidence
        0-1: how sure the difference is real, not camera or estimator noise.
    gain
        Points the score would rise if this quantity matched.
    """

    start_s: float
    end_s: float
    joint: str
    text: str
    severity: float
    value: float
    confidence: float
    gain: float

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready dict (the ``cues`` entries of result.json)."""
        return asdict(self)


def _side(name: str) -> tuple[str, str]:
    for side in ("left", "right", "both"):
        if name.startswith(side + "_"):
            return side + " ", name[len(side) + 1 :]
    return "", name


def _about(value: float) -> str:
    deg = 5 * round(abs(value) / 5)
    return f", about {deg}°" if deg >= 10 else ""


# (quantity without side, attempt larger than correct?) -> instruction
_WORDS: dict[tuple[str, bool], str] = {
    ("knee", False): "straighten your {side}knee more",
    ("knee", True): "bend your {side}knee more",
    ("elbow", False): "straighten your {side}elbow more",
    ("elbow", True): "bend your {side}elbow more",
    ("hip", False): "open your {side}hip more (bring your trunk and thigh into line)",
    ("hip", True): "bend more at your {side}hip",
    ("shoulder", False): "bring your {side}arm closer to your body",
    ("shoulder", True): "raise your {side}arm further from your body",
    ("trunk_tilt", False): "lean your trunk further forward",
    ("trunk_tilt", True): "keep your back more upright",
    ("upper_arm_tilt", False): "lower your {side}upper arm",
    ("upper_arm_tilt", True): "raise your {side}upper arm higher",
    ("forearm_tilt", False): "lower your {side}hand",
    ("forearm_tilt", True): "raise your {side}hand higher",
    ("thigh_tilt", False): "lower your {side}thigh",
    ("thigh_tilt", True): "lift your {side}knee higher",
    ("shank_tilt", False): "keep your {side}shin more vertical",
    ("shank_tilt", True): "let your {side}knee travel further forward",
}


def cue_sentence(quantity: str, difference: float) -> str:
    """The instruction for a quantity that differs by ``difference`` degrees (attempt
    minus correct).

    Joint angles are 180° when straight, so an attempt whose knee angle is larger than
    the correct one must bend it more; inclinations are measured from the vertical
    (0° = pointing up).

    Example
    -------
    >>> cue_sentence("left_knee", 24.0)
    'bend your left knee more, about 25°'
    >>> cue_sentence("trunk_tilt", 12.0)
    'keep your back more upright, about 10°'
    >>> cue_sentence("both_knee", 70.0)
    'bend both knees more, about 70°'
    """
    side, what = _side(quantity)
    # a positive difference = the attempt's angle or inclination is larger
    template = _WORDS.get((what, difference > 0))
    if template is None:
        return f"{quantity.replace('_', ' ')} differs from the correct form{_about(difference)}"
    text = template.format(side=side) + _about(difference)
    if side == "both ":
        text = text.replace("your both ", "both ")
        for noun in ("knee", "elbow", "hip", "arm", "hand", "thigh", "shin"):
            text = text.replace(f"both {noun} ", f"both {noun}s ")
            text = text.replace(f"both upper {noun} ", f"both upper {noun}s ")
    return text


def _runs(mask: np.ndarray, min_len: int, max_gap: int) -> list[tuple[int, int]]:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    runs: list[list[int]] = [[int(idx[0]), int(idx[0]) + 1]]
    for i in idx[1:]:
        if i - runs[-1][1] <= max_gap:
            runs[-1][1] = int(i) + 1
        else:
            runs.append([int(i), int(i) + 1])
    return [(a, b) for a, b in runs if b - a >= min_len]


def coach_cues(
    assessment: FormAssessment,
    times: np.ndarray | None = None,
    *,
    max_cues: int = 3,
    min_duration_s: float = 0.5,
    min_run_s: float = 0.25,
    match_score: float = MATCH_SCORE,
    z_cue: float = Z_CUE,
) -> list[CoachCue]:
    """At most ``max_cues`` cues, best first (see the module docstring).

    Parameters
    ----------
    assessment
        From :func:`~posecoach.compare.form.assess_form`.
    times
        ``(T,)`` attempt times in seconds (default: 30 frames per second).
    """
    cues = _cues(assessment, times, max_cues, min_duration_s, min_duration_s, match_score, z_cue)
    if not cues:
        cues = _cues(assessment, times, 1, min_run_s, min_duration_s, match_score, z_cue)
    return cues


def _cues(
    a: FormAssessment,
    times: np.ndarray | None,
    max_cues: int,
    min_run_s: float,
    min_duration_s: float,
    match_score: float,
    z_cue: float,
) -> list[CoachCue]:
    if not math.isfinite(a.score) or a.score >= match_score:
        return []
    t = len(a.usable)
    ts = np.arange(t) / 30.0 if times is None else np.asarray(times, dtype=np.float64)
    fps = 1.0 / float(np.median(np.diff(ts))) if t > 1 else 30.0
    min_len = max(1, round(min_run_s * fps))
    show = max(1, round(min_duration_s * fps))
    max_gap = max(1, round(0.25 * fps))
    base = a.feature_excess
    candidates: list[CoachCue] = []
    for f, name in enumerate(a.names):
        z = np.where(a.usable, a.z[:, f], np.nan)
        for sign in (1.0, -1.0):
            mask = np.nan_to_num(sign * z, nan=0.0) > z_cue
            for s, e in _runs(mask, min(min_len, t), max_gap):
                seg = z[s:e]
                seg = seg[np.isfinite(seg)]
                if not len(seg):
                    continue
                value = float(np.nanmedian(a.difference[s:e, f]))
                if value * sign <= 0:
                    continue
                fixed = base.copy()
                fixed[f] = 0.0
                gain = float(distance_to_form_score(worst_mean(fixed, axis=0))) - a.score
                conf = float(np.mean([math.erf((abs(x) - 1.0) / math.sqrt(2)) for x in seg]))
                severity = min(1.0, float(np.mean(np.abs(seg) - 1.0)) / 3.0)
                pad = max(0, show - (e - s))
                lo = max(0, s - pad // 2)
                hi = min(t, max(e + pad - pad // 2, lo + show))
                candidates.append(
                    CoachCue(
                        float(ts[lo]),
                        float(ts[hi - 1]),
                        name,
                        cue_sentence(name, value),
                        round(severity, 3),
                        round(value, 1),
                        round(conf, 3),
                        round(max(gain, 0.0), 1),
                    )
                )
    # one cue per quantity (its strongest range)
    best: dict[str, CoachCue] = {}
    for c in candidates:
        kept = best.get(c.joint)
        weight = (c.end_s - c.start_s + 1e-3) * c.severity
        if kept is None or weight > (kept.end_s - kept.start_s + 1e-3) * kept.severity:
            best[c.joint] = c
    groups = _pair_sides(best)
    # greedily: the cue whose fix raises the score most, given the ones already chosen
    # (a cue on both sides fixes both); one per limb (a knee cue explains its thigh)
    chosen: list[CoachCue] = []
    fixed = base.copy()
    score = a.score

    def limb_members(members: tuple[str, ...]) -> list[int]:
        """The quantities a cue fixes: its own and the rest of their limbs (fixing a knee
        puts its thigh and shin right too)."""
        limbs = {_limb(m) for m in members}
        return [i for i, n in enumerate(a.names) if n in members or _limb(n) in limbs]

    def gain_of(members: tuple[str, ...]) -> float:
        trial = fixed.copy()
        trial[limb_members(members)] = 0.0
        return float(distance_to_form_score(worst_mean(trial, axis=0))) - score

    while groups and len(chosen) < max_cues:
        gains = {key: gain_of(members) for key, (_, members) in groups.items()}
        # equal gains (one limb): the quantity furthest outside its allowed spread speaks
        own = {k: max(base[a.names.index(m)] for m in ms) for k, (_, ms) in groups.items()}
        key = max(groups, key=lambda k: (round(gains[k], 1), own[k], groups[k][0].severity))
        if chosen and gains[key] <= 0.5:
            break
        cue, members = groups.pop(key)
        chosen.append(dataclasses.replace(cue, gain=round(max(gains[key], 0.0), 1)))
        fixed[limb_members(members)] = 0.0
        score += gains[key]
        limbs = {_limb(m) for m in members}
        for other in [k for k, (_, ms) in groups.items() if {_limb(m) for m in ms} & limbs]:
            del groups[other]
    return chosen


def _pair_sides(best: dict[str, CoachCue]) -> dict[str, tuple[CoachCue, tuple[str, ...]]]:
    """Left and right cues of one quantity in the same direction at overlapping times
    become one cue about both sides ("bend both knees more")."""
    out: dict[str, tuple[CoachCue, tuple[str, ...]]] = {}
    done: set[str] = set()
    for name, cue in best.items():
        if name in done:
            continue
        side, what = _side(name)
        other = ("right_" if side == "left " else "left_") + what if side else None
        twin = best.get(other) if other else None
        if (
            twin is not None
            and other is not None
            and twin.value * cue.value > 0
            and min(cue.end_s, twin.end_s) >= max(cue.start_s, twin.start_s)
        ):
            value = (cue.value + twin.value) / 2
            both = dataclasses.replace(
                cue,
                start_s=min(cue.start_s, twin.start_s),
                end_s=max(cue.end_s, twin.end_s),
                joint=f"both_{what}",
                text=cue_sentence(f"both_{what}", value),
                severity=max(cue.severity, twin.severity),
                value=round(value, 1),
                confidence=min(cue.confidence, twin.confidence),
            )
            out[f"both_{what}"] = (both, (name, other))
            done.update((name, other))
        else:
            out[name] = (cue, (name,))
            done.add(name)
    return out


def _limb(name: str) -> str:
    side, what = _side(name)
    for part, members in _LIMBS.items():
        if what in members:
            return side + part
    return name


_LIMBS = {
    "leg": ("hip", "knee", "thigh_tilt", "shank_tilt"),
    "arm": ("shoulder", "elbow", "upper_arm_tilt", "forearm_tilt"),
}
