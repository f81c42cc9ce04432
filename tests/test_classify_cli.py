"""CLI: train (with CV), evaluate (table, JSON, PNG), classify, reps, label — through the runner."""

from __future__ import annotations

import json
import re

import numpy as np
from typer.testing import CliRunner

from posecoach.app.datasets import write_labelled_csv
from posecoach.classify.persistence import load_classifier
from posecoach.classify.synthetic import exercise_sequence
from posecoach.cli.app import app
from posecoach.io import save

runner = CliRunner()


def _labelled_csv(path, n_reps, seed, group):
    seq, labels = exercise_sequence(n_reps, rng=np.random.default_rng(seed))
    write_labelled_csv(seq, labels, path, group)
    return path


def test_train_evaluate_classify_reps_label(tmp_path):
    import csv

    parts = [_labelled_csv(tmp_path / f"p{i}.csv", 2, i, f"video{i}") for i in range(4)]
    train = tmp_path / "train.csv"
    rows = [list(csv.reader(p.open())) for p in parts]
    with train.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0][0])
        for r in rows:
            w.writerows(r[1:])
    model = tmp_path / "m.safetensors"
    res = runner.invoke(
        app,
        ["train", str(train), "--model", "linear", "--no-augment", "--cv", "4", "-o", str(model)],
    )
    assert res.exit_code == 0, res.output
    assert "4-fold cross-validation, folds by group" in res.output
    assert "augmentation adds" not in res.output
    assert model.exists()
    # augmentation says how much it adds: mirrored copies alone double the samples
    m2 = tmp_path / "m2.safetensors"
    only_mirror = ["--mirror", "--augment-views", "0", "--drop", "0"]
    res = runner.invoke(
        app, ["train", str(train), "--model", "linear", *only_mirror, "-o", str(m2)]
    )
    assert res.exit_code == 0, res.output
    n = int(re.search(r"(\d+) frame samples", res.output).group(1))  # type: ignore[union-attr]
    assert f"augmentation adds {n} samples to the {n} for training" in res.output
    # the defaults: the model chosen by group CV (4 videos: 4 folds, and a warning), trained
    # with mirror (2n) + two views of each (6n) + a sixth of those with a part missing (n)
    m3, choice = tmp_path / "m3.safetensors", tmp_path / "choice.json"
    res = runner.invoke(app, ["train", str(train), "-o", str(m3), "--json", str(choice)])
    assert res.exit_code == 0, res.output
    assert f"augmentation adds {6 * n} samples to the {n} for training" in res.output
    assert "model choice: group 4-fold cross-validation over 4 groups" in res.output
    assert "warning: only 4 groups" in res.output
    sel = json.loads(choice.read_text())["model_selection"]
    assert [r["name"] for r in sel["results"]] == ["gbdt", "mlp", "knn", "linear"]
    best = next(r for r in sel["results"] if r["name"] == sel["best"])
    assert best["accuracy"] > 0.9
    assert best["accuracy"] >= max(r["accuracy"] for r in sel["results"]) - 0.05
    assert load_classifier(m3).info["model_selection"]["best"] == sel["best"]

    test = _labelled_csv(tmp_path / "test.csv", 3, 99, "held_out")
    out = tmp_path / "metrics.json"
    res = runner.invoke(app, ["evaluate", str(model), str(test), "--json", str(out)])
    assert res.exit_code == 0, res.output
    metrics = json.loads(out.read_text())
    assert metrics["accuracy"] > 0.9 and "held-out set" in metrics["split"]
    assert {c["label"] for c in metrics["per_class"]} == {"down", "up"}
    assert (tmp_path / "metrics.confusion.png").stat().st_size > 0

    seq, _ = exercise_sequence(3, rng=np.random.default_rng(5))
    pose = tmp_path / "attempt.pose.npz"
    save(seq, pose)
    res = runner.invoke(
        app, ["classify", str(model), str(pose), "--json", str(tmp_path / "c.json")]
    )
    assert res.exit_code == 0, res.output
    segs = json.loads((tmp_path / "c.json").read_text())["segments"]
    assert [s["label"] for s in segs] == ["up", "down", "up", "down", "up", "down", "up"]
    # abstaining: where the model is less sure than 99.9 % the frames are "unknown", and the
    # segments say so; the confident stretches keep their labels
    res = runner.invoke(
        app,
        [
            "classify",
            str(model),
            str(pose),
            "--abstain",
            "0.999",
            "--json",
            str(tmp_path / "u.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "u.json").read_text())
    labels = [s["label"] for s in data["segments"]]
    assert "unknown" in labels and {"up", "down"} & set(labels)
    for f in data["frames"]:
        assert (f["label"] == "unknown") == (max(f["probabilities"]) < 0.999)

    res = runner.invoke(
        app, ["reps", str(pose), "--model", str(model), "--json", str(tmp_path / "r.json")]
    )
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r.json").read_text())["count"] == 3

    labelled = tmp_path / "mine.csv"
    res = runner.invoke(
        app, ["label", str(pose), "-o", str(labelled), "--segments", "0:00-0:01=up,0:01-0:02=down"]
    )
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and labelled.read_text().startswith("frame,time,label,group")


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_text("not a model")
    pose = tmp_path / "a.pose.npz"
    save(exercise_sequence(1)[0], pose)
    res = runner.invoke(app, ["classify", str(bad), str(pose)])
    assert res.exit_code == 1
    assert "not a posecoach model file" in res.output
    one = tmp_path / "one.csv"
    one.write_text("label,nose_x,nose_y\nup,1,2\nup,2,3\n")
    res = runner.invoke(app, ["train", str(one), "-o", str(tmp_path / "x.safetensors")])
    assert res.exit_code == 1 and "expected at least 2 classes" in res.output
    assert not (tmp_path / "x.safetensors").exists()
    # no option: counted automatically (one planted repetition)
    res = runner.invoke(app, ["reps", str(pose)])
    assert res.exit_code == 0 and "1 repetition (auto)" in res.output
    res = runner.invoke(app, ["reps", str(pose), "--model", str(bad), "--reference", str(pose)])
    assert res.exit_code == 2


def test_label_prompts_per_window_and_reps_from_reference(tmp_path):
    seq, _ = exercise_sequence(3, rng=np.random.default_rng(2))  # 9.1 s: 4 windows of 3 s
    pose = tmp_path / "a.pose.npz"
    save(seq, pose)
    out = tmp_path / "prompted.csv"
    res = runner.invoke(
        app, ["label", str(pose), "-o", str(out), "--window", "3"], input="up\n\ndown\n\n"
    )
    assert res.exit_code == 0, res.output
    labels = [line.split(",")[2] for line in out.read_text().splitlines()[1:]]
    assert labels == ["up"] * 90 + ["down"] * 90  # 3-6 s and the last window skipped

    ref = tmp_path / "ref.pose.npz"
    save(exercise_sequence(1, rest_s=0.05, noise_px=0.0, rng=np.random.default_rng(3))[0], ref)
    res = runner.invoke(app, ["reps", str(pose), "--reference", str(ref)])
    assert res.exit_code == 0, res.output
    assert "3 repetitions (reference-dtw)" in res.output
