"""The Blender add-on, headless: install its zip, score an edit built from synthesised clips, regenerate
the shot under the playhead, and report failures in one line.

Runs with a Python that has Blender as a module (bpy 4.5, which needs numpy < 2 and so lives in a
venv of its own: .venv-blender, made by installer/setup.sh; or $BGM_BLENDER_PYTHON). The add-on runs
this checkout's bgm-studio command with a tiny model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.video_clips import ShotSpec, make_clip

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "bgm_studio" / "integrations" / "blender" / "build.py"


def blender_python() -> str | None:
    candidates = [os.environ.get("BGM_BLENDER_PYTHON"), str(ROOT / ".venv-blender" / "bin" / "python")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


pytestmark = pytest.mark.skipif(
    blender_python() is None,
    reason="no Python with bpy (.venv-blender or $BGM_BLENDER_PYTHON); installer/setup.sh makes one",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from bgm_studio.model.checkpoint import save_model
    from bgm_studio.model.denoiser import Denoiser, ModelConfig

    tmp = tmp_path_factory.mktemp("blender")
    model = tmp / "tiny.pt"
    save_model(Denoiser(ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)), model)
    clips = []
    for i, (hue, frames) in enumerate([(30, 50), (210, 30), (120, 50)]):
        path = tmp / f"clip{i}.mp4"
        make_clip(path, [ShotSpec(seconds=2.4, hue=hue, motion=0.3 * i, seed=i)], fps=25.0)
        clips.append((str(path), frames))
    zip_path = tmp / "bgm_studio_vse.zip"
    subprocess.run([sys.executable, str(BUILD), str(zip_path)], check=True, capture_output=True)
    config = tmp / "config.json"
    out = tmp / "out.json"
    config.write_text(
        json.dumps(
            {
                "clips": clips,
                "zip": str(zip_path),
                "out": str(out),
                "command": str(Path(sys.executable).with_name("bgm-studio")),
            }
        )
    )
    env = {
        **os.environ,
        "BGM_MODEL": str(model),
        "BGM_CACHE": str(tmp / "cache"),
        "HOME": str(tmp / "home"),
        "BLENDER_USER_SCRIPTS": str(tmp / "scripts"),
        "TMPDIR": str(tmp),
    }
    done = subprocess.run(
        [blender_python(), str(ROOT / "tests" / "integrations" / "blender_driver.py"), str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


def test_score_the_edit_cuts_at_every_picture_strip_boundary(run):
    score = run["score"]
    assert score["result"] == ["FINISHED"] and score["report"][1].startswith("scored 5 shots")
    project = json.loads(Path(run["project"]).read_text())
    # clips end at frames 50 and 80; the title on channel 2 covers 90-110 (from the scene's first frame)
    assert [s["start_s"] for s in project["shots"]] == [0.0, 2.0, 3.2, 3.6, 4.4]
    assert project["video"]["duration_s"] == pytest.approx(5.2, abs=1e-3)
    assert score["markers"] == [
        [1, "BGM shot 0"],
        [51, "BGM shot 1"],
        [81, "BGM shot 2"],
        [91, "BGM shot 3"],
        [111, "BGM shot 4"],
    ]
    (sound,) = score["sounds"]
    assert sound["name"] == "BGM Studio music" and sound["start"] == 1 and sound["channel"] == 3
    assert Path(sound["path"]).is_file()
    assert run["render_filepath"] != str(Path(sound["path"]).with_name("edit_proxy.mp4"))  # settings put back


def test_regenerate_replaces_the_sound_strip_in_place(run):
    regen = run["regenerate"]
    assert regen["result"] == ["FINISHED"] and regen["report"][1] == "shot 1: new music (take 1)"
    (before,), (after,) = run["score"]["sounds"], regen["sounds"]
    assert (after["channel"], after["start"], after["name"]) == (before["channel"], before["start"], before["name"])
    assert after["path"] != before["path"] and Path(after["path"]).is_file()
    project = json.loads(Path(run["project"]).read_text())
    assert [len(s["takes"]) for s in project["shots"]] == [1, 2, 1, 1, 1]
    assert regen["markers"] == run["score"]["markers"]


def test_failures_are_one_line_reports(run):
    missing = run["missing_command"]
    line = "cannot run /nonexistent/bgm-studio (No such file or directory)"
    assert missing["report"] == ["ERROR", line]
    assert missing["result"] == ["CANCELLED", f"raised: Error: {line}"]  # a script sees the report as an error
    bad = run["bad_model"]  # bgm-studio's own one-line error comes through
    assert bad["report"][0] == "ERROR" and "\n" not in bad["report"][1] and "Traceback" not in bad["report"][1]
    assert bad["report"][1].startswith("error: ") and "bgm_studio_vse.zip" in bad["report"][1]
    assert bad["sounds"] == missing["sounds"] and bad["markers"] == missing["markers"]  # nothing replaced
