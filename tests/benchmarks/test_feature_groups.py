import numpy as np
import pytest

from benchmarks import feature_groups as F
from benchmarks.discriminator import FEATURE_NAMES
from bgm_studio.errors import BgmError


def test_the_groups_split_every_feature_once():
    columns = F.group_columns()
    assert sorted(j for c in columns.values() for j in c) == list(range(len(FEATURE_NAMES)))
    assert all(columns.values())
    with pytest.raises(BgmError):
        F.group_columns((*FEATURE_NAMES, "tempo"))  # a feature no group holds


def side(rng, shift_cols=(), shift=0.0, pieces=10, per_piece=8):
    """(features, piece index) of windows drawn normal, moved by `shift` on the given columns."""
    x = rng.standard_normal((pieces * per_piece, len(FEATURE_NAMES)))
    x[:, list(shift_cols)] += shift
    return x, np.repeat(np.arange(pieces), per_piece)


def test_the_one_group_that_differs_is_told_alone_and_missed_without():
    rng = np.random.default_rng(0)
    lengths = F.group_columns()["melody note lengths"]
    everything, rows = F.group_figures(side(rng), side(rng, lengths, 1.5))
    figures = {r.group: r for r in rows}
    assert everything > 0.9
    assert figures["melody note lengths"].alone > 0.9
    assert figures["melody note lengths"].without < 0.65  # the rest holds no difference
    others = [r for r in rows if r.group != "melody note lengths"]
    assert max(r.alone for r in others) < 0.65
    assert min(r.without for r in others) > 0.85


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert F.main(["--midi-dir", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
