"""A workbook file read once: its bytes (hashed on demand), its zip directory opened once, and
each part inflated only when asked for.

Consolidating a district's inbox used to open every file seven times (hash, safety check,
values, sheet facts, saved time, stamp …). Now the bytes are read once and every reader works
from them: calamine from a file-like over the same bytes, the sheet-XML pass from a stream that
inflates the part a block at a time and can resume from any point it has passed (so number
formats can be read later, only for the rows that need them).
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cached_property
from pathlib import Path


class Package:
    """One workbook file's bytes and, for the zip-based formats, its directory."""

    def __init__(self, path: Path | str, data: bytes | None = None):
        self.path = Path(path)
        self.data = self.path.read_bytes() if data is None else data

    @cached_property
    def sha256(self) -> str:
        import hashlib      # OpenSSL's load costs a click ~4 ms; validate never asks for the hash

        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def zip(self) -> zipfile.ZipFile:
        """The zip directory (raises zipfile.BadZipFile when the bytes are no zip)."""
        return zipfile.ZipFile(io.BytesIO(self.data))

    @cached_property
    def is_zip(self) -> bool:
        try:
            self.zip
        except Exception:   # zipfile raises several types on damage
            return False
        return True

    @cached_property
    def names(self) -> set[str]:
        return set(self.zip.namelist()) if self.is_zip else set()

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def file(self) -> io.BytesIO:
        """The whole file as a file-like object (for calamine)."""
        return io.BytesIO(self.data)

    def stream(self, name: str):
        """The part's inflated bytes as a stream with `read(size)`; a deflated or stored part's
        stream also has `snapshot()` and `resume(state)` (see Inflater)."""
        info = self.zip.getinfo(name)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
            return self.zip.open(info)          # encrypted or another method: zipfile does it (or refuses)
        head = self.data[info.header_offset:info.header_offset + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {name}")
        start = info.header_offset + 30 + sum(struct.unpack("<HH", head[26:30]))
        return Inflater(self.data, start, info.compress_size, info.file_size, info.CRC,
                        stored=info.compress_type == zipfile.ZIP_STORED)


class Inflater:
    """A zip member's data inflated on demand, never past the size its directory declares, its
    CRC checked at the end (as zipfile does). `snapshot()` notes where the stream is;
    `resume(state)` gives a new stream that goes on from there (zlib's decompressor copied)."""
    IN = 1 << 16            # compressed bytes fed at a time

    def __init__(self, data: bytes, start: int, size: int, declared: int, crc: int, *, stored: bool = False):
        self.data, self.end, self.declared, self.crc_expected, self.stored = data, start + size, declared, crc, stored
        self.d = None if stored else zlib.decompressobj(-zlib.MAX_WBITS)
        self.pos, self.tail, self.out, self.crc = start, b"", 0, 0

    def snapshot(self) -> tuple:
        return (self.d.copy() if self.d is not None else None, self.pos, self.tail, self.out, self.crc)

    def resume(self, state: tuple) -> "Inflater":
        clone = object.__new__(Inflater)
        clone.data, clone.end, clone.declared = self.data, self.end, self.declared
        clone.crc_expected, clone.stored = self.crc_expected, self.stored
        d, clone.pos, clone.tail, clone.out, clone.crc = state
        clone.d = d.copy() if d is not None else None
        return clone

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.declared - self.out + 1
        if self.stored:
            got = self.data[self.pos:min(self.end, self.pos + size)]
            self.pos += len(got)
        else:
            parts, n = [], 0
            while n < size:
                if not self.tail:
                    if self.pos >= self.end:
                        break
                    self.tail = self.data[self.pos:min(self.end, self.pos + self.IN)]
                    self.pos += len(self.tail)
                block = self.d.decompress(self.tail, size - n)
                self.tail = self.d.unconsumed_tail
                parts.append(block)
                n += len(block)
                if self.d.eof:
                    break
            got = b"".join(parts)
        self.out += len(got)
        if self.out > self.declared:
            raise zipfile.BadZipFile("a part inflates past its declared size")
        self.crc = zlib.crc32(got, self.crc)
        if not got and (self.out != self.declared or self.crc != self.crc_expected):
            raise zipfile.BadZipFile("bad CRC-32 or size of a part")
        return got

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass
