#!/usr/bin/env bash
# Runs the tiny guests a second time, inside the harness VM (tests/harness:
# QEMU TCG with nested SVM, so real KVM with hardware-style virtualization),
# all in one harness boot:
#   harness.sh MINIVMM KIT GUEST_DIR NAME...
# Stages run.sh and NAME.bzimage in a directory the harness copies to /tests,
# runs "sh ./run.sh /bin/minivmm /tests NAME..." inside, and passes only if
# the harness reported status 0 and every guest printed its PASS line.
# On a kvm_pvm host this is where run.sh's x86-only checks run (irqfd's ISR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 4 ] || { echo "usage: harness.sh MINIVMM KIT GUEST_DIR NAME..." >&2; exit 2; }
minivmm=$1 kit=$2 dir=$3
shift 3

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/tests"
cp "$here/run.sh" "$stage/tests/"
for name in "$@"; do
	cp "$dir/$name.bzimage" "$stage/tests/" ||
		{ echo "guests.harness: FAIL: no $dir/$name.bzimage (build first)" >&2; exit 1; }
done

st=0
"$here/../harness/harness.sh" --minivmm "$minivmm" --kit "$kit" --tests "$stage/tests" \
	--console "$stage/console" -- sh ./run.sh /bin/minivmm /tests "$@" || st=$?
out=$(tr -d '\r' <"$stage/console")
fails=0
for name in "$@"; do
	if ! grep -qx "guest.$name: PASS" <<<"$out"; then
		echo "guests.harness: FAIL: guest.$name did not pass in the harness VM"
		fails=$((fails + 1))
	fi
done
if [ "$st" != 0 ]; then
	echo "guests.harness: FAIL: the harness reported status $st"
	fails=$((fails + 1))
fi
[ "$fails" = 0 ] && echo "guests.harness: PASS: $# guests in the harness VM"
[ "$fails" = 0 ]
