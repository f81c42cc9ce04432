"""API tests of posecoach.web through FastAPI's TestClient: every endpoint, every bad input."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from posecoach.store import Store
from posecoach.web import Settings, create_app
from web_support import fake_compare, fake_extract, write_video

TOKEN = "s3cret-token-for-tests"


def make_client(data_dir: Path, **overrides) -> TestClient:
    values = dict(
        data_dir=data_dir,
        compare_fn=fake_compare,
        extract_fn=fake_extract,
        person_check=lambda path, n: True,
    )
    values.update(overrides)
    return TestClient(create_app(Settings(**values)))


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_video(tmp_path / "clip.mp4", n_frames=8)


@pytest.fixture
def client(tmp_path: Path):
    with make_client(tmp_path / "data") as c:
        yield c


def wait_job(client: TestClient, job_id: int, timeout: float = 20.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def upload_reference(client: TestClient, video: Path, name: str = "Squat", **params):
    q = {"name": name, "exercise": "squat", "filename": video.name, **params}
    return client.post("/api/references", params=q, content=video.read_bytes())


def stored_files(data_dir: Path) -> list[str]:
    return sorted(
        p.relative_to(data_dir).as_posix()
        for p in data_dir.rglob("*")
        if p.is_file() and not p.name.startswith("posecoach.db")
    )


def test_health_and_pages(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    for page in (
        "/",
        "/compare.html",
        "/result.html",
        "/people.html",
        "/person.html",
        "/live.html",
    ):
        r = client.get(page)
        assert r.status_code == 200 and "<html" in r.text, page
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", r.text), page  # no CDN
    assert "drawSkeleton" in client.get("/common.js").text


def test_reference_lifecycle(client: TestClient, video: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = upload_reference(client, video, notes="slow and deep")
    assert r.status_code == 201, r.text
    ref = r.json()
    assert (ref["name"], ref["exercise"], ref["notes"]) == ("Squat", "squat", "slow and deep")
    assert (ref["width"], ref["height"]) == (64, 48)
    # stored under a generated name, not the client's
    assert ref["video_file"].startswith("videos/references/") and "clip" not in ref["video_file"]
    assert (data / ref["video_file"]).read_bytes() == video.read_bytes()
    job = wait_job(client, ref["extract_job"]["id"])
    assert job["status"] == "done", job
    pose = client.get(f"/api/references/{ref['id']}/pose").json()
    assert len(pose["frames"]) == 8 and pose["frames"][3][5][:2] == [5.0, 3.0]
    assert client.get(f"/api/references/{ref['id']}/video").content == video.read_bytes()

    r = client.patch(f"/api/references/{ref['id']}", json={"name": "Deep squat"})
    assert r.json()["name"] == "Deep squat"
    assert [x["name"] for x in client.get("/api/references").json()] == ["Deep squat"]
    r = client.patch(f"/api/references/{ref['id']}", json={"video_file": "../../x"})
    assert r.status_code == 400 and "video_file" in r.json()["detail"]
    r = client.patch(f"/api/references/{ref['id']}", json={"name": "  "})
    assert r.status_code == 400 and "non-empty" in r.json()["detail"]

    # nothing uses it (only its own extraction job): deleted at once, with its files
    deleted = client.delete(f"/api/references/{ref['id']}").json()
    assert deleted["deleted"] == ref["id"] and deleted["results"] == []
    assert deleted["jobs"] == [ref["extract_job"]["id"]]
    assert deleted["files"] == sorted([ref["video_file"], f"poses/reference_{ref['id']}.pose.npz"])
    assert client.get(f"/api/references/{ref['id']}").status_code == 404
    assert stored_files(data) == []


def test_compare_flow_with_person_history(client: TestClient, tmp_path: Path) -> None:
    ref_video = write_video(tmp_path / "ref.mp4", n_frames=10)
    att_video = write_video(tmp_path / "att.mp4", n_frames=8)
    ref = upload_reference(client, ref_video).json()
    person = client.post("/api/people", json={"name": "Ana", "notes": "knee rehab"}).json()
    r = client.post(
        "/api/attempts",
        params={"person_id": person["id"], "filename": "monday.mp4"},
        content=att_video.read_bytes(),
    )
    assert r.status_code == 201, r.text
    attempt = r.json()
    assert attempt["label"] == "monday.mp4" and attempt["person_id"] == person["id"]
    r = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": attempt["id"]})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done" and job["progress"] == 1.0, job
    result = client.get(f"/api/results/{job['result_id']}").json()
    assert result["score"] == 80.0  # 100 - 10 * |10 - 8|, computed by the stand-in
    assert result["data"]["cues"][0]["text"] == "bend"
    overlay = client.get(f"/api/results/{job['result_id']}/files/overlay.mp4")
    assert overlay.status_code == 200 and overlay.content == att_video.read_bytes()
    ranged = client.get(
        f"/api/results/{job['result_id']}/files/overlay.mp4", headers={"Range": "bytes=0-9"}
    )
    assert ranged.status_code == 206 and len(ranged.content) == 10  # seeking in <video> works
    assert client.get(f"/api/results/{job['result_id']}/files/score.png").content.startswith(
        b"\x89PNG"
    )
    page = client.get(f"/api/people/{person['id']}").json()
    assert [s["score"] for s in page["sessions"]] == [80.0]
    assert page["history"]["squat"][0]["score"] == 80.0
    assert [
        a["id"] for a in client.get("/api/attempts", params={"person_id": person["id"]}).json()
    ] == [attempt["id"]]
    # an earlier attempt can be compared again without uploading
    job2 = wait_job(
        client,
        client.post(
            "/api/compare", json={"reference_id": ref["id"], "attempt_id": attempt["id"]}
        ).json()["id"],
    )
    assert job2["status"] == "done"
    assert len(client.get("/api/results", params={"person_id": person["id"]}).json()) == 2


def test_too_large_upload_is_refused_and_nothing_stored(tmp_path: Path, video: Path) -> None:
    data = tmp_path / "data"
    with make_client(data, max_upload_mb=1000 / 1024 / 1024) as client:  # 1000 bytes
        assert video.stat().st_size > 1000
        r = upload_reference(client, video)
        assert r.status_code == 413, r.text
        assert r.json()["detail"].startswith("expected an upload of at most 0.000954 MB, got ")

        # without Content-Length (chunked), the streamed size check refuses it too
        def chunks():
            data_bytes = video.read_bytes()
            for i in range(0, len(data_bytes), 256):
                yield data_bytes[i : i + 256]

        r = client.post("/api/attempts", params={"filename": "a.mp4"}, content=chunks())
        assert r.status_code == 413, r.text
        assert client.get("/api/references").json() == []
        assert client.get("/api/attempts").json() == []
    assert stored_files(data) == []


def test_not_a_video_is_refused_by_decoding(client: TestClient, tmp_path: Path) -> None:
    r = client.post(
        "/api/references", params={"name": "x", "filename": "fake.mp4"}, content=b"\x00" * 5000
    )
    assert r.status_code == 415
    assert "fake.mp4: expected a video file" in r.json()["detail"]
    png = tmp_path / "x.png"
    import cv2
    import numpy as np

    cv2.imwrite(str(png), np.zeros((8, 8, 3), np.uint8))
    r = client.post("/api/attempts", params={"filename": "x.mp4"}, content=png.read_bytes())
    assert r.status_code == 415 and "still image" in r.json()["detail"]
    r = client.post("/api/attempts", params={"filename": "empty.mp4"}, content=b"")
    assert r.status_code == 400 and "0 bytes" in r.json()["detail"]
    assert client.get("/api/references").json() == [] and client.get("/api/attempts").json() == []
    assert stored_files(tmp_path / "data") == []


@pytest.mark.slow
def test_video_with_nobody_is_refused(tmp_path: Path, video: Path) -> None:
    pytest.importorskip("mediapipe")
    data = tmp_path / "data"
    with make_client(data, person_check=None) as client:  # the real BlazePose check
        r = upload_reference(client, video)
        assert r.status_code == 422, r.text
        assert "expected a video with a person in it" in r.json()["detail"]
        assert client.get("/api/references").json() == []
    assert stored_files(data) == []


def test_unknown_ids_are_404_and_store_nothing(client: TestClient, video: Path) -> None:
    assert client.get("/api/references/999").status_code == 404
    assert client.get("/api/references/999/pose").status_code == 404
    assert client.patch("/api/references/999", json={"name": "x"}).status_code == 404
    assert client.delete("/api/references/999").status_code == 404
    assert client.get("/api/people/5").status_code == 404
    assert client.get("/api/jobs/5").status_code == 404
    assert client.get("/api/results/5").status_code == 404
    assert client.get("/api/attempts/5/video").status_code == 404
    att = client.post("/api/attempts", params={"filename": "a.mp4"}, content=video.read_bytes())
    r = client.post("/api/compare", json={"reference_id": 999, "attempt_id": att.json()["id"]})
    assert r.status_code == 404 and r.json()["detail"] == "no reference with id 999"
    r = client.post("/api/attempts", params={"person_id": 42}, content=video.read_bytes())
    assert r.status_code == 404 and "no person with id 42" in r.json()["detail"]
    r = client.post("/api/compare", json={"reference_id": "1; drop", "attempt_id": 1})
    assert r.status_code == 400 and "integer id" in r.json()["detail"]
    assert client.post("/api/compare", json={"attempt_id": 1}).status_code == 400
    assert client.get("/api/jobs").json() == [] and len(client.get("/api/attempts").json()) == 1


def test_path_traversal_is_refused(client: TestClient, video: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("../../evil.mp4", "..\\evil.mp4", "/etc/passwd", "a/../../b.mp4"):
        r = upload_reference(client, video, filename=name)
        assert r.status_code == 400, (name, r.text)
        assert "expected a plain file name" in r.json()["detail"]
    assert client.get("/api/references").json() == [] and stored_files(data) == []
    assert not (tmp_path / "evil.mp4").exists()
    # result files: only names the result lists, never a path out of its folder
    ref = upload_reference(client, video).json()
    att = client.post("/api/attempts", content=video.read_bytes()).json()
    job = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
    rid = wait_job(client, job.json()["id"])["result_id"]
    for bad in ("..%2F..%2Fposecoach.db", "../../posecoach.db", "%2Fetc%2Fpasswd", "nope.mp4"):
        r = client.get(f"/api/results/{rid}/files/{bad}")
        assert r.status_code in (400, 404, 422), (bad, r.status_code)
        assert b"SQLite" not in r.content and b"root:" not in r.content
    for bad in ("/../posecoach.db", "/..%2Fposecoach.db", "/%2e%2e/posecoach.db"):
        r = client.get(bad)
        assert r.status_code == 404 and b"SQLite" not in r.content, bad


def test_public_bind_requires_a_token(tmp_path: Path) -> None:
    from posecoach.errors import InputError

    with pytest.raises(InputError, match="requires a token"):
        Settings(data_dir=tmp_path, host="0.0.0.0")
    with make_client(tmp_path / "data", host="0.0.0.0", token=TOKEN) as client:
        for path in ("/health", "/", "/style.css", "/api/references"):
            r = client.get(path)
            assert r.status_code == 401 and "missing token" in r.json()["detail"], path
            r = client.get(path, headers={"Authorization": "Bearer wrong-token!"})
            assert r.status_code == 403 and r.json()["detail"] == "wrong token", path
        r = client.post("/api/people", json={"name": "Eve"})
        assert r.status_code == 401
        ok = client.get("/health", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        # the browser way: ?token= once sets an HttpOnly cookie used by later requests
        r = client.get(f"/?token={TOKEN}")
        assert r.status_code == 200 and "HttpOnly" in r.headers["set-cookie"]
        assert client.get("/api/people").status_code == 200
        client.cookies.clear()
        from starlette.websockets import WebSocketDisconnect

        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws/live"):
            pass
        assert info.value.code == 1008
        assert client.get("/api/people", headers={"Authorization": f"Bearer {TOKEN}"}).json() == []


def test_failed_job_keeps_reason_and_leaves_no_output(tmp_path: Path, video: Path) -> None:
    from posecoach.errors import InputError

    def broken(reference, attempt, *, outdir, progress=None):
        (Path(outdir) / "half.mp4").write_bytes(b"partial")
        raise InputError("attempt.mp4: no person found in any frame")

    data = tmp_path / "data"
    with make_client(data, compare_fn=broken) as client:
        ref = upload_reference(client, video).json()
        att = client.post("/api/attempts", content=video.read_bytes()).json()
        job = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
        done = wait_job(client, job.json()["id"])
        assert done["status"] == "failed"
        assert done["error"] == "attempt.mp4: no person found in any frame"
        assert done["result_id"] is None
    assert not (data / "results").exists() or list((data / "results").iterdir()) == []


def test_restart_resumes_or_fails_interrupted_jobs(tmp_path: Path, video: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    vid = store.add_attempt("videos/attempts/x.mp4")
    (data / "videos" / "attempts").mkdir(parents=True)
    (data / "videos" / "attempts" / "x.mp4").write_bytes(video.read_bytes())
    ref = store.add_reference("R", "videos/attempts/x.mp4", exercise="squat")
    fresh = store.add_job("compare", reference_id=ref["id"], attempt_id=vid["id"])
    worn = store.add_job("compare", reference_id=ref["id"], attempt_id=vid["id"])
    # simulate a crash: both were running; `worn` had already been started twice
    assert store.claim_job()["id"] == fresh["id"]
    assert store.claim_job()["id"] == worn["id"]
    from sqlalchemy import text

    with store.engine.begin() as c:
        c.execute(text("UPDATE jobs SET tries = 2 WHERE id = :i"), {"i": worn["id"]})
    store.close()
    with make_client(data) as client:  # startup recovers: resume `fresh`, fail `worn`
        resumed = wait_job(client, fresh["id"])
        assert resumed["status"] == "done" and resumed["tries"] == 2
        assert "resumed after a server restart" not in resumed["message"]  # it ran again
        failed = client.get(f"/api/jobs/{worn['id']}").json()
        assert failed["status"] == "failed"
        assert "interrupted by a server restart" in failed["error"]


def test_people_endpoints(client: TestClient) -> None:
    assert client.post("/api/people", json={"name": ""}).status_code == 400
    bob = client.post("/api/people", json={"name": "Bob"}).json()
    assert client.post("/api/people", json={"name": "Al"}).status_code == 201
    assert [p["name"] for p in client.get("/api/people").json()] == ["Al", "Bob"]
    page = client.get(f"/api/people/{bob['id']}").json()
    assert page["sessions"] == [] and page["history"] == {}


def test_compare_uses_the_library_of_the_exercise(tmp_path: Path) -> None:
    """Three active references of one exercise with skeletons: the job compares against
    all of them (the chosen one first); fewer, or another exercise: just the chosen one."""
    from types import SimpleNamespace

    from posecoach.web.tasks import _library

    refs = [
        {"id": 1, "exercise": "Squat", "video_file": "videos/r1.mp4", "pose_file": "poses/1.npz"},
        {"id": 2, "exercise": "squat ", "video_file": "videos/r2.mp4", "pose_file": "poses/2.npz"},
        {"id": 3, "exercise": "squat", "video_file": "videos/r3.mp4", "pose_file": None},
        {"id": 4, "exercise": "lunge", "video_file": "videos/r4.mp4", "pose_file": "poses/4.npz"},
    ]
    store = SimpleNamespace(list_references=lambda: refs)
    ctx = SimpleNamespace(store=store, data_dir=tmp_path)
    assert _library(ctx, refs[0]) == tmp_path / "videos/r1.mp4"  # only 2 with skeletons
    refs[2]["pose_file"] = "poses/3.npz"
    assert _library(ctx, refs[0]) == [
        tmp_path / "videos/r1.mp4",
        tmp_path / "poses/2.npz",
        tmp_path / "poses/3.npz",
    ]
    assert _library(ctx, refs[3]) == tmp_path / "videos/r4.mp4"
