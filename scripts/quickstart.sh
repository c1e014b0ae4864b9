#!/usr/bin/env bash
# The README's first command: install what is missing, build minivmm, build the
# guest kit, then boot the default guest to its busybox shell on this terminal.
# Where the host's KVM cannot boot Linux (kvm_pvm: no VMX/SVM), the guest runs
# inside the harness VM (QEMU TCG with emulated AMD SVM), and we say so.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MINIVMM_BUILD_DIR:-$top/build}
kit=$top/images/cache/kit

step() { printf '== %s\n' "$*" >&2; }

# Same rule as the integration driver (tests/integration/run.sh).
host_kvm_boots_linux() {
	[ ! -e /sys/module/kvm_pvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

main() {
	step "setup"
	bash "$top/scripts/setup.sh"
	step "build ($build)"
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE="${MINIVMM_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
	cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
	step "guest kit"
	bash "$top/images/build-kit.sh" "$kit"

	local mode=${MINIVMM_TEST_MODE:-}
	if [ -z "$mode" ]; then
		if host_kvm_boots_linux; then mode=direct; else mode=harness; fi
	fi
	if [ "$mode" = direct ]; then
		step "booting the guest with minivmm directly on this host's KVM (poweroff or Ctrl-A x leaves)"
		exec "$build/minivmm" --kernel "$kit/vmlinuz" --initrd "$kit/initrd.img" "$@"
	fi
	if [ -e /sys/module/kvm_pvm ]; then
		step "this host's KVM is kvm_pvm (no hardware virtualization): a stock kernel cannot boot on it directly,"
	else
		step "this host has no usable /dev/kvm:"
	fi
	step "booting minivmm inside the harness VM (QEMU TCG with nested SVM, about half a minute to the guest shell)."
	step "poweroff leaves the guest and the harness VM; Ctrl-A x kills the harness VM at once."
	exec bash "$top/tests/harness/harness.sh" --minivmm "$build/minivmm" --kit "$kit" \
		--tests "$top/tests/integration" --interactive -- \
		/bin/minivmm --kernel /kit/vmlinuz --initrd /kit/initrd.img "$@"
}

main "$@"
