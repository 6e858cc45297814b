"""A second judge: a small convolutional network on the piano roll of 8-bar windows.
`python -m benchmarks.roll_classifier --midi-dir DIR`.

The discriminator (benchmarks.discriminator) reads 89 hand-made composition features; a trait no
feature names goes unseen by it. This judge reads the windows themselves: each 8-bar window (the
discriminator's windows_of) becomes a roll of four planes (melody onsets, melody sounding,
accompaniment onsets, accompaniment sounding) over 128 16th steps and 88 keys, moved so its main
pitch class (by sounding length) lies on C within a tritone, so the key tells nothing. A network of
three convolutions is trained with piece-level 5-fold cross-validation on every generated window
and as many real POP909 train windows, one per song in turn (where the files are named by the
songs they were made for, those songs' own windows are left out), and its held-out accuracy is
printed, 50% meaning indistinguishable; beside it the same network on the melody's planes alone,
on the accompaniment's alone (--views: also onsets or sounding planes alone), and on two halves of
the real songs (the noise floor). Pieces scored for real footage at many seeds
(benchmarks.real_clip_music --out) are held out a video at a time with --by-video: a video's pieces share its shots, pace and
form, and held out piece by piece the network found those in the video's other pieces (stop 66, 32
seeds a video: all planes 88.8% piece by piece and 81.1% by video, the melody's 67.8% and 54.6%);
it then also prints the share of each video's windows called ours, where the music gives itself away.
About 3.5 minutes a view and seed on 2 cores. With --moved it
also asks where the accompaniment's lead comes from: trained once on the accompaniment of most of
our pieces, how many held-out windows it calls ours of real songs, of ours, and of real songs' own
figures realized again on their own chords and moved onto their chords elsewhere in the song
(stop 53, validation songs at seed 0: 22.7%, 89.3%, 29.3%, 69.3%), and of windows whose bars each
play the figure of a bar of the same song drawn at random, on the window's own chords (stop 72, the
real footage's pieces at seeds 0-31: 6.9%, 78.6%, 8.8%, 30.8%, and drawn bar by bar 37.7%). With
--as-busy the real windows are drawn as busy as ours (their melody's and accompaniment's onsets a bar), as
benchmarks.real_clip_music does for its second figure: the footage's accompaniment at stop 67's
code, a video held out at a time, one judge seed, 79.7% as busy against 82.4% drawn alike (stop
68), so how busy a video's music is explains little of what this judge hears.

    python -m benchmarks.roll_classifier --midi-dir DIR [--views all,melody,accompaniment] [--seeds 1] [--moved] [--by-video] [--as-busy]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.model.figure_choice import BASS_FLOOR
from bgm_studio.model.texture import LENGTH as FIGURE_LENGTH
from bgm_studio.model.texture import STEP as FIGURE_STEP
from bgm_studio.model.texture import realize, role_table, song_figures
from bgm_studio.music.notes import ACCOMPANIMENT, BEATS_PER_BAR, MELODY, STEPS_PER_BAR
from bgm_studio.music.pop909 import Song, load_split

from .common import hardware
from .discriminator import (
    LENGTH,
    PITCH,
    START,
    TRACK,
    WINDOW_BARS,
    WINDOW_STEPS,
    alike_windows,
    read_folder,
    sampled_windows,
    song_ids,
    windows_of,
)

LOW_KEY, KEYS = 21, 88  # A0..C8
PLANES = ("melody onsets", "melody sounding", "accompaniment onsets", "accompaniment sounding")
VIEWS = {
    "all": (0, 1, 2, 3),
    "melody": (0, 1),
    "accompaniment": (2, 3),
    "onsets": (0, 2),
    "sounding": (1, 3),
}


def window_roll(win: np.ndarray) -> np.ndarray:
    """float32 (4, WINDOW_STEPS, KEYS): one window's planes (PLANES), its main pitch class moved onto C
    by the smallest shift (-6..5 semitones), notes outside the 88 keys moved by octaves into them."""
    pcs = np.bincount(win[:, PITCH] % 12, weights=win[:, LENGTH], minlength=12)
    main = int(np.argmax(pcs)) if len(win) else 0
    shift = -((main + 6) % 12 - 6)
    roll = np.zeros((len(PLANES), WINDOW_STEPS, KEYS), np.float32)
    for start, pitch, length, track in win[:, [START, PITCH, LENGTH, TRACK]]:
        key = int(pitch) + shift - LOW_KEY
        while key < 0:
            key += 12
        while key >= KEYS:
            key -= 12
        plane = 0 if track == MELODY else 2
        roll[plane, start, key] = 1.0
        roll[plane + 1, start : start + max(int(length), 1), key] = 1.0
    return roll


def _network(planes: int, seed: int):
    """Three convolutions over (step, key), pooled over the whole window, one logit out."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(planes, 16, (4, 3), padding=(0, 1)),  # (4, 3): a beat of 16ths by a few keys
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 48, 3, padding=1),
        nn.BatchNorm2d(48),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(48, 1),
    )


