"""The FastAPI application: JSON API, static pages, files and the live WebSocket.

Build it with :func:`create_app` (``posecoach serve`` does). This module imports FastAPI at
the top (its handlers' annotations must resolve); ``posecoach.web`` imports it lazily.
Uploads are the raw request body (``fetch(url, {method: "POST", body: file})`` or
``curl --data-binary @v.mp4``) with the metadata as query parameters, streamed to disk
under the size limit.

Nothing stored is deleted on the side: references and people are retired
(``POST /api/references/{id}/retire``, ``.../restore``; the same under ``/api/people``),
which hides them from the lists (``?include_retired=true`` shows them) and from new work
while every result, file and history that used them stays viewable. ``DELETE`` deletes
only what nothing else uses; otherwise it answers 409 with the list of what would go
(results, jobs, attempts, files; people and attempts affected) and a ``token``, and
``?confirm=true&token=...`` then deletes exactly that list. Files go only after the rows
are committed away.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, Request, WebSocket

from posecoach.errors import InputError, PoseCoachError
from posecoach.extract.subject import parse_subject
from posecoach.store import InUseError, NotFoundError, RetiredError, Store
from posecoach.web.config import Settings
from posecoach.web.files import remove_owned_files, remove_stale_temporaries
from posecoach.web.jobs import JobRunner
from posecoach.web.subjects import SubjectPicker
from posecoach.web.tasks import check_result_file, make_handlers
from posecoach.web.uploads import (
    NotAVideoError,
    TooLargeError,
    VideoMeta,
    check_client_filename,
    discard_upload,
    probe_video_file,
    safe_path,
    store_file,
    stream_to_temp,
    too_large,
)

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings) -> Any:
    """A FastAPI app over ``settings.data_dir`` (store, job runner, pages, live coaching).

    Example
    -------
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> app = create_app(Settings(data_dir=Path(tempfile.mkdtemp())))
    >>> with TestClient(app) as client:
    ...     client.get("/health").json()["status"]
    'ok'
    """
    from fastapi.responses import FileResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.concurrency import run_in_threadpool

    data_dir = settings.data_dir
    state: dict[str, Any] = {}
    picker = SubjectPicker(settings.people_fn)

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        data_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(data_dir)  # left by a killed server; only posecoach's pattern
        store = Store(data_dir, settings.database_url)
        runner = JobRunner(
            store,
            data_dir,
            partial(make_handlers, settings.compare_fn, settings.extract_fn, settings.render),
            workers=settings.workers,
            max_tries=settings.max_tries,
            processes=settings.job_processes,
        )
        runner.start()
        state.update(store=store, runner=runner)
        try:
            yield
        finally:
            runner.stop()
            store.close()

    app = FastAPI(title="posecoach", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.runtime = state

    def store() -> Store:
        return state["store"]

    @app.exception_handler(PoseCoachError)
    async def _user_error(_request: Request, exc: PoseCoachError) -> JSONResponse:
        status = 400
        if isinstance(exc, InUseError):
            return JSONResponse({"detail": str(exc), **exc.impact}, status_code=409)
        if isinstance(exc, NotFoundError):
            status = 404
        elif isinstance(exc, RetiredError):
            status = 409
        elif isinstance(exc, TooLargeError):
            status = 413
        elif isinstance(exc, NotAVideoError):
            status = 415
        elif isinstance(exc, VideoRejectedError):
            status = 422
        return JSONResponse({"detail": str(exc)}, status_code=status)

    # ---------------------------------------------------------------- health & people
    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "database": store().dialect, "time": time.time()}

    @app.get("/api/people")
    def list_people(include_retired: bool = False) -> list[dict[str, Any]]:
        return store().list_people(include_retired)

    @app.post("/api/people", status_code=201)
    def add_person(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        return store().add_person(str(body.get("name", "")), str(body.get("notes", "")))

    @app.get("/api/people/{person_id}")
    def get_person(person_id: int) -> dict[str, Any]:
        person = store().get_person(person_id)
        person["sessions"] = store().list_results(person_id)
        person["history"] = store().history(person_id)
        return person

    @app.post("/api/people/{person_id}/retire")
    def retire_person(person_id: int) -> dict[str, Any]:
        return store().retire_person(person_id)

    @app.post("/api/people/{person_id}/restore")
    def restore_person(person_id: int) -> dict[str, Any]:
        return store().restore_person(person_id)

    @app.delete("/api/people/{person_id}")
    def delete_person(
        person_id: int, confirm: bool = False, token: str | None = None
    ) -> dict[str, Any]:
        return remove_files(store().delete_person(person_id, confirm=confirm, token=token))

    # ---------------------------------------------------------------- uploads
    async def receive_video(request: Request, kind: str, filename: str | None) -> tuple:
        label = check_client_filename(filename)
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_upload_bytes:
            raise too_large(settings.max_upload_bytes, int(length))
        tmp = await stream_to_temp(request.stream(), data_dir / "tmp", settings.max_upload_bytes)
        try:
            meta = await run_in_threadpool(probe_video_file, tmp, label or "upload")
            if settings.check_person:
                check = settings.person_check or _default_person_check
                if not await run_in_threadpool(check, tmp, meta.n_frames):
                    raise VideoRejectedError(
                        f"{label or 'upload'}: expected a video with a person in it, "
                        "got none detected in the sampled frames"
                    )
            rel = store_file(data_dir, tmp, kind, meta.ext)
        except BaseException:
            discard_upload(tmp)  # the refused upload's own temporary folder
            raise
        return rel, meta, label

    def video_fields(meta: VideoMeta) -> dict[str, Any]:
        return {
            "width": meta.width,
            "height": meta.height,
            "fps": meta.fps,
            "n_frames": meta.n_frames,
            "duration": meta.duration,
        }

    def discard(rel: str) -> None:
        # a video stored a moment ago under a new generated name, that no row came to name
        safe_path(data_dir, rel).unlink(missing_ok=True)

    def remove_files(deleted: dict[str, Any]) -> dict[str, Any]:
        """After the store committed a delete: remove the files of the deleted rows."""
        deleted["files"], deleted["files_kept"] = remove_owned_files(data_dir, deleted["files"])
        return deleted

    # ---------------------------------------------------------------- references
    @app.get("/api/references")
    def list_references(include_retired: bool = False) -> list[dict[str, Any]]:
        refs = store().list_references(include_retired)
        jobs = {
            j["reference_id"]: j for j in store().list_jobs() if j["kind"] == "extract_reference"
        }
        for ref in refs:
            ref["extract_job"] = jobs.get(ref["id"])
        return refs

    @app.post("/api/references", status_code=201)
    async def add_reference(
        request: Request,
        name: str = "",
        exercise: str = "",
        notes: str = "",
        filename: str | None = None,
    ) -> dict[str, Any]:
        if not name.strip():
            raise InputError("expected a reference name (query parameter 'name'), got none")
        rel, meta, _label = await receive_video(request, "references", filename)
        try:
            ref = await run_in_threadpool(
                partial(
                    store().add_reference,
                    name,
                    rel,
                    queue_job="extract_reference",
                    exercise=exercise.strip(),
                    notes=notes,
                    **video_fields(meta),
                )
            )
        except BaseException:
            discard(rel)
            raise
        state["runner"].notify()
        ref["extract_job"] = ref.pop("job")
        return ref

    @app.get("/api/references/{reference_id}")
    def get_reference(reference_id: int) -> dict[str, Any]:
        return store().get_reference(reference_id)

    @app.patch("/api/references/{reference_id}")
    def update_reference(reference_id: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        fields = {k: body[k] for k in ("name", "exercise", "notes") if k in body}
        extra = set(body) - {"name", "exercise", "notes", "retired"}
        if extra:
            raise InputError(
                f"expected fields among name, exercise, notes, retired; got {sorted(extra)}"
            )
        retired = body.get("retired")
        if "retired" in body and not isinstance(retired, bool):
            raise InputError(f"expected retired to be true or false, got {retired!r}")
        ref = store().update_reference(reference_id, **fields)
        if retired is True:
            ref = store().retire_reference(reference_id)
        elif retired is False:
            ref = store().restore_reference(reference_id)
        return ref

    @app.post("/api/references/{reference_id}/retire")
    def retire_reference(reference_id: int) -> dict[str, Any]:
        return store().retire_reference(reference_id)

    @app.post("/api/references/{reference_id}/restore")
    def restore_reference(reference_id: int) -> dict[str, Any]:
        return store().restore_reference(reference_id)

    @app.delete("/api/references/{reference_id}")
    def delete_reference(
        reference_id: int, confirm: bool = False, token: str | None = None
    ) -> dict[str, Any]:
        return remove_files(store().delete_reference(reference_id, confirm=confirm, token=token))

    @app.get("/api/references/{reference_id}/video")
    def reference_video(reference_id: int) -> Any:
        ref = store().get_reference(reference_id)
        return FileResponse(safe_path(data_dir, ref["video_file"]), media_type=_mime(ref))

    @app.get("/api/references/{reference_id}/pose")
    def reference_pose(reference_id: int) -> dict[str, Any]:
        ref = store().get_reference(reference_id)
        if not ref["pose_file"]:
            raise NotFoundError(f"reference {reference_id} has no extracted skeleton yet")
        return _pose_json(safe_path(data_dir, ref["pose_file"]))

    # ---------------------------------------------------------------- attempts & compare
    @app.get("/api/attempts")
    def list_attempts(person_id: int | None = None) -> list[dict[str, Any]]:
        return store().list_attempts(person_id)

    @app.post("/api/attempts", status_code=201)
    async def add_attempt(
        request: Request,
        person_id: int | None = None,
        label: str = "",
        filename: str | None = None,
    ) -> dict[str, Any]:
        if person_id is not None:  # before receiving the upload: refused without storing it
            await run_in_threadpool(store().check_active, "person", person_id)
        rel, meta, client_name = await receive_video(request, "attempts", filename)
        try:
            return await run_in_threadpool(
                partial(
                    store().add_attempt,
                    rel,
                    person_id,
                    label=(label or client_name)[:200],
                    **video_fields(meta),
                )
            )
        except BaseException:
            discard(rel)
            raise

    @app.get("/api/attempts/{attempt_id}/video")
    def attempt_video(attempt_id: int) -> Any:
        att = store().get_attempt(attempt_id)
        return FileResponse(safe_path(data_dir, att["video_file"]), media_type=_mime(att))

    @app.get("/api/attempts/{attempt_id}/people")
    def attempt_people(attempt_id: int) -> dict[str, Any]:
        att = store().get_attempt(attempt_id)
        return picker.view(safe_path(data_dir, att["video_file"]))

    @app.get("/api/attempts/{attempt_id}/frames/{index}")
    def attempt_frame(attempt_id: int, index: int) -> Any:
        from fastapi.responses import Response

        att = store().get_attempt(attempt_id)
        png = picker.frame_png(safe_path(data_dir, att["video_file"]), index)
        return Response(png, media_type="image/png")

    @app.post("/api/compare", status_code=202)
    def start_compare(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        ids: dict[str, Any] = {}
        for key in ("reference_id", "attempt_id", "person_id"):
            value = body.get(key)
            if value is None and key != "person_id":
                raise InputError(f"expected {key} in the request body, got none")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InputError(f"expected {key} to be an integer id, got {value!r}")
            ids[key] = value
        if ids["person_id"] is None:
            ids["person_id"] = store().get_attempt(ids["attempt_id"])["person_id"]
        params: dict[str, Any] = {}
        subject = body.get("subject")
        if subject not in (None, ""):
            if not isinstance(subject, (str, int)) or isinstance(subject, bool):
                raise InputError(f"expected subject to be text or a person id, got {subject!r}")
            parse_subject(subject)  # refused now, not when the job runs
            params["subject"] = subject
        job = store().add_job(
            "compare",
            params,
            reference_id=ids["reference_id"],
            attempt_id=ids["attempt_id"],
            person_id=ids["person_id"],
        )
        state["runner"].notify()
        return job

    @app.get("/api/jobs")
    def list_jobs(status: str | None = None) -> list[dict[str, Any]]:
        return store().list_jobs(status)

    @app.get("/api/jobs/{job_id}")
    def get_job(job_id: int) -> dict[str, Any]:
        return store().get_job(job_id)

    @app.get("/api/results")
    def list_results(person_id: int | None = None) -> list[dict[str, Any]]:
        return store().list_results(person_id)

    @app.get("/api/results/{result_id}")
    def get_result(result_id: int) -> dict[str, Any]:
        return store().get_result(result_id)

    @app.get("/api/results/{result_id}/files/{name:path}")
    def result_file(result_id: int, name: str) -> Any:
        result = store().get_result(result_id)
        rel = check_result_file(result["data"], name)
        path = safe_path(data_dir, f"{result['outdir']}/{rel}")
        if not path.is_file():
            raise NotFoundError(f"result {result_id} has no file {name!r}")
        return FileResponse(path)

    # ---------------------------------------------------------------- live coaching
    @app.websocket("/ws/live")
    async def live(websocket: WebSocket, reference_id: int | None = None) -> None:
        from posecoach.web.live_socket import serve_live

        await serve_live(websocket, store(), data_dir, reference_id)

    app.mount("/", StaticFiles(directory=STATIC, html=True), name="static")

    if settings.token:
        from posecoach.web.auth import TokenMiddleware

        app.add_middleware(TokenMiddleware, token=settings.token, secure_cookie=settings.tls)
    return app


class VideoRejectedError(InputError):
    """A video that decodes but cannot be used (nobody in it)."""


def _default_person_check(path: Path, n_frames: int) -> bool:
    from posecoach.web.estimator import person_in_video

    return person_in_video(path, n_frames)


def _mime(row: dict[str, Any]) -> str:
    return "video/webm" if row["video_file"].endswith(".webm") else "video/mp4"


def _pose_json(path: Path) -> dict[str, Any]:
    """A stored pose file as JSON for the page: per-frame [x, y, confidence] and the edges."""
    import numpy as np

    from posecoach.io import load
    from posecoach.skeletons import get
    from posecoach.web.live import points_json

    seq = load(path)
    pos = np.asarray(seq.positions[..., :2], dtype=float)
    conf = seq.confidence
    frames = [points_json(fp, fc) for fp, fc in zip(pos, conf, strict=True)]
    return {
        "fps": float(seq.fps),
        "times": [round(float(t), 4) for t in np.asarray(seq.timestamps)],
        "image_size": list(seq.image_size) if seq.image_size else None,
        "edges": [list(e) for e in get(seq.skeleton).edges],
        "frames": frames,
    }
