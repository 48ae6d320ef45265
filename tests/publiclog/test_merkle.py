"""publiclog/merkle.py against RFC 9162 §2.1: the Certificate Transparency test vectors, a literal
transcription of the RFC's recursive definitions, every (m, n) ≤ 64, tampering, and pymerkle (an
independent implementation, GPL, installed for the tests only) over random trees."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publiclog import merkle
from tests.publiclog import rfc9162_vectors as vectors

# The CT reference tree (google/certificate-transparency's merkle_tree_test.cc, as carried by
# transparency-dev/merkle's proof/verify_test.go), written out once in tests/publiclog/rfc9162_vectors.py
# for every implementation here (this one, the auditor's, the browser's). Here leaves are numbered
# from 1 and ROOTS[n - 1] is the root of the first n leaves.
LEAVES = [bytes.fromhex(h) for h in vectors.LEAVES]
ROOTS = [bytes.fromhex(h) for h in vectors.ROOTS[1:]]
INCLUSION = [(index + 1, size, path) for index, size, path in vectors.INCLUSION]
CONSISTENCY = vectors.CONSISTENCY
HASHES = [merkle.leaf_hash(d) for d in LEAVES]


# --- the RFC's definitions, written out literally over the list of entries ------------------------


def rfc_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(d[:k]) + rfc_mth(d[k:])).digest()


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return rfc_path(m, d[:k]) + [rfc_mth(d[k:])]
    return rfc_path(m - k, d[k:]) + [rfc_mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [rfc_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return rfc_subproof(m, d[:k], b) + [rfc_mth(d[k:])]
    return rfc_subproof(m - k, d[k:], False) + [rfc_mth(d[:k])]


def data(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed * 1000 + n)
    return [rng.randbytes(rng.randrange(0, 40)) for _ in range(n)]


def recomputed(leaf_hashes: list[bytes]):
    return lambda lo, hi: merkle.mth(leaf_hashes[lo:hi])


# --- the published vectors ------------------------------------------------------------------------


def test_the_roots_of_the_reference_tree_are_the_published_ones():
    assert merkle.mth([]) == merkle.EMPTY_ROOT == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert [merkle.mth(HASHES[:n]) for n in range(1, 9)] == ROOTS
    assert [rfc_mth(LEAVES[:n]) for n in range(1, 9)] == ROOTS


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_proofs_are_the_published_ones_and_verify(leaf, size, path):
    expected = [bytes.fromhex(h) for h in path]
    assert merkle.inclusion_proof(leaf - 1, size, recomputed(HASHES)) == expected
    assert merkle.verify_inclusion(leaf - 1, size, HASHES[leaf - 1], expected, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_published_ones_and_verify(first, second, proof):
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.consistency_proof(first, second, recomputed(HASHES)) == expected
    assert merkle.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second - 1], expected)


# --- exhaustively, against the definitions --------------------------------------------------------


def test_every_inclusion_and_consistency_proof_up_to_64_leaves_is_the_rfcs_and_verifies():
    entries = data(64)
    hashes = [merkle.leaf_hash(e) for e in entries]
    roots = [merkle.mth(hashes[:n]) for n in range(65)]
    subtree = recomputed(hashes)
    for n in range(1, 65):
        assert roots[n] == rfc_mth(entries[:n])
        for m in range(n):
            path = merkle.inclusion_proof(m, n, subtree)
            assert path == rfc_path(m, entries[:n]), (m, n)
            assert merkle.verify_inclusion(m, n, hashes[m], path, roots[n]), (m, n)
        for m in range(n + 1):
            proof = merkle.consistency_proof(m, n, subtree)
            assert proof == ([] if m in (0, n) else rfc_subproof(m, entries[:n], True)), (m, n)
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)


def _flipped(proof: list[bytes], i: int) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ 16]) + changed[i][1:]
    return changed


def test_a_changed_inclusion_proof_fails_every_way_up_to_64_leaves():
    hashes = [merkle.leaf_hash(e) for e in data(64, seed=1)]
    subtree = recomputed(hashes)
    other = hashlib.sha256(b"other").digest()
    for n in range(1, 65):
        root = merkle.mth(hashes[:n])
        for m in range(n):
            path = merkle.inclusion_proof(m, n, subtree)
            wrong = [
                (m, n, hashes[m], path, other),  # another root
                (m, n, other, path, root),  # another leaf
                (m, n, hashes[m], path + [root], root),  # a hash too many
                (m, n, hashes[m], [root] + path, root),
                (m, 2 * n, hashes[m], path, root),  # another size
                (m, n, hashes[m], path, root[:31]),
            ]
            wrong += [(m, n, hashes[m], _flipped(path, i), root) for i in range(len(path))]
            if path:
                wrong.append((m, n, hashes[m], path[:-1], root))
            wrong += [(other_m, n, hashes[m], path, root) for other_m in (m - 1, m + 1, m ^ 2) if 0 <= other_m]
            for case in wrong:
                assert not merkle.verify_inclusion(*case), (m, n, case[0], case[1])


def test_a_changed_consistency_proof_fails_every_way_up_to_64_leaves():
    hashes = [merkle.leaf_hash(e) for e in data(64, seed=2)]
    subtree = recomputed(hashes)
    roots = [merkle.mth(hashes[:n]) for n in range(65)]
    other = hashlib.sha256(b"other").digest()
    for n in range(2, 65):
        for m in range(1, n):
            proof = merkle.consistency_proof(m, n, subtree)
            wrong = [
                (m, n, other, roots[n], proof), (m, n, roots[m], other, proof), (m, n, roots[n], roots[m], proof),
                (m, n, roots[m], roots[n], []), (m, n, roots[m], roots[n], proof + [roots[m]]),
                (m, n, roots[m], roots[n], [proof[0]] + proof), (m, n, roots[m], roots[n], proof[:-1]),
                (m, 2 * n, roots[m], roots[n], proof), (n, m, roots[m], roots[n], proof),
            ]
            wrong += [(m, n, roots[m], roots[n], _flipped(proof, i)) for i in range(len(proof))]
            wrong += [(mm, n, roots[m], roots[n], proof) for mm in (m - 1, m + 1) if 0 < mm < n]
            for case in wrong:
                assert not merkle.verify_consistency(*case), (m, n, case[0], case[1])
    assert merkle.verify_consistency(0, 5, b"\x00" * 32, roots[5], [])  # the empty tree: any root, no proof
    assert not merkle.verify_consistency(0, 5, roots[0], roots[5], [roots[5]])
    assert not merkle.verify_consistency(5, 5, roots[5], roots[4], [])


# --- the stored pieces and the integrator's frontier --------------------------------------------


def test_a_proofs_ranges_are_the_folds_of_their_aligned_perfect_pieces():
    hashes = [merkle.leaf_hash(e) for e in data(200, seed=3)]
    perfect = {(level, i): merkle.mth(hashes[i << level:(i + 1) << level])
               for level in range(8) for i in range(200 >> level)}
    for n in range(1, 201):
        ranges = {(0, n)} | {r for m in range(0, n, 7) for r in merkle.inclusion_ranges(m, n)}
        ranges |= {r for m in range(1, n, 5) for r in merkle.consistency_ranges(m, n)}
        for lo, hi in ranges:
            found = merkle.pieces(lo, hi)
            assert len(found) <= (hi - lo).bit_length()
            assert merkle.range_hash(lo, hi, perfect) == merkle.mth(hashes[lo:hi])
    assert merkle.pieces(0, 13) == [(3, 0), (2, 2), (0, 12)]
    with pytest.raises(ValueError):
        merkle.pieces(2, 6)  # not a subtree of any tree
    with pytest.raises(ValueError):
        merkle.pieces(3, 3)


def test_extending_the_frontier_in_any_batches_makes_every_perfect_subtree_once():
    rng = random.Random(4)
    hashes = [merkle.leaf_hash(e) for e in data(300, seed=4)]
    frontier, made, size = [], [], 0
    while size < 300:
        batch = hashes[size:size + rng.randrange(1, 40)]
        made += merkle.extend(frontier, size, batch)
        size += len(batch)
        assert merkle.fold([h for _, _, h in frontier]) == merkle.mth(hashes[:size])
        assert [(level, index) for level, index, _ in frontier] == merkle.pieces(0, size)
    expected = {(level, i): merkle.mth(hashes[i << level:(i + 1) << level])
                for level in range(1, 9) for i in range(300 >> level)}
    assert {(level, index): h for level, index, h in made} == expected
    assert len(made) == len(expected)


# --- an independent implementation ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=24), min_size=1, max_size=300), st.data())
def test_pymerkle_agrees_on_roots_and_audit_paths_and_accepts_nothing_ours_refuses(entries, draw):
    from pymerkle import InmemoryTree  # GPL: a test oracle only, never imported by the app

    theirs = InmemoryTree(algorithm="sha256")  # security on: the 0x00 / 0x01 prefixes of RFC 9162
    for entry in entries:
        theirs.append_entry(entry)
    hashes = [merkle.leaf_hash(e) for e in entries]
    subtree = recomputed(hashes)
    n = len(entries)
    sizes = draw.draw(st.lists(st.integers(1, n), min_size=1, max_size=5))
    for size in sizes:
        assert theirs.get_root(size) == merkle.mth(hashes[:size])
        index = draw.draw(st.integers(0, size - 1))
        # pymerkle numbers leaves from 1 and puts the leaf itself first; then it is RFC 9162's path
        ours = merkle.inclusion_proof(index, size, subtree)
        assert theirs.prove_inclusion(index + 1, size).path == [hashes[index], *ours]
        first = draw.draw(st.integers(1, size))
        proof = merkle.consistency_proof(first, size, subtree)
        assert merkle.verify_consistency(first, size, theirs.get_root(first), theirs.get_root(size), proof)
        theirs.prove_consistency(first, size).verify(theirs.get_root(first), theirs.get_root(size))
