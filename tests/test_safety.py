"""Nothing a user already has is ever deleted, overwritten or half-written (issue 11).

Every command that writes is run into a new place, over its own earlier output, beside a
user's files, into ``.`` holding its inputs, killed with SIGKILL before, during and after
writing, and twice at once; every file that existed before is compared by SHA-256
afterwards. Kills are deterministic: a subprocess replaces one writer function (``os.replace``
filtered by what is being renamed, ``posecoach.atomic._fsync_tree``, ...) by one that kills
its own process at the N-th call, then runs the CLI. Also: a posecoach file the user edited,
name clashes under ``--force``, stale temporaries, a full disk, and truncated MP4 files.

Inputs are small synthetic pose files (no MediaPipe) except ``extract``, which reads a
160x120 PNG; ``batch`` runs with ``-j 1`` and a stand-in for the extractor.
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach import PoseSequence
from posecoach.app.outputs import (
    JOURNAL_NAME,
    MANIFEST_NAME,
    OutputFolder,
    read_manifest,
    recover,
)
from posecoach.atomic import TEMP_PREFIX, atomic_path, remove_stale_temporaries
from posecoach.cli.app import app
from posecoach.errors import DiskFullError

runner = CliRunner()
INTERNAL = {MANIFEST_NAME, JOURNAL_NAME}
RENDERED = {
    "result.json",
    "report.html",
    "overlay.mp4",
    "side_by_side.mp4",
    "score_over_time.png",
    "error_heatmap.png",
    "angle_curves.png",
    "corrected_pose.png",
}


# ================================================================================ helpers
def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (hidden ones included), by relative path."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def temporaries(root: Path) -> list[str]:
    """posecoach temporaries (files or folders) anywhere under ``root``."""
    root = Path(root)
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)
    )


def plant_user_files(folder: Path) -> dict[str, str]:
    """A user's files, including names that look like posecoach's; return their checksums."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "notes.txt": b"my notes\n",
        ".posecoach-notes": b"not a posecoach file\n",
        "tmp.txt": b"temporary? no: mine\n",
        "sub/keep.bin": bytes(range(256)) * 4,
        "result.json.bak": b'{"mine": true}',
    }
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}


def top(names: dict[str, str] | set[str]) -> set[str]:
    """The top-level names of relative paths."""
    return {name.split("/")[0] for name in names}


def listing(folder: Path) -> set[str]:
    """Top-level names in ``folder`` that are not posecoach temporaries."""
    return {n for n in os.listdir(folder) if not n.startswith(TEMP_PREFIX)}


def assert_kept(folder: Path, before: dict[str, str]) -> None:
    """Every file of ``before`` is still there, byte for byte."""
    for rel, digest in before.items():
        path = Path(folder) / rel
        assert path.is_file(), f"{rel} was removed"
        assert sha(path) == digest, f"{rel} was changed"


def crashed(result) -> bool:
    exc = result.exception
    return exc is not None and not isinstance(exc, SystemExit)


def cli(*args: str | Path):
    result = runner.invoke(app, [str(a) for a in args])
    assert not crashed(result), (result.output, result.exception)
    return result


def ok(*args: str | Path):
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result


