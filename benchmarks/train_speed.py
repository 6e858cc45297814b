"""Training speed of both models on a device, against this machine's CPU in the same run.

`python -m benchmarks.train_speed [--device cuda] [--steps 60] [--cpu-steps 8] [--songs 0] [--models M,...]`.
Each model trains with its published config (models/train_config.json, models/melody_train_config.json)
on the POP909 train songs present (`--songs N`: the first N, enough for a speed figure), from scratch;
steps per second are timed from the end of the first steps (the device warms up, the first batches
are cut) to the last, and the checkpoints, written once at the end, are left out.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch

from bgm_studio.model.melody_train import load_melody_config, train_melody
from bgm_studio.model.train import load_config, train

from .common import hardware

MODELS = Path(__file__).resolve().parents[1] / "models"
WARM_STEPS = 3  # steps left out of the timing


def steps_per_second(run: Callable[..., Path], cfg, device: str) -> tuple[float, float]:
    """(steps per second after WARM_STEPS, the smoothed loss's last value) of one training run."""
    times: list[float] = []
    last = [""]  # the last progress label, "... loss X"

    def progress(done: float, _total: float, label: str) -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter())
        last[0] = label

    with tempfile.TemporaryDirectory() as out:
        run(cfg, out, progress=progress, device=device)
    return (len(times) - WARM_STEPS) / (times[-1] - times[WARM_STEPS - 1]), float(last[0].split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda", help="the device to time (default cuda)")
    parser.add_argument("--steps", type=int, default=60, help="steps timed on the device")
    parser.add_argument("--cpu-steps", type=int, default=8, help="steps timed on the CPU, the baseline")
    parser.add_argument("--songs", type=int, default=0, help="the first N train songs (0 = all present)")
    parser.add_argument("--models", default="diffusion,melody", help="which to train (default diffusion,melody)")
    args = parser.parse_args()
    print(hardware(), f"torch {torch.__version__}")
    if args.device.startswith("cuda"):
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    models = {
        "diffusion": (train, load_config(str(MODELS / "train_config.json"))),
        "melody": (train_melody, load_melody_config(str(MODELS / "melody_train_config.json"))),
    }
    for name in args.models.split(","):
        run, cfg = models[name]
        rates = {}
        for device, steps in ((args.device, args.steps), ("cpu", args.cpu_steps)):
            steps = max(steps, WARM_STEPS + 2)
            config = dataclasses.replace(cfg, steps=steps, checkpoint_every=steps, max_songs=args.songs)
            rates[device], loss = steps_per_second(run, config, device)
            print(
                f"{name} model on {device}: {rates[device]:.2f} steps/s ({rates[device] * cfg.batch_size:.0f} "
                f"windows/s, batch {cfg.batch_size}) over {steps - WARM_STEPS} steps, loss {loss:.3f}"
            )
        print(f"{name} model: {args.device} {rates[args.device] / rates['cpu']:.1f} x the CPU's steps/s")


if __name__ == "__main__":
    main()
