import numpy as np

from bgm_studio.model.checkpoint import load_melody, load_model
from bgm_studio.model.composer import Composer
from bgm_studio.model.denoiser import MODEL_PITCH_LOW, MODEL_PITCHES
from bgm_studio.model.evaluate import evaluate_generated, generate_for_song, piece_score, song_controls
from bgm_studio.model.melody_data import song_tonic
from bgm_studio.model.melody_writer import MelodyWriter
from bgm_studio.model.pipeline import ScorePipeline
from bgm_studio.model.texture import TextureLibrary
from bgm_studio.music.notes import STEPS_PER_BEAT
from bgm_studio.music.pianoroll import PianoRoll
from bgm_studio.music.midi import read_midi, write_midi
from bgm_studio.music.pop909 import load_song
from bgm_studio.music.structure import song_phrases


def composer(tiny_model_path) -> Composer:
    return Composer(ScorePipeline(load_model(tiny_model_path)[0]), MelodyWriter(load_melody()))


def test_generated_pieces_are_measured_on_their_cuts(tiny_model_path, pop909_root, tmp_path):
    song = load_song(pop909_root / "819")
    gen, ref, pieces = evaluate_generated(composer(tiny_model_path), [song], seed=3)
    cuts = pieces[0].cut_beats
    assert len(cuts) > 5 and np.all(cuts % 4 == 0) and cuts[0] >= 16  # segments of 4-12 bars
    for row in (gen, ref):
        assert 0.0 <= row["cut_marked"] <= 1.0 and 0.0 <= row["mel_stepwise"] <= 1.0
    # the song's own music is measured on the same cuts: its chords change on most of them
    assert ref["cut_marked"] > 0.5
    write_midi(piece_score(pieces[0]), tmp_path / "819.mid")
    assert read_midi(tmp_path / "819.mid").segment_starts == [int(b) * 4 for b in cuts]


def test_in_label_mode_segments_and_form_are_the_songs_own_phrases(tiny_model_path, pop909_root):
    song = load_song(pop909_root / "820")
    phrases = song_phrases(song)
    _, _, pieces = evaluate_generated(composer(tiny_model_path), [song], seed=0, mode="labels")
    starts = [p.start_bar * 4 for p in phrases]
    assert pieces[0].cut_beats.tolist() == [b for b in starts if b > 0]
    assert pieces[0].phrase_beats.tolist() == starts


def test_a_piece_for_a_song_that_changes_key_closes_in_the_key_it_ends_in(pop909_root):
    """Song 809 is in D major / B minor until it moves to C# minor; its pieces closed on B minor,
    a step away from the chords just before, and measured no tonic ending."""

    class Recorder:
        def compose(self, empty, controls, *args, **kwargs):
            self.controls = controls
            return empty

    song = load_song(pop909_root / "809")
    assert song_tonic(song) == 2 and (int(song.key_tonic[-1]), bool(song.key_minor[-1])) == (1, True)
    recorder = Recorder()
    generate_for_song(recorder, song, seed=0)
    assert recorder.controls.chord_root[-1] == 1
    assert np.flatnonzero(recorder.controls.chord_pcs[-1]).tolist() == [1, 4, 8]  # C# E G#


def test_each_song_draws_its_own_pianist_and_melody_height(pop909_root):
    """Every piece of an evaluation at one seed shared one pianist and one melody lift (the style seed
    was the seed), where every scored video draws its own from its content."""

    class Recorder:
        def compose(self, empty, *args, style_seed=None, **kwargs):
            self.style = style_seed
            return empty

    styles = {}
    for song_id, seed in (("819", 0), ("820", 0), ("819", 1)):
        recorder = Recorder()
        generate_for_song(recorder, load_song(pop909_root / song_id), seed=seed)
        styles[song_id, seed] = recorder.style
    assert None not in styles.values() and len(set(styles.values())) == 3
    recorder = Recorder()
    generate_for_song(recorder, load_song(pop909_root / "819"), seed=0)
    assert recorder.style == styles["819", 0]  # the same song and seed, the same piece


def test_a_span_written_again_with_a_new_melody_keeps_the_pianist_of_the_piece(
    tiny_model_path, pop909_root, monkeypatch
):
    """The pianist is drawn to match the accompaniment the melody's plan leaves each bar, not the
    notes the melody model sampled: a shot regenerated with a new melody keeps its neighbours' player."""
    import bgm_studio.model.pipeline as pipeline

    songs: list[int] = []
    choose = pipeline.choose_figures
    monkeypatch.setattr(pipeline, "choose_figures", lambda *a: songs.append(a[11].song) or choose(*a))
    song = load_song(pop909_root / "819")
    comp = Composer(
        ScorePipeline(load_model(tiny_model_path)[0], textures=TextureLibrary.load()), MelodyWriter(load_melody())
    )
    controls = song_controls(song, 0)
    phrases = song_phrases(song)
    empty = PianoRoll.empty(controls.n_beats * STEPS_PER_BEAT, MODEL_PITCH_LOW, MODEL_PITCHES)
    piece = comp.compose(
        empty, controls, phrases, 0, 0, 64, seed=1, style_seed=5, close=False
    )  # an 8-bar intro, 8 sung
    first = set(songs)
    songs.clear()
    again = comp.compose(piece, controls, phrases, 0, 40, 56, seed=2, style_seed=5, close=False)
    assert len(first) == 1 and set(songs) == first
    assert (again.onset[0, 160:224] != piece.onset[0, 160:224]).any()  # the span's melody is new


def test_a_piece_is_played_with_pop909s_dynamics_around_its_songs_energy(tiny_model_path, pop909_root):
    """Each beat's notes took one velocity from the energy: a chord's notes alike, 12 distinct
    velocities in 8 bars (POP909: 36). Now its bars keep the song's energy and its notes vary."""
    song = load_song(pop909_root / "801")
    piece = generate_for_song(composer(tiny_model_path), song, seed=2)
    notes = piece.notes
    acc = notes[notes[:, 4] != 0]
    _, onset, counts = np.unique(acc[:, 0], return_inverse=True, return_counts=True)
    chords = np.flatnonzero(counts > 1)
    unlike = np.mean([len(np.unique(acc[onset == i, 3])) > 1 for i in chords])
    assert unlike > 0.5  # most chords' notes are struck unlike
    window = notes[notes[:, 0] < 8 * 16]
    assert len(np.unique(window[:, 3])) > 20
    n_bars = song.n_steps // 16
    bars = [
        np.bincount(n[:, 0] // 16, n[:, 3], n_bars) / np.maximum(np.bincount(n[:, 0] // 16, None, n_bars), 1)
        for n in (song.notes.astype(np.int64), notes)
    ]
    both = (bars[0] > 0) & (bars[1] > 0)
    assert np.corrcoef(bars[0][both], bars[1][both])[0, 1] > 0.9  # louder bars where the song's are
