"""First-time scoring of a 3-minute 720p video against decoding it alone, in CPU seconds:
`python -m benchmarks.end_to_end [--repeats 2] [--against REV]`.

Both run as child processes measured the same way (user + system CPU of the child, imports and
threads included): `bgm-studio generate VIDEO -o OUT.mp4` with an empty analysis cache, and a plain
PyAV decode of every frame. Two 3-minute 720p videos, each with its own ratio:
- synthetic: two synthesised 30-s clips alternating six times (a dialogue's look returns, as in
  real edits). Flat-colour shapes decode unusually cheaply, which makes this ratio the harder one.
- real footage: the four real clips of benchmarks/real_clips.py (filmed street and surveillance
  footage, two animated films) scaled and letterboxed to 1280x720 at 25 fps, joined and looped to
  3 minutes, encoded with x264 at 4 Mbit/s as a web upload would be (made once into .cache/).
Target: scoring <= 1.5 x decoding.
With --against, the tree of commit REV (git archive) scores the same video in the same run, taking
turns with this tree: before and after under the same machine load.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import hardware
from .scoring import random_shots

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from video_clips import make_clip  # noqa: E402

DECODE = (
    "import av, sys\n"
    "with av.open(sys.argv[1]) as c:\n"
    "    s = c.streams.video[0]\n"
    "    s.thread_type = 'AUTO'\n"
    "    for _ in c.decode(s):\n"
    "        pass\n"
)


def three_minutes_720p(folder: Path) -> Path:
    """Two different 30-s clips, A B A B A B, joined without re-encoding."""
    parts = []
    for k in range(2):
        parts.append(folder / f"part{k}.mp4")
        make_clip(parts[-1], random_shots(np.random.default_rng(10 + k), 30.0, 3.0, 8.0), size=(1280, 720))
    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{parts[i % 2]}'\n" for i in range(6)))
    out = folder / "three_minutes_720p.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


REAL_BIT_RATE = "4M"  # a typical 720p upload's video bit rate


def real_three_minutes_720p() -> Path:
    """The real clips, each scaled into 1280x720 (letterboxed) at 25 fps, played in turn until 3 minutes
    are filled; encoded once and kept in .cache/real_clips."""
    from .real_clips import CACHE, CLIPS, fetch

    out = CACHE / "three_minutes_720p_real.mp4"
    if out.is_file():
        return out
    sources = [fetch(c) for c in CLIPS] * 2  # 106 s of footage, twice
    fit = "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:-1:-1,setsar=1,fps=25,format=yuv420p"
    graph = ";".join(f"[{i}:v]{fit}[v{i}]" for i in range(len(sources)))
    graph += ";" + "".join(f"[v{i}]" for i in range(len(sources))) + f"concat=n={len(sources)}:v=1:a=0[out]"
    inputs = [arg for path in sources for arg in ("-i", str(path))]
    part = out.with_suffix(".part.mp4")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]"]
        + ["-t", "180", "-c:v", "libx264", "-preset", "medium", "-b:v", REAL_BIT_RATE, "-an", str(part)],
        check=True,
    )
    part.replace(out)
    return out


def child_cpu(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def phases(video: Path, folder: Path) -> str:
    """Where the CPU goes, in this process (its imports were paid already, its memory set up as a
    command's is): analysis, generation, MP4."""
    from bgm_studio.memory import keep_freed_memory
    from bgm_studio.project.outputs import OutputPaths, write_outputs
    from bgm_studio.project.scoring import Scorer, ScoringOptions
    from bgm_studio.video.analysis import analyze_video

    keep_freed_memory()
    scorer = Scorer()
    c0 = time.process_time()
    analysis = analyze_video(video, use_cache=False)
    c1 = time.process_time()
    project = scorer.generate(scorer.plan(analysis, ScoringOptions(seed=0)))
    c2 = time.process_time()
    write_outputs(project, OutputPaths(mp4=str(folder / "phases.mp4")))
    c3 = time.process_time()
    return (
        f"CPU by phase: analysis {c1 - c0:.1f} s, generation {c2 - c1:.1f} s ({project.n_beats} beats), "
        f"MP4 export {c3 - c2:.1f} s"
    )


def checkout(rev: str, folder: Path) -> Path:
    """The tree of commit `rev` (git archive: no worktree is added), to score with as a baseline."""
    root = Path(__file__).resolve().parents[1]
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(root), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def score_cmd(tree: Path, video: Path, out: Path, cache: Path) -> tuple[list[str], dict[str, str]]:
    """`bgm-studio generate` of the package in `tree` (run from there, so it shadows the installed one)."""
    env = {**os.environ, "BGM_CACHE": str(cache), "PYTHONPATH": str(tree)}  # first-time: nothing analysed yet
    return [sys.executable, "-m", "bgm_studio.cli", "generate", str(video), "-o", str(out)], env


def spread(runs: list[tuple[float, float]]) -> str:
    cpu, wall = [r[0] for r in runs], [r[1] for r in runs]
    return f"{min(cpu):.1f}-{max(cpu):.1f} s CPU, {min(wall):.1f}-{max(wall):.1f} s wall"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--against", metavar="REV", help="also score with commit REV in the same run (before/after)")
    args = parser.parse_args()
    print(hardware())
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        videos = {"synthetic": three_minutes_720p(folder), "real footage": real_three_minutes_720p()}
        trees = {"this tree": here} | ({args.against: checkout(args.against, folder / "rev")} if args.against else {})
        decode: dict[str, list[tuple[float, float]]] = {clip: [] for clip in videos}
        score: dict[tuple[str, str], list[tuple[float, float]]] = {(c, t): [] for c in videos for t in trees}
        for k in range(args.repeats):  # interleaved, so all see the same machine load
            for clip, video in videos.items():
                decode[clip].append(child_cpu([sys.executable, "-c", DECODE, str(video)]))
                for i, (name, tree) in enumerate(trees.items()):
                    cmd, env = score_cmd(tree, video, folder / f"scored{k}-{i}.mp4", folder / f"cache{k}-{i}")
                    score[clip, name].append(child_cpu(cmd, env, cwd=tree))
        for clip, video in videos.items():
            d_cpu = min(decode[clip])[0]
            print(f"3-minute 720p, {clip}, decode only: {spread(decode[clip])} (best and spread of {args.repeats})")
            for name in trees:
                runs = score[clip, name]
                print(
                    f"  scored end to end by {name}: {spread(runs)} = {min(runs)[0] / d_cpu:.2f} x decoding (best)  "
                    "target <= 1.5 x"
                )
            print(
                "  each run: "
                + "; ".join(
                    f"decode {dc:.1f}/{dw:.1f} s, "
                    + ", ".join(
                        f"{name} {score[clip, name][k][0]:.1f}/{score[clip, name][k][1]:.1f} s" for name in trees
                    )
                    + " (CPU/wall)"
                    for k, (dc, dw) in enumerate(decode[clip])
                )
            )
            print(f"  {phases(video, folder)}")


if __name__ == "__main__":
    main()
