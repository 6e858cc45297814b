"""Ducking on a clip made from espeak-ng speech and silence muxed with a synthetic video."""

import shutil
import subprocess
import tracemalloc
import wave

import numpy as np
import pytest

from bgm_studio.audio.ducking import FRAME_S, DuckingConfig, detect_speech, duck_gain
from bgm_studio.export.mixdown import MixConfig, mixdown
from bgm_studio.export.mp4 import read_soundtrack
from bgm_studio.music.notes import Note, Score
from tests.media import ffmpeg, rms

SR = 44100
LINES = ("The music should make room for this voice.", "And come back up when the talking stops.")
GAPS_S = (1.5, 2.5, 2.0)  # silence before, between and after the two lines


def speak(text: str, path) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (installer/setup.sh installs it)")
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        rate, raw = w.getframerate(), w.readframes(w.getnframes())
    voice = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    loud = np.nonzero(np.abs(voice) > 0.01)[0]
    voice = voice[loud[0] : loud[-1] + 1]  # trimmed to the sound itself
    return np.interp(np.arange(0, len(voice) * SR / rate) * rate / SR, np.arange(len(voice)), voice)


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory):
    """(video path, duration s, [(start s, end s)] of each spoken line)."""
    folder = tmp_path_factory.mktemp("dialogue")
    rng = np.random.default_rng(0)
    pieces, spans, t = [np.zeros(int(GAPS_S[0] * SR))], [], GAPS_S[0]
    for i, text in enumerate(LINES):
        voice = speak(text, folder / f"line{i}.wav")
        spans.append((t, t + len(voice) / SR))
        pieces += [voice, np.zeros(int(GAPS_S[i + 1] * SR))]
        t = spans[-1][1] + GAPS_S[i + 1]
    sound = np.concatenate(pieces) * 0.5 + rng.normal(0, 1e-3, sum(map(len, pieces)))  # a quiet room under it
    wav = folder / "dialogue.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(SR)
        w.writeframes((np.clip(sound, -1, 1) * 32767).astype("<i2").tobytes())
    duration = len(sound) / SR
    video = folder / "dialogue.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size=160x120:rate=25:duration={duration}",
        "-i",
        str(wav),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-shortest",
        str(video),
    )
    return video, duration, spans


def frame_truth(spans, n_frames: int) -> np.ndarray:
    t = np.arange(n_frames) * FRAME_S
    return np.any([(t >= a) & (t < b) for a, b in spans], axis=0)


def test_speech_is_found(dialogue):
    video, duration, spans = dialogue
    speech = detect_speech(read_soundtrack(video, SR, int(duration * SR)), SR)
    truth = frame_truth(spans, len(speech))
    found = (speech & truth).sum() / truth.sum()
    false_alarms = (speech & ~truth).sum() / (~truth).sum()
    assert found >= 0.95 and false_alarms <= 0.05, (found, false_alarms)


@pytest.fixture(scope="module")
def steady_music():
    """A held chord struck again every beat at 120 BPM, for 12 s: the same level all through."""
    notes = [Note(s, p, 4, 80, 1) for s in range(0, 96, 4) for p in (48, 55, 64)]
    notes += [Note(s, 72, 4, 80, 0) for s in range(0, 96, 4)]
    return Score(notes, 96, 120.0)


