"""Offline render: length, level, fade, timing, spans, cancel."""

from __future__ import annotations

import numpy as np
import pytest

from bgm_studio.audio.render import RenderConfig, fade_out, normalise_peak, peak_dbfs, render
from bgm_studio.audio.synth import SynthConfig
from bgm_studio.errors import BgmError
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, STEPS_PER_BAR, Note, Score
from tests.media import rms

SR = 44100


def test_pop909_excerpt_renders_loud_enough_and_at_the_right_length(excerpt):
    audio = render(excerpt)
    expected_s = excerpt.n_steps * excerpt.seconds_per_step() + RenderConfig().tail_s
    assert audio.dtype == np.float32 and audio.shape == (round(expected_s * SR), 2)
    assert peak_dbfs(audio) == pytest.approx(-1.0, abs=0.01)
    bar_s = STEPS_PER_BAR * excerpt.seconds_per_step()
    for bar in range(4):  # every bar of the excerpt is audible
        assert rms(audio, SR, bar * bar_s, (bar + 1) * bar_s) > 0.01


def test_notes_are_heard_at_their_times(staccato):
    audio = render(staccato, SynthConfig(reverb=False))
    sps = staccato.seconds_per_step()
    for note in staccato.notes:
        t = note.start * sps
        before, after = rms(audio, SR, t - 0.03, t - 0.002), rms(audio, SR, t + 0.002, t + 0.03)
        assert after > 4 * before, f"no onset at {t:.3f} s"


@pytest.mark.parametrize("duration_s", [1.0, 2.345678, 9.0])
def test_duration_pads_or_trims_exactly_and_fades_out(staccato, duration_s):
    config = RenderConfig(sample_rate=48000, fade_s=0.5)
    audio = render(staccato, config=config, duration_s=duration_s)
    assert len(audio) == round(duration_s * 48000)
    assert np.abs(audio[-10:]).max() < 1e-3
    assert np.abs(audio).max() <= 10 ** (-1 / 20) + 1e-6


def test_headroom_is_settable_and_never_clips(excerpt):
    audio = render(excerpt, SynthConfig(gain=5.0), RenderConfig(headroom_db=-6.0))
    assert peak_dbfs(audio) == pytest.approx(-6.0, abs=0.01)


def test_a_span_is_the_same_audio_as_that_part_of_the_whole():
    score = Score([Note(8, 60, 2, 100, MELODY), Note(12, 64, 4, 90, ACCOMPANIMENT)], 24, 120.0)  # 1.0 s, 1.5 s
    flat = RenderConfig(headroom_db=0.0, fade_s=0.0)
    whole = render(score, SynthConfig(reverb=False), flat, duration_s=3.0)
    span = render(score, SynthConfig(reverb=False), flat, start_s=0.9, duration_s=2.1)
    np.testing.assert_allclose(span, whole[int(0.9 * SR) :], atol=1e-6)


def test_an_empty_score_renders_silence():
    audio = render(Score([], 16, 120.0), duration_s=1.0)
    assert audio.shape == (SR, 2) and peak_dbfs(audio) < -120


def test_progress_is_reported_and_cancel_stops(staccato):
    calls = []
    render(staccato, progress=lambda done, total, label: calls.append((done, total, label)))
    assert calls[-1][0] == calls[-1][1] and calls[-1][2] == "rendering music"
    with pytest.raises(BgmError, match="cancelled"):
        render(staccato, cancel=lambda: True)


def test_bad_settings_are_refused(staccato):
    with pytest.raises(BgmError, match="22050"):
        render(staccato, config=RenderConfig(sample_rate=22050))
    with pytest.raises(BgmError, match="clip"):
        render(staccato, config=RenderConfig(headroom_db=3.0))
    with pytest.raises(BgmError, match="must be positive"):
        render(staccato, duration_s=0.0)


