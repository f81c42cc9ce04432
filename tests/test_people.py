"""The right person in every frame: people pass, linking, subject rules, following, CLI.

Three layers of tests:

- hand-computed unit tests of :mod:`posecoach.extract.people` (``link_people``, ``box_at``,
  ``choose_track``, ``PeopleScan``) and :func:`posecoach.extract.subject.parse_subject`;
- the whole pipeline (:func:`posecoach.extract.extract`) on tiny lossless H.264 videos of
  coloured rectangles with a FAKE backend that "detects" the rectangles, so every kept or
  dropped frame is known in advance;
- the real Pose2Sim sample videos through the CLI (``posecoach people``, ``posecoach
  extract --subject ID``), marked ``slow``.

Tests named ``test_bug_...`` demonstrate defects found in ``src/`` and fail on purpose
until the code is fixed (see the comment in each).
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach.errors import InputError
from posecoach.extract import Detection, extract
from posecoach.extract import cache as cache_module
from posecoach.extract import pipeline as pipeline_module
from posecoach.extract.cache import cache_key, code_digest
from posecoach.extract.follow import DROP_REASONS, FollowGroup, TrackFollower, sequence_subject
from posecoach.extract.mediapipe_backend import box_iou
from posecoach.extract.people import (
    MAX_MISSED,
    PeopleScan,
    PersonTrack,
    choose_track,
    describe_people,
    link_people,
    scan_people,
)
from posecoach.extract.subject import RULES, parse_subject
from posecoach.video import VideoWriter, probe_video

Box = tuple[float, float, float, float]


def _hips(seq: posecoach.PoseSequence) -> np.ndarray:
    return (seq.joint("left_hip") + seq.joint("right_hip"))[:, :2] / 2


# ===================================================================== link_people
def _box(x0: float, y0: float, w: float, h: float) -> Box:
    return (float(x0), float(y0), float(x0 + w), float(y0 + h))


def _samples(per_sample: Sequence[Sequence[Box]], every: int = 10, fps: float = 30.0):
    return [(k * every, k * every / fps, list(boxes)) for k, boxes in enumerate(per_sample)]


def test_link_people_crossing_paths_keep_identities() -> None:
    # A walks right at 30 px/sample, B walks left at 10 px/sample; both 40x100 on the same
    # row. They cross between samples 4 and 5. Linking each track to the box nearest its
    # LAST box would swap them at sample 5 (A's last box x0=120 is nearer B5 at 140 than
    # A5 at 150, and B's last box x0=150 coincides with A5); the constant-velocity
    # prediction (A: 120+30=150, B: 150-10=140) matches both exactly.
    a = [_box(30 * k, 0, 40, 100) for k in range(10)]
    b = [_box(190 - 10 * k, 0, 40, 100) for k in range(10)]
    # list the two boxes in a different order on odd samples: order must not matter
    per = [[a[k], b[k]] if k % 2 == 0 else [b[k], a[k]] for k in range(10)]
    tracks = link_people(_samples(per))
    assert [t.id for t in tracks] == [1, 2]
    assert tracks[0].boxes == a
    assert tracks[1].boxes == b
    assert tracks[0].frames == tracks[1].frames == list(range(0, 100, 10))
    np.testing.assert_allclose(tracks[0].times, np.arange(10) / 3)


@pytest.mark.parametrize("gap", [1, MAX_MISSED])
def test_link_people_missing_up_to_max_missed_keeps_id(gap: int) -> None:
    p, q = _box(0, 0, 40, 100), _box(200, 0, 40, 100)  # P hides, Q stays in view
    per = [[p, q], [p, q]] + [[q]] * gap + [[p, q], [p, q]]
    tracks = link_people(_samples(per))
    assert [t.id for t in tracks] == [1, 2]
    n = len(per)
    assert tracks[0].frames == [0, 10, 10 * (2 + gap), 10 * (3 + gap)]
    assert tracks[1].frames == [10 * k for k in range(n)]


def test_link_people_missing_longer_than_max_missed_gets_new_id() -> None:
    p, q = _box(0, 0, 40, 100), _box(200, 0, 40, 100)
    gap = MAX_MISSED + 1
    per = [[p, q], [p, q]] + [[q]] * gap + [[p, q], [p, q]]
    tracks = link_people(_samples(per))
    assert [(t.id, t.frames) for t in tracks] == [
        (1, [0, 10]),
        (2, [10 * k for k in range(len(per))]),
        (3, [10 * (2 + gap), 10 * (3 + gap)]),
    ]
    assert tracks[2].boxes == [p, p]


def test_link_people_moving_person_hidden_for_several_scans_keeps_id() -> None:
    # A 100x200 box walks 50 px per sample; seen at samples 0 and 1, hidden for three,
    # seen again at sample 5 at x0 = 250. Predicting one step ahead whatever the gap
    # (x0 = 100) finds no overlap with 250 and starts a new person; predicting where the
    # walk leads after four steps (x0 = 250) keeps the id.
    walk = [_box(50 * k, 0, 100, 200) for k in range(7)]
    per = [[walk[0]], [walk[1]], [], [], [], [walk[5]], [walk[6]]]
    tracks = link_people(_samples(per))
    assert [(t.id, t.frames) for t in tracks] == [(1, [0, 10, 50, 60])]


def test_predicted_box_keeps_its_size_when_the_person_shrinks() -> None:
    # a box that halves between two samples would extrapolate to zero width and height;
    # the prediction moves the last box's centre and keeps its size
    t = PersonTrack(1, [0, 10], [0.0, 0.3], [(0, 0, 40, 80), (10, 20, 30, 60)])
    assert t._predict(40) == pytest.approx((10.0, 20.0, 30.0, 60.0))
    shrink = [(0, 0, 40, 80), (10, 20, 30, 60), (10, 20, 30, 60)]
    tracks = link_people(_samples([[b] for b in shrink]))
    assert [t.frames for t in tracks] == [[0, 10, 20]]


def test_longest_counts_samples_in_view_not_the_time_span() -> None:
    # A is found at 8 samples in a row; B only at the first and the last sample of a
    # longer span (a merged detection at both ends, missing in between)
    a = PersonTrack(1, list(range(0, 80, 10)), [k / 3 for k in range(8)], [_box(0, 0, 40, 99)] * 8)
    b = PersonTrack(2, [0, 90], [0.0, 3.0], [_box(200, 0, 40, 99)] * 2)
    assert choose_track([a, b], "longest", (320, 240)).id == 1


def test_box_at_interpolates_between_samples_and_walks_on_for_reach() -> None:
    t = PersonTrack(
        1, [0, 10, 30], [0.0, 1 / 3, 1.0], [(0, 0, 10, 20), (10, 0, 20, 20), (10, 10, 30, 50)]
    )
    assert t.box_at(5) == pytest.approx((5.0, 0.0, 15.0, 20.0))
    # a quarter of the way from frame 10 to frame 30: (10,0,20,20) + 0.25*(0,10,10,30)
    assert t.box_at(15) == pytest.approx((10.0, 2.5, 22.5, 27.5))
    assert t.box_at(20) == pytest.approx((10.0, 5.0, 25.0, 35.0))
    assert t.box_at(10) == pytest.approx((10.0, 0.0, 20.0, 20.0))  # on a sample
    assert t.box_at(30) == pytest.approx((10.0, 10.0, 30.0, 50.0))
    assert t.box_at(31) is None and t.box_at(-1) is None  # reach 0: not in view
    # 5 frames past the last sample: held, since the centre turned ((5,10) -> (15,10) ->
    # (20,30): not a steady walk)
    assert t.box_at(35, reach=5) == pytest.approx((10.0, 10.0, 30.0, 50.0))
    assert t.box_at(-5, reach=5) == pytest.approx((0.0, 0.0, 10.0, 20.0))
    assert t.box_at(36, reach=5) is None and t.box_at(-6, reach=5) is None
    # a steady walk, 3 then 3.5 px per frame to the right: walks on at their mean
    walk = PersonTrack(
        1,
        [0, 10, 20],
        [0.0, 1 / 3, 2 / 3],
        [_box(0, 0, 40, 100), _box(30, 0, 40, 100), _box(65, 0, 40, 100)],
    )
    assert walk.box_at(30, reach=10) == pytest.approx(_box(65 + 32.5, 0, 40, 100))


def test_typical_box_area_and_activity_by_hand() -> None:
    still = PersonTrack(1, [0, 10, 20], [0, 1, 2], [(0, 0, 10, 10), (0, 0, 30, 40), (2, 0, 12, 10)])
    assert still.typical_box == (0.0, 0.0, 12.0, 10.0)  # per-coordinate median
    assert still.area == 120.0
    # centres (5,5), (15,20), (7,5); each step over the diagonal of the later box (50, 14.1)
    steps = [math.hypot(10, 15) / 50.0, math.hypot(8, 15) / math.hypot(10, 10)]
    assert still.activity == pytest.approx(sum(steps) / 2)
    assert PersonTrack(2, [0], [0.0], [(0, 0, 5, 5)]).activity == 0.0


# ===================================================================== choose_track
IMAGE = (400, 300)  # width, height: centre (200, 150)


def _planted() -> list[PersonTrack]:
    """Four people, each the hand-expected pick of one rule (times = frame / 30)."""

    def track(ident: int, frames: list[int], boxes: list[Box]) -> PersonTrack:
        return PersonTrack(ident, frames, [f / 30 for f in frames], boxes)

    longest = track(1, list(range(0, 100, 10)), [(0, 0, 20, 40)] * 10)  # 0-3 s, 10 samples
    largest = track(2, [30, 40], [(250, 100, 390, 290)] * 2)  # 140x190
    central = track(3, [0, 10, 20, 30, 40], [(190, 140, 210, 160)] * 5)  # centre (200, 150)
    active = track(4, [50, 60, 70], [(0, 200, 30, 230), (30, 200, 60, 230), (60, 200, 90, 230)])
    return [longest, largest, central, active]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("longest", 1),
        ("largest", 2),
        ("central", 3),
        ("most-active", 4),
        (2, 2),
        (4, 4),
        ((250, 100, 390, 290, 1.0), 2),  # the large box, when person 2 is there
        ((0, 200, 30, 230, 50 / 30), 4),  # where person 4 starts, at its first sample
        ((60, 200, 90, 230, 70 / 30), 4),  # where person 4 ends
        ((0, 0, 30, 50), 1),  # no time: the first time anyone is seen (0.0 s)
        ((185, 135, 215, 165), 3),  # overlaps 3 and nobody else at 0.0 s
    ],
)
def test_choose_track_rules_pick_the_planted_person(spec: object, expected: int) -> None:
    tracks = _planted()
    assert choose_track(tracks, spec, IMAGE).id == expected


def test_choose_track_box_prefers_the_best_overlap_at_that_time() -> None:
    a = PersonTrack(1, [0, 10], [0.0, 0.5], [(0, 0, 100, 100)] * 2)
    b = PersonTrack(2, [0, 10], [0.0, 0.5], [(50, 0, 150, 100)] * 2)
    # (60,0,160,100): IoU 40/160 with a, 90/110 with b
    assert choose_track([a, b], (60, 0, 160, 100, 0.5), (200, 100)).id == 2
    assert choose_track([a, b], (-10, 0, 90, 100, 0.5), (200, 100)).id == 1
    assert choose_track([a, b], np.int64(2), (200, 100)).id == 2  # an id from numpy


def test_choose_track_box_where_nobody_is_lists_the_people() -> None:
    tracks = _planted()
    # person 4's path, but at 0 s, when person 4 is not in view yet (first seen at 1.67 s)
    with pytest.raises(InputError) as err:
        choose_track(tracks, (60, 200, 90, 230, 0.0), IMAGE)
    message = str(err.value)
    assert message.startswith("nobody overlaps the subject box 60,200,90,230 at 0.0 s; found ")
    for ident in (1, 2, 3, 4):
        assert f"person {ident}: " in message
    assert "person 2: 1.0-1.3 s, box 250,100,390,290" in message


def test_choose_track_unknown_id_and_bad_specs() -> None:
    tracks = _planted()
    with pytest.raises(InputError, match=r"^no person 9 in this video; found person 1: ") as err:
        choose_track(tracks, 9, IMAGE)
    assert all(f"person {i}:" in str(err.value) for i in (1, 2, 3, 4))
    with pytest.raises(InputError, match="found nobody"):
        choose_track([], "longest", IMAGE)
    for bad in ("tallest", True, (1, 2, 3)):
        with pytest.raises(InputError, match="expected a subject rule, box or person id"):
            choose_track(tracks, bad, IMAGE)


def test_people_scan_counts_ids_and_lookup() -> None:
    scan = PeopleScan(_planted(), list(range(0, 100, 10)), 10, IMAGE, 100, 30.0)
    # frames 30 and 40 hold persons 1, 2 and 3
    assert scan.max_together == 3
    assert scan.ids() == [1, 2, 3, 4]
    assert scan.track(3).boxes[0] == (190, 140, 210, 160)
    with pytest.raises(InputError, match=r"one of \[1, 2, 3, 4\], got 7"):
        scan.track(7)
    d = scan.to_dict()
    assert d["max_together"] == 3 and d["sampled_every_frames"] == 10
    assert d["people"][3] == {
        "id": 4,
        "first_s": 1.667,
        "last_s": 2.333,
        "samples": 3,
        "box": [30.0, 200.0, 60.0, 230.0],
    }
    assert describe_people([]) == "nobody"
    assert PeopleScan([], [], 10, IMAGE, 0, 30.0).max_together == 0


# ===================================================================== parse_subject
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("longest", "longest"),
        ("largest", "largest"),
        ("central", "central"),
        ("most-active", "most-active"),
        (" Most-Active ", "most-active"),
        ("3", 3),
        (3, 3),
        (np.int64(3), 3),
        (np.array([10, 20, 110, 220]), (10.0, 20.0, 110.0, 220.0)),
        ("10,20,110,220", (10.0, 20.0, 110.0, 220.0)),
        ("10,20,110,220@1.5", (10.0, 20.0, 110.0, 220.0, 1.5)),
        ("10, 20, 110, 220 @ 1.5", (10.0, 20.0, 110.0, 220.0, 1.5)),
        ("10,20,110,220@0", (10.0, 20.0, 110.0, 220.0, 0.0)),
        ((10, 20, 110, 220), (10.0, 20.0, 110.0, 220.0)),
        ([10, 20, 110, 220, 2], (10.0, 20.0, 110.0, 220.0, 2.0)),
        (None, None),
        ("none", None),
        ("None", None),
    ],
)
def test_parse_subject_accepted_forms(value: object, expected: object) -> None:
    got = parse_subject(value)  # type: ignore[arg-type]
    assert got == expected and type(got) is type(expected)


def test_parse_subject_rules_are_the_people_rules() -> None:
    assert RULES == ("longest", "largest", "central", "most-active")
    for rule in RULES:  # every rule parse_subject accepts, choose_track knows
        choose_track(_planted(), parse_subject(rule), IMAGE)


@pytest.mark.parametrize(
    "value",
    [
        "tallest",
        "",
        "0",
        "-1",
        "1.5",
        "10,20,110",
        "10,20,5,220",  # x1 < x0
        "10,20,110,20",  # y1 == y0
        "10,20,110,220@-1",
        "10,20,110,220@soon",
        "10,20,110,220@1@2",
        "10,20,110,220@nan",
        "a,b,c,d",
        0,
        -2,
        True,
        (1, 2, 3),
        (10, 20, 5, 220),
        (10, 20, 110, 220, -0.5),
        2.5,
        "10,20,110,220@",
        "10,20,110,220,3",
        "10,20,110,220@inf",
        (10, 20, 110, float("nan")),
        object(),
    ],
)
def test_parse_subject_bad_forms_one_clear_error(value: object) -> None:
    with pytest.raises(InputError) as err:
        parse_subject(value)  # type: ignore[arg-type]
    message = str(err.value)
    assert message.startswith("expected subject 'longest', 'largest', 'central', 'most-active'")
    assert "x0,y0,x1,y1[@seconds]" in message and message.endswith(repr(value))
    assert isinstance(err.value, ValueError)  # InputError is a ValueError too


# ===================================================================== fake backend
RED, BLUE = (255, 0, 0), (0, 0, 255)
FPS, SIZE, N_FRAMES = 30, (320, 240), 60  # people pass every round(30 / 3) = 10 frames


def _blobs(rgb: np.ndarray) -> list[tuple[int, Box]]:
    """(pixel count, box) of the red and the blue rectangle in an RGB image."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    out = []
    for mask in ((r > 150) & (g < 100) & (b < 100), (b > 150) & (r < 100) & (g < 100)):
        n = int(mask.sum())
        if n >= 50:
            ys, xs = np.nonzero(mask)
            out.append((n, (float(xs.min()), float(ys.min()), xs.max() + 1.0, ys.max() + 1.0)))
    return out


