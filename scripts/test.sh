#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): install what is missing, build
# into build/, build the guest kit, then ctest. Non-zero on any failure; a run
# that finds no way to boot Linux under KVM fails (the integration driver never skips).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MINIVMM_BUILD_DIR:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n== %s\n' "$*" >&2; }

# CTest hides a passing test's output; show which way the Linux boots reached
# a KVM (direct or harness VM) and each boot test's verdict and time.
integration_summary() {
	local out=$1/integration-results/run.out
	[ -f "$out" ] || return 0
	step "integration batch ($out)"
	tr -d '\r' <"$out" | grep -E '^(integration:|harness: (up|the harness)|PASS |FAIL |[0-9]+ passed)' >&2 || true
}

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
	local st=0
	(cd "$build" && ctest --output-on-failure --no-tests=error) || st=$?
	integration_summary "$build"
	[ "$st" = 0 ] || { step "FAILED (ctest status $st) after $((SECONDS - t0)) s"; exit "$st"; }
	# The same suite, guest boots included, with AddressSanitizer and UBSan
	# (MINIVMM_SANITIZE_PASS=0 skips it for a quick local run).
	if [ "${MINIVMM_SANITIZE_PASS:-1}" = 1 ]; then
		step "configure and build with ASan+UBSan ($build-asan)"
		cmake -S "$top" -B "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DMINIVMM_SANITIZE=ON
		cmake --build "$build-asan" -j "$jobs"
		step "ctest (ASan+UBSan)"
		(cd "$build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			ctest --output-on-failure --no-tests=error) || st=$?
		integration_summary "$build-asan"
		[ "$st" = 0 ] || { step "FAILED (ASan+UBSan ctest status $st) after $((SECONDS - t0)) s"; exit "$st"; }
	fi
	# libFuzzer targets (tests/fuzz): a bounded short run each, from their seed corpora.
	if [ "${MINIVMM_FUZZ_PASS:-1}" = 1 ]; then
		step "configure and build the fuzz targets with clang ($build-fuzz)"
		cmake -S "$top" -B "$build-fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
			-DMINIVMM_FUZZ=ON
		cmake --build "$build-fuzz" -j "$jobs" --target fuzz
		step "ctest -L fuzz"
		(cd "$build-fuzz" && ctest -L fuzz --output-on-failure --no-tests=error) || st=$?
		[ "$st" = 0 ] || { step "FAILED (fuzz status $st) after $((SECONDS - t0)) s"; exit "$st"; }
	fi
	step "all tests passed in $((SECONDS - t0)) s"
}

main "$@"
