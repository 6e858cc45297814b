"""A batch's own start and order: the parent process checks and hashes its inputs without torch, and
workers take the biggest videos first."""

from __future__ import annotations

import subprocess
import sys
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.model.device import check_device

PARENT = """
import sys
from bgm_studio.batch.jobs import BatchSettings
from bgm_studio.batch.runner import input_identity
ident = input_identity(BatchSettings(model=sys.argv[1], device="cpu"))
print(ident["model_id"], "torch" in sys.modules)
"""


def test_the_parent_hashes_its_inputs_without_importing_torch(tiny_model_path):
    out = subprocess.run([sys.executable, "-c", PARENT, str(tiny_model_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    model_id, torch_imported = out.stdout.split()
    assert model_id.startswith("tiny.pt@") and len(model_id) == len("tiny.pt@") + 12
    assert torch_imported == "False"  # it cost every batch a second before any worker started


def test_check_device_refuses_what_resolve_device_refuses(monkeypatch):
    import torch

    monkeypatch.delenv("BGM_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for usable in ("auto", "cpu", " CPU ", None):
        check_device(usable)
    with pytest.raises(BgmError, match="choose auto, cpu or cuda"):
        check_device("tpu")
    with pytest.raises(BgmError, match="no CUDA GPU"):
        check_device("cuda:1")
    monkeypatch.setenv("BGM_DEVICE", "cuda")
    with pytest.raises(BgmError, match="no CUDA GPU"):
        check_device(None)