def error_line(text: str) -> str:
    """The one line a refused command prints (anything else fails the test)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    return lines[0]


def refused(*args: str | Path, naming: str | Path, saying: str = "") -> str:
    result = cli(*args)
    assert result.exit_code == 1, result.output
    line = error_line(result.output)
    assert str(naming) in line, line
    assert saying in line, line
    return line


def figure(n: int = 36, depth: float = 80.0, arm: float = 0.0) -> PoseSequence:
    """A COCO-17 stick figure (pixels) doing one squat of ``depth`` degrees."""
    t = np.linspace(0.0, 1.0, n)
    bend = depth * np.sin(np.pi * t) ** 2
    p = np.zeros((n, 17, 2))

    def limb(start: np.ndarray, angle: np.ndarray | float, length: float) -> np.ndarray:
        a = np.radians(angle)
        return start + length * np.stack(np.broadcast_arrays(np.sin(a), np.cos(a)), axis=-1)

    p[:, 11] = np.stack([np.full(n, 280.0), 400 + 60 * bend / 90], axis=1)
    p[:, 12] = p[:, 11] + [40.0, 0.0]
    p[:, 5] = limb(p[:, 11], 180 - 0.3 * bend, 120)
    p[:, 6] = limb(p[:, 12], 180 - 0.3 * bend, 120)
    p[:, 7] = limb(p[:, 5], 10 + arm + 0.5 * bend, 70)
    p[:, 8] = limb(p[:, 6], 10 + arm + 0.5 * bend, 70)
    p[:, 9] = limb(p[:, 7], 10 + arm + bend, 60)
    p[:, 10] = limb(p[:, 8], 10 + arm + bend, 60)
    p[:, 13] = limb(p[:, 11], -bend / 2, 100)
    p[:, 14] = limb(p[:, 12], -bend / 2, 100)
    p[:, 15] = limb(p[:, 13], bend / 2, 100)
    p[:, 16] = limb(p[:, 14], bend / 2, 100)
    p[:, 0] = limb((p[:, 5] + p[:, 6]) / 2, 180.0, 40)
    p[:, 1:5] = p[:, [0]]
    return PoseSequence(p, skeleton="coco_17", fps=30.0, image_size=(640, 480))


# A stand-in for posecoach.extract.extract (MediaPipe is slow): a pose that depends only on
# the input's bytes. Also run inside the killed subprocesses, hence source text.
FAKE_EXTRACT = textwrap.dedent(
    """
    def fake_extract(source, **options):
        import hashlib
        import numpy as np
        from posecoach import PoseSequence
        digest = hashlib.sha256(open(source, "rb").read()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:4], "big"))
        return PoseSequence(rng.normal(300.0, 50.0, (6, 17, 2)), skeleton="coco_17", fps=30.0)
    """
)
_namespace: dict = {}
exec(FAKE_EXTRACT, _namespace)
fake_extract: Callable[..., PoseSequence] = _namespace["fake_extract"]


# A subprocess that kills itself with SIGKILL at the N-th call of one function, then runs the
# CLI. For os.replace, only renames of one kind count (see ``kind``).
KILLER = textwrap.dedent(
    """
    import importlib, json, os, signal, sys
    from pathlib import Path
    spec = json.loads(os.environ["POSECOACH_TEST_KILL"])
    if spec.get("fake_extract"):
        namespace = {}
        exec(spec["fake_extract"], namespace)
        import posecoach.extract
        sys.modules["posecoach.extract"].extract = namespace["fake_extract"]

    def kind(src, dst):
        s, d = Path(src), Path(dst)
        if d.name == ".posecoach-commit.json":
            return "journal"
        if d.name == ".posecoach-manifest.json":
            return "manifest"
        if d.parent.name.startswith(".posecoach-tmp-"):
            return "staged"
        if s.parent.name.startswith(".posecoach-tmp-"):
            return "rename"
        return "file"

    if spec.get("target"):
        module_name, attr = spec["target"].split(":")
        module = importlib.import_module(module_name)
        real = getattr(module, attr)
        count = 0

        def hooked(*args, **kwargs):
            global count
            counts = spec.get("kind") is None or kind(args[0], args[1]) == spec["kind"]
            count += counts
            hit = counts and count == spec["n"]
            if hit and spec["when"] == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            out = real(*args, **kwargs)
            if hit and spec["when"] == "after":
                os.kill(os.getpid(), signal.SIGKILL)
            return out

        setattr(module, attr, hooked)
    sys.argv = ["posecoach", *spec["argv"]]
    from posecoach.cli import main
    main()
    """
)


def run_proc(
    argv: Sequence[str | Path],
    cwd: Path,
    *,
    target: str | None = None,
    n: int = 1,
    when: str = "before",
    kind: str | None = None,
    fake: bool = False,
) -> subprocess.Popen:
    """Start ``posecoach ARGV`` in a subprocess, to be killed at the N-th call of ``target``."""
    spec = {
        "argv": [str(a) for a in argv],
        "target": target,
        "n": n,
        "when": when,
        "kind": kind,
        "fake_extract": FAKE_EXTRACT if fake else None,
    }
    env = {**os.environ, "POSECOACH_TEST_KILL": json.dumps(spec)}
    return subprocess.Popen(
        [sys.executable, "-c", KILLER],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err


def run_killed(argv: Sequence[str | Path], cwd: Path, **kill) -> None:
    """Run and insist the process died of SIGKILL where it was told to."""
    code, text = finish(run_proc(argv, cwd, **kill))
    assert code == -9, f"expected SIGKILL at {kill}, got exit {code}: {text}"


def python_module_cmd(*args: str | Path) -> list[str]:
    """``python -m posecoach ARGS`` (what the console script runs)."""
    return [sys.executable, "-m", "posecoach", *map(str, args)]


# ============================================================================ the assets
@dataclass(frozen=True)
class Assets:
    root: Path
    scores: dict[str, float]  # compare score of run "a" and run "b"

    def copy_to(self, folder: Path) -> None:
        shutil.copytree(self.root, folder, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Assets:
    """Small inputs for every command, built once."""
    import cv2

    from posecoach.align.cameras import Camera
    from posecoach.app.datasets import write_labelled_csv
    from posecoach.classify.synthetic import exercise_sequence
    from posecoach.compare import compare
    from posecoach.multiview import CalibratedCamera, save_calibration

    root = tmp_path_factory.mktemp("assets")
    pairs = {"a": (figure(), figure(depth=50, arm=20)), "b": (figure(), figure(depth=95, arm=-15))}
    scores = {}
    for tag, (ref, att) in pairs.items():
        posecoach.save(ref, root / f"{tag}_ref.pose.npz")
        posecoach.save(att, root / f"{tag}_att.pose.npz")
        scores[tag] = compare(ref, att).score  # the CLI's default aligner
    assert abs(scores["a"] - scores["b"]) > 0.01
    cv2.imwrite(str(root / "img.png"), np.full((120, 160, 3), 90, np.uint8))
    # triangulate: two calibrated cameras looking at a 3D body
    cams = [
        CalibratedCamera(
            f"c{i}",
            Camera.look_at(
                azimuth_deg=az,
                elevation_deg=10.0,
                distance=4.0,
                focal=1200.0,
                principal_point=(540.0, 960.0),
                image_size=(1080, 1920),
            ),
            np.zeros(5),
        )
        for i, az in enumerate((0.0, 80.0))
    ]
    body = np.random.default_rng(0).normal(scale=0.3, size=(3, 17, 3))
    for i, cam in enumerate(cams):
        view = PoseSequence(cam.project(body), skeleton="coco_17", image_size=(1080, 1920))
        posecoach.save(view, root / f"v{i}.pose.npz")
    save_calibration(cams, root / "Calib.toml")
    # classification: a labelled training set (4 groups), a held-out set, an attempt
    parts = []
    for i in range(4):
        seq, labels = exercise_sequence(2, rng=np.random.default_rng(i))
        write_labelled_csv(seq, labels, root / f"part{i}.csv", f"video{i}")
        parts.append((root / f"part{i}.csv").read_text().splitlines())
    lines = parts[0] + [row for part in parts[1:] for row in part[1:]]
    (root / "train.csv").write_text("\n".join(lines) + "\n")
    for i in range(4):
        (root / f"part{i}.csv").unlink()
    seq, labels = exercise_sequence(3, rng=np.random.default_rng(9))
    write_labelled_csv(seq, labels, root / "test.csv", "held_out")
    posecoach.save(exercise_sequence(3, rng=np.random.default_rng(5))[0], root / "reps.pose.npz")
    result = runner.invoke(app, ["train", str(root / "train.csv"), "-o", str(root / "m.st")])
    assert result.exit_code == 0, result.output
    return Assets(root, scores)


@pytest.fixture(scope="session")
def rendered_a(assets: Assets, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered ``compare`` result of run "a" (made once; copied where a test needs one)."""
    out = tmp_path_factory.mktemp("rendered") / "out"
    here = os.getcwd()
    os.chdir(assets.root)  # relative input names in result.json, as in the tests
    try:
        ok(*compare_args("a", out))
    finally:
        os.chdir(here)
    return out


def earlier_rendered_result(rendered_a: Path, out: Path) -> None:
    """``out`` as ``compare a_ref a_att -o out`` leaves it (a copy: same bytes, same manifest)."""
    shutil.copytree(rendered_a, out)


