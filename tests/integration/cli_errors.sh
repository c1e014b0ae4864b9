#!/usr/bin/env bash
# Every bad input gets one line naming the cause and a non-zero status, before
# any guest runs. Runs on the host directly (no KVM boot needed).
set -u
MINIVMM=${1:?usage: cli_errors.sh MINIVMM KIT}
KIT=${2:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0

# check NAME EXPECTED_STATUS PATTERN -- ARGS...
check() {
	local name=$1 want=$2 pattern=$3
	shift 4
	local out st lines
	out=$(timeout 20 "$MINIVMM" "$@" 2>&1 </dev/null)
	st=$?
	lines=$(printf '%s\n' "$out" | grep -c 'minivmm: error')
	if [ "$st" = "$want" ] && grep -q -- "$pattern" <<<"$out" && [ "$lines" = 1 ]; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: status $st (want $want), output: $out"
	fi
}

printf 'not a kernel' >"$tmp/tiny"
seq 1 2000 >"$tmp/text"
head -c 1024 "$KIT/vmlinuz" >"$tmp/truncated"
mkdir "$tmp/dir"
mkfifo "$tmp/fifo"
head -c 600M /dev/zero >"$tmp/big-initrd" 2>/dev/null || truncate -s 600M "$tmp/big-initrd"
truncate -s 1000 "$tmp/odd.img"
truncate -s 1M "$tmp/ro.img"
chmod 444 "$tmp/ro.img"
k=(--kernel "$KIT/vmlinuz")

check missing-kernel 1 "cannot open kernel" -- --kernel "$tmp/nope"
check no-kernel 1 "no kernel given" --
check text-kernel 1 "not a Linux bzImage" -- --kernel "$tmp/text"
check tiny-kernel 1 "too small" -- --kernel "$tmp/tiny"
check truncated-kernel 1 "kernel" -- --kernel "$tmp/truncated"
check dir-kernel 1 "not a regular file" -- --kernel "$tmp/dir"
check missing-initrd 1 "cannot open initrd" -- "${k[@]}" --initrd "$tmp/nope"
check dir-initrd 1 "initrd" -- "${k[@]}" --initrd "$tmp/dir"
check big-initrd 1 "does not fit" -- "${k[@]}" --initrd "$tmp/big-initrd" --memory 256M
check cpus-zero 1 "--cpus" -- "${k[@]}" --cpus 0
check cpus-many 1 "--cpus" -- "${k[@]}" --cpus 1000
check cpus-neg 1 "--cpus" -- "${k[@]}" --cpus -2
check mem-small 1 "too small" -- "${k[@]}" --memory 1K
check mem-large 1 "too large" -- "${k[@]}" --memory 100T
check mem-junk 1 "not a size" -- "${k[@]}" --memory lots
check mem-empty 1 "--memory" -- "${k[@]}" --memory ""
check unknown-opt 1 "unknown option" -- "${k[@]}" --frobnicate
check stray-arg 1 "unexpected argument" -- "${k[@]}" extra
check timeout-junk 1 "--timeout" -- "${k[@]}" --timeout soon
check disk-missing 1 "$tmp/nope" -- "${k[@]}" --disk "$tmp/nope"
check disk-dir 1 "not a regular file" -- "${k[@]}" --disk "$tmp/dir"
check disk-fifo 1 "not a regular file" -- "${k[@]}" --disk "$tmp/fifo"
check disk-odd 1 "multiple of 512" -- "${k[@]}" --disk "$tmp/odd.img"
check disk-badkey 1 "bogus" -- "${k[@]}" --disk "path=$tmp/odd.img,bogus=1"
check disk-queues-0 1 "queues '0': give a number from 1 to 16" -- "${k[@]}" --disk "path=$tmp/ro.img,ro,queues=0"
check disk-queues-17 1 "queues '17'" -- "${k[@]}" --disk "path=$tmp/ro.img,ro,queues=17"
check disk-aio-bad 1 "aio=posix" -- "${k[@]}" --disk "path=$tmp/ro.img,ro,aio=posix"
check disk-twice 1 "twice" -- "${k[@]}" --disk "$tmp/ro.img,ro" --disk "$tmp/ro.img,ro"
check trace-junk 1 "--trace" -- "${k[@]}" --trace=everything
if [ "$(id -u)" != 0 ]; then
	check disk-readonly 1 "add ,ro" -- "${k[@]}" --disk "$tmp/ro.img"
fi
# /dev/kvm missing: point minivmm at a mount namespace without it when we can.
if command -v unshare >/dev/null && [ "$(id -u)" = 0 ]; then
	out=$(unshare -m sh -c "mount -t tmpfs none /dev && '$MINIVMM' --kernel '$KIT/vmlinuz'" 2>&1 </dev/null)
	st=$?
	if [ $st = 1 ] && grep -q "cannot open /dev/kvm" <<<"$out"; then pass=$((pass + 1)); else
		failed=$((failed + 1)); echo "FAIL no-dev-kvm: status $st, output: $out"; fi
fi
# On a kvm_pvm host, minivmm says in one line, before booting, that a stock
# kernel cannot boot there (the guest then spins until --timeout).
if [ -e /sys/module/kvm_pvm ]; then
	out=$(timeout 30 "$MINIVMM" "${k[@]}" --timeout 2 2>&1 </dev/null)
	st=$?
	if [ "$(grep -c 'kvm_pvm' <<<"$out")" = 1 ]; then pass=$((pass + 1)); else
		failed=$((failed + 1)); echo "FAIL pvm-note: status $st, no one-line kvm_pvm note: $out"; fi
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
