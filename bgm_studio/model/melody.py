"""The melody model: an autoregressive GRU over 16th-step melody tokens (one readable file).

At each step it reads the token before, the tokens at the same place 1, 2 and 4 bars back
(melody_data.lookback_tokens) and the step's conditions (melody_data.step_conditions: chord,
position in bar and phrase, mode, onsets wanted, register) and predicts the next token. The
tokens back reach the output directly too, so playing an earlier bar again is easy to learn.
Melodies are sampled from it with temperature, the step's kind (rest, hold, new note) at the
model's odds and the new note's pitch by nucleus (top-p) sampling; hard limits (the
range around the requested register, a hold only after a note) mask tokens, they never pick one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

import numpy as np
import torch
from msgspec import Meta
from torch import nn

from ..music.notes import STEPS_PER_BAR
from .config_io import Fraction, Width
from .melody_data import COND_DIM, HOLD, LOOKBACK_BARS, REST, VOCAB, lookback_tokens

NEW_NOTE = 2  # the kind of any onset token (the first pitch's token; every higher token is one too)
STYLES = 201  # training songs whose styles a model keeps: those at evenly spaced ranks by onsets a sung bar
# Log-normal width, on the ratio of onsets a sung bar, of the weights by which a piece draws a song's style:
# a singer's habits go with how many notes a bar it sings (syncopation: Spearman 0.77 over train songs 001-770).
STYLE_SPREAD = 0.1


@dataclass(frozen=True)
class MelodyConfig:
    vocab: Width = VOCAB  # REST, HOLD and the onset of each pitch
    cond_dim: Width = COND_DIM  # per-step condition features
    embed: Width = 64  # token embedding size
    lookback_embed: Width = 32  # embedding size of each token read bars back (melody_data.LOOKBACK_BARS)
    cond_hidden: Width = 128  # condition projection size
    hidden: Width = 256  # GRU state size
    layers: Annotated[int, Meta(ge=1, le=64)] = 2  # GRU layers
    dropout: Fraction = 0.1  # between GRU layers and before the output


@dataclass(frozen=True)
class MelodySampling:
    temperature: float = 1.0  # < 1 sharpens the model's distribution
    kind_temperature: float = 1.0  # of the draw between rest, hold and a new note (< 1: the likelier kind more often)
    # Nucleus: a new note's pitch comes from the likeliest pitches holding this share. At 0.92 a long
    # single shot's tune dwelt on one pitch: vtest.avi's most common pitch held 0.268 of its notes, 22%
    # of its pieces over 0.31 (29-bar excerpts of POP909 0.244, 9%); at 0.95 0.253 and 9% (stop 64).
    top_p: float = 0.95
    range_semitones: int = 12  # onsets stay within this of the requested register (a limit the writer sets)
    # A pitch that would hold more than this share of the piece's melody notes so far is drawn the less
    # (see pitch_dwell); 1.0: never.
    dwell_cap: float = 0.4
    # Log-odds added to a new note's pitch being the melody's last pitch again, the piece's own habit
    # (melody_writer.melody_repetition); 0: the model's odds.
    repeat_bias: float = 0.0
    # A new note lies within this many semitones of the melody's last one, where the other limits leave
    # such a pitch. POP909's melodies leap further in 0.1% of their steps (test songs 819-830); ours,
    # whose range moves with the register bar by bar, did in 3.5% of their 8-bar windows (validation
    # songs, seed 0), often one note 19 semitones up and back.
    max_leap: int = 12


class MelodyModel(nn.Module):
    """p(token_t | tokens_<t, conditions_<=t)."""

    styles: torch.Tensor  # a buffer (STYLES, 3): training songs' (articulation, syncopation, onsets a sung bar)

    def __init__(self, cfg: MelodyConfig = MelodyConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.embed)
        self.cond = nn.Sequential(nn.Linear(cfg.cond_dim, cfg.cond_hidden), nn.GELU())
        self.back = nn.Embedding(cfg.vocab, cfg.lookback_embed)
        back = cfg.lookback_embed * len(LOOKBACK_BARS)
        self.gru = nn.GRU(
            cfg.embed + back + cfg.cond_hidden,
            cfg.hidden,
            cfg.layers,
            batch_first=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.hidden + back + cfg.cond_hidden, cfg.vocab)
        # The styles of songs it learned from (melody_data.articulation, .syncopation), from which a piece's is drawn.
        spread = [torch.linspace(0.0, 0.8, STYLES), torch.full((STYLES,), 0.15), torch.linspace(2.0, 8.0, STYLES)]
        self.register_buffer("styles", torch.stack(spread, 1))

    def forward(
        self, prev: torch.Tensor, back: torch.Tensor, cond: torch.Tensor, state: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """prev: (B, T) tokens before each step; back: (B, T, K) tokens at each step's place K bars back
        (lookback_tokens); cond: (B, T, C). Returns logits (B, T, V) and the state."""
        c = self.cond(cond)  # (B, T, H_c)
        b = self.back(back).flatten(2)  # (B, T, K * E_b)
        h, state = self.gru(torch.cat([self.embed(prev), b, c], dim=-1), state)  # (B, T, H)
        return self.out(self.drop(torch.cat([h, b, c], dim=-1))), state

    def config_dict(self) -> dict:
        return asdict(self.cfg)

    def learn_styles(self, values: np.ndarray) -> None:
        """Keep the styles (songs, 3: articulation, syncopation, onsets a sung bar) of the training
        songs at STYLES evenly spaced ranks by onsets a sung bar, each row one song's."""
        values = np.asarray(values, np.float64)
        ranked = values[np.argsort(values[:, 2], kind="stable")]
        picked = ranked[np.round(np.linspace(0, len(ranked) - 1, STYLES)).astype(int)]
        self.styles.copy_(torch.as_tensor(picked, dtype=self.styles.dtype))

    def draw_style(self, rng: np.random.Generator, sung_onsets: float) -> tuple[float, float]:
        """A piece's (articulation, syncopation): one training song's, drawn the likelier the nearer its
        onsets a sung bar lie to the piece's `sung_onsets` (STYLE_SPREAD; 0: any song alike). A
        singer's habits go with how busy its bars are: drawn from any song, a sparse tune took a busy
        one's syncopation, and a classifier told the windows apart more (HISTORY.md, stop 57)."""
        styles = self.styles.detach().cpu().numpy()
        weight = np.ones(len(styles))
        if sung_onsets > 0:
            weight = np.exp(-0.5 * (np.log(np.maximum(styles[:, 2], 0.1) / sung_onsets) / STYLE_SPREAD) ** 2) + 1e-12
        row = styles[rng.choice(len(styles), p=weight / weight.sum())]
        return float(row[0]), float(row[1])

    def usual_style(self) -> tuple[float, float]:
        """The training songs' median articulation and median syncopation."""
        articulation, syncopation = self.styles[:, :2].median(dim=0).values.tolist()
        return articulation, syncopation


