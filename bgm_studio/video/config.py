"""Settings of a video analysis. Every field is part of the cache key."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated

from msgspec import Meta

from ..errors import BgmError
from ..schema import read_record

ENCODERS = ("descriptor", "clip")
Positive = Annotated[float, Meta(gt=0, le=1e6)]  # a time, rate or level: beyond these a setting is a mistake
Size = Annotated[int, Meta(gt=0, le=10**6)]
ENCODER_ENV, CLIP_WEIGHTS_ENV, CLIP_MODEL_ENV = "BGM_ENCODER", "BGM_CLIP_WEIGHTS", "BGM_CLIP_MODEL"


@dataclass(frozen=True)
class AnalysisConfig:
    """How a video is analysed; the defaults suit music scoring of ordinary footage."""

    frame_width: Size = 128  # width in pixels of the thumbnails every measure is taken on
    flow_width: Size = 64  # width of the grayscale frames for optical flow (motion)
    sample_fps: Positive = 10.0  # rate of the feature time series, samples per second
    fast_decode: bool = True  # skip non-reference frames and deblocking: ~2x faster, cuts still within 2 frames
    min_shot_s: Positive = 0.3  # of two cuts closer than this the weaker is dropped (a montage cuts every 0.4 s)
    cut_ratio: Positive = 3.0  # a hard cut stands this many times above the local frame-change level
    cut_min: Positive = 0.08  # ... and changes at least this much (0..1 distance between frames)
    flash_s: Positive = 0.3  # a picture that comes back this soon after a sudden change was lit by a flash, not cut
    gradual_spans_s: tuple[Positive, ...] = (1.0, 2.0)  # dissolves are found by comparing frames each of these apart
    gradual_min: Positive = 0.20  # pixel distance a dissolve must bring about (about 1 for unrelated pictures)
    black_luma: Positive = 0.05  # a frame darker than this (mean luma 0..1) counts as black in a fade
    cut_window_s: Positive = 10.0  # cut density counts cuts in a window this long around each time
    encoder: str = "descriptor"  # semantic encoder: "descriptor" (built in) or "clip"
    clip_weights: str = ""  # local path of open_clip weights, needed by the "clip" encoder
    clip_model: str = "ViT-B-32"  # open_clip architecture matching clip_weights
    embed_every_s: Positive = 1.0  # the encoder sees one frame this often (and at least one per shot)

    def key(self) -> dict:
        """The settings as plain JSON data (lists for tuples), for cache keys and projects."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_key(cls, settings: dict) -> "AnalysisConfig":
        """The config whose `key()` this is (as a project records it); missing fields take their defaults.

        Raises BgmError naming a setting of the wrong type or out of its bounds; fields this version does
        not know are ignored. An integer stands for a float (10 and 10.0 key alike), never a bool for a number.
        """
        return read_record(settings, cls, "analysis settings")


def configured(
    encoder: str | None = None, clip_weights: str | None = None, clip_model: str | None = None
) -> AnalysisConfig:
    """The default settings with the user's semantic encoder: each value given here, else its environment
    variable ($BGM_ENCODER, $BGM_CLIP_WEIGHTS, $BGM_CLIP_MODEL), else the default.

    The clip fields stay at their defaults for the descriptor encoder, so a CLIP setup in the environment
    changes neither the cache key nor the project of a descriptor analysis.
    """
    default = AnalysisConfig()
    encoder = encoder or os.environ.get(ENCODER_ENV) or default.encoder
    if encoder != "clip":
        if clip_weights or clip_model:
            raise BgmError("--clip-weights and --clip-model apply to the clip encoder only; add --encoder clip")
        return replace(default, encoder=encoder)
    weights = clip_weights or os.environ.get(CLIP_WEIGHTS_ENV) or ""
    weights = str(Path(weights).expanduser().absolute()) if weights else ""  # a project may be opened from anywhere
    return replace(
        default,
        encoder=encoder,
        clip_weights=weights,
        clip_model=clip_model or os.environ.get(CLIP_MODEL_ENV) or default.clip_model,
    )
