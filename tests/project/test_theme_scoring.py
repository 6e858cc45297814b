from types import SimpleNamespace

import numpy as np
import pytest

from bgm_studio.model.chords import repeat_progression
from bgm_studio.music.structure import cadence_start
from bgm_studio.model.pipeline import SampleConfig, _same_harmony
from bgm_studio.project.cuts import split_shot
from bgm_studio.music.metrics import structureness
from bgm_studio.music.notes import MELODY
from bgm_studio.music.structure import phrase_returns, repeated_bars
from bgm_studio.project.scoring import Scorer, ScoringOptions, returning_phrases, shot_controls, theme_echoes
from bgm_studio.project.state import load_project, save_project
from bgm_studio.video.analysis import analyze_video
from video_clips import ShotSpec, make_clip

A = dict(seconds=4.0, hue=30, brightness=0.65, motion=0.05)
B = dict(seconds=4.0, hue=210, brightness=0.35, look="texture", motion=0.2)


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory, tiny_model):
    """A synthesised A B A B clip, planned and generated."""
    path = tmp_path_factory.mktemp("abab") / "abab.mp4"
    make_clip(path, [ShotSpec(seed=0, **A), ShotSpec(seed=1, **B), ShotSpec(seed=2, **A), ShotSpec(seed=3, **B)])
    scorer = Scorer(str(tiny_model), SampleConfig(steps=4))
    analysis = analyze_video(path)
    return scorer, analysis, scorer.generate(scorer.plan(analysis, ScoringOptions(seed=3)))


def outside(notes, shot):
    return notes[(notes[:, 0] < shot.start_step) | (notes[:, 0] >= shot.end_beat * 4)]


def test_returning_shots_take_the_mode_and_chords_of_their_theme(dialogue):
    scorer, _, project = dialogue
    assert [s.theme for s in project.shots] == [0, 1, 0, 1]
    minor = [c.minor for c in shot_controls(project, scorer.quantiles)]
    assert minor[2] == minor[0] and minor[3] == minor[1]
    cadence = cadence_start(project.n_beats)
    for k in (2, 3):
        shot, theme = project.shots[k], project.shots[project.shots[k].theme]
        end = min(shot.end_beat, cadence)
        assert project.chord_root[shot.start_beat] == project.chord_root[theme.start_beat]
        again = repeat_progression(
            project.chord_root, project.chord_pcs, (theme.start_beat, theme.end_beat), (shot.start_beat, end)
        )
        assert np.array_equal(again[0], project.chord_root) and np.array_equal(again[1], project.chord_pcs)
    assert len(set(project.chord_root[cadence:].tolist())) == 1  # the closing cadence stands


def test_themes_are_saved_and_a_redrawn_shot_gets_its_own_chords(dialogue, tmp_path):
    scorer, _, project = dialogue
    save_project(project, tmp_path / "p.bgm.json")
    assert [s.theme for s in load_project(tmp_path / "p.bgm.json").shots] == [0, 1, 0, 1]
    shot, theme = project.shots[2], project.shots[0]
    inside = np.r_[shot.start_beat : shot.end_beat]
    own = False
    for seed in range(4):
        again = scorer.regenerate(project, 2, seed=seed, new_chords=True)
        assert np.array_equal(np.delete(again.chord_pcs, inside, 0), np.delete(project.chord_pcs, inside, 0))
        assert np.array_equal(outside(again.notes(), shot), outside(project.notes(), shot))
        own |= not np.array_equal(again.chord_root[inside], project.chord_root[theme.start_beat :][: len(inside)])
    assert own


def test_regenerate_and_cut_edits_hold_every_note_outside_the_edited_shots(dialogue):
    scorer, analysis, project = dialogue
    again = scorer.regenerate(project, 3, seed=21)
    assert np.array_equal(outside(again.notes(), again.shots[3]), outside(project.notes(), project.shots[3]))
    split, changed = split_shot(project, analysis, project.shots[1].start_s + 2.0, scorer)
    assert changed == [1, 2]
    assert [s.theme for s in split.shots] == [0, 1, 2, 0, 4]  # shot 3 (was 1's look) now leads its look
    for k in changed:
        split = scorer.regenerate(split, k, seed=5 + k)
    for old, new in zip([project.shots[k] for k in (0, 2, 3)], [split.shots[k] for k in (0, 3, 4)]):
        assert np.array_equal(new.current_notes(), old.current_notes())
        assert np.array_equal(
            split.chord_root[new.start_beat : new.end_beat], project.chord_root[old.start_beat : old.end_beat]
        )


def test_a_returning_shot_plays_its_theme_again(tmp_path):
    """With the shipped models: shot 2 (look A again) shares far more notes with shot 0 than shot 1
    (look B) does."""
    path = tmp_path / "abab.mp4"
    make_clip(path, [ShotSpec(seed=0, **A), ShotSpec(seed=1, **B), ShotSpec(seed=2, **A), ShotSpec(seed=3, **B)])
    scorer = Scorer(None)
    project = scorer.generate(scorer.plan(analyze_video(path), ScoringOptions(seed=1)))
    notes = project.notes()

    def shared(a, b) -> float:
        n = min(a.n_beats, b.n_beats) * 4
        cells = [
            {(s - shot.start_step, p) for s, p in notes[:, :2] if shot.start_step <= s < shot.start_step + n}
            for shot in (a, b)
        ]
        return len(cells[0] & cells[1]) / max(1, len(cells[0] | cells[1]))

    assert shared(project.shots[0], project.shots[2]) > shared(project.shots[0], project.shots[1]) + 0.3


