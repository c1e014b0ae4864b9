#!/usr/bin/env bash
# Runs the integration tests once and files one result per test, for CTest.
#   run.sh --minivmm BIN --kit DIR --results DIR [t_NAME.sh ...]
# One code path for the tests (run-all.sh), two ways to reach a KVM that boots
# Linux: directly, or inside the harness VM (tests/harness) when the host's KVM
# is kvm_pvm or missing. MINIVMM_TEST_MODE=direct|harness overrides the choice.
# Never skips: if neither way works, this fails.
#
# Files RESULTS/NAME.result ("PASS (mode, Ns)" or "FAIL ...") and RESULTS/NAME.log
# (a failed test's output), RESULTS/run.out (the whole run). Exits non-zero when
# the run itself broke (no KVM, harness failure, tests without a verdict).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

choose_mode() {
	if [ -n "${MINIVMM_TEST_MODE:-}" ]; then
		mode=$MINIVMM_TEST_MODE why="set by MINIVMM_TEST_MODE"
	elif [ -e /sys/module/kvm_pvm ]; then
		mode=harness why="host KVM is kvm_pvm: no hardware virtualization, a stock kernel cannot boot on it"
	elif [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		mode=direct why="host /dev/kvm has hardware virtualization"
	else
		mode=harness why="no usable /dev/kvm on the host"
	fi
}

run_direct() {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] ||
		{ echo "integration: FAIL: mode=direct but /dev/kvm is missing or not permitted" >&2; return 1; }
	local work
	work=$(mktemp -d "${TMPDIR:-/var/tmp}/minivmm-it.XXXXXX")
	# /var/tmp is usually on disk; tmpfs may refuse O_DIRECT, which disk tests need.
	# TOOLS: one directory with the real tools, as in the harness VM (/opt/tools).
	local st=0 p path
	mkdir -p "$work/tools"
	for p in mke2fs e2fsck debugfs fio dmsetup losetup; do
		path=$(PATH=$PATH:/usr/sbin:/sbin command -v "$p" || true)
		[ -n "$path" ] && ln -s "$path" "$work/tools/$p"
	done
	(cd "$here" && MINIVMM=$minivmm KIT=$kit WORK=$work \
		TOOLS=$work/tools ./run-all.sh "$@") || st=$?
	rm -rf "$work"
	return $st
}

# One harness VM for the whole batch. If that VM dies under the tests (it reset,
# or froze: harness.sh status 98 or 99; a rare TCG nested-SVM failure, never a
# test's own verdict, which run-all.sh gives from inside the VM), the tests that
# got no verdict run again in a fresh VM, at most HARNESS_RETRIES (default 2)
# times; the test that was running is marked as rerun in its result.
run_harness() {
	local names=() left=() t st tries=0 max=${HARNESS_RETRIES:-2} seen
	for t in "$@"; do names+=("$(basename "$t")"); done
	while :; do
		st=0
		"$here/../harness/harness.sh" --minivmm "$minivmm" --kit "$kit" --tests "$here" \
			--console "$results/console.log" -- sh ./run-all.sh "${names[@]}" || st=$?
		{ [ "$st" = 98 ] || [ "$st" = 99 ]; } && [ "$tries" -lt "$max" ] || return "$st"
		# Tests with a verdict keep it; the rest go to a new VM.
		seen=$(verdicts)
		left=()
		for t in "${names[@]}"; do
			t=${t#t_}
			grep -qx "${t%.sh}" <<<"$seen" || left+=("t_${t%.sh}.sh")
		done
		[ ${#left[@]} -gt 0 ] || return "$st"
		tries=$((tries + 1))
		t=${left[0]#t_}
		echo "${t%.sh}" >>"$results/reruns"
		echo "integration: the harness VM failed (status $st) while ${t%.sh} ran;" \
			"its ${#left[@]} tests without a verdict go to a new harness VM (retry $tries of $max)"
		names=("${left[@]}")
	done
}

# Names of the tests that have a PASS or FAIL line in the run so far.
verdicts() {
	tr -d '\r' <"$out" | sed -n 's/^\(PASS\|FAIL\) \([A-Za-z0-9_.-]*\) ([0-9]*s)$/\2/p'
}

# Turns the runner's PASS/FAIL lines and @@LOG lines into one file per test.
file_results() {
	local name res secs line note
	tr -d '\r' <"$out" | sed -n 's/^\(PASS\|FAIL\) \([A-Za-z0-9_.-]*\) (\([0-9]*\)s)$/\2 \1 \3/p' |
		while read -r name res secs; do
			note=
			grep -qsx "$name" "$results/reruns" &&
				note=", run again in a new harness VM after the one running it failed"
			echo "$res ($mode, ${secs}s$note)" >"$results/$name.result"
		done
	tr -d '\r' <"$out" | sed -n 's/^@@LOG \([^|]*\)| \(.*\)/\1 \2/p' |
		while read -r name line; do printf '%s\n' "$line" >>"$results/$name.log"; done
	tr -d '\r' <"$out" | sed -n 's/^@@REPORT \([^|]*\)| \(.*\)/\1 \2/p' |
		while read -r name line; do printf '%s\n' "$line" >>"$results/$name.report"; done
}

main() {
	minivmm= kit= results=
	while [ $# -gt 0 ]; do
		case $1 in
		--minivmm) minivmm=$2; shift 2 ;;
		--kit) kit=$2; shift 2 ;;
		--results) results=$2; shift 2 ;;
		*) break ;;
		esac
	done
	[ -x "$minivmm" ] || { echo "integration: no minivmm binary at '$minivmm'" >&2; exit 1; }
	# Absolute paths: the runner works from the tests directory.
	minivmm=$(realpath "$minivmm")
	kit=$(realpath "$kit")
	results=$(realpath -m "$results")
	[ -f "$kit/vmlinuz" ] && [ -f "$kit/initrd.img" ] ||
		{ echo "integration: no guest kit in '$kit' (run images/build-kit.sh)" >&2; exit 1; }
	[ -n "$results" ] || { echo "integration: --results DIR is required" >&2; exit 1; }
	rm -rf "$results"
	mkdir -p "$results"
	out=$results/run.out

	# Count now: the tree may gain tests while a long run is under way.
	[ $# -gt 0 ] || set -- $(cd "$here" && LC_ALL=C ls t_*.sh)
	local want=$#
	choose_mode
	echo "integration: mode=$mode ($why)" | tee "$out"
	local st=0 t0=$SECONDS
	case $mode in
	direct) run_direct "$@" 2>&1 | tee -a "$out" || st=${PIPESTATUS[0]} ;;
	harness) run_harness "$@" 2>&1 | tee -a "$out" || st=${PIPESTATUS[0]} ;;
	*) echo "integration: unknown MINIVMM_TEST_MODE '$mode' (direct or harness)" >&2; exit 1 ;;
	esac
	file_results
	local got clean
	got=$(ls "$results"/*.result 2>/dev/null | wc -l)
	echo "integration: mode=$mode, $got of $want tests reported in $((SECONDS - t0)) s; results in $results"
	# Not a pipe into grep -q: with pipefail, its early exit would fail the pipe.
	clean=$(tr -d '\r' <"$out")
	if ! grep -q '^[0-9]* passed, [0-9]* failed$' <<<"$clean"; then
		echo "integration: FAIL: the run ended without a summary (status $st): see $out" >&2
		exit 1
	fi
	[ "$got" = "$want" ] || { echo "integration: FAIL: $((want - got)) tests gave no verdict" >&2; exit 1; }
	# Single verdicts are the per-test CTest tests' business; the batch itself worked.
	exit 0
}

main "$@"
