"""The web app in headless Chromium: library → compare → result page, history, live page.

One server (real ``posecoach serve`` process, real compare pipeline) serves the whole module;
videos are short downscaled clips of the Pose2Sim sample videos to keep it fast.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web_support import ServerProcess, short_clip, write_y4m

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def clips(sample_videos, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("clips")
    return {
        "reference": short_clip(sample_videos["single/cam01"], out / "squat_ref.mp4", 24, 270, 2),
        "attempt": short_clip(sample_videos["single/cam02"], out / "attempt.mp4", 24, 270, 2),
        "camera": write_y4m(sample_videos["single/cam01"], out / "camera.y4m", width=270),
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("web") / "data"
    with ServerProcess(data, "--workers", "1") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(launch, clips):
    b = launch(
        [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clips['camera']}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield b
    b.close()


@pytest.fixture(scope="module")
def uploaded(server, browser, clips, screenshot_dir) -> dict:
    """Upload the reference through the library page; wait for its skeleton."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server.url + "/")
    page.fill("input[name=name]", "Squat demo")
    page.fill("input[name=exercise]", "squat")
    page.fill("textarea[name=notes]", "slow and controlled")
    page.set_input_files("input[name=video]", str(clips["reference"]))
    page.click("#upload-button")
    page.wait_for_selector("#references tr[data-id] td:has-text('ready')", timeout=90_000)
    ref_id = int(page.get_attribute("#references tr[data-id]", "data-id"))
    page.close()
    return {"reference_id": ref_id}


def test_reference_page_draws_the_extracted_skeleton(server, browser, uploaded, screenshot_dir):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server.url}/reference.html?id={uploaded['reference_id']}")
    page.wait_for_function(
        "document.getElementById('pose-status').textContent.startsWith('skeleton')"
    )
    page.evaluate("document.getElementById('video').play()")
    page.wait_for_timeout(500)
    green = page.evaluate(
        """() => { const c = document.getElementById('overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 200 && d[i] < 60 && d[i + 3] > 0) n++;
        return n; }"""
    )
    assert green > 200  # skeleton lines drawn on the overlay canvas
    page.screenshot(path=str(screenshot_dir / "reference.png"))
    page.close()


def test_compare_in_the_browser_and_result_page(server, browser, uploaded, clips, screenshot_dir):
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(f"{server.url}/compare.html?reference={uploaded['reference_id']}")
    page.wait_for_selector(
        f"#reference option[value='{uploaded['reference_id']}']", state="attached"
    )
    page.fill("#new-person", "Ana")
    page.set_input_files("#video", str(clips["attempt"]))
    page.click("#compare-button")
    page.wait_for_selector("#progress-card:not([hidden])")
    page.wait_for_url(re.compile(r"result\.html\?id=\d+"), timeout=120_000)
    page.wait_for_function("document.getElementById('score').textContent !== '–'")
    score = float(page.inner_text("#score"))
    result_id = int(page.url.rsplit("=", 1)[1])
    api = page.request.get(f"{server.url}/api/results/{result_id}").json()
    assert score == round(api["data"]["score"])
    assert 0 <= score <= 100
    # the overlay video plays: it has a duration and its time advances
    page.wait_for_function(
        "document.getElementById('overlay-video').readyState >= 1", timeout=30_000
    )
    duration = page.evaluate("document.getElementById('overlay-video').duration")
    assert duration > 0
    page.evaluate("document.getElementById('overlay-video').play()")
    page.wait_for_function(
        "document.getElementById('overlay-video').currentTime > 0.2", timeout=15_000
    )
    # cues are listed with clickable times that seek the video
    cues = api["data"]["cues"]
    items = page.locator("#cues li")
    if cues:
        assert items.count() == len(cues)
        assert cues[0]["text"] in items.nth(0).inner_text()
        page.evaluate("document.getElementById('overlay-video').pause()")
        page.locator("#cues .cue-time").last.click()
        seek = page.evaluate("document.getElementById('overlay-video').currentTime")
        assert seek == pytest.approx(cues[-1]["start_s"], abs=0.35)
    else:
        assert "no cues" in items.nth(0).inner_text()
    assert page.locator("#reps tr").count() >= 1
    plots = page.locator("#plots img")
    assert plots.count() == len(api["data"]["files"]["plots"])
    page.wait_for_function(
        "[...document.querySelectorAll('#plots img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    page.evaluate("document.getElementById('overlay-video').pause()")
    page.screenshot(path=str(screenshot_dir / "result.png"), full_page=True)

    # the person's page lists the session and charts it
    person_id = api["person_id"]
    page.goto(f"{server.url}/person.html?id={person_id}")
    page.wait_for_selector("#history-chart path.series[data-exercise='squat']", state="attached")
    assert page.locator("#sessions tr").count() == 1
    page.screenshot(path=str(screenshot_dir / "person.png"))
    page.close()


def test_live_page_draws_skeleton_and_counts(server, browser, uploaded, screenshot_dir):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server.url}/live.html?reference={uploaded['reference_id']}")
    page.wait_for_selector(
        f"#reference option[value='{uploaded['reference_id']}']", state="attached"
    )
    page.click("#start")
    page.wait_for_function("window.liveStats.skeletonsDrawn > 5", timeout=60_000)
    page.wait_for_function("window.liveStats.ghostsDrawn > 5", timeout=30_000)
    first = page.evaluate("window.liveStats.reps")
    page.wait_for_function(f"window.liveStats.reps > {first}", timeout=60_000)
    page.wait_for_timeout(2500)
    stats = page.evaluate("window.liveStats")
    page.screenshot(path=str(screenshot_dir / "live.png"))
    print(f"live: {stats['ups']:.1f} updates/s over the last 2 s, {stats['updates']} updates")
    assert stats["errors"] == []
    page.click("#stop")
    page.close()


def test_choose_the_person_by_clicking_them(
    server, browser, uploaded, sample_videos, screenshot_dir
):
    """multi/cam03 at full size (the people finder needs the pixels: downscaled clips lose
    the woman standing behind): both people get a numbered box on the frame; clicking the
    woman (person 2) makes the compare job follow her, and the result page says so."""
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(f"{server.url}/compare.html?reference={uploaded['reference_id']}")
    page.wait_for_selector(
        f"#reference option[value='{uploaded['reference_id']}']", state="attached"
    )
    page.set_input_files("#video", str(sample_videos["multi/cam03"]))
    page.click("#find-people")
    page.wait_for_selector("#people-stage .person-box[data-id='2']", timeout=90_000)
    assert page.locator("#people-stage .person-box").count() == 2
    assert page.inner_text("#people-status").startswith("2 people found")
    page.wait_for_function("document.getElementById('people-frame').naturalWidth > 0")
    page.click("#people-stage .person-box[data-id='2']")
    assert page.inner_text("#subject-text").startswith("person 2 (")
    assert page.get_attribute("#people-stage .person-box[data-id='2']", "class").endswith("chosen")
    page.screenshot(path=str(screenshot_dir / "choose_person.png"))
    page.click("#compare-button")
    page.wait_for_url(re.compile(r"result\.html\?id=\d+"), timeout=180_000)
    page.wait_for_function("document.getElementById('subject-line').textContent !== ''")
    line = page.inner_text("#subject-line")
    assert line.startswith("followed: person 2 of 2 (box "), line
    result_id = int(page.url.rsplit("=", 1)[1])
    api = page.request.get(f"{server.url}/api/results/{result_id}").json()
    assert api["data"]["attempt"]["subject"]["person"] == 2
    page.close()
