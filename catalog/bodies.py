"""Response bodies assembled from a cached, pre-compressed part and a small per-request tail.

A list body is `{<cached part>,<tail>}`: the cached part (the stored model fragments joined with
the page facts) depends only on the catalog version and the query; the tail (freshness, timestamp)
is computed for every request. The cached part is kept gzip-compressed and ended with a sync
flush, so a request appends its tail as a few more deflate blocks plus the gzip trailer (the CRC
continues from the cached part's): a multi-megabyte list is served without compressing it again,
and the result is one ordinary gzip member that every client decodes.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, mtime 0, unknown OS
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
FAST_ABOVE = 1024 * 1024  # bytes of JSON above which a part is compressed for speed


@dataclass(frozen=True, slots=True)
class CompressedPart:
    """The gzip header and deflate blocks of `size` bytes of JSON, not yet finished."""

    data: bytes
    crc: int
    size: int

    @property
    def nbytes(self) -> int:
        return len(self.data)

    @classmethod
    def of(cls, text: bytes, *, level: int | None = None) -> CompressedPart:
        """`text` compressed: at zlib's default level 6, or at level 1 above `FAST_ABOVE` bytes,
        where compressing is most of a cache miss's time (a 2 MB page: 21 ms at level 6, 9 ms at
        level 1, for a body about 1.5x as large; docs/benchmarks.md)."""
        level = level if level is not None else (1 if len(text) > FAST_ABOVE else 6)
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        data = GZIP_HEADER + compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return cls(data=data, crc=zlib.crc32(text), size=len(text))

    def gzip(self, tail: bytes) -> bytes:
        """A complete gzip stream of this part followed by `tail`."""
        return b"".join(self.gzip_parts(tail))

    def gzip_parts(self, tail: bytes) -> tuple[bytes, bytes]:
        """`gzip(tail)` in two pieces written one after the other: the stored part, unchanged, and
        the compressed tail with the stream's trailer."""
        compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        trailer = struct.pack("<II", zlib.crc32(tail, self.crc) & 0xFFFFFFFF, (self.size + len(tail)) & 0xFFFFFFFF)
        return self.data, compressor.compress(tail) + compressor.flush() + trailer

    def plain(self, tail: bytes) -> bytes:
        """This part followed by `tail`, uncompressed (clients that do not accept gzip)."""
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(self.data) + tail


def accepts_gzip(accept_encoding: str) -> bool:
    return bool(_ACCEPTS_GZIP.search(accept_encoding or ""))
