"""Stems sum to the mix, and every mix meets its loudness target with true peak <= -1 dBTP."""

import tracemalloc

import numpy as np
import pytest

from bgm_studio.audio.loudness import TARGETS, measure, true_peak_db
from bgm_studio.export.mixdown import VIDEO_SOUND, MixConfig, Mixdown, RenderedSound, mix_rendered, mixdown
from bgm_studio.export.stems import write_stems
from bgm_studio.music.arrangement import Arrangement, arrange
from bgm_studio.music.notes import MELODY, STEPS_PER_BAR, Note, Score
from bgm_studio.music.parts import PARTS
from bgm_studio.music.pop909 import load_song
from tests.export.test_export_wav import read_wav

SR = 44100


@pytest.fixture(scope="module")
def song(pop909_root) -> Score:
    """Twelve bars of POP909 song 003 from its first melody note (bar 9), with a cut every four bars."""
    score = load_song(pop909_root / "003").score()
    first = min(n.start for n in score.notes if n.track == MELODY) // STEPS_PER_BAR * STEPS_PER_BAR
    end = first + 12 * STEPS_PER_BAR
    notes = [
        Note(n.start - first, n.pitch, min(n.length, end - n.start), n.velocity, n.track)
        for n in score.notes
        if first <= n.start < end
    ]
    return Score(notes, 12 * STEPS_PER_BAR, score.tempo_bpm, [4 * STEPS_PER_BAR, 8 * STEPS_PER_BAR])


@pytest.mark.parametrize(
    "preset, target",
    [
        ("solo-piano", "streaming"),
        ("piano-strings", "web"),
        ("ambient", "broadcast"),
        ("epiano-bass", "streaming"),
        ("music-box", "streaming"),
    ],
)
def test_rendered_piece_meets_its_loudness_target(song, preset, target):
    sound = mixdown(arrange(song, Arrangement(preset)), song.duration_s(), mix=MixConfig(target))
    level = measure(sound.mix, SR)
    assert level.lufs == pytest.approx(TARGETS[target], abs=0.5)
    assert level.true_peak_db <= -1.0
    assert sound.loudness.lufs == pytest.approx(level.lufs, abs=0.01)
    assert sound.loudness.true_peak_db == pytest.approx(level.true_peak_db, abs=0.01)


def test_stems_are_aligned_the_exact_length_and_sum_to_the_mix(song, tmp_path):
    arranged = arrange(song, Arrangement("piano-strings").with_shot_preset(1, "music-box"))
    duration = 17.3  # e.g. the video's length, not the score's
    sound = mixdown(arranged, duration)
    paths = write_stems(sound, arranged, tmp_path / "stems")
    names = sorted(p.name for p in (tmp_path / "stems").iterdir())
    assert names == ["accompaniment.wav", "bass.wav", "melody.wav", "mix.wav", "parts.mid"]
    assert len(paths) == 5
    audio = {
        name: read_wav(tmp_path / "stems" / f"{name}.wav")[1] for name in ("melody", "accompaniment", "bass", "mix")
    }
    assert {len(a) for a in audio.values()} == {round(duration * SR)}
    total = audio["melody"] + audio["accompaniment"] + audio["bass"]
    assert np.abs(total - audio["mix"]).max() <= 1e-6  # float32 rounding
    for name in ("melody", "accompaniment", "bass"):  # every part sounds, at its own level
        assert np.sqrt((audio[name] ** 2).mean()) > 1e-3


def test_a_stem_above_full_scale_is_kept_whole_and_the_stems_still_sum_to_the_mix(tmp_path):
    """Parts that partly cancel: the accompaniment alone peaks at +2 dBFS while the mix stays at -6 dBFS.
    PCM stems clipped it (a POP909 piece on solo-piano at -14 LUFS: 3 samples, 1149 LSB off the mix)."""
    sine = np.sin(2 * np.pi * 110 * np.arange(SR) / SR)[:, None].repeat(2, axis=1).astype(np.float32)
    stems = {"melody": 0.1 * sine, "accompaniment": 1.25 * sine, "bass": -0.85 * sine}
    mix = stems["melody"] + stems["accompaniment"] + stems["bass"]
    sound = Mixdown(stems, mix, SR, None, np.ones(SR, np.float32), -14.0)
    write_stems(sound, Score([], 16, 120.0), tmp_path / "stems")
    audio = {name: read_wav(tmp_path / "stems" / f"{name}.wav")[1] for name in [*stems, "mix"]}
    assert np.abs(audio["accompaniment"]).max() == pytest.approx(1.25, abs=1e-6)
    assert np.abs(sum(audio[name] for name in stems) - audio["mix"]).max() <= 1e-6


