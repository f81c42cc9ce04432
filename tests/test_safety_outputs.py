"""The output-folder rule (posecoach.app.outputs) through the CLI and real processes:
user files byte-identical afterwards, killed runs leave the old or the new result, two runs
at once leave one complete result."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach.app.outputs import JOURNAL_NAME, MANIFEST_NAME, OutputFolder, read_manifest
from posecoach.atomic import atomic_path, is_temporary
from posecoach.cli.app import app
from posecoach.errors import DiskFullError, OutputFolderError
from posecoach.pose import PoseSequence


def _figure(knee: float = 0.0, n: int = 30) -> PoseSequence:
    t = np.linspace(0, 1, n)
    p = np.zeros((n, 17, 2))
    p[:, [5, 6], 1] = 0
    p[:, [11, 12], 1] = 2
    p[:, [5, 11], 0] = -1
    p[:, [6, 12], 0] = 1
    p[:, 0] = [0, -1]
    p[:, [13, 14], 1] = 4
    p[:, [15, 16], 1] = 6
    p[:, [13, 15], 0] = -1
    p[:, [14, 16], 0] = 1
    p[:, [7, 9], 0] = -2
    p[:, [8, 10], 0] = 2
    p[:, 9, 1] = np.sin(np.pi * t) * 2
    p[:, 15, 0] += knee
    return PoseSequence(p * 100 + 300, skeleton="coco_17", fps=30)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): _sha(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".posecoach")
    }


def _assert_complete(out: Path) -> dict:
    """The folder holds one whole result: every manifest file hash-matches, no journal."""
    manifest = read_manifest(out)
    assert manifest is not None and not (out / JOURNAL_NAME).exists()
    for rel, digest in manifest.files.items():
        assert _sha(out / rel) == digest, rel
    assert not [p for p in out.iterdir() if is_temporary(p.name)]
    return json.loads((out / "result.json").read_text())


@pytest.fixture
def poses(tmp_path: Path) -> tuple[Path, Path, Path]:
    ref, att, other = tmp_path / "ref.pose.npz", tmp_path / "att.pose.npz", tmp_path / "o.pose.npz"
    posecoach.save(_figure(), ref)
    posecoach.save(_figure(knee=0.6), att)
    posecoach.save(_figure(knee=-0.6, n=40), other)
    return ref, att, other


def _compare(ref: Path, att: Path, out: Path | str, *extra: str):
    return CliRunner().invoke(
        app, ["compare", str(ref), str(att), "-o", str(out), "--no-render", *extra]
    )


# ---------------------------------------------------------------------------- the rule
def test_new_folder_then_own_output_is_updated(poses, tmp_path: Path) -> None:
    ref, att, other = poses
    out = tmp_path / "new" / "res"
    assert _compare(ref, att, out).exit_code == 0
    first = _assert_complete(out)
    (out / "notes.txt").write_text("my notes")
    assert _compare(ref, other, out).exit_code == 0
    second = _assert_complete(out)
    assert second["frames"]["time_s"] != first["frames"]["time_s"]  # 40 frames now
    assert (out / "notes.txt").read_text() == "my notes"


def test_folder_of_user_files_is_refused_and_untouched(poses, tmp_path: Path) -> None:
    ref, att, _ = poses
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    (mine / "result.json").write_text('{"mine": true}')
    before = _snapshot(mine)
    run = _compare(ref, att, mine)
    assert run.exit_code == 1
    assert str(mine) in run.output and "--force" in run.output
    assert len(run.output.strip().splitlines()) == 1
    assert _snapshot(mine) == before and sorted(os.listdir(mine)) == ["notes.txt", "result.json"]
    # --force writes beside, but a clash with the user's result.json is refused by name
    run = _compare(ref, att, mine, "--force")
    assert run.exit_code == 1 and "result.json" in run.output
    assert _snapshot(mine) == before
    (mine / "result.json").unlink()
    before = _snapshot(mine)
    assert _compare(ref, att, mine, "--force").exit_code == 0
    assert {k: v for k, v in _snapshot(mine).items() if k in before} == before


def test_dot_holding_the_inputs_is_refused(poses, tmp_path: Path, monkeypatch) -> None:
    ref, att, _ = poses
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    run = _compare(Path(ref.name), Path(att.name), ".")
    assert run.exit_code == 1 and "did not write" in run.output
    assert _snapshot(tmp_path) == before


def test_a_posecoach_file_edited_by_the_user_is_kept(poses, tmp_path: Path) -> None:
    ref, att, _ = poses
    out = tmp_path / "res"
    assert _compare(ref, att, out).exit_code == 0
    (out / "result.json").write_text('{"edited": 1}')
    run = _compare(ref, att, out)
    assert run.exit_code == 1 and "changed since posecoach wrote it" in run.output
    assert (out / "result.json").read_text() == '{"edited": 1}'


def test_named_output_files_need_force_and_inputs_are_never_replaced(poses) -> None:
    ref, att, _ = poses
    before = _sha(ref)
    run = CliRunner().invoke(app, ["convert", str(att), "-o", str(ref)])
    assert run.exit_code == 1 and "already exists" in run.output and _sha(ref) == before
    run = CliRunner().invoke(app, ["convert", str(ref), "-o", str(ref), "--force"])
    assert run.exit_code == 1 and "also an input" in run.output and _sha(ref) == before
    assert CliRunner().invoke(app, ["convert", str(att), "-o", str(ref), "--force"]).exit_code == 0
    assert _sha(ref) != before


# ---------------------------------------------------------------------------- faults
def test_disk_full_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("old")
    with pytest.raises(DiskFullError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["x.json"]


def test_disk_full_during_compare_keeps_the_old_result(poses, tmp_path: Path, monkeypatch) -> None:
    ref, att, other = poses
    out = tmp_path / "res"
    assert _compare(ref, att, out).exit_code == 0
    before = _snapshot(out)

    class FullDisk:
        @staticmethod
        def dumps(*_a: object, **_k: object) -> str:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("posecoach.app.compare.json", FullDisk)
    run = _compare(ref, other, out)
    assert run.exit_code == 1 and "disk full" in run.output
    assert _snapshot(out) == before
    _assert_complete(out)


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import posecoach.app.outputs as outputs
    stage = sys.argv[1]
    if stage == "render":  # before the commit: while the result is being written
        import posecoach.app.compare as c
        def die(*a, **k):
            os.kill(os.getpid(), signal.SIGKILL)
        c.write_result.__globals__["atomic_path"] = lambda *a, **k: die()
    elif stage == "commit":  # during the commit: after the journal, before the renames
        original = outputs._roll_forward
        def die(root):
            if (root / outputs.JOURNAL_NAME).exists():
                os.kill(os.getpid(), signal.SIGKILL)
            return original(root)
        outputs._roll_forward = die
    sys.argv = ["posecoach", "compare", *sys.argv[2:]]
    from posecoach.cli import main
    main()
    """
)


