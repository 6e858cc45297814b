"""Shot detection against known cut times, and the detector on hand-made signals."""

from __future__ import annotations

import numpy as np
import pytest

from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.config import AnalysisConfig
from bgm_studio.video.shots import CutSignals, Shot, SpanSignals, detect_transitions, shots_from_transitions
from tests.media import ffmpeg
from tests.video_clips import ShotSpec, make_clip, make_held_clip, make_slideshow

FRAME = 1 / 25.0
LOOKS = [("gradient", 30.0), ("texture", 210.0), ("gradient", 100.0), ("texture", 300.0)]


def _assert_matches(found: list[float], truth: list[float]) -> None:
    assert len(found) == len(truth), (found, truth)
    assert np.all(np.abs(np.array(found) - np.array(truth)) <= 2 * FRAME + 1e-6), (found, truth)


@pytest.mark.parametrize("fast_decode", [True, False])
def test_hard_cuts_found_within_two_frames(cut_clip, fast_decode):
    path, truth = cut_clip
    analysis = analyze_video(path, AnalysisConfig(fast_decode=fast_decode), use_cache=False)
    _assert_matches(analysis.cut_times, truth)
    assert [s.transition for s in analysis.shot_features] == ["start"] + ["cut"] * 4


def test_dissolves_and_fades_found_within_two_frames(gradual_clip):
    path, truth = gradual_clip
    analysis = analyze_video(path, use_cache=False)
    _assert_matches(analysis.cut_times, truth)
    assert [s.transition for s in analysis.shot_features] == ["start", "dissolve", "fade", "dissolve", "fade"]


def test_shots_cover_the_whole_video_without_gaps(gradual_clip):
    analysis = analyze_video(gradual_clip[0], use_cache=False)
    shots = analysis.shots
    assert shots[0].start_s == 0.0 and shots[-1].end_s == pytest.approx(11.0, abs=1e-6)
    assert all(a.end_s == b.start_s for a, b in zip(shots, shots[1:]))
    assert [s.index for s in shots] == list(range(len(shots)))


@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.0])
def test_short_and_long_dissolves_found_at_their_middle(tmp_path, seconds):
    path = tmp_path / "dissolves.mp4"
    looks = [
        (214, "texture", 0.46, 0.2, 0.0),
        (82, "texture", 0.55, 0.0, 0.0),
        (300, "gradient", 0.4, 0.6, 1.0),
        (21, "texture", 0.43, 0.2, 0.0),
    ]  # the third shot moves fast: it once pulled a 2-s dissolve 0.5 s off
    specs = [
        ShotSpec(seconds=3.0, hue=h, look=look, brightness=b, pan=pan, motion=motion, seed=i)
        for i, (h, look, b, pan, motion) in enumerate(looks)
    ]
    truth = make_clip(path, specs, transition="dissolve", transition_s=seconds)
    analysis = analyze_video(path, use_cache=False)
    _assert_matches(analysis.cut_times, truth)
    assert [s.transition for s in analysis.shot_features] == ["start"] + ["dissolve"] * 3


def _montage(n: int, shortest_s: float, longest_s: float, seed: int, grain: float = 0.0) -> list[ShotSpec]:
    """n short shots of random look and pace, as a fast edit cuts them."""
    rng = np.random.default_rng(seed)
    return [
        ShotSpec(
            seconds=float(rng.uniform(shortest_s, longest_s)),
            look=str(rng.choice(["gradient", "texture"])),
            hue=float(rng.uniform(0, 360)),
            brightness=float(rng.uniform(0.2, 0.8)),
            saturation=float(rng.uniform(0.2, 0.8)),
            pan=float(rng.choice([0.0, 0.3, 1.0])),
            motion=float(rng.choice([0.0, 0.5, 1.5])),
            seed=k,
            grain=grain,
        )
        for k in range(n)
    ]


@pytest.mark.parametrize(
    ("shortest_s", "longest_s", "fps", "grain"), [(0.52, 0.8, 25.0, 0.0), (0.4, 0.6, 24.0, 0.0), (0.4, 0.7, 30.0, 0.08)]
)
def test_every_cut_of_a_fast_montage_is_found(tmp_path, shortest_s, longest_s, fps, grain):
    path = tmp_path / "montage.mp4"
    truth = make_clip(path, _montage(16, shortest_s, longest_s, seed=2, grain=grain), fps=fps)
    found = analyze_video(path, use_cache=False).cut_times
    assert len(found) == len(truth), (found, truth)
    assert np.all(np.abs(np.array(found) - truth) <= 2 / fps + 1e-6), (found, truth)


