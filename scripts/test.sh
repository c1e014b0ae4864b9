#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): install what is missing, build
# into build/, build the guest kit, then ctest. Non-zero on any failure; a run
# that finds no way to boot Linux under KVM fails (the integration driver never skips).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MINIVMM_BUILD_DIR:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n== %s\n' "$*" >&2; }

main() {
	local t0=$SECONDS
	step "setup"
	bash "$top/scripts/setup.sh"
	step "configure and build ($build)"
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE="${MINIVMM_BUILD_TYPE:-RelWithDebInfo}"
	cmake --build "$build" -j "$jobs"
	step "guest kit"
	bash "$top/images/build-kit.sh" "$top/images/cache/kit"
	step "ctest"
	# ctest exits non-zero if any test failed or none ran.
	(cd "$build" && ctest --output-on-failure --no-tests=error)
	step "all tests passed in $((SECONDS - t0)) s"
}

main "$@"
