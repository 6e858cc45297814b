"""Segment-aware attention masks and control-token features.

A music step (here: a beat token) attends only to the control tokens of the segment
(shot) it lies in, plus one global token that is always visible.
"""

from __future__ import annotations

import torch

N_CONTROL_FEATURES = 6  # density, energy, register, minor, segment_start, has_notes


def segment_ids_from_starts(segment_start: torch.Tensor) -> torch.Tensor:
    """(B, n_beats) bool segment-start flags -> (B, n_beats) segment index (beat 0 always starts one)."""
    starts = segment_start.clone().bool()
    starts[:, 0] = True
    return starts.long().cumsum(dim=1) - 1


def segment_attention_mask(segment_ids: torch.Tensor) -> torch.Tensor:
    """(B, n_beats) segment ids -> bool (B, n_beats, 1 + n_beats) mask, True = may attend.

    Key 0 is the global token; key 1 + j is beat j's control token, visible to beat i
    only when both lie in the same segment.
    """
    same = segment_ids[:, :, None] == segment_ids[:, None, :]
    glob = torch.ones_like(same[:, :, :1])
    return torch.cat([glob, same], dim=2)


def control_features(
    density: torch.Tensor,
    energy: torch.Tensor,
    register: torch.Tensor,
    minor: torch.Tensor,
    segment_start: torch.Tensor,
) -> torch.Tensor:
    """Per-beat control values (B, n_beats) each -> normalised features (B, n_beats, 6).

    density is onsets per bar (log-scaled), energy in [0, 1], register a MIDI pitch
    (centred on middle C, in octaves), minor and segment_start flags.
    """
    has_notes = (density > 0).float()
    feats = [
        torch.log1p(density) / 4.0,
        energy * 2 - 1,
        torch.where(has_notes > 0, (register - 60.0) / 12.0, torch.zeros_like(register)),
        minor.float() * 2 - 1,
        segment_start.float(),
        has_notes,
    ]
    return torch.stack(feats, dim=-1)