def _detection(box: Box) -> Detection:
    """17 COCO keypoints: nose at the top-left corner, right ankle at the bottom-right,
    everything else (both hips) at the centre, so box() is the rectangle and the hip
    centre its centre."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    kp = np.tile([cx, cy, 0.0], (17, 1))
    kp[0, :2] = box[:2]
    kp[16, :2] = box[2:]
    return Detection(kp, np.ones(17), None, 1.0)


class FakeSession:
    """Like a tracking landmarker on a crop: the rectangle nearest the crop's centre."""

    def __init__(self, log: list[tuple[int, int]]) -> None:
        self.log = log

    def process(self, rgb: np.ndarray, time_s: float) -> list[Detection]:
        h, w = rgb.shape[:2]
        self.log.append((w, h))
        blobs = _blobs(rgb)
        if not blobs:
            return []
        centre = (w / 2, h / 2)
        _, box = min(
            blobs,
            key=lambda nb: math.dist(
                ((nb[1][0] + nb[1][2]) / 2, (nb[1][1] + nb[1][3]) / 2), centre
            ),
        )
        return [_detection(box)]

    def close(self) -> None:
        pass


class FakeBackend:
    """Finds the red and the blue rectangle (largest first)."""

    name = "fake-rectangles"
    skeleton = "coco_17"

    def __init__(self) -> None:
        self.crops: list[tuple[int, int]] = []
        self.sessions = 0

    def available(self) -> tuple[bool, str]:
        return True, "fake rectangles"

    def open(self, *, static: bool) -> FakeSession:
        self.sessions += 1
        return FakeSession(self.crops)

    def find_people(self, rgb: np.ndarray, max_people: int = 4) -> list[Detection]:
        blobs = sorted(_blobs(rgb), key=lambda nb: -nb[0])[:max_people]
        return [_detection(box) for _, box in blobs]

    def options(self) -> dict[str, object]:
        return {"fake": 1}


