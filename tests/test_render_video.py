"""Overlay and side-by-side videos: frame counts, sizes, H.264, drawing at the right place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.render.annotators import ERROR_COLORS
from posecoach.render.video import (
    BACKGROUND,
    PoseCanvas,
    active_cues,
    render_overlay,
    render_side_by_side,
)
from posecoach.skeletons import COCO_17
from posecoach.video import VideoWriter, probe_video, read_video

W, H, FPS, N = 160, 120, 10.0, 12
LS, LE = COCO_17.indices(["left_shoulder", "left_elbow"])


def _video(path: Path, n: int = N, size: tuple[int, int] = (W, H), value: int = 90) -> Path:
    with VideoWriter(path, fps=FPS, size=size) as w:
        for _ in range(n):
            w.write(np.full((size[1], size[0], 3), value, np.uint8))
    return path


def _seq(n: int = N, fps: float = FPS, image_size: tuple[int, int] | None = (W, H)):
    pos = np.full((n, 17, 2), np.nan)
    pos[:, LS] = [40.0, 40.0]
    pos[:, LE] = [100.0, 70.0]
    return PoseSequence(pos, skeleton="coco_17", fps=fps, image_size=image_size)


def _frames(path: Path) -> list[np.ndarray]:
    return [f.image for f in read_video(path)]


def _close(pixel: np.ndarray, color: tuple[int, int, int], tol: int = 60) -> bool:
    return int(np.abs(pixel.astype(int) - np.array(color)).sum()) < tol


def _nearest_band(pixel: np.ndarray) -> int:
    d = [int(np.abs(pixel.astype(int) - np.array(c)).sum()) for c in ERROR_COLORS]
    return int(np.argmin(d))


def test_overlay_matches_video_and_colours_joints(tmp_path: Path) -> None:
    video = _video(tmp_path / "in.mp4")
    att = _seq()
    errors = np.full((N, 17), np.nan)
    errors[:, LS] = 0.02  # green
    errors[:, LE] = 0.9  # red
    calls: list[tuple[int, int]] = []
    out = render_overlay(
        video,
        att,
        att,
        errors,
        np.full(N, 80.0),
        [{"start_s": 0.0, "end_s": 0.5, "text": "raise your elbow"}],
        tmp_path / "overlay.mp4",
        progress=lambda d, t: calls.append((d, t)),
    )
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames, info.codec) == (W, H, N, "h264")
    assert calls[-1] == (N, N) and len(calls) == N
    frame = _frames(out)[N - 1]
    assert _close(frame[40, 40], ERROR_COLORS[0])
    assert _close(frame[70, 100], ERROR_COLORS[2])
    assert _close(frame[110, 150], (90, 90, 90), tol=30)  # untouched background corner
    assert list(tmp_path.glob(".*")) == []


def test_overlay_handles_shorter_sequence_by_timestamp(tmp_path: Path) -> None:
    video = _video(tmp_path / "in.mp4")
    att = _seq(n=4)  # poses only for the first 0.4 s of a 1.2 s video
    out = render_overlay(
        video, att, att, np.zeros((4, 17)), np.full(4, 100.0), [], tmp_path / "o.mp4"
    )
    frames = _frames(out)
    assert len(frames) == N  # every video frame is written
    assert _close(frames[2][40, 40], ERROR_COLORS[0])  # pose drawn while it exists
    assert _close(frames[10][40, 40], (90, 90, 90), tol=30)  # nothing drawn after


def test_overlay_with_subsampled_poses_holds_each_pose(tmp_path: Path) -> None:
    video = _video(tmp_path / "in.mp4")
    att = _seq(n=N // 2, fps=FPS / 2)  # poses on every second frame
    out = render_overlay(
        video, att, att, np.zeros((N // 2, 17)), np.full(N // 2, 100.0), [], tmp_path / "o.mp4"
    )
    frames = _frames(out)
    assert len(frames) == N
    assert all(_close(f[40, 40], ERROR_COLORS[0]) for f in frames[: N - 1])


def test_overlay_without_video_draws_on_dark_canvas(tmp_path: Path) -> None:
    att = _seq(image_size=(200, 100))
    out = render_overlay(
        None, att, att, np.zeros((N, 17)), np.full(N, 50.0), [], tmp_path / "o.mp4"
    )
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames) == (200, 100, N)
    frame = _frames(out)[3]
    assert _close(frame[95, 195], BACKGROUND, tol=30)
    assert _close(frame[40, 40], ERROR_COLORS[0])


def test_overlay_bad_input_leaves_nothing(tmp_path: Path) -> None:
    att = _seq()
    with pytest.raises(InputError, match="expected the reference frame-matched"):
        render_overlay(None, att, _seq(n=3), np.zeros((N, 17)), np.zeros(N), [], tmp_path / "a")
    with pytest.raises(InputError, match=r"expected joint_errors of shape \(12, 17\)"):
        render_overlay(None, att, att, np.zeros((N, 3)), np.zeros(N), [], tmp_path / "a.mp4")
    with pytest.raises(InputError, match="expected 12 frame_scores"):
        render_overlay(None, att, att, np.zeros((N, 17)), np.zeros(2), [], tmp_path / "a.mp4")
    assert list(tmp_path.iterdir()) == []


def test_side_by_side_length_equals_path(tmp_path: Path) -> None:
    ref_video = _video(tmp_path / "ref.mp4", n=8, size=(120, 120), value=40)
    att_video = _video(tmp_path / "att.mp4", n=N, size=(W, H), value=200)
    ref = _seq(n=8, image_size=(120, 120))
    att = _seq()
    path = np.array([[0, 0], [1, 1], [1, 2], [2, 3], [3, 3], [4, 5], [6, 8], [7, 11]])
    calls: list[tuple[int, int]] = []
    out = render_side_by_side(
        ref_video,
        att_video,
        ref,
        att,
        path,
        tmp_path / "sbs.mp4",
        progress=lambda d, t: calls.append((d, t)),
    )
    info = probe_video(out)
    assert info.n_frames == len(path)
    assert calls == [(i + 1, len(path)) for i in range(len(path))]
    assert info.height == 120  # same height for both panels
    assert info.width in (120 + 2 + 160, 120 + 2 + 160 + 1)
    frame = _frames(out)[0]
    assert _close(frame[110, 60], (40, 40, 40), tol=30)  # reference panel on the left
    assert _close(frame[110, info.width - 20], (200, 200, 200), tol=30)  # attempt on the right


def test_side_by_side_without_videos_and_bad_paths(tmp_path: Path) -> None:
    att = _seq()
    out = render_side_by_side(None, None, att, att, np.array([[0, 0], [5, 6]]), tmp_path / "s.mp4")
    assert probe_video(out).n_frames == 2
    with pytest.raises(InputError, match=r"expected reference indices in \[0, 12\)"):
        render_side_by_side(None, None, att, att, np.array([[0, 0], [12, 1]]), tmp_path / "b.mp4")
    with pytest.raises(InputError, match="non-decreasing"):
        render_side_by_side(None, None, att, att, np.array([[3, 0], [1, 1]]), tmp_path / "b.mp4")
    with pytest.raises(InputError, match=r"shape \(N, 2\)"):
        render_side_by_side(None, None, att, att, np.zeros((0, 2), int), tmp_path / "b.mp4")
    assert not (tmp_path / "b.mp4").exists()


def test_canvas_for_resized_and_normalised_poses() -> None:
    seq = _seq(image_size=(80, 60))  # poses measured on a half-size copy
    c = PoseCanvas.for_video((W, H), seq)
    assert c.to_pixels(np.array([[40.0, 30.0]])).tolist() == [[80.0, 60.0]]
    norm = PoseSequence(np.full((1, 17, 2), 0.5), skeleton="coco_17", space="normalized")
    assert PoseCanvas.for_video((W, H), norm).to_pixels(np.array([[0.5, 0.5]])).tolist() == [
        [80.0, 60.0]
    ]


def test_active_cues_boundaries() -> None:
    cues = [{"start_s": 1.0, "end_s": 2.0, "text": "a"}]
    assert active_cues(cues, 1.0) == ["a"] and active_cues(cues, 2.0) == ["a"]
    assert active_cues(cues, 2.01) == []


def test_overlay_max_side_downscales_frames_and_poses(tmp_path: Path) -> None:
    video = _video(tmp_path / "in.mp4", n=2)
    att = _seq(n=2)
    errors = np.zeros((2, 17))
    out = render_overlay(
        video, att, att, errors, np.full(2, 90.0), [], tmp_path / "o.mp4", max_side=100
    )
    info = probe_video(out)
    assert (info.width, info.height) == (100, 76)  # 160x120 * 0.625, height made even
    frame = _frames(out)[0]
    assert _close(frame[25, 25], ERROR_COLORS[0])  # shoulder (40, 40) scaled by 0.625


def test_write_png_round_trip_and_bad_frame(tmp_path: Path) -> None:
    from PIL import Image

    from posecoach.render.video import draw_overlay, write_png

    att = _seq(n=1)
    frame = draw_overlay(np.zeros((H, W, 3), np.uint8), COCO_17, att.positions[0], score=80.0)
    out = write_png(frame, tmp_path / "overlay.png")
    with Image.open(out) as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), frame)
    with pytest.raises(InputError, match="uint8 RGB frame"):
        write_png(np.zeros((4, 4)), tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


@pytest.mark.slow
def test_overlay_on_real_pose2sim_video(sample_videos: dict[str, Path], tmp_path: Path) -> None:
    """Extracted MediaPipe poses drawn on the real 1080x1920 demo video (first 30 frames)."""
    from posecoach.extract import extract

    video = sample_videos["single/cam01"]
    att = extract(video).frames(slice(0, 30))  # full extraction is cached by content
    t = att.n_frames
    errors = np.zeros((t, att.n_joints))
    out = render_overlay(
        video, att, att, errors, np.full(t, 95.0), [], tmp_path / "overlay.mp4", max_side=640
    )
    info = probe_video(out)
    # every video frame is written (poses exist for the first 30), downscaled to 360x640
    assert (info.width, info.height, info.n_frames, info.codec) == (360, 640, 100, "h264")
    frames = _frames(out)
    hip = att.skeleton.index("left_hip")
    k = int(np.flatnonzero(att.confidence[:, hip] > 0.5)[0])
    x, y = np.round(att.positions[k, hip, :2] * 360 / 1080).astype(int)
    assert _close(frames[k][y, x], ERROR_COLORS[0], tol=90)  # green joint dot on the hip
    assert not _close(frames[60][y, x], ERROR_COLORS[0], tol=90)  # no pose after frame 30


def test_overlay_on_a_still_image(tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "pose.png"
    Image.fromarray(np.full((H, W, 3), 90, np.uint8)).save(image)
    att = _seq(n=1)
    out = render_overlay(
        image, att, att, np.full((1, 17), 0.5), np.array([20.0]), [], tmp_path / "o.mp4"
    )
    info = probe_video(out)
    assert (info.width, info.height, info.n_frames) == (W, H, 1)
    # large error: the elbow has the bad band's colour (H.264 chroma subsampling pulls a
    # small saturated dot towards its neighbours, so: nearest band colour and a wider tol)
    pixel = _frames(out)[0][70, 100]
    assert _close(pixel, ERROR_COLORS[2], tol=90)
    assert _nearest_band(pixel) == 2


def test_active_cues_accepts_objects() -> None:
    from types import SimpleNamespace

    cue = SimpleNamespace(start_s=0.0, end_s=1.0, text="straighten your back")
    assert active_cues([cue], 0.5) == ["straighten your back"]


def test_canvas_flips_y_up_world_poses() -> None:
    pos = np.full((1, 17, 2), np.nan)
    pos[0, 0] = [0.0, 1.8]  # nose high (y up, metres)
    pos[0, 15] = [0.0, 0.0]  # ankle on the floor
    up = PoseSequence(pos, skeleton="coco_17", space="world", metadata={"y_up": True})
    px = PoseCanvas.fit([up], height=100).to_pixels(pos[0, [0, 15]])
    assert px[0, 1] < px[1, 1]  # the nose is drawn above the ankle
    down = up.replace(metadata={})
    px = PoseCanvas.fit([down], height=100).to_pixels(pos[0, [0, 15]])
    assert px[0, 1] > px[1, 1]


def test_resize_keeps_content_at_any_factor() -> None:
    from posecoach.render.video import _resize

    image = np.zeros((1920, 1080, 3), np.uint8)
    image[:960] = 200  # top half bright
    for size in ((540, 960), (405, 720), (720, 1280), (1080, 1920), (101, 77)):
        out = _resize(image, size)
        assert out.shape == (size[1], size[0], 3)
        assert out[: size[1] // 2 - 2].min() == 200 and out[size[1] // 2 + 2 :].max() == 0
