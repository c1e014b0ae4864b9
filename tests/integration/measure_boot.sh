#!/bin/sh
# Not a test: boot figures. Launch-to-ready time, the part of it before the
# guest kernel's clock starts (minivmm's loading, a bzImage's decompressor),
# and minivmm's RSS at the ready marker, for the bzImage and the PVH vmlinux.
#   harness.sh --minivmm BIN --kit DIR --tests tests/integration -- sh measure_boot.sh [RUNS]
# Polls every 0.1 s: times are good to about 0.2 s.
K=$KIT
up() { cut -d' ' -f1 /proc/uptime; }
one() {
	label=$1 bin=$2 kern=$3
	shift 3
	out=$WORK/m.out
	rm -f "$out"
	t0=$(up)
	# run= is base64 of: echo guest-uptime=$(cut -d" " -f1 /proc/uptime); sleep 3
	"$bin" --kernel "$kern" --initrd "$K/initrd.img" --timeout 60 "$@" --cmdline 'quiet run="echo ZWNobyBndWVzdC11cHRpbWU9JChjdXQgLWQiICIgLWYxIC9wcm9jL3VwdGltZSk7IHNsZWVwIDMK|base64 -d|sh"' >"$out" 2>&1 </dev/null &
	pid=$!
	n=0
	while ! grep -q 'minivmm-guest: ready' "$out" 2>/dev/null; do
		n=$((n + 1))
		if ! kill -0 $pid 2>/dev/null; then
			wait $pid
			echo "measure: $label: exited with $? before the ready marker: $(tail -3 "$out" | tr '\n' ' ')"
			return
		fi
		[ $n -lt 900 ] || { echo "measure: $label: no ready marker: $(tail -3 "$out" | tr '\n' ' ')"; kill $pid; wait $pid; return; }
		sleep 0.1
	done
	t1=$(up)
	rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status)
	hwm=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status)
	huge=$(sed -n 's/^HugetlbPages:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status)
	anon=$(sed -n 's/^RssAnon:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status)
	file=$(sed -n 's/^RssFile:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status)
	# Thread stacks (the 256 KiB mappings): resident kB / size.
	stk=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{h=$0} /^Size:/{s=$2} /^Rss:/{if (s>=200 && s<=300) printf "%s/%skB ", $2, s}' /proc/$pid/smaps)
	wait $pid
	st=$?
	gup=$(sed -n 's/^guest-uptime=\([0-9.]*\).*/\1/p' "$out" | head -1)
	echo "measure: $label ready=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")s guest_uptime=${gup}s pre_kernel=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0 - ${gup:-0}}")s rss=${rss}kB hwm=${hwm}kB anon=${anon}kB file=${file}kB hugetlb=${huge}kB stacks=[$stk] status=$st"
}
echo "measure: start"
i=0
while [ $i -lt "${1:-3}" ]; do
	i=$((i + 1))
	one "bzImage#$i" "$MINIVMM" "$K/vmlinuz"
	[ -f "$K/vmlinux" ] && one "PVH#$i" "$MINIVMM" "$K/vmlinux"
done
echo "measure: done"