Painter = Callable[[int], list[tuple[tuple[int, int, int], Box]]]


def _write_video(path: Path, paint: Painter) -> Path:
    """A lossless (crf 0) H.264 video of coloured rectangles on black; even coordinates
    so 4:2:0 chroma keeps the edges exact."""
    w, h = SIZE
    with VideoWriter(path, fps=FPS, size=SIZE, crf=0) as out:
        for i in range(N_FRAMES):
            img = np.zeros((h, w, 3), np.uint8)
            for colour, (x0, y0, x1, y1) in paint(i):
                img[int(y0) : int(y1), int(x0) : int(x1)] = colour
            out.write(img)
    return path


# Red (40x100, area 4000) is always larger than blue (30x80, 2400): the people pass lists
# red first, so red is person 1 and blue person 2 wherever both appear in frame 0.
RED_BOX: Box = (40, 60, 80, 160)
RED_RIGHT: Box = (220, 60, 260, 160)
BLUE_FAR: Box = (230, 70, 260, 150)
BLUE_NEAR: Box = (100, 70, 130, 150)  # inside red's crop (0,30,160,190), beside red


def _centre(b: Box) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


@pytest.fixture(scope="module")
def fake_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("fake_videos")
    scenes: dict[str, Painter] = {
        # one person, hidden in frames 20-29
        "alone": lambda i: [] if 20 <= i < 30 else [(RED, RED_BOX)],
        # one person who jumps from left to right at frame 35: two tracks, never together
        "jump": lambda i: [(RED, RED_BOX if i < 35 else RED_RIGHT)],
        # red leaves for good after frame 29; blue far away all along
        "leaves": lambda i: ([(RED, RED_BOX)] if i < 30 else []) + [(BLUE, BLUE_FAR)],
        # red hidden in frames 20-29 while blue stands right beside it, inside red's crop
        "beside": lambda i: ([] if 20 <= i < 30 else [(RED, RED_BOX)]) + [(BLUE, BLUE_NEAR)],
    }
    return {name: _write_video(d / f"{name}.mp4", paint) for name, paint in scenes.items()}


