"""MP4 export time for a 3-minute video: render, AAC encode and packet copy, by stage.

Baseline in the same run: the `ffmpeg` program muxing the same video (stream copy)
with the same music as a WAV (AAC encode), i.e. the export minus our render.

    .venv/bin/python -m benchmarks.export_mp4
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bgm_studio.audio.render import RenderConfig, render
from bgm_studio.export.mp4 import export_mp4
from bgm_studio.export.wav import write_wav

from .audio_common import hardware, test_piece

VIDEO_SIZE = "640x360"


def make_video(path: Path, seconds: float) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={VIDEO_SIZE}:rate=25:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )


def main() -> None:
    print(hardware())
    name, score = test_piece()
    seconds = score.duration_s()
    with tempfile.TemporaryDirectory() as tmp:
        video, out = Path(tmp) / "video.mp4", Path(tmp) / "scored.mp4"
        make_video(video, seconds)
        print(f"video: {seconds:.1f} s, {VIDEO_SIZE} H.264, {video.stat().st_size / 1e6:.1f} MB; music: {name}")
        stages: dict[str, float] = {}
        last = [time.perf_counter(), None]

        def progress(done: float, total: float, label: str) -> None:
            now = time.perf_counter()
            if last[1] is not None:
                stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
            last[0], last[1] = now, label

        start = time.perf_counter()
        export_mp4(score, video, out, progress=progress)
        total = time.perf_counter() - start
        progress(0, 0, "")
        for label, t in stages.items():
            print(f"  {label:16s} {t:6.2f} s")
        print(f"export_mp4 total {total:.2f} s: {seconds / total:.0f}x real time")
        if shutil.which("ffmpeg"):
            wav = Path(tmp) / "music.wav"
            write_wav(render(score, duration_s=seconds), RenderConfig().sample_rate, wav)
            t = time.perf_counter()
            subprocess.run(
                [
                    "ffmpeg",
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-y",
                    "-i",
                    str(video),
                    "-i",
                    str(wav),
                    "-map",
                    "0:v",
                    "-map",
                    "1:a",
                    "-c:v",
                    "copy",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "192k",
                    "-movflags",
                    "+faststart",
                    str(Path(tmp) / "ffmpeg.mp4"),
                ],
                check=True,
            )
            baseline = time.perf_counter() - t
            print(
                f"baseline: ffmpeg copy + AAC of the rendered WAV {baseline:.2f} s; our export without the render "
                f"{total - stages.get('rendering music', 0.0):.2f} s"
            )


if __name__ == "__main__":
    main()