def test_flashes_are_no_cuts_and_hide_no_cut(tmp_path):
    path = tmp_path / "flashes.mp4"
    shots = [
        ShotSpec(seconds=2.0, look="texture", hue=200, motion=0.5, seed=1),
        ShotSpec(seconds=2.0, motion=0.5, seed=2),
    ]
    flashes = {0.6: [1.0, 0.7, 0.4, 0.2, 0.1], 1.3: [0.9, 1.0, 0.5], 2.5: [1.0]}  # dying away, two frames, one frame
    truth = make_clip(path, shots, flashes=flashes)
    _assert_matches(analyze_video(path, use_cache=False).cut_times, truth)


def test_camera_pan_and_fast_motion_are_not_cuts(tmp_path):
    path = tmp_path / "motion.mp4"
    make_clip(path, [ShotSpec(seconds=4.0, look="texture", pan=1.0, motion=2.0, shapes=8)])
    assert analyze_video(path, use_cache=False).cut_times == []


def test_mixed_transitions_with_variable_frame_rate(tmp_path):
    path = tmp_path / "mixed.mp4"
    specs = [
        ShotSpec(seconds=2.5, hue=h, look=look, pan=0.2, seed=i)
        for i, (h, look) in enumerate([(20, "gradient"), (200, "texture"), (100, "gradient"), (300, "texture")])
    ]
    truth = make_clip(path, specs, transition=["cut", "dissolve", "fade"], vfr=True)
    _assert_matches(analyze_video(path, use_cache=False).cut_times, truth)


def _signals(
    step: np.ndarray,
    luma: np.ndarray | None = None,
    back: np.ndarray | None = None,
    ahead: np.ndarray | None = None,
    span: float = 0.0,
) -> CutSignals:
    """Signals of frames at 25 fps; `span`: the change every gradual span sees."""
    n = len(step)
    t = np.arange(n) * FRAME
    luma = np.full(n, 0.5) if luma is None else luma
    full = [t[t >= s] for s in AnalysisConfig().gradual_spans_s]  # as the tracker: no span before a full one
    spans = tuple(
        SpanSignals(s, f - s / 2, np.full(len(f), span), np.ones(len(f)))
        for s, f in zip(AnalysisConfig().gradual_spans_s, full)
    )
    back, ahead = (np.ones(n) if a is None else a for a in (back, ahead))
    return CutSignals(t, step, back, ahead, luma, np.where(luma < 0.1, 0.01, 0.2), spans)


def test_a_single_flash_frame_is_not_a_cut():
    step = np.full(100, 0.02)
    step[50], step[51] = 0.6, 0.6
    back, ahead = np.ones(100), np.ones(100)
    ahead[50] = back[51] = 0.03  # the frame after the flash looks like the one before it
    assert detect_transitions(_signals(step, back=back, ahead=ahead), 25.0, AnalysisConfig()) == []
    assert [round(t.t_s, 2) for t in detect_transitions(_signals(step), 25.0, AnalysisConfig())] == [2.0]


def test_cuts_between_shots_shorter_than_a_span_are_found():
    """Every 1-s span reaches from one short shot into another, unrelated one, so it sees more change
    than a weaker cut brings: that is no dissolve once the stronger cuts beside it are known. Two
    other cuts within half a second are no frame-change level of a shot either."""
    step = np.full(200, 0.02)
    step[10::10] = 0.35  # a cut every 0.4 s ...
    step[10::20] = 0.5  # ... every other one strong enough to stand out on its own
    found = detect_transitions(_signals(step, span=0.9), 25.0, AnalysisConfig())
    assert [round(t.t_s, 2) for t in found] == [round(0.4 * k, 2) for k in range(1, 20)]


def test_jumps_inside_a_dissolve_are_no_cuts_and_free_no_cut():
    step = np.full(200, 0.02)
    step[100] = 0.3  # a jump inside a 2-s dissolve whose whole change (0.9) every span sees
    assert detect_transitions(_signals(step, span=0.9), 25.0, AnalysisConfig()) == []
    step[[88, 112]] = 0.3  # jumps either side, that would leave out every span across the middle one
    assert detect_transitions(_signals(step, span=0.9), 25.0, AnalysisConfig()) == []


