#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets, each in the input layout
described at the top of its fuzz_<name>.c, into tests/fuzz/corpus/<name>/:
  virtqueue_blk      well-formed rings of each request kind
  pci_config         enumeration through 0xcf8/0xcfc and ECAM, BAR sizing and
                     moves (onto other ranges too), the virtio_pci_cfg window
  virtio_pci_common  a Linux-like driver bring-up, MSI-X masking and pending
                     bits, a refused activation, DRIVER_OK toggled, the window
  bzimage            valid images (several header variants) and the one that
                     found the short-header over-read
  elf_pvh            PVH vmlinux files: valid ones (4- and 8-byte entry notes,
                     other notes first, a bss-only segment) and refused ones
Run from anywhere; the files are small and committed."""
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


def write(corpus, name, data):
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def seed(name, flags, ram):
    head = struct.pack("<BBHHHHI2x", 4, flags, DESC, AVAIL, USED, 0, 2048)
    write("virtqueue_blk", name, head + bytes(ram.b))


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


# ---- pci_config: 2-byte header, then 10-byte records (kind, len, le32 addr, le32 value)
PORTS, ECAM, MMIO, DIRECT = 0, 1, 2, 3
SZ = {1: 0, 2: 1, 4: 2, 8: 3}
BAR0_A, BAR0_B = 0xc0000000, 0xc0008000  # where pci_bus_add puts them (slots 1 and 2)


def rec(path, write_, size, addr, val=0, lenbits=0):
    return struct.pack("<BBII", (path << 1) | (0 if write_ else 1), SZ[size] | lenbits,
                       addr & 0xffffffff, val & 0xffffffff)


def cf8(slot, reg):
    return 0x80000000 | slot << 11 | (reg & 0xfc)


def cfg_w(slot, reg, size, val):
    return rec(ECAM, True, size, slot << 15 | reg, val)


def cfg_r(slot, reg, size=4):
    return rec(ECAM, False, size, slot << 15 | reg)


def mmio(write_, size, addr, val=0):
    return rec(MMIO, write_, size, addr, val, 0x80)


def pci(name, records, head=b"\x21\x10"):
    write("pci_config", name, head + b"".join(records))


# Enumeration as firmware and Linux do it: vendor/class/BAR/capability pointer of slots 0-3.
recs = []
for slot in range(4):
    for reg in (0x00, 0x08, 0x0c, 0x10, 0x2c, 0x34, 0x40):
        recs += [rec(PORTS, True, 4, 0, cf8(slot, reg)), rec(PORTS, False, 4, 4)]
recs += [rec(PORTS, True, 4, 0, cf8(1, 0x04)), rec(PORTS, False, 2, 6), rec(PORTS, False, 1, 7)]
pci("enumerate-cf8", recs)

# BAR sizing through ECAM: memory off, all ones, read the size, restore, memory on, use it.
pci("bar-sizing-ecam", [
    cfg_w(1, 0x04, 2, 0), cfg_w(1, 0x10, 4, 0xffffffff), cfg_r(1, 0x10), cfg_w(1, 0x10, 4, BAR0_A),
    cfg_w(1, 0x14, 4, 0xffffffff), cfg_r(1, 0x14), cfg_w(1, 0x04, 2, 6),
    mmio(False, 1, BAR0_A + 0x14), mmio(True, 2, BAR0_A + 0x3000, 0), cfg_r(1, 0x04, 2),
])

# BAR moves: a new address, byte-wise writes, onto ECAM, onto the other device, back.
pci("bar-move", [
    cfg_w(1, 0x04, 2, 6), cfg_w(2, 0x04, 2, 6),
    cfg_w(1, 0x10, 4, 0xd0000000), mmio(True, 2, 0xd0003000, 0), mmio(False, 4, 0xd0000000),
    cfg_w(1, 0x13, 1, 0xd1), cfg_w(1, 0x12, 1, 0x08), mmio(False, 1, 0xd1080014),
    cfg_w(1, 0x10, 4, 0xe0000000), cfg_r(1, 0x10), mmio(False, 4, 0xe0008000),
    cfg_w(1, 0x10, 4, BAR0_B), cfg_w(2, 0x10, 4, 0xfffff000), cfg_w(1, 0x10, 4, BAR0_A),
    cfg_w(1, 0x04, 1, 0), cfg_w(1, 0x04, 1, 2), mmio(True, 4, BAR0_A + 0x3004, 1),
])

# The virtio_pci_cfg window (capability at 0x90) and the MSI-X enable bit (0x42).
pci("cfg-window-msix", [
    cfg_w(1, 0x94, 1, 0), cfg_w(1, 0x98, 4, 0x14), cfg_w(1, 0x9c, 4, 1), cfg_w(1, 0xa0, 1, 1),
    cfg_r(1, 0xa0, 1), cfg_w(1, 0x98, 4, 0x4000), cfg_w(1, 0x9c, 4, 4),
    cfg_w(1, 0xa0, 4, 0xfee00000), cfg_w(1, 0x42, 2, 0x8000), cfg_w(1, 0x42, 2, 0xc000),
    cfg_r(1, 0x40), cfg_r(1, 0x44),
])

# Odd ways in: pci_cfg_access with bad slots, functions, widths and offsets; cf8 byte writes.
pci("odd-accesses", [
    rec(DIRECT, False, 1, 1 << 12, 0, 4 << 2), rec(DIRECT, True, 1, 1 << 12 | 0x10, 0, 3 << 2),
    rec(DIRECT, False, 1, 40 << 12, 0, 4 << 2), rec(DIRECT, False, 1, 1 << 12 | 1 << 18, 0, 4 << 2),
    rec(DIRECT, False, 1, 1 << 12 | 0xffe, 0, 2 << 2), rec(PORTS, True, 1, 0, 0x80),
    rec(PORTS, True, 4, 0, 0x80ff0000), rec(PORTS, False, 4, 4), rec(ECAM, False, 8, 1 << 15),
    rec(ECAM, True, 4, 1 << 15 | 1 << 12 | 0x10, 0),
], b"\xff\x00")


# ---- virtio_pci_common: 8-byte header, then 8-byte records (kind, len, le16 offset, le32 value)
BARW, BARR, CFGW, CFGR, NOTIFY, BROKEN = range(6)
DFSELECT, DF, GFSELECT, GF, MSIXCFG, NUMQ, STATUS = 0, 4, 8, 12, 16, 18, 20
Q_SELECT, Q_SIZE, Q_MSIX, Q_ENABLE, Q_DESC, Q_AVAIL, Q_USED = 22, 24, 26, 28, 32, 40, 48
ISR, DEVCFG, NOTIFYR, TABLE, PBA = 0x1000, 0x2000, 0x3000, 0x4000, 0x5000


def vrec(kind, size, off, val=0):
    return struct.pack("<BBHI", kind, SZ[size], off & 0xffff, val & 0xffffffff)


def bw(off, size, val):
    return vrec(BARW, size, off, val)


def br(off, size=4):
    return vrec(BARR, size, off)


def cw(reg, size, val):
    return vrec(CFGW, size, reg - 0x40, val)


def cr(reg, size=4):
    return vrec(CFGR, size, reg - 0x40)


def vhead(nq, cfg_words=8, qmax=256, refuse=0, features=0x000001):
    return struct.pack("<BBHB", nq - 1, cfg_words, qmax, refuse) + struct.pack("<I", features)[:3]


def bring_up(nq, msix=True, qsize=128):
    r = [bw(STATUS, 1, 0), bw(STATUS, 1, 1), bw(STATUS, 1, 3), br(NUMQ, 2)]
    for sel in (0, 1):
        r += [bw(DFSELECT, 4, sel), br(DF)]
    r += [bw(GFSELECT, 4, 0), bw(GF, 4, 1), bw(GFSELECT, 4, 1), bw(GF, 4, 1),
          bw(STATUS, 1, 0xb), br(STATUS, 1), bw(MSIXCFG, 2, 0 if msix else 0xffff)]
    for q in range(nq):
        base = 0x100000 + q * 0x4000
        r += [bw(Q_SELECT, 2, q), br(Q_SIZE, 2), bw(Q_SIZE, 2, qsize),
              bw(Q_MSIX, 2, q + 1 if msix else 0xffff), br(Q_MSIX, 2),
              bw(Q_DESC, 4, base), bw(Q_DESC + 4, 4, 0), bw(Q_AVAIL, 4, base + 0x1000),
              bw(Q_AVAIL + 4, 4, 0), bw(Q_USED, 4, base + 0x2000), bw(Q_USED + 4, 4, 0),
              bw(Q_ENABLE, 2, 1)]
    if msix:
        for vec in range(nq + 1):
            e = TABLE + 16 * vec
            r += [bw(e, 4, 0xfee00000), bw(e + 4, 4, 0), bw(e + 8, 4, 0x40 + vec), bw(e + 12, 4, 0)]
        r += [cw(0x42, 2, 0x8000)]
    return r + [bw(STATUS, 1, 0xf), br(STATUS, 1)]


def vpci(name, head, records):
    write("virtio_pci_common", name, head + b"".join(records))


vpci("driver-init", vhead(2), bring_up(2) + [
    vrec(NOTIFY, 4, 0, 0), vrec(NOTIFY, 4, 0, 1), br(ISR, 1), br(PBA), bw(NOTIFYR, 2, 0),
    br(DEVCFG, 4), bw(DEVCFG + 4, 2, 7), bw(Q_SELECT, 2, 0), bw(Q_SIZE, 2, 64), bw(STATUS, 1, 0),
    br(STATUS, 1)])

vpci("msix-masked-pending", vhead(3), bring_up(3) + [
    cw(0x42, 2, 0xc000), vrec(NOTIFY, 4, 0, 0), vrec(NOTIFY, 4, 0, 2), vrec(BROKEN, 4, 0), br(PBA),
    bw(TABLE + 16 + 12, 4, 1), cw(0x42, 2, 0x8000), br(PBA), bw(TABLE + 16 + 12, 4, 0), br(PBA),
    br(TABLE + 16 * 3), bw(TABLE + 16 * 4, 4, 1), br(TABLE + 16 * 4), bw(TABLE + 2, 2, 5)])

vpci("toggle-driver-ok", vhead(1), bring_up(1, msix=False) + [
    bw(STATUS, 1, 0x7), br(STATUS, 1), bw(STATUS, 1, 0xf), bw(STATUS, 1, 0),
    bw(STATUS, 1, 0x8), bw(GF, 4, 0xffffffff), bw(STATUS, 1, 0xb), br(STATUS, 1)])

vpci("refused-activate", vhead(4, refuse=1, qmax=64), bring_up(4, qsize=256) + [
    br(STATUS, 1), br(ISR, 1), bw(STATUS, 1, 0)] + bring_up(4, qsize=32))

vpci("cfg-window", vhead(1, cfg_words=2), [
    cw(0x94, 1, 0), cw(0x98, 4, STATUS), cw(0x9c, 4, 1), cw(0xa0, 1, 1), cr(0xa0, 1),
    cw(0x98, 4, TABLE + 12), cw(0x9c, 4, 4), cw(0xa0, 4, 0), cr(0xa0),
    cw(0x98, 4, DEVCFG + 4), cw(0x9c, 4, 2), cw(0xa0, 2, 0x1234), cr(0xa0, 2),
    cw(0x98, 4, 0x7fff), cw(0x94, 1, 5), cr(0xa0)])


# ---- bzimage: the image file; bytes 0-5 choose initrd size, command line length, RAM
def bzimage(kernel_size=4096, setup_sects=4, version=0x020f, jump=0x6a, init_size=0x100000,
            initrd=0x10000, cmdline_len=40, ram=15, cmdline_size=2047, initrd_max=0x7fffffff,
            loadflags=1, xloadflags=1, syssize=None):
    setup = ((setup_sects or 4) + 1) * 512
    img = bytearray(setup + kernel_size)
    img[0:6] = struct.pack("<IBB", initrd, cmdline_len, ram)
    img[0x1f1] = setup_sects
    img[0x1fe:0x200] = b"\x55\xaa"
    img[0x200] = 0xeb
    img[0x201] = jump
    img[0x202:0x206] = b"HdrS"
    img[0x206:0x208] = struct.pack("<H", version)
    img[0x211] = loadflags
    img[0x1f4:0x1f8] = struct.pack("<I", kernel_size // 16 if syssize is None else syssize)
    img[0x22c:0x230] = struct.pack("<I", initrd_max)
    img[0x236:0x238] = struct.pack("<H", xloadflags)
    img[0x238:0x23c] = struct.pack("<I", cmdline_size)
    img[0x260:0x264] = struct.pack("<I", init_size)
    img[setup:] = bytes([0xcc]) * kernel_size
    return bytes(img)


write("bzimage", "valid", bzimage())
write("bzimage", "setup-sects-0-no-initrd", bzimage(setup_sects=0, initrd=0, ram=3))
write("bzimage", "initrd-addr-max-low", bzimage(initrd_max=0x1fffff, initrd=0x200000))
write("bzimage", "init-size-huge", bzimage(init_size=0xfff00000))
write("bzimage", "cmdline-too-long", bzimage(cmdline_size=16, cmdline_len=200))
write("bzimage", "protocol-2.12-short-header", bzimage(version=0x020c, jump=0x46, kernel_size=512))
write("bzimage", "syssize-past-end", bzimage(syssize=0x10000))
write("bzimage", "not-64-bit", bzimage(xloadflags=0))
# Found by fuzz_bzimage: the jump byte declares the header to 0x26c in a 0x254-byte file.
write("bzimage", "regress-short-header-overread", bzimage(setup_sects=4, kernel_size=0)[:0x254])


# ---- elf_pvh: the vmlinux file; e_ident[9..15] choose initrd size, command line length, RAM
def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def elf_pvh(entry=0x100000, entry_size=4, initrd=0x10000, cmdline_len=40, ram=6,
            loads=((0x100000, 0x2000, 0x2000, 5), (0x200000, 0x800, 0x3000, 6)),
            extra_notes=True):
    ehsize, phsize = 64, 56
    notes = b""
    if extra_notes:
        notes += note(b"GNU", 3, bytes(20)) + note(b"Xen", 6, b"linux\0")
    notes += note(b"Xen", 18, struct.pack("<Q", entry)[:entry_size])
    nph = len(loads) + 1
    data_off = 0x1000
    note_off = ehsize + nph * phsize
    img = bytearray(data_off + sum(l[1] for l in loads))
    img[0:16] = b"\x7fELF" + bytes([2, 1, 1]) + bytes(2) + struct.pack("<IBB", initrd, cmdline_len, ram)[:7]
    img[16:64] = struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, ehsize, 0, 0, ehsize, phsize, nph, 0, 0, 0)
    off = data_off
    for i, (paddr, filesz, memsz, flags) in enumerate(loads):
        img[ehsize + i * phsize:ehsize + (i + 1) * phsize] = struct.pack(
            "<IIQQQQQQ", 1, flags, off, 0xffffffff80000000 + paddr, paddr, filesz, memsz, 0x1000)
        img[off:off + filesz] = bytes([0xcc if flags & 1 else 0xdd]) * filesz
        off += filesz
    p = ehsize + len(loads) * phsize
    img[p:p + phsize] = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(notes), len(notes), 4)
    img[note_off:note_off + len(notes)] = notes
    assert note_off + len(notes) <= data_off
    return bytes(img)


write("elf_pvh", "valid", elf_pvh())
write("elf_pvh", "entry-8-bytes-no-initrd", elf_pvh(entry_size=8, initrd=0, extra_notes=False))
write("elf_pvh", "big-initrd-small-ram", elf_pvh(initrd=0x800000, ram=0))
write("elf_pvh", "cmdline-long", elf_pvh(cmdline_len=255))
write("elf_pvh", "entry-in-data", elf_pvh(entry=0x200000))
write("elf_pvh", "overlapping-loads", elf_pvh(loads=((0x100000, 0x2000, 0x2000, 5), (0x101000, 0x800, 0x800, 6))))
write("elf_pvh", "bss-only-segment", elf_pvh(loads=((0x100000, 0x2000, 0x2000, 5), (0x300000, 0, 0x10000, 6))))
