"""Nothing a web user already has is deleted, overwritten or half-written (issue 11).

Retiring keeps every row and file; deleting something in use answers 409 with the list of
what would go and, confirmed, deletes exactly that list; the schema upgrade from 0001 keeps
the data; a full disk fails a job with "disk full" and leaves nothing partial; stale
temporaries of a killed server go at start-up, nothing else does; size limits read in MB.
"""

from __future__ import annotations

import errno
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("alembic")
from fastapi.testclient import TestClient
from sqlalchemy import text

from posecoach.store import Store, create_engine, migrate
from test_store import postgres_url  # noqa: F401 - the session's PostgreSQL cluster
from test_web_app import make_client, stored_files, upload_reference, wait_job
from web_support import fake_compare, write_video

TABLES = ("people", "reference_videos", "attempts", "jobs", "results")


# ------------------------------------------------------------------------------ helpers
def row_counts(client: TestClient) -> dict[str, int]:
    """Rows per table, read straight from the database."""
    engine = client.app.state.runtime["store"].engine
    with engine.connect() as c:
        return {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def add_attempt(client: TestClient, video: Path, person_id: int | None = None) -> dict:
    params = {"filename": video.name} | ({"person_id": person_id} if person_id else {})
    r = client.post("/api/attempts", params=params, content=video.read_bytes())
    assert r.status_code == 201, r.text
    return r.json()


def run_compare(client: TestClient, reference_id: int, attempt_id: int) -> dict:
    r = client.post("/api/compare", json={"reference_id": reference_id, "attempt_id": attempt_id})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done", job
    return client.get(f"/api/results/{job['result_id']}").json()


def temporaries(data: Path) -> list[str]:
    return sorted(p.relative_to(data).as_posix() for p in data.rglob(".posecoach-tmp-*"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(data: Path):
    with make_client(data) as c:
        yield c


@pytest.fixture
def videos(tmp_path: Path) -> dict[str, Path]:
    return {
        "ref_a": write_video(tmp_path / "ref_a.mp4", n_frames=10),
        "ref_b": write_video(tmp_path / "ref_b.mp4", n_frames=9),
        "att": write_video(tmp_path / "att.mp4", n_frames=8),
    }


def ready_reference(client: TestClient, video: Path, name: str) -> dict:
    ref = upload_reference(client, video, name=name).json()
    assert wait_job(client, ref["extract_job"]["id"])["status"] == "done"
    return client.get(f"/api/references/{ref['id']}").json() | {"extract_job": ref["extract_job"]}


# ------------------------------------------------------------------------------ retiring
def test_retired_reference_leaves_the_choices_and_keeps_everything(
    client: TestClient, data: Path, videos: dict[str, Path]
) -> None:
    ref = ready_reference(client, videos["ref_a"], "Squat")
    ana = client.post("/api/people", json={"name": "Ana"}).json()
    att = add_attempt(client, videos["att"], ana["id"])
    result = run_compare(client, ref["id"], att["id"])
    overlay = client.get(f"/api/results/{result['id']}/files/overlay.mp4").content
    rows, files = row_counts(client), stored_files(data)

    r = client.post(f"/api/references/{ref['id']}/retire")
    assert r.status_code == 200 and r.json()["retired_at"] is not None
    assert client.post(f"/api/references/{ref['id']}/retire").json() == r.json()  # idempotent
    # gone from the library's (and so the compare page's) choices ...
    assert client.get("/api/references").json() == []
    listed = client.get("/api/references", params={"include_retired": "true"}).json()
    assert [x["id"] for x in listed] == [ref["id"]] and listed[0]["retired_at"]
    r = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
    assert r.status_code == 409
    assert r.json()["detail"] == (
        f"expected an active reference, got reference {ref['id']} ('Squat'), which is retired; "
        "restore it to use it again"
    )
    # ... while the reference, its result, its files and Ana's history all stay
    assert client.get(f"/api/references/{ref['id']}").json()["name"] == "Squat"
    assert client.get(f"/api/references/{ref['id']}/video").content == videos["ref_a"].read_bytes()
    again = client.get(f"/api/results/{result['id']}").json()
    assert again["data"] == result["data"] and again["reference_retired"] is True
    assert client.get(f"/api/results/{result['id']}/files/overlay.mp4").content == overlay
    for name in ("score.png", "result.json"):
        assert client.get(f"/api/results/{result['id']}/files/{name}").status_code == 200
    person = client.get(f"/api/people/{ana['id']}").json()
    assert [(s["id"], s["reference_retired"]) for s in person["sessions"]] == [(result["id"], True)]
    assert person["history"]["squat"][0]["score"] == result["score"]
    assert row_counts(client) == rows and stored_files(data) == files

    r = client.post(f"/api/references/{ref['id']}/restore")
    assert r.status_code == 200 and r.json()["retired_at"] is None
    assert [x["id"] for x in client.get("/api/references").json()] == [ref["id"]]
    run_compare(client, ref["id"], att["id"])  # usable again
    # the same through PATCH
    assert client.patch(f"/api/references/{ref['id']}", json={"retired": True}).json()["retired_at"]
    assert client.patch(f"/api/references/{ref['id']}", json={"retired": False}).json()[
        "retired_at"
    ] is None  # fmt: skip
    r = client.patch(f"/api/references/{ref['id']}", json={"retired": "yes"})
    assert (
        r.status_code == 400
        and r.json()["detail"] == "expected retired to be true or false, got 'yes'"
    )


def test_retired_person_is_hidden_and_keeps_their_history(
    client: TestClient, data: Path, videos: dict[str, Path]
) -> None:
    ref = ready_reference(client, videos["ref_a"], "Squat")
    ana = client.post("/api/people", json={"name": "Ana"}).json()
    client.post("/api/people", json={"name": "Bo"})
    att = add_attempt(client, videos["att"], ana["id"])
    result = run_compare(client, ref["id"], att["id"])
    rows, files = row_counts(client), stored_files(data)

    assert client.post(f"/api/people/{ana['id']}/retire").json()["retired_at"]
    assert [p["name"] for p in client.get("/api/people").json()] == ["Bo"]
    everyone = client.get("/api/people", params={"include_retired": "true"}).json()
    assert [(p["name"], p["retired_at"] is not None) for p in everyone] == [
        ("Ana", True),
        ("Bo", False),
    ]
    page = client.get(f"/api/people/{ana['id']}").json()
    assert [s["id"] for s in page["sessions"]] == [result["id"]] and page["history"]["squat"]
    # no new work for a retired person, and a refused upload stores nothing
    r = client.post(
        "/api/attempts", params={"person_id": ana["id"]}, content=videos["att"].read_bytes()
    )
    assert r.status_code == 409 and "which is retired" in r.json()["detail"]
    r = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
    assert r.status_code == 409 and f"person {ana['id']} ('Ana')" in r.json()["detail"]
    assert row_counts(client) == rows and stored_files(data) == files
    assert client.post(f"/api/people/{ana['id']}/restore").json()["retired_at"] is None
    assert [p["name"] for p in client.get("/api/people").json()] == ["Ana", "Bo"]


# ------------------------------------------------------------------------------ deleting
def test_deleting_a_used_reference_lists_what_goes_then_deletes_exactly_that(
    client: TestClient, data: Path, videos: dict[str, Path]
) -> None:
    ref_a = ready_reference(client, videos["ref_a"], "Squat")
    ref_b = ready_reference(client, videos["ref_b"], "Lunge")
    ana = client.post("/api/people", json={"name": "Ana"}).json()
    bo = client.post("/api/people", json={"name": "Bo"}).json()
    att_ana = add_attempt(client, videos["att"], ana["id"])
    att_bo = add_attempt(client, videos["att"], bo["id"])
    r1 = run_compare(client, ref_a["id"], att_ana["id"])
    r2 = run_compare(client, ref_a["id"], att_bo["id"])
    r3 = run_compare(client, ref_b["id"], att_ana["id"])  # uses the other reference: stays
    rows, files = row_counts(client), stored_files(data)

    r = client.delete(f"/api/references/{ref_a['id']}")
    assert r.status_code == 409
    impact = r.json()
    assert impact["detail"] == (
        f"expected nothing to use reference {ref_a['id']} ('Squat') before deleting it, got "
        "2 result(s), 2 other job(s); retire it to keep them, or delete with confirm=true to "
        "delete them too"
    )
    gone = impact["would_delete"]
    assert gone["results"] == {"count": 2, "ids": [r1["id"], r2["id"]]}
    assert gone["jobs"] == {
        "count": 3,
        "ids": [ref_a["extract_job"]["id"], r1["job_id"], r2["job_id"]],
    }
    assert gone["attempts"] == {"count": 0, "ids": []}  # attempts are the people's: kept
    assert gone["files"] == sorted(
        [ref_a["video_file"], ref_a["pose_file"], r1["outdir"], r2["outdir"]]
    )
    assert impact["affected"]["people"] == {
        "count": 2,
        "ids": [ana["id"], bo["id"]],
        "names": ["Ana", "Bo"],
    }
    assert impact["affected"]["attempts"] == {"count": 2, "ids": [att_ana["id"], att_bo["id"]]}
    assert impact["running_jobs"] == [] and len(impact["token"]) == 16
    assert row_counts(client) == rows and stored_files(data) == files  # the 409 deleted nothing

    # a confirmation of another list is refused with the current one
    r = client.delete(
        f"/api/references/{ref_a['id']}", params={"confirm": "true", "token": "0" * 16}
    )
    assert r.status_code == 409 and "changed one" in r.json()["detail"]
    assert r.json()["would_delete"] == gone
    # a running job blocks even a confirmed delete
    store = client.app.state.runtime["store"]
    with store.engine.begin() as c:
        c.execute(text("UPDATE jobs SET status = 'running' WHERE id = :i"), {"i": r2["job_id"]})
    r = client.delete(f"/api/references/{ref_a['id']}", params={"confirm": "true"})
    assert r.status_code == 409 and r.json()["running_jobs"] == [r2["job_id"]]
    assert "wait for them to finish" in r.json()["detail"]
    with store.engine.begin() as c:
        c.execute(text("UPDATE jobs SET status = 'done' WHERE id = :i"), {"i": r2["job_id"]})
    assert row_counts(client) == rows and stored_files(data) == files

    r = client.delete(
        f"/api/references/{ref_a['id']}", params={"confirm": "true", "token": impact["token"]}
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["deleted"] == ref_a["id"] and done["results"] == gone["results"]["ids"]
    assert done["jobs"] == gone["jobs"]["ids"] and done["files"] == gone["files"]
    assert done["files_kept"] == []
    assert row_counts(client) == rows | {
        "reference_videos": rows["reference_videos"] - 1,
        "results": rows["results"] - 2,
        "jobs": rows["jobs"] - 3,
    }
    # exactly the listed files went, no other file in the data dir
    assert set(stored_files(data)) == set(files) - files_under_listed(files, gone["files"])
    assert client.get(f"/api/references/{ref_a['id']}").status_code == 404
    assert client.get(f"/api/results/{r1['id']}").status_code == 404
    # the other reference's result and both people's remaining history are intact
    assert client.get(f"/api/results/{r3['id']}").json()["data"] == r3["data"]
    assert client.get(f"/api/results/{r3['id']}/files/overlay.mp4").status_code == 200
    ana_page = client.get(f"/api/people/{ana['id']}").json()
    assert [s["id"] for s in ana_page["sessions"]] == [r3["id"]]
    assert client.get(f"/api/people/{bo['id']}").json()["sessions"] == []
    assert {a["id"] for a in client.get("/api/attempts").json()} == {att_ana["id"], att_bo["id"]}


def files_under_listed(files: list[str], listed: list[str]) -> set[str]:
    """The stored files that the listed files and folders cover."""
    return {f for f in files if any(f == rel or f.startswith(rel + "/") for rel in listed)}


def test_deleting_a_person_lists_their_sessions_then_deletes_exactly_those(
    client: TestClient, data: Path, videos: dict[str, Path]
) -> None:
    ref = ready_reference(client, videos["ref_a"], "Squat")
    ana = client.post("/api/people", json={"name": "Ana"}).json()
    bo = client.post("/api/people", json={"name": "Bo"}).json()
    cy = client.post("/api/people", json={"name": "Cy"}).json()
    att_ana = add_attempt(client, videos["att"], ana["id"])
    att_bo = add_attempt(client, videos["att"], bo["id"])
    r_ana = run_compare(client, ref["id"], att_ana["id"])
    r_bo = run_compare(client, ref["id"], att_bo["id"])

    # nobody refers to Cy: deleted at once
    r = client.delete(f"/api/people/{cy['id']}")
    assert r.status_code == 200 and r.json()["deleted"] == cy["id"] and r.json()["files"] == []
    rows, files = row_counts(client), stored_files(data)

    r = client.delete(f"/api/people/{ana['id']}")
    assert r.status_code == 409
    impact = r.json()
    assert impact["person"] == {"id": ana["id"], "name": "Ana"}
    assert impact["detail"].startswith(f"expected nothing to use person {ana['id']} ('Ana')")
    gone = impact["would_delete"]
    assert gone["results"]["ids"] == [r_ana["id"]]
    assert gone["jobs"]["ids"] == [r_ana["job_id"]]
    assert gone["attempts"]["ids"] == [att_ana["id"]]
    assert gone["files"] == sorted([att_ana["video_file"], r_ana["outdir"]])
    assert impact["affected"]["references"]["names"] == ["Squat"]  # kept
    assert row_counts(client) == rows and stored_files(data) == files

    r = client.delete(
        f"/api/people/{ana['id']}", params={"confirm": "true", "token": impact["token"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["attempts"] == [att_ana["id"]] and r.json()["files"] == gone["files"]
    assert row_counts(client) == rows | {
        "people": rows["people"] - 1,
        "attempts": rows["attempts"] - 1,
        "jobs": rows["jobs"] - 1,
        "results": rows["results"] - 1,
    }
    assert set(stored_files(data)) == set(files) - files_under_listed(files, gone["files"])
    assert client.get(f"/api/people/{ana['id']}").status_code == 404
    # the reference and Bo's history stay
    assert client.get(f"/api/references/{ref['id']}").status_code == 200
    assert [s["id"] for s in client.get(f"/api/people/{bo['id']}").json()["sessions"]] == [
        r_bo["id"]
    ]
    assert client.get(f"/api/results/{r_bo['id']}/files/overlay.mp4").status_code == 200


def test_the_database_itself_refuses_to_cascade(tmp_path: Path) -> None:
    """Even a raw DELETE cannot take a person's results with it any more."""
    from sqlalchemy.exc import IntegrityError

    store = Store(tmp_path / "data")
    ana = store.add_person("Ana")
    ref = store.add_reference("Squat", "videos/references/a.mp4", exercise="squat")
    att = store.add_attempt("videos/attempts/b.mp4", ana["id"])
    job = store.add_job(
        "compare", reference_id=ref["id"], attempt_id=att["id"], person_id=ana["id"]
    )
    store.add_result(job["id"], 70.0, "results/job_1", {"score": 70.0})
    for table, ident in (
        ("reference_videos", ref["id"]),
        ("attempts", att["id"]),
        ("people", ana["id"]),
        ("jobs", job["id"]),
    ):
        with pytest.raises(IntegrityError), store.engine.begin() as c:
            c.execute(text(f"DELETE FROM {table} WHERE id = :i"), {"i": ident})
    assert len(store.list_results()) == 1 and store.history(ana["id"])["squat"]
    store.close()


# ------------------------------------------------------------------------------ migration
def _insert_0001_rows(engine) -> None:
    """A small history written the way revision 0001's schema stores it."""
    ts = "2026-01-05 10:00:00+00:00"
    rows = [
        "INSERT INTO people (id, name, notes, created_at) VALUES (1, 'Ana', 'knee', :ts)",
        "INSERT INTO reference_videos (id, name, exercise, notes, video_file, pose_file, "
        "created_at) VALUES (1, 'Squat', 'squat', '', 'videos/references/r.mp4', "
        "'poses/reference_1.pose.npz', :ts)",
        "INSERT INTO attempts (id, person_id, label, video_file, created_at) "
        "VALUES (1, 1, 'monday', 'videos/attempts/a.mp4', :ts)",
        "INSERT INTO jobs (id, kind, status, progress, message, params, reference_id, "
        "created_at) VALUES (1, 'extract_reference', 'done', 1, 'done', '{}', 1, :ts)",
        "INSERT INTO jobs (id, kind, status, progress, message, params, reference_id, "
        "attempt_id, person_id, tries, created_at) "
        "VALUES (2, 'compare', 'done', 1, 'done', '{}', 1, 1, 1, 1, :ts)",
        "INSERT INTO results (id, job_id, reference_id, attempt_id, person_id, exercise, "
        "score, outdir, data, created_at) VALUES (1, 2, 1, 1, 1, 'squat', 77.5, "
        "'results/job_2', '{\"score\": 77.5, \"cues\": []}', :ts)",
    ]
    with engine.begin() as c:
        for sql in rows:
            c.execute(text(sql), {"ts": ts})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request, tmp_path: Path) -> str:
    """URL of an empty database (SQLite file, or a new PostgreSQL database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    import psycopg

    base = request.getfixturevalue("postgres_url")
    name = f"posecoach_migrate_{tmp_path.name.lower().replace('-', '_')[-40:]}"
    dsn = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def test_upgrade_from_0001_keeps_the_data_and_stops_cascades(blank_url: str, tmp_path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from posecoach.store.models import Base

    engine = create_engine(blank_url)
    assert migrate(engine, "0001") == "0001"
    _insert_0001_rows(engine)
    with engine.connect() as c:
        before = {t: c.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in TABLES}
    assert migrate(engine) == "0002"
    with engine.connect() as c:
        after = {t: c.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in TABLES}
    for table in TABLES:  # every row kept, every value; people and references gain retired_at
        extra = 1 if table in ("people", "reference_videos") else 0
        assert [tuple(r)[: len(r) - extra] for r in after[table]] == [
            tuple(r) for r in before[table]
        ], table
        if extra:
            assert [r[-1] for r in after[table]] == [None] * len(after[table])
    for table in ("results", "jobs", "attempts"):
        for fk in inspect(engine).get_foreign_keys(table):
            assert fk["options"].get("ondelete") == "RESTRICT", (table, fk)
    with engine.connect() as c:  # the models describe the upgraded schema exactly
        assert compare_metadata(MigrationContext.configure(c), Base.metadata) == []
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text("DELETE FROM reference_videos WHERE id = 1"))
    engine.dispose()

    store = Store(tmp_path / "data", blank_url)  # the app opens it: history intact
    assert store.revision == "0002"
    assert store.history(1) == {
        "squat": [{"time": store.get_result(1)["created_at"], "score": 77.5, "result_id": 1}]
    }
    assert store.get_result(1)["data"] == {"score": 77.5, "cues": []}
    assert [r["name"] for r in store.list_references()] == ["Squat"]
    assert store.list_attempts(1)[0]["label"] == "monday"
    with pytest.raises(Exception, match="confirm=true"):
        store.delete_reference(1)
    store.close()


def test_a_failed_sqlite_upgrade_changes_nothing(tmp_path: Path) -> None:
    """The upgrade is one transaction, DDL included: a broken row rolls all of it back."""
    from posecoach.errors import InputError

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    migrate(engine, "0001")
    _insert_0001_rows(engine)
    with engine.connect() as c:  # an orphan row an old bug could have left
        c.exec_driver_sql("PRAGMA foreign_keys=OFF")
        c.exec_driver_sql(
            "INSERT INTO attempts (id, person_id, label, video_file, created_at) "
            "VALUES (2, 99, '', 'videos/attempts/x.mp4', '2026-01-05')"
        )
        c.commit()
        c.exec_driver_sql("PRAGMA foreign_keys=ON")
    engine.dispose()
    engine = create_engine(url)
    with pytest.raises(InputError, match="1 broken in attempts; nothing was changed"):
        migrate(engine)
    with engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        tables = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert not any(t.startswith("_alembic_tmp") for t in tables)
        assert c.execute(text("SELECT count(*) FROM results")).scalar() == 1
        cols = [r[1] for r in c.exec_driver_sql("PRAGMA table_info(people)")]
        assert "retired_at" not in cols
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


# ------------------------------------------------------------------------------ disk full
def _full_disk_compare(reference, attempt, *, outdir, progress=None):
    """Writes half an overlay, then the disk is full."""
    (Path(outdir) / "overlay.mp4").write_bytes(b"\x00" * 100)
    raise OSError(errno.ENOSPC, "No space left on device", str(Path(outdir) / "overlay.mp4"))


def _no_result_json_compare(reference, attempt, *, outdir, progress=None):
    data = fake_compare(reference, attempt, outdir=outdir, progress=progress)
    (Path(outdir) / "result.json").unlink()  # the job writes it (and the disk fills then)
    return data


@pytest.mark.parametrize("where", ["compare", "result.json"])
def test_a_full_disk_fails_the_job_and_leaves_nothing(
    where: str, data: Path, videos: dict[str, Path], monkeypatch
) -> None:
    import posecoach.web.tasks as tasks

    if where == "compare":
        compare_fn = _full_disk_compare
    else:
        compare_fn = _no_result_json_compare
        real = tasks.atomic_path

        @contextmanager
        def full_disk(path, suffix=""):
            with real(path, suffix) as tmp:
                yield tmp
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(tasks, "atomic_path", full_disk)
    with make_client(data, compare_fn=compare_fn) as client:
        ref = ready_reference(client, videos["ref_a"], "Squat")
        att = add_attempt(client, videos["att"])
        rows, files = row_counts(client), stored_files(data)
        r = client.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
        job = wait_job(client, r.json()["id"])
        assert job["status"] == "failed" and job["result_id"] is None
        assert job["error"] == (
            f"disk full: no space left while writing the result of job {job['id']}; nothing "
            "partial was kept, free some space and retry"
        )
        assert row_counts(client) == rows | {"jobs": rows["jobs"] + 1}  # the failed job only
        assert client.get("/api/results").json() == []
        assert stored_files(data) == files  # no partial file
        assert temporaries(data) == [] and list((data / "results").iterdir()) == []


def test_a_full_disk_while_storing_a_skeleton(data: Path, videos: dict[str, Path], monkeypatch):
    import posecoach.io

    def full_disk(seq, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(posecoach.io, "save", full_disk)
    with make_client(data) as client:
        ref = upload_reference(client, videos["ref_a"]).json()
        job = wait_job(client, ref["extract_job"]["id"])
        assert job["error"] == (
            f"disk full: no space left while writing the skeleton of reference {ref['id']}; "
            "nothing partial was kept, free some space and retry"
        )
        assert client.get(f"/api/references/{ref['id']}").json()["pose_file"] is None
        assert stored_files(data) == [ref["video_file"]] and temporaries(data) == []


# ------------------------------------------------------------------------------ job folders
def test_a_result_folder_already_there_is_never_replaced(
    data: Path, videos: dict[str, Path]
) -> None:
    """E.g. the data of an earlier database: the new result goes beside it."""
    old = data / "results" / "job_2"
    old.mkdir(parents=True)
    (old / "overlay.mp4").write_bytes(b"someone's earlier result")
    with make_client(data) as client:
        ref = ready_reference(client, videos["ref_a"], "Squat")  # job 1
        att = add_attempt(client, videos["att"])
        result = run_compare(client, ref["id"], att["id"])  # job 2
        assert result["job_id"] == 2 and result["outdir"] == "results/job_2-2"
        assert client.get(f"/api/results/{result['id']}/files/overlay.mp4").content == (
            videos["att"].read_bytes()
        )
    assert (old / "overlay.mp4").read_bytes() == b"someone's earlier result"
    assert (data / "results" / "job_2-2" / "result.json").is_file()
    assert temporaries(data) == []


def _temporary_of_a_dead_process(folder: Path, label: str) -> Path:
    """A temporary folder made (and left) by a posecoach process that has since exited."""
    code = (
        "import sys; from posecoach.atomic import make_temp_folder; "
        "d = make_temp_folder(sys.argv[1], sys.argv[2]); (d / 'half.mp4').write_bytes(b'x'); "
        "print(d)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder), label],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def test_startup_removes_stale_temporaries_and_nothing_else(data: Path) -> None:
    from posecoach.atomic import make_temp_folder

    alive = make_temp_folder(data / "results", "job_4")  # a process still running: this one
    stale = [
        _temporary_of_a_dead_process(data / "results", "job_3"),
        _temporary_of_a_dead_process(data / "tmp", "upload"),
        _temporary_of_a_dead_process(data / "poses", "x"),
    ]
    keep = {
        "results/job_1/overlay.mp4": b"a completed result",
        "results/.posecoach-tmp-notes.txt": b"not posecoach's pattern",
        "results/job_2.partial/x.mp4": b"an older server's leftover: not the pattern",
        "tmp/mine.part": b"someone's file",
        "notes.txt": b"a user's note",
    }
    for rel, content in keep.items():
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_bytes(content)
    assert all(p.is_dir() for p in stale)
    with make_client(data) as client:
        assert client.get("/health").status_code == 200
    assert not any(p.exists() for p in stale)
    assert alive.is_dir()
    for rel, content in keep.items():
        assert (data / rel).read_bytes() == content, rel


# ------------------------------------------------------------------------------ messages
def test_upload_limits_are_given_in_mb(tmp_path: Path) -> None:
    from posecoach.web.uploads import format_mb

    assert format_mb(200 * 1024 * 1024) == "200 MB"
    assert format_mb(round(312.4 * 1024 * 1024)) == "312.4 MB"
    data = tmp_path / "data"
    body = b"\x00" * round(1.3 * 1024 * 1024)
    with make_client(data, max_upload_mb=0.5) as client:
        r = client.post("/api/attempts", params={"filename": "big.mp4"}, content=body)
        assert r.status_code == 413
        assert r.json()["detail"] == (
            "expected an upload of at most 0.5 MB, got 1.3 MB "
            "(limit set by --max-upload-mb / POSECOACH_MAX_UPLOAD_MB)"
        )

        def chunks():  # no Content-Length: the streamed check says it in MB too
            for i in range(0, len(body), 65536):
                yield body[i : i + 65536]

        r = client.post("/api/attempts", params={"filename": "big.mp4"}, content=chunks())
        assert r.status_code == 413
        assert r.json()["detail"] == (
            "expected an upload of at most 0.5 MB, got more "
            "(limit set by --max-upload-mb / POSECOACH_MAX_UPLOAD_MB)"
        )
        assert client.get("/api/attempts").json() == []
    assert stored_files(data) == [] and temporaries(data) == []


# ------------------------------------------------------------------------------ the pages
@contextmanager
def live_server(data: Path):
    """The app (stand-in pipeline) served by uvicorn on a loopback port, in a thread."""
    import threading
    import time

    import uvicorn

    from posecoach.web import Settings, create_app
    from web_support import fake_extract, free_port

    settings = Settings(
        data_dir=data,
        compare_fn=fake_compare,
        extract_fn=fake_extract,
        person_check=lambda path, n: True,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.browser
def test_pages_retire_and_delete_only_after_showing_the_list(
    launch, data: Path, videos: dict[str, Path], screenshot_dir: Path
) -> None:
    import httpx

    with live_server(data) as url, httpx.Client(base_url=url, timeout=20) as api:
        ref = api.post(
            "/api/references",
            params={"name": "Squat", "exercise": "squat"},
            content=videos["ref_a"].read_bytes(),
        ).json()
        ana = api.post("/api/people", json={"name": "Ana"}).json()
        att = api.post(
            "/api/attempts", params={"person_id": ana["id"]}, content=videos["att"].read_bytes()
        ).json()
        job = api.post("/api/compare", json={"reference_id": ref["id"], "attempt_id": att["id"]})
        result_id = wait_job(api, job.json()["id"])["result_id"]  # (any client with .get)

        browser = launch(["--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        deletes: list[str] = []
        page.on("request", lambda r: deletes.append(r.url) if r.method == "DELETE" else None)
        page.on("dialog", lambda d: d.accept())
        try:
            # retire on the reference page: it leaves the library and the compare choices
            page.goto(f"{url}/reference.html?id={ref['id']}")
            page.click("#retire")
            page.wait_for_selector("#restore:not([hidden])")
            assert page.is_visible("#retired-note") and not page.is_visible("#retire")
            page.goto(f"{url}/index.html")
            page.wait_for_selector("#references td.muted")  # "No references yet."
            assert page.locator("#references tr[data-id]").count() == 0
            page.check("#show-retired")
            page.wait_for_selector(f"#references tr.retired[data-id='{ref['id']}']")
            page.goto(f"{url}/compare.html")
            page.wait_for_selector("#person option[value]", state="attached")
            assert page.locator("#reference option").count() == 0
            # its result page still plays the overlay and says the reference is retired
            page.goto(f"{url}/result.html?id={result_id}")
            page.wait_for_function(
                "document.getElementById('meta').textContent.includes('retired')"
            )
            page.wait_for_function(
                "document.getElementById('overlay-video').readyState >= 1", timeout=20_000
            )

            # delete: the page shows what would go and sends confirm=true only when asked
            page.goto(f"{url}/reference.html?id={ref['id']}")
            page.click("#restore")
            page.wait_for_selector("#retire:not([hidden])")
            page.click("#delete")
            page.wait_for_selector("#impact-list")
            listing = page.inner_text("#delete-impact")
            assert f"1 result(s) (#{result_id})" in listing and "Ana" in listing
            page.screenshot(path=str(screenshot_dir / "delete-reference.png"), full_page=True)
            page.click("#cancel-delete")
            assert page.locator("#impact-list").count() == 0
            assert all("confirm=true" not in u for u in deletes) and len(deletes) == 1
            assert api.get(f"/api/results/{result_id}").status_code == 200  # nothing went
            page.click("#delete")
            page.wait_for_selector("#confirm-delete")
            page.click("#confirm-delete")
            page.wait_for_url(f"{url}/index.html")
            assert sum("confirm=true" in u for u in deletes) == 1
            assert api.get(f"/api/references/{ref['id']}").status_code == 404
            assert api.get(f"/api/results/{result_id}").status_code == 404

            # a person: retire hides them from the people page; delete shows the list first
            page.goto(f"{url}/person.html?id={ana['id']}")
            page.click("#retire")
            page.wait_for_selector("#restore:not([hidden])")
            page.goto(f"{url}/people.html")
            page.wait_for_selector("#show-retired")
            page.wait_for_timeout(300)
            assert page.locator("#people li").count() == 0
            page.check("#show-retired")
            page.wait_for_selector(f"#people li[data-id='{ana['id']}']")
            page.goto(f"{url}/person.html?id={ana['id']}")
            page.click("#delete")
            page.wait_for_selector("#impact-list")
            assert "1 attempt video(s)" in page.inner_text("#delete-impact")
            page.click("#confirm-delete")
            page.wait_for_url(f"{url}/people.html")
            assert api.get(f"/api/people/{ana['id']}").status_code == 404
        finally:
            page.close()
            browser.close()
