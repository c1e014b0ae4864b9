#!/usr/bin/env bash
# Runs a command inside a throwaway QEMU VM whose KVM can boot Linux: for hosts
# whose own KVM cannot (kvm_pvm, no VMX/SVM). QEMU's TCG emulates AMD SVM with
# nested paging; inside, Debian's kernel loads kvm_amd and /dev/kvm is real KVM.
#
#   harness.sh --minivmm BIN --kit DIR --tests DIR [--console FILE] [--interactive]
#              [--with-qemu] -- CMD...
#
# Inside: minivmm at /bin/minivmm, the kit at /kit (vmlinuz, initrd.img and
# vmlinux if the kit has one), the tests at /tests, an ext4 scratch file system
# on a brd RAM disk at /work (tmpfs there refuses O_DIRECT), dm-mod and loop
# loaded (when the kit has them) and dmsetup/losetup in TOOLS.
# --with-qemu adds this host's qemu-system-x86_64 (with its libraries and its
# firmware from /usr/share/qemu and /usr/share/seabios) at /usr/bin inside, for
# benchmarks that compare minivmm with QEMU on the same nested KVM (bench/).
# CMD runs with MINIVMM, KIT, WORK and TOOLS (real e2fsprogs, fio) set; the
# harness prints its exit status as "harness: status N" and exits with it.
# QEMU is a test tool, never a dependency of minivmm.
#
# Exit statuses of the script itself: CMD's status, or 1 for missing tools or
# input, 97 when kvm_amd did not load inside, 96 without a scratch disk, 95 when kvm-hold could not
# hold a VM (kvm_hold.c: it keeps the kernel from live-patching itself at every nested guest), 98 when the VM never reached its
# init or stopped without a status (it reset or powered off early), 99 when it stopped responding
# (no heartbeat for HARNESS_STALL s, default 150), 124 when HARNESS_TIMEOUT (default 1500 s) expired.
# Why 99 exists: a nested guest under TCG's SVM emulation can, rarely, freeze the harness VM's
# own kernel (seen: 1200 s of silence, the in-VM per-test watchdog stopped too). Its init writes
# a heartbeat to a second serial port every 10 s; when that stops, the VM is stopped at once,
# and callers (tests/integration/run.sh) may rerun what got no verdict in a fresh VM. The two
# freezes looked at closely had CPU 0 stuck on the NOP in __schedule that KVM's first VM
# flips (preempt_notifier_key), so init now keeps one VM alive throughout (kvm-hold).
# HARNESS_MEMORY (default 4G) sizes the VM; HARNESS_CPU (default max,-erms,-fsrm)
# is its -cpu (e.g. add ,-svm to see the no-nested-KVM failure).
set -euo pipefail

