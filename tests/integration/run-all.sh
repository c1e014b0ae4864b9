#!/bin/sh
# Runs integration tests one after another: run-all.sh [t_NAME.sh ...] (default: all).
# Needs MINIVMM, KIT and WORK in the environment. Prints "PASS NAME (Ns)" or
# "FAIL NAME (Ns)" per test, a failed test's output as "@@LOG NAME| ...", then
# "N passed, N failed". POSIX sh: it runs under busybox in the harness VM too.
cd "$(dirname "$0")" || exit 1
per_test_timeout=${TEST_TIMEOUT:-360}
: "${MINIVMM:?}" "${KIT:?}" "${WORK:?}"
pass=0
failed=0

# run_one SCRIPT LOG: runs the test in its own session so that a test overrunning
# its time is stopped together with every minivmm it started.
run_one() {
	setsid sh "./$1" >"$2" 2>&1 </dev/null &
	pid=$!
	(
		sleep "$per_test_timeout"
		echo "run-all: timed out after $per_test_timeout s" >>"$2"
		kill -TERM -"$pid" 2>/dev/null
		sleep 3
		kill -KILL -"$pid" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	# (Its sleep outlives a kill of the subshell; with no inherited stdout it
	# cannot hold a pipe such as run.sh's tee open.)
	watchdog=$!
	wait "$pid"
	st=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	# Whatever the test left behind goes too.
	kill -KILL -"$pid" 2>/dev/null
	return $st
}

[ $# -gt 0 ] || set -- t_*.sh
for t in "$@"; do
	t=$(basename "$t")
	name=${t%.sh}
	name=${name#t_}
	log=$WORK/log.$name
	start=$(date +%s)
	if run_one "$t" "$log"; then
		res=PASS
		pass=$((pass + 1))
	else
		res=FAIL
		failed=$((failed + 1))
	fi
	echo "$res $name ($(($(date +%s) - start))s)"
	# Figures a test measured ("report: ..." lines) are shown whatever the verdict.
	sed -n "s/^report: /@@REPORT $name| /p" "$log"
	if [ $res = FAIL ]; then
		sed "s/^/@@LOG $name| /" "$log"
	fi
done
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
