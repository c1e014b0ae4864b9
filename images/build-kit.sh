#!/usr/bin/env bash
# Builds the default guest kit from Debian packages alone: Debian's cloud kernel
# (unpacked, never installed on the host) and a busybox initramfs whose /init
# speaks the kit protocol of docs/CONVENTIONS.md. Cached: a second run is instant.
#
#   images/build-kit.sh [OUTDIR]     (default images/cache/kit)
#
# OUTDIR gets vmlinuz, initrd.img, modules/ (the kernel's modules, for the
# harness VM) and kernel-version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/cache/kit}
stamp_src=$(cat "$here/build-kit.sh" "$here/kit-init.sh" "$here/guest-exit.c" "$here/blkzeroout.c" "$here/attack.c" | sha256sum | cut -c1-16)

say() { printf 'kit: %s\n' "$*" >&2; }

if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp_src" ] &&
	[ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
	say "up to date in $out ($(cat "$out/kernel-version"))"
	exit 0
fi

for tool in apt-get dpkg-deb cpio gzip gcc; do
	command -v "$tool" >/dev/null || { say "missing $tool (run scripts/setup.sh)"; exit 1; }
done
# The initramfs has no libc, so busybox must be the static build.
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
	{ say "need a static /bin/busybox (Debian package busybox-static)"; exit 1; }

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
