"""``extract(source)``: poses from a video, an image or a folder of images.

Frames are decoded in a background thread into a small bounded queue while the model runs
on the previous frame, so decoding overlaps inference and memory stays constant however
long the video is.
"""

from __future__ import annotations

import queue
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from posecoach.errors import InputError
from posecoach.extract.base import PoseBackend, get_backend
from posecoach.extract.subject import (
    TRACKER_VERSION,
    SubjectSpec,
    SubjectTracker,
    parse_subject,
)
from posecoach.pose import PoseSequence

__all__ = ["NoPersonWarning", "StreamExtractor", "extract", "prefetch"]

ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")


class NoPersonWarning(UserWarning):
    """No person was found in any frame; the result is all NaN."""


_DONE = object()


def prefetch(items: Iterator[T], maxsize: int = 4) -> Iterator[T]:
    """Iterate ``items`` produced by a background thread, at most ``maxsize`` ahead.

    Exceptions raised by the producer are re-raised in the consumer, in order. Stopping
    early (``break``/garbage collection) stops the producer.

    Example
    -------
    >>> list(prefetch(iter(range(5)), maxsize=2))
    [0, 1, 2, 3, 4]
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer
            put((_DONE, exc))
            return
        put((_DONE, None))

    thread = threading.Thread(target=produce, name="posecoach-decode", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = q.get()
            if item is _DONE:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _empty_row(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.full((k, 3), np.nan), np.zeros(k), np.full((k, 3), np.nan)


def _build(
    backend: PoseBackend,
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    times: list[float],
    *,
    fps: float,
    image_size: tuple[int, int],
    metadata: dict[str, Any],
) -> PoseSequence:
    pos = np.stack([r[0] for r in rows])
    conf = np.stack([r[1] for r in rows])
    world = np.stack([r[2] for r in rows])
    has_world = bool(np.isfinite(world).any())
    return PoseSequence(
        pos,
        conf,
        skeleton=backend.skeleton,
        fps=fps,
        timestamps=np.asarray(times),
        space="pixel",
        image_size=image_size,
        world=world if has_world else None,
        metadata=metadata,
    )


def _row(det: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if det is None:
        return _empty_row(k)
    world = det.world if det.world is not None else np.full((k, 3), np.nan)
    return det.keypoints, det.confidence, world


class Rows:
    """The per-frame rows of one extraction pass (keypoints, confidence, world)."""

    def __init__(self, n_joints: int) -> None:
        self.k = n_joints
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.times: list[float] = []
        self.size: tuple[int, int] | None = None
        self.found = 0
        self.events: list[dict[str, Any]] = []
        #: The frame where the pass stopped tracking (its rows will not be used), or None.
        self.abandoned: int | None = None

    def add(self, frame: Any, det: Any) -> None:
        h, w = frame.image.shape[:2]
        self.size = self.size or (w, h)
        self.found += det is not None
        self.rows.append(_row(det, self.k))
        self.times.append(frame.time)


def _run(
    source: Path,
    backend: PoseBackend,
    subject: SubjectSpec,
    *,
    fps: float,
    strict: bool,
    max_frames: int | None,
    progress: ProgressCallback | None,
) -> tuple[PoseSequence, int]:
    from posecoach.extract.follow import FollowGroup, chosen_event
    from posecoach.extract.people import PeopleScanner, choose_track, scan_step
    from posecoach.skeletons import get
    from posecoach.video import is_image_path, probe_source, read_frames

    info = probe_source(source, fps=fps)
    static = source.is_dir() or is_image_path(source)
    total = info.n_frames if max_frames is None else min(info.n_frames or max_frames, max_frames)
    k = get(backend.skeleton).n_joints
    people: dict[str, Any] = {}

    def report(done: float) -> None:
        if progress is not None:
            n = max(total, 1)
            progress(min(n, round(done)), n)

    def frames() -> Iterator[Any]:
        for i, frame in enumerate(prefetch(read_frames(source, fps=fps, strict=strict))):
            if max_frames is not None and i >= max_frames:
                return
            yield frame

    def track_all(tracker: SubjectTracker, scanner: PeopleScanner | None) -> Rows:
        """One pass: the tracker on every frame (until the scanner riding along sees a
        second person: progress then waits for the second pass), the scanner on its
        sampled frames."""
        rows = Rows(k)
        try:
            for i, frame in enumerate(frames()):
                if scanner is not None:
                    scanner.add(i, frame.time, frame.image)
                    if scanner.max_together > 1 and rows.abandoned is None:
                        rows.abandoned = i  # someone else is in view: follow instead
                if rows.abandoned is not None:
                    rows.add(frame, None)  # a placeholder row: the follow pass decides
                else:
                    rows.add(frame, tracker.process(frame.image, frame.time))
                    report(i + 1)
        finally:
            tracker.close()
        rows.events = tracker.events
        return rows

    if static or subject is None:
        mode = "frames" if static else "plain"
        rows = track_all(SubjectTracker(backend, subject, static=static), None)
        dropped = None
    else:
        # Never lose the only person: the people pass runs in the same decoding pass as
        # plain tracking; when it never sees two people at once, plain tracking's frames
        # are the result (every frame the landmarker finds). Otherwise a second pass
        # follows the chosen person.
        rate = float(info.fps or fps)
        scanner = PeopleScanner(backend, step=scan_step(rate), fps=rate, background=True)
        try:
            rows = track_all(SubjectTracker(backend, None), scanner)
        finally:
            scanner.close()
        scan = scanner.result()
        people = scan.to_dict()
        chosen = choose_track(scan.tracks, subject, scan.image_size) if scan.tracks else None
        explicit = isinstance(subject, (tuple, int))
        alone = scan.max_together <= 1 and (len(scan.tracks) <= 1 or not explicit)
        people["subject_id"] = None if chosen is None else chosen.id
        dropped = None
        if chosen is None or alone:
            mode = "plain"
            if chosen is not None:
                rows.events = [chosen_event(chosen), *rows.events]
            report(total)
        else:
            mode = "follow"
            follower = FollowGroup(backend, scan, chosen)
            start = rows.abandoned or 0
            rows = Rows(k)
            try:
                for i, frame in enumerate(frames()):
                    rows.add(frame, follower.process(frame.image, i, frame.time))
                    report(start + (total - start) * (i + 1) / max(total, 1))
            finally:
                follower.close()
            rows.events = follower.events
            dropped = dict(follower.dropped)
    size, found, events = rows.size, rows.found, rows.events
    if not rows.rows or size is None:
        raise InputError(f"{source}: expected at least one frame, got none")
    metadata: dict[str, Any] = {
        "source": str(source),
        "backend": backend.name,
        "subject": list(subject) if isinstance(subject, tuple) else subject,
        "subject_mode": mode,
        "subject_events": events,
        "codec": info.codec,
        "rotation": info.rotation,
    }
    if people:
        metadata["people"] = people
    if dropped is not None:
        metadata["frames_dropped"] = dropped
    seq = _build(backend, rows.rows, rows.times, fps=info.fps, image_size=size, metadata=metadata)
    return seq, found


def extract(
    source: str | Path,
    *,
    backend: str | PoseBackend = "mediapipe",
    subject: SubjectSpec = "longest",
    cache: bool = True,
    progress: ProgressCallback | None = None,
    fps: float = 30.0,
    fill_gaps: float | None = None,
    smooth: str | None = None,
    strict: bool = True,
    max_frames: int | None = None,
    fix_swaps: bool = True,
) -> PoseSequence:
    """Extract one person's pose from a video, an image or a folder of images.

    Parameters
    ----------
    source
        Video file (any FFmpeg format; rotation metadata applied), image file, or folder of
        images (sorted naturally, timed by ``fps``).
    backend
        A registered backend name (see :func:`posecoach.extract.backend_status`).
    subject
        Whom to follow when several people are in view (see
        :func:`posecoach.extract.subject.parse_subject`): a rule (``"longest"`` in view,
        the default; ``"largest"``, ``"central"``, ``"most-active"``), a box ``(x0, y0,
        x1, y1[, seconds])`` in pixels, a person id from :func:`posecoach.extract.people.
        scan_people`, or None (plain tracking, no selection). A video is scanned for
        people (:mod:`posecoach.extract.people`) in the same decoding pass as plain
        tracking; with only one person in view at a time plain tracking's result is
        kept (every frame it finds), otherwise a second pass follows the chosen person
        (:mod:`posecoach.extract.follow`).
    cache
        Reuse/store the raw result under ``<cache root>/poses/`` keyed by file content,
        backend, options, posecoach version and a digest of the extraction code and the
        model files.
    progress
        ``callback(done, total)`` after each frame.
    fps
        Frame rate given to a folder of images (videos keep their own timestamps).
    fill_gaps
        If set, fill gaps up to this many seconds (:func:`posecoach.filtering.fill_gaps`).
    smooth
        ``"savgol"`` or ``"butterworth"`` (zero-phase, :func:`posecoach.filtering.smooth`).
    strict
        Fail on a truncated video (True) or warn and use the decodable frames (False).
    max_frames
        Only the first frames (not cached).
    fix_swaps
        Undo runs of frames whose left/right labels the model swapped
        (:func:`posecoach.extract.laterality.fix_left_right_swaps`, frames listed in the
        provenance). Applied to the cached raw detections, so toggling it never re-runs
        the model.

    Returns
    -------
    PoseSequence
        Skeleton ``blazepose_33`` (MediaPipe), space ``"pixel"``, ``image_size``, visibility as
        confidence, ``world`` landmarks, timestamps of the video. Frames with nobody are NaN
        (with a :class:`NoPersonWarning` when nobody is found at all).

    Example
    -------
    >>> import tempfile, os, numpy as np, cv2, warnings
    >>> path = os.path.join(tempfile.mkdtemp(), "empty_room.png")
    >>> _ = cv2.imwrite(path, np.full((120, 160, 3), 90, np.uint8))
    >>> with warnings.catch_warnings(record=True):
    ...     seq = extract(path, cache=False)
    >>> seq.n_frames, seq.skeleton.name, bool(np.isnan(seq.positions).all())
    (1, 'blazepose_33', True)
    """
    from posecoach.extract import cache as result_cache

    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    be = get_backend(backend)
    ok, why = be.available()
    if not ok:
        from posecoach.extract.base import BackendError

        raise BackendError(f"pose backend {be.name!r} is not usable: {why}")
    subj = parse_subject(subject)
    options = {
        **be.options(),
        "subject": list(subj) if isinstance(subj, tuple) else subj,
        "tracker": TRACKER_VERSION,
        "code": result_cache.code_digest(tuple(getattr(be, "model_files", tuple)())),
        "fps": fps if path.is_dir() else None,
        "strict": strict,
    }
    key = None
    seq = None
    use_cache = cache and max_frames is None
    if use_cache:
        key = result_cache.cache_key(result_cache.content_digest(path), be.name, options)
        seq = result_cache.load_entry(key)
        if seq is not None and progress is not None:
            progress(seq.n_frames, seq.n_frames)
    if seq is None:
        seq, found = _run(
            path, be, subj, fps=fps, strict=strict, max_frames=max_frames, progress=progress
        )
        seq = seq.with_provenance("extract", backend=be.name, **options)
        if use_cache and key is not None:
            result_cache.store_entry(key, seq)
    found = int(seq.visible.any(axis=1).sum())
    if found == 0:
        warnings.warn(
            f"{path}: no person found in any of its {seq.n_frames} frame(s); the result is all NaN",
            NoPersonWarning,
            stacklevel=2,
        )
    seq = seq.replace(metadata={**seq.metadata, "source": str(path)})
    if fix_swaps:
        from posecoach.extract.laterality import fix_left_right_swaps

        seq = fix_left_right_swaps(seq)
    if fill_gaps is not None or smooth is not None:
        from posecoach import filtering

        if fill_gaps is not None:
            seq = filtering.fill_gaps(seq, max_gap_s=fill_gaps)
        if smooth is not None:
            seq = filtering.smooth(seq, method=smooth)
    return seq


class StreamExtractor:
    """Pose extraction for live frames (webcam, web app), one frame at a time.

    Parameters
    ----------
    backend
        A registered backend name or instance.
    subject
        As in :func:`extract`; tracked across calls.
    static
        Treat every frame as an unrelated photo (no tracking between calls).

    Example
    -------
    >>> import numpy as np
    >>> with StreamExtractor() as live:
    ...     one = live.process(np.zeros((96, 128, 3), np.uint8), 0.0)
    >>> one.n_frames, one.image_size, bool(np.isnan(one.positions).all())
    (1, (128, 96), True)
    """

    def __init__(
        self,
        backend: str | PoseBackend = "mediapipe",
        subject: SubjectSpec = "longest",
        *,
        static: bool = False,
    ) -> None:
        self.backend = get_backend(backend)
        ok, why = self.backend.available()
        if not ok:
            from posecoach.extract.base import BackendError

            raise BackendError(f"pose backend {self.backend.name!r} is not usable: {why}")
        self._tracker = SubjectTracker(self.backend, subject, static=static)
        from posecoach.skeletons import get

        self._k = get(self.backend.skeleton).n_joints

    def process(self, rgb: np.ndarray, time_s: float) -> PoseSequence:
        """The subject's pose in one (H, W, 3) uint8 RGB frame, as a 1-frame sequence."""
        image = np.asarray(rgb)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InputError(
                f"expected an (H, W, 3) uint8 RGB frame, got {image.shape} {image.dtype}"
            )
        det = self._tracker.process(image, float(time_s))
        h, w = image.shape[:2]
        return _build(
            self.backend,
            [_row(det, self._k)],
            [float(time_s)],
            fps=30.0,
            image_size=(w, h),
            metadata={"source": "stream", "backend": self.backend.name},
        )

    @property
    def events(self) -> list[dict[str, Any]]:
        """Subject events so far (see :class:`~posecoach.extract.subject.SubjectTracker`)."""
        return self._tracker.events

    def close(self) -> None:
        """Release the model."""
        self._tracker.close()

    def __enter__(self) -> StreamExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
