from dataclasses import replace

import numpy as np
import pytest
import torch

from bgm_studio.controls.video_mapping import ShotOverrides
from bgm_studio.errors import BgmError
from bgm_studio.model.pipeline import SampleConfig
from bgm_studio.model.chords import token_chord
from bgm_studio.music.structure import cadence_start
from bgm_studio.project import scoring
from bgm_studio.project.cuts import edit_cuts, merge_shots, split_shot
from bgm_studio.project.piece import check_video, project_score
from bgm_studio.project.scoring import Scorer, ScoringOptions, select_take
from bgm_studio.project.state import load_project, save_project
from bgm_studio.video.analysis import analyze_video


@pytest.fixture(scope="module")
def scored(clip, tiny_model):
    scorer = Scorer(str(tiny_model), SampleConfig(steps=4))
    analysis = analyze_video(clip[0])
    project = scorer.generate(scorer.plan(analysis, ScoringOptions(seed=5)))
    return scorer, analysis, project


def outside(notes, shot):
    a, b = shot.start_step, shot.end_beat * 4
    return notes[(notes[:, 0] < a) | (notes[:, 0] >= b)]


def test_plan_puts_every_cut_on_a_beat(scored, clip):
    _, analysis, project = scored
    assert len(project.shots) == 4
    score = project_score(project)
    for shot, cut in zip(project.shots[1:], clip[1]):
        assert score.seconds_at(shot.start_step) == pytest.approx(shot.start_s, abs=0.06)
        assert shot.start_s == pytest.approx(cut, abs=0.1)
    assert score.duration_s() == pytest.approx(project.duration_s, abs=1e-6)
    assert project.chord_root.shape == (project.n_beats,)
    assert all(s.take == 0 for s in project.shots)


def test_regenerate_changes_one_shot_only_and_keeps_takes(scored):
    scorer, _, project = scored
    before = project.notes()
    again = scorer.regenerate(project, 2, seed=99, overrides=ShotOverrides(mode="minor"))
    after = again.notes()
    shot = again.shots[2]
    assert np.array_equal(outside(before, shot), outside(after, shot))
    assert not np.array_equal(before, after)
    assert len(shot.takes) == 2 and shot.take == 1 and shot.overrides.mode == "minor"
    back = select_take(again, 2, 0)
    assert np.array_equal(back.notes(), before)
    with pytest.raises(BgmError, match="shot 7 does not exist"):
        scorer.regenerate(project, 7)


def test_generation_is_reproducible(scored, clip):
    scorer, analysis, project = scored
    other = scorer.generate(scorer.plan(analysis, ScoringOptions(seed=5)))
    assert np.array_equal(other.notes(), project.notes())


def test_each_video_draws_its_own_piece_from_one_seed(scored, clip, tmp_path):
    """Every video scored with the default seed was in one key with one pianist: the seed now mixes
    with the video's content. A copy of the video elsewhere (another name and time) scores alike."""
    scorer, analysis, project = scored
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(clip[0].read_bytes())
    again = scorer.plan(analyze_video(copy), ScoringOptions(seed=5))
    assert again.seed == project.seed and again.key_tonic == project.key_tonic
    assert scoring.video_seed(5, project.video_hash) == project.seed
    seeds = {scoring.video_seed(0, f"video {k}") for k in range(40)}
    keys = {int(np.random.default_rng(s).choice(scoring.COMMON_KEYS)) for s in seeds}
    assert len(seeds) == 40 and len(keys) == len(scoring.COMMON_KEYS)
    assert max(seeds) < 2**31 and scoring.video_seed(1, "video 0") != scoring.video_seed(0, "video 0")


def test_the_apps_first_generate_is_the_commands(scored):
    """The app's Generate samples with the project's seed, as `bgm-studio generate` does."""
    from bgm_studio.app import jobs

    scorer, analysis, project = scored
    app = jobs.generate(scorer, analysis, 5, lambda *a: None)
    assert app.seed == project.seed and np.array_equal(app.notes(), project.notes())


def test_locked_shot_survives_generate(scored):
    scorer, _, project = scored
    project.shots[1].overrides = ShotOverrides(locked=True)
    again = scorer.generate(project, seed=42)
    shot1 = lambda p: p.shots[1].current_notes()  # noqa: E731
    assert np.array_equal(shot1(again), shot1(project))
    with pytest.raises(BgmError, match="locked"):
        scorer.regenerate(again, 1)
    project.shots[1].overrides = ShotOverrides()


