"""The bundled demo clip analyses into the shots it was made with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bgm_studio.video.analysis import analyze_video

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def test_demo_clip_shots_match_how_it_was_made():
    truth = json.loads((DEMO / "demo_clip_cuts.json").read_text())
    analysis = analyze_video(DEMO / "demo_clip.mp4", use_cache=False)
    assert analysis.cut_times == pytest.approx(truth["cuts_s"], abs=2 / 25)
    assert [s.transition for s in analysis.shot_features[1:]] == truth["transitions"]
    motion = [s.motion for s in analysis.shot_features]
    assert motion[1] > 5 * motion[0] and motion[1] > 5 * motion[2]  # the fast shot against the calm ones
    assert analysis.shot_features[2].brightness < 0.2  # the dark scene
