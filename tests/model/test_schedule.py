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


def test_a_guide_steers_the_early_steps_only():
    s = DDIMScheduler()
    guide = torch.sign(torch.randn(1, 4, 16, 8, generator=torch.Generator().manual_seed(0)))
    mask = torch.zeros_like(guide, dtype=torch.bool)
    mask[:, :, 8:] = True
    follow = lambda x, t: torch.tanh(2 * x)  # noqa: E731 - a model that keeps what it is shown
    free = s.sample(follow, guide.shape, 10, torch.Generator().manual_seed(2))
    steered = s.sample(
        follow, guide.shape, 10, torch.Generator().manual_seed(2), guide=guide, guide_mask=mask, guide_steps=5
    )
    agree = lambda out, cells: (torch.sign(out[cells]) == guide[cells]).float().mean()  # noqa: E731
    assert agree(steered, mask) > 0.75 and agree(free, mask) < 0.65  # guided cells lean to the guide
    assert agree(steered, ~mask) < 0.65  # the others stay free
    unguided = s.sample(
        follow, guide.shape, 10, torch.Generator().manual_seed(2), guide=guide, guide_mask=mask, guide_steps=0
    )
    assert torch.equal(unguided, free)
