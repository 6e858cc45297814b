"""Symbolic music core: notes, piano roll, MIDI, POP909, metrics. No torch, no Qt."""
