"""``posecoach batch``: inputs, resuming, summaries, sessions, the CLI (fast: pose-file inputs).

Pose files go through the same task as videos minus the pose model, so every rule of the
batch (mirroring, keys, records, summaries, one failure per input, sessions) is checked
here in the ``inline`` engine in seconds; ``test_batch_cluster.py`` runs real videos on a
real Dask cluster.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach.app.batch import find_inputs, run_batch
from posecoach.app.batch.inputs import output_stems
from posecoach.app.batch.resume import record_name
from posecoach.app.batch.sessions import StoreSessions
from posecoach.app.compare import compare_files
from posecoach.app.outputs import read_manifest
from posecoach.classify.synthetic import exercise_sequence
from posecoach.compare.autoreps import count_reps_auto
from posecoach.errors import InputError, OutputFolderError


def reps_pose(n_reps: int, seed: int) -> posecoach.PoseSequence:
    return exercise_sequence(n_reps, rng=np.random.default_rng(seed))[0]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """recordings/alice/{a1,a2}.pose.npz (2 and 3 reps), bob/b1.pose.npz (4), a corrupt
    bob/broken.pose.npz, notes and hidden files, and a reference."""
    root = tmp_path / "recordings"
    for rel, n, seed in (("alice/a1", 2, 1), ("alice/a2", 3, 2), ("bob/b1", 4, 3)):
        posecoach.save(reps_pose(n, seed), root / f"{rel}.pose.npz")
    (root / "bob" / "broken.pose.npz").write_bytes(b"not a pose file")
    (root / "bob" / "notes.txt").write_text("my notes")
    (root / "alice" / ".hidden.pose.npz").write_bytes(b"x")
    posecoach.save(reps_pose(1, 9), tmp_path / "reference.pose.npz")
    return root


def test_find_inputs_recursive_glob_and_errors(tree: Path, tmp_path: Path) -> None:
    found = find_inputs([tree])
    assert [(i.rel, i.kind) for i in found] == [
        ("alice/a1.pose.npz", "pose"),
        ("alice/a2.pose.npz", "pose"),
        ("bob/b1.pose.npz", "pose"),
        ("bob/broken.pose.npz", "pose"),
    ]
    # a glob and a file named twice: each input once, mirrored below their common folder
    found = find_inputs([str(tree / "alice" / "a*.pose.npz"), tree / "alice" / "a1.pose.npz"])
    assert [i.rel for i in found] == ["a1.pose.npz", "a2.pose.npz"]
    found = find_inputs([str(tree / "**" / "b*.pose.npz")])
    assert [i.rel for i in found] == ["b1.pose.npz", "broken.pose.npz"]
    # the output folder inside the tree is left out
    posecoach.save(reps_pose(1, 0), tree / "out" / "a1.pose.npz")
    assert "out/a1.pose.npz" in [i.rel for i in find_inputs([tree])]
    assert "out/a1.pose.npz" not in [i.rel for i in find_inputs([tree], exclude=[tree / "out"])]
    # a folder of images is one input
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "0001.png").write_bytes(b"png")
    assert [(i.rel, i.kind) for i in find_inputs([frames])] == [("frames", "images")]
    with pytest.raises(InputError, match="no such file or folder"):
        find_inputs([tmp_path / "nope.mp4"])
    with pytest.raises(InputError, match="matches no file"):
        find_inputs([str(tmp_path / "*.mov")])
    with pytest.raises(InputError, match="expected a video, an image, a folder or a pose file"):
        find_inputs([tree / "bob" / "notes.txt"])


def test_output_stems_keep_the_ending_only_on_a_clash() -> None:
    from posecoach.app.batch.inputs import BatchInput

    items = [BatchInput(Path(r), r, "video") for r in ("a/x.mp4", "a/x.mov", "b/x.mp4")]
    assert output_stems(items) == ["a/x.mp4", "a/x.mov", "b/x"]


def test_batch_mirrors_the_tree_summarises_and_equals_the_single_commands(
    tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ref = tmp_path / "reference.pose.npz"
    report = run_batch([tree], out, engine="inline", compare_to=ref, reps=True)
    assert [(r.output, r.status) for r in report.rows] == [
        ("alice/a1", "ok"),
        ("alice/a2", "ok"),
        ("bob/b1", "ok"),
        ("bob/broken", "failed"),
    ]
    assert [r.reps for r in report.rows] == [2, 3, 4, None]
    assert "bob/broken.pose.npz" in report.rows[3].reason
    for rel in ("alice/a1", "alice/a2", "bob/b1"):
        source = tree / f"{rel}.pose.npz"
        # the pose file holds the input's poses
        np.testing.assert_array_equal(
            posecoach.load(out / f"{rel}.pose.npz").positions, posecoach.load(source).positions
        )
        # as `posecoach reps INPUT --json`
        reps = json.loads((out / f"{rel}.reps.json").read_text())
        assert reps == json.loads(json.dumps(count_reps_auto(posecoach.load(source)).to_dict()))
        # as `posecoach compare REF INPUT --no-render`
        single = compare_files(ref, source, outdir=tmp_path / "single" / rel, render=False)
        batch = json.loads((out / f"{rel}.result.json").read_text())
        assert batch["score"] == pytest.approx(single.score, abs=1e-9)
        assert [c["text"] for c in batch["cues"]] == [c.text for c in single.cues]
    assert not (out / "bob" / "broken.pose.npz").exists()
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "failed"]
    assert [r["reps"] for r in rows] == ["2", "3", "4", ""]
    assert rows[0]["frames"] == str(reps_pose(2, 1).n_frames)
    assert rows[0]["subject_share"] == "1"
    assert float(rows[0]["score"]) == pytest.approx(report.rows[0].score, abs=1e-3)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"ok": 3, "failed": 1, "skipped": 0}
    assert summary["inputs"][3]["reason"] == report.rows[3].reason
    assert (tree / "bob" / "notes.txt").read_text() == "my notes"


def test_rerun_skips_finished_inputs_redoes_changed_ones_and_force(
    tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run_batch([tree], out, engine="inline", reps=True)
    assert [r.status for r in first.rows] == ["ok", "ok", "ok", "failed"]
    again = run_batch([tree], out, engine="inline", reps=True)
    # finished inputs are skipped with their figures; the failed one is tried again
    assert [r.status for r in again.rows] == ["skipped", "skipped", "skipped", "failed"]
    assert [r.reps for r in again.rows] == [2, 3, 4, None]
    # a changed input is redone, the others skipped
    posecoach.save(reps_pose(5, 7), tree / "alice" / "a2.pose.npz")
    changed = run_batch([tree], out, engine="inline", reps=True)
    assert [r.status for r in changed.rows] == ["skipped", "ok", "skipped", "failed"]
    assert changed.rows[1].reps == 5
    # other options: every input again (the record keeps the latest options)
    other = run_batch([tree], out, engine="inline", reps=False)
    assert [r.status for r in other.rows] == ["ok", "ok", "ok", "failed"]
    forced = run_batch([tree], out, engine="inline", reps=True, force=True)
    assert [r.status for r in forced.rows] == ["ok", "ok", "ok", "failed"]


def test_a_killed_batch_continues_where_it_stopped(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def stop_after_first(row: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch([tree], out, engine="inline", reps=True, on_row=stop_after_first)
    manifest = read_manifest(out)
    assert manifest is not None and "alice/a1.pose.npz" in manifest.files
    assert "alice/a2.pose.npz" not in manifest.files and not (out / "summary.csv").exists()
    resumed = run_batch([tree], out, engine="inline", reps=True)
    assert [r.status for r in resumed.rows] == ["skipped", "ok", "ok", "failed"]


def test_a_result_file_the_user_changed_is_kept_and_that_input_fails(
    tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_batch([tree], out, engine="inline", reps=True)
    (out / "alice" / "a1.reps.json").write_text("my edit")
    report = run_batch([tree], out, engine="inline", reps=True)
    assert report.rows[0].status == "failed"
    assert "changed since posecoach wrote it" in report.rows[0].reason
    assert (out / "alice" / "a1.reps.json").read_text() == "my edit"
    assert [r.status for r in report.rows[1:]] == ["skipped", "skipped", "failed"]


def test_a_folder_of_user_files_is_refused_before_any_work(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("mine")
    with pytest.raises(OutputFolderError, match="did not write"):
        run_batch([tree], out, engine="inline")
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]
    report = run_batch([tree], out, engine="inline", force=True)
    assert report.count("ok") == 3 and (out / "thesis.docx").read_text() == "mine"
    assert (out / record_name("alice/a1")).is_file()


def test_sessions_go_into_the_store_once_and_deleting_keeps_the_users_files(
    tree: Path, tmp_path: Path
) -> None:
    from posecoach.store import Store
    from posecoach.web.files import remove_owned_files

    store = Store(tmp_path / "data")
    try:
        out = tmp_path / "out"
        ref = tmp_path / "reference.pose.npz"
        sink = StoreSessions(store, "{folder}", ref, out, exercise="squat")
        report = run_batch([tree], out, engine="inline", compare_to=ref, sessions=sink)
        assert sink.added == 3 and sink.errors == []
        people = {p["name"]: p["id"] for p in store.list_people()}
        assert sorted(people) == ["alice", "bob"]
        history = store.history(people["alice"])
        assert [round(h["score"], 6) for h in history["squat"]] == [
            round(r.score or 0, 6) for r in report.rows[:2]
        ]
        assert store.list_references() == []  # not offered in the web library
        # the web app's person page shows them (the app opens the same database)
        from fastapi.testclient import TestClient

        from posecoach.web import Settings, create_app

        with TestClient(create_app(Settings(data_dir=tmp_path / "data"))) as web:
            page = web.get(f"/api/people/{people['bob']}").json()
            assert [s["score"] for s in page["sessions"]] == [report.rows[2].score]
            assert page["sessions"][0]["reference_retired"] is True
            assert list(page["history"]) == ["squat"]
            assert web.get("/api/references").json() == []
        sink2 = StoreSessions(store, "{folder}", ref, out, exercise="squat")
        run_batch([tree], out, engine="inline", compare_to=ref, sessions=sink2)
        assert sink2.added == 0 and len(store.list_results()) == 3
        deleted = store.delete_person(people["alice"], confirm=True)
        removed, kept = remove_owned_files(tmp_path / "data", deleted["files"])
        assert removed == [] and str(tree / "alice" / "a1.pose.npz") in kept
        assert (tree / "alice" / "a1.pose.npz").is_file()
        assert (out / "alice" / "a1.result.json").is_file()
    finally:
        store.close()


def test_cli_batch(tree: Path, tmp_path: Path) -> None:
    from posecoach.cli import app

    out = tmp_path / "out"
    args = ["batch", str(tree), "-o", str(out), "--engine", "inline", "--reps"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "a1.pose.npz: OK" in result.output and "2 reps" in result.output
    assert "broken.pose.npz: FAILED" in result.output
    assert "4 inputs: 3 done, 0 skipped (done before), 1 failed" in result.output
    assert "1 of 4 inputs failed" in result.output
    again = ["batch", str(tree / "alice"), "-o", str(tmp_path / "alice"), "--engine", "inline"]
    result = CliRunner().invoke(app, again)
    assert result.exit_code == 0, result.output
    assert "2 inputs: 2 done, 0 skipped (done before), 0 failed" in result.output
    assert (tmp_path / "alice" / "a2.pose.npz").is_file()
    result = CliRunner().invoke(app, ["batch", str(tree), "-o", str(out), "--database", "x"])
    assert result.exit_code == 2 and "--compare-to" in result.output
    result = CliRunner().invoke(app, [*args, "--engine", "spark"])
    assert result.exit_code == 1 and "unknown batch engine 'spark'" in result.output


@pytest.mark.slow
def test_local_dask_cluster_and_pool_give_the_inline_results(tree: Path, tmp_path: Path) -> None:
    inline = run_batch([tree], tmp_path / "inline", engine="inline", reps=True)
    for engine in ("dask", "pool"):
        report = run_batch(
            [tree], tmp_path / engine, engine=engine, workers=2, reps=True, transfer="bytes"
        )
        assert [(r.status, r.reps, r.frames) for r in report.rows] == [
            (r.status, r.reps, r.frames) for r in inline.rows
        ]
        assert len({r.worker for r in report.rows} - {""}) >= 1
        for rel in ("alice/a1", "bob/b1"):
            assert (tmp_path / engine / f"{rel}.reps.json").read_bytes() == (
                tmp_path / "inline" / f"{rel}.reps.json"
            ).read_bytes()


def test_classify_equals_the_classify_command(tree: Path, tmp_path: Path) -> None:
    from posecoach.classify import fit_classifier, save_classifier
    from posecoach.classify.datasets import dataset_from_sequences
    from posecoach.cli import app

    pairs = [exercise_sequence(2, rng=np.random.default_rng(s)) for s in (4, 5)]
    seqs, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    ds = dataset_from_sequences(
        list(seqs), ["x", "y"], ["g4", "g5"], level="frame", frame_labels=list(labels)
    )
    model = save_classifier(fit_classifier(ds, model="knn"), tmp_path / "m.st")
    out = tmp_path / "out"
    report = run_batch([tree / "alice"], out, engine="inline", classify=model)
    assert [r.status for r in report.rows] == ["ok", "ok"]
    for row, name in zip(report.rows, ("a1", "a2"), strict=True):
        single = tmp_path / f"{name}.json"
        args = ["classify", str(model), str(tree / "alice" / f"{name}.pose.npz")]
        result = CliRunner().invoke(app, [*args, "--json", str(single)])
        assert result.exit_code == 0, result.output
        expected = json.loads(single.read_text())
        assert json.loads((out / f"{name}.classify.json").read_text()) == expected
        held: dict[str, float] = {}
        for seg in expected["segments"]:
            held[seg["label"]] = held.get(seg["label"], 0.0) + seg["end_s"] - seg["start_s"]
        assert row.label == max(held, key=held.__getitem__)
    with pytest.raises(InputError, match="no such file"):
        run_batch([tree], out, engine="inline", classify=tmp_path / "missing.st")
