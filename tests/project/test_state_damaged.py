"""Hand-edited or damaged project files: every bad value is a BgmError naming the field, never a crash later."""
import copy
import json

import pytest

from bgm_studio.errors import BgmError
from bgm_studio.project.state import load_project, to_json
from tests.project.test_state import small_project


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["chords"].__setitem__(0, ["a", "b"]), "each chord must be"),
    (lambda d: d["chords"].__setitem__(0, [0, 2**80]), "each chord must be"),
    (lambda d: d["shots"][0].update(tempo_bpm=0), "'tempo_bpm' must be positive"),
    (lambda d: d.update(tempo_bpm=-120), "'tempo_bpm' must be positive"),
    (lambda d: d["shots"][0]["takes"][0].update(notes=[[0, 60, 10**30, 80, 0]]), "out of range"),
    (lambda d: d["shots"][0].update(features={"motion": "fast"}), "features must be numbers"),
    (lambda d: d.update(seed=-1), "seed -1 is out of range"),
])
def test_bad_values_are_refused_on_load(tmp_path, edit, message):
    data = copy.deepcopy(to_json(small_project()))
    edit(data)
    path = tmp_path / "bad.bgm.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BgmError, match=message) as info:
        load_project(path)
    assert str(path) in str(info.value)
