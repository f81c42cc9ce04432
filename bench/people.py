"""Issue "The right person in every frame": subject choice in extraction, OLD / PLAIN / NEW.

Run: ``.venv/bin/python bench/people.py [--quick] [--sections 1,2,3] [--repeat 2]
[--out /tmp/people_bench]`` (needs MediaPipe and the Pose2Sim demo videos, which
:func:`posecoach.sample_data.fetch` downloads once with pip and then reuses). The extraction
cache is off (``extract(..., cache=False)``), so every time is a real run.

Competitors, side by side in one run (the machine is shared: read the ratios):

- OLD: the previous default, :class:`~posecoach.extract.subject.SubjectTracker` with the
  rule ``"largest"`` frame by frame (people found in the first frame, crop tracking, the
  torso-colour identity check). ``extract`` now sends every rule through the people pass,
  so OLD is driven here as ``extract``'s ``_run`` drives ``SubjectTracker`` (threaded
  decode, one ``process`` call per frame).
- PLAIN: ``extract(subject=None)``: MediaPipe's own tracking on the full frame.
- NEW: ``extract()`` with its default ``subject="longest"``: the people pass
  (:func:`~posecoach.extract.people.scan_people`), then plain tracking when at most one
  person is in view at a time, else :class:`~posecoach.extract.follow.TrackFollower` on
  the chosen track.

Sections (each prints a table):

1. Every real single-person video there is (the four Pose2Sim Demo_SinglePerson views; per
   ``../shared/data/README.md`` no other package on the index ships one): frames PLAIN
   finds, frames OLD and NEW keep, their ratio to PLAIN, the share of PLAIN's frames where
   the pose is the same person as PLAIN's, and wall times (best of ``--repeat``).
   Targets: NEW kept / PLAIN >= 0.99; NEW / PLAIN time <= 1.3.
2. Pose2Sim Demo_MultiPerson views: the people pass, then ``extract(subject=<id>)`` for
   every person in view for at least 0.5 s (or 3 samples). A frame is on person ``k`` when
   the pose's box overlaps ``k``'s track box (``PersonTrack.box_at``) more than any other
   person's ("box"), and, as a check independent of the linking of boxes into tracks, when
   the pose's torso colours are nearest those of ``k`` at the track's first sample
   ("colour"). OLD, PLAIN and the NEW default are scored the same way (who they follow).
   Target: NEW with an id >= 95% of its frames on that person. Contact strips (skeleton and
   the chosen track's box every 20 frames) go to ``--out`` as PNG, to be looked at.
3. A synthetic passer-by: single/cam01 with a larger person (the woman of multi/cam01, cut
   out with MediaPipe's segmentation, scaled x1.3) sliding in front from the right from a
   third of the way through (speed: across the frame in 2 s), written to a temporary mp4.
   Truth = PLAIN on the original video (the athlete). Per competitor (OLD, PLAIN, NEW, NEW
   with the athlete's first-frame box ``x0,y0,x1,y1@0``): share of the truth frames where
   the pose is the athlete (hip centre within 0.25 torso length, or box IoU > 0.5), also
   over the frames where the passer-by hides less than half of his keypoints; frames on
   someone else; frames dropped. Target: NEW and NEW box >= 95% of the visible frames.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from form import table  # type: ignore[import-not-found]  # bench/form.py

ROOT = Path(__file__).resolve().parents[1]
SHARED_README = ROOT.parent / "shared" / "data" / "README.md"

SINGLE = ("single/cam01", "single/cam02", "single/cam03", "single/cam04")
MULTI = ("multi/cam01", "multi/cam02", "multi/cam03", "multi/cam04")
QUICK_SINGLE = ("single/cam01",)
QUICK_MULTI = ("multi/cam03",)

#: A person counts in section 2 when in view this long (seconds) or this many samples.
MIN_SPAN_S = 0.5
MIN_SAMPLES = 3
#: Section 3: same person when the hip centres are this close (in truth torso lengths) ...
HIP_TOL = 0.25
#: ... or the boxes overlap this much.
IOU_TOL = 0.5
#: Section 3: the passer-by is this much larger than in its source frame.
PASSER_SCALE = 1.3
#: Section 3: seconds the passer-by takes to cross the whole frame.
PASSER_CROSS_S = 2.0
#: Frames between two tiles of a contact strip.
STRIP_STEP = 20

Box = tuple[float, float, float, float]


# ----------------------------------------------------------------------------- helpers
def fmt(x: float | None, digits: int = 2) -> str:
    """A number for a table, ``-`` when missing."""
    if x is None or not np.isfinite(x):
        return "-"
    return f"{x:.{digits}f}"


def pct(num: int, den: int) -> str:
    """``num / den`` as a percentage, ``-`` when ``den`` is 0."""
    return f"{100.0 * num / den:.1f}%" if den else "-"


def box_iou(a: Box | None, b: Box | None) -> float:
    """IoU of two boxes (0 when either is missing)."""
    if a is None or b is None:
        return 0.0
    from posecoach.extract.mediapipe_backend import box_iou as iou

    return iou(a, b)


def area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


@dataclass
class Run:
    """One competitor's result on one video: 2D poses (NaN where none) and what it said."""

    name: str
    xy: np.ndarray  # (T, K, 2) pixels
    conf: np.ndarray  # (T, K)
    seconds: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> np.ndarray:
        """``(T,)`` bool: a pose in the frame."""
        return np.asarray(np.isfinite(self.xy).all(axis=2).any(axis=1))

    @property
    def n_found(self) -> int:
        return int(self.found.sum())

    def box(self, f: int) -> Box | None:
        """The pose's box in frame ``f`` (confident keypoints), None without a pose."""
        if f >= len(self.xy) or not self.found[f]:
            return None
        from posecoach.extract.base import Detection

        return Detection(self.xy[f], self.conf[f]).box()

    def detection(self, f: int) -> Any:
        from posecoach.extract.base import Detection

        kp = np.concatenate([self.xy[f], np.zeros((self.xy.shape[1], 1))], axis=1)
        return Detection(kp, self.conf[f])

    def dropped(self) -> str:
        """The follower's dropped frames by reason (``-`` when it did not follow)."""
        d = {k: int(v) for k, v in (self.meta.get("frames_dropped") or {}).items() if v}
        if "frames_dropped" not in self.meta:
            return "-"
        return ", ".join(f"{n} {k}" for k, n in d.items()) or "0"

    def events(self) -> str:
        """The subject events, counted by kind (``chosen`` left out)."""
        counts: dict[str, int] = {}
        for e in self.meta.get("subject_events") or []:
            kind = str(e.get("event"))
            if kind != "chosen":
                counts[kind] = counts.get(kind, 0) + 1
        return ", ".join(f"{n} {k}" for k, n in counts.items()) or "none"


