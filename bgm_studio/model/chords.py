"""Chord-progression model learned from POP909's chord annotations.

Chords are read per half bar (2 beats), relative to the key's tonic, as tokens
"root:pitch-class-mask" (e.g. "0:145" is the tonic major triad). A back-off n-gram
(context: mode, half of the bar, the last two chords) predicts the next token; at
segment starts the chord is drawn from the chords that open 8-bar phrases in POP909, and a
cut on a half bar's first beat always brings a new chord (the music marks it); the final bar
closes on the tonic chord (a cadence). A pop progression comes round again: each half bar plays the
chord of 2 or 4 bars before at the odds POP909's do, given which of them the half bar
before played again (see `recall_rates`). Fitted tables are plain JSON.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..controls.themes import looped_beat
from ..errors import BgmError
from ..music.metrics import estimate_key, key_fit
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from ..music.pop909 import Song
from ..music.structure import cadence_start

HALF_BAR = BEATS_PER_BAR // 2
PHRASE_BARS = 8
RECALL_LAGS = (4, 8)  # half bars after which a progression comes round again (2 and 4 bars)
DEFAULT_CHORD_MODEL = Path(__file__).resolve().parents[2] / "models" / "chords.json"
MIN_COUNT = 2


TONIC_TRIADS = {False: "0:145", True: "0:137"}  # the home chord of major and of minor, as tokens


def closing_key(
    chord_root: np.ndarray, chord_pcs: np.ndarray, cadence: int, tonic: int, fallback: tuple[int, bool]
) -> tuple[int, bool]:
    """(tonic pitch class, minor) the piece closes in: of the key's tonic, its relative minor and its
    dominant, the key whose Krumhansl-Schmuckler profile best matches the chords before the cadence
    (one count per beat for each chord tone, one more for its root, as the bass doubles it). So the
    final chord is the tonic a listener, or a key finder, hears the piece in: a progression that
    dwells on its dominant sounds in that key. On 48 pieces scored from six real clips (seeds 10-17)
    this matched a key finder run on their notes before the cadence in 38; the tonic or relative
    minor alone, 30. `fallback` where nothing can tell (no chords before the cadence, a tie).
    chord_root: int (n_beats,), -1 where no chord; chord_pcs: bool (n_beats, 12); tonic: the major key's."""
    chords, roots = np.asarray(chord_pcs[:cadence], bool), np.asarray(chord_root[:cadence])
    if not chords.any():
        return fallback
    hist = chords.sum(axis=0) + np.bincount(roots[roots >= 0] % 12, minlength=12)
    keys = [(tonic % 12, False), ((tonic + 9) % 12, True), ((tonic + 7) % 12, False)]
    fits = [key_fit(hist, t, m) for t, m in keys]
    best = int(np.argmax(fits))
    return fallback if fits.count(fits[best]) > 1 else keys[best]


DIATONIC_TRIADS = ((0, False), (2, True), (4, True), (5, False), (7, False), (9, True))  # I ii iii IV V vi


def final_chord(chord_root: np.ndarray, chord_pcs: np.ndarray) -> tuple[int, bool]:
    """(root pitch class, minor: it holds the minor third) of a progression's last chord."""
    root = int(chord_root[-1])
    return root % 12, root >= 0 and bool(chord_pcs[-1][(root + 3) % 12])


def heard_close(
    notes: np.ndarray, cadence: int, tonic: int, roots: np.ndarray | None = None
) -> tuple[int, bool] | None:
    """(tonic pitch class, minor) of the key a Krumhansl-Schmuckler key finder hears in the notes
    struck before beat `cadence`, where its tonic triad is one of the major key `tonic`'s diatonic
    triads, or its tonic the root of one of the chords `roots` (int (n_beats,), -1 for none) before
    the cadence; None where it hears another key or there are no notes. A piece closes on this key's
    tonic: its chords before the cadence do not always tell the key its music sounds in, as when
    a melody dwells on the third of the key (the key finder then hears the mediant's minor), or when
    a progression drawn in F dwells on D, G, A and C and sounds in G."""
    before = notes[notes[:, 0] < cadence * STEPS_PER_BEAT]
    if not len(before):
        return None
    home, minor = estimate_key(before)
    played = set() if roots is None else {int(r) % 12 for r in np.asarray(roots)[:cadence] if r >= 0}
    return (home, minor) if ((home - tonic) % 12, minor) in DIATONIC_TRIADS or home in played else None


