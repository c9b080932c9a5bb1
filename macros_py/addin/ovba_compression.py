"""[MS-OVBA] 2.4.1 compression, for writing VBA module sources and the dir stream.

The one PyPI package for it (ms-ovba-compression 1.0.1) produces streams that
neither oletools nor itself can read once data spans several 4096-byte chunks,
so this follows the specification's algorithm directly. Tests decompress every
output with oletools, the reader used on real Office files.
"""
from __future__ import annotations

import struct

CHUNK = 4096
MAX_CANDIDATES = 64


def _bit_count(difference: int) -> int:
    """Offset bits of a CopyToken at this position in the chunk (2.4.1.3.19.1)."""
    count = 0
    while (1 << count) < difference:
        count += 1
    return max(count, 4)


def _compress_chunk(data: bytes) -> bytes:
    """The CompressedChunkData of one chunk (≤ 4096 bytes) as token sequences."""
    out = bytearray()
    pos, heads = 0, {}
    n = len(data)
    while pos < n:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos + 3 <= n and pos > 0:
                bits = _bit_count(pos)
                max_len = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(heads.get(data[pos:pos + 3], [])[-MAX_CANDIDATES:]):
                    length = 0
                    while length < max_len and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == max_len:
                            break
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                bits = _bit_count(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
            else:
                out.append(data[pos])
            for p in range(pos, pos + step):
                if p + 3 <= n:
                    heads.setdefault(data[p:p + 3], []).append(p)
            pos += step
        out[flag_index] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer: signature byte, then one chunk per 4096 bytes of input.

    A chunk whose tokens would exceed 4096 bytes is stored raw, which is exact only for a
    full 4096-byte chunk: a raw chunk always decompresses to 4096 bytes (2.4.1.3.3), so a
    short final chunk stored raw would come back padded with NULs. Such a final chunk (over
    3640 bytes with next to no repeats; never VBA source text) is refused instead.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK:
            out += struct.pack("<H", (len(body) + 2 - 3) | 0x3000 | 0x8000) + body
        elif len(chunk) == CHUNK:
            out += struct.pack("<H", (CHUNK - 1) | 0x3000) + chunk
        else:
            raise ValueError(f"the last {len(chunk)} bytes do not compress and a raw chunk would pad them "
                             "to 4096 bytes: cannot be stored exactly")
    return bytes(out)
