"""The layer contract (pyproject.toml, [tool.importlinter]) holds, and the checker can fail.

``make lint`` runs the same check; running it here too means ``make test`` cannot pass on a
tree that breaks the layers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(*args: str, cwd: Path, pythonpath: Path | None = None):
    """Run import-linter's command line from this interpreter's environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200")  # plain, unwrapped report lines
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    script = Path(sys.executable).with_name("lint-imports")
    if script.exists():
        cmd = [str(script)]
    else:  # no console script beside the interpreter: the same entry point, run by hand
        cmd = [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
        ]
    return subprocess.run(
        [*cmd, "--no-cache", "--no-logo", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_layer_contract_is_kept():
    result = lint_imports(str(ROOT / "pyproject.toml"), cwd=ROOT)
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"layer contract broken:\n{report}"
    assert "BROKEN" not in report
    assert "0 broken" in report


def test_checker_reports_a_forbidden_function_level_import(tmp_path):
    package = tmp_path / "layers_probe_pkg"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("VALUE = 1\n")
    (package / "low" / "__init__.py").write_text("")
    # The forbidden import is inside a function: only a checker that reads function
    # bodies (grimp does) sees it.
    (package / "low" / "stage.py").write_text(
        textwrap.dedent(
            """\
            def run():
                from layers_probe_pkg.high import VALUE

                return VALUE
            """
        )
    )
    config = tmp_path / "contract.toml"
    config.write_text(
        textwrap.dedent(
            """\
            [tool.importlinter]
            root_package = "layers_probe_pkg"

            [[tool.importlinter.contracts]]
            name = "low must not import high"
            type = "forbidden"
            source_modules = ["layers_probe_pkg.low"]
            forbidden_modules = ["layers_probe_pkg.high"]

            [[tool.importlinter.contracts]]
            name = "high above low"
            type = "layers"
            layers = ["layers_probe_pkg.high", "layers_probe_pkg.low"]
            """
        )
    )
    result = lint_imports(str(config), cwd=tmp_path, pythonpath=tmp_path)
    report = result.stdout + result.stderr

    assert result.returncode == 1, report
    assert "low must not import high BROKEN" in report
    assert "high above low BROKEN" in report
    assert "Contracts: 0 kept, 2 broken." in report
    assert "layers_probe_pkg.low.stage -> layers_probe_pkg.high (l.2)" in report

    # Without the import the same contract is kept: the failure above is that import.
    (package / "low" / "stage.py").write_text("def run():\n    return 1\n")
    result = lint_imports(str(config), cwd=tmp_path, pythonpath=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------- one torso normalisation
def _random_poses(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 50.0, (n, k, 2)) + 300.0


def test_classifier_features_use_the_one_torso_normalisation() -> None:
    from posecoach.classify.features import normalize_positions
    from posecoach.geometry import normalize_by_torso
    from posecoach.skeletons import COCO_17

    p = _random_poses(20, 17, 1)
    joints = list(COCO_17.names)
    ours = normalize_positions(p, COCO_17, joints)
    expected, _ = normalize_by_torso(p, COCO_17)
    np.testing.assert_allclose(ours, expected, atol=1e-9)


def test_learned_aligner_input_uses_the_one_torso_normalisation() -> None:
    from posecoach.align.learned import JOINTS, normalize_2d
    from posecoach.geometry import normalize_by_torso
    from posecoach.skeletons import Skeleton

    p = _random_poses(20, len(JOINTS), 2)
    ours, _, scale = normalize_2d(p, np.ones(p.shape[:2]))
    expected, torso = normalize_by_torso(p, Skeleton("learned_input", JOINTS, ()))
    np.testing.assert_allclose(ours, expected, atol=1e-9)
    np.testing.assert_allclose(scale, torso, atol=1e-9)