def _fake_extract(video: Path, subject: object, **kw: object) -> posecoach.PoseSequence:
    return extract(
        video, backend=FakeBackend(), subject=subject, cache=False, fix_swaps=False, **kw
    )  # type: ignore[arg-type]


def _found_frames(seq: posecoach.PoseSequence) -> list[int]:
    return [int(i) for i in np.flatnonzero(seq.visible.any(axis=1))]


def test_fake_videos_are_what_the_tests_assume(fake_videos: dict[str, Path]) -> None:
    info = probe_video(fake_videos["beside"])
    assert (info.width, info.height, info.n_frames, info.fps) == (320, 240, N_FRAMES, FPS)
    from posecoach.video import read_video

    frames = {f.index: f.image for f in read_video(fake_videos["beside"])}
    assert sorted(b for _, b in _blobs(frames[0])) == sorted([RED_BOX, BLUE_NEAR])
    assert [b for _, b in _blobs(frames[25])] == [BLUE_NEAR]


def test_single_person_plain_tracking_keeps_every_frame_found(
    fake_videos: dict[str, Path],
) -> None:
    backend = FakeBackend()
    seq = extract(fake_videos["alone"], backend=backend, subject=1, cache=False, fix_swaps=False)
    expected = [i for i in range(N_FRAMES) if not 20 <= i < 30]
    assert _found_frames(seq) == expected
    np.testing.assert_allclose(_hips(seq)[expected], [_centre(RED_BOX)] * len(expected))
    meta = seq.metadata
    assert meta["subject_mode"] == "plain"  # an explicit id, but only one person: plain
    assert meta["people"]["subject_id"] == 1 and meta["people"]["max_together"] == 1
    assert [p["id"] for p in meta["people"]["people"]] == [1]
    assert "frames_dropped" not in meta
    assert meta["subject_events"][0] == {
        "frame": 0,
        "time_s": 0.0,
        "event": "chosen",
        "person": 1,
        "box": [40.0, 60.0, 80.0, 160.0],
    }
    # plain tracking: the landmarker saw whole frames, never a crop
    assert set(backend.crops) == {SIZE}
    line = sequence_subject(seq)["line"]  # type: ignore[index]
    assert line == "the only person (1), pose in 50 of 60 frames"


def test_one_person_at_a_time_is_never_lost_even_as_two_tracks(
    fake_videos: dict[str, Path],
) -> None:
    # The jump splits the one person into tracks 1 (frames 0-30) and 2 (40-50). Following
    # the "longest" (track 1) would drop frames 41-59 as not in view; with nobody else in
    # view at any time plain tracking keeps all 60.
    seq = _fake_extract(fake_videos["jump"], "longest")
    people = seq.metadata["people"]
    assert [(p["id"], p["samples"]) for p in people["people"]] == [(1, 4), (2, 2)]
    assert people["max_together"] == 1 and people["subject_id"] == 1
    assert seq.metadata["subject_mode"] == "plain"
    assert _found_frames(seq) == list(range(N_FRAMES))
    hips = _hips(seq)
    np.testing.assert_allclose(hips[:35], [_centre(RED_BOX)] * 35)
    np.testing.assert_allclose(hips[35:], [_centre(RED_RIGHT)] * 25)