def run_extract(path: Path, subject: Any, name: str) -> Run:
    """``extract(path, subject=subject)`` with the cache off, timed."""
    from posecoach.extract import extract

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        seq = extract(path, subject=subject, cache=False)
        dt = time.perf_counter() - t0
    return Run(name, seq.positions[..., :2].copy(), seq.confidence.copy(), dt, dict(seq.metadata))


def run_old(path: Path) -> Run:
    """OLD: ``SubjectTracker(backend, "largest")`` fed every frame, as ``_run`` feeds it."""
    from posecoach.extract.base import get_backend
    from posecoach.extract.pipeline import prefetch
    from posecoach.extract.subject import SubjectTracker
    from posecoach.skeletons import get
    from posecoach.video import read_frames

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        backend = get_backend("mediapipe")
        k = get(backend.skeleton).n_joints
        tracker = SubjectTracker(backend, "largest")
        xy: list[np.ndarray] = []
        conf: list[np.ndarray] = []
        try:
            for frame in prefetch(read_frames(path)):
                det = tracker.process(frame.image, frame.time)
                if det is None:
                    xy.append(np.full((k, 2), np.nan))
                    conf.append(np.zeros(k))
                else:
                    xy.append(np.asarray(det.keypoints[:, :2], dtype=float))
                    conf.append(np.asarray(det.confidence, dtype=float))
        finally:
            tracker.close()
            close_backend(backend)
        dt = time.perf_counter() - t0
    meta = {"subject": "largest", "subject_mode": "old", "subject_events": tracker.events}
    return Run("OLD", np.stack(xy), np.stack(conf), dt, meta)


def close_backend(backend: Any) -> None:
    """Release the backend's people finder, when it has one."""
    close = getattr(backend, "close", None)
    if callable(close):
        close()


def skeleton() -> Any:
    from posecoach.skeletons import get

    return get("blazepose_33")


def same_person(a: Run, truth: Run, f: int) -> bool:
    """``a``'s pose in frame ``f`` is the person of ``truth``'s pose there."""
    if not (a.found[f] and truth.found[f]):
        return False
    from posecoach.geometry import hip_center, torso_length

    sk = skeleton()
    ha, ht = hip_center(a.xy[f], sk), hip_center(truth.xy[f], sk)
    torso = float(torso_length(truth.xy[f], sk))
    close = np.isfinite(ha).all() and np.isfinite(ht).all() and torso > 0
    if close and float(np.linalg.norm(ha - ht)) <= HIP_TOL * torso:
        return True
    return box_iou(a.box(f), truth.box(f)) > IOU_TOL


