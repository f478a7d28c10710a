#!/usr/bin/env python3
"""Makes a gzip bomb: a small valid gzip member that inflates to many bytes.

usage: python3 tests/integration/gzip_bomb.py SIZE_BYTES [PREFIX_FILE] > bomb.gz

The output inflates to the bytes of PREFIX_FILE (none by default) followed by
SIZE_BYTES zero bytes, like `head -c SIZE /dev/zero | gzip -9` (4.2 GB -> 4 MB)
but in seconds: deflate blocks ended with a full flush start from an empty
dictionary, so every 16 MB block of zeros compresses to the same bytes, and
the block is compressed once and repeated. Used by run_frontdoor.py and
bench/bench_server.py.
"""

import struct
import sys
import zlib

BLOCK = 16 << 20


def gzip_bomb(inflated, prefix=b""):
    block = b"\0" * BLOCK
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH) if prefix else b""
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    n, rest = divmod(inflated, BLOCK)
    tail = c.compress(block[:rest]) + c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(block[:rest], crc)
    size = (len(prefix) + inflated) & 0xFFFFFFFF
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + piece * n + tail
            + struct.pack("<II", crc, size))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    prefix = open(sys.argv[2], "rb").read() if len(sys.argv) == 3 else b""
    sys.stdout.buffer.write(gzip_bomb(int(sys.argv[1]), prefix))
