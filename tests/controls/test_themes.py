import numpy as np
import pytest

from bgm_studio.controls.themes import ThemeConfig, assign_themes, look_distance


def look(brightness=0.5, contrast=0.15, saturation=0.5, warmth=0.2):
    return {
        "brightness": brightness,
        "contrast": contrast,
        "saturation": saturation,
        "warmth": warmth,
        "motion": 0.1,
        "colourfulness": 30.0,
    }


def unit(*values):
    v = np.array(values, np.float64)
    return v / np.linalg.norm(v)


def vectors_with_cosines(cosines):
    """Unit vectors whose pairwise cosines are the given (positive definite) matrix."""
    return np.linalg.cholesky(np.array(cosines))


def test_a_b_a_b_returns_to_the_first_shot_of_each_look():
    a, b = unit(1, 0.2, 0), unit(0.1, 1, 0.3)
    embeddings = np.stack([a, b, a, b])
    looks = [look(0.6, warmth=0.9), look(0.2, warmth=-0.9), look(0.62, warmth=0.88), look(0.21, warmth=-0.9)]
    assert assign_themes(embeddings, looks) == [0, 1, 0, 1]


def test_a_chain_of_close_looks_points_at_its_first_shot():
    embeddings = np.stack([unit(1, 0, 0)] * 3)
    looks = [look(0.30), look(0.34), look(0.38)]  # 0-1 and 1-2 within 0.05 of brightness, 0-2 not
    assert look_distance(embeddings[0], embeddings[2], looks[0], looks[2]) > 1
    assert assign_themes(embeddings, looks) == [0, 0, 0]


@pytest.mark.parametrize(
    "field, step", [("brightness", 0.06), ("contrast", 0.05), ("saturation", 0.03), ("warmth", 0.06)]
)
def test_each_look_feature_can_tell_shots_apart(field, step):
    embeddings = np.stack([unit(1, 0, 0)] * 3)
    other = look(**{field: look()[field] + step})
    assert assign_themes(embeddings, [look(), other, look()]) == [0, 1, 0]


def test_the_embedding_tells_apart_shots_of_one_lighting():
    cos = 0.95
    embeddings = np.stack([unit(1, 0), unit(cos, np.sqrt(1 - cos**2)), unit(1, 0)])
    assert assign_themes(embeddings, [look()] * 3) == [0, 1, 0]
    assert assign_themes(embeddings, [look()] * 3, ThemeConfig(embedding=0.06)) == [0, 0, 0]
    assert look_distance(embeddings[0], embeddings[1], look(), look()) == pytest.approx(0.05 / 0.03)


# Cosines of the descriptor embeddings and look features of hand-labelled real footage.
MEGAMIND_COSINES = [
    [1.0000, 0.9868, 0.9842, 0.9855],
    [0.9868, 1.0000, 0.9940, 0.9908],
    [0.9842, 0.9940, 1.0000, 0.9846],
    [0.9855, 0.9908, 0.9846, 1.0000],
]
MEGAMIND_LOOKS = [
    (0.1406, 0.1835, 0.8128, 0.9141),
    (0.1396, 0.1946, 0.8582, 0.8597),
    (0.1636, 0.1798, 0.8216, 0.9440),
    (0.1557, 0.2133, 0.8707, 0.8707),
]
BIKES_COSINES = [
    [1.0000, 0.8913, 0.8915, 0.8951, 0.9350],
    [0.8913, 1.0000, 0.9859, 0.9880, 0.9858],
    [0.8915, 0.9859, 1.0000, 0.9754, 0.9714],
    [0.8951, 0.9880, 0.9754, 1.0000, 0.9836],
    [0.9350, 0.9858, 0.9714, 0.9836, 1.0000],
]
BIKES_LOOKS = [
    (0.5308, 0.2011, 0.1204, 0.4878),
    (0.3411, 0.2142, 0.1018, 0.1882),
    (0.3163, 0.1229, 0.1759, 0.3294),
    (0.4433, 0.1914, 0.0862, 0.2940),
    (0.4241, 0.1974, 0.0846, 0.2353),
]


@pytest.mark.parametrize(
    "cosines, looks, themes",
    [
        (MEGAMIND_COSINES, MEGAMIND_LOOKS, [0, 1, 0, 1]),  # a dialogue: woman, man, woman, man
        (BIKES_COSINES, BIKES_LOOKS, [0, 1, 2, 3, 4]),  # five different grey street shots
    ],
)
def test_real_footage(cosines, looks, themes):
    rows = [look(*values) for values in looks]
    assert assign_themes(vectors_with_cosines(cosines), rows) == themes


def test_a_returning_shot_echoes_its_theme_beat_by_beat_on_the_half_bar_grid():
    from bgm_studio.controls.themes import echo_beats

    echo_of = np.full(40, -1)
    echo_beats(echo_of, (8, 14), (20, 32))  # a 6-beat theme replayed over 12 beats: looped
    assert echo_of[20:32].tolist() == [8, 9, 10, 11, 12, 13] * 2
    assert (echo_of[:20] == -1).all() and (echo_of[32:] == -1).all()
    echo_of[:] = -1
    echo_beats(echo_of, (9, 15), (21, 25))  # both start mid half bar: beats keep their place in it
    assert echo_of[21:25].tolist() == [9, 10, 11, 12]
    echo_of[:] = -1
    echo_beats(echo_of, (9, 15), (20, 24))  # the theme's first half bar starts before it: nothing to echo there
    assert echo_of[20:24].tolist() == [-1, 9, 10, 11]
