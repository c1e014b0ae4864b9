#!/bin/sh
# The measurements of bench/run.sh, on a machine whose KVM boots Linux (the host
# itself or the harness VM). POSIX sh: it runs under busybox in the harness.
# Needs MINIVMM, KIT, WORK, TOOLS (fio, mke2fs) and, beside this script, the
# vmtime helper. Prints one line per figure:
#   @@B SECTION VMM REP METRIC VALUE
# and "@@I KEY VALUE" lines about the machine. Settings (environment):
#   BENCH_BOOT_REPS BENCH_MEM_REPS BENCH_FIO_REPS  repetitions (7 3 3)
#   BENCH_FIO_RUNTIME seconds per fio job (5), BENCH_FIO_SIZE MiB of the disk (256)
#   BENCH_MEM_MB guest RAM (512), BENCH_CPUS vCPUs (1), BENCH_ONLY "boot trace mem disk"
#   BENCH_JOBS fio jobs as NAME:RW:BS:IODEPTH words (4k jobs report IOPS, others MiB/s)
#   BENCH_MINIVMM_ARGS more minivmm options (e.g. --trace=blk), BENCH_SHOW_LOGS=1
#   copies the disk runs' consoles to ours as "@@D VMM REP LINE"
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${MINIVMM:?}" "${KIT:?}" "${WORK:?}"
VMTIME=${VMTIME:-$here/vmtime}
QEMU=${QEMU:-qemu-system-x86_64}
BOOT_REPS=${BENCH_BOOT_REPS:-7}
MEM_REPS=${BENCH_MEM_REPS:-3}
FIO_REPS=${BENCH_FIO_REPS:-3}
FIO_RT=${BENCH_FIO_RUNTIME:-5}
FIO_MB=${BENCH_FIO_SIZE:-256}
MEM_MB=${BENCH_MEM_MB:-512}
CPUS=${BENCH_CPUS:-1}
ONLY=${BENCH_ONLY:-boot trace mem disk}
VMMS="minivmm qemu-microvm qemu-q35"
# NAME:RW:BS:IODEPTH. 4k jobs report IOPS, the others MiB/s.
JOBS=${BENCH_JOBS:-"randread-4k-qd1:randread:4k:1 randread-4k-qd32:randread:4k:32
randwrite-4k-qd1:randwrite:4k:1 randwrite-4k-qd32:randwrite:4k:32
read-1M-qd8:read:1M:8 write-1M-qd8:write:1M:8"}
# Same command line for every VMM (minivmm adds nothing when console= and reboot= are set).
CMDLINE="console=ttyS0 reboot=acpi panic=-1 quiet"

say() { echo "bench: $*" >&2; }
out() { echo "@@B $*"; }

# run_vm VMM RUN DISKS LOG [vmtime options...]: boots the kit on VMM with the
# guest command RUN (base64-carried, as in tests/integration/lib.sh), the data
# and tools disks when DISKS=1, under vmtime; prints vmtime's line.
run_vm() {
	vmm=$1 run=$2 disks=$3 log=$4
	shift 4
	vt="$*"
	b64=$(printf '%s\n' "$run" | base64 | tr -d '\n')
	cmdline="$CMDLINE run=\"echo $b64|base64 -d|sh\""
	case $vmm in
	minivmm)
		set -- "$MINIVMM" --kernel "$KIT/vmlinuz" --initrd "$KIT/initrd.img" \
			--memory "${MEM_MB}M" --cpus "$CPUS" --timeout 600 ${BENCH_MINIVMM_ARGS:-} \
			--cmdline "$cmdline"
		# --stats: exits and per-disk counters at the end, kept with the figures.
		[ "$disks" = 1 ] && set -- "$@" --stats --disk "path=$DATA,serial=data" \
			--disk "path=$TOOLSIMG,ro,serial=tools"
		;;
	qemu-microvm | qemu-q35)
		if [ "$vmm" = qemu-microvm ]; then
			machine=microvm,isa-serial=on
		else
			machine=q35
		fi
		set -- "$QEMU" -M "$machine" -accel kvm -cpu host -m "${MEM_MB}M" -smp "$CPUS" \
			-nodefaults -no-user-config -display none -serial stdio -no-reboot \
			-kernel "$KIT/vmlinuz" -initrd "$KIT/initrd.img" -append "$cmdline"
		[ "$disks" = 1 ] && set -- "$@" -object iothread,id=io0 \
			-drive "file=$DATA,if=none,id=d0,format=raw,aio=native,cache.direct=on" \
			-device virtio-blk-pci,drive=d0,iothread=io0,serial=data \
			-drive "file=$TOOLSIMG,if=none,id=d1,format=raw,readonly=on" \
			-device virtio-blk-pci,drive=d1,serial=tools
		;;
	esac
	# shellcheck disable=SC2086 # vt holds vmtime's options, words without blanks
	"$VMTIME" -o "$log" $vt -- "$@"
}