def frames_at(path: Path, wanted: Iterable[int]) -> dict[int, np.ndarray]:
    """Decoded RGB frames of ``path`` at the indices ``wanted``."""
    from posecoach.video import read_video

    need = set(wanted)
    out: dict[int, np.ndarray] = {}
    if not need:
        return out
    last = max(need)
    for i, frame in enumerate(read_video(path)):
        if i in need:
            out[i] = frame.image
        if i >= last:
            break
    return out


def strip(
    frames: dict[int, np.ndarray],
    runs: Sequence[tuple[Run, tuple[int, int, int]]],
    boxes: Callable[[int], list[tuple[Box, tuple[int, int, int], str]]],
    title: str,
    tile_h: int = 640,
) -> np.ndarray:
    """An RGB strip: one tile per frame, each run's skeleton drawn in its colour, and the
    boxes ``boxes(frame)`` (box, colour, label); frame number and ``title`` on top."""
    import cv2

    from posecoach.render.annotators import SkeletonAnnotator

    tiles = []
    for f in sorted(frames):
        img = frames[f].copy()
        for b, colour, label in boxes(f):
            p0, p1 = (round(b[0]), round(b[1])), (round(b[2]), round(b[3]))
            cv2.rectangle(img, p0, p1, colour, 6)
            cv2.putText(
                img, label, (p0[0] + 8, p0[1] + 50), cv2.FONT_HERSHEY_SIMPLEX, 1.6, colour, 4
            )
        for run, colour in runs:
            if f < len(run.xy) and run.found[f]:
                SkeletonAnnotator(color=colour, thickness=6, radius=8).draw_into(
                    img, run.xy[f], "blazepose_33", run.conf[f]
                )
        scale = tile_h / img.shape[0]
        img = cv2.resize(img, (round(img.shape[1] * scale), tile_h))
        cv2.putText(img, f"frame {f}", (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 0), 2)
        tiles.append(img)
    sheet = np.hstack(tiles)
    head = np.full((40, sheet.shape[1], 3), 255, np.uint8)
    cv2.putText(head, title, (8, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    return np.vstack([head, sheet])


def write_png(path: Path, strips: Sequence[np.ndarray]) -> Path:
    """Stack RGB strips (padded to one width) and write them as a PNG."""
    import cv2

    width = max(s.shape[1] for s in strips)
    rows = [np.pad(s, ((0, 0), (0, width - s.shape[1]), (0, 0))) for s in strips]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.ascontiguousarray(np.vstack(rows)[..., ::-1]))
    return path


def no_boxes(f: int) -> list[tuple[Box, tuple[int, int, int], str]]:
    return []


RED = (213, 94, 0)
BLUE = (0, 114, 178)
GREEN = (0, 158, 115)
YELLOW = (240, 228, 66)
GREY = (160, 160, 160)


# ----------------------------------------------------------------------------- section 1
def other_single_videos() -> str:
    """What ``../shared/data/README.md`` lists beyond Pose2Sim (shown in the output)."""
    if not SHARED_README.is_file():
        return "../shared/data/README.md not found: only the Pose2Sim views are used"
    text = SHARED_README.read_text(encoding="utf-8")
    ships = [line for line in text.splitlines() if line.startswith("- `") and "wheel" in line]
    names = [line.split("`")[1] for line in ships]
    return (
        f"packages on the index that ship media per ../shared/data/README.md: {names}; "
        "only pose2sim ships videos (mediapipe ships models), so the four Pose2Sim single "
        "views are all the real single-person videos (the two mmpose clips in ../shared/data "
        "are 5-frame crowd scenes, not single-person)"
    )


def section_single(paths: dict[str, Path], keys: Sequence[str], repeat: int) -> None:
    print("\n== 1. Single-person videos: frames kept and time, OLD / PLAIN / NEW ==")
    print(other_single_videos())
    print(
        f"best of {repeat} interleaved run(s) each; 'same' = share of PLAIN's frames where the "
        "pose is PLAIN's person"
    )
    rows = []
    tot = {"plain": 0, "old": 0, "new": 0, "t_plain": 0.0, "t_old": 0.0, "t_new": 0.0}
    notes = []
    for key in keys:
        path = paths[key]
        best: dict[str, Run] = {}
        for _ in range(repeat):
            for r in (
                run_extract(path, None, "PLAIN"),
                run_old(path),
                run_extract(path, "longest", "NEW"),
            ):
                if r.name not in best or r.seconds < best[r.name].seconds:
                    best[r.name] = r
        plain, old, new = best["PLAIN"], best["OLD"], best["NEW"]
        n = plain.n_found
        same_old = sum(same_person(old, plain, f) for f in range(len(plain.xy)))
        same_new = sum(same_person(new, plain, f) for f in range(len(plain.xy)))
        tot["plain"] += n
        tot["old"] += old.n_found
        tot["new"] += new.n_found
        tot["t_plain"] += plain.seconds
        tot["t_old"] += old.seconds
        tot["t_new"] += new.seconds
        rows.append(
            [
                key,
                len(plain.xy),
                n,
                old.n_found,
                new.n_found,
                fmt(old.n_found / max(n, 1), 3),
                fmt(new.n_found / max(n, 1), 3),
                pct(same_old, n),
                pct(same_new, n),
                new.meta.get("subject_mode"),
                fmt(plain.seconds),
                fmt(old.seconds),
                fmt(new.seconds),
                fmt(old.seconds / plain.seconds),
                fmt(new.seconds / plain.seconds),
            ]
        )
        if old.events() != "none":
            notes.append(f"{key} OLD events: {old.events()}")
        if new.events() != "none" or new.dropped() not in ("-", "0"):
            notes.append(f"{key} NEW events: {new.events()}; dropped: {new.dropped()}")
    header = [
        "video", "frames", "PLAIN", "OLD", "NEW", "OLD/PL", "NEW/PL", "same OLD", "same NEW",
        "NEW mode", "t PLAIN", "t OLD", "t NEW", "tOLD/PL", "tNEW/PL",
    ]  # fmt: skip
    widths = [14, 7, 6, 5, 5, 7, 7, 9, 9, 9, 8, 7, 7, 8, 8]
    if len(keys) > 1:
        rows.append(
            [
                "all",
                "",
                tot["plain"],
                tot["old"],
                tot["new"],
                fmt(tot["old"] / max(tot["plain"], 1), 3),
                fmt(tot["new"] / max(tot["plain"], 1), 3),
                "",
                "",
                "",
                fmt(tot["t_plain"]),
                fmt(tot["t_old"]),
                fmt(tot["t_new"]),
                fmt(tot["t_old"] / tot["t_plain"]),
                fmt(tot["t_new"] / tot["t_plain"]),
            ]
        )
    table(header, rows, widths)
    for line in notes:
        print("  " + line)
    ok_kept = tot["new"] >= 0.99 * tot["plain"]
    ok_time = tot["t_new"] <= 1.3 * tot["t_plain"]
    print(
        f"targets: NEW kept/PLAIN >= 0.99: {'met' if ok_kept else 'NOT met'} "
        f"({fmt(tot['new'] / max(tot['plain'], 1), 3)}); NEW/PLAIN time <= 1.3: "
        f"{'met' if ok_time else 'NOT met'} ({fmt(tot['t_new'] / tot['t_plain'])})"
    )


# ----------------------------------------------------------------------------- section 2
def meaningful(tracks: Sequence[Any]) -> list[Any]:
    """The people in view for at least ``MIN_SPAN_S`` or ``MIN_SAMPLES`` samples."""
    return [
        t
        for t in tracks
        if t.last_time - t.first_time >= MIN_SPAN_S - 1e-9 or len(t.frames) >= MIN_SAMPLES
    ]


def colour_refs(path: Path, tracks: Sequence[Any], backend: Any) -> dict[int, np.ndarray]:
    """Torso colour histogram of each person at the first sample of its track (the
    detection of the people finder that matches the track's first box)."""
    from posecoach.extract.subject import appearance

    frames = frames_at(path, {t.frames[0] for t in tracks})
    refs: dict[int, np.ndarray] = {}
    for t in tracks:
        img = frames[t.frames[0]]
        people = backend.find_people(img)
        if not people:
            continue
        best = max(people, key=lambda d: box_iou(d.box(), t.boxes[0]))
        if box_iou(best.box(), t.boxes[0]) < 0.5:
            continue
        sig = appearance(img, best, backend.skeleton)
        if sig is not None:
            refs[t.id] = sig
    return refs


def athlete_id(single: Path, refs: dict[int, np.ndarray], backend: Any) -> int | None:
    """The person whose torso colours are nearest the athlete's in the first frame of the
    single-person take seen by the same camera (the largest person there)."""
    from posecoach.extract.subject import appearance, appearance_distance

    if not refs:
        return None
    img = frames_at(single, [0])[0]
    people = backend.find_people(img)
    if not people:
        return None
    det = max(people, key=lambda d: area(d.box()))
    sig = appearance(img, det, backend.skeleton)
    if sig is None:
        return None
    d = {i: appearance_distance(ref, sig) for i, ref in refs.items()}
    return min(d, key=lambda i: d[i])


@dataclass
class Labels:
    """Per frame, whom a run's pose is on (person id, or 0 for nobody / no pose)."""

    by_box: np.ndarray
    by_colour: np.ndarray


def label_runs(
    path: Path, runs: Sequence[Run], tracks: Sequence[Any], every: int, refs: dict[int, np.ndarray]
) -> list[Labels]:
    """Whom every run's pose is on, frame by frame (one decoding pass for all runs)."""
    from posecoach.extract.subject import appearance, appearance_distance
    from posecoach.video import read_video

    n = max(len(r.xy) for r in runs)
    out = [Labels(np.zeros(n, int), np.zeros(n, int)) for _ in runs]
    for f, frame in enumerate(read_video(path)):
        if f >= n:
            break
        boxes = {t.id: t.box_at(f, reach=every) for t in tracks}
        for r, lab in zip(runs, out, strict=True):
            pb = r.box(f)
            if pb is None:
                continue
            ious = {i: box_iou(pb, b) for i, b in boxes.items()}
            if ious and max(ious.values()) > 0:
                lab.by_box[f] = max(ious, key=lambda i: ious[i])
            if refs:
                sig = appearance(frame.image, r.detection(f), "blazepose_33")
                if sig is not None:
                    d = {i: appearance_distance(ref, sig) for i, ref in refs.items()}
                    lab.by_colour[f] = min(d, key=lambda i: d[i])
    return out


def section_multi(paths: dict[str, Path], keys: Sequence[str], out_dir: Path) -> None:
    from posecoach.extract.base import get_backend
    from posecoach.extract.people import choose_track, scan_people

    print("\n== 2. Pose2Sim multi-person views: is the pose on the chosen person? ==")
    print(
        f"person = in view >= {MIN_SPAN_S} s or >= {MIN_SAMPLES} samples; 'box' = the pose's box "
        "overlaps the person's track box most; 'colour' = torso colours nearest that person's "
        "at its first sample; shares are of the frames with a pose"
    )
    summary = []
    defaults_right = 0
    for key in keys:
        path = paths[key]
        backend = get_backend("mediapipe")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            scan = scan_people(path, backend)
            scan_s = time.perf_counter() - t0
            people = meaningful(scan.tracks)
            refs = colour_refs(path, people, backend)
            single = paths.get(key.replace("multi/", "single/"))
            athlete = athlete_id(single, refs, backend) if single is not None else None
        close_backend(backend)
        default = choose_track(scan.tracks, "longest", scan.image_size)
        defaults_right += default.id == athlete
        listing = "; ".join(
            f"{t.id}: {t.first_time:.2f}-{t.last_time:.2f} s, {len(t.frames)} samples, frames "
            f"{t.frames}" + ("" if t in people else " (not counted)")
            for t in scan.tracks
        )
        print(
            f"\n{key}: people pass {scan_s:.2f} s, every {scan.every} frames, at most "
            f"{scan.max_together} together, {scan.n_frames} frames"
        )
        print(f"  people: {listing}")
        print(
            f"  colour references for {sorted(refs)}; the athlete (torso colours nearest his in "
            f"the single-person take, same camera) is person {athlete}; 'longest' chooses "
            f"person {default.id}"
            + (" (the athlete)" if default.id == athlete else " (NOT the athlete)")
        )
        runs = [
            run_old(path),
            run_extract(path, None, "PLAIN"),
            run_extract(path, "longest", "NEW"),
        ]
        runs += [run_extract(path, t.id, f"NEW id {t.id}") for t in people]
        scanned = runs[2].meta.get("people", {}).get("people", [])
        if [p["id"] for p in scanned] != [t.id for t in scan.tracks]:
            print(f"  WARNING: NEW's own people pass differs: {scanned}")
        labels = label_runs(path, runs, people, scan.every, refs)
        header = ["competitor", "pose", "time s"]
        widths = [12, 6, 8]
        for t in people:
            header += [f"{t.id} box", f"{t.id} colour"]
            widths += [8, 10]
        header += ["mode", "dropped / events"]
        widths += [8, 2]
        rows = []
        for r, lab in zip(runs, labels, strict=True):
            n = r.n_found
            row: list[Any] = [r.name, n, fmt(r.seconds)]
            for t in people:
                row += [
                    pct(int((lab.by_box == t.id).sum()), n),
                    pct(int((lab.by_colour == t.id).sum()), n) if refs else "-",
                ]
            extra = f"  dropped {r.dropped()}; events {r.events()}"
            row += [str(r.meta.get("subject_mode")), extra]
            rows.append(row)
            if r.name.startswith("NEW id"):
                ident = int(r.name.split()[-1])
                summary.append(
                    [
                        key,
                        f"{ident}{' athlete' if ident == athlete else ''}",
                        f"{n}/{len(r.xy)}",
                        pct(int((lab.by_box == ident).sum()), n),
                        pct(int((lab.by_colour == ident).sum()), n) if refs else "-",
                        r.dropped(),
                    ]
                )
        table(header, rows, widths)
        # contact strips: each NEW-with-id run, its track's box (yellow) and the others' (grey)
        every_f = list(range(0, scan.n_frames, STRIP_STEP))
        if scan.n_frames - 1 not in every_f:
            every_f.append(scan.n_frames - 1)
        frames = frames_at(path, every_f)
        for r in runs[2:]:
            ident = default.id if r.name == "NEW" else int(r.name.split()[-1])

            def boxes_of(
                f: int, ident: int = ident, scan: Any = scan
            ) -> list[tuple[Box, tuple[int, int, int], str]]:
                bs = []
                for t in scan.tracks:
                    b = t.box_at(f, reach=scan.every)
                    if b is not None:
                        bs.append((b, YELLOW if t.id == ident else GREY, str(t.id)))
                return bs

            name = r.name.replace(" ", "_").replace("NEW", "new")
            title = f"{key} {r.name}: skeleton red, person {ident}'s track box yellow, others grey"
            png = write_png(
                out_dir / f"{key.replace('/', '_')}_{name}.png",
                [strip(frames, [(r, RED)], boxes_of, title)],
            )
            print(f"  contact strip: {png}")
    print("\nsummary: NEW with a person id, share of its pose frames on that person (target 95%)")
    table(
        ["view", "person", "pose", "box", "colour", "dropped"],
        summary,
        [14, 10, 9, 8, 8, 40],
    )
    print(f"the default 'longest' chose the athlete in {defaults_right} of {len(keys)} view(s)")


# ----------------------------------------------------------------------------- section 3
@dataclass
class Passer:
    """A cut-out person (RGB and alpha) crossing the frame from ``start`` on: leftwards
    from the right edge (``direction`` -1) or rightwards from the left edge (+1), its
    bottom at ``bottom``."""

    rgb: np.ndarray
    alpha: np.ndarray
    start: int
    speed: float  # pixels per frame
    direction: int
    width: int  # of the video
    bottom: int

    def place(self, f: int) -> tuple[int, int] | None:
        """Top-left corner of the cut-out in frame ``f`` (None before it enters)."""
        if f < self.start:
            return None
        moved = (f - self.start) * self.speed
        cw = self.rgb.shape[1]
        x = self.width - moved if self.direction < 0 else -cw + moved
        return round(x), self.bottom - self.rgb.shape[0]

    def composite(self, image: np.ndarray, f: int) -> np.ndarray:
        at = self.place(f)
        if at is None:
            return image
        x, y = at
        h, w = image.shape[:2]
        ch, cw = self.alpha.shape
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + cw, w), min(y + ch, h)
        if x1 <= x0 or y1 <= y0:
            return image
        out = image.copy()
        a = self.alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
        src = self.rgb[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32)
        dst = out[y0:y1, x0:x1].astype(np.float32)
        out[y0:y1, x0:x1] = np.clip(a * src + (1 - a) * dst, 0, 255).astype(np.uint8)
        return out

    def hidden(self, f: int, points: np.ndarray) -> float:
        """Share of the athlete's keypoints ``points`` ((K, 2) pixels, NaN where unsure)
        that the passer-by's silhouette covers in frame ``f`` (the share of his box it
        covers says little: a box holds much background between spread arms and legs)."""
        at = self.place(f)
        ok = np.isfinite(points).all(axis=1)
        if at is None or not ok.any():
            return 0.0
        x, y = at
        ch, cw = self.alpha.shape
        px = np.round(points[ok, 0]).astype(int) - x
        py = np.round(points[ok, 1]).astype(int) - y
        inside = (px >= 0) & (px < cw) & (py >= 0) & (py < ch)
        covered = np.zeros(len(px), bool)
        covered[inside] = self.alpha[py[inside], px[inside]] > 0.5
        return float(covered.mean())


