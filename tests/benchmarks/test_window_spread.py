"""window_spread names the features where real windows reach beyond the generated ones."""

import numpy as np

from benchmarks import window_spread as W
from benchmarks.discriminator import FEATURE_NAMES


def test_a_feature_whose_real_windows_reach_past_ours_comes_first() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(2000, len(FEATURE_NAMES)))
    generated = rng.normal(size=(500, len(FEATURE_NAMES)))
    generated[:, 7] *= 0.3  # ours keep to the middle of one feature
    rows = W.feature_spread(real, generated)
    assert rows[0].name == FEATURE_NAMES[7]
    assert 0.48 < rows[0].outside < 0.62  # ours span |z| < 2.05 x 0.3 = 0.62: 0.54 of real windows lie past it
    assert all(r.outside < 0.12 for r in rows[1:])  # the same spread on both sides: about 0.04 outside
    assert rows[0].real[0] < rows[0].generated[0] < rows[0].generated[2] < rows[0].real[2]


def test_too_few_windows_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    assert W.main(["--midi-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
