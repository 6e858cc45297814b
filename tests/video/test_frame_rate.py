"""Frame rates as editors count them: a phone's variable-rate clip counts at the rate it declares."""

from __future__ import annotations

import pytest

from bgm_studio.video.frame_rate import nominal_rate, standard_rate


@pytest.mark.parametrize(
    "average, declared, nominal",
    [
        (28.0, 30.0, 30.0),  # a phone's 30 fps clip dropping one frame in 15
        (29.7, 30000 / 1001, 30000 / 1001),  # a 29.97 one dropping a few
        (23.1, 24000 / 1001, 24000 / 1001),
        (56.5, 60.0, 60.0),
        (24.02, 24.0, 24.0),  # a constant rate whose duration the container rounds
        (180000 / 6007, 180000 / 6007, 30000 / 1001),  # a declared rate a hair off NTSC's
        (25.0, 50.0, 25.0),  # interlaced: the field rate is declared, the frames run at half of it
        (28.0, 28.0, 28.0),  # a constant rate no editor's preset has
        (15.0, 30.0, 15.0),  # half the declared rate: too far off to be dropped frames
        (29.6, 90000.0, 29.6),  # a declared tick rate, no frame rate
        (29.97003, 0.0, 30000 / 1001),  # no declared rate: the average, snapped
    ],
)
def test_the_nominal_rate_is_the_declared_standard_rate_near_the_average(average, declared, nominal):
    assert nominal_rate(average, declared) == nominal


def test_standard_rates_are_exact_and_distinct():
    assert standard_rate(23.976) == 24000 / 1001 and standard_rate(2997 / 100) == 30000 / 1001
    assert standard_rate(30.0) == 30.0 and standard_rate(59.94) == 60000 / 1001
    assert standard_rate(29.9) is None and standard_rate(0.0) is None
