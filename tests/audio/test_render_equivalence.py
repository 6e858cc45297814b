"""The stems render (part synths on every core, chorus only where a part sends to it, release tails ended
50 dB down) against the render it replaced (each part on a one-core synth, the chorus on in every part
when any part sends to it, every voice kept to the end of its envelope): per-part RMS, spectral centroid
and the samples themselves agree."""

from __future__ import annotations

import numpy as np
import pytest

from bgm_studio.audio.render import RenderConfig, dc_blocker, fade_out, render_stems
from bgm_studio.audio.synth import Performance, Synth, SynthConfig
from bgm_studio.music.arrangement import Arrangement, arrange
from bgm_studio.music.notes import MELODY, STEPS_PER_BAR, Note, Score
from bgm_studio.music.pop909 import load_song

SR = 44100
DURATION_S = 8.0


@pytest.fixture(scope="module")
def piece(pop909_root) -> Score:
    """Four bars of POP909 song 003 from its first melody note: melody, chords and bass all sound."""
    score = load_song(pop909_root / "003").score()
    first = min(n.start for n in score.notes if n.track == MELODY) // STEPS_PER_BAR * STEPS_PER_BAR
    end = first + 4 * STEPS_PER_BAR
    notes = [
        Note(n.start - first, n.pitch, min(n.length, end - n.start), n.velocity, n.track)
        for n in score.notes
        if first <= n.start < end
    ]
    return Score(notes, 4 * STEPS_PER_BAR, score.tempo_bpm)


def previous_stems(score: Score, config: RenderConfig) -> np.ndarray:
    """The earlier render_stems: one synth per part, chorus on wherever any part uses it."""
    frames = round(DURATION_S * SR)
    stems = np.zeros((3, frames, 2), np.float32)
    chorus = any(c.chorus > 0 for c in score.sound_changes)
    for track in range(3):
        synth = Synth(SynthConfig(), SR, lazy_samples=True)
        performance = Performance(synth, score, tracks={track})
        synth.set_chorus(chorus)
        performance.render_into(stems[track])
        synth.close()
        dc_blocker(SR)(stems[track])  # both take the DC out alike
        fade_out(stems[track], int(config.fade_s * SR))
    return stems


def rms_db(audio: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(audio.astype(np.float64) ** 2)))


def centroid_hz(audio: np.ndarray) -> float:
    """Spectral centroid of the stem's mono sum: where its energy sits, what an ear hears as brightness."""
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64).mean(axis=1)))
    return float(np.sum(np.fft.rfftfreq(len(audio), 1 / SR) * spectrum) / np.sum(spectrum))


@pytest.mark.parametrize("preset", ["ambient", "epiano-bass"])  # pads on every part; chorus on two parts of three
def test_stems_sound_as_the_previous_render(piece, preset):
    score = arrange(piece, Arrangement(preset))
    config = RenderConfig()
    new = render_stems(score, SynthConfig(), config, duration_s=DURATION_S)
    old = previous_stems(score, config)
    for part_new, part_old in zip(new, old):
        assert rms_db(part_old) > -45  # every part sounds
        assert rms_db(part_new) == pytest.approx(rms_db(part_old), abs=0.05)
        assert centroid_hz(part_new) == pytest.approx(centroid_hz(part_old), rel=0.005)
        assert rms_db(part_new - part_old) < rms_db(part_old) - 50  # the same samples, but for tails below 50 dB