def test_follow_drops_frames_where_the_subject_is_not_in_view(
    fake_videos: dict[str, Path],
) -> None:
    # Red (person 1) is seen at samples 0, 10, 20, then missed at 30, 40, 50 (kept as the
    # same track, MAX_MISSED = 3). box_at holds its last box for reach = 10 frames: frame
    # 30 is still "in view" but the crop is empty (no_pose); frames 31-59 are not in view.
    seq = _fake_extract(fake_videos["leaves"], 1)
    meta = seq.metadata
    assert meta["subject_mode"] == "follow" and meta["people"]["subject_id"] == 1
    assert meta["people"]["max_together"] == 2
    assert meta["frames_dropped"] == {"not_in_view": 29, "no_pose": 1, "another_person": 0}
    assert set(meta["frames_dropped"]) == set(DROP_REASONS)
    assert _found_frames(seq) == list(range(30))
    np.testing.assert_allclose(_hips(seq)[:30], [_centre(RED_BOX)] * 30)
    assert [(e["frame"], e["event"]) for e in meta["subject_events"]] == [
        (0, "chosen"),
        (30, "no_pose"),
        (31, "not_in_view"),
    ]
    assert meta["subject_events"][1]["box"] == [40.0, 60.0, 80.0, 160.0]
    assert meta["subject_events"][2]["box"] is None
    line = sequence_subject(seq)["line"]  # type: ignore[index]
    assert line == (
        "person 1 of 2 (1), pose in 30 of 60 frames; dropped: 29 not in view, 1 no pose found"
    )
    # by a box at a time: at 1.0 s red's last sample (0.67 s) is within 0.5 s, but only blue
    # overlaps this box; at 0 s this wide box overlaps both, red more (IoU 0.14 vs 0.08)
    for subject, ident in [((225, 65, 265, 155, 1.0), 2), ("10,60,300,160@0", 1)]:
        chosen = _fake_extract(fake_videos["leaves"], parse_subject(subject))
        assert chosen.metadata["people"]["subject_id"] == ident
    # the other person, followed by id: all 60 frames
    blue = _fake_extract(fake_videos["leaves"], 2)
    assert _found_frames(blue) == list(range(N_FRAMES))
    np.testing.assert_allclose(_hips(blue), [_centre(BLUE_FAR)] * N_FRAMES)
    assert blue.metadata["frames_dropped"] == dict.fromkeys(DROP_REASONS, 0)


GREEN = (0, 255, 0)
MARKER: Box = (300, 220, 320, 240)  # a green square in the corner: "the finder misses red"


class FinderMissesRed(FakeBackend):
    """The people finder's full-frame search misses red wherever the green marker is (a
    person half hidden behind another); looking near where red was expected
    (``find_person_near``) still finds them when ``near`` is on."""

    def __init__(self, near: bool) -> None:
        super().__init__()
        self.near_calls: list[Box] = []
        if near:
            self.find_person_near = self._near

    @staticmethod
    def _marked(rgb: np.ndarray) -> bool:
        x0, y0, x1, y1 = (int(v) for v in MARKER)
        return bool((rgb[y0:y1, x0:x1, 1] > 150).all())

    def find_people(self, rgb: np.ndarray, max_people: int = 4) -> list[Detection]:
        found = super().find_people(rgb, max_people)
        if self._marked(rgb):
            found = [d for d in found if d.box() != RED_BOX]
        return found

    def _near(self, rgb: np.ndarray, box: Box) -> Detection | None:
        self.near_calls.append(box)
        for _, b in _blobs(rgb):
            if box_iou(b, box) > 0:
                return _detection(b)
        return None


def _marked_scene(i: int) -> list[tuple[tuple[int, int, int], Box]]:
    # red and blue in view all along; from frame 25 the finder's full search misses red
    return [(RED, RED_BOX), (BLUE, BLUE_FAR)] + ([(GREEN, MARKER)] if i >= 25 else [])


@pytest.mark.parametrize(("scene", "mode"), [("alone", "plain"), ("beside", "follow")])
def test_progress_climbs_to_the_total_once(
    fake_videos: dict[str, Path], scene: str, mode: str
) -> None:
    calls: list[tuple[int, int]] = []
    seq = _fake_extract(fake_videos[scene], 1, progress=lambda d, n: calls.append((d, n)))
    assert seq.metadata["subject_mode"] == mode
    done = [d for d, _ in calls]
    assert {n for _, n in calls} == {N_FRAMES}
    assert done == sorted(done) and done[-1] == N_FRAMES  # never goes back, ends at 100%


def test_people_pass_looks_again_where_someone_was_expected(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "marked.mp4", _marked_scene)
    without = scan_people(video, FinderMissesRed(near=False), fps=FPS)
    # red is found at samples 0, 10, 20 only
    assert [t.frames for t in without.tracks] == [[0, 10, 20], [0, 10, 20, 30, 40, 50]]
    backend = FinderMissesRed(near=True)
    scan = scan_people(video, backend, fps=FPS)
    assert [t.frames for t in scan.tracks] == [[0, 10, 20, 30, 40, 50]] * 2
    assert scan.tracks[0].boxes == [RED_BOX] * 6
    # it looked near red's expected box only where the full search had missed red
    assert backend.near_calls == [RED_BOX] * 3


def test_follow_goes_on_past_the_tracks_last_sample(tmp_path: Path) -> None:
    # The finder misses red from frame 25 (and does not look again): red's track ends at
    # frame 20, reach 10. Red is still there and tracked; following goes on while each
    # pose continues the last one, instead of dropping frames 31-59 as not in view.
    video = _write_video(tmp_path / "marked.mp4", _marked_scene)
    seq = extract(
        video, backend=FinderMissesRed(near=False), subject=1, cache=False, fix_swaps=False
    )
    assert seq.metadata["subject_mode"] == "follow"
    assert seq.metadata["people"]["people"][0]["last_s"] == round(20 / FPS, 3)
    assert _found_frames(seq) == list(range(N_FRAMES))
    np.testing.assert_allclose(_hips(seq), [_centre(RED_BOX)] * N_FRAMES)
    assert seq.metadata["frames_dropped"] == dict.fromkeys(DROP_REASONS, 0)


