"""analyze_video end to end: JSON format, cache, CLI."""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pytest

from bgm_studio.cli import main
from bgm_studio.video import analysis, cache
from bgm_studio.video.analysis import VideoAnalysis, analyze_video, to_json
from bgm_studio.video.cache import cache_dir, fingerprint
from bgm_studio.video.config import AnalysisConfig
from tests.video_clips import make_bad_file


def test_json_has_the_documented_shape_and_round_trips(cut_clip):
    path, _ = cut_clip
    data = json.loads(json.dumps(to_json(analyze_video(path, use_cache=False))))
    assert data["video"] == str(path)
    assert {"duration_s", "fps", "width", "height", "shots", "series"} <= set(data)
    assert isinstance(data["width"], int) and isinstance(data["duration_s"], float)
    shot = data["shots"][0]
    assert {"index", "start_s", "end_s", "motion", "brightness", "embedding"} <= set(shot)
    assert len(data["series"]["t_s"]) == len(data["series"]["motion"])
    again = VideoAnalysis.from_json(data)
    assert to_json(again) == data
    assert again.shots[2].start_s == data["shots"][2]["start_s"]


def test_second_analysis_comes_from_the_cache(cut_clip, tmp_path):
    path, _ = cut_clip
    copy = tmp_path / "renamed.mp4"
    shutil.copy2(path, copy)  # keeps the time, as a move or rename does (a plain copy is analysed again)
    config = AnalysisConfig(sample_fps=8.0)  # a setting no other test uses, so the first run is a miss
    t0 = time.perf_counter()
    first = analyze_video(path, config)
    t1 = time.perf_counter()
    second = analyze_video(copy, config)
    t2 = time.perf_counter()
    assert t2 - t1 < 0.2 and t2 - t1 < (t1 - t0) / 3
    assert second.info.path == str(copy)
    assert second.cut_times == pytest.approx(first.cut_times, abs=1e-6)
    assert np.allclose(second.series.motion, first.series.motion, atol=1e-5)
    changed = analyze_video(copy, AnalysisConfig(sample_fps=8.0, min_shot_s=0.6))  # other settings: another entry
    assert len(list(cache_dir().glob("*.json"))) >= 2 and changed.cut_times == pytest.approx(first.cut_times, abs=1e-6)


def test_an_entry_cached_before_nominal_rates_still_serves(phone_clip, monkeypatch):
    """An older version's entry has no nominal_fps: it is read, not analysed again, and the rate an editor
    counts in comes from the video itself."""
    config = AnalysisConfig(sample_fps=6.0)  # a setting no other test uses
    analyze_video(phone_clip[0], config)
    key = cache.cache_key(cache.content_key(phone_clip[0]), config)
    old = cache.load(key)
    assert old is not None and old.pop("nominal_fps") == 30.0
    cache.store(key, old)
    monkeypatch.setattr(analysis, "_analyse", lambda *a: pytest.fail("analysed again"))
    again = analyze_video(phone_clip[0], config)
    assert again.info.nominal_fps == 30.0 and again.cut_times == pytest.approx(phone_clip[1], abs=0.04)


def test_fingerprint_follows_content(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    data = bytes(range(256)) * 20000
    a.write_bytes(data)
    b.write_bytes(data[:-1] + b"x")
    assert fingerprint(a) != fingerprint(b)
    b.write_bytes(data)
    assert fingerprint(a) == fingerprint(b)


def test_no_cache_entry_for_a_failed_analysis(tmp_path):
    before = set(cache_dir().glob("*.json")) if cache_dir().exists() else set()
    path = make_bad_file(tmp_path / "one.mp4", "one_frame")
    assert main(["analyze", str(path)]) == 2
    after = set(cache_dir().glob("*.json")) if cache_dir().exists() else set()
    assert after == before


def test_cli_prints_the_shot_table_and_writes_json(cut_clip, tmp_path, capsys):
    path, truth = cut_clip
    out = tmp_path / "analysis.json"
    assert main(["analyze", str(path), "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "motion" in table and "5 shots" in table
    data = json.loads(out.read_text())
    assert [s["start_s"] for s in data["shots"][1:]] == pytest.approx(truth, abs=0.09)


@pytest.mark.parametrize("kind", ["empty", "text", "audio_only"])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, kind):
    path = make_bad_file(tmp_path / f"{kind}.mp4", kind)
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and str(path) in err[-1] and "Traceback" not in "".join(err)


def test_cli_warns_about_a_truncated_file(tmp_path, capsys):
    path = make_bad_file(tmp_path / "cut_off.mp4", "truncated")
    assert main(["analyze", str(path)]) == 0
    assert "warning:" in capsys.readouterr().err


def test_cancelled_analysis_leaves_no_cache_entry(cut_clip):
    """The GUI cancels by raising from the progress callback; nothing half-done may be cached."""

    class Cancelled(Exception):
        pass

    def cancel(done: float, total: float, label: str) -> None:
        if done > 1.0:
            raise Cancelled

    config = AnalysisConfig(sample_fps=7.0)
    with pytest.raises(Cancelled):
        analyze_video(cut_clip[0], config, progress=cancel)
    before = set(cache_dir().glob("*.json"))
    analyze_video(cut_clip[0], config)
    assert len(set(cache_dir().glob("*.json")) - before) == 1


def test_the_shot_table_gives_a_phone_clips_nominal_rate_and_its_average(phone_clip, cut_clip, capsys):
    """A phone's 30 fps clip averaging 28 read "at 28 fps", a rate no editor counts it in."""
    assert main(["analyze", str(phone_clip[0])]) == 0
    assert "at 30 fps (averaging 28)" in capsys.readouterr().out
    assert main(["analyze", str(cut_clip[0])]) == 0
    assert capsys.readouterr().out.endswith("of 320x180 at 25 fps\n")  # a steady rate, said once
