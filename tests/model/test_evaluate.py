import numpy as np

from bgm_studio.model.checkpoint import load_model
from bgm_studio.model.evaluate import evaluate_generated, piece_score
from bgm_studio.model.pipeline import ScorePipeline
from bgm_studio.music.midi import read_midi, write_midi
from bgm_studio.music.pop909 import load_song


def test_generated_pieces_are_measured_on_their_cuts(tiny_model_path, pop909_root, tmp_path):
    song = load_song(pop909_root / "819")
    model, _ = load_model(tiny_model_path)
    gen, ref, pieces = evaluate_generated(ScorePipeline(model), [song], seed=3)
    cuts = pieces[0].cut_beats
    assert len(cuts) > 5 and np.all(cuts % 4 == 0) and cuts[0] >= 16  # segments of 4-12 bars
    for row in (gen, ref):
        assert 0.0 <= row["cut_marked"] <= 1.0 and 0.0 <= row["mel_stepwise"] <= 1.0
    # the song's own music is measured on the same cuts: its chords change on most of them
    assert ref["cut_marked"] > 0.5
    write_midi(piece_score(pieces[0]), tmp_path / "819.mid")
    assert read_midi(tmp_path / "819.mid").segment_starts == [int(b) * 4 for b in cuts]


def test_segments_can_follow_labelled_phrases(tiny_model_path, pop909_root):
    song = load_song(pop909_root / "820")
    model, _ = load_model(tiny_model_path)
    bars = np.array([-1, 1, 5, 13, 400])  # phrases before the start or past the end are dropped
    _, _, pieces = evaluate_generated(ScorePipeline(model), [song], seed=0, phrase_bars={"820": bars})
    assert pieces[0].cut_beats.tolist() == [4, 20, 52]
