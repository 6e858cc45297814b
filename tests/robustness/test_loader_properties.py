"""Property tests: whatever bytes or values the project, MIDI and training-config loaders get, each either
loads something sound or raises one BgmError of one line. Nothing else escapes, nothing huge is allocated."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgm_studio.cli import main
from bgm_studio.errors import BgmError
from bgm_studio.limits import MAX_BEATS
from bgm_studio.model.train import TrainConfig, load_config
from bgm_studio.music.midi import read_midi, score_to_midifile
from bgm_studio.music.notes import STEPS_PER_BEAT
from bgm_studio.preflight import check_train_config
from bgm_studio.project.piece import project_score
from bgm_studio.project.state import from_json, load_project, to_json
from tests.robustness.bad_inputs import GOOD_MIDI, midi_bytes

FAST = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Any JSON value, hostile ones first: huge and tiny numbers, NaN, wrong types, nesting.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e300, 2**63]),
    st.text(max_size=8),
)
HOSTILE = st.sampled_from(
    [
        float("nan"),
        float("inf"),
        -1,
        0,
        1e-300,
        1e300,
        10**400,
        2**64,
        -(2**63),
        "",
        "x",
        None,
        True,
        [],
        {},
        [[]],
        1e7,
        127,
        128,
        -0.0,
        0.5,
    ]
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)


def paths_of(data, prefix=()):
    """Every path (tuple of keys and indexes) into a JSON tree."""
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths_of(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data[:3]):  # the first few items of long lists (notes) are enough
            yield from paths_of(v, prefix + (i,))


def replaced(data, path, value):
    out = copy.deepcopy(data)
    if not path:
        return value
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def assert_one_line(exc: BgmError) -> None:
    assert str(exc) and "\n" not in str(exc)


@pytest.fixture(scope="module")
def project_json(tmp_path_factory, short_clip, tiny_model):
    folder = tmp_path_factory.mktemp("prop")
    proj = folder / "p.bgm.json"
    mp = pytest.MonkeyPatch()
    mp.setenv("BGM_MODEL", str(tiny_model))
    mp.setenv("BGM_CACHE", str(folder / "cache"))
    try:
        assert main(["generate", str(short_clip), "--project", str(proj)]) == 0
    finally:
        mp.undo()
    return json.loads(proj.read_text())


@settings(FAST, max_examples=400)
@given(data=st.data(), value=st.one_of(HOSTILE, JSON_VALUES))
def test_any_one_changed_field_of_a_project_loads_soundly_or_is_one_line(project_json, data, value):
    path = data.draw(st.sampled_from(list(paths_of(project_json))))
    try:
        project = from_json(replaced(project_json, path, value), "p.bgm.json")
    except BgmError as exc:
        assert_one_line(exc)
        return
    assert 0 < project.duration_s and project.n_beats <= MAX_BEATS and math.isfinite(project.tempo_bpm)
    assert all(math.isfinite(v) for s in project.shots for v in s.features.values())
    notes = project.notes()
    assert len(notes) == 0 or (notes[:, 0].max() < project.n_beats * STEPS_PER_BEAT and notes[:, 1].max() <= 127)
    assert to_json(from_json(to_json(project))) == to_json(project)  # what loads, saves and loads the same
    assert len(score_to_midifile(project_score(project)).tracks) == 4  # and can be exported: conductor and 3 parts


@FAST
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=16))
def test_a_cut_or_spliced_project_file_is_one_line(project_json, tmp_path_factory, cut, junk):
    text = json.dumps(project_json).encode()
    path = tmp_path_factory.getbasetemp() / "cut.bgm.json"
    path.write_bytes(text[:cut] + junk)
    try:
        load_project(path)
    except BgmError as exc:
        assert_one_line(exc)


MIDI_EVENTS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=0x0FFFFFFF),
        st.sampled_from(
            [
                b"\x90\x3c\x64",
                b"\x80\x3c\x00",
                b"\x90\x40\x00",
                b"\xff\x51\x03\x00\x00\x00",
                b"\xff\x51\x03\x07\xa1\x20",
                b"\xff\x06\x01m",
                b"\xb0\x40\x7f",
                b"\xff\x03\x06melody",
                b"\xc0\x05",
            ]
        ),
    ),
    max_size=12,
)


@FAST
@given(events=MIDI_EVENTS, tpb=st.integers(min_value=0, max_value=0x7FFF))
def test_any_event_list_reads_soundly_or_is_one_line(tmp_path_factory, events, tpb):
    path = tmp_path_factory.getbasetemp() / "events.mid"
    path.write_bytes(midi_bytes(events, tpb))
    check_midi(path)


@FAST
@given(at=st.integers(min_value=0, max_value=len(GOOD_MIDI) - 1), value=st.binary(min_size=1, max_size=6))
def test_any_byte_change_of_a_midi_file_reads_soundly_or_is_one_line(tmp_path_factory, at, value):
    path = tmp_path_factory.getbasetemp() / "bytes.mid"
    path.write_bytes(GOOD_MIDI[:at] + value + GOOD_MIDI[at + len(value) :])
    check_midi(path)


def check_midi(path) -> None:
    try:
        score = read_midi(path)
    except BgmError as exc:
        assert_one_line(exc)
        return
    assert score.n_steps <= MAX_BEATS * STEPS_PER_BEAT and 0 < score.tempo_bpm < math.inf
    assert all(0 < s < score.n_steps for s in score.segment_starts)


CONFIG_FIELDS = [
    "steps",
    "batch_size",
    "lr",
    "warmup",
    "weight_decay",
    "ema_decay",
    "checkpoint_every",
    "max_songs",
    "seed",
    "threads",
    "model",
    "unknown",
]
MODEL_FIELDS = ["n_beats", "band", "dim", "depth", "heads", "mlp_ratio", "cond_drop_prob"]


@FAST
@given(
    config=st.dictionaries(st.sampled_from(CONFIG_FIELDS), SCALARS, max_size=4),
    model=st.one_of(st.none(), st.dictionaries(st.sampled_from(MODEL_FIELDS), SCALARS, max_size=3), JSON_VALUES),
)
def test_any_training_config_is_usable_or_one_line(tmp_path_factory, config, model):
    if model is not None:
        config["model"] = model
    path = tmp_path_factory.getbasetemp() / "config.json"
    path.write_text(json.dumps(config))
    try:
        cfg = load_config(str(path))
        check_train_config(cfg)
    except BgmError as exc:
        assert_one_line(exc)
        return
    assert isinstance(cfg, TrainConfig) and 1 <= cfg.batch_size <= 4096 and 1 <= cfg.threads <= 256
    assert 8 <= cfg.model.n_beats <= 1024 and cfg.model.n_beats % 4 == 0