@pytest.fixture
def ws(tmp_path: Path, assets: Assets, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding every input; the current directory of the test."""
    work = tmp_path / "ws"
    assets.copy_to(work)
    monkeypatch.chdir(work)
    monkeypatch.setenv("POSECOACH_CACHE_DIR", str(tmp_path / "cache"))
    return work


def compare_args(tag: str, out: str | Path, *extra: str) -> list[str]:
    return ["compare", f"{tag}_ref.pose.npz", f"{tag}_att.pose.npz", "-o", str(out), *extra]


def committed_run(folder: Path, assets: Assets) -> str:
    """Which run's result ``folder`` holds ("a" or "b"), asserting it is whole.

    Recovers first (what the next run does): then there is no journal, every file of the
    manifest matches its checksum, the manifest lists exactly the files result.json says the
    result has, and result.json names the inputs of one run and holds that run's score.
    """
    recover(folder)
    assert not (folder / JOURNAL_NAME).exists()
    manifest = read_manifest(folder)
    assert manifest is not None, sorted(os.listdir(folder))
    for rel, digest in manifest.files.items():
        assert (folder / rel).is_file(), f"{rel} of the manifest is missing"
        assert sha(folder / rel) == digest, f"{rel} does not match the manifest"
    data = json.loads((folder / "result.json").read_text())
    tag = Path(data["attempt"]["source"]).name.split("_")[0]
    assert Path(data["reference"]["source"]).name == f"{tag}_ref.pose.npz"
    assert data["score"] == pytest.approx(assets.scores[tag], abs=1e-9)
    listed = {v for v in data["files"].values() if isinstance(v, str)}
    listed |= {v for v in data["files"].get("plots", {}).values()}
    assert set(manifest.files) == listed
    if "report.html" in listed:
        assert f">{round(data['score'])}<" in (folder / "report.html").read_text()
    return tag


def posecoach_files(folder: Path) -> set[str]:
    """Files in ``folder`` that are posecoach's own or internal (not a user's)."""
    manifest = read_manifest(folder)
    return set(manifest.files if manifest else {}) | INTERNAL


# ============================================================ compare -o DIR: the 4 places
def test_compare_new_folder_and_its_own_earlier_output(ws: Path, assets: Assets) -> None:
    ok(*compare_args("a", "out", "--no-render"))  # (a) a new folder
    assert sorted(os.listdir(ws / "out")) == [MANIFEST_NAME, "result.json"]
    assert committed_run(ws / "out", assets) == "a"
    ok(*compare_args("b", "out"))  # (b) its own earlier output: updated, rendered now
    assert sorted(os.listdir(ws / "out")) == sorted(RENDERED | {MANIFEST_NAME})
    assert committed_run(ws / "out", assets) == "b"
    user = plant_user_files(ws / "out")  # the user puts files beside the result
    ok(*compare_args("a", "out", "--no-render"))  # only posecoach's files go
    assert committed_run(ws / "out", assets) == "a"
    assert_kept(ws / "out", user)
    assert set(os.listdir(ws / "out")) == {MANIFEST_NAME, "result.json"} | top(user)
    assert temporaries(ws) == []


def test_compare_refuses_a_folder_of_user_files_and_force_writes_beside(
    ws: Path, assets: Assets
) -> None:
    user = plant_user_files(ws / "mine")
    line = refused(
        *compare_args("a", "mine", "--no-render"),
        naming=ws / "mine",
        saying="already holds files that posecoach did not write",
    )
    assert "--force" in line
    assert snapshot(ws / "mine") == user  # nothing added, nothing changed
    ok(*compare_args("a", "mine", "--no-render", "--force"))
    assert_kept(ws / "mine", user)
    assert committed_run(ws / "mine", assets) == "a"
    assert set(snapshot(ws / "mine")) == set(user) | {"result.json", MANIFEST_NAME}
    # the folder is now a posecoach result beside the user's files: updated without --force
    ok(*compare_args("b", "mine"))
    assert committed_run(ws / "mine", assets) == "b"
    assert_kept(ws / "mine", user)
    assert temporaries(ws) == []


def test_compare_into_dot_holding_its_inputs(ws: Path, assets: Assets) -> None:
    before = snapshot(ws)
    refused(*compare_args("a", ".", "--no-render"), naming=ws, saying="did not write")
    refused(*compare_args("a", "./", "--no-render"), naming=ws, saying="did not write")
    assert snapshot(ws) == before
    ok(*compare_args("a", ".", "--force"))  # beside the inputs; none of them replaced
    assert_kept(ws, before)
    assert committed_run(ws, assets) == "a"
    assert set(snapshot(ws)) - set(before) == RENDERED | {MANIFEST_NAME}
    ok(*compare_args("b", ".", "--no-render"))  # an earlier result now: no --force needed
    assert committed_run(ws, assets) == "b"
    assert_kept(ws, before)
    assert temporaries(ws) == []


def test_compare_into_a_folder_holding_an_input(ws: Path, assets: Assets) -> None:
    (ws / "in").mkdir()
    shutil.move(ws / "a_att.pose.npz", ws / "in" / "a_att.pose.npz")
    before = snapshot(ws / "in")
    args = ["compare", "a_ref.pose.npz", "in/a_att.pose.npz", "-o", "in", "--no-render"]
    refused(*args, naming=ws / "in", saying="a_att.pose.npz")
    ok(*args, "--force")
    assert_kept(ws / "in", before)
    assert set(snapshot(ws / "in")) == {"a_att.pose.npz", "result.json", MANIFEST_NAME}


def test_user_edited_posecoach_files_are_refused_and_kept(
    ws: Path, assets: Assets, rendered_a: Path
) -> None:
    earlier_rendered_result(rendered_a, ws / "out")
    report = ws / "out" / "report.html"
    report.write_text(report.read_text().replace("</body>", "<p>my comment</p></body>"))
    edited = snapshot(ws / "out")
    refused(*compare_args("b", "out"), naming="report.html", saying="changed since posecoach")
    refused("render", "out", naming="report.html", saying="changed since posecoach")
    assert snapshot(ws / "out") == edited
    # --no-render writes no report.html: the edited page stays, as the user's file now
    ok(*compare_args("b", "out", "--no-render"))
    assert sha(report) == edited["report.html"]
    assert "report.html" not in read_manifest(ws / "out").files
    # an edited result.json
    result = ws / "out" / "result.json"
    result.write_text(result.read_text().replace('"score"', '"score_edited_by_me"', 1))
    kept = sha(result)
    refused(*compare_args("a", "out", "--no-render"), naming="result.json", saying="changed")
    refused(*compare_args("a", "out", "--no-render", "--force"), naming="result.json")
    assert sha(result) == kept
    assert temporaries(ws) == []


def test_force_name_clash_is_refused_by_name(ws: Path, assets: Assets) -> None:
    user = plant_user_files(ws / "mine")
    (ws / "mine" / "result.json").write_text('{"my": "own result"}')
    user["result.json"] = sha(ws / "mine" / "result.json")
    refused(
        *compare_args("a", "mine", "--no-render", "--force"),
        naming="result.json",
        saying="would replace a file posecoach did not write",
    )
    assert snapshot(ws / "mine") == user  # no manifest, no temporaries, nothing
    # a clash with a rendered file only: the whole result is refused, nothing half-written
    (ws / "mine" / "result.json").unlink()
    del user["result.json"]
    (ws / "mine" / "overlay.mp4").write_bytes(b"my own video")
    user["overlay.mp4"] = sha(ws / "mine" / "overlay.mp4")
    refused(*compare_args("a", "mine", "--force"), naming="overlay.mp4")
    assert snapshot(ws / "mine") == user
    # a folder where posecoach's result.json would go
    (ws / "mine2" / "result.json").mkdir(parents=True)
    refused(*compare_args("a", "mine2", "--no-render", "--force"), naming="result.json")
    assert sorted(p.name for p in (ws / "mine2").iterdir()) == ["result.json"]


def test_output_folder_that_is_a_file_is_refused(ws: Path) -> None:
    before = snapshot(ws)
    refused(*compare_args("a", "a_ref.pose.npz", "--no-render"), naming="a_ref.pose.npz")
    refused(*compare_args("a", "a_ref.pose.npz/sub", "--no-render"), naming="a_ref.pose.npz")
    assert snapshot(ws) == before


# ==================================================================== compare: SIGKILL
# (target, kind, n, when, which result the folder holds after recovery)
COMPARE_KILLS = {
    "before-writing": ("posecoach.app.compare:load_input", None, 1, "before", "old"),
    "writing-result": ("posecoach.atomic:_fsync_tree", None, 1, "before", "old"),
    "result-staged": ("os:replace", "staged", 1, "after", "old"),
    "journal-half-written": ("os:replace", "journal", 1, "before", "old"),
    "journal-written": ("os:replace", "journal", 1, "after", "new"),
    "result-renamed": ("os:replace", "rename", 1, "after", "new"),
    "manifest-written": ("os:replace", "manifest", 1, "after", "new"),
    "after-writing": ("typer:echo", None, 1, "before", "new"),
}


@pytest.mark.parametrize("point", list(COMPARE_KILLS))
def test_compare_killed_keeps_old_result_or_completes_new(
    point: str, ws: Path, assets: Assets, rendered_a: Path
) -> None:
    target, kind, n, when, expect = COMPARE_KILLS[point]
    earlier_rendered_result(rendered_a, ws / "out")  # an earlier, rendered result...
    user = plant_user_files(ws / "out")  # ...with the user's files beside it
    inputs = {rel: digest for rel, digest in snapshot(ws).items() if not rel.startswith("out/")}
    run_killed(
        compare_args("b", "out", "--no-render"), ws, target=target, kind=kind, n=n, when=when
    )
    assert_kept(ws, inputs)  # inputs and the user's files in the folder, untouched
    strays = listing(ws / "out") - top(user) - RENDERED - INTERNAL
    assert strays == set(), "a partial output outside posecoach's names"
    # killed where it was meant to be: mid-commit exactly when the journal was left behind
    pending = (ws / "out" / JOURNAL_NAME).exists()
    assert pending == (point in {"journal-written", "result-renamed", "manifest-written"})
    if expect == "old":  # before the commit, the folder is exactly the old result
        assert_kept(ws / "out", snapshot(rendered_a))
    assert committed_run(ws / "out", assets) == {"old": "a", "new": "b"}[expect]
    assert_kept(ws / "out", user)
    # the next run goes ahead, and removes what the killed one left
    ok(*compare_args("a", "out", "--no-render"))
    assert committed_run(ws / "out", assets) == "a"
    assert temporaries(ws) == []
    assert_kept(ws / "out", user)
    assert set(os.listdir(ws / "out")) == {MANIFEST_NAME, "result.json"} | top(user)


@pytest.mark.parametrize("point", ["before-writing", "writing-result", "result-renamed"])
def test_compare_killed_into_a_new_folder(point: str, ws: Path, assets: Assets) -> None:
    target, kind, n, when, expect = COMPARE_KILLS[point]
    run_killed(
        compare_args("b", "out", "--no-render"), ws, target=target, kind=kind, n=n, when=when
    )
    if expect == "old":  # nothing committed: no folder, or one holding only a temporary
        assert not (ws / "out").exists() or all(
            name.startswith(TEMP_PREFIX) for name in os.listdir(ws / "out")
        )
    else:
        assert committed_run(ws / "out", assets) == "b"
    ok(*compare_args("a", "out", "--no-render"))
    assert committed_run(ws / "out", assets) == "a"
    assert sorted(os.listdir(ws / "out")) == [MANIFEST_NAME, "result.json"]


@pytest.mark.parametrize(
    "point, expect",
    [
        (("posecoach.render.report:write_report", None, 1, "before"), "old"),  # videos staged
        (("os:replace", "rename", 4, "after"), "new"),  # half of the files renamed in
    ],
    ids=["videos-and-plots-staged", "half-renamed"],
)
def test_compare_with_render_killed(point: tuple, expect: str, ws: Path, assets: Assets) -> None:
    target, kind, n, when = point
    ok(*compare_args("a", "out", "--no-render"))
    user = plant_user_files(ws / "out")
    run_killed(compare_args("b", "out"), ws, target=target, kind=kind, n=n, when=when)
    assert_kept(ws / "out", user)
    assert committed_run(ws / "out", assets) == {"old": "a", "new": "b"}[expect]
    if expect == "old":  # the staged videos and plots are only in a temporary folder
        assert listing(ws / "out") - top(user) == {MANIFEST_NAME, "result.json"}
    ok(*compare_args("a", "out", "--no-render"))
    assert temporaries(ws) == []
    assert set(os.listdir(ws / "out")) - top(user) == {MANIFEST_NAME, "result.json"}


# =================================================================== compare: two at once
def test_two_compares_at_once_into_a_new_folder(ws: Path, assets: Assets) -> None:
    for _ in range(2):
        procs = [run_proc(compare_args(tag, "out", "--no-render"), ws) for tag in "ab"]
        results = [finish(p) for p in procs]
        assert [code for code, _ in results] == [0, 0], results
        assert committed_run(ws / "out", assets) in "ab"
        assert sorted(os.listdir(ws / "out")) == [MANIFEST_NAME, "result.json"]
        assert temporaries(ws) == []
        shutil.rmtree(ws / "out")


def test_two_compares_at_once_into_an_earlier_result(ws: Path, assets: Assets) -> None:
    ok(*compare_args("a", "out", "--no-render"))
    user = plant_user_files(ws / "out")
    procs = [
        run_proc(compare_args("b", "out"), ws),  # rendered: a long commit
        run_proc(compare_args("a", "out", "--no-render"), ws),
    ]
    results = [finish(p) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    tag = committed_run(ws / "out", assets)
    expected = RENDERED if tag == "b" else {"result.json"}
    assert set(os.listdir(ws / "out")) - top(user) == expected | {MANIFEST_NAME}
    assert_kept(ws / "out", user)
    assert temporaries(ws) == []


# ============================================================================ render DIR
def test_render_rewrites_only_its_report(
    ws: Path, assets: Assets, monkeypatch: pytest.MonkeyPatch, rendered_a: Path
) -> None:
    refused("render", "missing", naming="missing", saying="got no folder")
    earlier_rendered_result(rendered_a, ws / "out")  # (b) its own earlier output
    user = plant_user_files(ws / "out")
    before = snapshot(ws / "out")
    del before[MANIFEST_NAME]  # rewritten by render (tool, time)
    (ws / "out" / "report.html").unlink()  # the user deleted the page; render brings it back
    ok("render", "out")
    assert_kept(ws / "out", before)  # the page is rebuilt from the same result
    assert committed_run(ws / "out", assets) == "a"
    assert read_manifest(ws / "out").files.keys() == RENDERED
    assert_kept(ws / "out", user)
    # (c) a folder of the user's with a result.json (and no manifest): the page goes beside
    mine = plant_user_files(ws / "mine")
    (ws / "mine" / "result.json").write_text(json.dumps({"score": 64.0, "cues": []}))
    mine["result.json"] = sha(ws / "mine" / "result.json")
    ok("render", "mine")
    assert_kept(ws / "mine", mine)
    assert set(snapshot(ws / "mine")) - set(mine) == {"report.html", MANIFEST_NAME}
    # ... but never over a report.html of the user's
    (ws / "mine2").mkdir()
    shutil.copy(ws / "mine" / "result.json", ws / "mine2" / "result.json")
    (ws / "mine2" / "report.html").write_text("<p>my page</p>")
    before = snapshot(ws / "mine2")
    refused("render", "mine2", naming="report.html", saying="did not write")
    assert snapshot(ws / "mine2") == before
    # (d) render . from inside the result folder
    monkeypatch.chdir(ws / "out")
    ok("render", ".")
    assert_kept(ws / "out", user)
    assert committed_run(ws / "out", assets) == "a"
    assert temporaries(ws) == []


@pytest.mark.parametrize(
    "target, kind, when",
    [("os:replace", "staged", "after"), ("os:replace", "journal", "after")],
    ids=["page-staged", "journal-written"],
)
def test_render_killed(
    target: str, kind: str, when: str, ws: Path, assets: Assets, rendered_a: Path
) -> None:
    earlier_rendered_result(rendered_a, ws / "out")
    user = plant_user_files(ws / "out")
    before = snapshot(ws / "out")
    run_killed(["render", "out"], ws, target=target, kind=kind, n=1, when=when)
    assert (ws / "out" / JOURNAL_NAME).exists() == (kind == "journal")
    # old page or the rebuilt one (the same bytes here), the rest untouched, all whole
    assert committed_run(ws / "out", assets) == "a"
    assert_kept(ws / "out", {k: v for k, v in before.items() if k != MANIFEST_NAME})
    ok("render", "out")
    assert temporaries(ws) == []
    assert_kept(ws / "out", user)


# ========================================================================= batch -o DIR
@pytest.fixture
def batch_inputs(ws: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two 'videos' (any bytes: the extractor is stood in for) in the working folder."""
    # (by module: the attribute ``posecoach.extract`` is the function, not the package)
    monkeypatch.setattr(importlib.import_module("posecoach.extract"), "extract", fake_extract)
    for name in ("x.mp4", "y.mp4"):
        (ws / name).write_bytes(f"video {name} v1".encode())
    return ["x.mp4", "y.mp4"]


