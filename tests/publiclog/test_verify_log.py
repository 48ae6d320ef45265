"""examples/verify_log.py, the auditor's tool: its Merkle code against RFC 9162's published test tree,
then the tool run for real against a live server on PostgreSQL, on a good log and on logs broken on
purpose (a tampered entry, a forged head, rewritten history, a count that is not the log's)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import ROOT
from tests.publiclog import rfc9162_vectors as v

TOOL = ROOT / "examples" / "verify_log.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("verify_log", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("verify_log", module)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
h = bytes.fromhex


# --- the Merkle code, against the published vectors -----------------------------------------------


def test_leaf_hashes_and_every_root_of_the_test_tree():
    leaves = [tool.leaf_hash(h(leaf)) for leaf in v.LEAVES]
    assert [leaf.hex() for leaf in leaves] == v.LEAF_HASHES
    assert [tool.tree_hash(leaves, 0, n).hex() for n in range(9)] == v.ROOTS


def test_a_node_is_the_hash_of_one_and_both_children():
    left, right = h(v.LEAF_HASHES[0]), h(v.LEAF_HASHES[1])
    assert tool.node_hash(left, right).hex() == v.ROOTS[2]
    assert tool.node_hash(right, left).hex() != v.ROOTS[2]


@pytest.mark.parametrize(("index", "size", "path"), v.INCLUSION)
def test_inclusion_proofs_lead_to_the_root(index, size, path):
    leaf = h(v.LEAF_HASHES[index])
    assert tool.root_from_inclusion(index, size, leaf, [h(p) for p in path]).hex() == v.ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), [p for p in v.INCLUSION if p[1] > 1])
def test_a_corrupted_inclusion_proof_never_leads_to_the_root(index, size, path):
    for what, i, n, leaf, root, bad_path in v.corrupted_inclusions(index, size, path):
        leaf_bytes = h(leaf or v.LEAF_HASHES[index])
        got = tool.root_from_inclusion(i, n, leaf_bytes, [h(p) for p in bad_path])
        assert got is None or got.hex() != (root or v.ROOTS[size]), what


def test_inclusion_in_a_tree_too_small_is_refused():
    leaf = h(v.LEAF_HASHES[0])
    for index, size in ((0, 0), (1, 0), (1, 1), (2, 1), (-1, 1)):
        assert tool.root_from_inclusion(index, size, leaf, []) is None


@pytest.mark.parametrize(("first", "second", "path"), v.CONSISTENCY)
def test_consistency_proofs_of_the_test_tree_hold(first, second, path):
    assert tool.consistent(first, second, h(v.ROOTS[first]), h(v.ROOTS[second]), [h(p) for p in path])


@pytest.mark.parametrize(("first", "second", "path"), [p for p in v.CONSISTENCY if p[2]])
def test_a_corrupted_consistency_proof_fails(first, second, path):
    for what, m, n, r1, r2, bad_path in v.corrupted_consistencies(first, second, path):
        assert not tool.consistent(m, n, h(r1), h(r2), [h(p) for p in bad_path]), what


def test_consistency_edge_cases():
    a, b, empty = h(v.SOME_HASH), h(v.ROOTS[1]), h(v.EMPTY_ROOT)
    assert tool.consistent(0, 0, a, a, [])
    assert tool.consistent(0, 1, a, b, [])
    assert tool.consistent(1, 1, b, b, [])
    assert not tool.consistent(1, 1, a, b, [])  # same size, another root
    assert not tool.consistent(1, 0, a, b, [])  # the log shrank
    assert not tool.consistent(2, 1, a, b, [])
    assert not tool.consistent(1, 2, a, b, [])  # an empty proof proves nothing
    assert not tool.consistent(0, 1, empty, empty, [empty])
    assert not tool.consistent(1, 1, empty, empty, [empty])
