import numpy as np

from bgm_studio.controls.music_controls import bar_statistics, measured_bar_controls


def test_bar_statistics_of_a_known_roll():
    vel = np.zeros((2, 32, 4), np.uint8)
    vel[0, 0, 1] = 100
    vel[1, 4, 2] = 60
    pitches = np.array([60, 62, 64, 65])
    density, energy, register = bar_statistics(vel, pitches)
    assert density.tolist() == [2, 0]
    assert energy[0] == np.float64(80 / 127) and energy[1] == 0
    assert register[0] == 63 and register[1] == 0


def test_measured_bar_controls_of_notes():
    notes = np.array([[0, 60, 4, 100, 0], [8, 64, 4, 50, 1], [20, 72, 2, 90, 0]])
    m = measured_bar_controls(notes, 2)
    assert m["density"].tolist() == [2, 1]
    assert m["register"].tolist() == [62, 72]
