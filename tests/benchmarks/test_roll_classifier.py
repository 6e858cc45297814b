import numpy as np

from benchmarks import roll_classifier as R
from benchmarks.real_clip_music import held_out_groups
from benchmarks.discriminator import WINDOW_STEPS
from bgm_studio.music.notes import MELODY


def test_a_window_is_moved_onto_c_and_drawn_in_its_planes():
    # start, pitch, length, velocity, track: D major, its D held longest
    win = np.array(
        [
            [0, 62, 8, 90, MELODY],  # D4, melody
            [4, 66, 2, 90, MELODY],  # F#4
            [0, 50, 16, 70, 1],  # D3, accompaniment
            [8, 12, 4, 70, 1],  # C0, under the keyboard: up an octave
        ]
    )
    roll = R.window_roll(win)
    assert roll.shape == (4, WINDOW_STEPS, R.KEYS)
    c4, c3 = 60 - R.LOW_KEY, 48 - R.LOW_KEY
    assert roll[0, 0, c4] == 1 and roll[0, 4, c4 + 4] == 1  # moved down a tone: D4 -> C4, F#4 -> E4
    assert roll[0].sum() == 2 and roll[1].sum() == 8 + 2  # onsets, and every step sounding
    assert roll[2, 0, c3] == 1 and roll[3, :16, c3].all() and not roll[3, 16:, c3].any()
    assert roll[2, 8, 12 - 2 + 12 - R.LOW_KEY] == 1  # C0 moved a tone down, then an octave up into the keys


def rolls(rng, odd: bool, pieces=10, per_piece=4):
    """Small rolls of 8 random onsets on even (or odd) steps: two sides a network can tell apart."""
    x = np.zeros((pieces * per_piece, 4, 32, 24), np.float32)
    for w in x:
        steps = 2 * rng.integers(0, 16, 8) + odd
        w[2, steps, rng.integers(0, 24, 8)] = 1
    return x, np.repeat(np.arange(pieces), per_piece)


