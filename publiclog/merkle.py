"""The Merkle tree of RFC 9162 §2.1 (the Certificate Transparency tree), as pure functions.

Leaves are numbered from 0. MTH of the empty list is SHA-256 of nothing; of one entry, the leaf hash
SHA-256(0x00 ‖ entry); of n > 1 entries, SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])) with k the largest
power of two below n.

Every hash a proof carries is the MTH of a range [lo, hi) of leaves that is a subtree of the tree
(`inclusion_ranges`, `consistency_ranges`). Such a range is the right fold of at most log2(n) + 1
*perfect* subtrees, each aligned to its own size (`pieces`): level L, index i covers the leaves
[i·2^L, (i+1)·2^L). The log stores every perfect subtree once, when the integrator completes it, so a
proof is a handful of stored hashes read in one query (`range_hash`), never a walk over the leaves.

The verification algorithms are RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), step by
step; an auditor can check the log with these alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Piece = tuple[int, int]  # (level, index): the perfect subtree of leaves [index·2^level, (index+1)·2^level)


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k, the largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, by the definition (recursion over the whole list): the reference
    the stored tree is compared with in tests, and what an auditor holding all entries computes."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = split(n)
    return node_hash(mth(leaf_hashes[:k]), mth(leaf_hashes[k:]))


# --- ranges and their perfect pieces ----------------------------------------------------------------


def pieces(lo: int, hi: int) -> list[Piece]:
    """The perfect subtrees, largest first, whose right fold is MTH of leaves [lo, hi).

    [lo, hi) must be a subtree of the tree (lo a multiple of the largest power of two not above
    hi - lo), as every range of a proof and the whole tree [0, n) are. `pieces(0, n)` is the tree's
    right frontier: what the integrator extends.
    """
    if not 0 <= lo < hi:
        raise ValueError(f"not a range of leaves: [{lo}, {hi})")
    found: list[Piece] = []
    start = lo
    for level in range((hi - lo).bit_length() - 1, -1, -1):
        size = 1 << level
        if (hi - lo) & size:
            if start % size:
                raise ValueError(f"[{lo}, {hi}) is not a subtree of the tree")
            found.append((level, start >> level))
            start += size
    return found


def fold(hashes: Sequence[bytes]) -> bytes:
    """The right fold of perfect pieces' hashes, largest first: MTH of the range they cover."""
    result = hashes[-1]
    for value in reversed(hashes[:-1]):
        result = node_hash(value, result)
    return result


def range_hash(lo: int, hi: int, nodes: Mapping[Piece, bytes]) -> bytes:
    """MTH of leaves [lo, hi) from the stored hashes of its pieces (a missing one is a KeyError)."""
    return fold([nodes[piece] for piece in pieces(lo, hi)])


def pieces_of(ranges: Iterable[tuple[int, int]]) -> set[Piece]:
    """Every piece needed to hash these ranges: what one query fetches."""
    return {piece for lo, hi in ranges for piece in pieces(lo, hi)}


# --- proofs (RFC 9162 §2.1.3.1, §2.1.4.1) --------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(m, D[n]) as the ranges whose MTH it lists, bottom to top (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = split(hi - lo)
        if m < k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()  # PATH(m, D[0:k]) : MTH(D[k:n]) — the deeper siblings come first
    return path


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as ranges, in the RFC's order (§2.1.4.1).

    Empty when m = n, and when m = 0 (every tree extends the empty one)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to {second}")
    if first == 0 or first == second:
        return []
    tail: list[tuple[int, int]] = []  # the MTH(…) appended at each level, outermost last
    lo, hi, m, whole = 0, second, first, True
    while m != hi - lo:
        k = split(hi - lo)
        if m <= k:
            tail.append((lo + k, hi))
            hi = lo + k
        else:
            tail.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    head = [] if whole else [(lo, hi)]  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
    return head + list(reversed(tail))


def inclusion_proof(index: int, size: int, subtree: Callable[[int, int], bytes]) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size`; `subtree(lo, hi)` is MTH of [lo, hi)."""
    return [subtree(lo, hi) for lo, hi in inclusion_ranges(index, size)]


def consistency_proof(first: int, second: int, subtree: Callable[[int, int], bytes]) -> list[bytes]:
    """The consistency proof from the tree of size `first` to that of `second`."""
    return [subtree(lo, hi) for lo, hi in consistency_ranges(first, second)]


# --- verification (RFC 9162 §2.1.3.2, §2.1.4.2) ---------------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that `path` proves leaf `index` of a tree of `size` to be under, or None when the
    path cannot be a path of that position (too short or too long)."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in path) or len(leaf) != HASH_SIZE:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2; a tree of size 0 is consistent with every tree, by an empty proof."""
    if not 0 <= first <= second or any(len(c) != HASH_SIZE for c in proof):
        return False
    if first == 0:
        return not proof
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the first tree is a subtree of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- appending ------------------------------------------------------------------------------------


def extend(frontier: list[tuple[int, int, bytes]], start: int, leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
    """Append `leaves` (their hashes) to a tree of size `start` whose right frontier is `frontier`
    ((level, index, hash) of `pieces(0, start)`, largest first), in place; returns the perfect
    subtrees of level ≥ 1 the new leaves complete, (level, index, hash) each, in the order made."""
    made: list[tuple[int, int, bytes]] = []
    position = start
    for value in leaves:
        level, index, digest = 0, position, value
        position += 1
        while frontier and frontier[-1][0] == level:
            _, left_index, left = frontier.pop()
            level, index, digest = level + 1, left_index >> 1, node_hash(left, digest)
            made.append((level, index, digest))
        frontier.append((level, index, digest))
    return made
