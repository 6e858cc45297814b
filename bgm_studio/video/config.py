"""Settings of a video analysis. Every field is part of the cache key."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class AnalysisConfig:
    """How a video is analysed; the defaults suit music scoring of ordinary footage."""

    frame_width: int = 128  # width in pixels of the thumbnails every measure is taken on
    flow_width: int = 64  # width of the grayscale frames for optical flow (motion)
    sample_fps: float = 10.0  # rate of the feature time series, samples per second
    fast_decode: bool = True  # skip non-reference frames and deblocking: ~2x faster, cuts still within 2 frames
    min_shot_s: float = 0.5  # shorter shots are merged into a neighbour
    cut_ratio: float = 3.0  # a hard cut stands this many times above the local frame-change level
    cut_min: float = 0.08  # ... and changes at least this much (0..1 distance between frames)
    gradual_spans_s: tuple[float, ...] = (1.0, 2.0)  # dissolves are found by comparing frames each of these apart
    gradual_min: float = 0.20  # pixel distance a dissolve must bring about (about 1 for unrelated pictures)
    black_luma: float = 0.05  # a frame darker than this (mean luma 0..1) counts as black in a fade
    cut_window_s: float = 10.0  # cut density counts cuts in a window this long around each time
    encoder: str = "descriptor"  # semantic encoder: "descriptor" (built in) or "clip"
    clip_weights: str = ""  # local path of open_clip weights, needed by the "clip" encoder
    clip_model: str = "ViT-B-32"  # open_clip architecture matching clip_weights
    embed_every_s: float = 1.0  # the encoder sees one frame this often (and at least one per shot)

    def key(self) -> dict:
        """The settings as a plain dict, for cache keys and JSON."""
        return asdict(self)