# field NAME LINE: the value of NAME=... in a vmtime line.
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# check VMM LOG LINE: complains (once per run) when a boot did not end well.
check() {
	st=$(field status "$3")
	rd=$(field ready_ms "$3")
	if [ "$st" != 0 ] || [ "$rd" = -1.0 ]; then
		say "$1: status $st, ready_ms $rd; last lines of $2:"
		tail -n 15 "$2" | sed 's/^/bench:   /' >&2
		return 1
	fi
}

bench_boot() {
	r=1
	while [ $r -le "$BOOT_REPS" ]; do
		for v in $VMMS; do
			log=$WORK/bench-boot.$v.$r.log
			# The guest's uptime right after the marker splits the boot into
			# the part before the guest kernel's clock starts (VMM set-up,
			# firmware, kernel decompression) and the kernel's and init's.
			line=$(run_vm "$v" 'echo "uptime $(cut -d" " -f1 /proc/uptime)"' 0 "$log" -t 120)
			check "$v" "$log" "$line" || continue
			rd=$(field ready_ms "$line")
			out boot "$v" $r ready_ms "$rd"
			out boot "$v" $r exit_ms "$(field exit_ms "$line")"
			up=$(tr -d '\r' <"$log" | sed -n 's/^uptime \([0-9.]*\)$/\1/p' | head -1)
			if [ -n "$up" ]; then
				out boot "$v" $r guest_uptime_ms "$(awk -v u="$up" 'BEGIN { printf "%.0f", u * 1000 }')"
				out boot "$v" $r before_clock_ms "$(awk -v u="$up" -v r="$rd" 'BEGIN { printf "%.0f", r - u * 1000 }')"
			fi
		done
		r=$((r + 1))
	done
}

# One boot per VMM without "quiet", its console on ours as "@@L VMM LINE": the
# kernel's timestamps show where each spends its boot time.
bench_trace() {
	for v in $VMMS; do
		log=$WORK/bench-trace.$v.log
		quiet_cmdline=$CMDLINE
		CMDLINE="console=ttyS0 reboot=acpi panic=-1"
		echo "@@I trace_$v $(run_vm "$v" true 0 "$log" -t 120)"
		CMDLINE=$quiet_cmdline
		tr -d '\r' <"$log" | sed "s/^/@@L $v /"
	done
}

bench_mem() {
	ram=$((MEM_MB * 1048576))
	r=1
	while [ $r -le "$MEM_REPS" ]; do
		for v in $VMMS; do
			log=$WORK/bench-mem.$v.$r.log
			# The guest idles 3 s at its ready marker; vmtime samples for 2 s of it.
			line=$(run_vm "$v" 'sleep 3' 0 "$log" -t 120 -r $ram -s 2000)
			check "$v" "$log" "$line" || continue
			g=$(field guest_kb "$line")
			t=$(field total_kb "$line")
			h=$(field hwm_kb "$line")
			[ "$g" -gt 0 ] || { say "$v: no guest RAM mapping found"; continue; }
			# VmHWM comes from counters that may lag the smaps sum by a few pages.
			[ "$t" -gt "$h" ] && h=$t
			out mem "$v" $r guest_kb "$g"
			out mem "$v" $r hwm_kb "$h"
			out mem "$v" $r overhead_peak_kb $((h - g))
			out mem "$v" $r overhead_now_kb $((t - g))
		done
		r=$((r + 1))
	done
}