def test_cuts_closer_than_min_shot_length_keep_the_strongest():
    step = np.full(200, 0.02)
    step[[60, 66, 140]] = [0.5, 0.9, 0.7]
    found = detect_transitions(_signals(step), 25.0, AnalysisConfig(min_shot_s=0.5))
    assert [round(t.t_s, 2) for t in found] == [2.64, 5.6]


def test_black_at_the_start_is_no_cut_but_black_between_shots_is():
    luma = np.full(200, 0.5)
    luma[:10] = 0.0
    luma[95:105] = 0.01 + np.abs(np.arange(10) - 4.5) * 0.005
    found = detect_transitions(_signals(np.full(200, 0.02), luma), 25.0, AnalysisConfig())
    assert [(t.kind, round(t.t_s, 2)) for t in found] == [("fade", 3.96)]


def test_shots_from_transitions_tile_the_duration():
    assert shots_from_transitions([], 3.0) == [Shot(0, 0.0, 3.0)]


def test_portrait_video_cut(tmp_path):
    path = tmp_path / "portrait.mp4"
    truth = make_clip(
        path, [ShotSpec(seconds=1.6, hue=30), ShotSpec(seconds=1.6, hue=220, look="texture")], size=(180, 320)
    )
    analysis = analyze_video(path, use_cache=False)
    assert (analysis.info.width, analysis.info.height) == (180, 320)
    _assert_matches(analysis.cut_times, truth)


def test_a_timelapse_of_one_frame_a_second_is_analysed(tmp_path):
    """Frames a whole span apart leave a possible dissolve with one level beside it, above the change
    there: its centre stays where it was found, instead of flying off to where no frame is."""
    path = tmp_path / "timelapse.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=1:duration=8", "-pix_fmt", "yuv420p", str(path))
    analysis = analyze_video(path, use_cache=False)
    assert analysis.shots[0].start_s == 0.0 and analysis.shots[-1].end_s == pytest.approx(8.0)
    assert all(0.0 < t < 8.0 for t in analysis.cut_times)


@pytest.mark.parametrize("held_s", [3.0, 2.0])
def test_a_slideshow_at_a_low_frame_rate_cuts_at_every_still(tmp_path, held_s):
    """Stills of one frame each, at 1/3 and 1/2 fps, with frames no other depends on (which fast
    decoding skipped): each still is a shot, the last one too. It was one shot, or two."""
    path = tmp_path / "slideshow.mp4"
    truth = make_slideshow(path, [held_s] * 7, "bframes=2:b-adapt=0:b-pyramid=none")
    analysis = analyze_video(path, use_cache=False)
    assert analysis.cut_times == pytest.approx(truth)
    assert [s.transition for s in analysis.shot_features] == ["start"] + ["cut"] * 6


def test_a_variable_rate_slideshow_cuts_where_each_still_begins(tmp_path):
    path = tmp_path / "slideshow.mp4"
    truth = make_slideshow(path, [2.0, 5.0, 3.0, 6.0, 4.0], "bframes=2:b-adapt=0:b-pyramid=none")
    assert analyze_video(path, use_cache=False).cut_times == pytest.approx(truth)


def test_a_screen_recording_cuts_after_a_still_held_without_frames(tmp_path):
    """Frames at 30 fps while the picture moves, none for the 4 s it holds still: the next picture is a cut,
    at its first frame, not lost against 4 s worth of the motion after it."""
    path = tmp_path / "recording.mp4"
    shots = [ShotSpec(5.0, look, hue, motion=0.4, shapes=2, seed=i) for i, (look, hue) in enumerate(LOOKS)]
    truth = make_held_clip(path, shots)
    assert analyze_video(path, use_cache=False).cut_times == pytest.approx(truth)


@pytest.mark.parametrize("fps", [1.0, 2.0])
def test_a_timelapse_has_no_hard_cut(tmp_path, fps):
    """Frames of a timelapse are far apart but alike: none of them is a cut, though no frames near it show
    how much the picture changes within a shot. A 1 fps timelapse once fell into four shots, its frame
    changes compared with those of frames seconds away."""
    path = tmp_path / "timelapse.mp4"
    make_clip(path, [ShotSpec(seconds=20, look="texture", pan=0.05, motion=0.05, seed=3)], fps=fps)
    assert "cut" not in [s.transition for s in analyze_video(path, use_cache=False).shot_features]
