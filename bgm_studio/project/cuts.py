"""Editing a project's cuts: move, split and merge shots.

Shots whose bounds do not change keep their music, takes and chords; a shot that changed
(or was made) loses its music and gets fresh chords, drawn as the Scorer draws a shot's new chords:
following the chords before it, in its mapped mode, closing on the home chord only at the piece's end.
The caller regenerates the shots listed in the result. The piece tempo stays; beats are re-planned
for the new cuts. A shot that keeps its bounds keeps its theme (renumbered; where the theme shot was
re-cut, the first shot that kept that theme becomes it); a new shot is its own theme. A shot's own
preset goes with it, and to the new shots cut from it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..controls.timing import TimingConfig, plan_beats
from ..errors import BgmError
from ..video.analysis import VideoAnalysis
from .state import Project, ProjectShot

if TYPE_CHECKING:  # scoring imports torch: the app's window opens before it is loaded
    from .scoring import Scorer

MIN_SHOT_S = 0.25


def edit_cuts(
    project: Project, analysis: VideoAnalysis, cuts: list[float], scorer: Scorer, seed: int = 0
) -> tuple[Project, list[int]]:
    """Re-cut the video at `cuts` (seconds, excluding 0 and the end); returns (project, shots to regenerate)."""
    cuts = sorted(cuts)
    bounds = list(zip([0.0] + cuts, cuts + [project.duration_s]))
    if any(e - s < MIN_SHOT_S for s, e in bounds):
        raise BgmError(f"shots must be at least {MIN_SHOT_S} s long")
    old = {(round(s.start_s, 6), round(s.end_s, 6)): s for s in project.shots}
    shots, changed = [], []
    themes: dict[int, int] = {}  # old theme -> its shot in the new cuts
    for i, (s, e) in enumerate(bounds):
        prev = old.get((round(s, 6), round(e, 6)))
        if prev is not None:
            shots.append(replace(prev, index=i, takes=list(prev.takes), theme=themes.setdefault(prev.theme, i)))
        else:
            shots.append(ProjectShot(i, s, e, analysis.series.mean_between(s, e)))
            changed.append(i)
    plan = plan_beats(bounds, tempo_bpm=project.tempo_bpm, cfg=TimingConfig())
    roots = np.full(plan.n_beats, -1, np.int64)
    pcs = np.zeros((plan.n_beats, 12), bool)
    for i, (shot, start, n, tempo) in enumerate(zip(shots, plan.shot_start_beats, plan.shot_beats, plan.shot_tempi)):
        kept = i not in changed and shot.n_beats == n
        if kept:
            roots[start : start + n] = project.chord_root[shot.start_beat : shot.end_beat]
            pcs[start : start + n] = project.chord_pcs[shot.start_beat : shot.end_beat]
        elif i not in changed:
            changed.append(i)
        shot.start_beat, shot.n_beats, shot.tempo_bpm = int(start), int(n), float(tempo)
        if i in changed:
            shot.takes, shot.take = [], -1
    edited = replace(
        project,
        shots=shots,
        chord_root=roots,
        chord_pcs=pcs,
        arrangement=replace(project.arrangement, shot_presets=_shot_presets(project, bounds)),
    )
    changed.sort()  # drawn in order, so each changed shot follows the new chords of one before it
    rng = np.random.default_rng(seed)
    for i in changed:
        edited.chord_root, edited.chord_pcs = scorer.draw_chords(edited, shots[i].start_beat, shots[i].end_beat, rng)
    return edited, changed


def _shot_presets(project: Project, bounds: list[tuple[float, float]]) -> tuple[tuple[int, str], ...]:
    """The shot presets renumbered for new shot bounds: each new shot takes that of the old shot it starts in."""
    presets = dict(project.arrangement.shot_presets)
    starts = [s.start_s for s in project.shots]
    found = ((i, presets.get(int(np.searchsorted(starts, start + 1e-6)) - 1)) for i, (start, _) in enumerate(bounds))
    return tuple((i, name) for i, name in found if name is not None)


def move_cut(
    project: Project, analysis: VideoAnalysis, k: int, t_s: float, scorer: Scorer
) -> tuple[Project, list[int]]:
    """Move the cut that starts shot k (k >= 1) to t_s."""
    cuts = [s.start_s for s in project.shots[1:]]
    if not 1 <= k < len(project.shots):
        raise BgmError(f"shot {k} has no cut before it to move")
    cuts[k - 1] = t_s
    if sorted(cuts) != cuts:
        raise BgmError("a cut cannot move past its neighbours")
    return edit_cuts(project, analysis, cuts, scorer)


def split_shot(project: Project, analysis: VideoAnalysis, t_s: float, scorer: Scorer) -> tuple[Project, list[int]]:
    """Add a cut at t_s, splitting the shot under it."""
    cuts = [s.start_s for s in project.shots[1:]]
    if not 0 < t_s < project.duration_s or any(abs(t_s - c) < 1e-6 for c in cuts):
        raise BgmError(f"cannot split at {t_s:.2f} s")
    return edit_cuts(project, analysis, cuts + [t_s], scorer)


def merge_shots(project: Project, analysis: VideoAnalysis, k: int, scorer: Scorer) -> tuple[Project, list[int]]:
    """Remove the cut between shot k and shot k + 1."""
    if not 0 <= k < len(project.shots) - 1:
        raise BgmError(f"shot {k} has no next shot to merge with")
    cuts = [s.start_s for i, s in enumerate(project.shots[1:], start=1) if i != k + 1]
    return edit_cuts(project, analysis, cuts, scorer)


def import_cut_list(project: Project, analysis: VideoAnalysis, path: str, scorer: Scorer) -> tuple[Project, list[int]]:
    """Re-cut the video at an editor's cut list (see video.cutlist); shots it keeps keep their music."""
    from ..video.cutlist import read_cutlist

    cuts = read_cutlist(path, analysis.info, project.duration_s)
    return edit_cuts(project, analysis, [s.start_s for s in cuts.shots[1:]], scorer)