@pytest.fixture(scope="module")
def long_shot(tmp_path_factory):
    """A 36-s clip of one shot: about 15 bars, so the first 8-bar phrase returns."""
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    make_clip(path, [ShotSpec(seconds=36.0, look="texture", pan=0.2, motion=0.3, seed=5)], size=(160, 90))
    return analyze_video(path)


def test_a_long_shot_has_a_form_whose_returning_phrases_repeat_their_chords_and_music(long_shot):
    """With the shipped models: a single long shot is planned as several phrases; a phrase whose
    letter was heard before plays that phrase's chords again, and its music follows (SI mid; real
    songs 0.38; a long phrase repeated at once plays new figures under its returning melody). New chords for the shot keep the returns.

    The piece's seed mixes the user's with the video's bytes (video_seed), and x264 does not always
    write this clip's bytes alike: in one full run of the suite they differed from frame 93 on. This
    clip's second phrase returns in about half of the plans (19 and 20 of seeds 0-39 for the two
    encodings), so the test asks it of many seeds and takes the pieces that return."""
    scorer = Scorer(None)
    plans = [scorer.plan(long_shot, ScoringOptions(seed=s)) for s in range(16)]
    for plan in plans:
        assert len(plan.phrases) >= 2 and sum(p.n_bars for p in plan.phrases) == -(-plan.n_beats // 4)
    returning = [plan for plan in plans if returning_phrases(plan.phrases, plan.n_beats)]
    assert len(returning) >= 4  # one in 100 draws of 16 fair coins has fewer
    project = returning[0]
    letters = [p.letter for p in project.phrases]
    returns = returning_phrases(project.phrases, project.n_beats)
    assert len(set(letters)) < len(letters)
    for (s0, _), (t0, t1) in returns:
        n = t1 - t0
        assert np.array_equal(project.chord_root[t0:t1], project.chord_root[s0 : s0 + n])
    si, kept, returned = [], 0, 0
    for plan in returning[:3]:
        notes = scorer.generate(plan).notes()
        si.append(structureness(notes, plan.n_beats * 4)["si_mid"])
        melody = notes[notes[:, 4] == 0]
        source, back = phrase_returns(plan.phrases)[0]
        bars = repeated_bars(source, back) - 1  # all but the last bar, written anew
        s0, t0 = source.start_bar * 16, back.start_bar * 16
        copied = {(s + t0 - s0, p) for s, p in melody[:, :2].tolist() if s0 <= s < s0 + bars * 16}
        again_here = {(s, p) for s, p in melody[:, :2].tolist() if t0 <= s < t0 + bars * 16}
        assert bars >= 1 and copied  # the melody returns: each bar its notes, or their rhythm with new pitches
        assert {s for s, _ in copied} == {s for s, _ in again_here}
        kept, returned = kept + len(copied & again_here), returned + len(copied)
    # Most of it note for note (POP909: 0.66-0.78), over the pieces: each bar is kept whole at odds of
    # 0.51-0.66, so one piece's 2-3 bars range widely.
    assert kept >= 0.5 * returned
    assert np.mean(si) > 0.15  # one piece alone: 0.10-0.43 (seeds 0-5, an AMD EPYC)
    again = scorer.regenerate(project, 0, new_chords=True, seed=9)  # new chords keep the phrases returning
    for (s0, _), (t0, t1) in returns:
        assert np.array_equal(again.chord_root[t0:t1], again.chord_root[s0 : s0 + t1 - t0])
    assert not np.array_equal(again.chord_root, project.chord_root)


def test_music_returns_only_where_its_chords_do(dialogue):
    """New chords for a returning shot: it still plays its theme's figures (on its own chords),
    and the sampling follows the theme's music only on the beats whose chords still agree."""
    scorer, _, project = dialogue
    shot = project.shots[2]
    before = theme_echoes(project)[shot.start_beat : shot.end_beat]
    again = scorer.regenerate(project, 2, new_chords=True, seed=4)
    after = theme_echoes(again)
    guided = _same_harmony(after, SimpleNamespace(chord_root=again.chord_root, chord_pcs=again.chord_pcs))
    span = np.arange(shot.start_beat, shot.end_beat)
    echoing = span[before >= 0]
    changed = (again.chord_root[echoing] != again.chord_root[before[before >= 0]]) | (
        again.chord_pcs[echoing] != again.chord_pcs[before[before >= 0]]
    ).any(axis=1)
    assert np.array_equal(after[span], before)
    assert changed.any() and (guided[echoing[changed]] == -1).all() and (guided[echoing[~changed]] >= 0).all()


def test_regenerating_a_returning_shot_plays_new_figures_under_its_returning_melody(dialogue):
    """A shot that returns to an earlier look plays that shot's accompaniment again when the piece
    is generated; regenerated, it gets new figures (a user asking for new music got the same notes
    back), and only its own notes change."""
    scorer, _, project = dialogue
    shot = project.shots[2]

    def accompaniment(p):
        n = p.notes()
        n = n[(n[:, 0] >= shot.start_step) & (n[:, 0] < shot.end_beat * 4) & (n[:, 4] != MELODY)]
        return {(int(s), int(q)) for s, q in n[:, :2]}

    before = accompaniment(project)
    again = scorer.regenerate(project, 2, seed=77)
    after = accompaniment(again)
    assert len(before & after) < 0.5 * len(before | after)
    assert np.array_equal(outside(again.notes(), shot), outside(project.notes(), shot))
