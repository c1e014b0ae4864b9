#!/usr/bin/env bash
# Every bad input gets exactly one line on stderr ("minivmm: error: ..." naming
# the cause), nothing on stdout and status 1, before any guest runs; nothing
# hangs or crashes (this also runs against the ASan+UBSan build, where a leak or
# sanitizer report would be extra lines). Runs on the host directly: no guest
# boot. Needs /dev/kvm to be openable (disks are opened after it), as any run.
set -u
MINIVMM=${1:?usage: cli_errors.sh MINIVMM KIT}
KIT=${2:?}
tmp=$(mktemp -d)
bgpid=
holder=
trap '[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null; [ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 failed=0

# check NAME EXPECTED_STATUS TEXT -- ARGS...: TEXT must appear (fixed string) in the one stderr line.
check() {
	local name=$1 want=$2 text=$3
	shift 4
	local st lines
	timeout 20 "$MINIVMM" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
	st=$?
	lines=$(wc -l <"$tmp/stderr")
	if [ "$st" = "$want" ] && [ "$lines" = 1 ] && [ ! -s "$tmp/stdout" ] &&
		grep -q '^minivmm: error: ' "$tmp/stderr" && grep -qF -- "$text" "$tmp/stderr"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: status $st (want $want), $lines stderr lines (want 1 with '$text'):"
		head -c 2000 "$tmp/stderr"
		head -c 500 "$tmp/stdout"
	fi
}

