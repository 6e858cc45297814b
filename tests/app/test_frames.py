"""The preview's frames: a damaged packet costs its own frames, not the rest of the video."""

from __future__ import annotations

import av
import pytest

from bgm_studio.app.frames import FrameDecoder
from tests.media import make_video, with_packets_zeroed


def test_frames_past_a_damaged_packet_still_show(tmp_path):
    """One zeroed H.264 packet at 0.8 s: decoded as one stream, the preview froze on the frame at
    0.68 s for the rest of the video, where the analysis and players skip the packet."""
    clip = make_video(tmp_path / "clip.mp4", seconds=2.0, tone_hz=None)
    damaged = with_packets_zeroed(clip, tmp_path / "damaged.mkv", "video", first=20, count=1)
    with pytest.raises(av.FFmpegError):
        with av.open(str(damaged)) as c:
            c.streams.video[0].thread_type = "AUTO"
            list(c.decode(video=0))
    with FrameDecoder(damaged, 160) as decoder:  # played forward, across the damage
        shown = [decoder.picture_at(k * 0.04) for k in range(48)]
    assert shown[-1] is not None and shown[-1].t_s == pytest.approx(1.88, abs=0.05)
    assert shown[10] is not None and shown[10].t_s == pytest.approx(0.4, abs=0.05)