def close_on_tonic(
    chord_root: np.ndarray, chord_pcs: np.ndarray, tonic: int, from_beat: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The progression with its closing cadence (cadence_start on, beats before from_beat kept) one
    chord: the tonic triad of closing_key, read from the chords before it. Called once a piece's
    chords are final (after themes and returning phrases repeat theirs), which can change the key
    they sound in; where that cannot be told the cadence keeps the chord it has."""
    roots, pcs = chord_root.copy(), chord_pcs.copy()
    cadence = cadence_start(len(roots))
    first = max(cadence, from_beat)
    if first >= len(roots):
        return roots, pcs
    home, minor = closing_key(roots, pcs, cadence, tonic, fallback=final_chord(roots, pcs))
    roots[first:], pcs[first:] = token_chord(TONIC_TRIADS[minor], home)
    return roots, pcs


def repeat_progression(
    chord_root: np.ndarray, chord_pcs: np.ndarray, source: tuple[int, int], target: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The progression with beats target[0]..target[1] playing the chords of beats source[0]..source[1] again.

    The source's half-bar chords are repeated from its first half bar, looped or cut to the target's
    length; chords change on the piece's half-bar grid. Every beat outside the target keeps its chord.
    chord_root : (n_beats,), chord_pcs : (n_beats, 12), as in `resample`.
    """
    roots, pcs = chord_root.copy(), chord_pcs.copy()
    for b in range(*target):
        half_start = looped_beat(b, source, target, HALF_BAR) // HALF_BAR * HALF_BAR
        at = max(half_start, source[0])  # the source's own beat in a half bar it shares with the shot before
        roots[b], pcs[b] = chord_root[at], chord_pcs[at]
    return roots, pcs


def chord_token(root: int, pcs: np.ndarray, tonic: int) -> str:
    """Chord (absolute root, 12 chord-tone flags) -> token relative to the tonic."""
    if root < 0 or not pcs.any():
        return "N"
    rel = np.roll(pcs, -tonic)
    mask = int(sum(1 << i for i in np.nonzero(rel)[0]))
    return f"{(root - tonic) % 12}:{mask}"


def token_chord(token: str, tonic: int) -> tuple[int, np.ndarray]:
    """Token -> (absolute root, chord-tone flags (12,))."""
    pcs = np.zeros(12, bool)
    if token == "N":
        return -1, pcs
    root, mask = (int(x) for x in token.split(":"))
    for i in range(12):
        if mask >> i & 1:
            pcs[(i + tonic) % 12] = True
    return (root + tonic) % 12, pcs


def song_tokens(song: Song) -> tuple[list[str], list[bool]]:
    """Half-bar chord tokens of a song and whether each half bar is in a minor key.

    Minor-key songs are read relative to their own (minor) tonic.
    """
    tokens, minor = [], []
    for b in range(0, song.n_beats - HALF_BAR + 1, HALF_BAR):
        tonic = int(song.key_tonic[b])
        tokens.append(chord_token(int(song.chord_root[b]), song.chord_pcs[b], tonic))
        minor.append(bool(song.key_minor[b]))
    return tokens, minor


@dataclass
class ChordModel:
    """Counts of next-chord tokens by context; see module docstring."""

    tables: dict[str, dict[str, int]]  # context key -> token -> count

    @classmethod
    def fit(cls, songs: list[Song]) -> "ChordModel":
        tables: dict[str, Counter] = defaultdict(Counter)
        for song in songs:
            tokens, minor = song_tokens(song)
            for i, tok in enumerate(tokens):
                if tok == "N":
                    continue
                mode = "min" if minor[i] else "maj"
                half = i % 2
                p1 = tokens[i - 1] if i >= 1 else "^"
                p2 = tokens[i - 2] if i >= 2 else "^"
                tables[f"{mode}|{half}"][tok] += 1
                tables[f"{mode}|{half}|{p1}"][tok] += 1
                tables[f"{mode}|{half}|{p1}|{p2}"][tok] += 1
                if i % (2 * PHRASE_BARS) == 0:
                    tables[f"{mode}|start"][tok] += 1
            far = max(RECALL_LAGS)
            for i in range(far + 1, len(tokens)):
                if len(set(minor[i - far : i + 1])) == 1 and "N" not in tokens[i - far - 1 : i + 1]:
                    for token, key in _recall_keys(tokens, i).items():
                        tables[key]["same" if tokens[i] == token else "other"] += 1
        return cls({k: {t: c for t, c in v.items() if c >= MIN_COUNT} for k, v in tables.items()})

    def distribution(
        self, mode: str, half: int, p1: str, p2: str, segment_start: bool, exclude: str | None = None
    ) -> dict[str, int]:
        """Most specific context with data (back-off), without the token `exclude` (the chord before
        a cut, which must change): a context whose every count is that chord backs off further."""
        keys = ([f"{mode}|start"] if segment_start else []) + [
            f"{mode}|{half}|{p1}|{p2}",
            f"{mode}|{half}|{p1}",
            f"{mode}|{half}",
        ]
        for key in keys:
            table = {t: c for t, c in self.tables.get(key, {}).items() if t != exclude}
            if sum(table.values()) >= 5:
                return table
        raise BgmError(f"chord model has no data for mode {mode!r}")

    def recall_rates(self, history: list[str], i: int, lags: tuple[int, ...]) -> dict[str, float]:
        """POP909's odds that half bar i plays each chord it could play again: of the `lags` half bars
        before (of RECALL_LAGS), given which lags gave it and which half bar i - 1 played again
        (history: the tokens of half bars 0..i-1 at least, in order). A chord of 4 bars before comes round 0.61 of
        the time after a half bar that played its own again, 0.15 after one that did not (train
        split). Drawn from the n-gram alone, progressions came round at 0.26 / 0.12, and windows of a
        piece scored on drawn chords were told from POP909's by the bar-to-bar overlap 2 and 4 bars
        apart (train songs 771-818). Empty without data (a table fitted before this was learned)."""
        out = {}
        for token, key in _recall_keys(history, i, lags).items():
            table = self.tables.get(key, {})
            total = sum(table.values())
            if total:
                out[token] = table.get("same", 0) / total
        return out

    def sample(
        self,
        n_beats: int,
        minor: np.ndarray,
        segment_start: np.ndarray,
        tonic: int,
        rng: np.random.Generator,
        temperature: float = 1.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-beat (chord_root (n_beats,), chord_pcs (n_beats, 12)) for a piece in the key of `tonic` major.

        A minor segment is read around the relative minor (tonic + 9), so the piece keeps one key
        signature; the closing cadence holds the tonic the piece's chords sound in (see closing_key).
        """
        none = np.full(n_beats, -1, np.int64), np.zeros((n_beats, 12), bool)
        return self.resample(*none, 0, n_beats, minor, segment_start, tonic, rng, temperature)

    def resample(
        self,
        chord_root: np.ndarray,
        chord_pcs: np.ndarray,
        start_beat: int,
        end_beat: int,
        minor: np.ndarray,
        segment_start: np.ndarray,
        tonic: int,
        rng: np.random.Generator,
        temperature: float = 1.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The progression (chord_root (n_beats,), chord_pcs (n_beats, 12)) with beats start..end drawn again.

        The half bars before `start_beat` are read as the history, so the new chords follow them as
        in a draw of the whole piece (same half-bar grid, phrase starts and closing cadence, see
        `sample`); every beat outside start..end keeps its chord.
        """
        roots, pcs = chord_root.copy(), chord_pcs.copy()
        history = ["^", "^"]
        cadence = cadence_start(len(roots))
        close: tuple[int, bool] | None = None
        for i in range(-(-end_beat // HALF_BAR)):
            b = i * HALF_BAR
            mode = "min" if minor[b] else "maj"
            home = tonic if mode == "maj" else (tonic + 9) % 12
            if b >= cadence:  # the chords before the cadence are all drawn by now
                close = close or closing_key(roots, pcs, cadence, tonic, fallback=(home, bool(minor[b])))
                home, mode = close[0], "min" if close[1] else "maj"
            if b + HALF_BAR <= start_beat:
                history.append(chord_token(int(roots[b]), pcs[b], home))
                continue
            starts = bool(segment_start[b : b + HALF_BAR].any()) or i == 0
            if b >= cadence:
                tok = TONIC_TRIADS[mode == "min"]  # tonic triad: cadence
            else:
                cut = b > 0 and bool(segment_start[b])  # a cut on this half bar: the chord changes
                table = self.distribution(
                    mode, i % 2, history[-1], history[-2], starts and i % 2 == 0, history[-1] if cut else None
                )
                toks = list(table)
                w = np.array([table[t] for t in toks], np.float64) ** (1.0 / temperature)
                w /= w.sum()
                lags = tuple(lag for lag in RECALL_LAGS if i >= lag and minor[(i - lag) * HALF_BAR] == minor[b])
                rates = self.recall_rates(history[2:], i, lags)
                if cut:
                    rates.pop(history[-1], None)
                toks, w = _with_recall(toks, w, rates)
                tok = toks[rng.choice(len(toks), p=w)]
            first, last = max(b, start_beat), min(b + HALF_BAR, end_beat)
            roots[first:last], pcs[first:last] = token_chord(tok, home)
            history.append(tok)
        return roots, pcs

    def save(self, path: str | os.PathLike) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"version": 1, "tables": self.tables}, sort_keys=True))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "ChordModel":
        path = Path(path or DEFAULT_CHORD_MODEL)
        try:
            data = json.loads(Path(path).read_text())
            return cls(data["tables"])
        except (OSError, json.JSONDecodeError, KeyError, TypeError, RecursionError) as exc:
            raise BgmError(f"{path}: cannot read chord model ({exc})") from exc


def _recall_keys(tokens: list[str], i: int, lags: tuple[int, ...] = RECALL_LAGS) -> dict[str, str]:
    """For each chord half bar i could play again (that of `lags` half bars before, "N" never), the
    table key of its odds: which of RECALL_LAGS gave it, and which half bar i - 1 played again
    (tokens: of half bars 0..i-1 at least; half bar i's own is never read)."""
    before = "".join("1" if i - 1 >= lag and tokens[i - 1] == tokens[i - 1 - lag] else "0" for lag in RECALL_LAGS)
    out = {}
    for lag in lags:
        token = tokens[i - lag]
        if token != "N" and token not in out:
            gave = "".join("1" if lag2 in lags and tokens[i - lag2] == token else "0" for lag2 in RECALL_LAGS)
            out[token] = f"recall|{before}|{gave}"
    return out


def _with_recall(toks: list[str], w: np.ndarray, rates: dict[str, float]) -> tuple[list[str], np.ndarray]:
    """The draw's tokens and odds with each token of `rates` drawn at its rate, the others scaled
    alike to fill the rest (all scaled, where the rates pass 1)."""
    if not rates:
        return toks, w
    toks = [*toks, *(t for t in rates if t not in toks)]
    w = np.append(w, np.zeros(len(toks) - len(w)))
    raised = np.array([t in rates for t in toks])
    w[raised] = [rates[t] for t in np.array(toks)[raised]]
    rest = w[~raised].sum()
    if w[raised].sum() >= 1.0 or rest == 0:
        return toks, w / w.sum()
    w[~raised] *= (1.0 - w[raised].sum()) / rest
    return toks, w
