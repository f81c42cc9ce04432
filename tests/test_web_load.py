"""Bounded load test on loopback: 20 concurrent compare jobs, /health latency, kill + restart.

A real ``posecoach serve`` process (2 job worker processes) runs the real compare pipeline on
short clips (12 frames, 180 px wide) of the sample videos, with ``--no-render`` to bound the
time (rendering is exercised by the browser test). Expected scores come from calling
``compare()`` directly on the same clips.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from web_support import ServerProcess, short_clip

pytestmark = pytest.mark.slow

N_JOBS = 20


@pytest.fixture(scope="module")
def clips(sample_videos, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("loadclips")
    return {
        "reference": short_clip(sample_videos["single/cam01"], out / "ref.mp4", 12, 180, 3),
        "a": short_clip(sample_videos["single/cam02"], out / "a.mp4", 12, 180, 3),
        "b": short_clip(sample_videos["single/cam04"], out / "b.mp4", 12, 180, 3),
    }


def _wait(client, job_id: int, timeout: float) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} not finished after {timeout} s: {job}")


def test_concurrent_jobs_health_and_crash_recovery(clips, tmp_path: Path) -> None:
    import httpx

    from posecoach.app.compare import compare_files

    expected = {k: compare_files(clips["reference"], clips[k]).score for k in ("a", "b")}
    data = tmp_path / "data"
    server = ServerProcess(data, "--workers", "2", "--no-render").start()
    try:
        client = httpx.Client(base_url=server.url, timeout=30)
        ref = client.post(
            "/api/references",
            params={"name": "ref", "exercise": "walk"},
            content=clips["reference"].read_bytes(),
        ).json()
        assert _wait(client, ref["extract_job"]["id"], 120)["status"] == "done"
        attempts = {
            k: client.post("/api/attempts", content=clips[k].read_bytes()).json()["id"]
            for k in ("a", "b")
        }

        latencies: list[float] = []
        errors: list[str] = []
        stop = threading.Event()

        def watch_health() -> None:
            with httpx.Client(base_url=server.url, timeout=5) as c:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    try:
                        ok = c.get("/health").status_code == 200
                    except httpx.HTTPError as exc:
                        ok, errors[:0] = False, [repr(exc)]
                    latencies.append(time.perf_counter() - t0)
                    if not ok:
                        errors.append("health not 200")
                    time.sleep(0.1)

        watcher = threading.Thread(target=watch_health)
        watcher.start()
        kinds = ["a" if i % 2 == 0 else "b" for i in range(N_JOBS)]
        t_submit = time.monotonic()

        def submit(kind: str) -> tuple[str, int]:
            with httpx.Client(base_url=server.url, timeout=30) as c:
                body = {"reference_id": ref["id"], "attempt_id": attempts[kind]}
                r = c.post("/api/compare", json=body)
                assert r.status_code == 202, r.text
                return kind, r.json()["id"]

        with ThreadPoolExecutor(N_JOBS) as pool:
            submitted = list(pool.map(submit, kinds))
        jobs = [(kind, _wait(client, job_id, 220)) for kind, job_id in submitted]
        elapsed = time.monotonic() - t_submit
        stop.set()
        watcher.join()

        assert len({j["id"] for _, j in jobs}) == N_JOBS
        for kind, job in jobs:
            assert job["status"] == "done", job
            result = client.get(f"/api/results/{job['result_id']}").json()
            assert result["score"] == pytest.approx(expected[kind], abs=1e-6)
            assert result["attempt_id"] == attempts[kind]
        stored = client.get(f"/api/results/{jobs[-1][1]['result_id']}/files/result.json")
        assert stored.status_code == 200 and stored.json()["score"] == result["score"]
        assert len(client.get("/api/results").json()) == N_JOBS
        assert errors == [] and max(latencies) < 1.0, (errors, max(latencies))
        lat = [
            (time.mktime(time.strptime(j["finished_at"][:19], "%Y-%m-%dT%H:%M:%S")))
            for _, j in jobs
        ]
        print(
            f"\nload: {N_JOBS} jobs in {elapsed:.1f} s ({N_JOBS / elapsed:.2f} jobs/s), "
            f"health max {1000 * max(latencies):.0f} ms, median "
            f"{1000 * sorted(latencies)[len(latencies) // 2]:.0f} ms over {len(latencies)} probes"
            f"; finished span {max(lat) - min(lat):.0f} s"
        )

        # ---- crash mid-job: SIGKILL while a job runs, then restart on the same data dir
        job_id = client.post(
            "/api/compare", json={"reference_id": ref["id"], "attempt_id": attempts["a"]}
        ).json()["id"]
        end = time.monotonic() + 60
        while client.get(f"/api/jobs/{job_id}").json()["status"] != "running":
            assert time.monotonic() < end, "job never started"
            time.sleep(0.05)
        server.kill()
        with sqlite3.connect(data / "posecoach.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            status = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            assert status == ("running",)  # the crash left it running
            assert db.execute("SELECT count(*) FROM results").fetchone() == (N_JOBS,)
        server.start()
        job = _wait(client, job_id, 120)
        assert job["status"] == "done" and job["tries"] == 2, job  # resumed and completed
        result = client.get(f"/api/results/{job['result_id']}").json()
        assert result["score"] == pytest.approx(expected["a"], abs=1e-6)
        statuses = [j["status"] for j in client.get("/api/jobs").json()]
        assert statuses.count("done") == N_JOBS + 2  # + the reference extraction
        assert not list((data / "results").glob(".posecoach-tmp-*"))  # killed try: cleaned
    finally:
        server.stop()
