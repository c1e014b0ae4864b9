#!/usr/bin/env bash
# Runs one tiny guest directly on this host's /dev/kvm and checks what it did:
#   run.sh MINIVMM GUEST_DIR NAME
# Each check_NAME below runs minivmm --kernel GUEST_DIR/NAME.bzimage with
# --stats and compares the exit status, the guest's console lines and the
# exit counts with what the guest's comments promise. Prints PASS or FAIL
# lines; exits 0 only if every check held.
set -uo pipefail

minivmm=$1 dir=$2 name=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
status=

say() { printf '%s: %s\n' "guest.$name" "$*"; }
bad() { say "FAIL: $*"; fails=$((fails + 1)); }

# run ARGS...: the guest's console in $tmp/out, minivmm's stderr in $tmp/err, status in $status.
run() {
	say "minivmm --kernel $name.bzimage $*"
	"$minivmm" --kernel "$dir/$name.bzimage" --stats --timeout 60 "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	sed 's/^/  | /' "$tmp/out"
	grep -v 'kvm_pvm' "$tmp/err" | sed 's/^/  ! /'
}

expect_status() { [ "$status" = "$1" ] || bad "exit status $status, expected $1"; }
expect_line() { grep -qF -- "$1" "$tmp/out" || bad "no console line with '$1'"; }
# stat NAME: the count after "NAME=" in minivmm's --stats lines.
stat() { grep -o " $1=[0-9]*" "$tmp/err" | head -1 | cut -d= -f2; }
expect_stat() {
	local v
	v=$(stat "$1")
	[ "$v" = "$2" ] || bad "--stats $1=${v:-missing}, expected $2"
}

# The virtio guests need minivmm's virtio-blk (--disk); without it they fail, loudly.
need_disk() {
	"$minivmm" --help 2>&1 | grep -q -- '--disk' && return 0
	bad "this minivmm has no --disk (virtio-blk): the guest cannot run"
	return 1
}

# A disk whose sector 0 starts with a line the guest must print back.
SECTOR0='minivmm tiny guest: sector 0 of the host file'
make_disk() {
	{ printf '%s' "$SECTOR0"; head -c $((8192 - ${#SECTOR0})) /dev/zero; } >"$tmp/disk.img"
}

check_hello() {
	run
	expect_status 42
	expect_line 'hello from a tiny guest: port I/O exits'
	# 40 bytes: an IN of the LSR and an OUT per byte, and the exit device's OUT.
	expect_stat io 81
	expect_stat mmio 0
}

check_mmio() {
	run
	expect_status 10
	expect_line 'mmio: ECAM  0xe0000000       -> id 0x00081b36'
	expect_line 'mmio: ports 0xcf8/0xcfc      -> id 0x00081b36'
	# The ECAM read of 00:00.0 and slots 1-31: the ports path is io exits.
	expect_stat mmio 32
}

check_virtio_blk_poll() {
	need_disk || return
	make_disk
	run --disk "$tmp/disk.img"
	expect_status 20
	expect_line "virtio_blk_poll: sector 0: \"$SECTOR0\""
	expect_stat requests 1
	# The doorbell was caught by the ioeventfd, never seen by minivmm's MMIO handler.
	expect_stat notify_exits 0
	# Offered four queues, the guest's driver enables only queue 0: the device serves
	# that one, leaves the others alone, and the read goes through io_uring (under the
	# sandbox) when this minivmm has it.
	run --disk "path=$tmp/disk.img,queues=4,aio=io_uring"
	if grep -q 'built without liburing' "$tmp/err"; then
		say "no io_uring in this build: queues=4 on libaio"
		run --disk "path=$tmp/disk.img,queues=4"
	else
		grep -q 'aio=io_uring' "$tmp/err" || bad "--stats does not name the io_uring backend"
	fi
	expect_status 20
	expect_line "virtio_blk_poll: sector 0: \"$SECTOR0\""
	expect_stat queues 4
	grep -q 'queue 0: doorbells=[1-9][0-9]* .*requests=1 ' "$tmp/err" || bad "queue 0 did not serve the request"
	[ "$(grep -c 'queue [123]: doorbells=0 interrupts=0 requests=0 ' "$tmp/err")" = 3 ] ||
		bad "queues the driver never enabled saw traffic"
}

case $name in
hello | mmio | virtio_blk_poll) "check_$name" ;;
*) bad "no checks for guest '$name'" ;;
esac
[ "$fails" = 0 ] && say PASS || say "FAIL ($fails check(s))"
[ "$fails" = 0 ]