def batch_state(folder: Path, videos: dict[str, Sequence[bytes]]) -> dict[str, int]:
    """For each output pose file: which version of its input it was extracted from."""
    recover(folder)
    manifest = read_manifest(folder)
    assert manifest is not None
    for rel, digest in manifest.files.items():
        assert sha(folder / rel) == digest, rel
    state = {}
    for name, versions in videos.items():
        out = folder / f"{Path(name).stem}.pose.npz"
        if not out.exists():
            state[name] = -1
            continue
        assert out.name in manifest.files
        got = posecoach.load(out).positions
        matches = [
            i
            for i, data in enumerate(versions)
            if np.array_equal(got, _fake_from_bytes(data, folder).positions)
        ]
        assert len(matches) == 1, f"{out.name} is no complete extraction of {name}"
        state[name] = matches[0]
    return state


def _fake_from_bytes(data: bytes, folder: Path) -> PoseSequence:
    scratch = folder.parent / ".scratch-input"
    scratch.write_bytes(data)
    try:
        return fake_extract(scratch)
    finally:
        scratch.unlink()


def test_batch_places(ws: Path, batch_inputs: list[str]) -> None:
    versions = {n: [(ws / n).read_bytes()] for n in batch_inputs}
    ok("batch", *batch_inputs, "-o", "poses", "--engine", "inline")  # (a) a new folder
    assert batch_state(ws / "poses", versions) == {"x.mp4": 0, "y.mp4": 0}
    user = plant_user_files(ws / "poses")
    for n in batch_inputs:  # (b) its own earlier output, from changed inputs
        (ws / n).write_bytes(f"video {n} v2".encode())
        versions[n].append((ws / n).read_bytes())
    ok("batch", *batch_inputs, "-o", "poses", "--engine", "inline")
    assert batch_state(ws / "poses", versions) == {"x.mp4": 1, "y.mp4": 1}
    assert_kept(ws / "poses", user)
    # (c) a folder of user files: refused; --force writes beside; a clash fails that input
    mine = plant_user_files(ws / "mine")
    refused("batch", *batch_inputs, "-o", "mine", "--engine", "inline", naming=ws / "mine")
    assert snapshot(ws / "mine") == mine
    (ws / "mine" / "y.pose.npz").write_bytes(b"my own y")
    mine["y.pose.npz"] = sha(ws / "mine" / "y.pose.npz")
    result = cli("batch", *batch_inputs, "-o", "mine", "--engine", "inline", "--force")
    assert result.exit_code == 1
    assert "y.pose.npz would replace a file posecoach did not write" in result.output
    assert "1 of 2 inputs failed" in result.output
    assert_kept(ws / "mine", mine)
    batch_files = {"summary.csv", "summary.json", MANIFEST_NAME}
    assert set(snapshot(ws / "mine")) - set(mine) == {
        "x.pose.npz",
        ".posecoach-batch/x.json",
        *batch_files,
    }
    # (d) -o . holding its inputs
    before = snapshot(ws)
    refused(
        "batch", *batch_inputs, "-o", ".", "--engine", "inline", naming=ws, saying="did not write"
    )
    assert snapshot(ws) == before
    ok("batch", *batch_inputs, "-o", ".", "--engine", "inline", "--force")
    assert_kept(ws, before)
    assert temporaries(ws) == []


