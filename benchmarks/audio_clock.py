"""Playback clock against the audio actually sent, over a 3-minute piece.

1. Real-time session: a "sound card" thread pulls 512-frame blocks on a real-time
   schedule while a "GUI" thread polls `position_s()` at 60 Hz; error = position
   minus the audio sent at that instant (frames handed over / sample rate).
2. Whole piece, pulled as fast as possible with a seek every 15 s and a pause:
   the audio sent is compared with an offline render of the same span: the lag
   that best aligns them (cross-correlation) must be 0 frames, and the residual
   is reported (FluidSynth's reused voices start a hair differently). So the
   clock, a count of frames sent, is the score time of the audio sent; events
   sit within half a FluidSynth block of their time.

    .venv/bin/python -m benchmarks.audio_clock [--realtime-seconds 20]
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np
from scipy.signal import correlate

from bgm_studio.audio.output import CaptureOutput
from bgm_studio.audio.player import Player
from bgm_studio.audio.synth import BLOCK_FRAMES, Performance, Synth, SynthConfig

from .audio_common import hardware, test_piece

SR = 44100
BLOCK = 512
TARGET_MS = 20.0
STRETCH_S = 15.0  # audio pulled between two seeks
MAX_LAG = 2048  # frames searched either side when aligning sent and offline audio
DRY = SynthConfig(reverb=False, cpu_cores=1)  # reverb tails carry across seeks; compare dry audio exactly


def realtime_session(score, seconds: float) -> dict[str, float]:
    """Pull blocks at real-time pace; poll the clock from another thread; return error statistics (ms)."""
    output = CaptureOutput(SR, record=False)
    errors, wall_drift = [], []
    with Player(SynthConfig(), output) as player:
        player.load(score)
        player.play(30.0)
        done = threading.Event()

        def sound_card() -> None:
            start = time.perf_counter()
            for i in range(int(seconds * SR / BLOCK)):
                delay = start + i * BLOCK / SR - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                output.pull(BLOCK)
            done.set()

        card = threading.Thread(target=sound_card)
        t0 = time.perf_counter()
        card.start()
        while not done.is_set():
            with output.lock:  # the clock and the frames sent at one instant
                position = player.position_s()
                sent = output.frames_sent / SR
            errors.append(abs(position - 30.0 - sent) * 1e3)
            wall_drift.append((position - 30.0 - (time.perf_counter() - t0)) * 1e3)
            time.sleep(1 / 60)
        card.join()
    return {"polls": len(errors), "max_ms": max(errors), "wall_min_ms": min(wall_drift), "wall_max_ms": max(wall_drift)}


def offline(score, start_s: float, frames: int) -> np.ndarray:
    synth = Synth(DRY, SR)
    try:
        out = np.zeros((frames, 2), np.float32)
        Performance(synth, score, start_s=start_s).render_into(out)
        return np.clip(out, -1, 1)
    finally:
        synth.close()


def whole_piece(score) -> dict[str, float]:
    """Play the piece with seeks and a pause; compare each stretch of sent audio with an offline render."""
    output = CaptureOutput(SR, record=False)
    rng = np.random.default_rng(0)
    worst_clock_ms, worst_lag, worst_residual_db, stretches, played_s = 0.0, 0, -np.inf, 0, 0.0
    with Player(DRY, output) as player:
        player.load(score)
        start = 0.0
        player.play(start)
        t0 = time.perf_counter()
        while played_s < score.duration_s():
            sent = np.concatenate([output.pull(BLOCK) for _ in range(int(STRETCH_S * SR / BLOCK))])
            worst_clock_ms = max(worst_clock_ms, abs(player.position_s() - (start + len(sent) / SR)) * 1e3)
            lag, residual_db = compare(sent, offline(score, start, len(sent)))
            worst_lag, worst_residual_db = max(worst_lag, abs(lag)), max(worst_residual_db, residual_db)
            played_s += len(sent) / SR
            stretches += 1
            if stretches == 3:  # a pause: the clock must hold while silence is sent
                player.pause()
                held = player.position_s()
                assert not output.pull(BLOCK * 20).any() and player.position_s() == held
            start = float(rng.uniform(0, score.duration_s() - STRETCH_S))  # a stretch never reaches the end
            player.play(start)
        wall = time.perf_counter() - t0
    return {
        "stretches": stretches,
        "played_s": played_s,
        "wall_s": wall,
        "clock_ms": worst_clock_ms,
        "lag": worst_lag,
        "residual_db": worst_residual_db,
    }


def compare(sent: np.ndarray, reference: np.ndarray) -> tuple[int, float]:
    """(lag in frames that best aligns sent with reference, residual level in dB below the reference)."""
    a, b = sent[:, 0].astype(np.float64), reference[:, 0].astype(np.float64)
    xc = correlate(a, b[MAX_LAG:-MAX_LAG], mode="valid", method="fft")  # lags -MAX_LAG..+MAX_LAG
    lag = int(np.argmax(xc)) - MAX_LAG
    residual = np.sqrt(np.mean((sent - reference) ** 2)) / max(np.sqrt(np.mean(reference**2)), 1e-12)
    return lag, 20 * np.log10(max(residual, 1e-12))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--realtime-seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(hardware())
    name, score = test_piece()
    print(
        f"piece: {name}, {score.duration_s():.1f} s; blocks of {BLOCK} frames at {SR} Hz "
        f"({BLOCK / SR * 1e3:.1f} ms); FluidSynth block {BLOCK_FRAMES} frames"
    )
    rt = realtime_session(score, args.realtime_seconds)
    print(
        f"real-time session ({args.realtime_seconds:.0f} s, {rt['polls']} polls at 60 Hz): "
        f"|position - audio sent| max {rt['max_ms']:.3f} ms; position - wall clock "
        f"{rt['wall_min_ms']:+.1f} .. {rt['wall_max_ms']:+.1f} ms (the pacing thread's lag on this machine: "
        f"a real device would wait, the clock with it)"
    )
    wp = whole_piece(score)
    print(
        f"whole piece: {wp['played_s']:.0f} s of audio in {wp['stretches']} stretches (seeks, one pause), "
        f"{wp['wall_s']:.1f} s wall, {wp['played_s'] / wp['wall_s']:.0f}x real time"
    )
    print(
        f"  |position - audio sent| max {wp['clock_ms']:.3f} ms; sent audio vs offline render of the same "
        f"span: lag {wp['lag']} frames (max), residual {wp['residual_db']:.0f} dB (worst stretch)"
    )
    event_ms = BLOCK_FRAMES / 2 / SR * 1e3
    worst = max(rt["max_ms"], wp["clock_ms"]) + event_ms
    print(
        f"clock error bound (clock vs sent + event placement {event_ms:.2f} ms): {worst:.2f} ms; "
        f"target < {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS and wp['lag'] == 0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
