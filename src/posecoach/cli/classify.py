"""``posecoach train | evaluate | classify | reps | label``: classification from the CLI."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import typer

from posecoach.classify.augment import DEFAULT_AUGMENTATION
from posecoach.cli.common import (
    FORCE_FILE_HELP,
    SUBJECT_HELP,
    claim_outputs,
    progress_bar,
    user_errors,
)
from posecoach.errors import InputError
from posecoach.pose import PoseSequence

_TASK_HELP = "posture (per frame), form or exercise (per sequence for folder datasets)."
_MODEL_HELP = (
    "auto (cross-validated choice), or one of knn, linear, gbdt, mlp (frames or sequence "
    "statistics), dtw, seqcnn, minirocket (sequences)."
)


def _write_json(path: Path, data: object) -> None:
    from posecoach.atomic import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _label_map(text: str | None) -> dict[str, str]:
    from posecoach.errors import InputError

    out: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in (text or "").split(","))):
        if "=" not in item:
            raise InputError(f"expected --label-map like left_lunge=right_lunge, got {item!r}")
        a, b = (x.strip() for x in item.split("=", 1))
        out[a] = b
    return out


def _read_input(path: Path, subject: str = "longest") -> PoseSequence:
    from posecoach.app.loading import load_input
    from posecoach.extract.follow import sequence_subject
    from posecoach.extract.subject import parse_subject
    from posecoach.video import is_media

    if not is_media(path):
        return load_input(path)
    with progress_bar(f"extract {path.name}") as bar:
        seq = load_input(path, progress=bar, subject=parse_subject(subject))
    who = sequence_subject(seq)
    if who and (who["people_found"] > 1 or who["dropped"]):
        typer.echo(f"{path.name}: {who['line']}")
    return seq


def _reference_range(text: str) -> tuple[Path, tuple[float, float] | None]:
    """``clip.mp4`` or ``clip.mp4@1.2-3.4`` (seconds): the file and the time range.

    Example
    -------
    >>> _reference_range("rep.mp4@1.2-3.4"), _reference_range("rep.pose.npz")
    ((PosixPath('rep.mp4'), (1.2, 3.4)), (PosixPath('rep.pose.npz'), None))
    """
    match = re.fullmatch(r"(.+)@(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", text.strip())
    if match is None or Path(text).exists():
        return Path(text), None
    a, b = float(match.group(2)), float(match.group(3))
    if not b > a:
        raise typer.BadParameter(f"expected a reference time range start<end, got {text!r}")
    return Path(match.group(1)), (a, b)


def _time_range(seq: PoseSequence, start_s: float, end_s: float) -> PoseSequence:
    """The frames of ``seq`` from ``start_s`` to ``end_s`` (one clear error when empty)."""
    t = np.asarray(seq.timestamps, dtype=np.float64)
    keep = np.flatnonzero((t >= start_s) & (t <= end_s))
    if len(keep) < 3:
        raise InputError(
            f"expected the reference range {start_s:g}-{end_s:g} s to hold frames; "
            f"the reference runs {t[0]:.2f}-{t[-1]:.2f} s"
        )
    return seq.frames(slice(int(keep[0]), int(keep[-1]) + 1))


def register(app: typer.Typer) -> None:
    """Add the ``train``, ``evaluate``, ``classify``, ``reps`` and ``label`` commands."""

    @app.command()
    def train(
        dataset: Path = typer.Argument(
            ..., help="Wide CSV, ML Kit CSV or folder DATASET/<label>/."
        ),
        output: Path = typer.Option(..., "-o", "--output", help="Model file to write."),
        task: str = typer.Option("posture", "--task", help=_TASK_HELP),
        model: str = typer.Option("auto", "--model", help=_MODEL_HELP),
        cv: int = typer.Option(
            0,
            "--cv",
            help="Folds by group: the model choice's k with auto (0 = 5), else a CV run first "
            "(0 = off).",
        ),
        skeleton: str | None = typer.Option(
            None, "--skeleton", help="Skeleton of positional columns."
        ),
        level: str = typer.Option("auto", "--level", help="auto, frame or sequence."),
        blocks: int = typer.Option(
            0, "--blocks", help="No group column: cut the rows into N contiguous blocks as groups."
        ),
        views: int = typer.Option(
            DEFAULT_AUGMENTATION.views, "--augment-views", help="Random camera views per sample."
        ),
        mirror: bool = typer.Option(
            DEFAULT_AUGMENTATION.mirror,
            "--mirror/--no-mirror",
            help="Add mirrored copies (left/right labels swapped).",
        ),
        drop: float = typer.Option(
            DEFAULT_AUGMENTATION.drop,
            "--drop",
            help="Add this fraction again with a body part missing (see --drop-parts).",
        ),
        drop_parts: str = typer.Option(
            ",".join(DEFAULT_AUGMENTATION.drop_parts),
            "--drop-parts",
            help="Parts --drop removes: legs (hips included), arms, left, right, joints.",
        ),
        no_augment: bool = typer.Option(
            False, "--no-augment", help="No augmentation at all (views, mirror and drop off)."
        ),
        label_map: str | None = typer.Option(
            None, "--label-map", help="Mirror label pairs a=b,c=d."
        ),
        rotate: bool = typer.Option(
            False, "--rotate", help="Features invariant to in-plane rotation."
        ),
        blocks_opt: str | None = typer.Option(
            None,
            "--features",
            help="Feature blocks: coords,angles,distances,mask,aligned,side_angles "
            "(default per model; not with auto).",
        ),
        seed: int = typer.Option(0, "--seed"),
        json_path: Path | None = typer.Option(
            None, "--json", help="Write the cross-validation (and model choice) as JSON."
        ),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Train a classifier on a labelled dataset and save it as one safetensors file.

        By default the model is chosen by cross-validation by group among the families that
        suit the data, and training adds mirrored copies, one random camera view and copies
        with a body part missing; the table of the choice is printed and stored.
        """
        from posecoach.app.datasets import read_dataset
        from posecoach.classify import AugmentSettings, cross_validate, fit_classifier
        from posecoach.classify.augment import augment
        from posecoach.classify.datasets import check_trainable
        from posecoach.classify.persistence import save_classifier
        from posecoach.classify.train import default_features

        with user_errors():
            if model == "auto" and blocks_opt:
                raise InputError("--features picks one model's inputs; give --model too")
            claim_outputs(output, json_path, inputs=[dataset], force=force)
            with progress_bar(f"read {dataset.name}") as bar:
                ds = read_dataset(
                    dataset,
                    level=level,  # type: ignore[arg-type]
                    skeleton=skeleton,
                    task=task,
                    blocks=blocks or None,
                    progress=bar,
                )
            n_groups = len(set(ds.groups.tolist()))
            typer.echo(
                f"{dataset}: {ds.n_samples} {ds.level} samples, {len(ds.classes)} classes "
                f"{ds.classes}, {n_groups} groups, skeleton {ds.skeleton.name}"
            )
            check_trainable(ds.labels, str(dataset))
            aug = AugmentSettings(
                views=0 if no_augment else views,
                mirror=mirror and not no_augment,
                drop=0.0 if no_augment else drop,
                drop_parts=tuple(p.strip() for p in drop_parts.split(",") if p.strip()),
                label_map=_label_map(label_map),
                seed=seed,
            )
            if aug.active:
                added = augment(ds, aug).n_samples - ds.n_samples
                typer.echo(
                    f"augmentation adds {added} samples to the {ds.n_samples} for training "
                    f"(views {aug.views}, mirror {'on' if aug.mirror else 'off'}, drop "
                    f"{aug.drop:g} of {','.join(aug.drop_parts)}; --no-augment for none)"
                )
            info: dict[str, object] = {"dataset": str(dataset)}
            if model == "auto":
                from posecoach.classify.selection import train_auto

                with progress_bar("model choice") as bar:
                    clf, sel = train_auto(
                        ds,
                        task=task,
                        k=cv or 5,
                        augmentation=aug if aug.active else None,
                        seed=seed,
                        rotate=rotate,
                        info=info,
                        progress=bar,
                    )
                typer.echo(sel.table())
                for w in sel.warnings:
                    typer.echo(f"warning: {w}", err=True)
                if json_path:
                    _write_json(json_path, {"model_selection": sel.to_dict()})
            else:
                feats = replace(default_features(model, ds), rotate=rotate)
                if blocks_opt:
                    feats = replace(feats, blocks=tuple(b.strip() for b in blocks_opt.split(",")))
                if cv:
                    with progress_bar(f"{cv}-fold CV") as bar:
                        res = cross_validate(
                            ds,
                            model=model,
                            k=cv,
                            task=task,
                            features=feats,
                            augmentation=aug if aug.active else None,
                            seed=seed,
                            progress=bar,
                        )
                    typer.echo(f"{cv}-fold cross-validation, folds by group (never by frame):")
                    for f in res.folds:
                        typer.echo(
                            f"  {f.split}: accuracy {f.accuracy:.3f}, macro F1 {f.macro_f1:.3f}"
                        )
                    typer.echo(res.metrics.table())
                    info["cv"] = {
                        "k": cv,
                        "accuracy": res.metrics.accuracy,
                        "macro_f1": res.metrics.macro_f1,
                    }
                    if json_path:
                        _write_json(json_path, res.to_dict())
                clf = fit_classifier(
                    ds,
                    model=model,
                    task=task,
                    features=feats,
                    augmentation=aug if aug.active else None,
                    seed=seed,
                    info=info,
                    upper_body=True,
                )
            save_classifier(clf, output)
            typer.echo(
                f"wrote {output} ({clf.model.name}, {task}, {ds.level} level, trained on all "
                f"{ds.n_samples} samples)"
            )

    @app.command()
    def evaluate(
        model: Path = typer.Argument(..., help="Model file from 'posecoach train'."),
        dataset: Path = typer.Argument(..., help="Labelled held-out dataset."),
        json_path: Path | None = typer.Option(None, "--json", help="Write metrics as JSON."),
        confusion: Path | None = typer.Option(
            None, "--confusion", help="Confusion matrix PNG (default: beside --json or the model)."
        ),
        skeleton: str | None = typer.Option(None, "--skeleton"),
        blocks: int = typer.Option(0, "--blocks"),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Accuracy, macro F1, per-class precision/recall and a confusion matrix PNG."""
        from posecoach.app.datasets import read_dataset
        from posecoach.classify import evaluate as run_evaluate
        from posecoach.classify import load_classifier
        from posecoach.render.plots import plot_confusion

        png = confusion or (
            json_path.with_suffix(".confusion.png")
            if json_path
            else model.with_suffix(".confusion.png")
        )
        with user_errors():
            claim_outputs(png, json_path, inputs=[model, dataset], force=force)
            clf = load_classifier(model)
            ds = read_dataset(
                dataset,
                level=clf.level,  # type: ignore[arg-type]
                skeleton=skeleton,
                task=clf.task,
                blocks=blocks or None,
            )
            shared = sorted(set(ds.groups.tolist()) & set(clf.info.get("train_groups", [])))
            split = (
                f"held-out set {dataset} ({ds.n_samples} samples, "
                f"{len(set(ds.groups.tolist()))} groups) vs training set "
                f"{clf.info.get('dataset', '?')}"
            )
            if shared:
                split += f"; WARNING: {len(shared)} groups also in training ({shared[:3]}...)"
            metrics = run_evaluate(clf, ds, split=split)
            typer.echo(metrics.table())
            typer.echo(
                "confusion (rows true, columns predicted): "
                + json.dumps(metrics.confusion.tolist())
            )
            plot_confusion(
                metrics.confusion,
                metrics.classes,
                png,
                title=f"accuracy {metrics.accuracy:.3f}, macro F1 {metrics.macro_f1:.3f}",
            )
            typer.echo(f"wrote {png}")
            if json_path:
                _write_json(
                    json_path,
                    {
                        **metrics.to_dict(),
                        "confusion_png": str(png),
                        "model": str(model),
                        "dataset": str(dataset),
                    },
                )
                typer.echo(f"wrote {json_path}")

    @app.command("classify")
    def classify_cmd(
        model: Path = typer.Argument(..., help="Model file."),
        input: Path = typer.Argument(..., help="Pose file or video."),
        smooth: float = typer.Option(0.3, "--smooth", help="Smoothing window in seconds."),
        abstain: float = typer.Option(
            0.5,
            "--abstain",
            help="Label frames 'unknown' whose best class is less probable than this (0: never).",
        ),
        json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON."),
        subject: str = typer.Option("longest", "--subject", help=SUBJECT_HELP),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Per-frame labels (smoothed) and segments; one label for sequence models."""
        from posecoach.classify import load_classifier

        with user_errors():
            claim_outputs(json_path, inputs=[model, input], force=force)
            clf = load_classifier(model)
            seq = _read_input(input, subject)
            if clf.level == "sequence":
                label, probs = clf.classify_sequence(seq)
                typer.echo(f"{input}: {label} ({float(probs.max()):.2f})")
                result: dict[str, object] = {
                    "label": label,
                    "probabilities": dict(zip(clf.classes, map(float, probs), strict=True)),
                }
            else:
                res = clf.classify(seq, smooth_s=smooth, abstain=abstain)
                typer.echo(f"{'label':<16} {'start_s':>8} {'end_s':>8}")
                for s in res.segments:
                    typer.echo(f"{s.label:<16} {s.start:8.2f} {s.end:8.2f}")
                result = res.to_dict()
            if json_path:
                _write_json(json_path, result)
                typer.echo(f"wrote {json_path}")

    @app.command()
    def reps(
        input: Path = typer.Argument(..., help="Pose file or video of the repetitions."),
        model: Path | None = typer.Option(None, "--model", help="State model (e.g. up/down)."),
        reference: str | None = typer.Option(
            None,
            "--reference",
            help="One reference repetition: a file, or a time range of one "
            "(clip.mp4@1.2-3.4, seconds).",
        ),
        form_model: Path | None = typer.Option(None, "--form-model", help="Label each rep's form."),
        state: str | None = typer.Option(None, "--state", help="Active state (default: *down*)."),
        enter: float = typer.Option(0.6, "--enter", help="Enter the state at this probability."),
        leave: float = typer.Option(0.4, "--leave", help="Leave the state below this probability."),
        json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON."),
        subject: str = typer.Option("longest", "--subject", help=SUBJECT_HELP),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Count repetitions: automatically (no option: the dominant repeated movement), from
        one reference repetition, or with a state model (hysteresis)."""
        from posecoach.classify import load_classifier
        from posecoach.compare.autoreps import count_reps_auto, with_rom
        from posecoach.compare.reps import count_reps_with_model, count_reps_with_reference

        if model is not None and reference is not None:
            raise typer.BadParameter("give --model or --reference, not both")
        ref_path, ref_range = _reference_range(reference) if reference else (None, None)
        with user_errors():
            claim_outputs(json_path, inputs=[input, model, ref_path, form_model], force=force)
            seq = _read_input(input, subject)
            form = load_classifier(form_model) if form_model else None
            if model is not None:
                result = count_reps_with_model(
                    seq,
                    load_classifier(model),
                    state=state,
                    enter=enter,
                    leave=leave,
                    form_model=form,
                )
            elif ref_path is not None:
                ref = _read_input(ref_path)
                if ref_range is not None:
                    ref = _time_range(ref, *ref_range)
                result = count_reps_with_reference(seq, ref, form_model=form)
            else:
                result = count_reps_auto(seq)
                if form is not None:
                    from posecoach.compare.reps import label_form

                    result = replace(result, reps=label_form(seq, result.reps, form))
            result = with_rom(result, seq) if result.method != "auto" else result
            partial = f", {len(result.partial)} partial" if result.partial else ""
            typer.echo(
                f"{input}: {result.count} repetition{'' if result.count == 1 else 's'}"
                f"{partial} ({result.method}"
                + (f", state {result.state!r}" if result.state else "")
                + ")"
            )
            for r in result.reps:
                extra = f"  form {r.form} ({r.form_probability:.2f})" if r.form else ""
                rom = f"  range {r.rom:.0%}" if r.rom is not None else ""
                typer.echo(
                    f"  rep {r.index}: {r.start_s:.2f}-{r.end_s:.2f} s "
                    f"({r.end_s - r.start_s:.1f} s){rom}{extra}"
                )
            for r in result.partial:
                typer.echo(f"  partial: {r.start_s:.2f}-{r.end_s:.2f} s, range {r.rom:.0%}")
            if json_path:
                _write_json(json_path, result.to_dict())
                typer.echo(f"wrote {json_path}")

    @app.command()
    def label(
        input: Path = typer.Argument(..., help="Pose file or video to label."),
        output: Path = typer.Option(..., "-o", "--output", help="Labelled wide CSV to write."),
        segments: str | None = typer.Option(
            None, "--segments", help='e.g. "0:00-0:03=up,0:03-0:05=down"; omit to be asked.'
        ),
        group: str | None = typer.Option(None, "--group", help="Group name (default: file name)."),
        window: float = typer.Option(1.0, "--window", help="Prompt window length in seconds."),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Label your own recording (segments or prompts) into a CSV ready for 'train'."""
        from posecoach.app.datasets import write_labelled_csv
        from posecoach.classify.labeling import (
            frame_labels,
            parse_segments,
            windows,
        )

        with user_errors():
            claim_outputs(output, inputs=[input], force=force)
            seq = _read_input(input)
            if segments:
                segs = parse_segments(segments)
            else:
                segs = []
                typer.echo(f"{input}: {seq.duration:.1f} s; type a label per window, empty = skip")
                for a, b in windows(seq, window):
                    text = typer.prompt(f"{a:6.2f}-{b:6.2f} s", default="", show_default=False)
                    if text.strip():
                        segs.append((a, b, text.strip()))
            labels = frame_labels(seq, segs)
            n = write_labelled_csv(seq, labels, output, group or input.name)
            typer.echo(f"wrote {output} ({n} labelled frames of {seq.n_frames})")
