import torch

from bgm_studio.model.conditioning import segment_attention_mask, segment_ids_from_starts


def test_segment_ids_and_mask_follow_real_boundaries():
    starts = torch.tensor([[False, False, True, False, False, True]])
    ids = segment_ids_from_starts(starts)
    assert ids.tolist() == [[0, 0, 1, 1, 1, 2]]
    mask = segment_attention_mask(ids)
    assert mask.shape == (1, 6, 7)
    assert mask[0, :, 0].all()  # the global token is always visible
    # beat 3 (segment 1) sees the control tokens of beats 2, 3, 4 only
    assert mask[0, 3, 1:].tolist() == [False, False, True, True, True, False]
    assert mask[0, 0, 1:].tolist() == [True, True, False, False, False, False]


def test_one_segment_sees_everything():
    ids = segment_ids_from_starts(torch.zeros(2, 4, dtype=torch.bool))
    assert segment_attention_mask(ids).all()
