"""posecoach.video: upright frames, pts timestamps, H.264 writing, clear errors."""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import cv2
import numpy as np
import pytest

from posecoach.video import (
    TruncatedVideoWarning,
    VideoError,
    VideoWriter,
    _rotation_of,
    probe_source,
    probe_video,
    read_frames,
    read_image,
    read_images,
    read_video,
)

W, H = 64, 32


def _marked_frame(i: int = 0) -> np.ndarray:
    """64x32 frame: black with a white 16x8 block in the top-left corner."""
    img = np.zeros((H, W, 3), np.uint8)
    img[:8, :16] = 255
    img[-1, -1] = (i * 20) % 256
    return img


def _write_raw(
    path: Path,
    times_ms: list[int],
    *,
    rotation: int = 0,
    faststart: bool = False,
    fmt: str = "mp4",
    noisy: bool = False,
) -> None:
    """Encode frames at the given pts (milliseconds), optionally with a display rotation."""
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=options) as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        if rotation:
            s.set_display_rotation(rotation)
        for i, t in enumerate(times_ms):
            img = _marked_frame(i)
            if noisy:  # incompressible content: every packet is large
                img[H // 2 :] = np.random.default_rng(i).integers(0, 256, (H // 2, W, 3))
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = t
            f.time_base = Fraction(1, 1000)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _white_corner(img: np.ndarray) -> str:
    """Which corner holds the white block."""
    h, w = img.shape[:2]
    corners = {
        "top-left": img[: h // 4, : w // 4],
        "top-right": img[: h // 4, -w // 4 :],
        "bottom-left": img[-h // 4 :, : w // 4],
        "bottom-right": img[-h // 4 :, -w // 4 :],
    }
    return max(corners, key=lambda k: corners[k].mean())


@pytest.mark.parametrize(
    ("rotation", "size", "corner"),
    [
        (0, (W, H), "top-left"),
        (90, (H, W), "bottom-left"),  # counter-clockwise quarter turn
        (-90, (H, W), "top-right"),  # a phone's "rotate=90" (clockwise) tag
        (180, (W, H), "bottom-right"),
    ],
)
def test_rotation_metadata_is_applied(
    tmp_path: Path, rotation: int, size: tuple[int, int], corner: str
) -> None:
    path = tmp_path / "rot.mp4"
    _write_raw(path, [0, 33, 67, 100], rotation=rotation)
    info = probe_video(path)
    assert (info.width, info.height) == size
    assert info.rotation == rotation % 360
    frames = list(read_video(path))
    assert len(frames) == 4
    for f in frames:
        assert f.image.shape == (size[1], size[0], 3)
        assert _white_corner(f.image) == corner
    np.testing.assert_allclose([f.time for f in frames], [0, 0.033, 0.067, 0.100], atol=1e-9)


def test_legacy_rotate_tag_is_clockwise() -> None:
    stream = SimpleNamespace(metadata={"rotate": "90"})
    assert _rotation_of(stream, SimpleNamespace(rotation=0)) == 270
    assert _rotation_of(SimpleNamespace(metadata={}), SimpleNamespace(rotation=-90)) == 270


def test_variable_frame_rate_keeps_real_times(tmp_path: Path) -> None:
    times = [0, 100, 150, 400, 450, 1000]
    path = tmp_path / "vfr.mp4"
    _write_raw(path, times)
    frames = list(read_video(path))
    np.testing.assert_allclose([f.time for f in frames], np.array(times) / 1000, atol=1e-9)
    assert [f.index for f in frames] == list(range(6))
    part = list(read_video(path, start=2, max_frames=2))
    assert [(f.index, f.time) for f in part] == [(2, 0.15), (3, 0.4)]


def test_writer_output_is_browser_h264(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    red = np.zeros((H, W, 3), np.uint8)
    red[..., 0] = 200
    with VideoWriter(path, fps=25, size=(W, H)) as w:
        for _ in range(10):
            w.write(red)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert c.format.name.startswith("mov,mp4")
    raw = path.read_bytes()
    assert raw.index(b"moov") < raw.index(b"mdat")  # +faststart: playable while loading
    frames = list(read_video(path))
    assert len(frames) == 10
    assert frames[3].time == pytest.approx(3 / 25)
    np.testing.assert_allclose(frames[5].image.reshape(-1, 3).mean(0), [200, 0, 0], atol=6)
    assert not list(tmp_path.glob(".out.mp4*"))  # temp file renamed away


def test_writer_leaves_nothing_on_error(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    shape_error = r"expected frames of shape \(32, 64, 3\) uint8"
    with pytest.raises(VideoError, match=shape_error), VideoWriter(path, 25, (W, H)) as w:
        w.write(np.zeros((H, W, 3), np.uint8))
        w.write(np.zeros((10, 10, 3), np.uint8))
    with (
        pytest.raises(VideoError, match="expected at least one frame"),
        VideoWriter(path, 25, (W, H)),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    with pytest.raises(VideoError, match=r"empty\.mp4: expected a video file, got an empty file"):
        list(read_video(path))


def test_text_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 20)
    with pytest.raises(VideoError, match=r"notes\.mp4: expected a video FFmpeg can read"):
        probe_video(path)
    with pytest.raises(VideoError, match="expected a video FFmpeg can read"):
        list(read_video(path))


def test_no_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "audio.m4a"
    with av.open(str(path), "w", format="mp4") as c:
        s = c.add_stream("aac", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 8000
        for p in [*s.encode(frame), *s.encode()]:
            c.mux(p)
    with pytest.raises(VideoError, match="expected a video stream, got streams of type audio"):
        probe_video(path)


def test_truncated_video_moov_at_end(tmp_path: Path) -> None:
    path = tmp_path / "cut.mp4"
    _write_raw(path, list(range(0, 3000, 33)))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(VideoError, match=r"cut\.mp4: expected a video FFmpeg can read"):
        list(read_video(path))


def test_truncated_video_strict_and_lenient(tmp_path: Path) -> None:
    path = tmp_path / "cut.mp4"
    _write_raw(path, list(range(0, 3000, 33)), faststart=True, noisy=True)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    got = []
    with pytest.raises(VideoError, match="truncated or corrupt"):
        for f in read_video(path):
            got.append(f.index)
    assert 0 < len(got) < 91
    with pytest.warns(TruncatedVideoWarning, match="truncated or corrupt"):
        lenient = list(read_video(path, strict=False))
    assert len(lenient) == len(got)


def test_images_and_folders(tmp_path: Path) -> None:
    bgr = np.zeros((6, 10, 3), np.uint8)
    bgr[..., 0] = 255  # blue in OpenCV's BGR
    for name in ("f10.png", "f2.jpg", "f1.png"):
        cv2.imwrite(str(tmp_path / name), bgr)
    (tmp_path / "readme.txt").write_text("x")
    assert read_image(tmp_path / "f1.png")[0, 0].tolist() == [0, 0, 255]
    frames = list(read_images(tmp_path, fps=4))
    assert [f.time for f in frames] == [0.0, 0.25, 0.5]
    assert [f.image.shape for f in frames] == [(6, 10, 3)] * 3
    info = probe_source(tmp_path, fps=4)
    assert (info.width, info.height, info.n_frames, info.codec) == (10, 6, 3, "images")
    assert len(list(read_frames(tmp_path / "f2.jpg"))) == 1


def test_folder_with_mixed_sizes_and_bad_images(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((6, 10, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "b.png"), np.zeros((7, 10, 3), np.uint8))
    with pytest.raises(VideoError, match=r"b\.png: expected every image .* 10x6, got 10x7"):
        list(read_images(tmp_path))
    bad = tmp_path / "fake.jpg"
    bad.write_text("not an image")
    with pytest.raises(VideoError, match=r"fake\.jpg: expected an image"):
        read_image(bad)
    with pytest.raises(VideoError, match="got none"):
        list(read_images(tmp_path / "empty_dir" if (tmp_path / "empty_dir").mkdir() else ""))


def test_real_sample_video(sample_videos: dict[str, Path]) -> None:
    info = probe_video(sample_videos["single/cam02"])  # VP9 in MP4
    assert (info.width, info.height, info.fps, info.n_frames) == (1080, 1920, 60.0, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = list(read_video(sample_videos["single/cam02"], max_frames=3))
    assert [round(f.time * 60) for f in frames] == [0, 1, 2]
    assert frames[0].image.shape == (1920, 1080, 3)