def _run(stage: str, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _KILLER, stage, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sigkill_before_during_and_after_writing(poses, tmp_path: Path) -> None:
    ref, att, other = poses
    out = tmp_path / "res"
    (tmp_path / "keep.txt").write_text("user")
    assert _run("none", ref, att, "-o", out, "--no-render").returncode == 0
    old = _assert_complete(out)
    (out / "notes.txt").write_text("mine")
    for stage in ("render", "commit"):
        proc = _run(stage, ref, other, "-o", out, "--no-render")
        assert proc.returncode == -9, proc.stderr
        assert (out / "notes.txt").read_text() == "mine"
        if stage == "render":  # killed before committing: the old result, whole
            assert json.loads((out / "result.json").read_text()) == old
        else:  # killed mid-commit: the journal is there; the next reader rolls forward
            assert (out / JOURNAL_NAME).exists()
            OutputFolder(out, tool="test")  # any posecoach run on the folder recovers it
            new = _assert_complete(out)
            assert len(new["frames"]["time_s"]) == 40
    # the next run cleans the killed runs' temporaries, nothing else
    assert _run("none", ref, att, "-o", out, "--no-render").returncode == 0
    again = _assert_complete(out)
    assert again["frames"] == old["frames"] and again["score"] == old["score"]
    assert (out / "notes.txt").read_text() == "mine" and (tmp_path / "keep.txt").exists()


def test_two_runs_at_once_leave_one_complete_result(poses, tmp_path: Path) -> None:
    ref, att, other = poses
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "posecoach", "compare", str(ref)]
    procs = [
        subprocess.Popen([*cmd, str(a), "-o", str(out), "--no-render"], stderr=subprocess.PIPE)
        for a in (att, other, att, other)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    # The first to create the folder wins the race; a run that finds it already holding
    # the other's manifest updates it. Either way: one whole result, of one of the runs.
    assert all(c == 0 for c in codes), [p.stderr.read() for p in procs if p.stderr]
    data = _assert_complete(out)
    assert len(data["frames"]["time_s"]) in (30, 40)
    assert set(read_manifest(out).files) == {"result.json"}  # type: ignore[union-attr]
    assert MANIFEST_NAME in os.listdir(out)


def test_refusal_is_checked_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(OutputFolderError, match="did not write"):
        OutputFolder(tmp_path)
