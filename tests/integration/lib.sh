# Shared helpers for integration tests (POSIX sh: they also run under busybox
# inside the harness VM). Environment: MINIVMM, KIT, WORK, TOOLS (optional);
# KERNEL (default $KIT/vmlinuz) is the kernel vm, vm_stdin and vm_bg boot.
# A test sources this file, boots guests with vm/vm_stdin and checks with expect_*.

OUT=${WORK:?WORK not set}/out.$$
ST=

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$OUT" ]; then
		echo "---- last 40 lines of the guest console ($OUT) ----" >&2
		tail -n 40 "$OUT" >&2
	fi
	exit 1
}

# Every boot gets minivmm's own --timeout unless the test sets one, so a hung
# guest ends as status 124 with its console kept, not as a killed test.
_vm_run() {
	input=$1
	shift
	case " $* " in
	*" --timeout "*) ;;
	*) set -- --timeout "${VM_TIMEOUT:-120}" "$@" ;;
	esac
	set +e
	"$MINIVMM" --kernel "${KERNEL:-$KIT/vmlinuz}" --initrd "$KIT/initrd.img" "$@" >"$OUT" 2>&1 <"$input"
	ST=$?
	set -e
	echo "minivmm $* -> status $ST" >&2
	return 0
}

# vm [minivmm options...]: boots the kit; sets ST to the exit status, output in $OUT.
# Guest commands go in run="..." inside --cmdline.
vm() {
	_vm_run /dev/null "$@"
}

# vm_stdin FILE [options...]: like vm, with FILE as the console input.
vm_stdin() {
	_vm_run "$@"
}

expect_status() {
	[ "$ST" = "$1" ] && return 0
	[ "$ST" = 124 ] && fail "the guest did not finish in time (status 124), expected $1"
	fail "minivmm exited with $ST, expected $1"
}

expect_output() {
	grep -q -- "$1" "$OUT" || fail "the console never showed '$1' (status $ST)"
}

expect_no_output() {
	if grep -q -- "$1" "$OUT"; then fail "the console showed '$1'"; fi
}

# The quiet flag keeps each test's console short: every byte is a VM exit.
BASE_CMDLINE="quiet"

# vm_script SCRIPT [minivmm options...]: boots the kit and runs the sh text
# SCRIPT in the guest, carried base64-encoded in run= so no quoting can break it.
vm_script() {
	script=$1
	shift
	b64=$(printf '%s\n' "$script" | base64 | tr -d '\n')
	vm "$@" --cmdline "$BASE_CMDLINE run=\"echo $b64|base64 -d|sh\""
}

# tool NAME: the real program (not a busybox applet) from TOOLS or the usual places.
tool() {
	for d in ${TOOLS:-} /usr/sbin /sbin /usr/bin /bin; do
		if [ -x "$d/$1" ] && [ ! -L "$d/$1" -o "$(readlink "$d/$1")" != busybox ]; then
			echo "$d/$1"
			return 0
		fi
	done
	fail "tool $1 not found"
}

# mkdisk FILE MIB: a zero-filled raw disk image.
mkdisk() {
	dd if=/dev/zero of="$1" bs=1M count="$2" 2>/dev/null || fail "cannot create $1"
}

# fio_tools_disk IMG: a read-only ext4 image with fio and the libraries it links,
# for the guest to mount (the dynamic loader lists them: busybox has no ldd).
fio_tools_disk() {
	_ftd=$1.d
	mkdir -p "$_ftd/lib"
	cp "$(tool fio)" "$_ftd/fio"
	LD_TRACE_LOADED_OBJECTS=1 /lib64/ld-linux-x86-64.so.2 "$(tool fio)" | grep -o '/[^ ]*' |
		while read -r lib; do cp -L "$lib" "$_ftd/lib/"; done
	cp -L /lib64/ld-linux-x86-64.so.2 "$_ftd/lib/"
	mkdisk "$1" 160
	"$(tool mke2fs)" -q -t ext4 -d "$_ftd" -F "$1" || fail "cannot build the tools disk"
	rm -rf "$_ftd"
}

# host_read FILE OFFSET LEN: bytes of a disk image, read on this side.
host_read() {
	dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null
}

# stat_value NAME: a number from minivmm's --stats lines (e.g. notify_exits).
stat_value() {
	sed -n "s/.*stats:.* $1=\([0-9]*\).*/\1/p" "$OUT" | head -1
}

# The O_DIRECT pattern check of t_disk_io.sh and t_disk_uring.sh (one per
# backend). pattern_disk IMG: a 64 MiB image starting with "host-sector-0".
# PATTERN_SCRIPT (guest side, on vda): prints size, serial and the first 13
# bytes, writes "pattern-N" into 4 KiB block N+1 for N = 0, 100, 4095 with
# O_DIRECT, reads block 101 back. expect_patterns IMG SERIAL: the guest saw
# what the host wrote, and the host file has each pattern at its offset.
pattern_disk() {
	mkdisk "$1" 64
	printf 'host-sector-0' | dd of="$1" conv=notrunc 2>/dev/null
}
PATTERN_SCRIPT='
cat /sys/block/vda/size /sys/block/vda/serial; echo
head -c 13 /dev/vda; echo
for o in 0 100 4095; do
	printf "pattern-$o" | dd of=/dev/vda bs=4096 seek=$((o + 1)) conv=sync oflag=direct 2>/dev/null
done
echo "readback $(dd if=/dev/vda bs=4096 skip=101 count=1 iflag=direct 2>/dev/null | head -c 11)"
'
expect_patterns() {
	expect_output "^131072"
	expect_output "$2"
	expect_output "host-sector-0"
	expect_output "readback pattern-100"
	for o in 0 100 4095; do
		got=$(host_read "$1" $(((o + 1) * 4096)) 12 | tr -d '\0')
		[ "$got" = "pattern-$o" ] || fail "host file at block $((o + 1)): '$got', want 'pattern-$o'"
	done
}

# expect_kernel_paths: --stats counted doorbells and interrupts, and no
# doorbell exited to user space (ioeventfd and irqfd did the work in KVM).
expect_kernel_paths() {
	[ "$(stat_value doorbells)" -gt 0 ] || fail "no doorbells counted"
	[ "$(stat_value notify_exits)" = 0 ] || fail "$(stat_value notify_exits) doorbells exited to user space"
	[ "$(stat_value interrupts)" -gt 0 ] || fail "no interrupts counted"
}

# vm_bg SCRIPT [options...]: like vm_script, in the background; VM_PID is minivmm's pid.
vm_bg() {
	script=$1
	shift
	b64=$(printf '%s\n' "$script" | base64 | tr -d '\n')
	"$MINIVMM" --kernel "${KERNEL:-$KIT/vmlinuz}" --initrd "$KIT/initrd.img" --timeout 120 "$@" \
		--cmdline "$BASE_CMDLINE run=\"echo $b64|base64 -d|sh\"" >"$OUT" 2>&1 </dev/null &
	VM_PID=$!
}

# wait_output TEXT [SECONDS]: waits until the console shows TEXT.
wait_output() {
	i=0
	while ! grep -q -- "$1" "$OUT" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $((${2:-60} * 5)) ] || fail "the console never showed '$1'"
		kill -0 "$VM_PID" 2>/dev/null || fail "minivmm ended before the console showed '$1'"
		sleep 0.2
	done
}
