"""Store tests, each run on SQLite and on a real PostgreSQL server started for the session."""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from posecoach.errors import InputError
from posecoach.store import HEAD_REVISION, InUseError, NotFoundError, Store

_db_counter = itertools.count()


def _must_have_postgres() -> bool:
    return os.environ.get("POSECOACH_REQUIRE_SHARED_DATA") == "1" or os.environ.get(
        "CI", ""
    ).lower() in ("1", "true")


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a throwaway PostgreSQL cluster; skipped (locally) or failed (CI) without one."""
    from pg_cluster import pg_bin, postgres_cluster

    reason = None
    if pg_bin() is None:
        reason = "PostgreSQL not installed (apt-get install postgresql; make system-deps)"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            reason = "psycopg not installed (pip install 'psycopg[binary]')"
    if reason:
        if _must_have_postgres():
            pytest.fail(reason + " -- required in CI")
        pytest.skip(reason)
    with postgres_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path: Path):
    if request.param == "sqlite":
        s = Store(tmp_path / "data")
    else:
        import psycopg

        base = request.getfixturevalue("postgres_url")
        name = f"posecoach_test_{next(_db_counter)}"
        dsn = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        s = Store(tmp_path / "data", base.rsplit("/", 1)[0] + "/" + name)
    yield s
    s.close()


def _ref_and_attempt(store: Store) -> tuple[dict, dict, dict]:
    person = store.add_person("Ana")
    ref = store.add_reference("Squat", "videos/references/a.mp4", exercise="squat")
    att = store.add_attempt("videos/attempts/b.mp4", person["id"], label="monday")
    return person, ref, att


def test_migrations_reach_head(store: Store) -> None:
    assert store.revision == HEAD_REVISION
    from sqlalchemy import inspect

    tables = set(inspect(store.engine).get_table_names())
    assert {"people", "reference_videos", "attempts", "jobs", "results"} <= tables
    assert "alembic_version" in tables
    # opening again is a no-op upgrade that keeps the data
    store.add_person("Kept")
    again = Store(store.data_dir, store.url)
    assert [p["name"] for p in again.list_people()] == ["Kept"]
    again.close()


def test_sqlite_uses_wal_and_a_file_in_the_data_dir(tmp_path: Path) -> None:
    s = Store(tmp_path / "d")
    with s.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "d" / "posecoach.db").is_file()
    s.close()


def test_crud_and_history(store: Store) -> None:
    person, ref, att = _ref_and_attempt(store)
    assert store.get_reference(ref["id"])["exercise"] == "squat"
    assert store.update_reference(ref["id"], name="Deep squat")["name"] == "Deep squat"
    with pytest.raises(InputError, match="non-empty reference name"):
        store.update_reference(ref["id"], name=" ")
    scores = [55.0, 70.0, 82.5]
    for score in scores:
        job = store.add_job(
            "compare", reference_id=ref["id"], attempt_id=att["id"], person_id=person["id"]
        )
        store.claim_job()
        store.add_result(job["id"], score, f"results/job_{job['id']}", {"score": score})
    lunge = store.add_reference("Lunge", "videos/references/c.mp4", exercise="lunge")
    job = store.add_job(
        "compare", reference_id=lunge["id"], attempt_id=att["id"], person_id=person["id"]
    )
    store.add_result(job["id"], 40.0, "results/x", {"score": 40.0})
    history = store.history(person["id"])
    assert [p["score"] for p in history["squat"]] == scores
    assert [p["score"] for p in history["lunge"]] == [40.0]
    sessions = store.list_results(person["id"])
    assert [s["reference_name"] for s in sessions] == ["Deep squat"] * 3 + ["Lunge"]
    assert "data" not in sessions[0]
    assert store.get_result(sessions[0]["id"])["data"] == {"score": 55.0}
    assert all(j["status"] == "done" for j in store.list_jobs())
    # deleting a used reference is refused with the list of what would go ...
    with pytest.raises(InUseError, match="expected nothing to use reference") as info:
        store.delete_reference(ref["id"])
    gone = info.value.impact["would_delete"]
    assert gone["results"]["count"] == 3 and gone["jobs"]["count"] == 3
    assert info.value.impact["affected"]["people"]["names"] == ["Ana"]
    assert len(store.list_results(person["id"])) == 4  # ... and nothing went
    # confirmed, it removes its jobs and results, not the person or the attempt
    store.delete_reference(ref["id"], confirm=True)
    assert [s["reference_name"] for s in store.list_results(person["id"])] == ["Lunge"]
    assert len(store.list_jobs()) == 1
    assert store.get_attempt(att["id"])["label"] == "monday"


def test_unknown_ids_raise_and_write_nothing(store: Store) -> None:
    _, _ref, att = _ref_and_attempt(store)
    with pytest.raises(NotFoundError, match="no reference with id 999"):
        store.add_job("compare", reference_id=999, attempt_id=att["id"])
    with pytest.raises(NotFoundError, match="no person with id 7"):
        store.add_attempt("videos/x.mp4", 7)
    with pytest.raises(NotFoundError, match="no job with id 5"):
        store.add_result(5, 1.0, "results/x", {})
    assert store.list_jobs() == [] and len(store.list_attempts()) == 1
    assert store.list_results() == []


def test_a_failing_write_rolls_back_the_whole_transaction(store: Store) -> None:
    _, ref, att = _ref_and_attempt(store)
    job = store.add_job("compare", reference_id=ref["id"], attempt_id=att["id"])
    store.claim_job()
    with pytest.raises(Exception):  # noqa: B017 - NaN-free JSON is required by the column
        store.add_result(job["id"], 50.0, "results/x", {"bad": object()})
    assert store.get_job(job["id"])["status"] == "running"  # not marked done
    assert store.list_results() == []


def test_claim_is_exclusive_across_threads(store: Store) -> None:
    _, ref, att = _ref_and_attempt(store)
    ids = [
        store.add_job("compare", reference_id=ref["id"], attempt_id=att["id"])["id"]
        for _ in range(30)
    ]
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while (job := store.claim_job()) is not None:
            with lock:
                claimed.append(job["id"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == ids  # every job exactly once
    assert {j["status"] for j in store.list_jobs()} == {"running"}


def test_recover_requeues_then_fails_with_reason(store: Store) -> None:
    _, ref, att = _ref_and_attempt(store)
    job = store.add_job("compare", reference_id=ref["id"], attempt_id=att["id"])
    done = store.add_job("compare", reference_id=ref["id"], attempt_id=att["id"])
    store.claim_job()
    store.claim_job()
    store.finish_job(done["id"])
    store.set_progress(job["id"], 0.4, "halfway")
    assert store.get_job(job["id"])["progress"] == 0.4
    touched = store.recover_jobs(max_tries=2)  # "restart" #1: tried once -> queued again
    assert [(j["id"], j["status"]) for j in touched] == [(job["id"], "queued")]
    assert store.get_job(job["id"])["message"].startswith("resumed after a server restart")
    assert store.claim_job()["tries"] == 2
    touched = store.recover_jobs(max_tries=2)  # "restart" #2: tried twice -> failed
    assert touched[0]["status"] == "failed"
    assert "interrupted by a server restart" in store.get_job(job["id"])["error"]
    assert store.get_job(done["id"])["status"] == "done"  # untouched


@pytest.mark.postgres
def test_web_app_runs_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The same app, jobs and all, with POSECOACH_DATABASE_URL pointing at PostgreSQL."""
    import time

    import psycopg
    from fastapi.testclient import TestClient

    from posecoach.web import Settings, create_app
    from web_support import fake_compare, fake_extract, write_video

    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE DATABASE posecoach_web")
    url = postgres_url.rsplit("/", 1)[0] + "/posecoach_web"
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        compare_fn=fake_compare,
        extract_fn=fake_extract,
        person_check=lambda path, n: True,
    )
    ref_video = write_video(tmp_path / "r.mp4", n_frames=9)
    att_video = write_video(tmp_path / "a.mp4", n_frames=8)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["database"] == "postgresql"
        ref = client.post(
            "/api/references", params={"name": "R", "exercise": "squat"},
            content=ref_video.read_bytes(),
        ).json()  # fmt: skip
        person = client.post("/api/people", json={"name": "Pat"}).json()
        att = client.post(
            "/api/attempts", params={"person_id": person["id"]}, content=att_video.read_bytes()
        ).json()
        job = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
        deadline = time.monotonic() + 20
        while (j := client.get(f"/api/jobs/{job.json()['id']}").json())["status"] != "done":
            assert j["status"] != "failed" and time.monotonic() < deadline, j
            time.sleep(0.05)
        assert client.get(f"/api/results/{j['result_id']}").json()["score"] == 90.0  # 100-10*1
        assert (
            client.get(f"/api/people/{person['id']}").json()["history"]["squat"][0]["score"] == 90.0
        )
    assert not (tmp_path / "data" / "posecoach.db").exists()  # nothing went to SQLite