def held_out_accuracy(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, epochs: int, folds: int = 5
) -> float:
    """Held-out accuracy of the network over piece-level folds (no piece on both sides of a split).
    x: float32 (n, planes, steps, keys); y: 0/1 (n,); groups: piece of each window."""
    return float((held_out_calls(x, y, groups, seed, epochs, folds) == (y == 1)).mean())


def held_out_calls(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, epochs: int, folds: int = 5
) -> np.ndarray:
    """bool (n,): whether the network calls each window ours (y 1), trained on the folds it is not in
    (piece-level folds, as held_out_accuracy)."""
    from sklearn.model_selection import StratifiedGroupKFold

    calls = np.zeros(len(y), bool)
    split = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(split.split(x, y, groups)):
        net = _trained(x[train], y[train], seed * 100 + k, np.random.default_rng([seed, k]), epochs)
        calls[test] = _calls_ours(net, x[test])
    return calls


def _trained(x: np.ndarray, y: np.ndarray, seed: int, rng: np.random.Generator, epochs: int):
    """The network (its weights drawn from `seed`) trained to give 1 for ours (y == 1) and 0 for real
    windows, in batches ordered by `rng`."""
    import torch
    import torch.nn.functional as F

    net = _network(x.shape[1], seed)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3, weight_decay=1e-4)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y, dtype=torch.float32)
    net.train()
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(len(x)), max(len(x) // 32, 1)):
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(net(xt[batch])[:, 0], yt[batch])
            loss.backward()
            opt.step()
    _settle_norms(net, xt)
    return net


def _calls_ours(net, x: np.ndarray) -> np.ndarray:
    """bool (n,): which windows the trained network calls ours."""
    import torch

    with torch.no_grad():
        return net(torch.as_tensor(x))[:, 0].numpy() > 0


def _settle_norms(net, x) -> None:
    """Measure the batch norms' statistics afresh over the training windows with the final weights, then
    switch to them: the running averages kept while the weights moved made held-out calls swing from
    epoch to epoch."""
    import torch
    from torch import nn

    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a plain average over the batches below
    net.train()
    with torch.no_grad():
        for batch in torch.split(x, 64):
            net(batch)
    net.eval()


@dataclass(frozen=True)
class RollFigures:
    windows: int  # windows a side
    views: dict[str, float]  # held-out accuracy per view (VIEWS), mean over seeds
    real_halves: float  # two halves of the real songs, all planes
    # per view, per source of the generated pieces (judge's `sources`), the share of its windows called
    # ours, over all seeds: where the music gives itself away (empty without sources)
    called: dict[str, dict[str, float]]


def _rolls(pieces: list[tuple[np.ndarray, int]], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(rolls, piece index) of n windows spread over the pieces (discriminator.sampled_windows)."""
    rolls, groups = sampled_windows(pieces, n, rng, features=lambda w: window_roll(w).ravel())
    return rolls.reshape(n, len(PLANES), WINDOW_STEPS, KEYS), groups


def busyness(roll: np.ndarray) -> np.ndarray:
    """float (..., 2): the melody's and the accompaniment's onsets a bar of window rolls (..., 4, steps,
    keys), as their onset planes hold them (discriminator.BUSYNESS, one onset per key and step)."""
    return roll[..., [0, 2], :, :].sum(axis=(-2, -1)) / WINDOW_BARS


def real_as_busy(
    real: list[tuple[np.ndarray, int]], generated: np.ndarray, rng: np.random.Generator, per_song: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """(rolls, piece index) of one real window for each generated roll, as busy as it (alike_windows on
    busyness), drawn from up to `per_song` random windows of each real piece."""
    pool = []
    for i, piece in enumerate(real):
        wins = windows_of(*piece)
        pool += [(i, wins[k]) for k in rng.permutation(len(wins))[:per_song]]
    keys = np.array([busyness(window_roll(w)) for _, w in pool]).reshape(-1, 2)
    chosen = alike_windows(keys, busyness(generated), rng)
    return np.stack([window_roll(pool[k][1]) for k in chosen]), np.array([pool[k][0] for k in chosen])


def judge(
    real: list[tuple[np.ndarray, int]],
    generated: list[tuple[np.ndarray, int]],
    seeds: int,
    epochs: int,
    views: tuple[str, ...] = ("all", "melody", "accompaniment"),
    held_together: np.ndarray | None = None,
    as_busy: bool = False,
    sources: list[str] | None = None,
) -> RollFigures:
    """The network's held-out accuracies on the given VIEWS, generated against real windows, and on all
    planes real half against half. held_together: int per generated piece, the pieces held out
    together (those of one video: scored at many seeds, a video's pieces share its shots, pace and
    form, which a network trained on some of them finds in the others); None: each piece alone.
    as_busy: against real windows as busy as the generated ones (real_as_busy), not drawn alike.
    sources: what each generated piece was scored for (a video's name), to report the share of each
    source's windows called ours (RollFigures.called); None: not reported."""
    n = sum(len(windows_of(*p)) for p in generated)
    if n < 10:
        raise BgmError("the generated pieces hold fewer than 10 8-bar windows")
    figures: dict[str, list[float]] = {v: [] for v in views}
    ours_called: dict[str, list[np.ndarray]] = {v: [] for v in views}  # per seed, each generated window's call
    window_pieces = []  # per seed, the generated piece of each generated window
    halves = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        g, gg = _rolls(generated, n, rng)
        r, rg = real_as_busy(real, g, rng) if as_busy else _rolls(real, n, rng)
        x = np.concatenate([r, g])
        y = np.r_[np.zeros(n, int), np.ones(n, int)]
        groups = np.r_[rg, (gg if held_together is None else held_together[gg]) + rg.max() + 1]
        for view in views:
            calls = held_out_calls(np.ascontiguousarray(x[:, VIEWS[view]]), y, groups, seed, epochs)
            figures[view].append(float((calls == (y == 1)).mean()))
            ours_called[view].append(calls[n:])
        window_pieces.append(gg)
        order = rng.permutation(len(real))
        half = len(real) // 2
        a, ag = _rolls([real[i] for i in order[:half]], n, rng)
        b, bg = _rolls([real[i] for i in order[half:]], n, rng)
        halves.append(held_out_accuracy(np.concatenate([a, b]), y, np.r_[ag, bg + ag.max() + 1], seed, epochs))
    shares: dict[str, dict[str, float]] = {v: {} for v in views}
    if sources is not None:
        source = np.asarray(sources)[np.concatenate(window_pieces)]
        for view, per_seed in ours_called.items():
            called = np.concatenate(per_seed)
            shares[view] = {name: float(called[source == name].mean()) for name in dict.fromkeys(sources)}
    return RollFigures(n, {v: float(np.mean(a)) for v, a in figures.items()}, float(np.mean(halves)), shares)


def moved_figures(
    song: Song, source_bar: int, target_bar: int, figures: list[np.ndarray | None] | None = None
) -> np.ndarray | None:
    """The accompaniment of an 8-bar window (notes int (n, 5), steps from the window's start): the
    song's own figures (texture.song_figures) of the 8 bars from `source_bar`, realized on its chords
    of the 8 bars from `target_bar`, a bass under C2 an octave higher as a piece plays it; None where a
    bar there has no chord or the song is too short. With the two bars the same, the song's own
    accompaniment comes back: what the judge hears in a moved window is the move. figures: the song's
    song_figures where already made."""
    return figures_on_chords(song, list(range(source_bar, source_bar + WINDOW_BARS)), target_bar, figures)


def figures_on_chords(
    song: Song, source_bars: list[int], target_bar: int, figures: list[np.ndarray | None] | None = None
) -> np.ndarray | None:
    """As moved_figures, with the window's bar k playing the song's figure of bar source_bars[k]."""
    figures = song_figures(song) if figures is None else figures
    if max([*source_bars, target_bar + WINDOW_BARS - 1]) >= min(len(figures), song.n_beats // BEATS_PER_BAR):
        return None
    rows = []
    for k in range(WINDOW_BARS):
        figure = figures[source_bars[k]]
        beats = (target_bar + k) * BEATS_PER_BAR + np.arange(BEATS_PER_BAR)
        roots, pcs = song.chord_root[beats].astype(np.int64), song.chord_pcs[beats]
        if (roots < 0).any():
            return None
        if figure is None:
            continue
        pitches = realize(figure, roots, role_table(roots, pcs))
        pitches = np.where(pitches < BASS_FLOOR, pitches + 12, pitches)
        steps = k * STEPS_PER_BAR + figure[:, FIGURE_STEP].astype(np.int64)
        lengths = np.minimum(figure[:, FIGURE_LENGTH].astype(np.int64), WINDOW_STEPS - steps)
        rows += [(s, p, n, 64, ACCOMPANIMENT) for s, p, n in zip(steps, pitches, lengths)]
    return np.array(rows, np.int64).reshape(-1, 5)


@dataclass(frozen=True)
class MovedFigures:
    """Shares of held-out accompaniment windows the network, trained on ours against real, calls ours."""

    real: float  # real POP909 windows
    ours: float  # ours, of pieces it did not learn from
    in_place: float  # real songs' own figures realized again on their own chords: the round trip, as `real`
    moved: float  # real songs' own figures moved onto their chords elsewhere (moved_figures)
    # each bar the figure of a bar of the same song drawn at random, on the window's own chords: how
    # much the judge reads from one bar leading to the next
    shuffled: float


def moved_probe(
    songs: list[Song], generated: list[tuple[np.ndarray, int]], seed: int, epochs: int, apart: int = 8
) -> MovedFigures:
    """Train the network on the accompaniment of 4/5 of our pieces against as many real windows from
    the first half of `songs`, then ask it about the other pieces, real windows of the other half and
    that half's figures moved at least `apart` bars (moved_figures)."""
    rng = np.random.default_rng(seed)
    accompaniment = list(VIEWS["accompaniment"])
    ours = [(i % 5 == 0, w) for i, p in enumerate(generated) for w in windows_of(*p)]
    learn = [w for held, w in ours if not held]
    held = [w for held, w in ours if held]
    order = rng.permutation(len(songs))
    first, second = [songs[i] for i in order[: len(order) // 2]], [songs[i] for i in order[len(order) // 2 :]]
    real = [(s.notes, s.n_steps) for s in first]
    x_real, _ = _rolls(real, len(learn), rng)
    x = np.concatenate([x_real[:, accompaniment], np.stack([window_roll(w)[accompaniment] for w in learn])])
    y = np.r_[np.zeros(len(learn), int), np.ones(len(learn), int)]
    net = _trained(x, y, seed, np.random.default_rng(seed), epochs)
    real_held, _ = _rolls([(s.notes, s.n_steps) for s in second], len(held), rng)
    moved: list[np.ndarray] = []
    in_place: list[np.ndarray] = []
    shuffled: list[np.ndarray] = []
    figures: dict[str, list[np.ndarray | None]] = {}  # song_figures of each song drawn, made once
    for _ in range(100 * len(held)):
        if len(moved) == len(held):
            break
        song = second[rng.integers(len(second))]
        n_bars = song.n_steps // STEPS_PER_BAR
        if n_bars < WINDOW_BARS + apart + 1:
            continue
        a, b = (int(bar) for bar in rng.integers(0, n_bars - WINDOW_BARS, 2))
        if abs(a - b) < apart:
            continue
        if song.song_id not in figures:
            figures[song.song_id] = song_figures(song)
        bars = figures[song.song_id]
        here, there = moved_figures(song, a, a, bars), moved_figures(song, a, b, bars)
        drawn = figures_on_chords(song, rng.integers(0, n_bars, WINDOW_BARS).tolist(), a, bars)
        if all(w is not None and len(w) for w in (here, there, drawn)):
            in_place.append(window_roll(here)[accompaniment])
            moved.append(window_roll(there)[accompaniment])
            shuffled.append(window_roll(drawn)[accompaniment])
    if len(moved) < len(held):
        raise BgmError("too few real songs long enough to move their figures")

    def share(rolls: np.ndarray) -> float:
        return float(_calls_ours(net, np.ascontiguousarray(rolls)).mean())

    return MovedFigures(
        share(real_held[:, accompaniment]),
        share(np.stack([window_roll(w)[accompaniment] for w in held])),
        share(np.stack(in_place)),
        share(np.stack(moved)),
        share(np.stack(shuffled)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi-dir", required=True, help="generated pieces (.mid)")
    parser.add_argument("--pop909", help="POP909 folder (default ../shared/data/pop909 or $BGM_POP909)")
    parser.add_argument("--seeds", type=int, default=1, help="window draws and network seeds (default 1)")
    parser.add_argument(
        "--views",
        default="all,melody,accompaniment",
        help=f"planes judged, comma-separated, of {', '.join(VIEWS)} (default all,melody,accompaniment)",
    )
    parser.add_argument("--epochs", type=int, default=10, help="training passes over each fold (default 10)")
    parser.add_argument(
        "--moved",
        action="store_true",
        help="also: does the network call real songs' own figures moved onto their other chords ours?",
    )
    parser.add_argument(
        "--by-video",
        action="store_true",
        help="hold out a video's pieces together (files <video>_s<seed>.mid, as benchmarks.real_clip_music --out writes)",
    )
    parser.add_argument(
        "--as-busy",
        action="store_true",
        help="judge against real windows as busy as ours (their melody's and accompaniment's onsets a bar)",
    )
    args = parser.parse_args(argv)
    try:
        views = tuple(args.views.split(","))
        if not set(views) <= set(VIEWS):
            raise BgmError(f"--views: each of {', '.join(VIEWS)}")
        t0 = time.perf_counter()
        folder = Path(args.midi_dir)
        generated = read_folder(folder)
        own = set(song_ids(folder))
        songs, _ = load_split("train", args.pop909)
        others = [s for s in songs if s.song_id not in own]
        if args.by_video:
            from .real_clip_music import held_out_groups, sources_of  # imports the scorer: only where asked

            together, sources = held_out_groups(folder), sources_of(folder)
        else:
            together, sources = None, None
        real = [(s.notes, s.n_steps) for s in others]
        fig = judge(real, generated, args.seeds, args.epochs, views, together, args.as_busy, sources)
        moved = moved_probe(others, generated, 0, args.epochs) if args.moved else None
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(hardware())
    print(f"{fig.windows} windows a side, {args.seeds} seeds, {args.epochs} epochs")
    for view, acc in fig.views.items():
        print(f"generated vs real{' as busy' if args.as_busy else ''}, {view:13s} {acc:.1%}")
    print(f"real half vs half, all planes  {fig.real_halves:.1%}  (the floor)")
    for view, shares in fig.called.items():
        if shares:
            print(f"{view}: share of each video's windows called ours")
            for name, share in shares.items():
                print(f"  {name:16s}{share:6.1%}")
    if moved is not None:
        print(
            f"called ours on the accompaniment: real {moved.real:.1%}, ours {moved.ours:.1%}, real songs' "
            f"figures on their own chords {moved.in_place:.1%}, moved onto their chords elsewhere {moved.moved:.1%}, "
            f"each bar's drawn from a random bar of the song {moved.shuffled:.1%}"
        )
    print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