# (target, kind, n, when) -> which version of (x, y) the folder holds afterwards
BATCH_KILLS = {
    "x-staged": (("os:replace", "staged", 1, "after"), (0, 0)),
    "x-journal-written": (("os:replace", "journal", 1, "after"), (1, 0)),
    "x-committed": (("os:replace", "manifest", 1, "after"), (1, 0)),
    # atomic writes: x's extraction (in the task's scratch folder), x's pose file and
    # record into the staging folder, the journal, the manifest; then y's extraction
    "y-being-written": (("posecoach.atomic:_fsync_tree", None, 6, "before"), (1, 0)),
    "y-renamed": (("os:replace", "rename", 2, "after"), (1, 1)),
}


@pytest.mark.parametrize("point", list(BATCH_KILLS))
def test_batch_killed(point: str, ws: Path, batch_inputs: list[str]) -> None:
    (target, kind, n, when), expect = BATCH_KILLS[point]
    versions = {name: [(ws / name).read_bytes()] for name in batch_inputs}
    ok("batch", *batch_inputs, "-o", "poses", "--engine", "inline")
    user = plant_user_files(ws / "poses")
    for name in batch_inputs:
        (ws / name).write_bytes(f"video {name} v2".encode())
        versions[name].append((ws / name).read_bytes())
    argv = ["batch", *batch_inputs, "-o", "poses", "--engine", "inline"]
    run_killed(argv, ws, target=target, kind=kind, n=n, when=when, fake=True)
    assert_kept(ws / "poses", user)
    assert tuple(batch_state(ws / "poses", versions).values()) == expect
    ok(*argv)
    assert batch_state(ws / "poses", versions) == {"x.mp4": 1, "y.mp4": 1}
    assert temporaries(ws) == []
    assert_kept(ws / "poses", user)


