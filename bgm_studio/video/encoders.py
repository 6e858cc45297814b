"""Semantic encoders: one vector per frame saying what a picture looks like, for melody and atmosphere.

The built-in descriptor needs nothing beyond OpenCV. The CLIP encoder uses
open_clip with weights from a local file the user names; nothing is downloaded.
"""

from __future__ import annotations

import difflib
import functools
import sys
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from ..errors import BgmError
from .config import CLIP_MODEL_ENV, CLIP_WEIGHTS_ENV, ENCODER_ENV, ENCODERS, AnalysisConfig


class SemanticEncoder(Protocol):
    """Anything that turns frames into unit-length embedding vectors."""

    name: str  # identifies the encoder and its version in caches and JSON
    dim: int  # length of each embedding

    def encode(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """frames: RGB uint8 images (h, w, 3). Returns float32 array, shape=(len(frames), dim), rows of unit length."""
        ...


class DescriptorEncoder:
    """A compact colour-and-texture descriptor: hue, saturation and value histograms,
    gradient orientations, edge density at two scales and a 2x2 brightness layout."""

    name = "descriptor-v1"
    dim = 12 + 1 + 6 + 4 + 8 + 2 + 4

    def encode(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        return (
            np.stack([_descriptor(f) for f in frames]).astype(np.float32)
            if frames
            else np.zeros((0, self.dim), np.float32)
        )


def _descriptor(rgb: np.ndarray) -> np.ndarray:
    """Parts on comparable 0..1 scales (histograms sum to 1, edges are fractions of pixels), then unit length."""
    hsv8 = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).reshape(-1, 3)
    hsv = hsv8.astype(np.float32)
    hue, sat, val = hsv[:, 0] / 180.0, hsv[:, 1] / 255.0, hsv[:, 2] / 255.0
    chroma = sat * val
    colour = np.concatenate(
        [
            np.bincount((hue * 12).astype(int) % 12, weights=chroma, minlength=12),
            [np.sum(1.0 - chroma)],  # grey mass: pictures without colour still differ from each other
        ]
    ) / len(hue)
    tones = np.concatenate([_level_histogram(hsv8[:, 2], 6), _level_histogram(hsv8[:, 1], 4)]) / (2.0 * len(hue))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    gx, gy = cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    magnitude = np.hypot(gx, gy).ravel()
    edge = magnitude > 0.25  # Sobel of a clear edge; sensor noise stays well below
    angle = np.arctan2(gy.ravel()[edge], gx.ravel()[edge]) % np.pi  # only where it counts: arctan2 is slow
    orient = np.bincount((angle / np.pi * 8).astype(int) % 8, minlength=8) / len(magnitude)
    coarse = cv2.resize(gray, (max(2, gray.shape[1] // 4), max(2, gray.shape[0] // 4)), interpolation=cv2.INTER_AREA)
    edges = [float(edge.mean()), float((np.abs(np.diff(coarse, axis=1)) > 0.08).mean())]
    layout = cv2.resize(gray, (2, 2), interpolation=cv2.INTER_AREA).ravel() / 2.0
    vector = np.concatenate([colour, tones, orient, edges, layout])
    return vector / (np.linalg.norm(vector) + 1e-9)


_LEVELS = np.arange(256, dtype=np.float32) / 255.0  # 8-bit levels on 0..1, as the descriptor scales them


def _level_histogram(levels: np.ndarray, bins: int) -> np.ndarray:
    """np.histogram(levels / 255.0, bins, (0, 1))[0] of uint8 `levels`: their 256 counts summed per bin (5x faster)."""
    counts = np.bincount(levels, minlength=256)
    return np.bincount(_bin_of_level(bins), weights=counts, minlength=bins).astype(np.intp)


@functools.cache
def _bin_of_level(bins: int) -> np.ndarray:
    """The bin np.histogram(levels / 255.0, bins, (0, 1)) puts each 8-bit level in: bins ascend with the levels."""
    return np.repeat(np.arange(bins), np.histogram(_LEVELS, bins, (0, 1))[0])


class ClipEncoder:
    """CLIP image embeddings through open_clip, from a local weights file only."""

    def __init__(self, weights: str, model: str = "ViT-B-32") -> None:
        path, open_clip = _clip_weights(weights), _open_clip(model)
        import torch

        try:
            self._model = open_clip.create_model(model, pretrained=str(path)).eval()
        except Exception as exc:  # open_clip raises many kinds for a wrong file or architecture
            reason = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:160]
            raise BgmError(
                f"{path}: cannot load as {model} CLIP weights ({reason}); if they are for another "
                f"architecture, name it with --clip-model or ${CLIP_MODEL_ENV}"
            ) from exc
        self._torch = torch
        self._size = int(
            self._model.visual.image_size[0]
            if isinstance(self._model.visual.image_size, tuple)
            else self._model.visual.image_size
        )
        self.name = f"clip-{model}-{path.name}"
        self.dim = int(self._model.visual.output_dim)

    def encode(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        mean, std = np.array([0.4815, 0.4578, 0.4082]), np.array([0.2686, 0.2613, 0.2758])  # CLIP's normalisation
        batch = np.stack(
            [
                (cv2.resize(f, (self._size, self._size), interpolation=cv2.INTER_CUBIC) / 255.0 - mean) / std
                for f in frames
            ]
        ).transpose(0, 3, 1, 2)  # (N, 3, S, S)
        with self._torch.no_grad():
            out = self._model.encode_image(self._torch.from_numpy(batch.astype(np.float32)))
        out = out.numpy()
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def check_encoder(config: AnalysisConfig) -> None:
    """Refuse an encoder that cannot be made, without loading any weights: an unknown name, clip without
    a weights file, open_clip not installed, or an architecture open_clip cannot build offline."""
    if config.encoder not in ENCODERS:
        raise BgmError(
            f"unknown semantic encoder '{config.encoder}' (choose {' or '.join(ENCODERS)}; --encoder or ${ENCODER_ENV})"
        )
    if config.encoder == "clip":
        _clip_weights(config.clip_weights)
        _open_clip(config.clip_model)


def make_encoder(config: AnalysisConfig) -> SemanticEncoder:
    """The encoder named in the config."""
    check_encoder(config)
    if config.encoder == "clip":
        return ClipEncoder(config.clip_weights, config.clip_model)
    return DescriptorEncoder()


def _clip_weights(weights: str) -> Path:
    if not weights:
        raise BgmError(
            f"the clip encoder has no weights configured: set ${CLIP_WEIGHTS_ENV} (or --clip-weights) "
            "to a local open_clip weights file; nothing is downloaded"
        )
    path = Path(weights).expanduser()
    if not path.is_file():
        raise BgmError(f"{path}: no such CLIP weights file (from --clip-weights or ${CLIP_WEIGHTS_ENV})")
    return path


def _open_clip(model: str):
    """The open_clip module, once it is known to build `model` from a local file without going online."""
    try:
        import open_clip
    except ImportError:
        raise BgmError(
            f"the clip encoder needs open_clip, which is not installed: {sys.executable} -m pip install open_clip_torch"
        ) from None
    if model not in open_clip.list_models():
        close = difflib.get_close_matches(model, open_clip.list_models(), 3)
        raise BgmError(
            f"unknown CLIP model '{model}'"
            + (f" (did you mean {', '.join(close)}?)" if close else "")
            + f"; set --clip-model or ${CLIP_MODEL_ENV}"
        )
    if (open_clip.get_model_config(model) or {}).get("text_cfg", {}).get("hf_model_name"):
        raise BgmError(
            f"CLIP model '{model}' fetches its text tower from the Hugging Face hub; "
            "choose one with a built-in text tower, such as ViT-B-32"
        )
    return open_clip
