import numpy as np
import pytest

from bgm_studio.controls.video_mapping import ControlQuantiles, ShotOverrides, map_shots, video_pace
from bgm_studio.errors import BgmError


def shot(motion, brightness=0.5, warmth=0.0, colourfulness=30.0, cut_density=10.0, contrast=0.15, start=0.0, end=4.0):
    return {
        "motion": motion,
        "brightness": brightness,
        "warmth": warmth,
        "colourfulness": colourfulness,
        "cut_density": cut_density,
        "contrast": contrast,
        "start_s": start,
        "end_s": end,
    }


@pytest.fixture(scope="module")
def quantiles():
    return ControlQuantiles.load()


def test_controls_follow_features_in_pop909_range(quantiles):
    shots = [
        shot(0.005, brightness=0.2, warmth=-0.6, colourfulness=5),
        shot(0.05),
        shot(0.4, brightness=0.8, warmth=0.6),
    ]
    c = map_shots(shots, quantiles)
    assert c[0].density < c[1].density < c[2].density
    assert c[0].energy < c[2].energy
    assert c[0].register < c[2].register
    assert c[0].minor and not c[2].minor
    lo, hi = quantiles.value("density", 0.0), quantiles.value("density", 1.0)
    assert all(lo <= x.density <= hi for x in c)
    assert lo >= np.quantile(quantiles.table["density"], 0.04)


def test_overrides_win(quantiles):
    c = map_shots(
        [shot(0.4), shot(0.01)], quantiles, [ShotOverrides(energy=0.1, mode="minor"), ShotOverrides(density=30)]
    )
    assert c[0].energy == 0.1 and c[0].minor
    assert c[1].density == 30
    with pytest.raises(BgmError, match="mode"):
        ShotOverrides(mode="dorian")
    with pytest.raises(BgmError, match="energy"):
        ShotOverrides(energy=2.0)


def test_pace_rises_with_motion_and_cuts():
    calm = [shot(0.005, start=0, end=20)]
    busy = [shot(0.3, start=i, end=i + 1) for i in range(20)]
    assert video_pace(calm) < 0.3 < 0.7 < video_pace(busy)
