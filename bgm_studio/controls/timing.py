"""Musical timing for a video: a tempo from its pace and a whole number of beats per shot.

Every cut should fall on a beat. The piece has one tempo, chosen in [min_bpm, max_bpm]
near the tempo the picture's pace suggests; each shot then gets a whole number of
beats and its own tempo, within max_stretch of the piece tempo, so that its beats fill
it exactly. Where whole beats would move the tempo much more than half beats would (a
2.5-beat shot), the cut lands on the eighth before the next shot's first beat instead: a
fast montage keeps its tempo. A cut that opens a long shot is moved onto a bar line when that
costs little stretch. A shot too short to meet its cut within max_stretch may stretch up to
short_stretch (a brief push or pull of the tempo, as a player would); where even that
cannot land the cut within cut_tolerance_s of its beat or eighth, the music rides over the cut,
and cut_misses reports it so the user is told. The last shot's beats leave the final chord a
fair share of a short piece, not most of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import BgmError
from ..music.notes import BEATS_PER_BAR
from ..music.structure import cadence_start


@dataclass(frozen=True)
class TimingConfig:
    min_bpm: float = 70.0  # slowest piece tempo
    max_bpm: float = 140.0  # fastest piece tempo
    bpm_step: float = 0.5  # tempo search resolution
    max_stretch: float = 0.08  # a shot's tempo may differ this much (relative) from the piece tempo
    long_shot_s: float = 4.0  # a cut opening a shot this long prefers a bar line
    pace_weight: float = 0.3  # cost of leaving the pace tempo, per 100% difference, in beats
    bar_weight: float = 0.05  # cost of a long shot starting off a bar line, in beats
    cut_tolerance_s: float = 0.04  # a cut this close to its beat is on it
    short_stretch: float = 0.25  # the most a shot that cannot meet its cut otherwise may stretch
    final_share: float = 1 / 3  # the share of a piece's beats its final chord may take at no cost
    ending_weight: float = 0.5  # cost per share of the piece's beats its final chord takes past that, in beats
    eighth_weight: float = 0.08  # cost of a cut on an eighth, in beats: taken where a beat would stretch ~8% more


@dataclass
class BeatPlan:
    """Where the beats fall: one tempo for the piece, whole beats and a tempo per shot."""

    tempo_bpm: float
    shot_beats: list[int]
    shot_tempi: list[float]
    drift_ms: list[float]  # |cut time - time of its beat or eighth| for every cut after the first shot
    on_eighth: list[bool]  # per cut: it lands half a beat before the next shot's first beat

    @property
    def shot_start_beats(self) -> list[int]:
        starts: list[int] = np.cumsum(self.shot_beats)[:-1].tolist()
        return [0] + starts

    @property
    def n_beats(self) -> int:
        return int(sum(self.shot_beats))

    def beat_times(self) -> np.ndarray:
        """Time in seconds of every beat (and of the end), shape (n_beats + 1,)."""
        lengths = np.repeat([60.0 / t for t in self.shot_tempi], self.shot_beats)
        return np.concatenate([[0.0], np.cumsum(lengths)])


def pace_tempo(pace: float, cfg: TimingConfig = TimingConfig()) -> float:
    """Map a pace in [0, 1] (calm .. busy) to a tempo between 75 and 130 BPM."""
    lo, hi = max(cfg.min_bpm, 75.0), min(cfg.max_bpm, 130.0)
    return lo + float(np.clip(pace, 0, 1)) * (hi - lo)


def check_tempo(tempo_bpm: float | None, cfg: TimingConfig = TimingConfig()) -> None:
    """Refuse a requested piece tempo (None: chosen from the video) outside half the slowest to twice the fastest."""
    if tempo_bpm is not None and not cfg.min_bpm / 2 <= tempo_bpm <= cfg.max_bpm * 2:
        raise BgmError(f"tempo {tempo_bpm} BPM is out of range ({cfg.min_bpm / 2:.0f}-{cfg.max_bpm * 2:.0f})")


def _ending_cost(n_beats: int, cfg: TimingConfig) -> float:
    """Cost of a piece of n_beats whose final chord (ringing from music.structure.cadence_start)
    takes more than cfg.final_share of it: only a short piece's can. A 5.3-s clip at 102 BPM has 9
    beats: the final chord took 5, which left one bar of melody; 10 beats at 114 BPM leave two."""
    share = (n_beats - cadence_start(n_beats)) / n_beats
    return cfg.ending_weight * max(0.0, share - cfg.final_share)


def _options(
    music_t: float,
    end: float,
    bpm: float,
    stretch: float,
    total_beats: int,
    next_long: bool,
    last: bool,
    cfg: TimingConfig,
) -> list[tuple[float, int, float, float, bool]]:
    """(cost, beats, tempo, miss_s, on_eighth) of each way to fit one shot's music starting at
    music_t to its end cut at `end`, its tempo within `stretch` of bpm: n whole beats with the cut
    on the last (or, but for the last shot, on the eighth before it)."""
    period = 60.0 / bpm
    want = max(end - music_t, 1e-3)
    out = []
    for n in range(max(1, int(want / period) - 1), int(want / period) + 3):
        for half in (False,) if last else (False, True):
            landed = n - 0.5 * half  # beats from the music's shot start to the cut
            rel = landed * 60.0 / want / bpm - 1
            clamped = bpm * (1 + min(max(rel, -stretch), stretch))
            miss = abs(music_t + landed * 60.0 / clamped - end)
            bar = cfg.bar_weight if next_long and (half or (total_beats + n) % BEATS_PER_BAR) else 0
            c = miss / period + abs(rel) + bar + cfg.eighth_weight * half
            c += _ending_cost(total_beats + n, cfg) if last else 0.0
            out.append((c, n, float(clamped), miss, half))
    return out


def _fit_shots(
    durations: np.ndarray, cuts: np.ndarray, bpm: float, cfg: TimingConfig
) -> tuple[float, list[int], list[float], list[float], list[bool]]:
    """Greedy beats per shot at one tempo: (cost, beats, tempi, drift_s, on_eighth).

    A shot's music is n whole beats at its own tempo; its end cut lands on the last of them, or
    half a beat before it (on_eighth: the cut falls on the eighth and the next shot's music starts
    on the beat after, so a shot of 2.5 beats keeps the piece's tempo instead of moving to 2 or 3).
    The last cut is chosen with the last shot, whose music must end on a beat with the video."""
    beats: list[int] = []
    tempi: list[float] = []
    drift: list[float] = []
    eighths: list[bool] = []
    video_end = float(np.sum(durations))
    music_t, cost, total_beats = 0.0, 0.0, 0
    for k in range(len(durations)):
        last = k == len(cuts)
        end = video_end if last else cuts[k]
        next_long = k + 1 < len(durations) and durations[k + 1] >= cfg.long_shot_s

        def ahead(o: tuple[float, int, float, float, bool]) -> float:
            """The option's cost, with the last shot's best after it where this is the last cut."""
            if k != len(cuts) - 1:
                return o[0]
            after = music_t + o[1] * 60.0 / o[2]
            return o[0] + min(
                f[0] for f in _options(after, video_end, bpm, cfg.max_stretch, total_beats + o[1], False, True, cfg)
            )

        for stretch in (cfg.max_stretch, cfg.short_stretch):
            best = min(_options(music_t, end, bpm, stretch, total_beats, next_long, last, cfg), key=ahead)
            if best[3] <= cfg.cut_tolerance_s or last:
                break
        c, n, local, miss, half = best
        beats.append(n)
        tempi.append(local)
        music_t += n * 60.0 / local
        total_beats += n
        cost += c
        if not last:
            drift.append(miss)
            eighths.append(half)
    return cost, beats, tempi, drift, eighths


def plan_beats(
    shot_bounds: list[tuple[float, float]],
    pace: float = 0.5,
    tempo_bpm: float | None = None,
    cfg: TimingConfig = TimingConfig(),
) -> BeatPlan:
    """Choose the piece tempo (or take `tempo_bpm`) and the beats of every shot.

    shot_bounds: (start_s, end_s) of each shot, contiguous from 0. pace in [0, 1].
    """
    if not shot_bounds:
        raise BgmError("no shots to time")
    starts = np.array([s for s, _ in shot_bounds])
    ends = np.array([e for _, e in shot_bounds])
    durations = ends - starts
    if np.any(durations <= 0):
        raise BgmError("shots must have positive length")
    check_tempo(tempo_bpm, cfg)
    cuts = ends[:-1]
    target = pace_tempo(pace, cfg)
    candidates = [tempo_bpm] if tempo_bpm else np.arange(cfg.min_bpm, cfg.max_bpm + 1e-9, cfg.bpm_step)
    best: tuple[float, float, list[int], list[float], list[float], list[bool]] | None = None
    for bpm in candidates:
        cost, beats, tempi, drift, eighths = _fit_shots(durations, cuts, float(bpm), cfg)
        cost += cfg.pace_weight * abs(bpm - target) / target * len(durations)
        if best is None or cost < best[0]:
            best = (cost, float(bpm), beats, tempi, drift, eighths)
    assert best is not None  # candidates hold the given tempo or the range of tempi
    _, bpm, beats, tempi, drift, eighths = best
    # The last shot ends with the video: its tempo fills it exactly.
    last_start = float(np.sum(np.array(beats[:-1]) * 60.0 / np.array(tempi[:-1]))) if len(beats) > 1 else 0.0
    tempi[-1] = beats[-1] * 60.0 / max(ends[-1] - last_start, 1e-3)
    return BeatPlan(bpm, beats, tempi, [d * 1000 for d in drift], eighths)


def cut_misses(
    plan: BeatPlan, shot_bounds: list[tuple[float, float]], cfg: TimingConfig = TimingConfig()
) -> list[tuple[int, float, float]]:
    """(shot index, cut time s, miss ms) for every cut that lands further than cut_tolerance_s
    from its beat: the music rides over it."""
    return [(k + 1, shot_bounds[k][1], d) for k, d in enumerate(plan.drift_ms) if d > cfg.cut_tolerance_s * 1000]


def stretch_note(shot_tempi: list[float], tempo_bpm: float, cfg: TimingConfig = TimingConfig()) -> str | None:
    """One line naming the shots whose tempo leaves the piece tempo by more than max_stretch (shots too
    short for whole beats near it, pushed up to short_stretch so their cuts stay on a beat), or None."""
    pushed = [k for k, t in enumerate(shot_tempi) if abs(t / tempo_bpm - 1) > cfg.max_stretch + 1e-9]
    if not pushed:
        return None
    low, high = (f"{t:.0f}" for t in (min(shot_tempi[k] for k in pushed), max(shot_tempi[k] for k in pushed)))
    which = f"shot {pushed[0]} is" if len(pushed) == 1 else f"shots {', '.join(map(str, pushed))} are"
    return (
        f"note: {which} too short for whole beats within {cfg.max_stretch:.0%} of {tempo_bpm:.0f} BPM: "
        f"the tempo moves to {low if low == high else f'{low}-{high}'} BPM there so that the cuts stay on a beat or eighth"
    )


def cut_landings(
    shot_bounds: list[tuple[float, float]], shot_beats: list[int], shot_tempi: list[float]
) -> list[tuple[float, float]]:
    """(miss from the shot's first beat, miss from the eighth before it), in ms, for every cut:
    where each shot's music (its beats at its tempo, shots in turn from 0) meets its cut."""
    starts = np.concatenate([[0.0], np.cumsum(np.array(shot_beats) * 60.0 / np.array(shot_tempi))])
    return [
        (
            abs(starts[k] - shot_bounds[k][0]) * 1000,
            abs(starts[k] - 30.0 / shot_tempi[k - 1] - shot_bounds[k][0]) * 1000,
        )
        for k in range(1, len(shot_bounds))
    ]


def eighth_note(
    shot_bounds: list[tuple[float, float]], landings: list[tuple[float, float]], cfg: TimingConfig = TimingConfig()
) -> str | None:
    """One line naming the cuts that fall on an eighth rather than a beat (see cut_landings), or None."""
    tol = cfg.cut_tolerance_s * 1000
    times = [shot_bounds[k + 1][0] for k, (beat, eighth) in enumerate(landings) if beat > tol and eighth <= tol]
    if not times:
        return None
    where = ", ".join(f"{t:.2f}" for t in times)
    return (
        f"note: the cut{'s' if len(times) > 1 else ''} at {where} s fall{'' if len(times) > 1 else 's'} on the eighth "
        "before a beat, where whole beats would move the tempo too far"
    )
