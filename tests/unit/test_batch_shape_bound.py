"""``could_exceed`` skips counting a short body: one that cannot hold more than a batch may."""
import json

from hypothesis import given
from hypothesis import strategies as st

from backdrop.write.batch_shape import could_exceed

JSON = st.recursive(
    st.one_of(st.integers(0, 9), st.sampled_from(["", ",", "[{"]), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=6),
                            st.dictionaries(st.sampled_from(["a", ","]), inner, max_size=3)),
    max_leaves=16)


def _containers(value):
    if isinstance(value, list):
        return 1 + sum(map(_containers, value))
    if isinstance(value, dict):
        return 1 + sum(map(_containers, value.values()))
    return 0


@given(st.integers(1, 8), JSON)
def test_a_body_that_skips_counting_holds_no_more_than_a_batch_may(max_records, value):
    data = json.dumps(value, separators=(",", ":")).encode()
    if not could_exceed(data, max_records):
        assert not isinstance(value, list) or len(value) <= max_records
        assert _containers(value) <= max_records + 1


def test_the_shortest_bodies_that_exceed_are_still_counted():
    assert could_exceed(b"[" + b"0," * 5 + b"0]", 5)  # six elements, one past the limit
    assert could_exceed(b"[" + b"{}," * 6 + b"{}]", 5)  # seven containers and the array
    assert not could_exceed(b"[" + b"0," * 4 + b"0]", 5)
