"""Picture against sound while the app plays: `python -m benchmarks.av_sync [--seconds 10]`.

A clip (tests/video_clips.py, 640x360, 25 fps) is scored with the shipped model and played in the
real window (offscreen Qt unless $QT_QPA_PLATFORM says otherwise) on a "sound card" that pulls
512-frame blocks in real time. At every playhead tick the offset is the time heard (the audio
clock) less the start of the frame on screen: 0 up to one frame is in sync, half a frame in the
middle of it. The same run plays it again with the preview asking for the frame at the playhead
itself (no lead), as it did before it measured the delay of its frames to the screen: the baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.app_stall import _wait  # noqa: E402
from benchmarks.audio_common import hardware  # noqa: E402
from tests.video_clips import ShotSpec, make_clip  # noqa: E402

FPS = 25.0


def _play(app, window, pull_cls, outputs, seconds: float) -> np.ndarray:
    """Offsets (s) of the frame shown from the time heard, at each tick of `seconds` of playback from 0."""
    samples: list[float] = []

    def record(t: float) -> None:
        if window.preview.frame_time_s is not None:
            samples.append(t - window.preview.frame_time_s)

    window.seek(0.0)
    _wait(app, lambda: False, 0.3)
    window.state.position_changed.connect(record)
    pull = pull_cls(outputs[-1])
    pull.start()
    window.sound.toggle()
    _wait(app, lambda: not window.sound.playback.playing or window.state.position_s > seconds)
    window.sound.toggle()
    pull.running = False
    pull.join()
    window.state.position_changed.disconnect(record)
    return np.array(samples[10:])  # past the first frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="playback measured each time")
    parser.add_argument("--model", default=None, help="checkpoint (default: the shipped model)")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from bgm_studio.app.main_window import MainWindow
    from bgm_studio.app.widgets.preview import VideoPreview
    from tests.app.test_playback import RealTimePull, capture_factory

    print(hardware())
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        n = int(args.seconds // 3) + 2
        make_clip(
            clip,
            [ShotSpec(seconds=3.0, hue=(47 * i) % 360, motion=0.3 * (i % 3), seed=i) for i in range(n)],
            size=(640, 360),
            fps=FPS,
        )
        app = QApplication.instance() or QApplication([])
        outputs: list = []
        window = MainWindow(model_path=args.model, player_factory=capture_factory(outputs))
        window.resize(1280, 720)
        window.show()
        _wait(app, lambda: window.scorer.loaded is not None and bool(outputs), 120)
        window.open_path(str(clip))
        _wait(app, lambda: window.busy is None)
        window.generate()
        _wait(app, lambda: window.busy is None)
        _wait(app, lambda: window.sound.playback.sounding, 30)
        show_time = VideoPreview.show_time
        runs = {}
        for name in ("no lead (before)", "lead (now)"):
            if name.startswith("no lead"):  # the frame at the playhead itself
                window.preview.show_time = lambda t, playing=False: show_time(window.preview, t)
            else:
                del window.preview.show_time
            runs[name] = offsets = _play(app, window, RealTimePull, outputs, args.seconds)
            print(
                f"{name}: {len(offsets)} ticks over {args.seconds:g} s, picture behind the sound median "
                f"{1000 * np.median(offsets):.1f} ms, p95 {1000 * np.percentile(offsets, 95):.1f} ms, "
                f"beyond one frame at {np.mean(offsets > 1 / FPS):.0%} of ticks, ahead at {np.mean(offsets < 0):.0%}; "
                f"lead {1000 * window.preview.lead_s:.0f} ms"
            )
        print(f"in sync: 0-{1000 / FPS:.0f} ms, {500 / FPS:.0f} ms in the middle of the frame")
        window.state.dirty = False
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