def test_pose_nearer_another_persons_keypoints_is_someone_else() -> None:
    # Two people whose boxes coincide (one right behind the other): only the keypoints
    # tell them apart. Subject's keypoints on a column at x=0, the other's at x=40.
    k = 17
    col = np.stack([np.zeros(k), np.linspace(0, 160, k)], axis=1)
    box: Box = (0.0, 0.0, 40.0, 160.0)
    me = PersonTrack(1, [0, 10], [0.0, 0.3], [box] * 2, [col, col])
    other = PersonTrack(2, [0, 10], [0.0, 0.3], [box] * 2, [col + np.array([40.0, 0.0])] * 2)
    scan = PeopleScan([me, other], [0, 10], 10, (320, 240), 20, 30.0)
    follower = TrackFollower(FakeBackend(), scan, me)  # type: ignore[arg-type]

    def pose(dx: float) -> Detection:
        return Detection(np.c_[col + np.array([dx, 0.0]), np.zeros(k)], np.ones(k), None, 1.0)

    # on the subject, or 5 px off (0.03 of its 160 px size): the subject
    assert not follower._nearer_someone_else(pose(0), 5)
    assert not follower._nearer_someone_else(pose(5), 5)
    # 36 px right: 4 px from the other's keypoints, 36 from the subject's: someone else
    assert follower._nearer_someone_else(pose(36), 5)
    # 25 px right: 15 from the other's, not half of 25: not clearly someone else
    assert not follower._nearer_someone_else(pose(25), 5)
    # without keypoints from the people pass there is nothing to compare
    bare = PersonTrack(1, [0, 10], [0.0, 0.3], [box] * 2)
    assert not TrackFollower(FakeBackend(), scan, bare)._nearer_someone_else(pose(36), 5)  # type: ignore[arg-type]


def test_hips_faster_than_a_body_moves_is_a_slide() -> None:
    # COCO-17: shoulders 5, 6 at y=0, hips 11, 12 at y=100 (torso 100 px), x centred on cx
    def pose(cx: float) -> Detection:
        kp = np.zeros((17, 3))
        kp[[5, 6], 0], kp[[11, 12], 0] = [cx - 20, cx + 20], [cx - 15, cx + 15]
        kp[[11, 12], 1] = 100.0
        return Detection(kp, np.ones(17), None, 1.0)

    box: Box = (0.0, 0.0, 40.0, 100.0)
    scan = PeopleScan([PersonTrack(1, [0], [0.0], [box])], [0], 10, (320, 240), 20, 30.0)
    follower = TrackFollower(FakeBackend(), scan, scan.tracks[0])  # type: ignore[arg-type]
    assert follower._trunk(pose(50)) == (50.0, 100.0, 100.0)
    follower._last_trunk = (50.0, 100.0, 100.0, 0.0)
    # 10 torso lengths a second = 1000 px/s; in 1/30 s that is 33.3 px
    assert not follower._jumped(follower._trunk(pose(80)), 1 / 30)  # 900 px/s
    assert follower._jumped(follower._trunk(pose(90)), 1 / 30)  # 1200 px/s
    assert not follower._jumped(follower._trunk(pose(90)), 2 / 30)  # the same, over 2 frames
    unsure = pose(90)
    unsure.confidence[11] = 0.2  # unsure of a hip: no trunk, no check
    assert follower._trunk(unsure) is None and not follower._jumped(None, 1 / 30)


class StubFollower:
    """Returns a planted pose and history; records rejections."""

    def __init__(self, pose: Detection, past: np.ndarray | None) -> None:
        self.pose, self._past, self.rejected = pose, past, []  # type: ignore[var-annotated]

    def process(self, rgb: np.ndarray, frame: int, time_s: float) -> Detection:
        return self.pose

    def past(self, frame: int) -> np.ndarray | None:
        return self._past

    def reject(self, frame: int, time_s: float, det: Detection) -> None:
        self.rejected.append(frame)


def test_two_followers_on_one_body_the_one_it_continues_keeps_it() -> None:
    k = 17
    col = np.stack([np.zeros(k), np.linspace(0, 160, k)], axis=1)  # size 160

    def pose(dx: float) -> Detection:
        return Detection(np.c_[col + np.array([dx, 0.0]), np.zeros(k)], np.ones(k), None, 1.0)

    def at(dx: float) -> np.ndarray:
        return col + np.array([dx, 0.0])

    def group(me: StubFollower, rival: StubFollower) -> FollowGroup:
        g = FollowGroup.__new__(FollowGroup)
        g.subject, g.rivals = me, [rival]  # type: ignore[assignment, list-item]
        return g

    # the subject's pose lies on the rival's body (10 px apart, under 0.15 x 160); ten
    # frames ago the subject stood 80 px away and the rival where it is: the subject slid
    me, rival = StubFollower(pose(0), at(80)), StubFollower(pose(10), at(10))
    assert group(me, rival).process(np.zeros((1, 1, 3)), 40, 1.0) is None
    assert me.rejected == [40]
    # the same shared body, but the subject was there all along and the rival came over
    me, rival = StubFollower(pose(0), col), StubFollower(pose(10), at(90))
    assert group(me, rival).process(np.zeros((1, 1, 3)), 40, 1.0) is me.pose
    # two bodies 40 px apart (a quarter of the size): no conflict, whatever the history
    me, rival = StubFollower(pose(0), at(80)), StubFollower(pose(40), at(40))
    assert group(me, rival).process(np.zeros((1, 1, 3)), 40, 1.0) is me.pose
    # the subject without a past pose loses a shared body to a rival with one
    me, rival = StubFollower(pose(0), None), StubFollower(pose(10), at(10))
    assert group(me, rival).process(np.zeros((1, 1, 3)), 40, 1.0) is None


def test_follow_never_returns_the_other_persons_pose(fake_videos: dict[str, Path]) -> None:
    # While red (person 1) is hidden (frames 20-29) the only rectangle in its crop is blue,
    # standing beside red's (interpolated) track box: the follower blanks the other people
    # where they stand outside the subject's box, so the landmarker finds nobody (no_pose)
    # instead of blue, every one of those 10 frames.
    backend = FakeBackend()
    seq = extract(fake_videos["beside"], backend=backend, subject=1, cache=False, fix_swaps=False)
    meta = seq.metadata
    assert meta["subject_mode"] == "follow"
    assert [p["samples"] for p in meta["people"]["people"]] == [5, 6]  # red misses sample 20
    assert meta["frames_dropped"] == {"not_in_view": 0, "no_pose": 10, "another_person": 0}
    expected = [i for i in range(N_FRAMES) if not 20 <= i < 30]
    assert _found_frames(seq) == expected
    hips = _hips(seq)
    np.testing.assert_allclose(hips[expected], [_centre(RED_BOX)] * len(expected))
    assert np.isnan(hips[20:30]).all()
    assert [(e["frame"], e["event"]) for e in meta["subject_events"]] == [
        (0, "chosen"),
        (20, "no_pose"),
        (30, "found"),
    ]
    assert meta["subject_events"][1]["box"] == list(RED_BOX)  # where red was expected
    # the follower ran on crops (never the full frame);
    # the first pass's plain tracking (full frames) stopped soon after the people pass,
    # on its own thread, saw two people in frame 0
    assert SIZE not in backend.crops[-N_FRAMES:]
    assert 1 <= backend.crops[:-N_FRAMES].count(SIZE) <= 20
    # and following blue instead never returns red, although red is in blue's crop
    blue = _fake_extract(fake_videos["beside"], 2)
    assert _found_frames(blue) == list(range(N_FRAMES))
    np.testing.assert_allclose(_hips(blue), [_centre(BLUE_NEAR)] * N_FRAMES)


