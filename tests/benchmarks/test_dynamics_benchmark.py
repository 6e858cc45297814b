"""benchmarks.dynamics reads a window's velocities as a pianist's playing."""

import numpy as np
import pytest

from benchmarks import dynamics as D
from bgm_studio.music.midi import write_midi
from bgm_studio.music.pop909 import load_song


def _window(melody_velocity: int, chord_velocities: tuple[int, int, int]) -> np.ndarray:
    """8 bars: a melody note on each beat, a bass and two upper notes on beats 1 and 3."""
    rows = []
    for bar in range(8):
        for beat in range(4):
            rows.append((bar * 16 + beat * 4, 72, 4, melody_velocity, 0))
        for step in (0, 8):
            for pitch, velocity in zip((40, 60, 64), chord_velocities):
                rows.append((bar * 16 + step, pitch, 8, velocity, 1))
    return np.array(rows, np.int64)


def test_a_stamped_window_and_a_played_one_read_apart() -> None:
    stamped = dict(zip(D.VELOCITY_NAMES, D.velocity_features(_window(92, (80, 80, 80)))))
    assert stamped["melody over accompaniment"] == 12
    assert stamped["velocity sd within an onset"] == 0 and stamped["distinct velocities"] == 2
    assert stamped["bass over the hand above"] == 0 and stamped["on beats over off beats"] == 0
    played = dict(zip(D.VELOCITY_NAMES, D.velocity_features(_window(92, (70, 84, 80)))))
    assert played["bass over the hand above"] == pytest.approx(70 - 82)
    assert played["velocity sd within an onset"] == pytest.approx(np.std([70, 84, 80]))
    assert played["accompaniment mean velocity"] == pytest.approx((70 + 84 + 80) / 3)


def test_too_few_windows_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    assert D.main(["--midi-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_the_songs_own_windows_are_the_second_judge(tmp_path, pop909_root, capsys) -> None:
    """Pieces asked train songs' own energies are told from those songs' windows too: the songs
    themselves, played back, are not told from their own windows (from the other train songs',
    77% at this size)."""
    for i in range(771, 779):
        write_midi(load_song(pop909_root / f"{i:03d}").score(), tmp_path / f"{i}.mid")
    assert D.main(["--midi-dir", str(tmp_path), "--windows", "400", "--songs", "771-778"]) == 0
    own = capsys.readouterr().out.splitlines()[-1]
    assert own.startswith("told from songs 771-778' own windows: accuracy")
    assert float(own.split("accuracy ")[1].split("%")[0]) < 60.0
