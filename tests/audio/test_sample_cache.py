"""Synths rendering in parallel threads share FluidSynth's process-wide sample cache, whose reference counts
are not thread-safe (2.3): they must read and free samples one synth at a time, and render alike at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from bgm_studio.audio import synth as synth_module
from bgm_studio.audio.render import render_stems
from bgm_studio.music.arrangement import Arrangement, arrange
from bgm_studio.music.notes import Score

# FluidSynth's debug messages at the start of a call that reads or frees samples of a lazy synth
SAMPLE_MESSAGES = (
    b"Selected preset",
    b"Deselected preset",
    b"Pinning preset",
    b"Unpinning preset",
    b"Unloading sample",
)
HOLD_S = 0.002  # each such call is held this long inside FluidSynth, so that unguarded calls overlap for sure


class SampleCallTracer:
    """A FluidSynth log function that holds every sample-cache call for HOLD_S and counts the calls made
    while another thread was inside one: two at once can free samples that the other has just found."""

    def __init__(self) -> None:
        self.calls = 0
        self.overlaps = 0
        self._inside: set[int] = set()
        self._lock = threading.Lock()
        self.function = synth_module._LOG_FUNC(self._on_log)  # kept alive as long as FluidSynth may call it

    def install(self) -> None:
        for level in range(1, 5):
            synth_module._set_log_function(level, self.function, None)

    def _on_log(self, level: int, message: bytes, data: object) -> None:
        if not message.startswith(SAMPLE_MESSAGES):
            return
        me = threading.get_ident()
        with self._lock:
            self.calls += 1
            self.overlaps += bool(self._inside - {me})
            self._inside.add(me)
        time.sleep(HOLD_S)
        with self._lock:
            self._inside.discard(me)


@pytest.fixture
def tracer(monkeypatch):
    tracer = SampleCallTracer()
    monkeypatch.setattr(synth_module, "silence_fluidsynth_log", tracer.install)  # every Synth installs it
    yield tracer
    synth_module.silence_fluidsynth_log()  # FluidSynth must not call the tracer once it is gone


@pytest.fixture(scope="module")
def changing(excerpt) -> Score:
    """The epiano-bass excerpt with a new-age pad bass (a program change at the start, as in the stems-sum test)
    and an instrument change at 1.3 s with notes ringing across it (their samples are released as they end)."""
    cut = replace(excerpt, segment_starts=[8])
    return arrange(cut, Arrangement("epiano-bass").with_instrument("bass", 88).with_shot_preset(1, "ambient"))


def at_once(score: Score, renders: int, duration_s: float) -> list[np.ndarray]:
    """The stems of `renders` render_stems calls made at the same time (each renders its parts in threads)."""
    with ThreadPoolExecutor(renders) as pool:
        return list(pool.map(lambda _: render_stems(score, duration_s=duration_s), range(renders)))


def test_synths_read_and_free_samples_one_at_a_time(changing, tracer):
    """Before the fix: 244 and 257 calls (two runs) made while another thread was inside one (a part's first program change
    beside the next part's synth opening, a synth closing beside another reading the same samples)."""
    at_once(changing, 2, duration_s=2.0)
    assert tracer.calls > 50  # this FluidSynth reports its sample calls, so the count below means something
    assert tracer.overlaps == 0


def test_stems_rendered_at_once_equal_those_rendered_alone(changing):
    alone = render_stems(changing, duration_s=3.0)
    assert all(np.array_equal(stems, alone) for stems in at_once(changing, 3, duration_s=3.0))