# fio_script: the jobs as a sh script run with FIO (the fio command) and DEV
# (the file or device) set, on the host and in the guests alike; prints
# "@@F JOB FIGURE" (IOPS for 4k, MiB/s for 1M).
fio_script() {
	cat <<EOF
for j in $(echo $JOBS); do
	set -- \$(echo \$j | tr : ' ')
	line=\$(\$FIO --name=\$1 --filename=\$DEV --rw=\$2 --bs=\$3 --iodepth=\$4 \\
		--ioengine=libaio --direct=1 --size=${FIO_MB}M --runtime=$FIO_RT --time_based \\
		--output-format=terse --terse-version=3 2>&1 | grep '^3;')
	case \$2 in *read) bw=\$(echo "\$line" | cut -d';' -f7); io=\$(echo "\$line" | cut -d';' -f8) ;;
	*) bw=\$(echo "\$line" | cut -d';' -f48); io=\$(echo "\$line" | cut -d';' -f49) ;; esac
	if [ \$3 = 4k ]; then echo "@@F \$1 \$io"; else echo "@@F \$1 \$((bw / 1024))"; fi
done
EOF
}

make_disks() {
	DATA=$WORK/bench-data.img
	TOOLSIMG=$WORK/bench-tools.img
	dd if=/dev/zero of="$DATA" bs=1M count="$FIO_MB" 2>/dev/null || return 1
	tdir=$WORK/bench-tools
	rm -rf "$tdir"
	mkdir -p "$tdir/lib"
	cp "$TOOLS/fio" "$tdir/fio"
	LD_TRACE_LOADED_OBJECTS=1 /lib64/ld-linux-x86-64.so.2 "$TOOLS/fio" | grep -o '/[^ ]*' |
		while read -r lib; do cp -L "$lib" "$tdir/lib/"; done
	cp -L /lib64/ld-linux-x86-64.so.2 "$tdir/lib/"
	fio_script >"$tdir/jobs.sh"
	cp "$tdir/jobs.sh" "$WORK/bench-jobs.sh"
	dd if=/dev/zero of="$TOOLSIMG" bs=1M count=160 2>/dev/null
	"$TOOLS/mke2fs" -q -t ext4 -d "$tdir" -F "$TOOLSIMG" || return 1
	rm -rf "$tdir"
}

host_fio() {
	tag=$1
	r=1
	while [ $r -le "$FIO_REPS" ]; do
		FIO=$TOOLS/fio DEV=$DATA sh "$WORK/bench-jobs.sh" | sed -n 's/^@@F //p' |
			while read -r name val; do out disk "$tag" $r "$name" "$val"; done
		r=$((r + 1))
	done
}

bench_disk() {
	make_disks || { say "cannot build the disks"; return 1; }
	host_fio host-before
	# Disks found by serial, not by order; the jobs come on the tools disk.
	guest='mkdir -p /t
for d in /sys/block/vd*; do
	case $(cat $d/serial) in data) DEV=/dev/${d##*/} ;; tools) T=/dev/${d##*/} ;; esac
done
mount -o ro $T /t || exit 1
export DEV FIO="/t/lib/ld-linux-x86-64.so.2 --library-path /t/lib /t/fio"
sh /t/jobs.sh'
	r=1
	while [ $r -le "$FIO_REPS" ]; do
		for v in minivmm qemu-q35; do
			log=$WORK/bench-disk.$v.$r.log
			line=$(run_vm "$v" "$guest" 1 "$log" -t 600)
			check "$v" "$log" "$line" || continue
			tr -d '\r' <"$log" | sed -n 's/^@@F //p' |
				while read -r name val; do out disk "$v" $r "$name" "$val"; done
			tr -d '\r' <"$log" | sed -n "s/^\(minivmm: \)*stats:/@@S $v $r stats:/p"
			[ -n "${BENCH_SHOW_LOGS:-}" ] && tr -d '\r' <"$log" | sed "s/^/@@D $v $r /"
		done
		r=$((r + 1))
	done
	host_fio host-after
	rm -f "$DATA" "$TOOLSIMG" "$WORK/bench-jobs.sh"
}

echo "@@I kernel $(uname -r)"
echo "@@I cpus $(grep -c ^processor /proc/cpuinfo)"
echo "@@I loadavg_start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "@@I qemu $("$QEMU" --version | head -1)"
echo "@@I settings boot_reps=$BOOT_REPS mem_reps=$MEM_REPS fio_reps=$FIO_REPS fio_runtime=${FIO_RT}s fio_size=${FIO_MB}MiB guest_mem=${MEM_MB}MiB cpus=$CPUS"
for s in $ONLY; do
	t0=$(date +%s)
	say "section $s"
	"bench_$s"
	say "section $s took $(($(date +%s) - t0)) s"
done
echo "@@I loadavg_end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "@@I done"
