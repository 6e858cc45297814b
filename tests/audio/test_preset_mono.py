"""Every preset's parts survive a mono fold-down (phone and TV speakers): no part's L and R cancel.

FluidSynth's chorus turns a low pad note's two channels nearly opposite (L/R correlation -0.94 on
the ambient bass with a chorus send of 40): summed to mono that bass lost 13-15 dB. Uncorrelated
stereo (reverb, a stereo piano sample) loses 3 dB; the bound leaves room for that, not for cancelling.
"""

from __future__ import annotations

import numpy as np
import pytest

from bgm_studio.audio.render import RenderConfig, render_stems
from bgm_studio.music.arrangement import PRESETS, Arrangement, arrange
from bgm_studio.music.parts import PARTS
from tests.audio.test_render_equivalence import piece  # noqa: F401  (the fixture: four bars of POP909 003)

MAX_MONO_LOSS_DB = 6.0


@pytest.mark.parametrize("preset", list(PRESETS))
def test_no_part_cancels_in_mono(piece, preset):  # noqa: F811
    stems = render_stems(arrange(piece, Arrangement(preset)), config=RenderConfig(), duration_s=8.0)
    for part, stem in zip(PARTS, stems.astype(np.float64)):
        loss_db = 10 * np.log10(np.mean(stem**2) / np.mean(stem.mean(axis=1) ** 2))
        assert loss_db < MAX_MONO_LOSS_DB, (part, round(loss_db, 1))