def test_project_file_round_trip_and_video_check(scored, tmp_path, clip):
    _, _, project = scored
    path = tmp_path / "p.bgm.json"
    save_project(project, path)
    loaded = load_project(path)
    assert np.array_equal(loaded.notes(), project.notes())
    assert [(s.start_s, s.end_s, s.n_beats) for s in loaded.shots] == [
        (s.start_s, s.end_s, s.n_beats) for s in project.shots
    ]
    assert check_video(loaded) == str(clip[0])
    other = tmp_path / "other.mp4"
    other.write_bytes(b"0" * 1000)
    with pytest.raises(BgmError, match="not the video the project was scored for"):
        check_video(loaded, str(other))
    with pytest.raises(BgmError, match="missing"):
        check_video(loaded, str(tmp_path / "gone.mp4"))


def test_cut_edits_keep_untouched_shots(scored):
    scorer, analysis, project = scored
    split, changed = split_shot(project, analysis, project.shots[2].start_s + 1.5, scorer)
    assert len(split.shots) == 5 and changed == [2, 3]
    assert np.array_equal(split.shots[0].current_notes(), project.shots[0].current_notes())
    for k in changed:
        split = scorer.regenerate(split, k)
    assert all(s.take >= 0 for s in split.shots)
    merged, changed = merge_shots(project, analysis, 0, scorer)
    assert len(merged.shots) == 3 and changed == [0]


def ends_on_home_chord(project, shot):
    """Whether the shot's last beat holds a home chord the piece may close on (model.chords.closing_key):
    the major key's, its relative minor's or its dominant's tonic triad."""
    b, t = shot.end_beat - 1, project.key_tonic
    return any(
        project.chord_root[b] == root and np.array_equal(project.chord_pcs[b], pcs)
        for root, pcs in (
            token_chord("0:145", t),
            token_chord("0:137", (t + 9) % 12),
            token_chord("0:145", (t + 7) % 12),
        )
    )


def split_cuts(project, k):
    """The project's cuts with shot k split in its middle."""
    shot = project.shots[k]
    return [s.start_s for s in project.shots[1:]] + [(shot.start_s + shot.end_s) / 2]


def test_split_draws_chords_in_the_piece_and_closes_only_at_its_end(scored):
    scorer, analysis, project = scored
    middle = [edit_cuts(project, analysis, split_cuts(project, 1), scorer, seed=seed) for seed in range(6)]
    assert all(changed == [1, 2] for _, changed in middle)
    assert all(s.end_beat <= cadence_start(p.n_beats) for p, _ in middle for s in p.shots[1:3])
    assert not all(ends_on_home_chord(p, s) for p, _ in middle for s in p.shots[1:3])
    last, changed = split_shot(project, analysis, (project.shots[3].start_s + project.duration_s) / 2, scorer)
    assert changed == [3, 4] and ends_on_home_chord(last, last.shots[4])


def test_shot_presets_follow_their_shots_through_a_split_and_a_merge(scored):
    from dataclasses import replace

    from bgm_studio.music.arrangement import Arrangement

    scorer, analysis, project = scored
    arrangement = Arrangement().with_shot_preset(1, "ambient").with_shot_preset(3, "music-box")
    project = replace(project, arrangement=arrangement)
    split, _ = split_shot(project, analysis, (project.shots[1].start_s + project.shots[1].end_s) / 2, scorer)
    assert split.arrangement.shot_presets == ((1, "ambient"), (2, "ambient"), (4, "music-box"))
    merged, _ = merge_shots(split, analysis, 2, scorer)
    assert merged.arrangement.shot_presets == ((1, "ambient"), (2, "ambient"), (3, "music-box"))


def test_split_keeps_unchanged_shots_exactly_and_is_reproducible(scored):
    scorer, analysis, project = scored
    split, changed = edit_cuts(project, analysis, split_cuts(project, 1), scorer, seed=3)
    for old, new in zip([project.shots[k] for k in (0, 2, 3)], [split.shots[k] for k in (0, 3, 4)]):
        assert (new.start_s, new.end_s, new.n_beats, new.take) == (old.start_s, old.end_s, old.n_beats, old.take)
        for name in ("chord_root", "chord_pcs"):
            assert np.array_equal(
                getattr(split, name)[new.start_beat : new.end_beat],
                getattr(project, name)[old.start_beat : old.end_beat],
            )
        assert len(new.takes) == len(old.takes)
        for a, b in zip(new.takes, old.takes):
            assert (a.seed, a.overrides) == (b.seed, b.overrides)
            assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("notes", "chord_root", "chord_pcs"))
    again, _ = edit_cuts(project, analysis, split_cuts(project, 1), scorer, seed=3)
    assert np.array_equal(again.chord_root, split.chord_root) and np.array_equal(again.chord_pcs, split.chord_pcs)
    for k in changed:
        split, again = scorer.regenerate(split, k, seed=7 + k), scorer.regenerate(again, k, seed=7 + k)
    assert np.array_equal(split.notes(), again.notes())
    for old, new in zip([project.shots[k] for k in (0, 2, 3)], [split.shots[k] for k in (0, 3, 4)]):
        assert np.array_equal(new.current_notes(), old.current_notes())


