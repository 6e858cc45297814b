import numpy as np
import pytest

from bgm_studio.music.harmony import chord_changes, chord_name, parse_chord


def flags(root: int, intervals: tuple[int, ...]) -> np.ndarray:
    pcs = np.zeros(12, bool)
    pcs[[(root + i) % 12 for i in intervals]] = True
    return pcs


@pytest.mark.parametrize(
    "root, intervals, name",
    [
        (0, (0, 4, 7), "C"),
        (9, (0, 3, 7), "Am"),
        (5, (0, 4, 7), "F"),
        (7, (0, 4, 7, 10), "G7"),
        (11, (0, 3, 6), "Bdim"),
        (2, (0, 3, 7, 10), "Dm7"),
        (10, (0, 4, 7, 11), "Bbmaj7"),
        (6, (0, 3, 6, 10), "F#m7b5"),
        (3, (0, 5, 7), "Ebsus4"),
        (8, (0, 4, 8), "Abaug"),
        (1, (0, 2, 7), "Dbsus2"),
        (0, (0, 2, 4, 7), "C"),
    ],
)
def test_known_chords_are_named(root, intervals, name):
    assert chord_name(root, flags(root, intervals)) == name


def test_no_chord_and_parsed_labels():
    assert chord_name(-1, np.zeros(12, bool)) == "N.C."
    assert chord_name(4, np.zeros(12, bool)) == "N.C."
    chord = parse_chord("G:7")
    assert chord_name(chord.root, [pc in chord.pitch_classes for pc in range(12)]) == "G7"


def test_changes_are_named_where_the_chord_changes():
    roots = np.array([0, 0, 9, 9, 9, -1, 7, 7])
    pcs = np.array(
        [flags(0, (0, 4, 7))] * 2
        + [flags(9, (0, 3, 7))] * 3
        + [np.zeros(12, bool)]
        + [flags(7, (0, 4, 7)), flags(7, (0, 4, 7, 10))]
    )
    assert chord_changes(roots, pcs) == [(0, "C"), (2, "Am"), (5, "N.C."), (6, "G"), (7, "G7")]
    assert chord_changes(np.zeros(0, int), np.zeros((0, 12), bool)) == []