def test_music_dips_by_the_depth_inside_speech_and_not_outside(dialogue, steady_music):
    video, duration, spans = dialogue
    ducking = DuckingConfig(depth_db=-10.0, attack_ms=150.0, release_ms=400.0)
    ducked = mixdown(steady_music, duration, video, MixConfig(ducking=ducking))
    plain = mixdown(steady_music, duration, video, MixConfig(ducking=DuckingConfig(enabled=False)))
    assert plain.speech is None and ducked.speech is not None

    def level_change_db(start: float, end: float) -> float:
        return 20 * np.log10(rms(ducked.mix, SR, start, end) / rms(plain.mix, SR, start, end))

    inside = [level_change_db(a + 0.05, b - 0.05) for a, b in spans]
    outside_spans = [
        (0.2, spans[0][0] - 0.3),
        (spans[0][1] + 0.6, spans[1][0] - 0.3),
        (spans[1][1] + 0.6, duration - 1.0),
    ]
    outside = [level_change_db(a, b) for a, b in outside_spans]
    # Each mix is brought to -14 LUFS as a whole, so both differ by one overall gain; the dip is relative to it.
    reference = np.mean(outside)
    assert max(abs(o - reference) for o in outside) < 1.0
    for change in inside:
        assert change - reference == pytest.approx(-10.0, abs=1.0)
    gain_db = 20 * np.log10(ducked.music_gain)
    t = np.arange(len(gain_db)) / SR
    for a, b in spans:  # the curve itself: the full depth in speech (its edges as found to within 50 ms)
        assert np.abs(gain_db[(t >= a + 0.05) & (t < b - 0.05)] + 10.0).max() < 1.0
    for a, b in outside_spans:
        assert np.abs(gain_db[(t >= a) & (t < b)]).max() < 0.01  # and untouched away from it


def test_gain_curve_ramps_before_speech_and_after_it():
    speech = np.zeros(300, bool)
    speech[100:200] = True  # speech from 1.0 s to 2.0 s
    config = DuckingConfig(depth_db=-12.0, attack_ms=200.0, release_ms=500.0)
    gain_db = 20 * np.log10(duck_gain(speech, 3 * 1000, 1000, config))
    assert gain_db[1000:2000].max() == pytest.approx(-12.0, abs=0.01)
    assert gain_db[:790].min() == pytest.approx(0.0, abs=0.01) and gain_db[900] == pytest.approx(-6.0, abs=0.3)
    assert gain_db[2250] == pytest.approx(-6.0, abs=0.3) and gain_db[2520:].min() == pytest.approx(0.0, abs=0.01)
    assert (duck_gain(speech, 3000, 1000, DuckingConfig(enabled=False)) == 1.0).all()


def test_a_long_gain_curve_holds_little_memory_beyond_itself():
    """Its float64 times and levels, whole, took 254 MB each for 12 minutes; the curve itself is float32."""
    speech = np.zeros(6000, bool)
    speech[1000:3000] = True
    tracemalloc.start()
    try:
        gain = duck_gain(speech, 60 * SR, SR, DuckingConfig())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert gain.dtype == np.float32 and gain[15 * SR] == pytest.approx(10 ** (-10 / 20), rel=1e-6)
    assert peak < 1.5 * gain.nbytes


def test_the_detector_hears_the_sound_resampled_a_piece_at_a_time_as_in_one_piece():
    """In one piece, a 12-minute video's sound took 1.1 GB of FFmpeg's buffers; the samples must not move."""
    import av

    from bgm_studio.audio.ducking import PCM_FRAMES, VAD_RATE, _pcm

    rng = np.random.default_rng(6)
    audio = (
        0.2 * rng.standard_normal((int(3.3 * PCM_FRAMES), 2)) * np.sin(np.arange(int(3.3 * PCM_FRAMES)) / 3000)[:, None]
    )
    audio = audio.astype(np.float32)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=VAD_RATE)
    frame = av.AudioFrame.from_ndarray(audio.mean(axis=1)[None], format="flt", layout="mono")
    frame.sample_rate = SR
    whole = np.concatenate(
        [f.to_ndarray().reshape(-1) for f in [*resampler.resample(frame), *resampler.resample(None)]]
    )
    assert np.array_equal(_pcm(audio, SR), whole)


def test_the_music_stays_down_through_the_pauses_between_sentences(tmp_path):
    """A line of three sentences: espeak-ng pauses ~0.4 s at each full stop, as a speaker breathes.
    The music holds its dip through them instead of swelling up between sentences (pumping)."""
    voice = speak("Welcome back. Today we walk through the harbour. It is quiet here.", tmp_path / "line.wav")
    line_s = len(voice) / SR
    sound = np.concatenate([np.zeros(SR), voice * 0.5, np.zeros(2 * SR)])[:, None]
    speech = detect_speech(sound, SR)
    gain_db = 20 * np.log10(duck_gain(speech, len(sound), SR, DuckingConfig()))
    t = np.arange(len(gain_db)) / SR
    assert np.abs(gain_db[(t >= 1.05) & (t < 1.0 + line_s - 0.05)] + 10.0).max() < 1.0


