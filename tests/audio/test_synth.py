"""The FluidSynth wrapper: event timing, velocities, programs, sustain pedal."""

from __future__ import annotations

import numpy as np
import pytest

from bgm_studio.audio.synth import BLOCK_FRAMES, Performance, Synth, SynthConfig
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score
from tests.media import first_sound, rms

SR = 44100
DRY = SynthConfig(reverb=False)


def play(score: Score, seconds: float, config: SynthConfig = DRY, pedal=(), start_s: float = 0.0) -> np.ndarray:
    synth = Synth(config, SR)
    try:
        performance = Performance(synth, score, pedal, start_s)
        out = np.zeros((int(seconds * SR), 2), np.float32)
        performance.render_into(out)
        return out
    finally:
        synth.close()


@pytest.mark.parametrize("step", [4, 7, 13])
def test_a_note_sounds_within_a_block_of_its_time(step):
    score = Score([Note(step, 60, 2, 100, MELODY)], 32, 100.0)  # 0.15 s steps: times off the block grid
    onset = first_sound(play(score, 2.6), SR, 0.0, threshold=1e-4)
    expected = step * score.seconds_per_step()
    half_block = BLOCK_FRAMES / 2 / SR
    assert expected - half_block <= onset <= expected + half_block + 0.001  # + the sample's attack


def test_the_same_audio_however_it_is_pulled(staccato):
    whole = play(staccato, 3.0)
    synth = Synth(DRY, SR)
    performance = Performance(synth, staccato)
    sizes = np.random.default_rng(0).integers(1, 3000, size=200)
    parts, total = [], 0
    for size in sizes:
        size = min(size, len(whole) - total)
        part = np.zeros((size, 2), np.float32)
        performance.render_into(part)
        parts.append(part)
        total += size
        if total == len(whole):
            break
    synth.close()
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert performance.position_s() == pytest.approx(3.0)


def test_velocity_is_honoured():
    loud = play(Score([Note(0, 60, 4, 120, MELODY)], 8), 0.5)
    soft = play(Score([Note(0, 60, 4, 30, MELODY)], 8), 0.5)
    assert rms(loud, SR, 0, 0.4) > 3 * rms(soft, SR, 0, 0.4)


def test_each_track_plays_its_own_program():
    score = Score([Note(0, 60, 4, 100, MELODY), Note(0, 48, 4, 100, ACCOMPANIMENT)], 8)
    piano = play(score, 0.5)
    strings = play(score, 0.5, SynthConfig(reverb=False, programs=(48, 0)))
    assert not np.allclose(piano, strings, atol=1e-3)
    only_melody_changed = play(Score([score.notes[1]], 8), 0.5, SynthConfig(reverb=False, programs=(48, 0)))
    np.testing.assert_array_equal(only_melody_changed, play(Score([score.notes[1]], 8), 0.5))


def test_sustain_pedal_holds_notes_past_their_release():
    score = Score([Note(0, 48, 1, 100, ACCOMPANIMENT)], 16)  # released after 0.125 s
    dry = play(score, 1.5)
    pedalled = play(score, 1.5, pedal=[(0, 8)])  # pedal up at 1.0 s
    assert rms(pedalled, SR, 0.6, 0.9) > 5 * rms(dry, SR, 0.6, 0.9)
    assert rms(pedalled, SR, 1.3, 1.5) < 0.2 * rms(pedalled, SR, 0.6, 0.9)


def test_seek_chases_a_held_chord():
    score = Score([Note(0, 48, 16, 100, ACCOMPANIMENT)], 16)
    assert first_sound(play(score, 0.5, start_s=1.0), SR, 0.0) < 0.01
