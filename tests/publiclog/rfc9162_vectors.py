"""The well-known RFC 6962/9162 test tree: eight leaves and its roots, inclusion and consistency proofs.

The same numbers as the Certificate Transparency test data (transparency-dev/merkle testonly and
proof/verify_test.go); written out here so that the auditor's code in examples/verify_log.py and the
browser's in static/js/log-verify.js are held to the published values, not to each other.
"""

LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]

EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# ROOTS[n] is the root of the tree of the first n leaves.
ROOTS = [
    EMPTY_ROOT,
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# The leaf hashes, SHA-256(0x00 || leaf).
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]

# (leaf index from 0, tree size, audit path)
INCLUSION = [
    (0, 1, []),
    (0, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (5, 8, [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
]

# (first size, second size, consistency proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (6, 8, [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 5, [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
    (6, 7, [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
]

SOME_HASH = "abacaba000000000000000000000000000000000000000000060061e00123456"


def corrupted_inclusions(index: int, size: int, path: list[str]):
    """(description, index, size, leaf hash or None for the right one, root or None, path) that must fail."""
    root = ROOTS[size]
    yield "index - 1", index - 1, size, None, None, path
    yield "index + 1", index + 1, size, None, None, path
    yield "index ^ 2", index ^ 2, size, None, None, path
    yield "size * 2", index, size * 2, None, None, path
    yield "size // 2", index, size // 2, None, None, path
    yield "wrong leaf", index, size, SOME_HASH, None, path
    yield "empty root", index, size, None, EMPTY_ROOT, path
    yield "random root", index, size, None, SOME_HASH, path
    yield "trailing root", index, size, None, None, [*path, root]
    yield "preceding root", index, size, None, None, [root, *path]
    for i in range(len(path)):
        flipped = bytearray(bytes.fromhex(path[i]))
        flipped[0] ^= 8
        yield f"path[{i}] bit 3", index, size, None, None, [*path[:i], flipped.hex(), *path[i + 1:]]
    if path:
        yield "removed component", index, size, None, None, path[:-1]
    if len(path) > 1:
        yield "inserted component", index, size, None, None, [path[0], SOME_HASH, *path[1:]]


def corrupted_consistencies(first: int, second: int, path: list[str]):
    """(description, first, second, first root, second root, path) that must fail."""
    r1, r2 = ROOTS[first], ROOTS[second]
    yield "first - 1", first - 1, second, r1, r2, path
    yield "first + 1", first + 1, second, r1, r2, path
    yield "first ^ 2", first ^ 2, second, r1, r2, path
    yield "second * 2", first, second * 2, r1, r2, path
    yield "second // 2", first, second // 2, r1, r2, path
    yield "wrong first root", first, second, SOME_HASH, r2, path
    yield "wrong second root", first, second, r1, SOME_HASH, path
    yield "swapped roots", first, second, r2, r1, path
    yield "empty proof", first, second, r1, r2, []
    yield "trailing first root", first, second, r1, r2, [*path, r1]
    yield "trailing second root", first, second, r1, r2, [*path, r2]
    yield "preceding first root", first, second, r1, r2, [r1, *path]
    yield "preceding second root", first, second, r1, r2, [r2, *path]
    yield "preceding path[0]", first, second, r1, r2, [path[0], *path]
    yield "truncated", first, second, r1, r2, path[:-1]
    for i in range(len(path)):
        flipped = bytearray(bytes.fromhex(path[i]))
        flipped[0] ^= 16
        yield f"path[{i}] bit 4", first, second, r1, r2, [*path[:i], flipped.hex(), *path[i + 1:]]
