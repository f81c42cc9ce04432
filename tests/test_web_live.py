"""Live coaching: the per-frame coach logic (planted poses) and the WebSocket end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posecoach.pose import PoseSequence
from posecoach.skeletons import get
from posecoach.web.live import LiveCoach, normalise_pose

SK = get("blazepose_33")


def stick(s: float = 0.0, elbow_deg: float = 180.0) -> np.ndarray:
    """A front-view BlazePose stick figure (hip width 0.3, torso 0.5); ``s`` spreads the knees
    (0 = rest); ``elbow_deg`` is the left elbow angle (180 = straight arm hanging down)."""
    p = np.zeros((33, 2))
    p[:] = [0.0, -0.7]  # face and hands default to the head
    j = {
        "left_shoulder": (0.2, -0.5), "right_shoulder": (-0.2, -0.5),
        "left_hip": (0.15, 0.0), "right_hip": (-0.15, 0.0),
        "left_elbow": (0.25, -0.25), "right_elbow": (-0.25, -0.25),
        "right_wrist": (-0.25, 0.0),
        "left_knee": (0.15 + 0.2 * s, 0.45), "right_knee": (-0.15 - 0.2 * s, 0.45),
        "left_ankle": (0.15, 0.9), "right_ankle": (-0.15, 0.9),
    }  # fmt: skip
    for name, xy in j.items():
        p[SK.index(name)] = xy
    bend = np.radians(180.0 - elbow_deg)  # rotate the forearm about the elbow
    c, s_ = np.cos(bend), np.sin(bend)
    p[SK.index("left_wrist")] = p[SK.index("left_elbow")] + [-0.25 * s_, 0.25 * c]
    return p


def reference() -> PoseSequence:
    phases = np.concatenate([np.linspace(0, 1, 11), np.linspace(1, 0, 11)[1:]])
    return PoseSequence(np.stack([stick(s) for s in phases]), skeleton="blazepose_33", fps=10)


def to_pixels(p: np.ndarray, scale: float = 200.0, shift=(320.0, 240.0)) -> np.ndarray:
    return p * scale + np.array(shift)


def test_normalise_pose_removes_scale_and_position() -> None:
    a = normalise_pose(stick(0.5))
    b = normalise_pose(to_pixels(stick(0.5), 3.7, (10.0, -4.0)))
    assert np.allclose(a, b)
    assert np.allclose(a[[6, 7]].mean(axis=0), 0)  # hips centred (LIMB_JOINTS 6, 7)


def test_phase_ghost_cue_and_reps_on_planted_poses() -> None:
    coach = LiveCoach(reference())
    ref_phases = np.concatenate([np.linspace(0, 1, 11), np.linspace(1, 0, 11)[1:]])
    out = coach.step(to_pixels(stick(0.0)))
    assert out["phase"] == 0.0 and out["reps"] == 0 and out["cue"] == "good"
    # the ghost is the reference pose moved onto the live torso: identical here
    live = to_pixels(stick(0.5))  # halfway out: below the "away" threshold (0.6)
    out = coach.step(live)
    assert out["phase"] == pytest.approx(5 / 20) and out["reps"] == 0
    assert np.allclose(np.array(out["ghost"]), live, atol=0.06)
    # a set: rest, then 4 repetitions (21 frames each at 10 fps) with 8 rest frames
    # between, the last two smaller and elsewhere in the image; each is counted within
    # 1 s (10 frames) of its end
    ends, counted_at = [], []
    frame = 2
    for _ in range(8):
        coach.step(to_pixels(stick(0.0)))
        frame += 1
    for k in range(4):
        scale, shift = (200.0, (320.0, 240.0)) if k < 2 else (90.0, (100.0, 50.0))
        before = coach.step(to_pixels(stick(0.0), scale, shift))["reps"]
        for s in ref_phases:
            out = coach.step(to_pixels(stick(s), scale, shift))
        ends.append(frame + 1 + len(ref_phases))
        frame += 1 + len(ref_phases)
        for _ in range(8):
            out = coach.step(to_pixels(stick(0.0), scale, shift))
            frame += 1
            if out["reps"] > before and len(counted_at) < k + 1:
                counted_at.append(frame)
        assert out["reps"] == before + 1
    assert out["reps"] == 4
    assert all(c - e <= 10 for c, e in zip(counted_at, ends, strict=True))
    # a planted 60° bend of the left elbow is named, with its size
    out = coach.step(to_pixels(stick(0.0, elbow_deg=120.0)))
    assert out["cue"] == "straighten your left elbow more, about 60°"  # compare's words
    assert out["angle_diff"] == pytest.approx(-60.0, abs=0.5)


def test_nobody_and_no_reference() -> None:
    assert LiveCoach(reference()).step(None)["cue"] == "step into view"
    out = LiveCoach(None).step(to_pixels(stick()))
    assert out["person"] and out["ghost"] is None and out["reps"] == 0


def test_reps_are_counted_without_a_reference() -> None:
    coach = LiveCoach(None)
    phases = np.concatenate([np.zeros(8), np.linspace(0, 1, 11), np.linspace(1, 0, 11)[1:]])
    for _ in range(3):
        for s in phases:
            out = coach.step(to_pixels(stick(s)))
    for _ in range(8):
        out = coach.step(to_pixels(stick(0.0)))
    assert out["reps"] == 3 and out["ghost"] is None


@pytest.fixture(scope="module")
def person_jpeg(sample_videos) -> bytes:
    import av
    import cv2

    with av.open(str(sample_videos["single/cam01"])) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    small = cv2.resize(frame, (frame.shape[1] * 480 // frame.shape[0], 480))
    ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    assert ok
    return jpg.tobytes()


@pytest.mark.slow
def test_websocket_returns_landmarks_and_drops_late_frames(tmp_path: Path, person_jpeg) -> None:
    pytest.importorskip("mediapipe")
    from fastapi.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from posecoach.web import Settings, create_app

    app = create_app(Settings(data_dir=tmp_path / "data"))
    with TestClient(app) as client:
        with (
            pytest.raises(WebSocketDisconnect) as info,  # unknown reference: message, close
            client.websocket_connect("/ws/live?reference_id=99") as ws,
        ):
            assert ws.receive_json() == {"type": "error", "detail": "no reference with id 99"}
            ws.receive_json()
        assert info.value.code == 1008
        with client.websocket_connect("/ws/live") as ws:
            ready = ws.receive_json()
            assert ready["type"] == "ready" and len(ready["edges"]) > 30
            ws.send_bytes(b"not a jpeg")
            assert ws.receive_json()["detail"] == "expected a JPEG or PNG frame"
            ws.send_bytes(person_jpeg)
            msg = ws.receive_json()
            assert msg["type"] == "pose" and msg["seq"] == 1 and msg["person"]
            assert msg["height"] == 480
            visible = [p for p in msg["points"] if p and p[2] > 0.5]
            assert len(visible) >= 20
            xs, ys = [p[0] for p in visible], [p[1] for p in visible]
            assert min(xs) >= 0 and max(xs) <= msg["width"] and 0 <= min(ys) <= max(ys) <= 480
            for _ in range(8):  # a burst: the server keeps only the newest frame
                ws.send_bytes(person_jpeg)
            last = msg
            while last["seq"] + last["dropped"] < 10:
                last = ws.receive_json()
            assert last["dropped"] >= 1 and last["seq"] < 10
            json.dumps(last)
