#!/usr/bin/env sh
# One CTest test per integration test: passes only if the batch run recorded PASS.
results=$1 name=$2
if [ ! -f "$results/$name.result" ]; then
	echo "no result for $name: the batch run did not reach it (see $results/run.out)"
	exit 1
fi
cat "$results/$name.result"
if ! grep -q '^PASS' "$results/$name.result"; then
	[ -f "$results/$name.log" ] && cat "$results/$name.log"
	exit 1
fi
