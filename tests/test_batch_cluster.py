"""``posecoach batch`` on a real Dask cluster: a scheduler and two workers, separate processes
on 127.0.0.1 started and stopped here, real clips plus a corrupt file, a worker killed
mid-batch, a re-run that skips finished work, and results equal to the single-video commands.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach.app.batch import run_batch
from posecoach.app.batch.loopback import LoopbackCluster

pytestmark = pytest.mark.slow

CLIPS = {"alice/cam01": "single/cam01", "alice/cam02": "single/cam02", "bob/cam02": "multi/cam02"}


@pytest.fixture
def clips(sample_videos: dict[str, Path], tmp_path: Path) -> Path:
    """recordings/{alice,bob}/*.mp4 (links to the real clips) and a corrupt bob/broken.mp4."""
    root = tmp_path / "recordings"
    for rel, key in CLIPS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{rel}.mp4").symlink_to(sample_videos[key])
    (root / "bob" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")
    return root


@pytest.fixture
def cluster(tmp_path: Path):
    """Two workers with an empty extraction cache of their own: every clip is real work."""
    env = {"POSECOACH_CACHE_DIR": str(tmp_path / "worker-cache")}
    with LoopbackCluster(workers=2, env=env, log_dir=tmp_path / "logs") as running:
        yield running


def test_cluster_batch_survives_a_killed_worker_resumes_and_matches_the_commands(
    clips: Path, cluster: LoopbackCluster, sample_videos: dict[str, Path], tmp_path: Path
) -> None:
    from distributed import Client

    out = tmp_path / "out"
    pids = cluster.worker_pids()
    assert len(pids) == 2
    killed: dict[str, object] = {}

    def kill_a_busy_worker(done: int, total: int) -> None:
        """After the first input finishes, kill a worker that is running a task."""
        if killed:
            return
        with Client(cluster.address, timeout=20) as watcher:
            for _ in range(200):
                busy = {a: keys for a, keys in watcher.processing().items() if keys and a in pids}
                if busy:
                    break
                time.sleep(0.05)
        addr, keys = next(iter(busy.items()))
        os.kill(pids[addr], signal.SIGKILL)
        killed.update(pid=pids[addr], indices={int(str(k).rsplit("-", 1)[1]) for k in keys})

    ref = sample_videos["multi/cam01"]
    report = run_batch(
        [clips],
        out,
        scheduler=cluster.address,
        compare_to=ref,
        reps=True,
        progress=kill_a_busy_worker,
    )
    assert killed, "no worker was busy after the first input"
    statuses = {r.output: r.status for r in report.rows}
    assert statuses == {
        "alice/cam01": "ok",
        "alice/cam02": "ok",
        "bob/broken": "failed",
        "bob/cam02": "ok",
    }
    assert "bob/broken.mp4" in report.rows[2].reason
    survivor = next(pid for pid in pids.values() if pid != killed["pid"])
    indices = sorted(killed["indices"])  # type: ignore[call-overload]
    assert any(report.rows[i].status == "ok" for i in indices), (indices, report.rows)
    for i in indices:
        row = report.rows[i]
        if row.status == "ok":  # the killed worker's task ran again on the other worker
            assert row.worker.endswith(f":{survivor}"), (row, killed)
    assert all(
        r.frames == 100 and r.subject_share and r.subject_share > 0.9
        for r in report.rows
        if r.status == "ok"
    )

    # the results equal the single-video commands (the workers' own cache: fresh extraction)
    from posecoach.cli import app

    runner = CliRunner()
    single = tmp_path / "single"
    res = runner.invoke(
        app, ["extract", str(clips / "alice/cam01.mp4"), "-o", str(single / "p.pose.npz")]
    )
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose(
        posecoach.load(out / "alice/cam01.pose.npz").positions,
        posecoach.load(single / "p.pose.npz").positions,
        atol=1e-6,
    )
    res = runner.invoke(
        app,
        [
            "compare",
            str(ref),
            str(clips / "alice/cam01.mp4"),
            "-o",
            str(single / "cmp"),
            "--no-render",
        ],
    )
    assert res.exit_code == 0, res.output
    single_result = json.loads((single / "cmp" / "result.json").read_text())
    batch_result = json.loads((out / "alice/cam01.result.json").read_text())
    assert batch_result["score"] == pytest.approx(single_result["score"], abs=1e-6)
    res = runner.invoke(
        app, ["reps", str(clips / "alice/cam01.mp4"), "--json", str(single / "r.json")]
    )
    assert res.exit_code == 0, res.output
    assert json.loads((out / "alice/cam01.reps.json").read_text()) == json.loads(
        (single / "r.json").read_text()
    )

    # a re-run on the cluster (one worker left) skips the finished inputs
    again = run_batch([clips], out, scheduler=cluster.address, compare_to=ref, reps=True)
    assert [r.status for r in again.rows] == ["skipped", "skipped", "failed", "skipped"]
    assert [r.score for r in again.rows] == [r.score for r in report.rows]
