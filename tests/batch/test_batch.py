"""`bgm-studio batch`: a local pool and a local Ray score synthesised clips, report a damaged one and
go on, skip on a rerun what is scored already, and stop cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bgm_studio.batch.jobs import list_videos, make_tasks
from bgm_studio.cli import main
from tests.video_clips import ShotSpec, make_bad_file, make_clip

SMALL = (160, 90)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """Two good clips (2 shots and 1 shot) and a damaged one."""
    folder = tmp_path_factory.mktemp("clips")
    make_clip(
        folder / "two_shots.mp4",
        [ShotSpec(seconds=2.5, hue=30), ShotSpec(seconds=2.5, hue=210, look="texture", pan=0.5)],
        size=SMALL,
    )
    make_clip(folder / "one_shot.mp4", [ShotSpec(seconds=3, hue=120, motion=0.4)], size=SMALL)
    make_bad_file(folder / "damaged.mp4", "text")
    return folder


def _summary(out: Path) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads((out / "batch_summary.json").read_text())}


def _batch(clips: Path, out: Path, model: Path, *extra: str) -> int:
    return main(["batch", str(clips), "--out", str(out), "--model", str(model), "--formats", "midi,project", *extra])


def _check_first_run(out: Path, capsys) -> None:
    rows = _summary(out)
    assert {n: r["status"] for n, r in rows.items()} == {
        "damaged": "failed",
        "one_shot": "scored",
        "two_shots": "scored",
    }
    assert (rows["two_shots"]["shots"], rows["one_shot"]["shots"]) == (2, 1)
    assert all(70 <= rows[n]["bpm"] <= 140 and rows[n]["seconds"] > 0 for n in ("one_shot", "two_shots"))
    assert "cannot be read as a video" in rows["damaged"]["reason"] and "\n" not in rows["damaged"]["reason"]
    assert "1 videos failed" not in capsys.readouterr().err  # the one-line error names counts, not a traceback
    assert (out / "batch_summary.csv").read_text().splitlines()[0] == "name,status,shots,bpm,seconds,reason,note,video"
    assert sorted(p.name for p in out.glob("*.manifest.json")) == ["one_shot.manifest.json", "two_shots.manifest.json"]
    assert not list(out.glob(".*"))  # no temporary file left


def test_local_pool_scores_reports_the_damaged_video_and_resumes(clips, tmp_path, tiny_model_path, capsys):
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--workers", "2") == 2  # one video failed
    _check_first_run(out, capsys)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mid")}
    assert _batch(clips, out, tiny_model_path, "--workers", "1") == 2
    rows = _summary(out)
    assert [rows[n]["status"] for n in ("one_shot", "two_shots", "damaged")] == ["skipped", "skipped", "failed"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.mid")} == stamps  # nothing scored twice
    # The same video as `generate` scores it, with the same seed.
    assert (
        main(
            [
                "generate",
                str(clips / "two_shots.mp4"),
                "--midi",
                str(tmp_path / "g.mid"),
                "--model",
                str(tiny_model_path),
            ]
        )
        == 0
    )
    assert (tmp_path / "g.mid").read_bytes() == (out / "two_shots.mid").read_bytes()
    # Another seed is another setting: scored again.
    assert _batch(clips, out, tiny_model_path, "--workers", "1", "--seed", "1") == 2
    assert _summary(out)["one_shot"]["status"] == "scored"


def test_list_file_paths_missing_entries_and_shared_names(clips, tmp_path):
    (tmp_path / "sub").mkdir()
    make_bad_file(tmp_path / "sub" / "one_shot.mp4", "empty")
    listing = tmp_path / "videos.txt"
    listing.write_text(f"# to score\n{clips / 'one_shot.mp4'}\n\nsub/one_shot.mp4\nmissing.mp4\n")
    videos = list_videos(listing)
    assert videos == [clips / "one_shot.mp4", tmp_path / "sub" / "one_shot.mp4", tmp_path / "missing.mp4"]
    assert [t.name for t in make_tasks(videos, tmp_path / "out")] == ["one_shot-1", "one_shot-2", "missing"]
    assert [p.name for p in list_videos(clips)] == ["damaged.mp4", "one_shot.mp4", "two_shots.mp4"]


def test_user_errors_are_one_line(clips, tmp_path, tiny_model_path, capsys):
    assert main(["batch", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 2
    assert main(["batch", str(clips), "--out", str(tmp_path / "o"), "--formats", "mp3"]) == 2
    assert main(["batch", str(clips), "--out", str(tmp_path / "o"), "--model", str(tmp_path / "none.pt")]) == 2
    assert main(["batch", str(clips), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("error: ") for line in err)
    assert not (tmp_path / "o").exists()


def test_ray_scores_the_same_music(clips, tmp_path, tiny_model_path, capsys, monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.setenv("RAY_worker_niceness", "0")  # Ray's nice 15 starves its workers on a busy machine
    local = tmp_path / "local"
    assert _batch(clips, local, tiny_model_path, "--workers", "1") == 2
    ray.init(address="local", include_dashboard=False, num_cpus=2, log_to_driver=False, _node_ip_address="127.0.0.1")
    try:
        assert _batch(clips, tmp_path / "ray", tiny_model_path, "--ray", "auto", "--workers", "2") == 2
    finally:
        ray.shutdown()
    _check_first_run(tmp_path / "ray", capsys)
    for name in ("one_shot.mid", "two_shots.mid"):
        assert (tmp_path / "ray" / name).read_bytes() == (local / name).read_bytes()


def _ctrl_c_as_at_a_terminal() -> None:
    """A job started in the background (`make test &`, nohup) inherits SIGINT ignored, and Python
    keeps it so; a batch started at a terminal has it at its default, which is the case tested."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_leaves_no_half_written_file_and_a_rerun_resumes(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(3):
        make_clip(
            clips / f"c{i}.mp4",
            [ShotSpec(seconds=6, hue=40 * i), ShotSpec(seconds=6, hue=210, look="texture", pan=0.5)],
            size=SMALL,
        )
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "bgm_studio.cli",
        "batch",
        str(clips),
        "--out",
        str(out),
        "--workers",
        "1",
        "--formats",
        "mp4,midi,wav,project",
    ]
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        preexec_fn=_ctrl_c_as_at_a_terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("*.manifest.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C at a terminal: the batch and its workers
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-2000:]
    assert "interrupted" in stdout and "Traceback" not in stderr
    assert not list(out.glob(".*"))  # no temporary or half-written file
    done = {p.name.split(".")[0] for p in out.glob("*.manifest.json")}
    assert 1 <= len(done) < 3
    for name in done:  # a video with a manifest has all its files
        assert all((out / f"{name}{s}").is_file() for s in (".mp4", ".mid", ".wav", ".bgm.json"))
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    rows = _summary(out)
    assert {n for n, r in rows.items() if r["status"] == "skipped"} == done
    assert {n for n, r in rows.items() if r["status"] == "scored"} == {"c0", "c1", "c2"} - done


