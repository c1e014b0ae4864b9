#!/usr/bin/env bash
# Proves that a harness VM which dies under the tests costs a rerun, not the
# batch: tests/integration/run.sh with four stand-in tests in the real harness.
#   selftest_recovery.sh MINIVMM KIT
# t_a passes; t_b reboots the harness VM at once (sysrq b: QEMU exits, status
# 98) while reset-once is in its copy of the tests; t_c stops the heartbeat and
# hangs (status 99 after HARNESS_STALL) while freeze-once is; t_d passes. This
# script removes each marker from the staged tests once the VM that should see
# it is up, so each failure happens exactly once. Expected: four PASS verdicts,
# b and c marked as rerun, and run.sh naming both failures.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: selftest_recovery.sh MINIVMM KIT" >&2; exit 2; }
minivmm=$1 kit=$2
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
watcher=
# Under set -e a failing command in the EXIT trap becomes the script's status:
# the watcher has usually finished by then, so its kill must not count.
trap 'if [ -n "$watcher" ]; then kill "$watcher" 2>/dev/null || true; fi; rm -rf "$stage"' EXIT
mkdir -p "$stage/integration" "$stage/harness"
cp "$here/harness.sh" "$here/kvm_hold.c" "$stage/harness/"
cp "$here/../integration/run.sh" "$here/../integration/run-all.sh" "$stage/integration/"
t=$stage/integration
echo 'exit 0' >"$t/t_a.sh"
cat >"$t/t_b.sh" <<'EOF'
if [ -e /tests/reset-once ]; then
	echo 1 >/proc/sys/kernel/sysrq
	echo b >/proc/sysrq-trigger
	sleep 60
fi
exit 0
EOF
cat >"$t/t_c.sh" <<'EOF'
if [ -e /tests/freeze-once ]; then
	# What a frozen VM looks like from the host: no heartbeat, nothing ends.
	kill -STOP "$(cat /tmp/heartbeat.pid)"
	sleep 100000
fi
exit 0
EOF
echo 'exit 0' >"$t/t_d.sh"
touch "$t/reset-once" "$t/freeze-once"
results=$stage/results
mkdir -p "$results"

# Removes reset-once once the first VM is up, freeze-once once the second is
# (harness.sh truncates the console log when it starts a VM).
(
	ups() { local n; n=$(grep -c 'harness: up at' "$results/console.log" 2>/dev/null) ; echo "${n:-0}"; }
	until [ "$(ups)" -ge 1 ]; do sleep 0.3; done
	rm -f "$t/reset-once"
	until [ "$(ups)" = 0 ]; do sleep 0.3; done
	until [ "$(ups)" -ge 1 ]; do sleep 0.3; done
	rm -f "$t/freeze-once"
) &
watcher=$!

st=0
MINIVMM_TEST_MODE=harness HARNESS_STALL=20 HARNESS_RETRIES=2 "$t/run.sh" --minivmm "$minivmm" --kit "$kit" \
	--results "$results" || st=$?
fail() { echo "selftest_recovery: FAIL: $*"; cat "$results/run.out" 2>/dev/null; exit 1; }
[ "$st" = 0 ] || fail "run.sh exited with $st"
for n in a b c d; do
	grep -q '^PASS' "$results/$n.result" 2>/dev/null || fail "no PASS for $n"
done
grep -q 'run again' "$results/b.result" || fail "b not marked as rerun"
grep -q 'run again' "$results/c.result" || fail "c not marked as rerun"
grep -q 'run again' "$results/a.result" "$results/d.result" && fail "a or d marked as rerun"
grep -q 'failed (status 98) while b ran' "$results/run.out" || fail "the reset was not named"
grep -q 'failed (status 99) while c ran' "$results/run.out" || fail "the freeze was not named"
echo "selftest_recovery: PASS: a reset and a frozen harness VM each cost one rerun; all 4 verdicts PASS"
