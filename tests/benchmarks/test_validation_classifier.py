"""The validation benchmark reports the spread between generation seeds beside the mean."""

import numpy as np
import pytest

from benchmarks.validation_classifier import seed_summary


def test_the_summary_gives_the_mean_and_the_spread_between_generation_seeds() -> None:
    accuracy = np.array([[0.68, 0.69], [0.66, 0.69], [0.71, 0.71]])  # 3 generation x 2 classifier seeds
    s = seed_summary(accuracy)
    assert s["mean"] == pytest.approx(0.69)
    assert s["seed_low"] == pytest.approx(0.675) and s["seed_high"] == pytest.approx(0.71)
    assert s["seed_sd"] == pytest.approx(np.std([0.685, 0.675, 0.71], ddof=1))
    assert seed_summary(accuracy[:1])["seed_sd"] == 0.0