def test_the_network_tells_apart_what_differs_and_not_what_does_not():
    rng = np.random.default_rng(0)
    (a, ga), (b, gb), (c, gc) = rolls(rng, False), rolls(rng, True), rolls(rng, False)
    y = np.r_[np.zeros(len(a), int), np.ones(len(b), int)]
    told = R.held_out_accuracy(np.concatenate([a, b]), y, np.r_[ga, gb + 10], seed=0, epochs=6)
    alike = R.held_out_accuracy(np.concatenate([a, c]), y, np.r_[ga, gc + 10], seed=0, epochs=6)
    assert told > 0.9
    assert alike < 0.7


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert R.main(["--midi-dir", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_a_songs_figures_moved_nowhere_are_its_own_accompaniment_and_moved_fit_the_chords_there(pop909_root):
    from bgm_studio.music.pop909 import load_song

    song = load_song(pop909_root / "001")
    bar = 16
    lo, hi = bar * 16, (bar + 8) * 16
    own = song.notes[(song.notes[:, 4] != MELODY) & (song.notes[:, 0] >= lo) & (song.notes[:, 0] < hi)]
    want = sorted((s - lo, p if p >= 36 else p + 12, min(n, 32, hi - s)) for s, p, n in own[:, :3])
    got = R.moved_figures(song, bar, bar)
    assert sorted(map(tuple, got[:, :3].tolist())) == want
    moved = R.moved_figures(song, bar, bar + 24)
    beats = (bar + 24) * 4 + moved[:, 0] // 4
    in_chord = song.chord_pcs[beats, moved[:, 1] % 12]
    assert in_chord.mean() > 0.75  # chord tones land on the chords there (passing tones keep their interval)
    assert R.moved_figures(song, song.n_steps // 16 - 4, 0) is None  # runs past the song's end


def test_figures_drawn_bar_by_bar_play_each_bars_own_figure_on_the_windows_chords(pop909_root):
    from bgm_studio.music.pop909 import load_song

    song = load_song(pop909_root / "001")
    bar, sources = 16, [40, 3, 40, 22, 9, 31, 17, 5]
    drawn = R.figures_on_chords(song, sources, bar)
    for k, source in enumerate(sources):  # bar k holds what source's figure holds, moved onto bar + k
        alone = R.figures_on_chords(song, [source] * 8, bar)
        assert (drawn[:, 0] // 16 == k).sum() == (alone[:, 0] // 16 == k).sum()
    beats = bar * 4 + drawn[:, 0] // 4
    assert song.chord_pcs[beats, drawn[:, 1] % 12].mean() > 0.75  # on the window's own chords
    assert (
        R.figures_on_chords(song, list(range(bar, bar + 8)), bar).tolist() == R.moved_figures(song, bar, bar).tolist()
    )
    assert R.figures_on_chords(song, [song.n_steps // 16 + 1] * 8, bar) is None  # a bar past the song's end


def test_by_video_the_montages_are_held_out_together_and_other_videos_alone(tmp_path):
    for name in ("montage0_s0", "montage1_s3", "three-minutes_s0", "vtest_s1", "vtest_s2"):
        (tmp_path / f"{name}.mid").touch()
    groups = held_out_groups(tmp_path)  # in file name order: montage0, montage1, three-minutes, vtest, vtest
    assert groups[0] == groups[1]
    assert groups[3] == groups[4]
    assert len({groups[0], groups[2], groups[3]}) == 3


def piece_of(melody_a_bar: int, accompaniment_a_bar: int, bars: int = 8) -> tuple[np.ndarray, int]:
    """A piece whose every bar strikes this many melody and accompaniment notes, each on a step of its own."""
    rows = [(bar * 16 + k, 72 + k % 5, 1, 80, MELODY) for bar in range(bars) for k in range(melody_a_bar)] + [
        (bar * 16 + k, 48 + k % 7, 1, 70, 1) for bar in range(bars) for k in range(accompaniment_a_bar)
    ]
    return np.array(rows, np.int64).reshape(-1, 5), bars * 16


def test_real_windows_drawn_as_busy_as_ours_match_their_onsets_a_bar():
    real = [piece_of(m, a) for m in (1, 2, 3, 4, 5, 6) for a in (2, 4, 6, 8, 10, 12, 14, 16)]
    generated = np.stack([R.window_roll(piece_of(3, 12)[0])] * 20)
    assert np.allclose(R.busyness(generated), [3, 12])
    rolls, piece = R.real_as_busy(real, generated, np.random.default_rng(0), per_song=1)
    assert rolls.shape == generated.shape and len(set(piece.tolist())) == 20  # each real window once
    busy = R.busyness(rolls)
    assert abs(busy[:, 0].mean() - 3) < 1.0 and abs(busy[:, 1].mean() - 12) < 2.5
    assert (
        abs(R.busyness(np.stack([R.window_roll(p[0]) for p in real])).mean(axis=0)[1] - 12) > 2.5
    )  # real at large is sparser


def piece(rng, odd: bool, bars=8):
    """notes (n, 5) of a piece whose accompaniment strikes 8 random keys a bar on even (or odd) 16ths."""
    rows = []
    for bar in range(bars):
        for step in 2 * rng.integers(0, 8, 8) + odd:
            rows.append((bar * 16 + step, int(rng.integers(48, 72)), 1, 64, 1))
    return np.array(rows, np.int64), bars * 16


def test_each_sources_windows_called_ours_are_reported_apart():
    rng = np.random.default_rng(0)
    real = [piece(rng, odd=False) for _ in range(32)]  # each half as many windows as the generated
    generated = [piece(rng, odd=True) for _ in range(8)] + [piece(rng, odd=False) for _ in range(8)]
    sources = ["offbeat"] * 8 + ["like real"] * 8
    fig = R.judge(real, generated, 1, 6, ("accompaniment",), np.arange(16), sources=sources)
    called = fig.called["accompaniment"]
    assert set(called) == {"offbeat", "like real"}
    assert called["offbeat"] > 0.9  # told apart by where it strikes
    assert called["like real"] < 0.7  # no different from the real windows
    assert R.judge(real, generated, 1, 1, ("accompaniment",)).called == {"accompaniment": {}}
