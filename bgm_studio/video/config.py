"""Settings of a video analysis. Every field is part of the cache key."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ..errors import BgmError

ENCODERS = ("descriptor", "clip")
ENCODER_ENV, CLIP_WEIGHTS_ENV, CLIP_MODEL_ENV = "BGM_ENCODER", "BGM_CLIP_WEIGHTS", "BGM_CLIP_MODEL"


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
        """The settings as plain JSON data (lists for tuples), for cache keys and projects."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_key(cls, settings: dict) -> "AnalysisConfig":
        """The config whose `key()` this is (as a project records it); missing fields take their defaults.

        Raises BgmError for a value of the wrong type; fields this version does not know are ignored.
        """
        values = {}
        for f in fields(cls):
            if f.name not in settings:
                continue
            value = settings[f.name]
            if isinstance(f.default, tuple):  # JSON gives a list
                ok = isinstance(value, (list, tuple)) and all(_same_kind(0.0, v) for v in value)
                value = tuple(value) if ok else value
            else:
                ok = _same_kind(f.default, value)
                value = float(value) if ok and isinstance(f.default, float) else value  # 10 and 10.0 key alike
            if not ok:
                raise BgmError(f"analysis setting {f.name!r} has the wrong type ({value!r})")
            values[f.name] = value
        return cls(**values)


def _same_kind(default, value) -> bool:
    """value can stand where the default stands (an int for a float, but never a bool for a number);
    a number must also be finite, at most 1e6 in size, and positive where the default is."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        kind = (int, float) if isinstance(default, float) else int
        return isinstance(value, kind) and abs(value) <= 1e6 and (value > 0 or default <= 0)  # NaN fails too
    return isinstance(value, type(default))


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
