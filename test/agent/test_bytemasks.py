"""The pure kernel's whole-column passes (bytemasks.py, bulk.separator_mask) give exactly what
their one-value-at-a-time definitions give, on seeded random columns: type tables of under 256,
several blocks of 256 and a partial last block, indices outside the table, masks of every mix."""
import array
import random
import sys
from itertools import repeat

import pytest

AGENT = "_heap_inspector_agent"


@pytest.fixture(scope="module")
def modules(agent):
    return sys.modules[AGENT + ".bytemasks"], sys.modules[AGENT + ".kernel_py"], sys.modules[AGENT + ".bulk"]


def _looked_up(indices, table):
    try:
        return bytes(map(table.__getitem__, indices))
    except IndexError:
        return IndexError


@pytest.mark.parametrize("size", [1, 7, 255, 256, 257, 600, 1024, 5000, 70000])
def test_type_bytes_equal_the_lookup_one_index_at_a_time(modules, size):
    _bytemasks, kernel_py, _bulk = modules
    rng = random.Random(size)
    table = bytearray(rng.randrange(256) for _ in range(size))
    for trial in range(40):
        count = rng.choice([0, 1, 5, 1000])
        top = size + (3 if trial % 4 == 0 else 0)  # now and then an index outside the table
        indices = array.array("I", (rng.randrange(top) for _ in range(count)))
        expected = _looked_up(indices, table)
        if expected is IndexError:
            with pytest.raises(IndexError):
                kernel_py.type_bytes(indices, table)
        else:
            assert kernel_py.type_bytes(indices, table) == expected


def test_lookup_bytes_declines_what_it_cannot_translate(modules):
    bytemasks = modules[0]
    table = bytes(range(256)) * 300
    assert bytemasks.lookup_bytes(array.array("I", [70000]), table) is None  # 2**16 or more
    assert bytemasks.lookup_bytes(array.array("I", [5]), b"\x01\x02") is None  # outside
    assert bytemasks.lookup_bytes(array.array("I", [300]), table[:299]) is None  # past the last block
    assert bytemasks.lookup_bytes([1, 2], table) is None  # not an array('I')
    assert bytemasks.lookup_bytes(array.array("I", [1, 258, 513]), table) == bytes((1, 2, 1))


def _merged(mask, selected):
    sources = [repeat(0), iter(selected)]
    return bytes(map(next, map(sources.__getitem__, mask)))


def test_merge_bytes_and_nonzero_equal_their_definitions(modules):
    bytemasks = modules[0]
    rng = random.Random(12)
    for _trial in range(300):
        mask = bytes(rng.choice((0, 1)) for _ in range(rng.randrange(40)))
        ones = mask.count(1)
        selected = rng.choice(
            [bytes(ones), b"\x01" * ones, bytes(rng.choice((0, 1, 3)) for _ in range(ones))]
        )
        assert bytemasks.merge_bytes(mask, selected) == _merged(mask, selected)
        words = array.array(rng.choice("IQ"), (rng.choice((0, 1, 256, 1 << 24, 7)) for _ in range(len(mask))))
        assert bytemasks.nonzero(words) == bytes(map(bool, words))


def test_separator_mask_stops_early_only_when_exact(modules):
    _bytemasks, _kernel_py, bulk = modules
    separator = bulk.address_of(bulk.SEPARATOR)
    rng = random.Random(3)
    # Addresses that share all but one byte with the separator's: every lane must be compared.
    near = [separator ^ (0xFF << (8 * lane)) for lane in range(bulk.P)]
    for _trial in range(100):
        words = [rng.choice(near + [separator, rng.randrange(1 << (8 * bulk.P - 1))]) for _ in range(200)]
        found = array.array(bulk.ADDRESS_TYPECODE, words)
        exact = bytes(word == separator for word in words)
        assert bulk.separator_mask(found) == exact
        # What the call put in (``expected``) is never more than what is there.
        assert bulk.separator_mask(found, exact.count(1)) == exact
        if exact.count(1):
            assert bulk.separator_mask(found, exact.count(1) - 1) == exact
