"""Items made ahead in a thread: the same items in order, errors where they happen, a clean stop."""

import pytest

from bgm_studio.video.prefetch import Prefetch


def test_items_come_in_order_and_the_thread_ends():
    ahead = Prefetch(iter(range(100)), depth=3)
    assert list(ahead) == list(range(100))
    ahead.close()
    assert not ahead._thread.is_alive()


def test_an_error_while_making_items_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("damaged")

    seen = []
    with pytest.raises(ValueError, match="damaged"):
        for item in Prefetch(items(), depth=1):
            seen.append(item)
    assert seen == [1, 2]


def test_close_stops_a_thread_waiting_for_room_and_makes_no_more_items():
    made = []

    def items():
        for k in range(1000):
            made.append(k)
            yield k

    ahead = Prefetch(items(), depth=2)
    assert next(iter(ahead)) == 0
    ahead.close()
    assert not ahead._thread.is_alive()
    assert len(made) <= 5  # the item taken, the two queued, the one waiting for room, at most one more