def test_subject_that_matches_nobody_is_one_clear_error(fake_videos: dict[str, Path]) -> None:
    with pytest.raises(InputError, match=r"^no person 7 in this video; found person 1: "):
        _fake_extract(fake_videos["beside"], 7)
    with pytest.raises(
        InputError, match=r"nobody overlaps the subject box 280,180,300,200 at 0\.0 s; found"
    ) as err:
        _fake_extract(fake_videos["beside"], (280, 180, 300, 200))
    assert "person 1: 0.0-1.7 s, box 40,60,80,160" in str(err.value)
    assert "person 2: 0.0-1.7 s, box 100,70,130,150" in str(err.value)


def test_no_subject_is_plain_tracking_without_a_people_pass(
    fake_videos: dict[str, Path],
) -> None:
    seq = _fake_extract(fake_videos["leaves"], None)
    assert seq.metadata["subject_mode"] == "plain"
    assert "people" not in seq.metadata and seq.metadata["subject_events"] == []
    assert _found_frames(seq) == list(range(N_FRAMES))  # whoever the landmarker finds


# ===================================================================== cache key
@pytest.fixture
def fresh_code_digest() -> object:
    code_digest.cache_clear()
    yield
    code_digest.cache_clear()


def _copy_extraction_code(dest: Path) -> Path:
    src = Path(cache_module.__file__).resolve().parent
    (dest / "posecoach").mkdir(parents=True)
    shutil.copytree(
        src, dest / "posecoach" / "extract", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(src.parent / "video.py", dest / "posecoach" / "video.py")
    return dest / "posecoach"


def test_code_digest_follows_the_extraction_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_code_digest: object
) -> None:
    real = code_digest()
    copy = _copy_extraction_code(tmp_path)
    monkeypatch.setattr(cache_module, "__file__", str(copy / "extract" / "cache.py"))
    code_digest.cache_clear()
    assert code_digest() == real  # same names and bytes, another place: same digest
    people = copy / "extract" / "people.py"
    original = people.read_bytes()
    people.write_bytes(original + b"\n# a local edit\n")
    code_digest.cache_clear()
    edited = code_digest()
    assert edited != real and len(edited) == 64
    people.write_bytes(original)
    code_digest.cache_clear()
    assert code_digest() == real
    (copy / "video.py").write_text((copy / "video.py").read_text() + "\n# decoding edit\n")
    code_digest.cache_clear()
    assert code_digest() not in (real, edited)
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights v1")
    with_model = code_digest((str(model),))
    model.write_bytes(b"weights v2")
    code_digest.cache_clear()
    assert code_digest((str(model),)) != with_model
    options = {"subject": "longest"}
    assert cache_key("00", "fake", {**options, "code": real}) != cache_key(
        "00", "fake", {**options, "code": edited}
    )


def test_cache_hit_until_an_extraction_source_changes(
    fake_videos: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_code_digest: object,
) -> None:
    monkeypatch.setenv("POSECOACH_CACHE_DIR", str(tmp_path / "cache"))
    copy = _copy_extraction_code(tmp_path / "code")
    monkeypatch.setattr(cache_module, "__file__", str(copy / "extract" / "cache.py"))
    code_digest.cache_clear()
    video = fake_videos["beside"]

    def run() -> posecoach.PoseSequence:
        return extract(video, backend=FakeBackend(), subject=1, fix_swaps=False)

    first = run()
    assert len(list((tmp_path / "cache" / "poses").glob("*.pose.npz"))) == 1
    assert first.provenance[0]["params"]["code"] == code_digest()

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(pipeline_module, "_run", no_run)
    again = run()  # same code: from the cache
    np.testing.assert_array_equal(again.positions, first.positions)
    follow = copy / "extract" / "follow.py"
    follow.write_text(follow.read_text() + "\n# tracking changed\n")
    code_digest.cache_clear()
    with pytest.raises(AssertionError, match="from the cache"):
        run()  # the code changed: the old entry is not used


# ===================================================================== real videos, CLI
ID_LINE = re.compile(r"^\s*(\d+)\s+(\d+\.\d)-(\d+\.\d) s\s+box (-?\d+),(-?\d+),(-?\d+),(-?\d+)$")
TILE, CAPTION = 320, 32  # posecoach.render.people.contact_sheet defaults


def _cli(*args: str):  # type: ignore[no-untyped-def]
    from posecoach.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def _id_lines(output: str) -> dict[int, tuple[int, ...]]:
    found = {}
    for line in output.splitlines():
        m = ID_LINE.match(line)
        if m:
            found[int(m.group(1))] = tuple(int(v) for v in m.groups()[3:])
    return found