def cut_out(source: Path) -> tuple[np.ndarray, np.ndarray]:
    """The largest person of ``source``'s first frame, segmented by MediaPipe and scaled by
    ``PASSER_SCALE``: RGB and alpha in [0, 1]."""
    import cv2

    from posecoach.extract.base import get_backend
    from posecoach.extract.mediapipe_backend import MediaPipeSession
    from posecoach.extract.subject import crop_box

    image = frames_at(source, [0])[0]
    backend = get_backend("mediapipe")
    people = backend.find_people(image)
    close_backend(backend)
    if not people:
        raise RuntimeError(f"{source}: nobody in the first frame to cut out")
    det = max(people, key=lambda d: area(d.box()))
    h, w = image.shape[:2]
    x0, y0, x1, y1 = crop_box(det.box(), (w, h), margin=0.12)
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    session = MediaPipeSession(static=True, segmentation=True)
    session.process(crop)
    mask = session.last_mask
    session.close()
    if mask is None:
        raise RuntimeError("MediaPipe gave no segmentation mask")
    m = np.asarray(mask, dtype=np.float32)
    ys, xs = np.nonzero(m > 0.5)
    m = m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    rgb = crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    nh, nw = round(rgb.shape[0] * PASSER_SCALE), round(rgb.shape[1] * PASSER_SCALE)
    rgb = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
    alpha = np.clip((cv2.resize(m, (nw, nh)) - 0.3) / 0.4, 0.0, 1.0).astype(np.float32)
    return rgb, alpha


