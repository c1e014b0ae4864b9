#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_virtqueue_blk: well-formed rings of each
request kind, in the input layout described at the top of fuzz_virtqueue_blk.c.
Run from anywhere; output goes to tests/fuzz/corpus/virtqueue_blk/."""
import os
import struct

GPA = 0x10000
DESC, AVAIL, USED = 0, 256, 512      # ring offsets in RAM for a 16-entry queue
HDRS = 1024                           # request headers and ranges, 64 bytes apart
BUFS = 8192                           # data buffers (their contents do not matter)
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4


class Ram:
    def __init__(self):
        self.b = bytearray(4096)
        self.hdr = HDRS
        self.buf = BUFS

    def put(self, off, data):
        if off + len(data) > len(self.b):
            self.b.extend(bytes(off + len(data) - len(self.b)))
        self.b[off:off + len(data)] = data

    def header(self, rtype, sector, extra=b""):
        off = self.hdr
        self.hdr += 64
        self.put(off, struct.pack("<IIQ", rtype, 0, sector) + extra)
        return off

    def buffer(self, n):
        off = self.buf
        self.buf += (n + 15) & ~15
        return off


def desc(ram, table_off, i, off, length, flags, nxt=0):
    ram.put(table_off + 16 * i, struct.pack("<QIHH", GPA + off, length, flags, nxt))


def chain(ram, table_off, first, segs):
    """segs: list of (offset, len, write); fills table[first..] as one chain."""
    for k, (off, length, write) in enumerate(segs):
        last = k == len(segs) - 1
        desc(ram, table_off, first + k, off, length,
             (F_WRITE if write else 0) | (0 if last else F_NEXT), 0 if last else first + k + 1)


def publish(ram, heads):
    for k, h in enumerate(heads):
        ram.put(AVAIL + 4 + 2 * k, struct.pack("<H", h))
    ram.put(AVAIL + 2, struct.pack("<H", len(heads)))


def seed(name, flags, ram):
    head = struct.pack("<BBHHHHI2x", 4, flags, DESC, AVAIL, USED, 0, 2048)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "virtqueue_blk", name)
    with open(path, "wb") as f:
        f.write(head + bytes(ram.b))


def rw(ram, first, rtype, sector, sizes):
    hdr = ram.header(rtype, sector)
    data = [(ram.buffer(n), n, rtype == 0) for n in sizes]
    chain(ram, DESC, first, [(hdr, 16, False)] + data + [(ram.buffer(1), 1, True)])
    return first


r = Ram()
publish(r, [rw(r, 0, 0, 8, [4096])])
seed("read", 0, r)

r = Ram()
publish(r, [rw(r, 0, 1, 0, [512, 1024]), rw(r, 4, 4, 0, [])])
seed("write-flush", 2, r)

r = Ram()
table = r.buffer(64)
hdr = r.header(0, 0)
chain(r, table, 0, [(hdr, 16, False), (r.buffer(2048), 2048, True), (r.buffer(2048), 2048, True),
                    (r.buffer(1), 1, True)])
desc(r, DESC, 0, table, 64, F_INDIRECT)
publish(r, [0])
seed("indirect-read", 1, r)

r = Ram()
ranges = struct.pack("<QII", 0, 8, 0) + struct.pack("<QII", 100, 16, 0)
hdr = r.header(11, 0, ranges)
chain(r, DESC, 0, [(hdr, 16 + len(ranges), False), (r.buffer(1), 1, True)])
hdr = r.header(13, 0, struct.pack("<QII", 64, 8, 1))
chain(r, DESC, 2, [(hdr, 32, False), (r.buffer(1), 1, True)])
publish(r, [0, 2])
seed("discard-write-zeroes", 2, r)

r = Ram()
hdr = r.header(8, 0)
chain(r, DESC, 0, [(hdr, 16, False), (r.buffer(20), 20, True), (r.buffer(1), 1, True)])
publish(r, [0, rw(r, 3, 0, 2040, [512, 512])])
seed("get-id-read", 3, r)