minivmm= kit= tests= console= interactive=0 with_qemu=0
while [ $# -gt 0 ]; do
	case $1 in
	--minivmm) minivmm=$2; shift 2 ;;
	--kit) kit=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--console) console=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--with-qemu) with_qemu=1; shift ;;
	--) shift; break ;;
	*) echo "harness: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$minivmm" ] && [ -n "$kit" ] && [ -n "$tests" ] || { echo "harness: usage: see header" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "harness: qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2; exit 1; }

say() { printf 'harness: %s\n' "$*" >&2; }
for f in "$minivmm" "$kit/vmlinuz" "$kit/initrd.img"; do
	[ -f "$f" ] || { say "missing $f"; exit 1; }
done
[ -d "$kit/modules" ] || { say "the kit has no modules/ (rebuild it with images/build-kit.sh)"; exit 1; }
work=$(mktemp -d)
qpid=
tpid=
# Never leave a QEMU behind, whatever way we leave (CTest timeouts send SIGTERM).
cleanup() {
	# Under set -e a failed command here would replace the exit status.
	if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; fi
	if [ -n "$tpid" ]; then kill "$tpid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,work,kit,tests,lib/modules,etc}

# Programs the tests use on the "host" side, with their libraries.
copy_prog() {
	local src=$1 dst=$root$2
	mkdir -p "$(dirname "$dst")"
	cp -L "$src" "$dst"
	ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -Ln "$lib" "$root$lib" 2>/dev/null || true
	done
}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
copy_prog "$minivmm" /bin/minivmm
# kvm-hold (kvm_hold.c says why): static, so it needs nothing else in the VM.
${CC:-cc} -static -O2 -Wall -Werror -o "$root/bin/kvm-hold" "$(dirname "$0")/kvm_hold.c" ||
	{ say "cannot build kvm-hold (a C compiler and static libc are needed)"; exit 1; }
# Busybox sh runs its own applets before $PATH, so real tools live under /opt
# and tests call them by full path ($TOOLS/mke2fs).
for p in mke2fs e2fsck debugfs fio dmsetup losetup; do
	path=$(command -v $p || PATH=$PATH:/usr/sbin:/sbin command -v $p || true)
	[ -n "$path" ] && copy_prog "$path" "/opt/tools/$p"
done
if [ "$with_qemu" = 1 ]; then
	copy_prog "$(command -v qemu-system-x86_64)" /usr/bin/qemu-system-x86_64
	# Firmware and option ROMs (SeaBIOS, qboot, linuxboot_dma); dangling
	# links to firmware packages that are not installed are left out.
	for d in /usr/share/qemu /usr/share/seabios; do
		[ -d "$d" ] || continue
		mkdir -p "$root$d"
		cp -rL "$d/." "$root$d/" 2>/dev/null || true
	done
fi
cp "$kit/vmlinuz" "$kit/initrd.img" "$root/kit/"
[ -d "$kit/extra" ] && cp -a "$kit/extra" "$root/kit/"
cp -a "$tests/." "$root/tests/"
for m in irqbypass kvm kvm-amd brd; do
	f=$(find "$kit/modules" -name "$m.ko" | head -1)
	[ -n "$f" ] && cp "$f" "$root/lib/modules/" || { say "no $m.ko in the kit's modules"; exit 1; }
done
# Optional: device mapper and loop devices for fault injection (t_fault_readerr.sh
# says so itself when they are missing).
for m in dm-mod loop; do
	f=$(find "$kit/modules" -name "$m.ko" | head -1)
	[ -n "$f" ] && cp "$f" "$root/lib/modules/"
done
printf '%q ' "$@" >"$root/harness-cmd"
cat >"$root/init" <<'EOI'
#!/bin/busybox sh
# The harness VM's init: nested KVM, a scratch disk, then the command. Ends in
# exactly one "harness: status N" line and one power-off (nothing after it, so
# even a returning poweroff ends the VM: init exits, panic=-1, -no-reboot).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
# If the host finds this VM frozen it injects an NMI: panic then, which prints
# the kernel's backtrace whatever the console log level.
echo 1 >/proc/sys/kernel/unknown_nmi_panic
echo "harness: init reached at $(cut -d' ' -f1 /proc/uptime) s uptime"
for m in irqbypass kvm kvm-amd; do insmod /lib/modules/$m.ko || echo "harness: insmod $m failed"; done
insmod /lib/modules/brd.ko rd_nr=1 rd_size=2097152
for m in dm-mod loop; do [ -f /lib/modules/$m.ko ] && { insmod /lib/modules/$m.ko || echo "harness: insmod $m failed"; }; done
if [ ! -c /dev/kvm ] || ! grep -q '^kvm_amd ' /proc/modules; then
	echo "harness: kvm_amd did not load: no /dev/kvm inside the harness VM"
	dmesg | grep -i -E 'kvm|svm' | tail -5
	st=97
elif ! /opt/tools/mke2fs -q -t ext4 -O ^has_journal /dev/ram0 || ! mount /dev/ram0 /work; then
	echo "harness: no ext4 scratch disk on /dev/ram0"
	st=96
elif ! kvm-hold; then
	st=95
else
	echo "harness: up at $(cut -d' ' -f1 /proc/uptime) s, $(grep -c ^processor /proc/cpuinfo) CPUs, KVM ready (kvm_amd)"
	export MINIVMM=/bin/minivmm KIT=/kit WORK=/work TOOLS=/opt/tools
	# The heartbeat the host watches (HARNESS_STALL).
	(while echo alive >/dev/ttyS1; do sleep 10; done) </dev/null >/dev/null 2>&1 &
	echo $! >/tmp/heartbeat.pid
	cd /tests
	if [ -f /interactive ]; then
		setsid cttyhack sh -c "$(cat /harness-cmd)"; st=$?
	else
		sh -c "$(cat /harness-cmd)" </dev/null; st=$?
	fi
fi
echo "harness: status $st"
sync
poweroff -f
EOI
chmod 755 "$root/init"
[ "$interactive" = 1 ] && touch "$root/interactive"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/harness.img"
# The kit's vmlinux (PVH boots) follows as a second, uncompressed archive: Linux
# unpacks concatenated archives, and 50 MB are faster copied than gunzipped by TCG.
if [ -f "$kit/vmlinux" ]; then
	mkdir -p "$work/extra/kit"
	ln "$kit/vmlinux" "$work/extra/kit/vmlinux" 2>/dev/null || cp "$kit/vmlinux" "$work/extra/kit/"
	# Linux looks for an uncompressed archive only at a 4-byte aligned offset; it skips zeros.
	pad=$(( (4 - $(stat -c %s "$work/harness.img") % 4) % 4 ))
	head -c "$pad" /dev/zero >>"$work/harness.img"
	(cd "$work/extra" && find kit/vmlinux | cpio -o -H newc --quiet) >>"$work/harness.img"
fi

# 2 vCPUs (one per host core); multi-threaded TCG, since nested boots hang
# with thread=single; no ERMS/FSRM makes TCG's memcpy about 4x faster. No NIC:
# nothing needs one, and it spares the option ROM.
mkfifo "$work/hmp.in" "$work/hmp.out"
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu "${HARNESS_CPU:-max,-erms,-fsrm}" -smp 2 -m "${HARNESS_MEMORY:-4G}"
	-nographic -serial mon:stdio -serial "file:$work/heartbeat" -monitor "pipe:$work/hmp" -no-reboot -nic none -kernel "$kit/vmlinuz" -initrd "$work/harness.img"
	-append "console=ttyS0 quiet loglevel=3 panic=-1")
say "booting the harness VM (QEMU TCG with nested SVM)"
if [ "$interactive" = 1 ]; then
	exec "${qemu[@]}"
fi
log=${console:-$work/console}
start=$SECONDS
timeout "${HARNESS_TIMEOUT:-1500}" "${qemu[@]}" </dev/null >"$log" 2>&1 &
qpid=$!
# Stream the console so a long run shows progress.
tail -n +1 -f "$log" --pid=$qpid 2>/dev/null | sed -u 's/\r$//' &
tpid=$!
# Where a frozen VM's CPUs are (QEMU's monitor), then an NMI, which init made
# fatal: the panic prints the kernel's backtrace to the console.
post_mortem() {
	say "no heartbeat for $stall s: asking QEMU where the vCPUs are, then injecting an NMI"
	exec 7<>"$work/hmp.out"
	printf 'info cpus\ninfo registers -a\nnmi\n' >"$work/hmp.in"
	sleep 10
	timeout 2 cat <&7 | tr -d '\r' | grep -E '^\*? *CPU #|^RIP|^CS ' | sed 's/^/harness: qemu: /' >&2 || true
	exec 7<&-
}

# Watch the heartbeat (ttyS1): a VM whose init never starts it, or whose beats
# stop, is stopped rather than waited for until HARNESS_TIMEOUT.
stall=${HARNESS_STALL:-150}
beat_size=0 beat_at=$SECONDS stalled=0
while kill -0 $qpid 2>/dev/null; do
	sleep 2
	size=$(stat -c %s "$work/heartbeat" 2>/dev/null || echo 0)
	if [ "$size" != "$beat_size" ]; then
		beat_size=$size beat_at=$SECONDS
	elif [ $((SECONDS - beat_at)) -ge "$stall" ]; then
		stalled=1
		post_mortem
		kill $qpid 2>/dev/null || true
		break
	fi
done
qst=0
wait $qpid || qst=$?
qpid=
sleep 0.2
kill $tpid 2>/dev/null || true
tpid=
say "the harness VM ran for $((SECONDS - start)) s"
clean=$(tr -d '\r' <"$log")
status=$(sed -n 's/^harness: status \([0-9]*\).*/\1/p' <<<"$clean" | head -1)
if [ "$stalled" = 1 ]; then
	say "FAIL: the harness VM stopped responding (no heartbeat for $stall s; $([ "$beat_size" = 0 ] && echo "none since it started" || echo "last at $((beat_at - start)) s")); it was stopped"
	exit 99
fi
if [ "$qst" = 124 ]; then
	say "FAIL: HARNESS_TIMEOUT (${HARNESS_TIMEOUT:-1500} s) expired; the VM was stopped"
	exit 124
fi
if ! grep -q 'harness: init reached' <<<"$clean"; then
	say "FAIL: the harness VM never reached its init (QEMU status $qst); console in ${console:-the log above}"
	exit 98
fi
if [ -z "$status" ]; then
	say "FAIL: the harness VM stopped without reporting a status (QEMU status $qst)"
	exit 98
fi
[ "$status" = 97 ] && say "FAIL: kvm_amd did not load inside the harness VM: no nested KVM"
exit "$status"