def write_composite(path: Path, passer: Passer, out: Path) -> int:
    """``path`` with ``passer`` composited in, as H.264 mp4 at ``out``; frames written."""
    from posecoach.video import VideoWriter, probe_video, read_video

    info = probe_video(path)
    with VideoWriter(out, fps=info.fps, size=(info.width, info.height), crf=18) as writer:
        for f, frame in enumerate(read_video(path)):
            writer.write(passer.composite(frame.image, f))
    return writer.frames_written


#: Section 3 variants: (name, direction, seconds to cross the whole frame).
PASSERS = (("right->left 2 s", -1, PASSER_CROSS_S), ("left->right 2 s", 1, PASSER_CROSS_S),
           ("right->left 3 s", -1, 1.5 * PASSER_CROSS_S))  # fmt: skip


def passer_variant(
    src: Path, truth: Run, passer: Passer, name: str, out_png: Path | None
) -> dict[str, float]:
    """One composite: the competitors' table; returns each one's share on the athlete over
    the truth frames where less than half of his keypoints are hidden."""
    tmp = Path(tempfile.mkdtemp(prefix="people_bench_"))
    video = tmp / "passer.mp4"
    b0 = truth.box(0)
    if b0 is None:
        raise RuntimeError("PLAIN found nobody in the first frame of single/cam01")
    box_spec = ",".join(str(round(v)) for v in b0) + "@0"
    try:
        written = write_composite(src, passer, video)
        digest = hashlib.sha256(video.read_bytes()).hexdigest()[:12]
        runs = [
            run_old(video),
            run_extract(video, None, "PLAIN"),
            run_extract(video, "longest", "NEW"),
            run_extract(video, box_spec, "NEW box@0"),
        ]
    finally:
        video.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            tmp.rmdir()
    truth_frames = [f for f in range(len(truth.xy)) if truth.found[f]]
    # the body's keypoints (BlazePose 11-32, shoulders down): the 11 face points stay
    # above a passer-by of the same height and would hide how much of him is covered
    confident = np.where((truth.conf >= 0.5)[..., None], truth.xy, np.nan)[:, 11:]
    visible = [f for f in truth_frames if passer.hidden(f, confident[f]) < 0.5]
    with_passer = [f for f in truth_frames if f >= passer.start]
    print(
        f"\n{name}: {passer.speed:.1f} px/frame from frame {passer.start}; {written} frames, "
        f"mp4 sha256 {digest}; truth frames {len(truth_frames)}, {len(with_passer)} with the "
        f"passer-by in view, {len(truth_frames) - len(visible)} with the athlete over half hidden; "
        f"NEW box subject {box_spec}"
    )
    rows = []
    shares: dict[str, float] = {}
    for r in runs:
        on = {f for f in truth_frames if same_person(r, truth, f)}
        other = [f for f in truth_frames if r.found[f] and f not in on]
        dropped = [f for f in truth_frames if not r.found[f]]
        on_visible = [f for f in visible if f in on]
        shares[r.name] = len(on_visible) / max(len(visible), 1)
        rows.append(
            [
                r.name,
                pct(len(on), len(truth_frames)),
                pct(len(on_visible), len(visible)),
                pct(len([f for f in with_passer if f in on]), len(with_passer)),
                len(other),
                min(other) if other else "-",
                len(dropped),
                fmt(r.seconds),
                str(r.meta.get("subject_mode")),
                f"  dropped {r.dropped()}; events {r.events()}",
            ]
        )
    header = [
        "competitor", "athlete", "visible", "w/ passer", "other", "1st other", "dropped",
        "time s", "mode", "",
    ]  # fmt: skip
    table(header, rows, [12, 9, 9, 10, 6, 10, 8, 7, 8, 2])
    for r in runs[2:]:
        people = r.meta.get("people") or {}
        found = "; ".join(
            f"{p['id']}: {p['first_s']}-{p['last_s']} s, {p['samples']} samples, box "
            + ",".join(str(round(v)) for v in p["box"])
            for p in people.get("people", [])
        )
        print(f"  {r.name} people pass: {found}; followed person {people.get('subject_id')}")
    if out_png is not None:
        idx = list(range(passer.start, len(truth.xy), 11))
        original = frames_at(src, idx)
        frames = {f: passer.composite(img, f) for f, img in original.items()}
        title = "truth: PLAIN on the original video"
        strips = [strip(original, [(truth, BLUE)], no_boxes, title)]
        strips += [strip(frames, [(r, RED)], no_boxes, f"{r.name} ({name})") for r in runs]
        print(
            f"  contact strips (truth, then one row per competitor): {write_png(out_png, strips)}"
        )
    return shares


