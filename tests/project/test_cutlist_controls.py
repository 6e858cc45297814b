"""A cut list measures only each shot's opening (video.analysis.CUTLIST_MEASURE_S): the music's controls
stay close to those of whole shots measured with detection, on the demo clip's real footage."""

from pathlib import Path

import numpy as np

from bgm_studio.project.scoring import Scorer, ScoringOptions, piece_controls
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.cutlist import CutList

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo_clip.mp4"


def test_cut_list_controls_stay_close_to_those_of_whole_shots(tiny_model):
    detected = analyze_video(DEMO, use_cache=False)
    given = CutList(detected.shots, tuple(s.transition for s in detected.shot_features), detected.info.fps, ())
    from_list = analyze_video(DEMO, use_cache=False, cuts=given)
    scorer = Scorer(str(tiny_model))
    whole, opening = (scorer.plan(a, ScoringOptions(seed=0)) for a in (detected, from_list))
    assert opening.tempo_bpm == whole.tempo_bpm and opening.key_tonic == whole.key_tonic
    assert [s.n_beats for s in opening.shots] == [s.n_beats for s in whole.shots]
    assert [s.theme for s in opening.shots] == [s.theme for s in whole.shots]
    a, b = (piece_controls(p, scorer.quantiles) for p in (whole, opening))
    assert np.array_equal(a.minor, b.minor) and np.array_equal(a.segment_start, b.segment_start)
    assert np.abs(a.energy - b.energy).mean() < 0.03  # on 0..1 (the demo spans 0.57-0.75)
    assert np.abs(a.register - b.register).mean() < 0.5  # semitones
    assert np.abs(a.density - b.density).mean() < 2.5  # onsets per bar (the demo spans 14-27)
    assert np.corrcoef(a.density, b.density)[0, 1] > 0.8