def test_fade_and_normalise_helpers():
    audio = np.ones((100, 2), np.float32)
    fade_out(audio, 10)
    assert audio[89, 0] == 1.0 and audio[-1, 0] == 0.0 and np.all(np.diff(audio[90:, 0]) <= 0)
    assert peak_dbfs(normalise_peak(audio, -3.0)) == pytest.approx(-3.0, abs=1e-4)


def test_reading_samples_lazily_renders_the_same_audio(excerpt, monkeypatch):
    """Offline renders read only the samples the notes play; the audio is bit for bit the same."""
    import sys

    from bgm_studio.audio.synth import Synth

    render_module = sys.modules[render.__module__]  # the package re-exports the function under the module's name

    lazy = render(excerpt)
    monkeypatch.setattr(render_module, "Synth", lambda config, sr, lazy_samples: Synth(config, sr))
    assert np.array_equal(render(excerpt), lazy)


def test_a_preset_change_at_a_cut_neither_cuts_nor_clicks():
    """A note held across the cut rings on with its old instrument (only the new channel volume applies,
    as MIDI volume does to sounding notes); the next note has the new instrument."""
    import numpy as np

    from bgm_studio.audio.render import render_stems
    from bgm_studio.music.arrangement import Arrangement, arrange
    from bgm_studio.music.notes import MELODY, Note, Score

    score = Score([Note(0, 67, 32, 90, MELODY), Note(32, 72, 8, 90, MELODY)], 48, 120.0, segment_starts=[16])
    arrangement = Arrangement("solo-piano").with_shot_preset(1, "ambient")

    def melody_of(arrangement):
        return render_stems(
            arrange(score, arrangement), SynthConfig(reverb=False), RenderConfig(fade_s=0.0), duration_s=6.0
        )[0, :, 0]

    melody, piano, flute = (melody_of(a) for a in (arrangement, Arrangement(), Arrangement("ambient")))
    sr, cut = 44100, 88200  # the cut at step 16 = 2.0 s

    def step_db(audio) -> float:  # level just after the cut against just before it
        level = lambda a, b: np.sqrt(np.mean(audio[a:b] ** 2))  # noqa: E731
        return float(20 * np.log10(level(cut + 441, cut + 2646) / level(cut - 2205, cut)))

    volume_step_db = 40 * np.log10(85 / 100)  # GM volume curve: solo-piano melody 100 -> ambient melody 85
    assert step_db(melody) - step_db(piano) == pytest.approx(volume_step_db, abs=1.0)  # the piano rings on
    steps = np.abs(np.diff(melody))
    assert steps[cut - 256 : cut + 256].max() <= 1.5 * steps[sr : cut - 512].max()  # and no click
    late = slice(int(4.6 * sr), int(4.95 * sr))  # the note after the cut, once the piano has died away
    assert np.abs(melody[late] - flute[late]).max() < 0.01 * np.abs(flute[late]).max()  # the ambient flute


def test_no_dc_or_subsonics_in_a_rendered_part():
    """FluidR3's warm pad (GM 89) plays off zero (+0.05 on a chord): the render takes that out, the music stays."""
    from bgm_studio.audio.render import render_stems

    chords = [Note(s, p, 8, 90, ACCOMPANIMENT) for s in range(0, 64, 8) for p in (60, 64, 67)]
    pad = render_stems(Score(chords, 64, 120.0), SynthConfig(programs=(0, 89, 0)), duration_s=8.0)[1]
    spectrum = np.abs(np.fft.rfft(pad.astype(np.float64), axis=0)) ** 2
    freqs = np.fft.rfftfreq(len(pad), 1 / SR)
    assert np.abs(pad.mean(axis=0)).max() < 1e-3 * np.sqrt(np.mean(pad**2))
    assert spectrum[freqs < 20].sum() < 0.01 * spectrum.sum()
    assert rms(pad, SR, 1.0, 7.0) > 0.01  # the chords themselves are there