def test_a_mix_makes_its_stems_only_when_asked_for_and_they_sum_to_it():
    """The mix of three parts and the video's sound, ducked: made whole, the stems took a mix's
    memory each beside it (254 MB for 12 minutes)."""
    rng = np.random.default_rng(5)
    parts = (0.1 * rng.standard_normal((3, 60 * SR, 2))).astype(np.float32)
    parts.flags.writeable = False
    sound = (0.1 * rng.standard_normal((60 * SR, 2))).astype(np.float32)
    speech = np.zeros(6000, bool)
    speech[1000:3000] = True
    rendered = RenderedSound(parts, PARTS, SR, sound, speech)
    tracemalloc.start()
    try:
        mixed = mix_rendered(rendered, MixConfig(original_gain_db=-6.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * sound.nbytes  # the mix; the ducking curve, the master gain and its peaks, half a mix each
    assert list(mixed.stems) == [*PARTS, VIDEO_SOUND]
    assert np.abs(sum(mixed.stems[name] for name in mixed.stems) - mixed.mix).max() <= 1e-6
    assert mixed.music_gain[1500 * SR // 100] == pytest.approx(10 ** (-10 / 20), rel=1e-6)


def test_mix_sample_peak_never_clips_at_the_loudest_target():
    """A dense loud cluster: the limiter holds the true peak at -1 dBTP while reaching -14 LUFS."""
    notes = [Note(s, p, 2, 127, 1) for s in range(0, 64, 2) for p in (36, 43, 48, 52, 55, 60, 64, 67)]
    sound = mixdown(Score(notes, 64, 120.0), 8.0)
    assert true_peak_db(sound.mix) <= -1.0
    assert measure(sound.mix, SR).lufs == pytest.approx(-14.0, abs=0.5)


def test_silence_is_left_silent():
    sound = mixdown(Score([], 16, 120.0), 2.0)
    assert np.abs(sound.mix).max() < 1e-4
    assert sound.loudness.lufs == float("-inf")


def test_the_true_peak_is_measured_only_when_asked_for(song, monkeypatch):
    """Writing files needs the mix, not its true peak: oversampling 3 minutes cost 0.1-0.2 s of CPU."""
    import bgm_studio.export.mixdown as mixdown_module

    calls = []
    monkeypatch.setattr(mixdown_module, "true_peak_db", lambda audio: calls.append(len(audio)) or true_peak_db(audio))
    sound = mixdown(song, 4.0)
    assert calls == []
    assert sound.loudness.true_peak_db == pytest.approx(true_peak_db(sound.mix), abs=1e-9)
    assert sound.loudness == sound.loudness and calls == [len(sound.mix)]  # measured once


@pytest.mark.parametrize("preset", ["solo-piano", "piano-strings", "ambient"])
def test_a_mix_rendered_together_is_the_mix_of_the_parts_rendered_apart(song, preset):
    """Exports without stems play every part on one synth: one stem, the same mix and loudness. Each synth
    ends release tails once inaudible in its own output, so they differ by -75..-80 dB RMS, -45..-55 dB at most."""
    arranged = arrange(song, Arrangement(preset))
    apart = mixdown(arranged, song.duration_s())
    together = mixdown(arranged, song.duration_s(), apart=False)
    assert list(apart.stems) == ["melody", "accompaniment", "bass"]
    assert list(together.stems) == ["music"]
    np.testing.assert_array_equal(together.stems["music"], together.mix)
    assert together.mix.shape == apart.mix.shape
    difference = (together.mix - apart.mix).astype(np.float64)
    assert np.sqrt(np.mean(difference**2)) < 10 ** (-65 / 20) * np.sqrt(np.mean(apart.mix.astype(np.float64) ** 2))
    assert np.abs(difference).max() < 10 ** (-40 / 20) * np.abs(apart.mix).max()
    assert together.lufs == pytest.approx(apart.lufs, abs=0.05)
