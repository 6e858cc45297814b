import torch

from bgm_studio.model.schedule import DDIMScheduler


def test_alpha_bar_decreases_from_one_to_near_zero():
    s = DDIMScheduler()
    ab = s.alpha_bar
    assert ab[0] > 0.99 and ab[-1] < 1e-3
    assert torch.all(ab[1:] <= ab[:-1])


def test_sampler_with_perfect_x0_returns_it_and_is_seeded():
    s = DDIMScheduler()
    target = torch.sign(torch.randn(1, 4, 8, 6))
    out = s.sample(lambda x, t: target, (1, 4, 8, 6), n_steps=10, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(out, target)
    a = s.sample(lambda x, t: x.clamp(-1, 1), (1, 2, 3), 5, torch.Generator().manual_seed(3))
    b = s.sample(lambda x, t: x.clamp(-1, 1), (1, 2, 3), 5, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_inpainting_holds_known_cells_exactly():
    s = DDIMScheduler()
    known = torch.sign(torch.randn(1, 4, 16, 8))
    mask = torch.zeros_like(known, dtype=torch.bool)
    mask[:, :, :8] = True
    out = s.sample(lambda x, t: torch.tanh(x), known.shape, 8, torch.Generator().manual_seed(1), known, mask)
    assert torch.equal(out[mask], known[mask])
    assert not torch.equal(out[~mask], known[~mask])
