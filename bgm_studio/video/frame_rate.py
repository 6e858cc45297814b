"""Frame rates as editors count them: the standard rates, and the rate an editor conforms a clip to."""

from __future__ import annotations

# The rates editors' timelines and SMPTE timecodes run at; NTSC's are exact (24000/1001, not 23.976).
STANDARD_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48000 / 1001, 48.0, 50.0, 60000 / 1001, 60.0)
SAME_RATE = 5e-4  # relative difference under which two rates are one; 30 and 29.97 differ by 1e-3
VFR_DRIFT = 0.1  # relative: how far a variable-rate clip's average may lie from the rate it declares


def standard_rate(fps: float) -> float | None:
    """The standard rate fps is (within SAME_RATE), exact; None when it is none of them."""
    return next((r for r in STANDARD_RATES if abs(fps / r - 1) < SAME_RATE), None)


def nominal_rate(average: float, declared: float) -> float:
    """The frame rate an editor conforms a clip to, which its timeline and timecodes count in.

    average: the clip's frames over its duration; declared: the rate its stream states (PyAV's
    guessed_rate, its r_frame_rate). A phone records at a variable rate and drops frames (a 30 fps
    clip averaging 28), and Resolve, Premiere and Final Cut count such a clip at the rate it declares.
    So that rate when it is a standard one within VFR_DRIFT of the average (not a field rate, 50 for a
    25 fps interlaced clip), else the average, itself snapped to a standard rate it lies on.
    """
    nominal = standard_rate(declared)
    if nominal is not None and abs(average / nominal - 1) <= VFR_DRIFT:
        return nominal
    return standard_rate(average) or average