def test_speech_from_the_first_frame_is_found_there(tmp_path):
    """A video that opens on a word: the music is down from the start, not 0.3 s late (closing the
    gaps and dropping blips once eroded the first and last 0.3 s of every video's speech)."""
    voice = speak("Hello there, welcome to the harbour.", tmp_path / "line.wav")
    sound = np.concatenate([voice * 0.5, np.zeros(SR)])[:, None]
    speech = detect_speech(sound, SR)
    assert speech[:20].all()
    assert not speech[-50:].any()


def _stem(folder, name: str) -> np.ndarray:
    from scipy.io import wavfile

    return wavfile.read(folder / f"{name}.wav")[1]


def test_a_dialogue_clips_mp4_keeps_the_voice_over_the_ducked_music_and_its_wav_holds_the_music_alone(
    dialogue, tmp_path
):
    """By default the MP4 carries the video's own sound, levelled to the music, with the music dipped under
    its speech; the WAV is the music alone, dipped, to lay under the dialogue in an editor. Before, the MP4
    dropped the voice and kept the music's dips under speech nobody heard."""
    from scipy.io import wavfile

    from bgm_studio.cli import main

    video, duration, spans = dialogue
    out, wav, stems = tmp_path / "out.mp4", tmp_path / "out.wav", tmp_path / "stems"
    assert main(["generate", str(video), "-o", str(out), "--wav", str(wav), "--stems", str(stems)]) == 0
    voice = _stem(stems, "video-sound")
    music = _stem(stems, "melody") + _stem(stems, "accompaniment") + _stem(stems, "bass")
    heard = read_soundtrack(out, SR, len(voice))
    alone = wavfile.read(wav)[1].astype(np.float32) / 32768.0
    for a, b in spans:
        span = slice(int((a + 0.05) * SR), int((b - 0.05) * SR))
        assert 20 * np.log10(rms(voice, SR, a, b) / rms(music, SR, a, b)) > 6.0  # the voice over the music
        assert np.corrcoef(heard[span, 0], voice[span, 0])[0, 1] > 0.8  # the MP4 carries the voice
        assert abs(np.corrcoef(alone[span, 0], voice[span, 0])[0, 1]) < 0.2  # the WAV does not
    # The WAV is the ducked music of the stems, at its own loudness: its limiter, set for the music alone,
    # shapes its loudest onsets where the stems' gain, set for the mix with the voice, leaves them be (a
    # piece whose opening chord peaks higher correlated 0.988 over the whole clip, 0.983 in its first second;
    # stop 54's piece 0.979, 0.971 in its first second and 0.991-1.000 in 8 of its 10; stop 75's, whose
    # accompaniment holds more notes over, a median second of 0.9946).
    seconds = [slice(k * SR, (k + 1) * SR) for k in range(len(alone) // SR)]
    assert np.median([np.corrcoef(alone[s, 0], music[s, 0])[0, 1] for s in seconds]) > 0.99
    assert np.corrcoef(alone[:, 0], music[:, 0])[0, 1] > 0.97


def test_an_mp4_without_the_video_sound_does_not_dip_the_music_under_speech_nobody_hears(dialogue, tmp_path):
    from bgm_studio.cli import main

    video, duration, spans = dialogue
    project = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(project)]) == 0
    off, plain = tmp_path / "off.mp4", tmp_path / "plain.mp4"
    assert main(["export", str(project), "--mp4", str(off), "--original-gain", "off"]) == 0
    assert main(["export", str(project), "--mp4", str(plain), "--original-gain", "off", "--no-duck"]) == 0
    frames = int(duration * SR)
    assert np.array_equal(read_soundtrack(off, SR, frames), read_soundtrack(plain, SR, frames))