def start_token() -> int:
    """The token read before the first step (silence)."""
    return REST


@torch.no_grad()
def sample_melody(
    model: MelodyModel,
    cond: np.ndarray,
    sampling: MelodySampling,
    gen: torch.Generator,
    allowed: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
    source: np.ndarray | None = None,
    rhythm: np.ndarray | None = None,
) -> np.ndarray:
    """Sample tokens for every step of `cond` (float (T, C)).

    allowed: bool (T, V), the tokens the hard limits leave at each step (None: all);
    fixed: int (T,) tokens to keep (the music outside a regenerated span), -1 where free;
    source: int (T,) for a step of a returning phrase, the earlier step it plays again, -1 where free;
    rhythm: int (T,) for a step of a returning bar taking up its source's rhythm, the earlier
    step whose kind (rest, hold or a new note) it takes, -1 where free: the model draws the pitch of
    each such new note. A bar whose earlier bar held no onset is written freely.
    The model reads kept and repeated tokens too, so what it writes next follows them.
    """
    model.eval()
    device = next(model.parameters()).device
    n = len(cond)
    out = np.full(n, -1, np.int64) if fixed is None else fixed.astype(np.int64).copy()
    free = np.nonzero(out < 0)[0]
    if len(free) == 0:
        return out
    first, last = int(free[0]), int(free[-1])
    cond_t = torch.as_tensor(cond, dtype=torch.float32, device=device)[None]  # (1, T, C)
    mask = None if allowed is None else torch.as_tensor(allowed, device=device)
    state = None
    struck = out[:first][out[:first] >= NEW_NOTE] - NEW_NOTE
    counts = np.bincount(struck, minlength=VOCAB - NEW_NOTE)
    factors = _pitch_factors(counts, int(struck[-1]) if len(struck) else -1, sampling)
    if first > 0:  # read the kept music before the first free step in one pass
        prev = torch.as_tensor(np.concatenate([[start_token()], out[: first - 1]]), device=device)[None]
        back = torch.as_tensor(lookback_tokens(out[:first]), device=device)[None]
        _, state = model(prev, back, cond_t[:, :first], None)
    prev_tok = start_token() if first == 0 else int(out[first - 1])
    lags = np.array(LOOKBACK_BARS) * STEPS_PER_BAR
    for t in range(first, last + 1):
        back_tok = np.where(t >= lags, out[np.maximum(t - lags, 0)], REST)
        back = torch.as_tensor(back_tok, device=device)[None, None]
        logits, state = model(torch.tensor([[prev_tok]], device=device), back, cond_t[:, t : t + 1], state)
        if out[t] < 0 and source is not None and source[t] >= 0:
            out[t] = out[source[t]]
        kind = _rhythm_kind(out, rhythm, t) if out[t] < 0 else None
        if kind == NEW_NOTE:
            out[t] = _draw(
                logits[0, 0], prev_tok, None if mask is None else mask[t], sampling, gen, factors, onset=True
            )
        elif kind is not None:
            out[t] = HOLD if kind == HOLD and prev_tok != REST else REST
        if out[t] < 0 or (out[t] == HOLD and prev_tok == REST):
            out[t] = _draw(logits[0, 0], prev_tok, None if mask is None else mask[t], sampling, gen, factors)
        prev_tok = int(out[t])
        if prev_tok >= NEW_NOTE:
            counts[prev_tok - NEW_NOTE] += 1
            factors = _pitch_factors(counts, prev_tok - NEW_NOTE, sampling)
    return out


