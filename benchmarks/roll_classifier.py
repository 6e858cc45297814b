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
the real songs (the noise floor). About 3.5 minutes a view and seed on 2 cores.

    python -m benchmarks.roll_classifier --midi-dir DIR [--views all,melody,accompaniment] [--seeds 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bgm_studio.errors import BgmError
from bgm_studio.music.notes import MELODY
from bgm_studio.music.pop909 import load_split

from .common import hardware
from .discriminator import LENGTH, PITCH, START, TRACK, WINDOW_STEPS, read_folder, sampled_windows, song_ids

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
    import torch
    from sklearn.model_selection import StratifiedGroupKFold

    hits = np.zeros(len(y), bool)
    split = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(split.split(x, y, groups)):
        net = _network(x.shape[1], seed * 100 + k)
        opt = torch.optim.Adam(net.parameters(), lr=2e-3, weight_decay=1e-4)
        xt, yt = torch.as_tensor(x[train]), torch.as_tensor(y[train], dtype=torch.float32)
        rng = np.random.default_rng([seed, k])
        net.train()
        for _ in range(epochs):
            for batch in np.array_split(rng.permutation(len(train)), max(len(train) // 32, 1)):
                opt.zero_grad()
                loss = nn_loss(net(xt[batch])[:, 0], yt[batch])
                loss.backward()
                opt.step()
        _settle_norms(net, xt)
        with torch.no_grad():
            logits = net(torch.as_tensor(x[test]))[:, 0].numpy()
        hits[test] = (logits > 0) == (y[test] == 1)
    return float(hits.mean())


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


def nn_loss(logits, target):
    """Binary cross-entropy on logits."""
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(logits, target)


@dataclass(frozen=True)
class RollFigures:
    windows: int  # windows a side
    views: dict[str, float]  # held-out accuracy per view (VIEWS), mean over seeds
    real_halves: float  # two halves of the real songs, all planes


def _rolls(pieces: list[tuple[np.ndarray, int]], n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(rolls, piece index) of n windows spread over the pieces (discriminator.sampled_windows)."""
    rolls, groups = sampled_windows(pieces, n, rng, features=lambda w: window_roll(w).ravel())
    return rolls.reshape(n, len(PLANES), WINDOW_STEPS, KEYS), groups


def judge(
    real: list[tuple[np.ndarray, int]],
    generated: list[tuple[np.ndarray, int]],
    seeds: int,
    epochs: int,
    views: tuple[str, ...] = ("all", "melody", "accompaniment"),
) -> RollFigures:
    """The network's held-out accuracies on the given VIEWS, generated against real windows, and on all
    planes real half against half."""
    from .discriminator import windows_of

    n = sum(len(windows_of(*p)) for p in generated)
    if n < 10:
        raise BgmError("the generated pieces hold fewer than 10 8-bar windows")
    figures: dict[str, list[float]] = {v: [] for v in views}
    halves = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        g, gg = _rolls(generated, n, rng)
        r, rg = _rolls(real, n, rng)
        x = np.concatenate([r, g])
        y = np.r_[np.zeros(n, int), np.ones(n, int)]
        groups = np.r_[rg, gg + rg.max() + 1]
        for view in views:
            planes = VIEWS[view]
            figures[view].append(held_out_accuracy(np.ascontiguousarray(x[:, planes]), y, groups, seed, epochs))
        order = rng.permutation(len(real))
        half = len(real) // 2
        a, ag = _rolls([real[i] for i in order[:half]], n, rng)
        b, bg = _rolls([real[i] for i in order[half:]], n, rng)
        halves.append(held_out_accuracy(np.concatenate([a, b]), y, np.r_[ag, bg + ag.max() + 1], seed, epochs))
    return RollFigures(n, {v: float(np.mean(a)) for v, a in figures.items()}, float(np.mean(halves)))


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
        real = [(s.notes, s.n_steps) for s in songs if s.song_id not in own]
        fig = judge(real, generated, args.seeds, args.epochs, views)
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(hardware())
    print(f"{fig.windows} windows a side, {args.seeds} seeds, {args.epochs} epochs")
    for view, acc in fig.views.items():
        print(f"generated vs real, {view:13s} {acc:.1%}")
    print(f"real half vs half, all planes  {fig.real_halves:.1%}  (the floor)")
    print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
