import numpy as np
import pytest

from bgm_studio.controls.timing import TimingConfig, pace_tempo, plan_beats
from bgm_studio.errors import BgmError


def bounds(cuts, end):
    b = [0.0, *cuts, end]
    return list(zip(b[:-1], b[1:]))


def test_cuts_fall_on_beats_and_music_ends_with_video():
    rng = np.random.default_rng(0)
    within = []
    for _ in range(20):
        cuts = np.sort(rng.uniform(1.5, 58.5, 10))
        cuts = cuts[np.diff(np.concatenate([[0], cuts])) > 1.0]
        plan = plan_beats(bounds(list(cuts), 60.0))
        assert 70 <= plan.tempo_bpm <= 140
        times = plan.beat_times()
        assert times[-1] == pytest.approx(60.0)
        err = [np.min(np.abs(times - c)) for c in cuts]
        within += [e <= 0.060 for e in err]
        stretch = np.abs(np.array(plan.shot_tempi[:-1]) / plan.tempo_bpm - 1)
        assert stretch.max() <= TimingConfig().max_stretch + 1e-9
    assert np.mean(within) >= 0.9


def test_regular_cuts_get_their_own_tempo_and_bar_lines():
    # a cut every 2.4 s is 4 beats at 100 BPM: exact, on bar lines
    plan = plan_beats(bounds([2.4 * k for k in range(1, 10)], 24.0), pace=0.45)
    assert plan.drift_ms == pytest.approx([0.0] * 9, abs=1e-6)
    assert all(n % 4 == 0 for n in plan.shot_beats)


def test_pace_and_forced_tempo():
    assert pace_tempo(0.0) < pace_tempo(1.0)
    plan = plan_beats(bounds([5.0], 10.0), tempo_bpm=90.0)
    assert plan.tempo_bpm == 90.0
    with pytest.raises(BgmError, match="out of range"):
        plan_beats(bounds([5.0], 10.0), tempo_bpm=500)
    with pytest.raises(BgmError):
        plan_beats([])
