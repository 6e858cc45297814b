"""Features: the numbers move the way the synthetic shots were made to move and look."""

from __future__ import annotations

import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.config import AnalysisConfig
from bgm_studio.video.encoders import DescriptorEncoder, make_encoder
from bgm_studio.video.features import FeatureSeries, cut_density


@pytest.fixture(scope="module")
def analysis(cut_clip):
    return analyze_video(cut_clip[0], use_cache=False)


def test_series_is_sampled_at_the_configured_rate(analysis):
    series = analysis.series
    assert len(series.t_s) == pytest.approx(11.0 * 10, abs=3)
    assert np.all(np.diff(series.t_s) > 0)
    for name in FeatureSeries.names():
        values = getattr(series, name)
        assert values.shape == series.t_s.shape and np.all(np.isfinite(values)), name


def test_motion_is_highest_in_the_fast_shot_and_near_zero_in_the_still_one(analysis):
    motion = [s.motion for s in analysis.shot_features]
    assert motion[0] < 0.01
    assert motion[2] == max(motion) and motion[2] > 10 * max(motion[0], 0.01)
    assert motion[1] > 5 * motion[0]  # the camera pan moves too
    assert analysis.shot_features[2].frame_diff > analysis.shot_features[0].frame_diff


def test_motion_is_not_spiked_by_the_cuts(analysis):
    series = analysis.series
    fast_peak = max(s.motion for s in analysis.shot_features) * 3
    assert series.motion.max() < fast_peak


def test_look_features_follow_the_shots(analysis):
    shots = analysis.shot_features
    bright = [s.brightness for s in shots]
    assert np.argsort(bright)[0] == 3 and np.argsort(bright)[-1] == 0  # the dark shot and the bright one
    assert shots[0].warmth > 0.5 and shots[1].warmth < -0.5  # orange vs blue
    assert shots[3].saturation < shots[0].saturation  # the washed-out shot
    assert shots[3].colourfulness < shots[0].colourfulness
    assert all(0 <= s.contrast <= 0.5 and 0 <= s.saturation <= 1 for s in shots)


def test_cut_density_counts_cuts_per_minute():
    t = np.array([0.0, 5.0, 10.0])
    density = cut_density(t, np.array([4.0, 6.0]), 10.0, window_s=10.0)
    assert density[1] == pytest.approx(2 * 60 / 10)
    assert density[0] == pytest.approx(1 * 60 / 5)  # the window is cut short at the start


def test_series_resamples_at_beat_times(analysis):
    beats = np.arange(0.0, 11.0, 0.5)
    values = analysis.series.at(beats)
    assert set(values) == set(FeatureSeries.names()) and values["motion"].shape == beats.shape
    shot = analysis.shots[2]
    assert analysis.series.mean_between(shot.start_s, shot.end_s)["motion"] == pytest.approx(
        analysis.shot_features[2].motion
    )


def test_shot_embeddings_are_unit_vectors_that_tell_shots_apart(analysis):
    vectors = np.stack([s.embedding for s in analysis.shot_features])
    assert vectors.shape == (5, DescriptorEncoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similarity = vectors @ vectors.T
    assert similarity[np.triu_indices(5, 1)].max() < 0.99


def test_descriptor_is_stable_for_similar_pictures_and_differs_for_others():
    rng = np.random.default_rng(0)
    base = np.zeros((72, 128, 3), np.uint8)
    base[..., 0] = 200
    noisy = np.clip(base + rng.integers(-5, 6, base.shape), 0, 255).astype(np.uint8)
    stripes = np.zeros_like(base)
    stripes[:, ::4, 2] = 255
    a, b, c = DescriptorEncoder().encode([base, noisy, stripes])
    assert a @ b > 0.95 and a @ c < 0.8


def test_clip_encoder_needs_a_configured_local_file(tmp_path):
    with pytest.raises(BgmError, match="no weights configured"):
        make_encoder(AnalysisConfig(encoder="clip"))
    with pytest.raises(BgmError, match="no such CLIP weights file"):
        make_encoder(AnalysisConfig(encoder="clip", clip_weights=str(tmp_path / "missing.pt")))
    with pytest.raises(BgmError, match="unknown semantic encoder"):
        make_encoder(AnalysisConfig(encoder="nope"))
