"""Form: the phrases of a piece and their letters, learned from POP909's phrase labels and
planned over a video's shots.

What is learned (FormModel.fit, on the train split): how long melodic phrases are, and how a
phrase's letter relates to the one before (the same again, an earlier one returning, or new),
apart for each number of letters heard so far: a song brings in its second letter readily and a
fifth hardly ever.
Planning (plan_form) places phrase boundaries on bars, preferring bars where a cut falls and the
learned lengths; a shot returning to an earlier shot's look returns to that shot's letters; a
phrase where the picture's energy rises well above the piece's takes the chorus letter; other
phrases follow the learned letter habits. A piece long enough opens with a short intro without melody,
as 96% of POP909's train songs do: the melody comes in with the second phrase, on a cut where one
falls near. Such a piece also rests its melody for an interlude between sections and for an
outro at its end, at the odds POP909's songs do (an interlude most often after a chorus, before
the verse comes back).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..errors import BgmError
from ..music.notes import BEATS_PER_BAR
from ..music.structure import Phrase

DEFAULT_FORM_MODEL = Path(__file__).resolve().parents[2] / "models" / "form.json"
MAX_PHRASE_BARS = 16
RELATIONS = ("same", "return", "new")  # a melodic phrase's letter against the phrases before it
MOST_LETTERS = 4  # relations are counted apart after 1, 2, 3, and 4 or more letters
INTRO = "i"  # the letter of an opening phrase without melody, as in POP909's labels
INTERLUDE = "x"  # the letter of an inner phrase without melody (POP909's labels: b or x)
OUTRO = "o"  # the letter of a closing phrase without melody, as in POP909's labels
MAX_OUTRO_BARS = 4  # a longer last phrase keeps its melody (POP909 train: 66% of outros last 4 bars or fewer)
MAX_INTERLUDE_BARS = 8  # a longer phrase keeps its melody (POP909 train: 94% of interludes last 8 bars or fewer)
# Where an interlude may follow a melodic phrase: after the piece's first letter (the verse) or a later
# one (a chorus), with the next melodic phrase on the same letter or another.
INTERLUDE_PLACES = ("verse_same", "verse_change", "chorus_same", "chorus_change")
FORM_VERSION = 3
WANDER_STREAM = 7  # keys register_wander's draws apart from the piece's other draws from its seed


@dataclass(frozen=True)
class FormConfig:
    cut_bonus: float = 2.5  # log-odds a phrase gains by starting on a bar where a cut falls
    split_cost: float = 1.5  # log-odds a phrase loses for each bar-aligned cut strictly inside it
    chorus_rise: float = 0.25  # a phrase whose energy is this far above the piece's median is a chorus
    chorus_lift: float = 3.0  # semitones later melodic letters sit above the first (POP909 train 001-400: 3.0)
    # A piece opens with an intro of at most intro_max_share of its bars, where that allows
    # intro_min_bars. POP909 train: 785 of 818 songs open with one, of 4.9-12.9% of the song's bars
    # (10th-90th percentile, median 8.4%), and 94% of intros last 4 bars or more. A piece under 31
    # bars (75 s near 100 BPM) has its melody from the start.
    intro_min_bars: int = 4
    intro_max_share: float = 0.13
    # A piece sits at a height of its own and each phrase wanders about it (register_wander): POP909's
    # bar registers spread 2.55 semitones between songs and 1.58 between a song's own 8-bar spans
    # (train songs 001-770, mean onset pitch of both tracks).
    song_register_sd: float = 2.0
    phrase_register_sd: float = 1.5


@dataclass
class FormModel:
    """Learned phrase lengths (bars -> count) and letter relations (letters heard so far, at most
    MOST_LETTERS -> relation -> count). In POP909's train songs a phrase brings a new letter after
    one letter 52% of the time, after two 18%, after three 9% and after four or more 5.5%; counted
    as one table (22%), a 3-minute shot's plan ran to six letters or more, where songs have two to
    four (median three), and its phrases returned too seldom for a song's form."""

    lengths: dict[int, int]
    relations: dict[int, dict[str, int]]
    interludes: dict[str, tuple[int, int]] = field(default_factory=dict)  # place -> (interludes, phrases)
    outros: tuple[int, int] = (0, 0)  # (songs ending on a phrase without melody, songs)

    @classmethod
    def fit(cls, labels: list[list[tuple[str, int]]]) -> "FormModel":
        lengths: Counter[int] = Counter()
        relations: dict[int, Counter[str]] = {k: Counter() for k in range(1, MOST_LETTERS + 1)}
        for label in labels:
            melodic = [(letter, n) for letter, n in label if letter.isupper()]
            for i, (letter, n) in enumerate(melodic):
                lengths[min(n, MAX_PHRASE_BARS)] += 1
                if i:
                    before = {m for m, _ in melodic[:i]}
                    rel = "same" if letter == melodic[i - 1][0] else "return" if letter in before else "new"
                    relations[min(len(before), MOST_LETTERS)][rel] += 1
        outros = (sum(1 for label in labels if label and label[-1][0].islower()), len(labels))
        return cls(dict(lengths), {k: dict(v) for k, v in relations.items()}, _interlude_counts(labels), outros)

    def interlude_p(self, place: str) -> float:
        """The odds that an interlude follows a melodic phrase at this place (INTERLUDE_PLACES); 0 unlearned."""
        hits, phrases = self.interludes.get(place, (0, 0))
        return hits / phrases if phrases else 0.0

    def outro_p(self) -> float:
        """The odds that a piece ends on a phrase without melody; 0 unlearned."""
        hits, songs = self.outros
        return hits / songs if songs else 0.0

    def length_logp(self) -> np.ndarray:
        """float (MAX_PHRASE_BARS + 1,): log probability of each phrase length (add-one smoothed)."""
        counts = np.ones(MAX_PHRASE_BARS + 1)
        for n, c in self.lengths.items():
            counts[int(n)] += c
        counts[0] = 0
        with np.errstate(divide="ignore"):
            logp: np.ndarray = np.log(counts / counts.sum())
            return logp

    def relation_p(self, n_letters: int) -> np.ndarray:
        """float (3,): the odds of each of RELATIONS after `n_letters` letters (add-one smoothed)."""
        counts = self.relations.get(min(max(n_letters, 1), MOST_LETTERS), {})
        c = np.array([counts.get(r, 0) + 1.0 for r in RELATIONS])
        p: np.ndarray = c / c.sum()
        return p

    def save(self, path: str | os.PathLike[str]) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(
                json.dumps(
                    {
                        "version": FORM_VERSION,
                        "lengths": {str(k): v for k, v in self.lengths.items()},
                        "relations": {str(k): v for k, v in self.relations.items()},
                        "interludes": {k: list(v) for k, v in self.interludes.items()},
                        "outros": list(self.outros),
                    },
                    sort_keys=True,
                )
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "FormModel":
        path = Path(path or DEFAULT_FORM_MODEL)
        try:
            data = json.loads(path.read_text())
            if data.get("version") != FORM_VERSION:
                raise BgmError(f"{path}: cannot read form model (an older table, without interludes and outros)")
            return cls(
                {int(k): int(v) for k, v in data["lengths"].items()},
                {int(k): {str(r): int(c) for r, c in v.items()} for k, v in data["relations"].items()},
                {str(k): (int(v[0]), int(v[1])) for k, v in data["interludes"].items()},
                (int(data["outros"][0]), int(data["outros"][1])),
            )
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BgmError(f"{path}: cannot read form model ({exc})") from exc


def _interlude_counts(labels: list[list[tuple[str, int]]]) -> dict[str, tuple[int, int]]:
    """Per place (INTERLUDE_PLACES): how many of the melodic phrases before a song's last one were
    followed by phrases without melody, and how many there were. POP909 train: after a chorus
    whose next melodic phrase takes another letter, 30%; after a verse, or before the same letter, 5-8%."""
    hits: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for label in labels:
        melodic_at = [i for i, (letter, _) in enumerate(label) if letter.isupper()]
        for i, j in zip(melodic_at, melodic_at[1:]):
            letter = label[i][0]
            verse = letter == label[melodic_at[0]][0]
            place = f"{'verse' if verse else 'chorus'}_{'same' if label[j][0] == letter else 'change'}"
            total[place] += 1
            hits[place] += j > i + 1
    return {place: (hits[place], total[place]) for place in INTERLUDE_PLACES}


def phrase_bounds(
    n_bars: int, cut_bars: set[int], model: FormModel, cfg: FormConfig = FormConfig(), first_most: int = MAX_PHRASE_BARS
) -> list[int]:
    """Phrase start bars (and n_bars at the end) that best fit the learned lengths and the cuts,
    the first phrase at most `first_most` bars (an intro's limit).

    Dynamic programming over bars: a phrase of length n scores log p(n), plus cut_bonus when it
    starts on a cut bar, minus split_cost for each cut bar strictly inside it.
    """
    logp = model.length_logp()
    best = np.full(n_bars + 1, -np.inf)
    back = np.zeros(n_bars + 1, int)
    best[0] = 0.0
    cuts = np.zeros(n_bars + 1, bool)
    cuts[[b for b in cut_bars if 0 < b < n_bars]] = True
    inside = np.concatenate([[0], np.cumsum(cuts)])  # cuts in bars [0, b) = inside[b]
    for end in range(1, n_bars + 1):
        for n in range(1, min(MAX_PHRASE_BARS, end) + 1):
            start = end - n
            if start == 0 and n > first_most:
                continue
            score = best[start] + logp[n] + cfg.cut_bonus * cuts[start]
            score -= cfg.split_cost * (inside[end] - inside[start + 1])
            if score > best[end]:
                best[end], back[end] = score, start
    bounds = [n_bars]
    while bounds[-1] > 0:
        bounds.append(int(back[bounds[-1]]))
    return bounds[::-1]


def plan_form(
    shot_starts: list[int],
    themes: list[int],
    bar_energy: np.ndarray,
    model: FormModel,
    rng: np.random.Generator,
    cfg: FormConfig = FormConfig(),
) -> list[Phrase]:
    """The phrases of a piece over its shots.

    shot_starts: first beat of each shot; themes: each shot's theme (an earlier shot, or itself);
    bar_energy: float (n_bars,), how busy the picture asks each bar to be (e.g. its density).
    """
    n_bars = len(bar_energy)
    if n_bars == 0:
        return []
    cut_bars = {s // BEATS_PER_BAR for s in shot_starts if s % BEATS_PER_BAR == 0}
    intro_most = int(cfg.intro_max_share * n_bars)
    intro = intro_most >= cfg.intro_min_bars
    bounds = phrase_bounds(n_bars, cut_bars, model, cfg, intro_most if intro else MAX_PHRASE_BARS)
    shot_of_bar = np.searchsorted(np.array(shot_starts), np.arange(n_bars) * BEATS_PER_BAR, side="right") - 1
    median = float(np.median(bar_energy)) if n_bars else 0.0
    melodic: list[str] = []
    theme_phrases: dict[int, list[int]] = {}  # each shot's phrases (indices into melodic) in order
    sources: list[int] = []  # per phrase, the phrase of an earlier look it returns to (-1: none)
    choruses: list[bool] = []  # per phrase, whether the picture's rise made it the chorus
    chorus: str | None = None
    phrases = list(zip(bounds[:-1], bounds[1:]))[int(intro) :]
    for a, b in phrases:
        shot = int(np.bincount(shot_of_bar[a:b]).argmax())
        theme = themes[shot]
        ordinal = sum(1 for x, y in phrases if x < a and int(np.bincount(shot_of_bar[x:y]).argmax()) == shot)
        rising = median > 0 and float(bar_energy[a:b].mean()) > median * (1 + cfg.chorus_rise)
        source = theme_phrases[theme][ordinal] if theme != shot and ordinal < len(theme_phrases.get(theme, [])) else -1
        if source >= 0:
            letter = melodic[source]
        elif rising:
            chorus = chorus or _new_letter(melodic)
            letter = chorus
        else:
            letter = _learned_letter(melodic, chorus, model, rng)
        theme_phrases.setdefault(shot, []).append(len(melodic))
        melodic.append(letter)
        sources.append(source)
        choruses.append(rising and source < 0)
    if intro:
        lengths = [b - a for a, b in phrases]
        melodic = _with_rests(melodic, sources, choruses, lengths, model, rng.spawn(1)[0])
    letters = [INTRO] * intro + melodic
    return [Phrase(letter, a, b - a) for letter, a, b in zip(letters, bounds[:-1], bounds[1:])]


def _with_rests(
    letters: list[str],
    sources: list[int],
    choruses: list[bool],
    lengths: list[int],
    model: FormModel,
    rng: np.random.Generator,
) -> list[str]:
    """The phrases' melodic letters with some of them resting the melody, each drawn at the learned
    odds: the last phrase, of MAX_OUTRO_BARS or fewer, for an outro (OUTRO, FormModel.outro_p), then
    inner phrases for interludes (INTERLUDE, FormModel.interlude_p of the place). Never the first
    phrase, a chorus the picture's rise asked for, one over MAX_INTERLUDE_BARS, one straight after
    another rest, or the last phrase sung (an outro follows a melodic phrase). A phrase returning to
    an earlier look's phrase rests where that one did. Drawn from a generator of their own, so the
    rest of a plan is the one it was without them."""
    out = list(letters)
    n = len(letters)

    def free(k: int) -> bool:
        return out[k - 1].isupper() and not choruses[k] and lengths[k] <= MAX_INTERLUDE_BARS

    if n >= 3 and free(n - 1) and lengths[-1] <= MAX_OUTRO_BARS and rng.random() < model.outro_p():
        out[-1] = OUTRO
    for k in range(1, n - 1 - (out[-1] == OUTRO)):
        if not free(k):
            continue
        if sources[k] >= 0:
            out[k] = INTERLUDE if out[sources[k]] == INTERLUDE else out[k]
            continue
        before = out[k - 1]
        place = f"{'verse' if before == letters[0] else 'chorus'}_{'same' if letters[k + 1] == before else 'change'}"
        if rng.random() < model.interlude_p(place):
            out[k] = INTERLUDE
    return out


def letter_register(phrases: list[Phrase], n_beats: int, cfg: FormConfig = FormConfig()) -> np.ndarray:
    """Per-beat register offset in semitones: the first melodic letter (the verse) sits half of
    cfg.chorus_lift below the requested register, later melodic letters (the chorus, a bridge)
    half of it above, as POP909's melodies climb into their choruses; 0 where no melody is."""
    out = np.zeros(n_beats)
    first = next((p.letter for p in phrases if p.has_melody), None)
    for p in phrases:
        if p.has_melody:
            lift = -0.5 if p.letter == first else 0.5
            out[p.start_bar * BEATS_PER_BAR : p.end_bar * BEATS_PER_BAR] = lift * cfg.chorus_lift
    return out


def register_wander(phrases: list[Phrase], n_beats: int, seed: int, cfg: FormConfig = FormConfig()) -> np.ndarray:
    """Per-beat register offset in semitones: one for the whole piece and one for each phrase, drawn
    from the piece's seed (the same on every call, so a regenerated shot hears the register it had).
    The look of a shot sets its register, but a video holds nothing of what sets a song's: POP909's
    songs sit 2.55 semitones apart (sd) and their 8-bar spans 1.58 about their own. Without it the
    accompaniment's mean pitch spread half as much as POP909's over 8-bar windows (1.4-1.5 against
    2.8-3.1 semitones), and a classifier told real-footage pieces from real windows as busy by it
    (models/HISTORY.md, stop 65)."""
    rng = np.random.default_rng([WANDER_STREAM, seed])
    out = np.full(n_beats, rng.normal(0.0, cfg.song_register_sd))
    for p in phrases:
        out[p.start_bar * BEATS_PER_BAR : p.end_bar * BEATS_PER_BAR] += rng.normal(0.0, cfg.phrase_register_sd)
    return out


def _new_letter(letters: list[str]) -> str:
    """The first melodic letter not used yet; once all 26 are (an hour-long shot, a montage of many
    looks), the one heard longest ago that is not the last, as a long piece comes back to old themes."""
    used = set(letters)
    fresh = [chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used]
    if fresh:
        return fresh[0]
    last_heard = {x: i for i, x in enumerate(letters) if x.isupper() and x != letters[-1]}
    return min(last_heard, key=last_heard.__getitem__)


def _learned_letter(letters: list[str], chorus: str | None, model: FormModel, rng: np.random.Generator) -> str:
    """A verse phrase's letter, drawn from the learned relations to the letters before it (by how
    many there are). A letter is not heard three times running, and a return with nothing to
    return to is a new letter."""
    verses = [x for x in letters if x != chorus]
    if not verses:
        return _new_letter(letters)
    relation_p = model.relation_p(len(set(letters)))
    rel = RELATIONS[int(rng.choice(len(RELATIONS), p=relation_p))]
    last = letters[-1]
    if rel == "same" and (last == chorus or letters[-2:] == [last, last]):
        rel = "return"
    if rel == "same":
        return last
    earlier = sorted(set(verses) - {last})
    if rel == "return" and earlier:
        return str(rng.choice(earlier))
    return _new_letter(letters)
