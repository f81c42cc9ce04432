"""Choosing the person in the web app: the people of an uploaded attempt, a frame to click
them on, and the choice reaching the compare job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from posecoach.extract.people import PeopleScan, PersonTrack
from posecoach.web import Settings, create_app
from web_support import fake_compare, fake_extract, write_video

# two people in a 64x48 video of 8 frames at 10 fps, sampled at frames 0 and 4
PLANTED = PeopleScan(
    [
        PersonTrack(1, [0, 4], [0.0, 0.4], [(2, 4, 20, 44), (4, 4, 22, 44)]),
        PersonTrack(2, [4], [0.4], [(40, 10, 60, 46)]),
    ],
    [0, 4],
    4,
    (64, 48),
    8,
    10.0,
)


def make_client(data_dir: Path, seen: list[dict], scans: list[Path]) -> TestClient:
    def recording_compare(reference, attempt, *, outdir, progress=None, **options):
        seen.append(options)
        return fake_compare(reference, attempt, outdir=outdir, progress=progress)

    def planted_people(video: Path) -> PeopleScan:
        scans.append(video)
        return PLANTED

    settings = Settings(
        data_dir=data_dir,
        compare_fn=recording_compare,
        extract_fn=fake_extract,
        person_check=lambda path, n: True,
        people_fn=planted_people,
    )
    return TestClient(create_app(settings))


@pytest.fixture
def setup(tmp_path: Path):
    seen: list[dict] = []
    scans: list[Path] = []
    video = write_video(tmp_path / "two.mp4", n_frames=8, size=(64, 48))
    with make_client(tmp_path / "data", seen, scans) as client:
        ref = client.post(
            "/api/references",
            params={"name": "Squat", "exercise": "squat", "filename": "ref.mp4"},
            content=video.read_bytes(),
        ).json()
        att = client.post(
            "/api/attempts", params={"filename": "two.mp4"}, content=video.read_bytes()
        ).json()
        yield client, ref, att, seen, scans


def wait_done(client: TestClient, job_id: int) -> dict:
    import time

    for _ in range(400):
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_people_of_an_attempt_and_the_frame_to_click_them_on(setup) -> None:
    client, _ref, att, _seen, scans = setup
    view = client.get(f"/api/attempts/{att['id']}/people").json()
    # frame 4 is where both are in view; each person's box there, as a subject text
    assert view["frame"] == 4 and view["time_s"] == pytest.approx(0.4)
    assert (view["width"], view["height"], view["max_together"]) == (64, 48, 2)
    assert [p["subject"] for p in view["people"]] == ["4,4,22,44@0.4", "40,10,60,46@0.4"]
    assert all(p["on_frame"] for p in view["people"])
    client.get(f"/api/attempts/{att['id']}/people")
    assert len(scans) == 1  # the scan is kept, not run again
    png = client.get(f"/api/attempts/{att['id']}/frames/4")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    import cv2

    img = cv2.imdecode(np.frombuffer(png.content, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape == (48, 64, 3)
    missing = client.get(f"/api/attempts/{att['id']}/frames/99")
    assert missing.status_code == 400 and "no frame 99" in missing.json()["detail"]
    assert client.get("/api/attempts/999/people").status_code == 404


def test_the_chosen_person_reaches_the_compare_job(setup) -> None:
    client, ref, att, seen, _scans = setup
    body = {"reference_id": ref["id"], "attempt_id": att["id"], "subject": "40,10,60,46@0.4"}
    r = client.post("/api/compare", json=body)
    assert r.status_code == 202, r.text
    assert r.json()["params"] == {"subject": "40,10,60,46@0.4"}
    assert wait_done(client, r.json()["id"])["status"] == "done"
    assert seen == [{"subject": "40,10,60,46@0.4"}]
    # without a choice the job passes none (the extraction's default applies)
    r = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
    assert wait_done(client, r.json()["id"])["status"] == "done"
    assert seen[-1] == {}


@pytest.mark.parametrize("bad", ["tallest", "10,10,5,5", True, [1, 2, 3, 4]])
def test_a_bad_subject_is_refused_before_any_job(setup, bad) -> None:
    client, ref, att, _seen, _scans = setup
    body = {"reference_id": ref["id"], "attempt_id": att["id"], "subject": bad}
    r = client.post("/api/compare", json=body)
    assert r.status_code == 400, r.text
    assert "subject" in r.json()["detail"]
    assert not [j for j in client.get("/api/jobs").json() if j["kind"] == "compare"]