def test_two_batches_at_once(ws: Path, batch_inputs: list[str]) -> None:
    (ws / "z.mp4").write_bytes(b"video z")
    procs = [
        run_proc(["batch", "x.mp4", "y.mp4", "-o", "poses", "--engine", "inline"], ws, fake=True),
        run_proc(["batch", "y.mp4", "z.mp4", "-o", "poses", "--engine", "inline"], ws, fake=True),
    ]
    results = [finish(p) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    videos = {n: [(ws / n).read_bytes()] for n in ("x.mp4", "y.mp4", "z.mp4")}
    assert batch_state(ws / "poses", videos) == {"x.mp4": 0, "y.mp4": 0, "z.mp4": 0}
    poses = {rel for rel in read_manifest(ws / "poses").files if rel.endswith(".pose.npz")}
    assert poses == {"x.pose.npz", "y.pose.npz", "z.pose.npz"}
    assert temporaries(ws) == []


# ============================================================================ the demo
def test_demo_refuses_a_folder_of_user_files_before_any_work(
    ws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from posecoach import demo

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("the demo extracted before checking its output folder")

    monkeypatch.setattr("posecoach.sample_data.fetch", lambda **kw: {})
    monkeypatch.setattr(importlib.import_module("posecoach.extract"), "extract", no_extraction)
    user = plant_user_files(ws / "demo-output")
    assert demo.main(Path("demo-output")) == 1
    line = error_line(capsys.readouterr().err)
    assert str(ws / "demo-output") in line and "did not write" in line
    assert snapshot(ws / "demo-output") == user


# =================================================================== single-file outputs
@dataclass(frozen=True)
class Cmd:
    name: str
    inputs: tuple[str, ...]  # input files of the command (never replaced)
    outputs: tuple[str, ...]  # its output files, in the order ``argv`` takes them
    argv: Callable[..., list[str]]  # output names -> arguments

    def run_args(self, outputs: Sequence[str] | None = None) -> list[str]:
        return self.argv(*(outputs or self.outputs))


CMDS = [
    Cmd(
        "extract",
        ("img.png",),
        ("img.pose.npz", "img.mp4"),
        lambda o, p: ["extract", "img.png", "-o", o, "--preview", p, "--no-cache"],
    ),
    Cmd(
        "convert", ("a_ref.pose.npz",), ("a.csv",), lambda o: ["convert", "a_ref.pose.npz", "-o", o]
    ),
    Cmd(
        "align",
        ("a_att.pose.npz", "a_ref.pose.npz"),
        ("aligned.pose.npz", "check.png"),
        lambda o, p: ["align", "a_att.pose.npz", "--to", "a_ref.pose.npz", "-o", o, "--png", p],
    ),
    Cmd(
        "triangulate",
        ("v0.pose.npz", "v1.pose.npz", "Calib.toml"),
        ("run3d.pose.npz",),
        lambda o: ["triangulate", "v0.pose.npz", "v1.pose.npz", "-c", "Calib.toml", "-o", o],
    ),
    Cmd(
        "train",
        ("train.csv",),
        ("model.st", "cv.json"),
        lambda o, j: ["train", "train.csv", "--cv", "2", "-o", o, "--json", j],
    ),
    Cmd(
        "evaluate",
        ("m.st", "test.csv"),
        ("confusion.png", "metrics.json"),
        lambda c, j: ["evaluate", "m.st", "test.csv", "--json", j, "--confusion", c],
    ),
    Cmd(
        "classify",
        ("m.st", "reps.pose.npz"),
        ("labels.json",),
        lambda j: ["classify", "m.st", "reps.pose.npz", "--json", j],
    ),
    Cmd(
        "reps",
        ("m.st", "reps.pose.npz"),
        ("count.json",),
        lambda j: ["reps", "reps.pose.npz", "--model", "m.st", "--json", j],
    ),
    Cmd(
        "label",
        ("reps.pose.npz",),
        ("mine.csv",),
        lambda o: ["label", "reps.pose.npz", "-o", o, "--segments", "0:00-0:01=up,0:01-0:02=down"],
    ),
]


@pytest.mark.parametrize("cmd", CMDS, ids=[c.name for c in CMDS])
def test_single_file_outputs(cmd: Cmd, ws: Path) -> None:
    user = plant_user_files(ws)
    inputs = {name: sha(ws / name) for name in cmd.inputs}
    ok(*cmd.run_args())  # (a) new files, beside the user's (c)
    for name in cmd.outputs:
        assert (ws / name).is_file() and (ws / name).stat().st_size > 0, name
    assert_kept(ws, user | inputs)
    assert temporaries(ws) == []
    # (b) its own earlier output: refused without --force, naming the file
    before = snapshot(ws)
    refused(*cmd.run_args(), naming=cmd.outputs[0], saying="already exists; add --force")
    assert snapshot(ws) == before
    if len(cmd.outputs) > 1:  # only the second output exists: still refused before any work
        (ws / cmd.outputs[0]).unlink()
        refused(*cmd.run_args(), naming=cmd.outputs[1], saying="already exists")
        assert not (ws / cmd.outputs[0]).exists()
        twice = [cmd.outputs[0], cmd.outputs[0]]
        refused(*cmd.run_args(twice), naming=cmd.outputs[0], saying="named twice")
    ok(*cmd.run_args(), "--force")
    for name in cmd.outputs:
        assert (ws / name).is_file() and (ws / name).stat().st_size > 0, name
    assert_kept(ws, user | inputs)
    assert temporaries(ws) == []
    # (d) an input as the output: never, even with --force, however it is spelled
    before = snapshot(ws)
    for position in range(len(cmd.outputs)):
        for name in cmd.inputs:
            for spelled in (name, f"./{name}", str(ws / name)):
                outs = list(cmd.outputs)
                outs[position] = spelled
                refused(
                    *cmd.run_args(outs), "--force", naming=Path(spelled), saying="also an input"
                )
    assert snapshot(ws) == before
    # a user's file in the place of an output is replaced only with --force
    (ws / "sub" / "keep.bin").rename(ws / "keep.bin")
    outs = list(cmd.outputs)
    outs[0] = "keep.bin"
    refused(*cmd.run_args(outs), naming="keep.bin", saying="already exists")
    assert sha(ws / "keep.bin") == user["sub/keep.bin"]


def test_single_file_output_through_a_hard_link_or_symlink_to_an_input(ws: Path) -> None:
    os.link(ws / "a_ref.pose.npz", ws / "hard.csv")
    os.symlink(ws / "a_ref.pose.npz", ws / "soft.csv")
    before = snapshot(ws)
    for out in ("hard.csv", "soft.csv"):
        refused("convert", "a_ref.pose.npz", "-o", out, "--force", naming=out, saying="input")
    assert snapshot(ws) == before


def fingerprint(path: Path) -> str:
    """What a file holds (pose files by their arrays: .npz zip entries carry a time)."""
    if path.name.endswith(".pose.npz"):
        seq = posecoach.load(path)
        return hashlib.sha256(seq.positions.tobytes() + seq.confidence.tobytes()).hexdigest()
    return sha(path)


# (command args for the old output, for the new one; outputs; kill points)
FILE_KILLS = {
    "convert": (
        ["convert", "a_ref.pose.npz", "-o", "out.csv"],
        ["convert", "b_att.pose.npz", "-o", "out.csv"],
        ("out.csv",),
    ),
    "align": (
        [
            "align",
            "a_att.pose.npz",
            "--to",
            "a_ref.pose.npz",
            "-o",
            "al.pose.npz",
            "--png",
            "al.png",
        ],
        [
            "align",
            "b_att.pose.npz",
            "--to",
            "b_ref.pose.npz",
            "-o",
            "al.pose.npz",
            "--png",
            "al.png",
        ],
        ("al.pose.npz", "al.png"),
    ),
    "label": (
        ["label", "reps.pose.npz", "-o", "l.csv", "--segments", "0:00-0:01=up"],
        ["label", "reps.pose.npz", "-o", "l.csv", "--segments", "0:00-0:02=down"],
        ("l.csv",),
    ),
    "classify": (
        ["classify", "m.st", "a_att.pose.npz", "--json", "c.json"],
        ["classify", "m.st", "reps.pose.npz", "--json", "c.json"],
        ("c.json",),
    ),
}
FILE_KILL_POINTS = {
    "writing": ("posecoach.atomic:_fsync_tree", None, 1, "before"),  # temp written, not renamed
    "first-renamed": ("os:replace", "file", 1, "after"),  # the first output replaced
}
FILE_KILL_CASES = [
    ("convert", "writing"),
    ("convert", "first-renamed"),
    ("align", "writing"),
    ("align", "first-renamed"),
    ("label", "writing"),
    ("classify", "first-renamed"),
]


@pytest.mark.parametrize(
    "name, point", FILE_KILL_CASES, ids=[f"{c}-{p}" for c, p in FILE_KILL_CASES]
)
def test_single_file_killed(name: str, point: str, ws: Path, tmp_path: Path) -> None:
    old_args, new_args, outputs = FILE_KILLS[name]
    ok(*new_args)  # the outputs of an uninterrupted new run, to compare with
    new = {o: fingerprint(ws / o) for o in outputs}
    for o in outputs:
        (ws / o).unlink()
    ok(*old_args)
    old = {o: fingerprint(ws / o) for o in outputs}
    assert old != new
    user = plant_user_files(ws)
    inputs = {p: d for p, d in snapshot(ws).items() if p not in outputs}
    target, kind, n, when = FILE_KILL_POINTS[point]
    run_killed([*new_args, "--force"], ws, target=target, kind=kind, n=n, when=when)
    assert_kept(ws, inputs | user)
    got = {o: fingerprint(ws / o) for o in outputs}
    if point == "writing":
        assert got == old  # killed while writing: the old files, whole
        assert temporaries(ws) != []  # (and a temporary, removed by the next write below)
    else:
        assert got[outputs[0]] == new[outputs[0]]  # the first file replaced, complete
        assert all(got[o] == old[o] for o in outputs[1:])
    ok(*new_args, "--force")
    assert {o: fingerprint(ws / o) for o in outputs} == new
    assert temporaries(ws) == []
    assert_kept(ws, inputs | user)


def test_two_single_file_writers_at_once(ws: Path) -> None:
    for tag in "ab":
        ok("convert", f"{tag}_att.pose.npz", "-o", f"{tag}.csv")
    expected = {sha(ws / "a.csv"), sha(ws / "b.csv")}
    assert len(expected) == 2
    for _ in range(2):
        procs = [
            run_proc(["convert", f"{tag}_att.pose.npz", "-o", "same.csv", "--force"], ws)
            for tag in "ab"
        ]
        assert [finish(p)[0] for p in procs] == [0, 0]
        assert sha(ws / "same.csv") in expected
        assert temporaries(ws) == []


def test_python_dash_m_refuses_like_the_runner(ws: Path) -> None:
    """``python -m posecoach`` gives the same one line and exit 1 (stderr, not a traceback)."""
    user = plant_user_files(ws / "mine")
    done = subprocess.run(
        python_module_cmd(*compare_args("a", "mine", "--no-render")),
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout.strip() == ""
    line = error_line(done.stderr)
    assert str(ws / "mine") in line and "did not write" in line
    assert snapshot(ws / "mine") == user


# ================================================================= stale temporaries
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_only_of_dead_runs_are_removed(ws: Path) -> None:
    from posecoach.atomic import _HOST

    folder = ws / "out"
    user = plant_user_files(folder)
    dead = dead_pid()
    stale_file = folder / f"{TEMP_PREFIX}{_HOST}-{dead}-x1y2.result.json"
    stale_dir = folder / f"{TEMP_PREFIX}{_HOST}-{dead}-abcd.compare"
    stale_file.write_text("{half")
    (stale_dir / "sub").mkdir(parents=True)
    (stale_dir / "sub" / "overlay.mp4").write_bytes(b"half a video")
    keep = {
        f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-live.x.json": "a running process's",
        f"{TEMP_PREFIX}00000000-{dead}-other.x.json": "another machine's",
        f"{TEMP_PREFIX}{_HOST}-notapid-x.json": "not the pattern",
        f"{TEMP_PREFIX}notes": "not the pattern",
        f".posecoach-tmp{_HOST}-{dead}-x.json": "not the prefix",
        f"x{TEMP_PREFIX}{_HOST}-{dead}-x.json": "not at the start",
    }
    for name, text in keep.items():
        (folder / name).write_text(text)
    (folder / "sub" / f"{TEMP_PREFIX}{_HOST}-{dead}-nested.json").write_text("deeper: not here")
    before = snapshot(folder)
    ok("convert", "a_ref.pose.npz", "-o", "out/a.csv")  # a write into the folder
    after = snapshot(folder)
    gone = set(before) - set(after)
    assert gone == {stale_file.name, f"{stale_dir.name}/sub/overlay.mp4"}
    assert not stale_dir.exists()
    assert_kept(folder, {k: v for k, v in before.items() if k not in gone})
    assert_kept(folder, user)
    assert set(after) - set(before) == {"a.csv"}
    # a posecoach output folder cleans up the same way, and only that
    stale_file.write_text("{half")
    ok(*compare_args("a", "out", "--no-render", "--force"))
    assert not stale_file.exists()
    assert_kept(folder, {k: v for k, v in before.items() if k not in gone})


def test_a_stale_temporary_link_goes_not_what_it_points_to(tmp_path: Path) -> None:
    from posecoach.atomic import _HOST

    dead = dead_pid()
    link = tmp_path / f"{TEMP_PREFIX}{_HOST}-{dead}-link.json"
    target = tmp_path / "precious"
    (target / "x").mkdir(parents=True)
    (target / "x" / "data").write_text("keep")
    link.symlink_to(target, target_is_directory=True)
    removed = remove_stale_temporaries(tmp_path)
    assert removed == [link]
    assert (target / "x" / "data").read_text() == "keep"  # the link went, not what it points to


# ============================================================================ full disk
def enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_atomic_path_disk_full(code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.json"
    target.write_text("old")
    with pytest.raises(DiskFullError, match=r"^disk full: .*x\.json"), atomic_path(target) as tmp:
        tmp.write_text("new, half")
        raise OSError(code, os.strerror(code))  # as a writer running out of space would
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
    monkeypatch.setattr("posecoach.atomic._fsync_tree", enospc)  # at the flush instead
    with pytest.raises(DiskFullError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
    # and a folder made at the temporary path
    with pytest.raises(DiskFullError, match="disk full"), atomic_path(tmp_path / "d") as tmp:
        tmp.unlink()
        tmp.mkdir()
        (tmp / "f").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
    assert isinstance(DiskFullError("x"), OSError)


def test_compare_disk_full_keeps_the_old_result(
    ws: Path, assets: Assets, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(*compare_args("a", "out", "--no-render"))
    user = plant_user_files(ws / "out")
    before = snapshot(ws / "out")
    monkeypatch.setattr("posecoach.atomic._fsync_tree", enospc)
    for extra in (["--no-render"], []):
        result = cli(*compare_args("b", "out", *extra))
        assert result.exit_code == 1
        line = error_line(result.output)
        assert line.startswith("error: disk full: ") and "nothing partial was kept" in line
        assert snapshot(ws / "out") == before
        assert temporaries(ws) == []
    monkeypatch.undo()
    assert committed_run(ws / "out", assets) == "a"
    assert_kept(ws / "out", user)
    # a new folder that the failed run created is gone again
    monkeypatch.setattr("posecoach.atomic._fsync_tree", enospc)
    assert cli(*compare_args("b", "new", "--no-render")).exit_code == 1
    assert not (ws / "new").exists()


def test_disk_full_while_committing_is_completed_by_the_next_run(
    ws: Path, assets: Assets, monkeypatch: pytest.MonkeyPatch, rendered_a: Path
) -> None:
    earlier_rendered_result(rendered_a, ws / "out")
    user = plant_user_files(ws / "out")
    real = posecoach.atomic._fsync_tree

    def full_at_the_manifest(path: Path) -> None:
        if path.name.endswith(MANIFEST_NAME):
            enospc()
        real(path)

    monkeypatch.setattr("posecoach.atomic._fsync_tree", full_at_the_manifest)
    result = cli(*compare_args("b", "out", "--no-render"))
    assert result.exit_code == 1 and "disk full" in error_line(result.output)
    monkeypatch.undo()
    assert_kept(ws / "out", user)
    assert committed_run(ws / "out", assets) == "b"  # the journal rolled forward
    assert temporaries(ws) == []


def test_single_file_disk_full(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("convert", "a_ref.pose.npz", "-o", "a.csv")
    ok("align", "a_att.pose.npz", "--to", "a_ref.pose.npz", "-o", "al.pose.npz")
    before = snapshot(ws)
    monkeypatch.setattr("posecoach.atomic._fsync_tree", enospc)
    for args in (
        ["convert", "b_att.pose.npz", "-o", "a.csv", "--force"],
        ["convert", "b_att.pose.npz", "-o", "new.pose.json"],
        ["align", "b_att.pose.npz", "--to", "a_ref.pose.npz", "-o", "al.pose.npz", "--force"],
        ["classify", "m.st", "reps.pose.npz", "--json", "c.json"],
    ):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and errors[0].startswith("error: disk full: "), result.output
        assert result.output.strip().splitlines()[-1] == errors[0]
        assert snapshot(ws) == before
    assert temporaries(ws) == []


# ===================================================================== truncated MP4
def _mp4(path: Path, frames: int = 30, *, faststart: bool = True) -> bytes:
    """A small H.264 MP4 of noisy frames (so most bytes are frame data); its bytes."""
    import av

    from posecoach.video import VideoWriter

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(frames)]
    if faststart:
        with VideoWriter(path, fps=10, size=(64, 48)) as writer:
            for image in images:
                writer.write(image)
    else:  # the index (moov) at the end, as a camera writes it when it stops recording
        with av.open(str(path), "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=10)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            stream.codec_context.time_base = Fraction(1, 10)
            for i, image in enumerate(images):
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = i
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    return path.read_bytes()


def _cut(path: Path, data: bytes, fraction: float) -> Path:
    out = path.with_name(f"cut{round(100 * fraction)}_{path.name}")
    out.write_bytes(data[: int(len(data) * fraction)])
    return out


def _assert_truncation_message(message: str, path: Path) -> None:
    assert str(path) in message
    assert "incomplete or truncated" in message
    assert "copy it again from the recording" in message
    assert "does not decode" not in message and "unreadable data" not in message


@pytest.mark.parametrize("faststart", [True, False], ids=["index-first", "index-last"])
@pytest.mark.parametrize("fraction", [0.6, 0.1])
def test_truncated_mp4_is_reported_as_truncated(
    fraction: float, faststart: bool, tmp_path: Path
) -> None:
    from posecoach.video import VideoError, probe_video, read_video, truncation_of

    whole = tmp_path / "clip.mp4"
    data = _mp4(whole, faststart=faststart)
    assert truncation_of(whole) is None
    assert len(list(read_video(whole))) == 30
    cut = _cut(whole, data, fraction)
    reason = truncation_of(cut)
    assert reason is not None and f"stops at byte {int(len(data) * fraction)}" in reason
    if not faststart:
        assert "index" in reason and "missing" in reason
    frames = []
    with pytest.raises(VideoError) as info:
        probe_video(cut)
        frames.extend(f.index for f in read_video(cut))  # probing may pass: frames are there
    _assert_truncation_message(str(info.value), cut)
    if frames:
        assert "ends before its last frames" in str(info.value)
        assert len(frames) < 30


def test_cut_inside_the_index_and_not_mp4_at_all(tmp_path: Path) -> None:
    from posecoach.video import VideoError, probe_video, truncation_of

    whole = tmp_path / "clip.mp4"
    data = _mp4(whole)
    cut = tmp_path / "head.mp4"
    cut.write_bytes(data[:200])  # inside the moov box at the start
    assert "'moov' box" in truncation_of(cut)
    with pytest.raises(VideoError) as info:
        probe_video(cut)
    _assert_truncation_message(str(info.value), cut)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 20)
    assert truncation_of(text) is None
    with pytest.raises(VideoError, match="expected a video FFmpeg can read, got unreadable"):
        probe_video(text)


@pytest.mark.parametrize("fraction", [0.6, 0.1])
def test_cli_reports_a_truncated_mp4(fraction: float, ws: Path) -> None:
    cut = _cut(ws / "clip.mp4", _mp4(ws / "clip.mp4"), fraction)
    before = snapshot(ws)
    for args in (
        ["extract", cut.name, "-o", "x.pose.npz", "--preview", "x.mp4", "--no-cache"],
        ["compare", "a_ref.pose.npz", cut.name, "-o", "out", "--no-render"],
    ):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        _assert_truncation_message(error_line(result.output), Path(cut.name))
    assert snapshot(ws) == before  # no output of any kind


# ============================================================ bugs these tests found (fixed)
def test_compare_into_a_batch_folder_keeps_its_own_inputs(
    ws: Path, batch_inputs: list[str]
) -> None:
    ok("batch", *batch_inputs, "-o", "poses", "--engine", "inline")
    before = snapshot(ws / "poses")
    result = cli("compare", "poses/x.pose.npz", "poses/y.pose.npz", "-o", "poses", "--no-render")
    assert result.exit_code in (0, 1)
    assert_kept(ws / "poses", {k: v for k, v in before.items() if k != MANIFEST_NAME})


def test_pending_commit_survives_a_single_file_write_into_the_folder(
    ws: Path, assets: Assets, rendered_a: Path
) -> None:
    earlier_rendered_result(rendered_a, ws / "out")
    run_killed(
        compare_args("b", "out", "--no-render"), ws, target="os:replace", kind="journal",
        n=1, when="after",
    )  # fmt: skip
    ok("convert", "a_ref.pose.npz", "-o", "out/mine.csv")  # the user adds a file
    assert committed_run(ws / "out", assets) in "ab"  # old or new, whole
    ok(*compare_args("a", "out", "--no-render"))


def test_output_folder_api_keeps_everything_not_its_own(tmp_path: Path) -> None:
    """The same rule through the library (used by the web app and the demo)."""
    out = tmp_path / "o"
    with OutputFolder(out, tool="t").transaction() as tmp:
        (tmp / "a.txt").write_text("1")
        (tmp / "deep").mkdir()
        (tmp / "deep" / "b.txt").write_text("2")
    user = plant_user_files(out)
    with OutputFolder(out, tool="t").transaction() as tmp:
        (tmp / "c.txt").write_text("3")
    assert_kept(out, user)
    assert set(snapshot(out)) - set(user) == {"c.txt", MANIFEST_NAME}  # a.txt, deep/ removed
    assert not (out / "deep").exists()
    with pytest.raises(RuntimeError), OutputFolder(out, tool="t").transaction() as tmp:
        (tmp / "c.txt").write_text("4")
        raise RuntimeError("the run failed")
    assert (out / "c.txt").read_text() == "3"
    assert temporaries(out) == []


@pytest.mark.parametrize("keep", [0.6, 0.1])
def test_truncated_upload_is_refused_as_truncated(tmp_path: Path, keep: float) -> None:
    """The web upload check says 'incomplete or truncated', never 'does not decode'."""
    from posecoach.web.uploads import NotAVideoError, probe_video_file

    whole = tmp_path / "whole.mp4"
    data = _mp4(whole)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])
    assert probe_video_file(whole, "whole.mp4").n_frames == 30
    with pytest.raises(NotAVideoError, match="incomplete or truncated") as err:
        probe_video_file(cut, "squat.mp4")
    assert str(err.value).startswith("squat.mp4: the video is incomplete or truncated")
    assert "does not decode" not in str(err.value)


# ------------------------------------------------------------------------------- audit
_FILE_REMOVALS = re.compile(
    r"shutil\.rmtree\(|\.unlink\(|os\.remove\(|os\.unlink\(|os\.replace\(|os\.rename\(|\.rename\("
)


def test_every_removal_and_rename_in_the_code_says_why_it_is_safe() -> None:
    """Issue 11's audit, kept: each file removal or rename carries a comment (on its line or
    the two before) saying why posecoach owns what it removes or replaces."""
    src = Path(__file__).resolve().parents[1] / "src" / "posecoach"
    found, unexplained = 0, []
    for path in sorted(src.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            code = line.split("#", 1)[0]
            if code.lstrip().startswith((">>>", '"', "'")) or not _FILE_REMOVALS.search(code):
                continue
            found += 1
            if not any("#" in near for near in lines[max(0, i - 2) : i + 1]):
                unexplained.append(f"{path.relative_to(src)}:{i + 1}: {line.strip()}")
    assert found >= 10, "the audit pattern no longer finds the code's removals"
    assert not unexplained, "file removals without a reason:\n" + "\n".join(unexplained)


def test_a_killed_workers_zombie_does_not_keep_its_temporaries(tmp_path: Path) -> None:
    """A killed server's job worker can stay a zombie (dead, not yet reaped) for a while:
    kill(pid, 0) still succeeds on it, but its temporaries are stale all the same."""
    import subprocess
    import time

    from posecoach.atomic import _HOST, remove_stale_temporaries

    child = subprocess.Popen(["sleep", "0"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z":
        assert time.monotonic() < deadline, "the child never became a zombie"
        time.sleep(0.01)
    try:
        stale = tmp_path / f"{TEMP_PREFIX}{_HOST}-{child.pid}-ab12.result.json"
        live = tmp_path / f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-cd34.result.json"
        stale.write_text("{half")
        live.write_text("{half")
        assert remove_stale_temporaries(tmp_path) == [stale]
        assert live.exists() and not stale.exists()
    finally:
        child.wait()