def section_passer(paths: dict[str, Path], out_dir: Path, quick: bool) -> None:
    from posecoach.video import probe_video

    print("\n== 3. Synthetic passer-by in single/cam01 (truth: PLAIN on the original) ==")
    src = paths["single/cam01"]
    info = probe_video(src)
    n = info.n_frames or 100
    rgb, alpha = cut_out(paths["multi/cam01"])
    truth = run_extract(src, None, "truth")
    print(
        f"passer-by: the largest person of multi/cam01 frame 0 cut out by MediaPipe's "
        f"segmentation, x{PASSER_SCALE} = {rgb.shape[1]}x{rgb.shape[0]} px (the athlete's box "
        f"is about 480x740), entering at frame {n // 3} ({n // 3 / info.fps:.2f} s) of {n}, "
        "in front of the athlete"
    )
    print(
        "athlete = share of truth frames where the pose is the athlete (hip centre within "
        f"{HIP_TOL} torso, or box IoU > {IOU_TOL}); visible = of the frames where less than "
        "half of his confident body keypoints (shoulders down) are behind the passer-by; "
        "w/ passer = of the frames from the passer-by's entry; other = frames on someone "
        "else; dropped = truth frames without a pose"
    )
    summary: dict[str, list[float]] = {}
    for i, (name, direction, cross_s) in enumerate(PASSERS[:1] if quick else PASSERS):
        speed = (info.width + rgb.shape[1]) / (cross_s * info.fps)
        passer = Passer(rgb, alpha, n // 3, speed, direction, info.width, info.height - 40)
        png = out_dir / f"passer_{i + 1}.png"
        for k, share in passer_variant(src, truth, passer, name, png).items():
            summary.setdefault(k, []).append(share)
    print("\nsection 3 summary: share on the athlete of his visible frames, worst and mean")
    rows = []
    for k, shares in summary.items():
        target = ">= 95%" if k.startswith("NEW") else ""
        worst, mean = 100 * min(shares), 100 * float(np.mean(shares))
        rows.append([k, f"{worst:.1f}%", f"{mean:.1f}%", target])
    table(["competitor", "worst", "mean", "target"], rows, [12, 8, 8, 8])


# ----------------------------------------------------------------------------- main
def warm_up(path: Path) -> None:
    """Load MediaPipe, PyAV and the posecoach modules once, so no timed run pays for it."""
    from posecoach.extract import extract

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extract(path, subject=None, cache=False, max_frames=10)
        extract(path, cache=False, max_frames=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one single and one multi view")
    parser.add_argument("--sections", default="1,2,3", help="comma-separated, e.g. 2,3")
    parser.add_argument("--repeat", type=int, default=None, help="section 1 runs per competitor")
    parser.add_argument("--out", type=Path, default=Path("/tmp/people_bench"))
    args = parser.parse_args()
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    repeat = args.repeat or (1 if args.quick else 2)
    try:
        from posecoach.sample_data import fetch

        paths = fetch()
    except Exception as exc:
        print(f"skipped: the Pose2Sim videos are unavailable ({type(exc).__name__}: {exc})")
        return
    from posecoach.extract.base import get_backend

    ok, why = get_backend("mediapipe").available()
    if not ok:
        print(f"skipped: MediaPipe is not usable: {why}")
        return
    print(f"posecoach people benchmark ({'quick' if args.quick else 'full'}), {why}")
    print(f"cpu_count={os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    warm_up(paths["single/cam01"])
    if "1" in sections:
        section_single(paths, QUICK_SINGLE if args.quick else SINGLE, repeat)
    if "2" in sections:
        section_multi(paths, QUICK_MULTI if args.quick else MULTI, args.out)
    if "3" in sections:
        section_passer(paths, args.out, args.quick)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
