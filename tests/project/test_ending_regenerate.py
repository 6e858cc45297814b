"""Regenerating shots near the end of a piece keeps its close: nothing struck over the final chord
but a bass attack of its tones on a cut inside it."""

import numpy as np
import pytest

from bgm_studio.music.structure import cadence_start
from bgm_studio.model.pipeline import SampleConfig
from bgm_studio.music.metrics import BASS_CEILING
from bgm_studio.music.notes import STEPS_PER_BEAT
from bgm_studio.project.cuts import split_shot
from bgm_studio.project.scoring import Scorer, ScoringOptions
from bgm_studio.video.analysis import analyze_video


@pytest.fixture(scope="module")
def scored(clip, tiny_model):
    scorer = Scorer(str(tiny_model), SampleConfig(steps=4))
    analysis = analyze_video(clip[0])
    return scorer, analysis, scorer.generate(scorer.plan(analysis, ScoringOptions(seed=5)))


def test_a_last_shot_wholly_inside_the_final_chord_regenerates_to_that_chord_alone(scored):
    # Found scoring a real montage: its last shot began a beat after the final chord, and regenerating
    # it struck C#, D#, F# and E over the held G minor chord.
    scorer, analysis, project = scored
    split, _ = split_shot(project, analysis, project.duration_s - 0.6, scorer)
    piece = scorer.generate(split)
    last, cadence = piece.shots[-1], cadence_start(piece.n_beats)
    assert last.start_beat > cadence
    notes = piece.notes()
    late = notes[notes[:, 0] > cadence * STEPS_PER_BEAT]  # generate closed the piece on the chord: only
    assert set(late[:, 0].tolist()) == {last.start_beat * STEPS_PER_BEAT}  # a bass attack marks the cut in it
    assert len(late) == 1 and late[0, 1] < BASS_CEILING and piece.chord_pcs[cadence][late[0, 1] % 12]
    played = [0, 1, 2, 4]  # start, pitch, length, track: the attack's loudness is drawn anew with each seed
    for seed in (1, 2, 3):
        again = scorer.regenerate(piece, last.index, seed=seed)
        assert np.array_equal(again.notes()[:, played], notes[:, played])


def test_a_piece_heard_in_another_key_than_its_closing_chords_closes_in_the_key_heard(clip, tiny_model, monkeypatch):
    """The cadence takes the tonic of the key a key finder hears in the music before it (vtest at
    seed 0 closed on F while its music was heard in Bb); every note struck before it is held."""
    from bgm_studio.project import scoring

    scorer = Scorer(str(tiny_model), SampleConfig(steps=4))
    plan = scorer.plan(analyze_video(clip[0]), ScoringOptions(seed=5))
    cadence = cadence_start(plan.n_beats)
    closing = (int(plan.chord_root[-1]), bool(plan.chord_pcs[-1][(plan.chord_root[-1] + 3) % 12]))
    heard = next(k for k in [((plan.key_tonic + 5) % 12, False), ((plan.key_tonic + 9) % 12, True)] if k != closing)
    monkeypatch.setattr(scoring, "heard_close", lambda notes, cadence, tonic, roots: closing)
    kept = scorer.generate(plan)
    monkeypatch.setattr(scoring, "heard_close", lambda notes, cadence, tonic, roots: heard)
    closed = scorer.generate(plan)
    assert (kept.chord_root[cadence:] == closing[0]).all() and (closed.chord_root[cadence:] == heard[0]).all()
    assert bool(closed.chord_pcs[-1][(heard[0] + 3) % 12]) == heard[1]
    assert np.array_equal(kept.chord_root[:cadence], closed.chord_root[:cadence])

    def struck_before(notes: np.ndarray) -> list:
        return sorted(map(tuple, notes[notes[:, 0] < cadence * STEPS_PER_BEAT][:, [0, 1, 4]].tolist()))

    assert struck_before(kept.notes()) == struck_before(closed.notes())
    final = closed.notes()[closed.notes()[:, 0] == cadence * STEPS_PER_BEAT]
    assert final[:, 1].min() % 12 == heard[0]  # the bass strikes the heard key's tonic
