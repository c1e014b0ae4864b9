#!/usr/bin/env bash
# Installs the Debian 12 packages minivmm needs to build, build its guest kit and
# run its tests. Idempotent: apt-get runs (update first) only when something is
# missing. Works as root, or through sudo otherwise.
#   setup.sh [--bench]   --bench adds what bench/run.sh needs (gnuplot to draw).
set -euo pipefail

# Build: compiler, CMake, libaio, liburing (optional at build time: without it
# there is no aio=io_uring). Kit: static busybox, cpio, static libc for
# guest-exit, decompressors for kernels that ship .ko.xz/.ko.zst. Tests: iasl
# (ACPI disassembly check), QEMU (harness VM on hosts without VMX/SVM),
# e2fsprogs and fio (scratch disks inside the harness), dmsetup (read-error
# injection with a device-mapper error target: t_fault_readerr.sh).
packages=(
	build-essential cmake libaio-dev liburing-dev pkg-config clang
	busybox-static cpio gzip xz-utils zstd libc6-dev
	acpica-tools qemu-system-x86 e2fsprogs fio util-linux coreutils procps dmsetup
)

# bench/run.sh: gnuplot (no X) draws the figures; QEMU and fio are above.
bench_packages=(gnuplot-nox)

say() { printf 'setup: %s\n' "$*" >&2; }

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Run as root directly; otherwise through sudo (non-interactive when there is no terminal).
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo DEBIAN_FRONTEND=noninteractive "$@"
	else
		say "need root or sudo to run: $*"
		exit 1
	fi
}

main() {
	command -v dpkg-query >/dev/null && command -v apt-get >/dev/null ||
		{ say "this script needs a Debian-like system (apt-get, dpkg)"; exit 1; }
	case ${1:-} in
	--bench) packages+=("${bench_packages[@]}") ;;
	'') ;;
	*) say "unknown argument $1 (usage: setup.sh [--bench])"; exit 2 ;;
	esac
	local missing=() p
	for p in "${packages[@]}"; do
		is_installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} = 0 ]; then
		say "all packages present"
		return 0
	fi
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	# No recommends: QEMU's would pull a GUI stack the harness never uses.
	as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
	say "done"
}

main "$@"