@pytest.fixture(scope="module")
def cam03_people(
    sample_videos: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """``posecoach people multi/cam03 --sheet ...`` run once: (output, sheet)."""
    sheet = tmp_path_factory.mktemp("people") / "cam03.people.png"
    result = _cli("people", sample_videos["multi/cam03"], "--sheet", sheet)
    assert result.exit_code == 0, result.output
    return result.output, sheet


@pytest.fixture(scope="module")
def cam03_by_id(
    sample_videos: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, tuple[posecoach.PoseSequence, str]]:
    """``posecoach extract multi/cam03 --subject 1`` and ``--subject 2`` (not cached)."""
    out = tmp_path_factory.mktemp("by_id")
    runs = {}
    for ident in (1, 2):
        path = out / f"person{ident}.pose.npz"
        video = sample_videos["multi/cam03"]
        result = _cli("extract", video, "-o", path, "--subject", str(ident), "--no-cache")
        assert result.exit_code == 0, result.output
        runs[ident] = (posecoach.load(path), result.output)
    return runs


@pytest.mark.slow
def test_cli_people_lists_the_two_people_of_multi_cam03(cam03_people: tuple[str, Path]) -> None:
    output, sheet = cam03_people
    assert "multi/cam03.mp4: 2 people (at most 2 at once)" in output
    boxes = _id_lines(output)
    assert sorted(boxes) == [1, 2]
    for x0, y0, x1, y1 in boxes.values():  # inside the 1088x1920 portrait frame
        assert -50 <= x0 < x1 <= 1140 and -50 <= y0 < y1 <= 1970
    assert f"contact sheet: {sheet}" in output
    assert "follow one with --subject <id>" in output
    image = cv2.imread(str(sheet), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.dtype == np.uint8
    assert image.shape == (TILE + CAPTION, 2 * TILE, 3)  # one tile per person, one row
    assert image.std() > 10  # a picture, not a blank canvas
    assert sorted(p.name for p in sheet.parent.iterdir()) == [sheet.name]  # no temp left


@pytest.mark.slow
def test_cli_people_never_overwrites_a_file_without_force(
    sample_videos: dict[str, Path], tmp_path: Path
) -> None:
    video = sample_videos["multi/cam03"]
    default = video.with_name(video.name + ".people.png")
    default_existed = default.exists()
    sheet = tmp_path / "mine.png"
    sheet.write_bytes(b"the user's own file, not a PNG")
    result = _cli("people", video, "--sheet", sheet)
    assert result.exit_code == 1
    assert "error:" in result.output and "already exists; add --force" in result.output
    assert sheet.read_bytes() == b"the user's own file, not a PNG"
    result = _cli("people", video, "--sheet", sheet, "--force")
    assert result.exit_code == 0, result.output
    assert sorted(_id_lines(result.output)) == [1, 2]
    image = cv2.imread(str(sheet))
    assert image is not None and image.shape == (TILE + CAPTION, 2 * TILE, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.png"]
    assert default.exists() == default_existed  # --sheet given: nothing beside the video


@pytest.mark.slow
def test_cli_people_single_cam01_finds_exactly_one(
    sample_videos: dict[str, Path], tmp_path: Path
) -> None:
    video = sample_videos["single/cam01"]
    default = video.with_name(video.name + ".people.png")
    default_existed = default.exists()
    result = _cli("people", video, "--no-sheet")
    assert result.exit_code == 0, result.output
    assert "(at most 1 at once)" in result.output
    assert sorted(_id_lines(result.output)) == [1]
    assert "contact sheet" not in result.output
    assert default.exists() == default_existed  # --no-sheet: no PNG written anywhere
    image = tmp_path / "still.png"
    cv2.imwrite(str(image), np.zeros((16, 16, 3), np.uint8))
    result = _cli("people", image, "--no-sheet")
    assert result.exit_code == 1 and "expected a video file" in result.output


@pytest.mark.slow
def test_extract_by_id_follows_two_different_people(
    cam03_by_id: dict[int, tuple[posecoach.PoseSequence, str]],
    cam03_people: tuple[str, Path],
) -> None:
    listed = _id_lines(cam03_people[0])
    hips = {}
    for ident, (seq, output) in cam03_by_id.items():
        meta = seq.metadata
        assert meta["subject"] == ident and meta["subject_mode"] == "follow"
        assert meta["people"]["subject_id"] == ident
        assert meta["subject_events"][0]["event"] == "chosen"
        assert meta["subject_events"][0]["person"] == ident
        # the ids of the extraction's people pass are those `posecoach people` listed
        scan_boxes = {p["id"]: p["box"] for p in meta["people"]["people"]}
        assert sorted(scan_boxes) == sorted(listed)
        for pid, box in scan_boxes.items():
            np.testing.assert_allclose(box, listed[pid], atol=1.0)
        assert re.search(
            rf"^subject: person {ident} of 2 \({ident}\), pose in \d+ of 100", output, re.M
        )
        who = sequence_subject(seq)
        assert who is not None and who["person"] == ident and who["people_found"] == 2
        hips[ident] = _hips(seq)
        # the subject's hips at frame 0 lie inside the box of the chosen person, and
        # outside the other's
        box = meta["subject_events"][0]["box"]
        other = meta["people"]["people"][2 - ident]["box"]
        x, y = hips[ident][0]
        assert box[0] < x < box[2] and box[1] < y < box[3]
        assert not (other[0] < x < other[2] and other[1] < y < other[3])
        steps = np.linalg.norm(np.diff(hips[ident], axis=0), axis=1)
        assert np.nanmax(steps) < 60  # px per frame at 60 fps: never a jump to the other
    # the woman standing behind is found by the people pass in every sample (looking again
    # where she was expected) and followed in every frame, through the overlap
    assert [p["samples"] for p in cam03_by_id[2][0].metadata["people"]["people"]] == [5, 5]
    assert np.isfinite(hips[2]).all()
    assert np.nanmax(np.linalg.norm(np.diff(hips[2], axis=0), axis=1)) < 60
    # where the athlete passes in front of the woman (from about frame 66) his follower
    # gives up the frames her follower holds (another_person) rather than return her pose
    a, w = hips[1], hips[2]
    assert cam03_by_id[1][0].metadata["frames_dropped"]["another_person"] >= 1
    both = np.isfinite(a).all(axis=1) & np.isfinite(w).all(axis=1)
    assert both.sum() >= 60
    gap = np.linalg.norm(a[both] - w[both], axis=1)
    assert gap.min() > 60 and np.median(gap) > 150  # two different people


def test_bad_subject_on_compare_is_one_error_line(tmp_path: Path) -> None:
    ref, att = tmp_path / "ref.pose.npz", tmp_path / "att.pose.npz"
    result = _cli("compare", ref, att, "-o", tmp_path / "out", "--subject", "tallest")
    assert result.exit_code == 1 and "expected subject" in result.output
    assert not (tmp_path / "out").exists()