DWELL_WEIGHT = 8.0  # how steeply a pitch past the cap is drawn the less: e^-8 at a whole share over it
DWELL_MIN_NOTES = 4  # the guard waits for this many melody notes: a piece's first notes may sit on one pitch


def pitch_dwell(counts: np.ndarray, cap: float) -> torch.Tensor | None:
    """float (pitches,): factors on the pitches' odds for the next new note, given how many of the piece's
    notes so far each pitch took (`counts`); None where nothing changes.

    A pitch whose share, if drawn again, would pass `cap` is drawn e^-(DWELL_WEIGHT x the excess) as often.
    The model, left alone, could sit on one pitch for a whole short piece (a 5-s clip's 12 notes, 7 of them
    on one pitch), where a real tune moves; in long pieces one pitch rarely holds so much of the notes.
    """
    n = int(counts.sum())
    if cap >= 1.0 or n < DWELL_MIN_NOTES:
        return None
    excess = np.maximum((counts + 1) / (n + 1) - cap, 0.0)
    if not excess.any():
        return None
    return torch.from_numpy(np.exp(-DWELL_WEIGHT * excess)).float()


def _pitch_factors(counts: np.ndarray, last: int, sampling: MelodySampling) -> torch.Tensor | None:
    """Factors on the pitches' odds for the next new note: pitch_dwell's, with the last pitch struck
    (-1: none) e^repeat_bias as likely and those more than max_leap from it not at all; None where
    nothing changes. Renewed only when a note is struck."""
    dwell = pitch_dwell(counts, sampling.dwell_cap)
    if last < 0:
        return dwell
    factors = torch.ones(VOCAB - NEW_NOTE) if dwell is None else dwell
    factors[last] *= float(np.exp(sampling.repeat_bias))
    factors[np.abs(np.arange(VOCAB - NEW_NOTE) - last) > sampling.max_leap] = 0.0
    return factors


def _rhythm_kind(out: np.ndarray, rhythm: np.ndarray | None, t: int) -> int | None:
    """The kind (REST, HOLD or NEW_NOTE) step t takes up from the bar whose rhythm it repeats (that
    bar is written by then), or None where it is free: no rhythm given there, or a bar without onset."""
    if rhythm is None or rhythm[t] < 0:
        return None
    src = int(rhythm[t])
    bar = src - src % STEPS_PER_BAR
    if not (out[bar : bar + STEPS_PER_BAR] >= NEW_NOTE).any():
        return None
    return min(int(out[src]), NEW_NOTE)


def _draw(
    logits: torch.Tensor,
    prev: int,
    allowed: torch.Tensor | None,
    s: MelodySampling,
    gen: torch.Generator,
    dwell: torch.Tensor | None = None,
    onset: bool = False,
) -> int:
    """One token, in two draws after the hard limits mask what they forbid: what the step does (rest,
    hold, or a new note) by the model's own odds (sharpened by a kind temperature under 1), then the
    new note's pitch by nucleus sampling among the pitches. One nucleus over all tokens would cut new
    notes wherever their probability is spread over many pitches, as on off-beat 16ths: the rhythm
    would come out squarer and longer than learned. onset: the step is a new note (its kind is
    given); only its pitch is drawn, and a rest where the hard limits leave no pitch. dwell: factors on
    the pitches' odds (_pitch_factors), applied after the kind is drawn, so the rhythm stays the model's;
    where they leave no pitch the mask allows (a register moved far since the last note), the leap goes."""
    logits = logits / max(s.temperature, 1e-3)
    if allowed is not None:
        logits = logits.masked_fill(~allowed, -float("inf"))
    if prev == REST:
        logits[HOLD] = -float("inf")  # nothing to hold
    if not torch.isfinite(logits).any():  # every token masked: rest
        return REST
    if onset and not torch.isfinite(logits[2:]).any():
        return REST
    probs = torch.softmax(logits, dim=-1).cpu()
    pitches = probs[2:]
    if not onset:
        kinds = torch.stack([probs[REST], probs[HOLD], pitches.sum()]) ** (1 / max(s.kind_temperature, 1e-3))
        kind = int(torch.multinomial(kinds / kinds.sum(), 1, generator=gen))
        if kind < 2:
            return (REST, HOLD)[kind]
    weighted = pitches if dwell is None else pitches * dwell
    return 2 + _nucleus(weighted if weighted.sum() > 0 else pitches, s.top_p, gen)


def _nucleus(pitches: torch.Tensor, top_p: float, gen: torch.Generator) -> int:
    """Index of a pitch drawn among the likeliest pitches holding top_p of their probability."""
    sorted_p, order = (pitches / pitches.sum()).sort(descending=True)
    keep = (sorted_p.cumsum(0) - sorted_p) < top_p
    sorted_p = torch.where(keep, sorted_p, torch.zeros_like(sorted_p))
    choice = torch.multinomial(sorted_p / sorted_p.sum(), 1, generator=gen)
    return int(order[int(choice)])