def _die(task) -> None:
    """A worker killed on its first video."""
    os._exit(9)


def test_a_killed_worker_fails_its_videos_in_one_line(clips, tmp_path, tiny_model_path, monkeypatch):
    """A worker process that dies (the OOM killer) is reported per video, not as a traceback."""
    from bgm_studio.batch import runner

    monkeypatch.setattr(runner, "score_in_process", _die)
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--workers", "1") == 2
    rows = _summary(out)
    assert {r["status"] for r in rows.values()} == {"failed"}
    assert all("worker process died" in r["reason"] for r in rows.values())


def _math_threads(task):
    """A worker's report of the thread counts its process was started with."""
    from bgm_studio.batch.jobs import VideoResult
    from bgm_studio.threads import THREAD_VARIABLES

    return VideoResult(task.video, task.name, "failed", reason=" ".join(os.environ[v] for v in THREAD_VARIABLES))


def test_pool_processes_start_with_their_share_of_the_cores(clips, tmp_path, tiny_model_path, monkeypatch):
    """Every math library's thread count is set before a pool process imports anything: it imports
    the CLI, and with it numpy, whose BLAS took every core before the initializer could say otherwise."""
    from bgm_studio.batch import runner

    monkeypatch.setattr(runner, "score_in_process", _math_threads)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    for workers, share in (("2", "1 1 1"), ("1", "2 2 2")):  # the fork server starts with each batch's share
        out = tmp_path / f"out{workers}"
        assert _batch(clips, out, tiny_model_path, "--workers", workers) == 2
        assert {r["reason"] for r in _summary(out).values()} == {share}
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7"  # the batch's own process keeps its setting


def _parent_with_torch(task):
    """A worker's report of its parent process and whether that parent has torch loaded."""
    from bgm_studio.batch.jobs import VideoResult

    maps = Path(f"/proc/{os.getppid()}/maps").read_text()
    return VideoResult(task.video, task.name, "failed", reason=f"{os.getppid()} {'libtorch_cpu' in maps}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_pool_processes_fork_from_a_server_that_imported_torch_once(clips, tmp_path, tiny_model_path, monkeypatch):
    """Spawned, each worker imported torch and SciPy itself (~1.8 s of CPU each); the server that
    forks them has, and it is gone once the batch ends."""
    from bgm_studio.batch import runner

    monkeypatch.setattr(runner, "score_in_process", _parent_with_torch)
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--workers", "2") == 2
    reports = {r["reason"] for r in _summary(out).values()}
    assert len(reports) == 1  # both workers have the one server as parent
    server, preloaded = reports.pop().split()
    assert int(server) != os.getpid() and preloaded == "True"
    assert not Path(f"/proc/{server}").exists()  # stopped and reaped with the batch


def test_an_output_that_would_replace_its_video_fails_that_video_before_any_work(clips, tmp_path, tiny_model_path):
    """--out set to the videos' own folder: each .mp4 would be written over its source. Each was scored
    first and refused only then, leaving a stray project beside the untouched video."""
    folder = tmp_path / "videos"
    folder.mkdir()
    video = folder / "one_shot.mp4"
    video.write_bytes((clips / "one_shot.mp4").read_bytes())
    before = video.read_bytes()
    args = ["batch", str(folder), "--out", str(folder), "--model", str(tiny_model_path), "--workers", "1"]
    assert main([*args, "--formats", "mp4,project"]) == 2
    row = _summary(folder)["one_shot"]
    assert row["status"] == "failed" and "input" in row["reason"] and row["seconds"] < 1.0
    assert video.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["batch_summary.csv", "batch_summary.json", "one_shot.mp4"]