def test_new_chords_change_one_shot_and_each_take_keeps_its_chords(scored, tmp_path):
    scorer, _, project = scored
    shot = project.shots[1]
    inside = np.r_[shot.start_beat : shot.end_beat]
    outside_beats = np.setdiff1d(np.arange(project.n_beats), inside)
    again = scorer.regenerate(project, 1, seed=11, new_chords=True)
    assert np.array_equal(again.chord_root[outside_beats], project.chord_root[outside_beats])
    assert np.array_equal(again.chord_pcs[outside_beats], project.chord_pcs[outside_beats])
    assert not np.array_equal(again.chord_pcs[inside], project.chord_pcs[inside])
    assert np.array_equal(outside(again.notes(), shot), outside(project.notes(), shot))
    old, new = again.shots[1].takes
    assert again.shots[1].take == 1 and np.array_equal(new.chord_pcs, again.chord_pcs[inside])
    assert np.array_equal(old.chord_pcs, project.chord_pcs[inside])

    back = select_take(again, 1, 0)
    assert np.array_equal(back.chord_root, project.chord_root) and np.array_equal(back.chord_pcs, project.chord_pcs)
    assert np.array_equal(back.notes(), project.notes())
    forward = select_take(back, 1, 1)
    assert np.array_equal(forward.chord_pcs, again.chord_pcs)

    save_project(again, tmp_path / "p.bgm.json")
    loaded = load_project(tmp_path / "p.bgm.json")
    assert np.array_equal(select_take(loaded, 1, 0).chord_pcs, project.chord_pcs)
    assert np.array_equal(scorer.regenerate(project, 1, seed=11, new_chords=True).chord_pcs, again.chord_pcs)


def test_the_models_load_on_the_sampling_threads(tiny_model, monkeypatch):
    """Loading on torch's default threads left OpenMP's extra thread spinning (~0.2 s of CPU on a busy core)."""
    seen = []
    for name in ("load_model", "load_melody"):
        load = getattr(scoring, name)
        monkeypatch.setattr(
            scoring, name, lambda *a, load=load, **k: seen.append(torch.get_num_threads()) or load(*a, **k)
        )
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        Scorer(str(tiny_model), SampleConfig(steps=4, threads=1))
        assert seen == [1, 1]
        assert torch.get_num_threads() == 2  # the caller's own count is back
    finally:
        torch.set_num_threads(before)


def test_notes_are_written_for_the_shots_energy_and_played_at_the_phrased_one(scored):
    """A shot gave one energy to all its bars, so a long single shot played every bar at one level;
    the form and a bar-to-bar stray now move the energy the notes are played at (not the one they are
    written for), and each bar's mean velocity is that energy."""
    scorer, _, project = scored
    controls = scoring.piece_controls(project, scorer.quantiles)
    played = scoring.played_energy(project, controls, scorer.phrasing)
    assert np.array_equal(played, scoring.played_energy(project, controls, scorer.phrasing))
    bars = played[: len(played) // 4 * 4].reshape(-1, 4)[:, 0] - controls.energy[: len(played) // 4 * 4 : 4]
    assert np.ptp(bars) > 0.02  # about 3 velocity steps at least between bars
    notes = project.notes()
    for bar in np.unique(notes[:, 0] // 16):
        here = notes[notes[:, 0] // 16 == bar]
        asked = 127 * played[np.minimum(here[:, 0] // 4, len(played) - 1)].mean()
        assert abs(here[:, 3].mean() - asked) < 3.0  # rounding, the 127 ceiling and the ladder only


def test_a_pieces_register_sits_at_a_height_drawn_from_its_seed_inside_pop909s_bars(scored, monkeypatch):
    """The look sets each shot's register; the piece's own height and its phrases' wander come from
    its seed (controls.form.register_wander), and the register never leaves POP909's 1st-99th
    percentile of bar registers."""
    scorer, _, project = scored
    span = [scorer.quantiles.quantile("register", q) for q in scoring.REGISTER_SPAN]
    heights = []
    for seed in range(60):
        register = scoring.piece_controls(replace(project, seed=seed), scorer.quantiles).register
        assert span[0] <= register.min() and register.max() <= span[1]
        heights.append(register.mean())
    again = scoring.piece_controls(replace(project, seed=59), scorer.quantiles).register
    assert again.mean() == heights[-1]  # the same seed, the same heights: a regenerated shot keeps them
    assert 1.3 < np.std(heights) < 3.0  # sd 2.0 for the piece and 1.5 for each phrase
    monkeypatch.setattr(scoring, "REGISTER_SPAN", (0.5, 0.5))
    middle = scorer.quantiles.quantile("register", 0.5)
    assert np.allclose(scoring.piece_controls(project, scorer.quantiles).register, middle)
