"""Write a Compound File Binary ([MS-CFB], version 3) from named streams.

Needed to build the add-in's vbaProject.bin on any OS; the readers (olefile,
oletools) are maintained, but no maintained Python library writes CFB. The
writer is minimal and deterministic: 512-byte sectors, a mini stream for
streams under 4096 bytes, every directory entry black in a balanced tree.
"""
from __future__ import annotations

import struct

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


class _Node:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data
        self.children: dict[str, _Node] = {}
        self.sid = 0
        # [MS-CFB] 2.6.3: a storage's start sector MUST be 0; an empty stream has none (ENDOFCHAIN)
        self.start, self.size = (0 if kind == 1 else END), len(data)
        self.left = self.right = self.child = NOSTREAM


def _order(name: str) -> tuple[int, str]:
    """CFB sibling order: shorter names first, then by upper-cased name."""
    return len(name), name.upper()


def _chain(fat: list[int], start: int, count: int) -> None:
    for i in range(count):
        fat[start + i] = start + i + 1 if i < count - 1 else END


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """streams: {'PROJECT': b'…', 'VBA/dir': b'…'}; storages are made from the paths."""
    root = _Node("Root Entry", 5)
    for path, data in sorted(streams.items()):
        node = root
        parts = path.split("/")
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Node(part, 1))
        node.children[parts[-1]] = _Node(parts[-1], 2, data)

    # Number the entries and link each storage's children as a balanced tree.
    entries: list[_Node] = []

    def number(node: _Node) -> None:
        node.sid = len(entries)
        entries.append(node)
        kids = sorted(node.children.values(), key=lambda n: _order(n.name))
        for kid in kids:
            number(kid)
        node.child = _balance(kids)

    def _balance(kids: list[_Node]) -> int:
        if not kids:
            return NOSTREAM
        mid = len(kids) // 2
        kids[mid].left, kids[mid].right = _balance(kids[:mid]), _balance(kids[mid + 1:])
        return kids[mid].sid

    number(root)

    # Small streams go to the mini stream, the others straight into sectors.
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Node] = []
    for node in entries:
        if node.kind != 2 or node.size == 0:
            continue
        if node.size < CUTOFF:
            count = -(-node.size // MINI)
            node.start = len(minifat)
            minifat.extend([0] * count)
            _chain(minifat, node.start, count)
            mini += node.data + b"\0" * (count * MINI - node.size)
        else:
            big.append(node)

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // SECTOR)

    layout: list[tuple[str, object, int]] = [("stream", n, sectors(n.size)) for n in big]
    layout.append(("mini", None, sectors(len(mini))))
    layout.append(("minifat", None, sectors(len(minifat) * 4)))
    layout.append(("dir", None, sectors(len(entries) * 128)))
    used = sum(n for _, _, n in layout)
    fat_count = 1
    while fat_count * (SECTOR // 4) < used + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("compound file too large for a header-only DIFAT")

    fat = [FREE] * (fat_count * SECTOR // 4)
    body = bytearray()
    starts: dict[str, int] = {}
    for kind, node, count in layout:
        start = len(body) // SECTOR
        if count:
            _chain(fat, start, count)
        if kind == "stream":
            node.start = start
            body += node.data
        elif kind == "mini":
            body += bytes(mini)
        elif kind == "minifat":
            body += b"".join(struct.pack("<I", v) for v in minifat)
        starts[kind] = start if count else END
        if kind == "dir":
            dir_start = start
            body += b"\0" * (count * SECTOR)   # filled below, once start sectors are known
        body += b"\0" * (-len(body) % SECTOR)
    fat_start = len(body) // SECTOR
    for i in range(fat_count):
        fat[fat_start + i] = FATSECT

    root.start, root.size = (starts["mini"], len(mini)) if mini else (END, 0)
    directory = bytearray()
    for node in entries:
        name = node.name.encode("utf-16-le")
        directory += struct.pack("<64sHBBIII16sIQQIII", name + b"\0" * (64 - len(name)), len(name) + 2,
                                 node.kind, 1, node.left, node.right, node.child, b"\0" * 16, 0, 0, 0,
                                 node.start, node.size & 0xFFFFFFFF, 0)
    directory += b"\0" * (-len(directory) % SECTOR)
    # unused directory slots must read as empty entries with no siblings
    for off in range(len(entries) * 128, len(directory), 128):
        directory[off + 68:off + 80] = struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
    body[dir_start * SECTOR:dir_start * SECTOR + len(directory)] = directory
    body += b"".join(struct.pack("<I", v) for v in fat)

    difat = [fat_start + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6,
        b"\0" * 6, 0, fat_count, dir_start, 0, CUTOFF,
        starts["minifat"], sectors(len(minifat) * 4), END, 0)
    header += b"".join(struct.pack("<I", v) for v in difat)
    return header + bytes(body)