# As root, file permissions are checked only without CAP_DAC_OVERRIDE: drop it.
noperm=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	noperm=(setpriv --bounding-set=-dac_override,-dac_read_search)
fi
check_noperm() {
	local name=$1 want=$2 text=$3
	shift 4
	if [ "$(id -u)" = 0 ] && [ ${#noperm[@]} = 0 ]; then
		failed=$((failed + 1))
		echo "FAIL $name: running as root without setpriv (util-linux): cannot drop CAP_DAC_OVERRIDE"
		return
	fi
	local real=$MINIVMM
	MINIVMM=$tmp/noperm-wrapper
	printf '#!/bin/sh\nexec %s %q "$@"\n' "${noperm[*]}" "$real" >"$MINIVMM"
	chmod 755 "$MINIVMM"
	check "$name" "$want" "$text" -- "$@"
	MINIVMM=$real
}

printf 'not a kernel' >"$tmp/tiny"
seq 1 2000 >"$tmp/text"
head -c 1024 "$KIT/vmlinuz" >"$tmp/truncated"
: >"$tmp/empty"
mkdir "$tmp/dir"
mkfifo "$tmp/fifo"
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$tmp/sock" 2>/dev/null ||
	{ failed=$((failed + 1)); echo "FAIL setup: cannot create a UNIX socket file (python3)"; }
head -c 600M /dev/zero >"$tmp/big-initrd" 2>/dev/null || truncate -s 600M "$tmp/big-initrd"
truncate -s 300M "$tmp/huge-kernel"
truncate -s 1000 "$tmp/odd.img"
truncate -s 1M "$tmp/ro.img" "$tmp/a.img" "$tmp/locked.img" "$tmp/two.img" "$tmp/noperm.img"
chmod 444 "$tmp/ro.img"
chmod 000 "$tmp/noperm.img"
cp "$KIT/vmlinuz" "$tmp/kernel-noperm" && chmod 000 "$tmp/kernel-noperm"
k=(--kernel "$KIT/vmlinuz")
long3000=$(head -c 3000 /dev/zero | tr '\0' a)
long5000=$(head -c 5000 /dev/zero | tr '\0' a)

# --kernel
check missing-kernel 1 "cannot open kernel" -- --kernel "$tmp/nope"
check no-kernel 1 "no kernel given" --
check empty-kernel-arg 1 "no kernel given" -- --kernel ""
check kernel-no-arg 1 "needs an argument" -- --kernel
check text-kernel 1 "not a Linux bzImage" -- --kernel "$tmp/text"
check tiny-kernel 1 "too small" -- --kernel "$tmp/tiny"
check empty-kernel 1 "kernel" -- --kernel "$tmp/empty"
check truncated-kernel 1 "kernel" -- --kernel "$tmp/truncated"
check huge-kernel 1 "too large" -- --kernel "$tmp/huge-kernel"
check dir-kernel 1 "not a regular file" -- --kernel "$tmp/dir"
check fifo-kernel 1 "not a regular file" -- --kernel "$tmp/fifo"
check socket-kernel 1 "not a regular file" -- --kernel "$tmp/sock"
check devnull-kernel 1 "not a regular file" -- --kernel /dev/null
check_noperm noperm-kernel 1 "Permission denied" -- --kernel "$tmp/kernel-noperm"
check kernel-twice 1 "'--kernel' given twice" -- "${k[@]}" "${k[@]}"
# --initrd
check missing-initrd 1 "cannot open initrd" -- "${k[@]}" --initrd "$tmp/nope"
check empty-initrd-arg 1 "--initrd: empty path" -- "${k[@]}" --initrd ""
check empty-initrd 1 "not a non-empty regular file" -- "${k[@]}" --initrd "$tmp/empty"
check dir-initrd 1 "initrd" -- "${k[@]}" --initrd "$tmp/dir"
check fifo-initrd 1 "not a non-empty regular file" -- "${k[@]}" --initrd "$tmp/fifo"
check socket-initrd 1 "not a non-empty regular file" -- "${k[@]}" --initrd "$tmp/sock"
check devnull-initrd 1 "not a non-empty regular file" -- "${k[@]}" --initrd /dev/null
check_noperm noperm-initrd 1 "Permission denied" -- "${k[@]}" --initrd "$tmp/noperm.img"
check big-initrd 1 "does not fit" -- "${k[@]}" --initrd "$tmp/big-initrd" --memory 256M
check initrd-twice 1 "'--initrd' given twice" -- "${k[@]}" --initrd "$tmp/a.img" --initrd "$tmp/a.img"
# --memory
check mem-zero 1 "too small" -- "${k[@]}" --memory 0
check mem-one 1 "too small" -- "${k[@]}" --memory 1
check mem-small 1 "too small" -- "${k[@]}" --memory 1K
check mem-neg 1 "not a size" -- "${k[@]}" --memory -1
check mem-large 1 "too large" -- "${k[@]}" --memory 100T
check mem-huge 1 "too large" -- "${k[@]}" --memory 99999999999999999999999
check mem-shift-overflow 1 "too large" -- "${k[@]}" --memory 16777216T
check mem-junk 1 "not a size" -- "${k[@]}" --memory lots
check mem-suffix 1 "not a size" -- "${k[@]}" --memory 512X
check mem-suffix-i 1 "not a size" -- "${k[@]}" --memory 33554432i
check mem-hex 1 "not a size" -- "${k[@]}" --memory 0x100M
check mem-exp 1 "not a size" -- "${k[@]}" --memory 1e9
check mem-space 1 "not a size" -- "${k[@]}" --memory " 512M"
check mem-trailing 1 "not a size" -- "${k[@]}" --memory "512M "
check mem-empty 1 "--memory" -- "${k[@]}" --memory ""
check mem-twice 1 "'--memory' given twice" -- "${k[@]}" --memory 512M -m 1G
# --cpus
check cpus-zero 1 "--cpus" -- "${k[@]}" --cpus 0
check cpus-many 1 "--cpus" -- "${k[@]}" --cpus 1000
check cpus-65 1 "--cpus" -- "${k[@]}" --cpus 65
check cpus-huge 1 "--cpus" -- "${k[@]}" --cpus 999999999999
check cpus-overflow 1 "--cpus" -- "${k[@]}" --cpus 99999999999999999999999
check cpus-neg 1 "--cpus" -- "${k[@]}" --cpus -2
check cpus-neg1 1 "--cpus" -- "${k[@]}" --cpus -1
check cpus-empty 1 "--cpus" -- "${k[@]}" --cpus ""
check cpus-junk 1 "--cpus" -- "${k[@]}" --cpus 2x
check cpus-plus 1 "--cpus" -- "${k[@]}" --cpus +2
check cpus-twice 1 "'--cpus' given twice" -- "${k[@]}" --cpus 1 -p 2
# --timeout
check timeout-junk 1 "--timeout" -- "${k[@]}" --timeout soon
check timeout-neg 1 "--timeout" -- "${k[@]}" --timeout -1
check timeout-zero 1 "--timeout" -- "${k[@]}" --timeout 0
check timeout-huge 1 "--timeout" -- "${k[@]}" --timeout 99999999999
check timeout-year 1 "--timeout" -- "${k[@]}" --timeout 31536001
check timeout-empty 1 "--timeout" -- "${k[@]}" --timeout ""
check timeout-unit 1 "--timeout" -- "${k[@]}" --timeout 5s
check timeout-twice 1 "'--timeout' given twice" -- "${k[@]}" --timeout 5 --timeout 6
# --cmdline: our buffer (4095 bytes) and the kernel's own cmdline_size (2047 for x86)
check cmdline-buffer 1 "longer than 4095" -- "${k[@]}" --cmdline "$long5000"
check cmdline-kernel 1 "this kernel takes at most" -- "${k[@]}" --cmdline "$long3000"
check cmdline-twice 1 "'--cmdline' given twice" -- "${k[@]}" --cmdline a --cmdline b
# --trace
check trace-junk 1 "--trace" -- "${k[@]}" --trace=everything
check trace-one-bad 1 "--trace" -- "${k[@]}" --trace=exit,bogus
check trace-empty-item 1 "--trace" -- "${k[@]}" --trace=exit,,
check trace-empty 1 "--trace" -- "${k[@]}" --trace=
check trace-case 1 "--trace" -- "${k[@]}" --trace=EXIT
check trace-twice 1 "'--trace' given twice" -- "${k[@]}" --trace --trace=exit
# flags and stray words
check stats-twice 1 "'--stats' given twice" -- "${k[@]}" --stats --stats
check unknown-opt 1 "unknown option" -- "${k[@]}" --frobnicate
check stray-arg 1 "unexpected argument" -- "${k[@]}" extra
check newline-path 1 'nope\x0aminivmm' -- --kernel "$tmp/nope
minivmm: error: forged"
# --disk: the spec
check disk-empty 1 "--disk: empty argument" -- "${k[@]}" --disk ""
check disk-comma 1 "no path given" -- "${k[@]}" --disk ","
check disk-path-empty 1 "path=" -- "${k[@]}" --disk "path="
check disk-badkey 1 "bogus" -- "${k[@]}" --disk "path=$tmp/a.img,bogus=1"
check disk-badcache 1 "cache=bogus" -- "${k[@]}" --disk "$tmp/a.img,cache=bogus"
check disk-serial-long 1 "longer than 20" -- "${k[@]}" --disk "$tmp/a.img,serial=123456789012345678901"
check disk-key-twice 1 "key 'ro' given twice" -- "${k[@]}" --disk "$tmp/a.img,ro,ro"
check disk-serial-twice 1 "key 'serial' given twice" -- "${k[@]}" --disk "$tmp/a.img,serial=a,serial=b"
check disk-path-twice 1 "key 'path' given twice" -- "${k[@]}" --disk "$tmp/a.img,path=$tmp/ro.img"
check disk-nine 1 "at most 8" -- "${k[@]}" $(for i in 1 2 3 4 5 6 7 8 9; do echo --disk "$tmp/d$i.img"; done)
# --disk: the file
check disk-missing 1 "$tmp/nope" -- "${k[@]}" --disk "$tmp/nope"
check disk-dir 1 "not a regular file" -- "${k[@]}" --disk "$tmp/dir"
check disk-fifo 1 "not a regular file" -- "${k[@]}" --disk "$tmp/fifo"
check disk-socket 1 "not a regular file" -- "${k[@]}" --disk "$tmp/sock"
check disk-devnull 1 "not a regular file" -- "${k[@]}" --disk /dev/null
check disk-odd 1 "multiple of 512" -- "${k[@]}" --disk "$tmp/odd.img"
check disk-zero-size 1 "multiple of 512" -- "${k[@]}" --disk "$tmp/empty"
check disk-queues-0 1 "queues '0': give a number from 1 to 16" -- "${k[@]}" --disk "path=$tmp/ro.img,ro,queues=0"
check disk-queues-17 1 "queues '17'" -- "${k[@]}" --disk "path=$tmp/ro.img,ro,queues=17"
check disk-aio-bad 1 "aio=posix" -- "${k[@]}" --disk "path=$tmp/ro.img,ro,aio=posix"
check disk-twice 1 "twice" -- "${k[@]}" --disk "$tmp/ro.img,ro" --disk "$tmp/ro.img,ro"
# ELF kernels: a PIE program is no vmlinux; a cut vmlinux; one without the PVH note
# (the kit's vmlinux with its Xen PHYS32_ENTRY note type changed, when there is one).
check elf-pie 1 "not a vmlinux" -- --kernel "$(readlink -f /bin/true)"
check hugepages-odd 1 "multiple of 2M" -- "${k[@]}" --hugepages --memory 63M
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)" -lt 256 ]; then
	check hugepages-pool 1 "nr_hugepages" -- "${k[@]}" --hugepages
fi
if [ -f "$KIT/vmlinux" ]; then
	head -c 1048576 "$KIT/vmlinux" >"$tmp/vmlinux-cut"
	check vmlinux-truncated 1 "truncated ELF" -- --kernel "$tmp/vmlinux-cut"
	check vmlinux-small-ram 1 "outside guest RAM" -- --kernel "$KIT/vmlinux" --memory 32M
	cp "$KIT/vmlinux" "$tmp/vmlinux-nonote"
	# "Xen\0" then type 18 sits 8 bytes into each note: find the entry note by its header.
	off=$(LC_ALL=C grep -obUaP '\x04\x00\x00\x00[\x04\x08]\x00\x00\x00\x12\x00\x00\x00Xen\x00' \
		"$tmp/vmlinux-nonote" | head -1 | cut -d: -f1)
	if [ -n "$off" ]; then
		printf '\x13' | dd of="$tmp/vmlinux-nonote" bs=1 seek=$((off + 8)) conv=notrunc 2>/dev/null
		check vmlinux-no-pvh-note 1 "no PVH entry note" -- --kernel "$tmp/vmlinux-nonote"
	else
		failed=$((failed + 1)); echo "FAIL vmlinux-no-pvh-note: no PVH note found in $KIT/vmlinux"
	fi
fi
check disk-same-file 1 "is the same file as" -- "${k[@]}" --disk "$tmp/a.img" --disk "$tmp/./a.img"
check disk-same-file-ro 1 "is the same file as" -- "${k[@]}" --disk "$tmp/a.img,ro" --disk "$tmp/dir/../a.img,ro"
check_noperm disk-readonly 1 "add ,ro" -- "${k[@]}" --disk "$tmp/ro.img"
check_noperm disk-noperm 1 "Permission denied" -- "${k[@]}" --disk "$tmp/noperm.img"
if grep -q "add ,ro" "$tmp/stderr"; then
	failed=$((failed + 1)); echo "FAIL disk-noperm: suggests ,ro for an unreadable file"
fi
# Another program holds the file: flock(1) as a stand-in, exclusive then shared.
if command -v flock >/dev/null; then
	# exec: the pid killed below is the process holding the lock (fd 9).
	(exec 9<"$tmp/locked.img" && flock -x 9 && exec sleep 60) &
	holder=$!
	sleep 0.3
	check disk-locked-rw 1 "in use by another program" -- "${k[@]}" --disk "$tmp/locked.img"
	check disk-locked-ro 1 "in use by another program" -- "${k[@]}" --disk "$tmp/locked.img,ro"
	kill "$holder"; wait "$holder" 2>/dev/null
	(exec 9<"$tmp/locked.img" && flock -s 9 && exec sleep 60) &
	holder=$!
	sleep 0.3
	check disk-shared-rw 1 "in use by another program" -- "${k[@]}" --disk "$tmp/locked.img"
	kill "$holder"; wait "$holder" 2>/dev/null
	holder=
else
	failed=$((failed + 1)); echo "FAIL disk-locked: flock (util-linux) not found"
fi
# Two minivmm instances on one writable disk: the second is refused while the first runs.
"$MINIVMM" "${k[@]}" --timeout 30 --disk "$tmp/two.img" >"$tmp/first.out" 2>&1 </dev/null &
bgpid=$!
for i in $(seq 100); do
	ls -l /proc/$bgpid/fd 2>/dev/null | grep -q two.img && break
	sleep 0.1
done
if ls -l /proc/$bgpid/fd 2>/dev/null | grep -q two.img; then
	check second-instance 1 "in use by another program" -- "${k[@]}" --disk "$tmp/two.img"
else
	failed=$((failed + 1)); echo "FAIL second-instance: the first minivmm never opened its disk:"
	cat "$tmp/first.out"
fi
kill "$bgpid" 2>/dev/null; wait "$bgpid" 2>/dev/null
bgpid=

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
