#!/usr/bin/env bash
# Builds the default guest kit from Debian packages alone: Debian's cloud kernel
# (unpacked, never installed on the host) and a busybox initramfs whose /init
# speaks the kit protocol of docs/CONVENTIONS.md. Cached: a second run is instant.
#
#   images/build-kit.sh [OUTDIR]     (default images/cache/kit)
#
# OUTDIR gets vmlinuz, vmlinux (the same kernel uncompressed, an ELF for
# minivmm's PVH entry), initrd.img, modules/ (the kernel's modules, for the
# harness VM) and kernel-version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/cache/kit}
stamp_src=$(cat "$here/build-kit.sh" "$here/kit-init.sh" "$here/guest-exit.c" "$here/blkzeroout.c" "$here/attack.c" | sha256sum | cut -c1-16)

say() { printf 'kit: %s\n' "$*" >&2; }

if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp_src" ] &&
	[ -f "$out/vmlinuz" ] && [ -f "$out/vmlinux" ] && [ -f "$out/initrd.img" ]; then
	say "up to date in $out ($(cat "$out/kernel-version"))"
	exit 0
fi

for tool in apt-get dpkg-deb cpio gzip gcc od; do
	command -v "$tool" >/dev/null || { say "missing $tool (run scripts/setup.sh)"; exit 1; }
done
# The initramfs has no libc, so busybox must be the static build.
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
	{ say "need a static /bin/busybox (Debian package busybox-static)"; exit 1; }

# extract_vmlinux BZIMAGE OUT: the ELF vmlinux inside a bzImage, as the kernel's
# scripts/extract-vmlinux finds it, but located through the setup header
# (boot.rst): the payload sits at payload_offset (0x248) past the setup
# sectors and is payload_length (0x24c) bytes long, the last 4 of which hold
# the uncompressed size (little endian), which the result must match.
extract_vmlinux() {
	local bz=$1 dst=$2 sects off len magic want
	u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	[ "$sects" = 0 ] && sects=4
	off=$(( (sects + 1) * 512 + $(u32 "$bz" $((0x248))) ))
	len=$(u32 "$bz" $((0x24c)))
	[ "$len" -gt 4 ] || { say "no compressed payload in $bz"; return 1; }
	dd if="$bz" of="$work/payload" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" 2>/dev/null
	want=$(u32 "$work/payload" $((len - 4)))
	magic=$(od -An -tx1 -N6 "$work/payload" | tr -d ' ')
	head -c $((len - 4)) "$work/payload" >"$work/payload.z"
	case $magic in
	1f8b*) gzip -dc "$work/payload.z" ;;
	fd377a585a00) xz -dc "$work/payload.z" ;;
	28b52ffd*) zstd -qdc "$work/payload.z" ;;
	02214c18*) lz4 -dc "$work/payload.z" ;;
	425a68*) bzip2 -dc "$work/payload.z" ;;
	5d0000*) xz -dc --format=lzma "$work/payload.z" ;;
	*) say "unknown compression of the kernel payload (magic $magic)"; return 1 ;;
	esac >"$dst.tmp" || { say "cannot decompress the kernel payload (magic $magic)"; return 1; }
	[ "$(stat -c %s "$dst.tmp")" = "$want" ] && [ "$(head -c 4 "$dst.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		{ say "the decompressed kernel is not the ELF of $want bytes the header announced"; return 1; }
	mv "$dst.tmp" "$dst"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# apt-get download into $work; on a machine whose package lists were never
# fetched, refresh them once (as root) and retry. Shows apt's words on failure.
fetch() {
	if (cd "$work" && apt-get download -q "$1" >"$work/apt.log" 2>&1); then return 0; fi
	if [ "$(id -u)" = 0 ]; then
		say "apt-get download $1 failed; running apt-get update and retrying"
		apt-get update -q >"$work/apt.log" 2>&1 &&
			(cd "$work" && apt-get download -q "$1" >"$work/apt.log" 2>&1) && return 0
	fi
	cat "$work/apt.log" >&2
	say "cannot download $1 (is a Debian mirror reachable? try apt-get update)"
	exit 1
}

# The metapackage names the versioned kernel package; download that one.
say "resolving linux-image-cloud-amd64"
fetch linux-image-cloud-amd64
meta=$(ls "$work"/linux-image-cloud-amd64_*.deb)
pkg=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | grep -o 'linux-image-[^ ]*-cloud-amd64' | head -1)
[ -n "$pkg" ] || { say "cannot find the kernel package behind $meta"; exit 1; }
say "downloading $pkg"
fetch "$pkg"
say "unpacking $pkg"
dpkg-deb -x "$work/$pkg"_*.deb "$work/root"
kver=$(ls "$work/root/lib/modules")
cp "$work/root/boot/vmlinuz-$kver" "$out/vmlinuz"
say "extracting vmlinux (ELF, for the PVH entry)"
extract_vmlinux "$out/vmlinuz" "$out/vmlinux"
# The kernel's configuration, to tell what it was built with (CONFIG_PVH).
cp "$work/root/boot/config-$kver" "$out/config" 2>/dev/null || true
rm -rf "$out/modules"
cp -a "$work/root/lib/modules/$kver" "$out/modules"
# Debian may ship compressed modules; busybox insmod wants plain ones.
find "$out/modules" \( -name '*.ko.xz' -exec xz -d {} + \) -o \( -name '*.ko.zst' -exec zstd -q -d --rm {} + \) 2>/dev/null || true
echo "$kver" >"$out/kernel-version"

say "building the initramfs"
init=$work/initramfs
mkdir -p "$init"/{bin,sbin,dev,proc,sys,tmp,mnt,lib/modules,usr/bin,usr/sbin,etc}
cp /bin/busybox "$init/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$init/bin/$applet"
done
cp "$here/kit-init.sh" "$init/init"
chmod 755 "$init/init"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
	f=$(find "$out/modules" -name "$m.ko" | head -1)
	[ -n "$f" ] && cp "$f" "$init/lib/modules/" || say "note: no $m.ko (built in?)"
done
# guest-exit N: the kit's way to end minivmm with status N (exit device, port 0xf4).
# Debian's kernel has no /dev/port, so it is a tiny static program.
gcc -static -Os -s -o "$init/bin/guest-exit" "$here/guest-exit.c"
# blkzeroout: sends WRITE_ZEROES (BLKZEROOUT), which busybox blkdiscard cannot.
gcc -static -Os -s -o "$init/bin/blkzeroout" "$here/blkzeroout.c"
# virtio-attack BDF: the in-guest attack suite against a virtio-blk device (t_attack.sh).
gcc -static -Os -s -o "$init/bin/virtio-attack" "$here/attack.c"
(cd "$init" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.img"
echo "$stamp_src" >"$out/stamp"
say "done: $out (kernel $kver, initrd $(du -h "$out/initrd.img" | cut -f1))"
